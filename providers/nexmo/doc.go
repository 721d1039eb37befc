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
// /v2/applications/{id} to test the connection and set the webhooks. Vonage
// answers failures with RFC 7807 problem JSON ({type, title, detail,
// instance}).
//
// Authentication: the Application API takes only HTTP Basic with the API key
// and secret, so Test Connection and Set Webhook always use those. Messages
// go out as the account's authentication setting says: BASIC with the API key
// and secret, or JWT with "Authorization: Bearer <jwt>", a JWT signed RS256
// with the Vonage application's private key (the privateKey setting, PEM)
// whose claims are application_id, iat, exp and a unique jti
// (https://developer.vonage.com/en/getting-started/concepts/authentication).
// The provider keeps each account's JWT and reuses it for 12 of its 15
// minutes; concurrent calls share one signing (tokens.go). A privateKey that
// cannot sign, and Vonage refusing the JWT (401), are Credentials failures,
// which mark the account's health failing. Test Connection checks the key
// against the public key the application shows, without sending anything.
// With the application's Secure Inbound Media on, Vonage hands out customers'
// media only for such a JWT, so FetchMedia sends it (to Vonage's hosts only)
// whenever the account has a privateKey, whatever its authentication.
//
// No error, result or log carries the API secret, the private key or a JWT.
//
// The fake in nexmotest speaks the same formats for every test.
package nexmo
