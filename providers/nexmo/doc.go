// Package nexmo connects WhatsApp numbers through Vonage's (formerly Nexmo's)
// Messages API v1 (https://developer.vonage.com/en/messages/overview).
//
// Inbound, Vonage POSTs JSON to the Vonage application's Messages webhooks:
// customers' messages to its inbound URL and the statuses of the messages
// Switchboard sends to its status URL (Send also names the account's webhook
// URL on every message, so receipts come back whichever URL the application
// has). Both go to the account's one webhook URL, and both are signed: an
// "Authorization: Bearer" JWT, HS256 under the account's signature secret,
// whose payload_hash claim is the SHA-256 of the body
// (https://developer.vonage.com/en/messages/concepts/signed-webhooks).
// VerifyWebhook checks both. Customers' media come as URLs on Vonage's media
// servers that FetchMedia downloads.
//
// Outbound, every call goes below the account's apiUrl (https://api.nexmo.com
// unless a proxy or fake is set): POST /v1/messages to send, GET and PUT
// /v2/applications/{id} to test the connection and set the webhooks, with HTTP
// Basic authentication by the API key and secret. Vonage answers failures
// with RFC 7807 problem JSON ({type, title, detail, instance}).
//
// Authentication JWT, the account setting that asks for calls signed with the
// application's RSA private key, cannot work yet: the account has no setting
// for that key. Send refuses it with a reason that says so, and Test
// Connection reports it; BASIC works for everything.
//
// The fake in nexmotest speaks the same formats for every test.
package nexmo
