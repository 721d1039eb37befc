package scenario

// Default returns the scenario a new chat service starts with, after the seed
// documents' "Mobile Chat" template, so that a service routes chats the
// moment it has agents: greet, and within the service's opening hours (its
// hours setting, in its time zone, as OUTSIDE_HOURS reads them; a service
// without hours is always open) find an agent for up to five
// minutes, connect the chat, ask for a rating, say goodbye; outside hours, or
// when no agent is free, say so and end. Each call returns a new copy the
// caller may change.
func Default() *Scenario {
	return &Scenario{
		Start: "greeting",
		Blocks: []Block{
			{
				ID: "greeting", Type: TypeSendMessage,
				SendMessage: &SendMessageParams{Text: "Hello! Thank you for contacting us."},
				Exits:       []Exit{{ExitNext, "businessHours"}},
			},
			{
				ID: "businessHours", Type: TypeIf,
				If: &IfParams{Branches: []Branch{{
					Name:       "open",
					Conditions: []Condition{{Subject: SubjectTime, Op: OpWithin, Value: ServiceHours}},
				}}},
				Exits: []Exit{{"open", "findAgent"}, {ExitElse, "outsideHours"}},
			},
			{
				ID: "findAgent", Type: TypeFindAgent,
				FindAgent: &FindAgentParams{TimeoutSeconds: 5 * 60},
				Exits:     []Exit{{ExitFound, "chat"}, {ExitTimeout, "noAgent"}},
			},
			{
				ID: "chat", Type: TypeConnectChat,
				Exits: []Exit{{ExitAgentLeft, "survey"}, {ExitCustomerLeft, "end"}},
			},
			{
				ID: "survey", Type: TypeSurvey,
				Survey: &SurveyParams{
					Question:        "How would you rate this conversation, from 1 (poor) to 5 (excellent)?",
					CommentQuestion: "Thank you! Is there anything you would like to tell us?",
					RetryText:       "Please answer with a number from 1 to 5.",
				},
				Exits: []Exit{{ExitDone, "goodbye"}},
			},
			{
				ID: "goodbye", Type: TypeSendMessage,
				SendMessage: &SendMessageParams{Text: "Thank you for chatting with us. Goodbye!"},
				Exits:       []Exit{{ExitNext, "end"}},
			},
			{
				ID: "outsideHours", Type: TypeSendMessage,
				SendMessage: &SendMessageParams{Text: "We are closed right now. Please write to us again during our opening hours."},
				Exits:       []Exit{{ExitNext, "end"}},
			},
			{
				ID: "noAgent", Type: TypeSendMessage,
				SendMessage: &SendMessageParams{Text: "Sorry, all our agents are busy. Please try again a little later."},
				Exits:       []Exit{{ExitNext, "end"}},
			},
			{ID: "end", Type: TypeExit},
		},
	}
}
