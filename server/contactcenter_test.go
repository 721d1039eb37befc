package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/ent/surveyresult"
	"github.com/switchboard/switchboard/server"
)

// textsTo returns the texts the fake Bot API was asked to send to chat.
func (s *telegramSetup) textsTo(chat int64) []string {
	var out []string
	for _, m := range s.fake.Messages() {
		if m.ChatID == chat {
			out = append(out, m.Text)
		}
	}
	return out
}

// waitTexts waits until chat has been sent n texts and returns them.
func (s *telegramSetup) waitTexts(t *testing.T, chat int64, n int) []string {
	t.Helper()
	var got []string
	eventually(t, "texts to the customer", func() bool {
		got = s.textsTo(chat)
		return len(got) >= n
	})
	return got
}

// TestSystemMessagesTellTheQueue: customers are told their place in the
// queue, its changes, and who joined, each in the words the account chose:
// CUSTOM (its own text), DEFAULT (the tenant's), DISABLED (nothing).
func TestSystemMessagesTellTheQueue(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	_, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("You are number {position} in line, {customerName}.")},
		{Event: client.SystemMessageEventPositionChanged, Mode: client.SystemMessageModeCustom, Text: ptr("Now number {position}.")},
		{Event: client.SystemMessageEventEstimatedWait, Mode: client.SystemMessageModeCustom, Text: ptr("Expect to wait {wait}.")},
		{Event: client.SystemMessageEventAgentJoined, Mode: client.SystemMessageModeDefault},
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeDisabled},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateDefaultSystemMessages(ctx, s.admin, []client.DefaultSystemMessageInput{
		{Event: client.SystemMessageEventAgentJoined, Text: ptr("{agentName} is here to help.")},
	}); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})

	// Nobody is READY: both wait, and learn their places (nothing for the
	// DISABLED start).
	s.deliver(t, telegramUpdate(1, 1, 8001, "first"), s.secret)
	s.deliver(t, telegramUpdate(2, 2, 8002, "second"), s.secret)
	if got := s.waitTexts(t, 8001, 1); len(got) != 1 || got[0] != "You are number 1 in line, Nic Pottier." {
		t.Fatalf("first customer was told %q", got)
	}
	// With one ahead and no answered conversation yet to learn from, the
	// estimate is a minute a place.
	if got := s.waitTexts(t, 8002, 2); len(got) != 2 || got[0] != "You are number 2 in line, Nic Pottier." || got[1] != "Expect to wait about 2 minutes." {
		t.Fatalf("second customer was told %q", got)
	}

	// Ann becomes READY: the first is offered to her, the second moves up.
	ann.ready(t)
	o := ann.offer(t)
	if got := s.waitTexts(t, 8002, 3); got[2] != "Now number 1." {
		t.Fatalf("second customer's update: %q", got)
	}
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 8001, 2); got[1] != "agent ann is here to help." {
		t.Fatalf("first customer after the accept: %q", got)
	}
	// Closing sends nothing (DISABLED); then DEFAULT with the built-in text
	// does.
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	second := ann.offer(t)
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeDefault},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AcceptOffer(ctx, ann.c, second.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, second.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	got := s.waitTexts(t, 8002, 5)
	closed := strings.ReplaceAll(defaultTexts(t, s.admin)[client.SystemMessageEventConversationClosed].Text, "{customerName}", "Nic Pottier")
	if got[3] != "agent ann is here to help." || got[4] != closed {
		t.Fatalf("second customer's texts: %q; want the tenant's closing text %q last", got, closed)
	}
	if first := s.textsTo(8001); len(first) != 2 {
		t.Fatalf("the first customer got %q; the DISABLED close sends nothing", first)
	}
}

