// Package twilio connects WhatsApp senders through Twilio's Programmable
// Messaging API (https://www.twilio.com/docs/whatsapp/api).
//
// Inbound, Twilio POSTs application/x-www-form-urlencoded webhooks: the
// sender's incoming-message webhook (set in the Twilio Console; see SetWebhook)
// and the status callback of every message Switchboard sends (set per message,
// so it needs no setup). Both are signed in X-Twilio-Signature with the
// account's Auth Token over the full URL Twilio called, which Switchboard knows
// only as its configured public URL: that URL must be exactly the one pasted in
// the Console, scheme, host, port and path alike, or every webhook is refused.
// Twilio expects TwiML back; an empty <Response/> says "nothing to do".
//
// Outbound, every call goes to <apiUrl>/2010-04-01/Accounts/<AccountSid>/...
// with HTTP Basic authentication (Account SID and Auth Token), form-encoded,
// answered with JSON: the resource on success, {code, message, more_info,
// status} on failure. Media go out by public URL only: Twilio fetches them and
// has no upload. Inbound media are Twilio URLs that may need the account's
// credentials, so the provider downloads them (FetchMedia).
//
// The fake in twiliotest speaks the same formats for every test.
package twilio
