package facebook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// subscribedFields are the Page webhook fields Set Webhook subscribes the Page
// to: every event ParseWebhook reads. Meta sends a field only when the app
// subscribes to it too, in the App Dashboard.
var subscribedFields = []string{
	"messages", "messaging_postbacks", "message_deliveries", "message_reads", "message_echoes", "message_edits",
}

// usernamePattern is what the pageUsername setting accepts; a username outside
// it is reported but not stored.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.]{1,100}$`)

// node is a Graph node's identity.
type node struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// TestConnection checks the Page access token with two reads: GET /me names
// what the token belongs to, which must be the account's Page (a user token, or
// another Page's, is reported as such), then GET /{page-id}?fields=id,name,username
// reports the Page's identity. The username is the Page's @handle, which the
// caller stores as pageUsername. A token Meta refuses gives a result that is
// not OK and says why; failures to reach Meta stay errors.
func (p Provider) TestConnection(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token, page := pageToken(acct), pageID(acct)
	switch {
	case token == "":
		return providers.Result{Message: "The account has no Page access token."}, nil
	case page == "":
		return providers.Result{Message: "The account has no Page ID."}, nil
	}
	var me node
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "facebook: test connection", Method: http.MethodGet, Path: []string{"me"},
		Query: url.Values{"fields": {"id,name"}}, Token: token,
	}, &me); err != nil {
		return failure(err, page)
	}
	if me.ID != page {
		return providers.Result{
			Message: fmt.Sprintf("The access token belongs to %s, not to the Page %s: generate a Page access token for this Page and save it.",
				describe(me), page),
			Details: map[string]string{"tokenOwnerId": me.ID, "tokenOwnerName": me.Name, "pageId": page},
		}, nil
	}
	var info node
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "facebook: test connection", Method: http.MethodGet, Path: []string{page},
		Query: url.Values{"fields": {"id,name,username"}}, Token: token,
	}, &info); err != nil {
		return failure(err, page)
	}
	res := providers.Result{
		OK:      true,
		Message: "Connected to the Facebook Page " + describe(info) + ".",
		Details: map[string]string{"id": info.ID, "name": info.Name, "username": info.Username},
	}
	switch {
	case usernamePattern.MatchString(info.Username):
		res.Settings = map[string]string{"pageUsername": info.Username}
	case info.Username == "":
		res.Message += " The Page has no username."
	}
	return res, nil
}

// SetWebhook subscribes the account's Page to the app's Messenger webhooks
// (POST /{page-id}/subscribed_apps with subscribed_fields). Meta has no API for
// a Page's callback URL: the app's callback URL and verify token are set in the
// App Dashboard, where Meta then checks them with the GET handshake. The
// result says so and gives both, for the admin to paste, in Details
// (callbackUrl, verifyToken); the verify token is not a credential.
func (p Provider) SetWebhook(ctx context.Context, env providers.Env, acct providers.Account) (providers.Result, error) {
	token, page := pageToken(acct), pageID(acct)
	switch {
	case token == "":
		return providers.Result{Message: "The account has no Page access token."}, nil
	case page == "":
		return providers.Result{Message: "The account has no Page ID."}, nil
	}
	fields := strings.Join(subscribedFields, ",")
	var ans struct {
		Success bool `json:"success"`
	}
	if err := p.graph.Do(ctx, env.HTTP, meta.Call{
		Op: "facebook: set webhook", Method: http.MethodPost, Path: []string{page, "subscribed_apps"},
		Form: url.Values{"subscribed_fields": {fields}}, Token: token,
	}, &ans); err != nil {
		return failure(err, page)
	}
	details := map[string]string{"callbackUrl": acct.WebhookURL, "verifyToken": verifyToken(acct), "subscribedFields": fields}
	if !ans.Success {
		return providers.Result{Message: "Meta did not confirm the Page's subscription to the app; try again.", Details: details}, nil
	}
	msg := "The Page is subscribed to the app's webhooks (" + strings.Join(subscribedFields, ", ") + "). " +
		"Meta sends them to the app's callback URL, which is set only in the Meta App Dashboard: under Webhooks, " +
		"choose the Page object, set the Callback URL to " + acct.WebhookURL + " and the Verify Token to " +
		strconv.Quote(verifyToken(acct)) + ", verify and save, then subscribe the app to the same fields."
	if u, err := url.Parse(acct.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
		msg += " Meta accepts only https callback URLs with a valid certificate: configure Switchboard's public URL with https."
	}
	return providers.Result{OK: true, Message: msg, Details: details}, nil
}

// describe names a Page or user for a person: its name, @username and ID.
func describe(n node) string {
	var parts []string
	if n.Name != "" {
		parts = append(parts, strconv.Quote(n.Name))
	}
	var in []string
	if n.Username != "" {
		in = append(in, "@"+n.Username)
	}
	if n.ID != "" {
		in = append(in, "ID "+n.ID)
	}
	if len(in) > 0 {
		parts = append(parts, "("+strings.Join(in, ", ")+")")
	}
	if len(parts) == 0 {
		return "an unnamed object"
	}
	return strings.Join(parts, " ")
}

// failure turns a refusal into a result a person can act on: a token Meta does
// not accept, a Page the token may not see, a missing permission, other
// refusals, or an answer that was not Meta's. Transport failures stay errors.
func failure(err error, page string) (providers.Result, error) {
	var gerr *meta.Error
	if errors.As(err, &gerr) {
		details := map[string]string{"code": strconv.Itoa(gerr.Code), "type": gerr.Type, "fbtraceId": gerr.FBTraceID}
		if gerr.Subcode != 0 {
			details["subcode"] = strconv.Itoa(gerr.Subcode)
		}
		switch {
		case gerr.Code == meta.CodeAccessToken:
			return providers.Result{Message: "Meta does not accept the Page access token (" + gerr.Message +
				"): generate a new one for the Page and save it.", Details: details}, nil
		case gerr.Code == meta.CodeInvalidParameter && gerr.Subcode == meta.SubcodeNoObject:
			return providers.Result{Message: "Meta has no Page " + page + " that this token may use (" + gerr.Message +
				"): check the Page ID and that the token is this Page's.", Details: details}, nil
		case gerr.Code == meta.CodePermissionDenied || (gerr.Code >= 200 && gerr.Code <= 299):
			return providers.Result{Message: "The token lacks a permission (" + gerr.Message +
				"): the app needs pages_messaging, pages_manage_metadata and pages_show_list for this Page.", Details: details}, nil
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