// billingScenario exercises every block: a greeting, an If on the message,
// Collect with validation, Find Agent with skills and a timeout, Connect
// Chat, the survey and Exit.
const billingScenario = `{
  "start": "hello",
  "blocks": [
    {"id": "hello", "type": "SEND_MESSAGE", "sendMessage": {"text": "Hi {customerName}!"}, "exits": [{"name": "next", "to": "route"}]},
    {"id": "route", "type": "IF",
     "if": {"branches": [{"name": "billing", "conditions": [{"subject": "MESSAGE_TEXT", "op": "CONTAINS", "value": "invoice", "ignoreCase": true}]}]},
     "exits": [{"name": "billing", "to": "ask"}, {"name": "else", "to": "bye"}]},
    {"id": "ask", "type": "COLLECT",
     "collect": {"question": "Your order number?", "variable": "order", "pattern": "[0-9]+", "retryText": "Digits, please.", "maxAttempts": 2},
     "exits": [{"name": "done", "to": "find"}, {"name": "failed", "to": "bye"}]},
    {"id": "find", "type": "FIND_AGENT", "findAgent": {"skills": [{"skill": "billing", "minLevel": 3}], "timeoutSeconds": 60},
     "exits": [{"name": "found", "to": "chat"}, {"name": "timeout", "to": "sorry"}]},
    {"id": "chat", "type": "CONNECT_CHAT", "exits": [{"name": "agentLeft", "to": "survey"}, {"name": "customerLeft", "to": "end"}]},
    {"id": "survey", "type": "SURVEY", "survey": {"question": "How did {agentName} do, 1 to 5?", "commentQuestion": "Anything else?"},
     "exits": [{"name": "done", "to": "end"}]},
    {"id": "sorry", "type": "SEND_MESSAGE", "sendMessage": {"text": "No agent is free."}, "exits": [{"name": "next", "to": "end"}]},
    {"id": "bye", "type": "SEND_MESSAGE", "sendMessage": {"text": "Please write about an invoice."}, "exits": [{"name": "next", "to": "end"}]},
    {"id": "end", "type": "EXIT", "exit": {"closingText": "Thanks, {customerName} (order {order})."}}
  ]
}`

