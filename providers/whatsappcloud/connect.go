package whatsappcloud

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// numberInfo is what GET /{phone-number-id} reports about the business number.
type numberInfo struct {
	ID                     string `json:"id"`
	DisplayPhoneNumber     string `json:"display_phone_number"`
	VerifiedName           string `json:"verified_name"`
	QualityRating          string `json:"quality_rating"`
	CodeVerificationStatus string `json:"code_verification_status"`
}

// numberFields are the fields Test Connection reads.
const numberFields = "display_phone_number,verified_name,quality_rating,code_verification_status"

// TestConnection reads the business number with the access token (GET
// /{phone-number-id}?fields=display_phone_number,verified_name,quality_rating,code_verification_status)
// and reports its identity and state, then checks that the number belongs to
// the account's WhatsApp Business Account (GET /{waba-id}/phone_numbers),
// which Set Webhook subscribes. A token or ID Meta refuses gives a result that
// is not OK and says why; failures to reach Meta stay errors.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token, number, waba := accessToken(acct), phoneNumberID(acct), wabaID(acct)
	switch {
	case token == "":
		return providers.Result{Message: "The account has no access token."}, nil
	case number == "":
		return providers.Result{Message: "The account has no phone number ID."}, nil
	}
	var info numberInfo
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "whatsappcloud: test connection", Method: http.MethodGet, Path: []string{number},
		Query: url.Values{"fields": {numberFields}}, Token: token,
	}, &info); err != nil {
		return failure(err, "phone number "+number)
	}
	res := providers.Result{
		OK:      true,
		Message: "Connected to the WhatsApp number " + describe(info) + ".",
		Details: map[string]string{
			"id": info.ID, "displayPhoneNumber": info.DisplayPhoneNumber, "verifiedName": info.VerifiedName,
			"qualityRating": info.QualityRating, "codeVerificationStatus": info.CodeVerificationStatus,
		},
	}
	if s := info.CodeVerificationStatus; s != "" && s != "VERIFIED" {
		res.Message += " Its code verification status is " + s + ": verify the number in WhatsApp Manager before messaging customers."
	}
	if info.QualityRating == "RED" {
		res.Message += " Its quality rating is RED: customers have been blocking or reporting it, and Meta may limit it."
	}
	if waba == "" {
		res.Message += " The account has no WhatsApp Business Account ID, which Set Webhook needs."
		return res, nil
	}
	var list struct {
		Data   []numberInfo `json:"data"`
		Paging struct {
			Next string `json:"next"`
		} `json:"paging"`
	}
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "whatsappcloud: test connection", Method: http.MethodGet, Path: []string{waba, "phone_numbers"},
		Query: url.Values{"fields": {"id"}, "limit": {"200"}}, Token: token,
	}, &list); err != nil {
		bad, ferr := failure(err, "WhatsApp Business Account "+waba)
		if ferr != nil {
			return bad, ferr
		}
		bad.Message = "The number answered, but its business account did not: " + bad.Message
		return bad, nil
	}
	found := slices.ContainsFunc(list.Data, func(n numberInfo) bool { return n.ID == number })
	if !found && list.Paging.Next == "" {
		res.OK = false
		res.Details["businessAccountId"] = waba
		res.Message = fmt.Sprintf("The number %s is not in the WhatsApp Business Account %s: copy both IDs again from the app's WhatsApp API Setup page.",
			describe(info), waba)
	}
	return res, nil
}

