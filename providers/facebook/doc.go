// Package facebook connects Facebook Pages through Meta's Messenger Platform
// (https://developers.facebook.com/docs/messenger-platform), on the Graph API
// shared with WhatsApp in providers/meta.
//
// Inbound, Meta POSTs batches ({"object":"page","entry":[{"messaging":[...]}]})
// to the app's callback URL, signed in X-Hub-Signature-256 with the app secret;
// the GET hub.challenge handshake proves the URL when an admin saves it in the
// App Dashboard. Outbound, replies are POSTs to /{page-id}/messages with the
// Page access token, text split at Messenger's 2000 characters and media by URL.
// Set Webhook subscribes the Page to the app (/{page-id}/subscribed_apps); the
// callback URL itself can only be set in the App Dashboard, which the result
// explains.
//
// The fake in facebooktest speaks the same format for every test.
package facebook