// TestScenarioRunsEveryBlockAndResumesAfterRestart: a saved scenario greets,
// branches on the message, collects an answer (retrying a bad one), finds an
// agent with the skill, connects the chat, asks the survey after the agent
// closes, stores it and says goodbye; a restart mid-scenario resumes where
// the run was. The other branch ends at once and closes the conversation.
func TestScenarioRunsEveryBlockAndResumesAfterRestart(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	for _, e := range []client.SystemMessageEvent{client.SystemMessageEventConversationStarted, client.SystemMessageEventQueued,
		client.SystemMessageEventPositionChanged, client.SystemMessageEventAgentJoined, client.SystemMessageEventConversationClosed,
		client.SystemMessageEventAgentLeft} {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{{Event: e, Mode: client.SystemMessageModeDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	// A scenario with a problem is refused where the problem is.
	bad := scenarioInput(t, strings.Replace(billingScenario, `{"name": "timeout", "to": "sorry"}`, `{"name": "timeout", "to": "nowhere"}`, 1))
	_, err := client.SaveScenario(ctx, s.admin, svc, bad)
	wantCode(t, err, "BAD_USER_INPUT")
	if f := errField(t, err); !strings.Contains(f, "blocks[find]") {
		t.Fatalf("the problem is reported at %q, want the find block", f)
	}
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, billingScenario)); err != nil {
		t.Fatal(err)
	}
	annToken := s.userToken(t, "agent bea", client.UserRoleAgent)
	bea := subscribeRouted(t, s, s.as(annToken), 2, client.SkillInput{Name: "billing", Level: 4})

	// The other branch: a greeting, the hint, the closing, and it is closed.
	s.deliver(t, telegramUpdate(1, 1, 9001, "hello"), s.secret)
	if got := s.waitTexts(t, 9001, 3); got[0] != "Hi Nic Pottier!" || got[1] != "Please write about an invoice." || got[2] != "Thanks, Nic Pottier (order )." {
		t.Fatalf("else branch: %q", got)
	}

	// The billing branch: asked for the order number; a bad answer retried.
	s.deliver(t, telegramUpdate(2, 2, 9002, "my INVOICE is wrong"), s.secret)
	if got := s.waitTexts(t, 9002, 2); got[1] != "Your order number?" {
		t.Fatalf("billing branch: %q", got)
	}
	s.deliver(t, telegramUpdate(3, 3, 9002, "no idea"), s.secret)
	if got := s.waitTexts(t, 9002, 3); got[2] != "Digits, please." {
		t.Fatalf("bad answer: %q", got)
	}

	// Restart while the run waits for the answer (once the bot's messages
	// are marked sent: one in flight would be sent again, at least once).
	var billingConv string
	list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Conversations.Edges {
		if e.Node.Contact.ProviderUserID == "9002" {
			billingConv = e.Node.Id
		}
	}
	eventually(t, "the bot's messages sent", func() bool {
		for _, e := range s.conversation(t, s.admin, billingConv).Messages.Edges {
			if e.Node.Direction == client.MessageDirectionOutbound && e.Node.Status == client.MessageStatusQueued {
				return false
			}
		}
		return true
	})
	s.restart(t)
	bea = subscribeRouted(t, s, s.as(annToken), 2, client.SkillInput{Name: "billing", Level: 4})
	bea.ready(t)
	s.deliver(t, telegramUpdate(4, 4, 9002, "12345"), s.secret)
	o := bea.offer(t)
	if _, err := client.AcceptOffer(ctx, bea.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	// The agent ends the chat: the survey follows, on the closed conversation.
	if _, err := client.CloseConversation(ctx, bea.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 9002, 4); got[3] != "How did agent bea do, 1 to 5?" {
		t.Fatalf("survey: %q", got)
	}
	s.deliver(t, telegramUpdate(5, 5, 9002, "5"), s.secret)
	if got := s.waitTexts(t, 9002, 5); got[4] != "Anything else?" {
		t.Fatalf("comment question: %q", got)
	}
	s.deliver(t, telegramUpdate(6, 6, 9002, "quick and kind"), s.secret)
	if got := s.waitTexts(t, 9002, 6); got[5] != "Thanks, Nic Pottier (order 12345)." {
		t.Fatalf("closing: %q", got)
	}
	convID, _ := strconv.Atoi(o.Conversation.Id)
	results, err := s.srv.Client().SurveyResult.Query().Where(surveyresult.ConversationID(convID)).All(core.SystemContext(ctx))
	if err != nil || len(results) != 1 || results[0].Rating != 5 || results[0].Comment != "quick and kind" || results[0].AgentID == nil {
		t.Fatalf("survey results: %v %+v", err, results)
	}
	// The supervisor's figures count the answer.
	figures, err := client.ServiceStats(ctx, s.admin, &svc, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil || len(figures.ServiceStats) != 1 || figures.ServiceStats[0].Ratings != 1 ||
		figures.ServiceStats[0].AverageRating == nil || *figures.ServiceStats[0].AverageRating != 5 {
		t.Fatalf("the service's satisfaction after one survey answered 5: %v %+v", err, figures)
	}
	// The survey's answers did not reopen the conversation.
	if c := s.conversation(t, s.admin, o.Conversation.Id); c == nil || c.Status != client.ConversationStatusClosed {
		t.Fatalf("conversation after the survey: %+v", c)
	}

	// Collect's failed exit: no valid answer within maxAttempts.
	s.deliver(t, telegramUpdate(7, 7, 9003, "invoice"), s.secret)
	s.waitTexts(t, 9003, 2)
	s.deliver(t, telegramUpdate(8, 8, 9003, "what?"), s.secret)
	s.waitTexts(t, 9003, 3)
	s.deliver(t, telegramUpdate(9, 9, 9003, "no"), s.secret)
	got := s.waitTexts(t, 9003, 5)
	want := []string{"Hi Nic Pottier!", "Your order number?", "Digits, please.", "Please write about an invoice.", "Thanks, Nic Pottier (order )."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("collect failed: %q, want %q", got, want)
	}
}

// restart stops the server and starts a new one on the same data folder
// (and a new address), as after a crash or a deploy.
func (s *telegramSetup) restart(t *testing.T) {
	t.Helper()
	s.srv.Shutdown()
	s.http.Close()
	s.srv.Close()
	srv, err := server.New(context.Background(), s.cfg, slog.New(slog.NewJSONHandler(s.logs, nil)))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Start()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Shutdown)
	path := s.hookURL[len(s.http.URL):]
	s.srv, s.http = srv, hs
	s.admin = client.New(hs.URL, s.adminToken)
	s.hookURL = hs.URL + path
}

// waitScenario is a Find Agent with a timeout, and what follows it.
func waitScenario(timeout int) string {
	return `{"start": "find", "blocks": [
    {"id": "find", "type": "FIND_AGENT", "findAgent": {"timeoutSeconds": ` + strconv.Itoa(timeout) + `},
     "exits": [{"name": "found", "to": "chat"}, {"name": "timeout", "to": "sorry"}]},
    {"id": "chat", "type": "CONNECT_CHAT", "exits": [{"name": "agentLeft", "to": "end"}, {"name": "customerLeft", "to": "end"}]},
    {"id": "sorry", "type": "SEND_MESSAGE", "sendMessage": {"text": "No agent is free."}, "exits": [{"name": "next", "to": "end"}]},
    {"id": "end", "type": "EXIT", "exit": {"closingText": "Bye."}}]}`
}

// scenarioInput is a scenario in its JSON shape as the typed GraphQL input,
// which has the same shape.
func scenarioInput(t *testing.T, raw string) *client.ScenarioInput {
	t.Helper()
	var in client.ScenarioInput
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		t.Fatalf("scenario JSON: %v", err)
	}
	return &in
}

// telegramLeft is a real-format my_chat_member update: the customer in
// private chat blocked the bot (left).
func telegramLeft(updateID int, chatID int64) string {
	id := strconv.FormatInt(chatID, 10)
	return `{"update_id":` + strconv.Itoa(updateID) + `,"my_chat_member":{"chat":{"id":` + id + `,"type":"private","first_name":"Nic"},` +
		`"from":{"id":` + id + `,"is_bot":false,"first_name":"Nic"},"date":1700000100,` +
		`"old_chat_member":{"user":{"id":424242,"is_bot":true,"first_name":"Support"},"status":"member"},` +
		`"new_chat_member":{"user":{"id":424242,"is_bot":true,"first_name":"Support"},"status":"kicked","until_date":0}}}`
}

// TestScenarioTimeoutAndCustomerLeaving: a Find Agent nobody answers in time
// takes its timeout exit and the conversation closes; a customer who leaves
// while waiting ends the run, and the conversation is abandoned.
func TestScenarioTimeoutAndCustomerLeaving(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	for _, e := range []client.SystemMessageEvent{client.SystemMessageEventConversationStarted, client.SystemMessageEventQueued,
		client.SystemMessageEventPositionChanged, client.SystemMessageEventConversationClosed} {
		if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{{Event: e, Mode: client.SystemMessageModeDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventNoAgentAvailable, Mode: client.SystemMessageModeCustom, Text: ptr("All busy, {customerName}.")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, waitScenario(1))); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(1, 1, 9101, "anyone?"), s.secret)
	if got := s.waitTexts(t, 9101, 3); got[0] != "All busy, Nic Pottier." || got[1] != "No agent is free." || got[2] != "Bye." {
		t.Fatalf("after the timeout: %q", got)
	}
	first := s.onlyConversation(t)
	eventually(t, "the timed-out conversation closed", func() bool {
		c := s.conversation(t, s.admin, first)
		return c != nil && c.Status == client.ConversationStatusClosed && !c.Queued
	})

	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, waitScenario(600))); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 9102, "hello"), s.secret)
	var second string
	eventually(t, "the second customer waiting", func() bool {
		list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
		if err != nil {
			return false
		}
		for _, e := range list.Conversations.Edges {
			if e.Node.Contact.ProviderUserID == "9102" && e.Node.Queued {
				second = e.Node.Id
			}
		}
		return second != ""
	})
	s.deliver(t, telegramLeft(3, 9102), s.secret)
	eventually(t, "the abandoned conversation closed", func() bool {
		c := s.conversation(t, s.admin, second)
		return c != nil && c.Status == client.ConversationStatusClosed && !c.Queued
	})
	convID, _ := strconv.Atoi(second)
	abandoned, err := s.srv.Client().Conversation.Get(core.SystemContext(ctx), convID)
	if err != nil || !abandoned.Abandoned {
		t.Fatalf("a customer who left while waiting: %v %+v", err, abandoned)
	}
	// Nothing is sent to a customer who left (the closing text is for
	// those still there; Telegram would refuse it anyway).
	if got := s.textsTo(9102); len(got) != 0 {
		t.Fatalf("the customer who left was sent %q", got)
	}
}

