package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// conditionsScenario asks what the customer wants, then branches: each
// branch says its name; "busy" and "else" then look for an agent (which
// connects the chat), the others end. Branches are tried in order:
//
//	otherDay  TIME within tomorrow (in the service's zone): never
//	vip       CONTACT_FIELD tier (a custom field) equals GOLD, ignoring case
//	german    CONTACT_FIELD language equals de (from the messenger)
//	urgent    VARIABLE answer (COLLECT's) contains URGENT, ignoring case
//	now       MESSAGE_TEXT "time?", TIME within today and within this hour
//	slow      ESTIMATED_WAIT more than 150 seconds
//	busy      QUEUE_LENGTH exactly 1
func conditionsScenario(t *testing.T, zone *time.Location) string {
	t.Helper()
	now := time.Now().In(zone)
	day := func(d time.Time) string { return d.Weekday().String()[:3] }
	end := now.Hour() + 1
	if now.Minute() >= 58 {
		end++ // not to cross the hour's end between here and the branch
	}
	hour := fmt.Sprintf("%02d:00-%02d:00", now.Hour(), min(end, 24))
	type cond map[string]any
	branches := []struct {
		name  string
		conds []cond
		next  string
	}{
		{"otherDay", []cond{{"subject": "TIME", "op": "WITHIN", "value": day(now.AddDate(0, 0, 1))}}, "end"},
		{"vip", []cond{{"subject": "CONTACT_FIELD", "field": "tier", "op": "EQUALS", "value": "GOLD", "ignoreCase": true}}, "end"},
		{"german", []cond{{"subject": "CONTACT_FIELD", "field": "language", "op": "EQUALS", "value": "de"}}, "end"},
		{"urgent", []cond{{"subject": "VARIABLE", "field": "answer", "op": "CONTAINS", "value": "URGENT", "ignoreCase": true}}, "end"},
		{"now", []cond{{"subject": "MESSAGE_TEXT", "op": "EQUALS", "value": "time?"},
			{"subject": "TIME", "op": "WITHIN", "value": day(now)}, {"subject": "TIME", "op": "WITHIN", "value": hour}}, "end"},
		{"slow", []cond{{"subject": "ESTIMATED_WAIT", "op": "GREATER_THAN", "number": 150}}, "end"},
		{"busy", []cond{{"subject": "QUEUE_LENGTH", "op": "EQUALS", "number": 1}}, "find"},
		{"else", nil, "find"},
	}
	blocks := []any{
		map[string]any{"id": "ask", "type": "COLLECT", "collect": map[string]any{"question": "How can we help?", "variable": "answer"},
			"exits": []any{map[string]any{"name": "done", "to": "route"}, map[string]any{"name": "failed", "to": "route"}}},
	}
	var ifBranches, ifExits []any
	for _, b := range branches {
		if b.conds != nil {
			ifBranches = append(ifBranches, map[string]any{"name": b.name, "conditions": b.conds})
		}
		ifExits = append(ifExits, map[string]any{"name": b.name, "to": "say_" + b.name})
		blocks = append(blocks, map[string]any{"id": "say_" + b.name, "type": "SEND_MESSAGE", "sendMessage": map[string]any{"text": b.name},
			"exits": []any{map[string]any{"name": "next", "to": b.next}}})
	}
	blocks = append(blocks,
		map[string]any{"id": "route", "type": "IF", "if": map[string]any{"branches": ifBranches}, "exits": ifExits},
		map[string]any{"id": "find", "type": "FIND_AGENT", "findAgent": map[string]any{"timeoutSeconds": 600},
			"exits": []any{map[string]any{"name": "found", "to": "chat"}, map[string]any{"name": "timeout", "to": "end"}}},
		map[string]any{"id": "chat", "type": "CONNECT_CHAT",
			"exits": []any{map[string]any{"name": "agentLeft", "to": "end"}, map[string]any{"name": "customerLeft", "to": "end"}}},
		map[string]any{"id": "end", "type": "EXIT", "exit": map[string]any{"closingText": "Bye."}},
	)
	raw, err := json.Marshal(map[string]any{"start": "ask", "blocks": blocks})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// openConversationWith is the ID of the open conversation of the customer in
// Telegram chat, as an admin sees it ("" when there is none).
func (s *telegramSetup) openConversationWith(t *testing.T, chat int64) string {
	t.Helper()
	list, err := client.Conversations(context.Background(), s.admin, ptr(100), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Conversations.Edges {
		if e.Node.Contact.ProviderUserID == strconv.FormatInt(chat, 10) && e.Node.Status == client.ConversationStatusOpen {
			return e.Node.Id
		}
	}
	return ""
}

// TestScenarioConditionsAndAgentsWhoStepIn drives every kind of IF condition
// through a running server (contact fields from the messenger and from
// updateContact, a COLLECT variable, time of day and day of week in the
// service's zone, queue length, estimated wait), then restarts the server
// while two conversations wait in Find Agent: they keep their order (the
// first customer writing again keeps its place), the first is offered and
// accepted, and the second, assigned by an admin while its run waits, is
// connected by its scenario too, as is a conversation assigned while the
// scenario was still asking its question.
func TestScenarioConditionsAndAgentsWhoStepIn(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	for _, e := range client.AllSystemMessageEvent {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{{Event: e, Mode: client.SystemMessageModeDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{TimeZone: ptr("Asia/Tokyo"), RequiredSkills: []client.SkillInput{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, conditionsScenario(t, tokyo))); err != nil {
		t.Fatal(err)
	}
	update := 0
	say := func(chat int64, text, language string) {
		t.Helper()
		update++
		from := telegramtest.Sender{ID: chat, FirstName: "Nic", LastName: "Pottier", LanguageCode: language}
		s.deliver(t, string(telegramtest.TextUpdate(int64(update), int64(update), from, text, time.Unix(int64(1700000000+update), 0))), s.secret)
	}
	// branchOf starts a customer's run, answers its question, and returns
	// the branch the scenario took (what it said next).
	branchOf := func(chat int64, answer, language string, before func(conv string)) string {
		t.Helper()
		say(chat, "hello", language)
		if got := s.waitTexts(t, chat, 1); got[0] != "How can we help?" {
			t.Fatalf("customer %d was first told %q", chat, got)
		}
		if before != nil {
			before(s.openConversationWith(t, chat))
		}
		say(chat, answer, "")
		return s.waitTexts(t, chat, 2)[1]
	}

	if got := branchOf(101, "hi", "de", nil); got != "german" {
		t.Fatalf("a customer whose Telegram is in German took %q, want german", got)
	}
	gold := func(conv string) {
		c := s.conversation(t, s.admin, conv)
		_, err := client.UpdateContact(ctx, s.agent, c.Contact.Id, client.UpdateContactInput{
			Fields: []client.ContactFieldInput{{Name: "tier", Value: "gold"}, {Name: "customerNo", Value: "C-77"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := branchOf(102, "hi", "", gold); got != "vip" {
		t.Fatalf("a customer whose tier an agent set to gold took %q, want vip", got)
	}
	if got := branchOf(103, "this is Urgent!", "", nil); got != "urgent" {
		t.Fatalf("an urgent answer took %q", got)
	}
	if got := branchOf(104, "time?", "", nil); got != "now" {
		t.Fatalf("a customer asking within this hour of today in Tokyo took %q, want now", got)
	}
	for _, chat := range []int64{101, 102, 103, 104} {
		if got := s.waitTexts(t, chat, 3); got[2] != "Bye." {
			t.Fatalf("customer %d's run did not end: %q", chat, got)
		}
	}
	// The queue fills: the first waits in Find Agent (else), the second
	// finds one waiting (busy), the third is third in line: 3 minutes
	// expected at a minute a place while the service has answered nobody.
	if got := branchOf(105, "x", "", nil); got != "else" {
		t.Fatalf("the first in an empty queue took %q, want else", got)
	}
	if got := branchOf(106, "x", "", nil); got != "busy" {
		t.Fatalf("the second in the queue took %q, want busy", got)
	}
	if got := branchOf(107, "x", "", nil); got != "slow" {
		t.Fatalf("the third in the queue took %q, want slow", got)
	}
	first, second := s.openConversationWith(t, 105), s.openConversationWith(t, 106)
	if c := s.conversation(t, s.admin, first); !c.Queued || c.Assignee != nil {
		t.Fatalf("the first customer does not wait: %+v", c)
	}

	// The first customer writes again while waiting: it keeps its place.
	say(105, "still there?", "")
	eventually(t, "the message stored", func() bool {
		ms := s.conversation(t, s.admin, first).Messages.Edges
		return len(ms) > 0 && ms[len(ms)-1].Node.Text == "still there?"
	})
	// The server restarts while both wait in Find Agent.
	annToken := s.userToken(t, "agent amy", client.UserRoleAgent)
	s.restart(t)
	ann := subscribeRouted(t, s, s.as(annToken), 1)
	ann.ready(t)
	o := ann.offer(t)
	if o.Conversation.Id != first {
		t.Fatalf("after the restart Ann was offered %s, want the first in line %s", o.Conversation.Id, first)
	}
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	// An admin gives Ann the second while its run waits for an agent (she
	// is at capacity, so the router would not): the scenario connects it.
	if _, err := client.AssignConversation(ctx, s.admin, second, ann.id); err != nil {
		t.Fatal(err)
	}
	// A customer whose conversation an admin gives Ann while the scenario
	// still asks its question: reaching Find Agent, the run connects at once.
	assign := func(conv string) {
		if _, err := client.AssignConversation(ctx, s.admin, conv, ann.id); err != nil {
			t.Fatal(err)
		}
	}
	if got := branchOf(108, "x", "", assign); got != "else" {
		t.Fatalf("the assigned customer took %q, want else", got)
	}
	third := s.openConversationWith(t, 108)
	if c := s.conversation(t, s.admin, third); c.Queued || c.Assignee == nil || c.Assignee.Id != ann.id {
		t.Fatalf("the conversation assigned during the scenario went back to the queue: %+v", c)
	}
	// Ann ends the three chats: each run leaves Connect Chat by agentLeft
	// and says goodbye; a run still waiting for an agent would have ended
	// without a word.
	for chat, conv := range map[int64]string{105: first, 106: second, 108: third} {
		if _, err := client.CloseConversation(ctx, ann.c, conv); err != nil {
			t.Fatal(err)
		}
		got := s.waitTexts(t, chat, 3)
		if got[len(got)-1] != "Bye." {
			t.Fatalf("customer %d after Ann closed the chat: %q", chat, got)
		}
	}

	// The contact's fields as the API shows them, and their validation.
	contact := s.conversation(t, s.admin, first).Contact.Id
	updated, err := client.UpdateContact(ctx, ann.c, contact, client.UpdateContactInput{Language: ptr("pt_BR"),
		Fields: []client.ContactFieldInput{{Name: "tier", Value: " silver "}, {Name: "note", Value: ""}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := updated.UpdateContact; d.Language != "pt-BR" || len(d.Fields) != 1 || d.Fields[0].Name != "tier" || d.Fields[0].Value != "silver" {
		t.Fatalf("updated contact: %+v", d)
	}
	for _, bad := range []client.UpdateContactInput{
		{Language: ptr("not a language")},
		{Fields: []client.ContactFieldInput{{Name: "language", Value: "de"}}},
		{Fields: []client.ContactFieldInput{{Name: "1st", Value: "x"}}},
		{Fields: []client.ContactFieldInput{{Name: "tier", Value: "a"}, {Name: "tier", Value: "b"}}},
	} {
		_, err := client.UpdateContact(ctx, s.admin, contact, bad)
		wantCode(t, err, "BAD_USER_INPUT")
	}
	// Another tenant's admin finds no such contact.
	_, err = client.UpdateContact(ctx, s.tenantAdmin(t, "other"), contact, client.UpdateContactInput{Language: ptr("de")})
	wantCode(t, err, "NOT_FOUND")
}
