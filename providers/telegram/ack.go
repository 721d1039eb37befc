package telegram

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.EventAcknowledger = Provider{}

// Acknowledge answers a button press (callback_query) with
// answerCallbackQuery, as the Bot API asks every bot to: until it is answered
// the customer's client shows a progress indicator on the button. Other
// events need nothing.
func (p Provider) Acknowledge(ctx context.Context, env providers.Env, acct providers.Account, ev providers.Event) error {
	id, ok := strings.CutPrefix(ev.MessageID, "cb:")
	if ev.Kind != providers.EventPostback || !ok || id == "" {
		return nil
	}
	token := acct.Secrets["botToken"]
	var done bool
	if err := p.call(ctx, env.HTTP, token, "answerCallbackQuery", map[string]any{"callback_query_id": id}, &done); err != nil {
		return fmt.Errorf("telegram: answerCallbackQuery: %w", stripURL(err, token))
	}
	return nil
}