// TestOutsideHours: a customer who writes outside the service's opening hours
// is told so (and still waits in the queue); within them, not.
func TestOutsideHours(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("Queued.")},
		{Event: client.SystemMessageEventEstimatedWait, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventOutsideHours, Mode: client.SystemMessageModeCustom, Text: ptr("We are closed, {customerName}.")},
	}); err != nil {
		t.Fatal(err)
	}
	// Open for half an hour a day, twelve hours from now: closed now.
	h := (time.Now().UTC().Hour() + 12) % 24
	closed := fmt.Sprintf("%02d:00-%02d:30", h, h)
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{Hours: &closed}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(1, 1, 9201, "hello?"), s.secret)
	if got := s.waitTexts(t, 9201, 2); got[0] != "We are closed, Nic Pottier." || got[1] != "Queued." {
		t.Fatalf("outside hours: %q", got)
	}
	open := "00:00-24:00"
	if _, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{Hours: &open}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 9202, "hello"), s.secret)
	if got := s.waitTexts(t, 9202, 1); len(got) != 1 || got[0] != "Queued." {
		t.Fatalf("within hours: %q", got)
	}
	_, err := client.UpdateChatService(ctx, s.admin, svc, client.ChatServiceInput{Hours: ptr("Someday 25:00")})
	wantCode(t, err, "BAD_USER_INPUT")
}

