// Package viber connects Viber bots through the Viber REST Bot API
// (https://developers.viber.com/docs/api/rest-bot-api/).
//
// Inbound, Viber POSTs JSON callbacks to the account's webhook, each signed in
// X-Viber-Content-Signature with the bot's token; the "webhook" callback that
// set_webhook triggers is the handshake. Outbound, every call is a POST to
// <api>/pa/<endpoint> with the token in X-Viber-Auth-Token, answered
// {"status":0,...} on success and a documented non-zero status otherwise (HTTP
// 200 either way). Media go out by URL only: Viber has no upload.
//
// The fake in vibertest speaks the same format for every test.
package viber
