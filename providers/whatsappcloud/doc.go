// Package whatsappcloud connects WhatsApp business numbers directly through
// Meta's WhatsApp Cloud API
// (https://developers.facebook.com/docs/whatsapp/cloud-api), on the Graph API
// shared with Messenger in providers/meta.
//
// Inbound, Meta POSTs batches
// ({"object":"whatsapp_business_account","entry":[{"changes":[{"value":...}]}]})
// to the app's callback URL, signed in X-Hub-Signature-256 with the app secret;
// the GET hub.challenge handshake proves the URL when an admin saves it in the
// App Dashboard. Customers' media come as media IDs that FetchMedia resolves and
// downloads with the access token. Outbound, replies are POSTs to
// /{phone-number-id}/messages with the token as Bearer, text split at 4096
// characters and media by link or uploaded first. Set Webhook subscribes the app
// to the WhatsApp Business Account; the callback URL itself is set in the App
// Dashboard, which the result explains.
//
// The fake in whatsappcloudtest speaks the same format for every test.
package whatsappcloud