// TestScenarioRoundTrip: a scenario read as the typed Scenario (here the
// template) saves unchanged as ScenarioInput, and reads back the same.
func TestScenarioRoundTrip(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	def, err := client.DefaultScenario(ctx, s.agent)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(def.DefaultScenario.ScenarioFields)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, string(raw)))
	if err != nil {
		t.Fatalf("saving the template back: %v", err)
	}
	back, _ := json.Marshal(saved.SaveScenario.Scenario.ScenarioFields)
	if string(back) != string(raw) {
		t.Fatalf("read back\n%s\nwant\n%s", back, raw)
	}
	if len(def.DefaultScenario.Blocks) < 6 || def.DefaultScenario.Start == "" {
		t.Fatalf("template: %s", raw)
	}
}

// TestSystemMessagesOnStartTransferAndLeave: the start of a conversation, a
// transfer to an agent (CUSTOM, with the agent's name) or to a queue
// (DEFAULT: the tenant's text), and an agent leaving a scenario's chat are
// each told to the customer, in that order with what follows them.
func TestSystemMessagesOnStartTransferAndLeave(t *testing.T) {
	s, billing := newRoutingSetup(t, 60)
	ctx := context.Background()
	in := []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeCustom, Text: ptr("Welcome, {customerName}.")},
		{Event: client.SystemMessageEventTransferred, Mode: client.SystemMessageModeCustom, Text: ptr("Now with {agentName}.")},
		{Event: client.SystemMessageEventAgentLeft, Mode: client.SystemMessageModeCustom, Text: ptr("{agentName} has left.")},
	}
	for _, e := range []client.SystemMessageEvent{client.SystemMessageEventQueued, client.SystemMessageEventPositionChanged,
		client.SystemMessageEventEstimatedWait, client.SystemMessageEventAgentJoined, client.SystemMessageEventConversationClosed} {
		in = append(in, client.SystemMessageInput{Event: e, Mode: client.SystemMessageModeDisabled})
	}
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, in); err != nil {
		t.Fatal(err)
	}
	// Nobody here has the skill VIP asks for: its conversation waits.
	vip, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("VIP"), RequiredSkills: []client.SkillInput{{Name: "vip", Level: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 2, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 2, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)

	s.deliver(t, telegramUpdate(1, 1, 8301, "hi"), s.secret)
	if got := s.waitTexts(t, 8301, 1); got[0] != "Welcome, Nic Pottier." {
		t.Fatalf("start: %q", got)
	}
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferConversation(ctx, ann.c, o.Conversation.Id, bob.id); err != nil {
		t.Fatal(err)
	}
	if got := s.waitTexts(t, 8301, 2); got[1] != "Now with agent bob." {
		t.Fatalf("transfer to Bob: %q", got)
	}
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventTransferred, Mode: client.SystemMessageModeDefault}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferToService(ctx, bob.c, o.Conversation.Id, vip.CreateChatService.Id); err != nil {
		t.Fatal(err)
	}
	tenantText := defaultTexts(t, s.admin)[client.SystemMessageEventTransferred].Text
	if got := s.waitTexts(t, 8301, 3); got[2] != tenantText || tenantText == "" {
		t.Fatalf("transfer to VIP: %q, want the tenant's text %q", got, tenantText)
	}

	// In a scenario's chat, the agent who closes it has left; then the
	// scenario says goodbye.
	if _, err := client.SaveScenario(ctx, s.admin, billing, scenarioInput(t, waitScenario(600))); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(2, 2, 8302, "hi again"), s.secret)
	second := ann.offer(t)
	if second.Conversation.Id == o.Conversation.Id {
		t.Fatal("offered the VIP conversation instead of the new one")
	}
	if _, err := client.AcceptOffer(ctx, ann.c, second.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, second.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	want := []string{"Welcome, Nic Pottier.", "agent ann has left.", "Bye."}
	if got := s.waitTexts(t, 8302, 3); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("a scenario's chat the agent closed: %q, want %q", got, want)
	}
}