// SetWebhook registers the account's webhook URL with Meta in two calls.
// POST /{waba-id}/subscribed_apps subscribes the app to the account's WhatsApp
// Business Account, which Meta requires before any alternate callback. Then
// POST /{phone-number-id} with webhook_configuration {override_callback_uri,
// verify_token} makes the account's URL the number's alternate callback: Meta
// sends this number's messages webhooks there instead of to the app's callback
// URL. The override is set on the number, not on the business account
// (subscribed_apps takes override_callback_uri too): a business account's
// override would take every other number of it to this account's URL, whose
// parser drops what is not its own number's, so numbers served by other
// accounts (or by the app's shared address) would lose their messages.
//
// Meta sends only https callbacks: with another URL the number is left as it
// is and the result says so. Details give the callback URL and verify token
// (not a credential) for the App Dashboard, where template and account
// webhooks, which take no override, still go to the app's callback URL.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token, waba, number := accessToken(acct), wabaID(acct), phoneNumberID(acct)
	switch {
	case token == "":
		return providers.Result{Message: "The account has no access token."}, nil
	case waba == "":
		return providers.Result{Message: "The account has no WhatsApp Business Account ID."}, nil
	case number == "":
		return providers.Result{Message: "The account has no phone number ID."}, nil
	}
	var ans struct {
		Success bool `json:"success"`
	}
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "whatsappcloud: set webhook", Method: http.MethodPost, Path: []string{waba, "subscribed_apps"}, Token: token,
	}, &ans); err != nil {
		return failure(err, "WhatsApp Business Account "+waba)
	}
	details := map[string]string{"callbackUrl": acct.WebhookURL, "verifyToken": verifyToken(acct), "subscribedFields": "messages"}
	if !ans.Success {
		return providers.Result{Message: "Meta did not confirm the app's subscription to the business account; try again.", Details: details}, nil
	}
	if u, err := url.Parse(acct.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return providers.Result{
			Message: "The app is subscribed to the WhatsApp Business Account " + waba + ", but Meta sends webhooks only to https URLs with a valid certificate, " +
				"and this account's URL is " + acct.WebhookURL + ": configure Switchboard's public URL with https and set the webhook again.",
			Details: details,
		}, nil
	}
	ans.Success = false
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "whatsappcloud: set webhook", Method: http.MethodPost, Path: []string{number}, Token: token,
		JSON: map[string]any{"webhook_configuration": map[string]string{
			"override_callback_uri": acct.WebhookURL, "verify_token": verifyToken(acct),
		}},
	}, &ans); err != nil {
		res, ferr := failure(err, "phone number "+number)
		if ferr == nil {
			res.Message = "The app is subscribed to the WhatsApp Business Account " + waba + ", but Meta did not take this account's URL as the number's callback: " + res.Message
			maps.Copy(details, res.Details)
			res.Details = details
		}
		return res, ferr
	}
	if !ans.Success {
		return providers.Result{Message: "Meta did not confirm the number's callback URL; try again.", Details: details}, nil
	}
	details["overrideCallbackUri"] = acct.WebhookURL
	msg := "Meta sends the messages of " + number + " to " + acct.WebhookURL + " (the number's callback URL; the app is subscribed to the WhatsApp Business Account " + waba + "). " +
		"Meta still needs the app's own webhook in the Meta App Dashboard (WhatsApp > Configuration) with the messages field subscribed: " +
		"if the app has no callback URL yet, set it to " + acct.WebhookURL + " with the Verify token " + strconv.Quote(verifyToken(acct)) +
		", verify and save, then subscribe to the messages field."
	return providers.Result{OK: true, Message: msg, Details: details}, nil
}

// describe names a number for a person: its display number and verified name.
func describe(n numberInfo) string {
	s := n.DisplayPhoneNumber
	if s == "" {
		s = n.ID
	}
	var in []string
	if n.VerifiedName != "" {
		in = append(in, strconv.Quote(n.VerifiedName))
	}
	if n.QualityRating != "" {
		in = append(in, "quality "+n.QualityRating)
	}
	if len(in) > 0 {
		s += " (" + strings.Join(in, ", ") + ")"
	}
	return s
}

// failure turns a refusal into a result a person can act on: a token Meta does
// not accept, an ID the token may not see, a missing permission, other
// refusals, or an answer that was not Meta's. Transport failures stay errors.
func failure(err error, what string) (providers.Result, error) {
	var gerr *meta.Error
	if errors.As(err, &gerr) {
		details := map[string]string{"code": strconv.Itoa(gerr.Code), "type": gerr.Type, "fbtraceId": gerr.FBTraceID}
		if gerr.Subcode != 0 {
			details["subcode"] = strconv.Itoa(gerr.Subcode)
		}
		switch {
		case gerr.Code == meta.CodeAccessToken:
			return providers.Result{Message: "Meta does not accept the access token (" + gerr.Message +
				"): generate a new one (a System User token does not expire) and save it.", Details: details}, nil
		case gerr.Code == meta.CodeInvalidParameter && gerr.Subcode == meta.SubcodeNoObject:
			return providers.Result{Message: "Meta has no " + what + " that this token may use (" + gerr.Message +
				"): check the ID, and that the token's System User has the asset.", Details: details}, nil
		case gerr.Code == meta.CodePermissionDenied || (gerr.Code >= 200 && gerr.Code <= 299):
			return providers.Result{Message: "The token lacks a permission (" + gerr.Message +
				"): it needs whatsapp_business_messaging and whatsapp_business_management.", Details: details}, nil
		}
		return providers.Result{Message: "Meta refused: " + gerr.Reason() + ".", Details: details}, nil
	}
	var herr *meta.HTTPError
	if errors.As(err, &herr) {
		return providers.Result{Message: "Meta answered HTTP " + strconv.Itoa(herr.Status) + " instead of a Graph API answer; try again later.",
			Details: map[string]string{"httpStatus": strconv.Itoa(herr.Status)}}, nil
	}
	return providers.Result{}, err
}
