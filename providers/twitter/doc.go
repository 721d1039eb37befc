// Package twitter connects X (Twitter) accounts' direct messages through the
// Account Activity API and the X API v2
// (https://docs.x.com/x-api/account-activity/introduction,
// https://docs.x.com/x-api/direct-messages/manage/introduction).
//
// X delivers an account's activity to one webhook per app: a GET with a
// crc_token (the Challenge-Response Check, answered with an HMAC-SHA256 of the
// token under the app's consumer secret) and POSTs of JSON signed the same way
// over the raw body (x-twitter-webhooks-signature). Each body names the
// subscribed account (for_user_id) and carries direct_message_events,
// read receipts, typing indicators and follow events, with a users map that
// names everyone involved. Direct messages the account itself sent (ours,
// from any client) come back the same way and are never customer messages.
//
// Every call to X is signed with OAuth 1.0a in the account owner's user
// context (consumer key and secret plus access token and secret) by
// github.com/dghubble/oauth1. Managing the app's webhooks (GET, POST, DELETE,
// PUT /2/webhooks) takes an app-only bearer token, which SetWebhook obtains
// from the same consumer key and secret (POST /oauth2/token) and never keeps.
// Replies go out one direct message per part through
// POST /2/dm_conversations/with/:participant_id/messages; media a customer
// sent is fetched later with a signed GET of its ton.twitter.com URL.
//
// The package speaks X's real API over net/http only; twittertest holds the
// fake of that API which every test uses.
package twitter