// TestTransferBackKeepsHistoryAndPlace: a conversation an agent sends back
// into its queue waits ahead of those that arrived after it (its place is
// its first arrival), and the next agent gets it with its whole history.
func TestTransferBackKeepsHistoryAndPlace(t *testing.T) {
	s, billing := newRoutingSetup(t, 60)
	ctx := context.Background()
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	bob := newRoutedAgent(t, s, "agent bob", 2, client.SkillInput{Name: "billing", Level: 3})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 8401, "my first question"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, ann.c, client.SendMessageInput{ConversationId: o.Conversation.Id, Text: ptr("Let me check.")}); err != nil {
		t.Fatal(err)
	}
	// A later customer waits: Ann is at capacity.
	s.deliver(t, telegramUpdate(2, 2, 8402, "a later question"), s.secret)
	if _, err := client.SetAgentState(ctx, ann.c, client.AgentStateInput{State: client.UserStateNotReady, Reason: ptr("break")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferToService(ctx, ann.c, o.Conversation.Id, billing); err != nil {
		t.Fatal(err)
	}
	bob.ready(t)
	next := bob.offer(t)
	if next.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Bob was offered %s, want the conversation sent back (first to arrive) %s", next.Conversation.Id, o.Conversation.Id)
	}
	if _, err := client.AcceptOffer(ctx, bob.c, next.Offer.Id); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range s.conversation(t, bob.c, o.Conversation.Id).Messages.Edges {
		texts = append(texts, e.Node.Text)
	}
	if len(texts) < 2 || texts[0] != "my first question" || !slices.Contains(texts, "Let me check.") {
		t.Fatalf("Bob sees %q, want the whole history", texts)
	}
}

// TestPositionUpdatesAreRateLimited: a waiting customer hears of a new place
// at most once per interval (30 seconds by default), except reaching the
// front, which is told at once.
func TestPositionUpdatesAreRateLimited(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("Number {position}.")},
		{Event: client.SystemMessageEventEstimatedWait, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventAgentJoined, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventConversationClosed, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventPositionChanged, Mode: client.SystemMessageModeCustom, Text: ptr("Now {position}.")},
	}); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	for i := range 4 {
		chat := int64(9601 + i)
		s.deliver(t, telegramUpdate(i+1, i+1, chat, "hello"), s.secret)
		if got := s.waitTexts(t, chat, 1); got[0] != fmt.Sprintf("Number %d.", i+1) {
			t.Fatalf("customer %d: %q", i+1, got)
		}
	}
	// The first is offered: the second reaches the front (told), the third
	// and fourth move up within seconds of hearing their place (not told).
	ann.ready(t)
	o := ann.offer(t)
	if got := s.waitTexts(t, 9602, 2); got[1] != "Now 1." {
		t.Fatalf("the second customer: %q", got)
	}
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CloseConversation(ctx, ann.c, o.Conversation.Id); err != nil {
		t.Fatal(err)
	}
	// The second is offered: the third reaches the front; the fourth, now
	// second, is still within the interval.
	ann.offer(t)
	if got := s.waitTexts(t, 9603, 2); len(got) != 2 || got[1] != "Now 1." {
		t.Fatalf("the third customer: %q", got)
	}
	// What the fourth was sent is stored with what the third was sent, in
	// the same round: the fourth's conversation shows no second message.
	list, err := client.Conversations(ctx, s.admin, ptr(10), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Conversations.Edges {
		if e.Node.Contact.ProviderUserID != "9604" {
			continue
		}
		var out []string
		for _, m := range s.conversation(t, s.admin, e.Node.Id).Messages.Edges {
			if m.Node.Direction == client.MessageDirectionOutbound {
				out = append(out, m.Node.Text)
			}
		}
		if len(out) != 1 || out[0] != "Number 4." {
			t.Fatalf("the fourth customer was sent %q; a place every few seconds is too many", out)
		}
		return
	}
	t.Fatal("the fourth customer's conversation is missing")
}

