package custom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// pingBody is the handshake request. WebhookURL tells the messenger, signed,
// where its events must go.
type pingBody struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Timestamp  string `json:"timestamp"`
	Challenge  string `json:"challenge"`
	WebhookURL string `json:"webhookUrl,omitempty"`
}

type pingAnswer struct {
	Challenge string `json:"challenge"`
}

// TestConnection is the signed ping of Handshake: the only call a custom
// messenger is guaranteed to have.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	return p.Handshake(ctx, env, acct)
}

// Handshake sends a signed ping with a random challenge to the account's
// webhookUrl. The messenger passes when it answers 200 with the challenge in a
// body signed with the confirmation code: both sides then know they share it, and
// that Switchboard can reach the messenger. A refusal or a wrong answer is a
// Result with OK false saying what to fix; only transport failures are errors.
func (p Provider) Handshake(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	challenge := randomHex(16)
	body, err := json.Marshal(pingBody{
		Type:       "ping",
		ID:         "ping_" + randomHex(12),
		Timestamp:  now(env).UTC().Format(time.RFC3339),
		Challenge:  challenge,
		WebhookURL: acct.WebhookURL,
	})
	if err != nil {
		return providers.Result{}, fmt.Errorf("custom: ping: encode: %w", err)
	}
	a, err := p.post(ctx, env, acct, body, nil)
	if err != nil {
		var setup setupError
		if errors.As(err, &setup) {
			return providers.Result{OK: false, Message: "Cannot ping the messenger: " + setup.Error() + ".", Details: map[string]string{}}, nil
		}
		return providers.Result{}, fmt.Errorf("custom: ping: %w", err)
	}
	return a.pingResult(acct, challenge, p.window()), nil
}

// pingResult judges the answer to a ping.
func (a answer) pingResult(acct providers.Account, challenge string, window time.Duration) providers.Result {
	secret := acct.Secrets["confirmationCode"]
	details := map[string]string{
		"statusCode": strconv.Itoa(a.status),
		"latencyMs":  strconv.FormatInt(a.latency.Milliseconds(), 10),
		"webhookUrl": acct.Settings["webhookUrl"],
	}
	fail := func(msg string) providers.Result {
		return providers.Result{OK: false, Message: msg, Details: details}
	}
	switch {
	case a.status >= 300 && a.status < 400:
		return fail(fmt.Sprintf("The messenger answered %d, a redirect; Switchboard does not follow redirects: set the webhookUrl to the address that answers.", a.status))
	case a.status == http.StatusUnauthorized:
		return fail(withError("The messenger answered 401: it does not accept Switchboard's signature; check that both sides have the same confirmation code and a correct clock", a.errorField(secret)))
	case a.status != http.StatusOK:
		return fail(withError(fmt.Sprintf("The messenger answered %d", a.status), a.errorField(secret)))
	case a.tooBig:
		return fail(fmt.Sprintf("The answer is larger than %d KiB.", maxAnswer>>10))
	case errors.Is(a.verifyErr, ErrMissingSignature):
		return fail("The answer was not signed: it has no " + HeaderTimestamp + " and " + HeaderSignature + " headers.")
	case errors.Is(a.verifyErr, ErrStaleTimestamp):
		return fail(fmt.Sprintf("The answer's %s is more than %s from Switchboard's clock; check the messenger's clock.", HeaderTimestamp, minutes(window)))
	case a.verifyErr != nil:
		return fail("The answer was not signed with the confirmation code.")
	}
	var v pingAnswer
	if err := json.Unmarshal(a.body, &v); err != nil || v.Challenge != challenge {
		return fail(`The answer did not return the challenge: expected {"challenge":"<the ping's challenge>"}.`)
	}
	return providers.Result{
		OK:      true,
		Message: fmt.Sprintf("The messenger answered the signed ping in %d ms and holds the confirmation code.", a.latency.Milliseconds()),
		Details: details,
	}
}

// withError ends msg with the messenger's own explanation when it gave one.
func withError(msg, field string) string {
	if field == "" {
		return msg + "."
	}
	return msg + " (" + field + ")."
}

// minutes writes a window as people say it ("5 minutes").
func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		if d == time.Minute {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// SetWebhook runs the handshake, whose ping also tells the messenger the URL to
// post events to (webhookUrl in the ping body).
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	return p.Handshake(ctx, env, acct)
}
