package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// WhitelistHelp tells an admin how to allow Switchboard's servers: WeChat
// answers calls with the AppSecret only from IP addresses on the account's
// API IP whitelist (errcode 40164).
const WhitelistHelp = "WeChat accepts calls with the AppSecret only from the IP addresses on the Official Account's " +
	"API IP whitelist. Add the public (egress) IP addresses of every Switchboard server under " +
	"WeChat Developer Platform → My Business → Official Account → Basic Information → API IP whitelist " +
	"(formerly mp.weixin.qq.com → Settings and Development → Basic Configuration → IP whitelist), then test again."

// whitelistIP finds the caller's address in a 40164 errmsg ("invalid ip
// 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: …").
var whitelistIP = regexp.MustCompile(`invalid ip ([0-9a-fA-F.:]+)`)

// callerIP is the IP address WeChat saw in a 40164 refusal, or "".
func callerIP(e *APIError) string {
	if m := whitelistIP.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	return ""
}

// credentialReason words a refusal of the account's credentials by the token
// endpoint; ok is false for other errors.
func credentialReason(err error) (reason string, ok bool) {
	var te *tokenError
	var apiErr *APIError
	if !errors.As(err, &te) || !errors.As(te.err, &apiErr) {
		return "", false
	}
	switch apiErr.Code {
	case codeInvalidAppID, codeAppIDMissing:
		return "WeChat does not know this AppID (" + apiErr.Reason() + "). Check the AppID, and that wechatType matches where the account is registered (China or International).", true
	case codeInvalidAppSecret, codeSecretMissing, codeInvalidCredential:
		return "WeChat does not accept this AppSecret for the AppID (" + apiErr.Reason() + "). Copy it again from the console, or reset it there.", true
	case codeSecretFrozen:
		return "The AppSecret is frozen in the WeChat console (" + apiErr.Reason() + "). Unfreeze it there; that takes 10 minutes to apply.", true
	case codeIPNotWhitelisted:
		ip := callerIP(apiErr)
		if ip != "" {
			ip = " (" + ip + ")"
		}
		return "WeChat refused the call from this server's IP address" + ip + ": it is not on the account's API IP whitelist (" + apiErr.Reason() + "). " + WhitelistHelp, true
	case codeIPNeedsConfirm:
		return "WeChat wants the account's administrator to confirm calls from this server's IP address (" + apiErr.Reason() + "): confirm the request WeChat sent them, or add the address to the API IP whitelist.", true
	}
	return "", false
}

// sendError classifies a failed call for the delivery queue: temporary
// trouble (system busy, rate limits, 5xx, transport failures, a token WeChat
// keeps refusing) is retryable; refusals no retry can fix are permanent, with
// WeChat's errmsg kept in the reason. Refusals of the account's credentials
// are Credentials failures: the token endpoint's (see credentialReason), a
// freshly issued access token refused again (retryable), an account WeChat
// has not granted the API (48001), and an account without an AppID or
// AppSecret.
func sendError(err error) error {
	var se *providers.SendError
	if errors.As(err, &se) {
		return err
	}
	if reason, ok := credentialReason(err); ok {
		return &providers.SendError{Credentials: true, Reason: reason, Err: err}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		e := &providers.SendError{Reason: "WeChat refused: " + apiErr.Reason(), Err: err}
		switch apiErr.Code {
		case codeSystemBusy:
			e.Retryable, e.Reason = true, "WeChat is busy: "+apiErr.Reason()
		case codeMinuteQuota:
			e.Retryable, e.RetryAfter, e.Reason = true, time.Minute, "WeChat's per-minute API quota for this account is used up: "+apiErr.Reason()
		case codeDailyQuota:
			e.Retryable, e.RetryAfter, e.Reason = true, time.Hour, "WeChat's daily API quota for this account is used up: "+apiErr.Reason()
		case codeInvalidCredential, codeInvalidAccessToken, codeTokenExpired:
			e.Retryable, e.Credentials, e.Reason = true, true, "WeChat refused a fresh access token: "+apiErr.Reason()
		case codeReplyWindow:
			e.Reason = "WeChat accepts replies only within 48 hours of the customer's last message, and not after they unfollowed the account: " + apiErr.Reason()
		case codeReplyCount:
			e.Reason = "WeChat's limit of replies since the customer's last message is reached: " + apiErr.Reason()
		case codeInvalidOpenID:
			e.Reason = "WeChat does not know this customer (OpenID) for this account: " + apiErr.Reason()
		case codeContentTooLong:
			e.Reason = "WeChat found the message too long: " + apiErr.Reason()
		case codeNotAuthorized:
			e.Credentials = true
			e.Reason = "WeChat has not granted this account the API (customer service messages need a verified account): " + apiErr.Reason()
		}
		return e
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		return &providers.SendError{Retryable: stErr.status == http.StatusTooManyRequests || stErr.status >= 500, Reason: stErr.Error(), Err: err}
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		// WeChat may have taken it; repeating could deliver it twice.
		return &providers.SendError{Reason: decErr.Error(), Err: err}
	}
	if errors.Is(err, errNoCredentials) {
		return &providers.SendError{Credentials: true, Reason: err.Error(), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &providers.SendError{Retryable: true, Reason: "wechat: the call was cancelled", Err: err}
	}
	// Transport errors and timeouts: the request may not have reached WeChat.
	return &providers.SendError{Retryable: true, Reason: err.Error(), Err: err}
}

// permanent is a failure no retry can fix.
func permanent(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &providers.SendError{Reason: err.Error(), Err: err}
}

// clientError is the permanent failure of an account the provider cannot make
// calls for (op names the call): one without an AppID or AppSecret is a
// Credentials failure.
func clientError(op string, err error) error {
	err = fmt.Errorf("wechat: %s: %w", op, err)
	return &providers.SendError{Credentials: errors.Is(err, errNoCredentials), Reason: err.Error(), Err: err}
}