// TestPositionsAreNotRetoldAfterARestart: the customers still waiting when
// the server restarts heard of their places before it; the first routing
// round after the start does not tell them again.
func TestPositionsAreNotRetoldAfterARestart(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeCustom, Text: ptr("Number {position}.")},
		{Event: client.SystemMessageEventEstimatedWait, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventPositionChanged, Mode: client.SystemMessageModeCustom, Text: ptr("Now {position}.")},
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		s.deliver(t, telegramUpdate(i+1, i+1, int64(9701+i), "hello"), s.secret)
		s.waitTexts(t, int64(9701+i), 1)
	}
	eventually(t, "the greetings sent", func() bool {
		for _, e := range mustConversations(t, s).Conversations.Edges {
			for _, m := range s.conversation(t, s.admin, e.Node.Id).Messages.Edges {
				if m.Node.Status == client.MessageStatusQueued {
					return false
				}
			}
		}
		return true
	})
	s.restart(t)
	snaps, _ := watchQueue(t, s.admin)
	// A third customer: the round that queues them also goes over the
	// places of the first two.
	s.deliver(t, telegramUpdate(3, 3, 9703, "hello"), s.secret)
	nextSnapshot(t, snaps, "three waiting", func(q client.QueueSnapshotFields) bool { return queueOf(q, svc).Waiting == 3 })
	s.waitTexts(t, 9703, 1)
	for _, chat := range []int64{9701, 9702} {
		if got := s.textsTo(chat); len(got) != 1 {
			t.Fatalf("customer %d after the restart: %q; their place did not change", chat, got)
		}
	}
}

// mustConversations lists the first hundred conversations as an admin.
func mustConversations(t *testing.T, s *telegramSetup) *client.ConversationsResponse {
	t.Helper()
	list, err := client.Conversations(context.Background(), s.admin, ptr(100), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestReturningCustomerQueuesAnew: a customer who gave up while waiting and
// writes again queues from now (behind those who came meanwhile), and their
// conversation counts as waiting, not as abandoned.
func TestReturningCustomerQueuesAnew(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, waitScenario(600))); err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 1, client.SkillInput{Name: "billing", Level: 3})
	s.deliver(t, telegramUpdate(1, 1, 9801, "first"), s.secret)
	gaveUp := ""
	eventually(t, "the first customer waiting", func() bool {
		gaveUp = s.openConversationWith(t, 9801)
		return gaveUp != "" && s.conversation(t, s.admin, gaveUp).Queued
	})
	s.deliver(t, telegramLeft(2, 9801), s.secret)
	eventually(t, "the first customer gone", func() bool { return s.conversation(t, s.admin, gaveUp).Status == client.ConversationStatusClosed })
	s.deliver(t, telegramUpdate(3, 3, 9802, "second"), s.secret)
	eventually(t, "the second customer waiting", func() bool { return s.openConversationWith(t, 9802) != "" })
	s.deliver(t, telegramUpdate(4, 4, 9801, "I am back"), s.secret)
	eventually(t, "the first customer waiting again", func() bool {
		c := s.conversation(t, s.admin, gaveUp)
		return c.Status == client.ConversationStatusOpen && c.Queued
	})
	ann.ready(t)
	if o := ann.offer(t); o.Conversation.Id != s.openConversationWith(t, 9802) {
		t.Fatalf("Ann was offered %s first; the customer who came back (%s) must wait behind the one who came meanwhile", o.Conversation.Id, gaveUp)
	}
	id, _ := strconv.Atoi(gaveUp)
	row, err := s.srv.Client().Conversation.Get(core.SystemContext(ctx), id)
	if err != nil || row.Abandoned || row.AnsweredAt != nil {
		t.Fatalf("the returning customer's conversation: %v abandoned=%v answered=%v", err, row.Abandoned, row.AnsweredAt)
	}
}

