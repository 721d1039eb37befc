package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// apiDomainIPPath lists the IP addresses of WeChat's API domain: a cheap
// read that any access token may make.
const apiDomainIPPath = "/cgi-bin/get_api_domain_ip"

// ipList is get_api_domain_ip's answer.
type ipList struct {
	IPList []string `json:"ip_list"`
}

// TestConnection proves the AppID and AppSecret by getting an access token
// (which also proves this server's IP address is on the account's API IP
// whitelist), then tries the token on a cheap read, get_api_domain_ip. That
// read is not available to every account (the International host, accounts
// without the API) and the token already proved the credentials, so its
// failure is reported in the result (apiDomainIPs, and a sentence in the
// message) without failing the test. It
// reports the API host, how long the token lasts and the webhook mode the
// settings imply, and checks that an EncodingAESKey is a usable key. The
// server token cannot be tested from here: WeChat checks it when the server
// URL is saved in its console. Refusals are results with WeChat's errcode,
// worded for an admin (a bad AppID or AppSecret, the IP whitelist); transport
// failures stay errors.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	a := accountOf(acct)
	d := map[string]string{"appId": a.appID, "wechatId": a.wechatID, "wechatType": strings.ToUpper(a.typ)}
	c, err := p.client(env, acct)
	switch {
	case errors.Is(err, errNoCredentials):
		return providers.Result{Message: "The account has no AppID or AppSecret.", Details: d}, nil
	case err != nil:
		return providers.Result{Message: strings.TrimPrefix(err.Error(), "wechat: ") + ".", Details: d}, nil
	}
	d["apiHost"] = c.base
	d["webhookMode"] = webhookMode(a)
	// A fresh token, so the test proves the credentials as they are now;
	// stable_token's normal mode gives the current one, so nothing changes
	// for callers using it.
	_, ttl, err := c.tokens.renew(ctx, c.tokenKey(), c.now, c.fetchToken)
	if err != nil {
		return testFailure(err, d)
	}
	d["accessTokenExpiresIn"] = strconv.Itoa(int(ttl.Seconds()))
	var ips ipList
	ipNote := ""
	if err := c.call(ctx, "get API domain IPs", http.MethodGet, apiDomainIPPath, nil, nil, &ips); err != nil {
		if ctx.Err() != nil {
			return providers.Result{}, fmt.Errorf("wechat: test connection: %w", ctx.Err())
		}
		why := failureWords(err)
		d["apiDomainIPs"] = "not checked: " + why
		ipNote = " WeChat did not answer the check of the access token with get_api_domain_ip (" + why +
			"); the token itself was issued, so replies should work, but if they fail, look at this first."
	} else {
		d["apiDomainIPs"] = strconv.Itoa(len(ips.IPList))
	}
	if a.aesKey != "" {
		if _, err := aesKey(a.aesKey); err != nil {
			return providers.Result{Message: "Connected to WeChat, but " + err.Error() + ": encrypted webhooks cannot be read.", Details: d}, nil
		}
	}
	name := a.wechatID
	if name == "" {
		name = a.appID
	}
	return providers.Result{
		OK:      true,
		Message: fmt.Sprintf("Connected to WeChat Official Account %s (%s): the AppID and AppSecret work from this server.", name, typeLabel(a.typ)) + ipNote,
		Details: d,
	}, nil
}

// failureWords is a failed call in words safe to show: WeChat's errcode and
// errmsg, the HTTP status, or what went wrong on the way.
func failureWords(err error) string {
	var apiErr *APIError
	var stErr *statusError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Reason()
	case errors.As(err, &stErr):
		return fmt.Sprintf("HTTP %d %s", stErr.status, http.StatusText(stErr.status))
	}
	return strings.TrimPrefix(err.Error(), "wechat: ")
}

// typeLabel names the account's registration for people.
func typeLabel(t string) string {
	if strings.EqualFold(strings.TrimSpace(t), TypeInternational) {
		return "International"
	}
	return "China"
}

// webhookMode is the console's message encryption mode that the account's
// settings expect.
func webhookMode(a account) string {
	if a.aesKey != "" {
		return "safe mode (encrypted)"
	}
	return "plaintext mode"
}

// testFailure turns a refusal into a result an admin can act on; transport
// failures stay errors (the caller words them).
func testFailure(err error, d map[string]string) (providers.Result, error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		d["errcode"] = strconv.Itoa(apiErr.Code)
		if ip := callerIP(apiErr); ip != "" {
			d["callerIp"] = ip
		}
	}
	if reason, ok := credentialReason(err); ok {
		return providers.Result{Message: reason, Details: d}, nil
	}
	switch {
	case apiErr != nil:
		return providers.Result{Message: "WeChat refused: " + apiErr.Reason() + ".", Details: d}, nil
	}
	var stErr *statusError
	if errors.As(err, &stErr) {
		d["status"] = strconv.Itoa(stErr.status)
		return providers.Result{Message: fmt.Sprintf("WeChat answered %s with HTTP %d %s.", stErr.op, stErr.status, http.StatusText(stErr.status)), Details: d}, nil
	}
	var decErr *decodeError
	if errors.As(err, &decErr) {
		return providers.Result{Message: "WeChat answered in an unexpected form: " + decErr.Error() + ".", Details: d}, nil
	}
	return providers.Result{}, err
}

// SetWebhook cannot register anything: an Official Account's server URL,
// token and encryption mode are set only in its console (WeChat Developer
// Platform → My Business → Official Account → Message Push; formerly
// mp.weixin.qq.com → Settings and Development → Basic Configuration), where
// saving makes WeChat check the URL with a signed GET that VerifyWebhook
// answers. So the result says exactly what to paste there. It is OK=false on
// purpose: true would announce a webhook set that is not, while false with
// these steps asks the admin to finish the job. The token and key are
// secrets and are only referred to, never shown.
func (Provider) SetWebhook(_ context.Context, _ providers.Env, acct providers.Account) (providers.Result, error) {
	a := accountOf(acct)
	mode := "Plaintext mode"
	keyStep := ""
	if a.aesKey != "" {
		mode = "Safe mode"
		keyStep = " EncodingAESKey: the one saved on this account (the console's key)."
	}
	d := map[string]string{
		"serverUrl":        acct.WebhookURL,
		"token":            "the server token saved on this account",
		"encryptionMode":   mode,
		"dataFormat":       "XML",
		"consoleSetupOnly": "true",
	}
	if a.aesKey != "" {
		d["encodingAesKey"] = "the EncodingAESKey saved on this account"
	}
	msg := "WeChat has no API to set the server URL: paste it in the Official Account console (WeChat Developer Platform → " +
		"My Business → Official Account → Message Push, or mp.weixin.qq.com → Settings and Development → Basic Configuration → " +
		"Server Configuration). URL: " + acct.WebhookURL + ". Token: the server token saved on this account." + keyStep +
		" Message encryption: " + mode + ". Data format: XML. Then save and enable it; WeChat checks the URL when you save."
	if a.serverToken == "" {
		msg += " This account has no server token yet: set one in Switchboard first, the same as in the console."
	}
	return providers.Result{Message: msg, Details: d}, nil
}
