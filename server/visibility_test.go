package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/server"
)

// TestAgentCannotReachAnotherAgentsOpenConversation: an agent neither opens a
// second conversation with a contact another agent is serving, nor sees that
// conversation through history; closed conversations remain history.
func TestAgentCannotReachAnotherAgentsOpenConversation(t *testing.T) {
	s := newTelegramSetup(t, func(c *server.Config) { c.ReopenWindow = time.Nanosecond })
	ctx := context.Background()
	bob := s.as(s.userToken(t, "agent bob", client.UserRoleAgent))
	ann := s.agent

	// An earlier conversation nobody took, closed; then a new one Bob takes.
	s.deliver(t, telegramUpdate(1, 1, 808, "first time"), s.secret)
	earlier := s.onlyConversation(t)
	if _, err := client.CloseConversation(ctx, s.admin, earlier); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 808, "my card was charged twice"), s.secret)
	all, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
	if err != nil || all.Conversations.TotalCount != 2 {
		t.Fatalf("conversations: %v %+v", err, all)
	}
	var bobs string
	for _, e := range all.Conversations.Edges {
		if e.Node.Id != earlier {
			bobs = e.Node.Id
		}
	}
	if _, err := client.TakeConversation(ctx, bob, bobs); err != nil {
		t.Fatal(err)
	}

	// Ann sees the earlier, unassigned conversation, but not Bob's: not in her
	// list, not by ID, not as the earlier one's history.
	if c := s.conversation(t, ann, bobs); c != nil {
		t.Fatalf("Ann reads Bob's open conversation: %+v", c)
	}
	mine, err := client.Conversations(ctx, ann, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range mine.Conversations.Edges {
		if e.Node.Id == bobs {
			t.Fatal("Ann's list holds Bob's open conversation")
		}
	}
	if c := s.conversation(t, ann, earlier); c == nil {
		t.Fatal("Ann cannot read the earlier conversation")
	} else {
		for _, h := range c.History {
			if h.Id == bobs {
				t.Fatal("Bob's open conversation is in the history Ann sees")
			}
		}
	}

	// Starting a conversation with the contact is refused, and makes no twin.
	contacts, err := client.Contacts(ctx, ann, ptr(10), nil, nil)
	if err != nil || contacts.Contacts.TotalCount != 1 {
		t.Fatalf("contacts: %v %+v", err, contacts)
	}
	contact := contacts.Contacts.Edges[0].Node.Id
	_, err = client.StartConversation(ctx, ann, contact)
	wantCode(t, err, "CONFLICT")
	if all, _ := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil); all.Conversations.TotalCount != 2 {
		t.Fatalf("%d conversations after a refused start; want 2", all.Conversations.TotalCount)
	}

	// Once Bob closes it, it is history: Ann's new conversation shows both.
	if _, err := client.CloseConversation(ctx, bob, bobs); err != nil {
		t.Fatal(err)
	}
	started, err := client.StartConversation(ctx, ann, contact)
	if err != nil {
		t.Fatal(err)
	}
	c := s.conversation(t, ann, started.StartConversation.Id)
	if c == nil || len(c.History) != 2 {
		t.Fatalf("Ann's new conversation's history: %+v", c)
	}
}

// TestAgentsSeeWhatTheyNeed: an agent lists only its own tokens and sees
// accounts by name and type; webhook addresses, settings and connection checks
// are for admins.
func TestAgentsSeeWhatTheyNeed(t *testing.T) {
	s := newTelegramSetup(t)
	ctx := context.Background()
	agentToken := s.userToken(t, "agent cid", client.UserRoleAgent)
	agent := s.as(agentToken)
	me, err := client.Me(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	all, err := client.Tokens(ctx, s.admin, ptr(50), nil, nil)
	if err != nil || all.Tokens.TotalCount < 3 {
		t.Fatalf("admin's token list: %v %+v", err, all)
	}
	own, err := client.Tokens(ctx, agent, ptr(50), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if own.Tokens.TotalCount != 1 || own.Tokens.Edges[0].Node.User.Id != me.Me.Id {
		t.Fatalf("an agent lists %d tokens: %+v", own.Tokens.TotalCount, own.Tokens.Edges)
	}
	for _, e := range all.Tokens.Edges {
		if e.Node.User.Id == me.Me.Id {
			continue
		}
		r := s.postQuery(t, agentToken, `{ node(id: "`+e.Node.Id+`") { id } }`)
		if len(r.Errors) > 0 || string(r.Data) != `{"node":null}` {
			t.Fatalf("an agent reads another user's token %s: %s", e.Node.Id, r.Body)
		}
	}

	r := s.postQuery(t, agentToken, `{ integrationAccounts(first: 10) { edges { node { id name type provider status } } } }`)
	if len(r.Errors) > 0 || !containsAll(string(r.Data), `"name":"support bot"`, `"type":"TELEGRAM"`) {
		t.Fatalf("an agent cannot list accounts by name: %s", r.Body)
	}
	for _, field := range []string{"accountId", "webhookUrl", "settings { __typename }", "lastTest { ok }"} {
		r := s.postQuery(t, agentToken, `{ integrationAccounts(first: 10) { edges { node { name `+field+` } } } }`)
		if r.code() != "FORBIDDEN" || containsAll(r.Body, s.hookURL[len(s.hookURL)-10:]) {
			t.Fatalf("an agent selecting %s: %s", field, r.Body)
		}
	}
	if _, err := client.IntegrationAccounts(ctx, s.admin, ptr(10), nil, nil, nil); err != nil {
		t.Fatalf("admin: %v", err)
	}
}