// TestTransferToServiceLeavesTheOldSkillsBehind: a conversation whose Find
// Agent block asked for billing, transferred to VIP, waits for VIP's agents:
// it is not offered back to a billing agent without VIP's skill.
func TestTransferToServiceLeavesTheOldSkillsBehind(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.SaveScenario(ctx, s.admin, svc, scenarioInput(t, strings.Replace(waitScenario(600),
		`"findAgent": {"timeoutSeconds": 600}`, `"findAgent": {"skills": [{"skill": "billing", "minLevel": 3}], "timeoutSeconds": 600}`, 1))); err != nil {
		t.Fatal(err)
	}
	vip, err := client.CreateChatService(ctx, s.admin, client.ChatServiceInput{Name: ptr("VIP"), RequiredSkills: []client.SkillInput{{Name: "vip", Level: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ann := subscribeRouted(t, s, s.agent, 2, client.SkillInput{Name: "billing", Level: 3})
	vera := newRoutedAgent(t, s, "agent vera", 2, client.SkillInput{Name: "vip", Level: 2})
	ann.ready(t)
	s.deliver(t, telegramUpdate(1, 1, 9901, "hello"), s.secret)
	o := ann.offer(t)
	if _, err := client.AcceptOffer(ctx, ann.c, o.Offer.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TransferToService(ctx, ann.c, o.Conversation.Id, vip.CreateChatService.Id); err != nil {
		t.Fatal(err)
	}
	vera.ready(t)
	if got := vera.offer(t); got.Conversation.Id != o.Conversation.Id {
		t.Fatalf("Vera was offered %s, want the transferred %s", got.Conversation.Id, o.Conversation.Id)
	}
	if ann.sees(t, s, o.Conversation.Id) {
		t.Fatal("the billing agent without VIP's skill still sees the conversation she transferred")
	}
}

// TestDeletingAServiceFreesItsQueue: a deleted service's waiting
// conversations leave its queue and wait unassigned for any agent; its
// account's new conversations enter no queue.
func TestDeletingAServiceFreesItsQueue(t *testing.T) {
	s, svc := newRoutingSetup(t, 60)
	ctx := context.Background()
	bob := newRoutedAgent(t, s, "agent bob", 2) // no billing skill: never offered
	s.deliver(t, telegramUpdate(1, 1, 9951, "hello"), s.secret)
	waiting := s.onlyConversation(t)
	if bob.sees(t, s, waiting) {
		t.Fatal("an agent sees a queued conversation")
	}
	if _, err := client.DeleteChatService(ctx, bob.c, svc); errCode(t, err) != "FORBIDDEN" {
		t.Fatalf("an agent deleting a service: %v", err)
	}
	if _, err := client.DeleteChatService(ctx, s.admin, svc); err != nil {
		t.Fatal(err)
	}
	c := s.conversation(t, s.admin, waiting)
	if c.Queued || c.Service != nil || !bob.sees(t, s, waiting) {
		t.Fatalf("after the service's deletion: queued %v, service %+v, visible to any agent %v", c.Queued, c.Service, bob.sees(t, s, waiting))
	}
	services, err := client.ChatServices(ctx, s.admin)
	if err != nil || len(services.ChatServices) != 0 {
		t.Fatalf("services after the deletion: %v %+v", err, services)
	}
	s.deliver(t, telegramUpdate(2, 2, 9952, "anyone?"), s.secret)
	eventually(t, "the new customer's conversation", func() bool { return s.openConversationWith(t, 9952) != "" })
	if c := s.conversation(t, s.admin, s.openConversationWith(t, 9952)); c.Queued || !bob.sees(t, s, c.Id) {
		t.Fatalf("a new conversation of the account: queued %v, visible to any agent %v", c.Queued, bob.sees(t, s, c.Id))
	}
}

// TestDefaultQueueMessagesAsSent: with QUEUED and ESTIMATED_WAIT in DEFAULT
// mode, customers get the tenant's texts with their place and wait filled in.
func TestDefaultQueueMessagesAsSent(t *testing.T) {
	s, _ := newRoutingSetup(t, 60)
	ctx := context.Background()
	if _, err := client.UpdateSystemMessages(ctx, s.admin, s.accountID, []client.SystemMessageInput{
		{Event: client.SystemMessageEventConversationStarted, Mode: client.SystemMessageModeDisabled},
		{Event: client.SystemMessageEventQueued, Mode: client.SystemMessageModeDefault},
		{Event: client.SystemMessageEventEstimatedWait, Mode: client.SystemMessageModeDefault},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateDefaultSystemMessages(ctx, s.admin, []client.DefaultSystemMessageInput{
		{Event: client.SystemMessageEventQueued, Text: ptr("{customerName}, you are number {position}.")},
		{Event: client.SystemMessageEventEstimatedWait, Text: ptr("Expect to wait {wait}.")},
	}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, telegramUpdate(1, 1, 9961, "first"), s.secret)
	s.deliver(t, telegramUpdate(2, 2, 9962, "second"), s.secret)
	if got := s.waitTexts(t, 9961, 1); len(got) != 1 || got[0] != "Nic Pottier, you are number 1." {
		t.Fatalf("the first customer: %q", got)
	}
	if got := s.waitTexts(t, 9962, 2); got[0] != "Nic Pottier, you are number 2." || got[1] != "Expect to wait about 2 minutes." {
		t.Fatalf("the second customer: %q", got)
	}
}
