// Package infobip connects WhatsApp senders through Infobip's WhatsApp API
// (https://www.infobip.com/docs/api/channels/whatsapp/whatsapp-inbound-messages and
// the pages beside it).
//
// Every Infobip account has its own API base URL ("https://xxxxx.api.infobip.com",
// shown on the portal's home page), which is the account's apiUrl setting; all
// calls go below it with "Authorization: App <apiKey>" and JSON bodies, and
// Infobip answers refusals with {"requestError":{"serviceException":{"messageId",
// "text"}}} (newer platform APIs with {"errorCode","description"}).
//
// Inbound, Infobip POSTs JSON to the account's webhook URL: inbound messages
// (the sender's inbound configuration or a subscription with the
// INBOUND_MESSAGE event), and the delivery and seen reports of the messages
// Switchboard sends (the notifyUrl of each message, or a subscription with the
// DELIVERY and SEEN events). All three are {"results":[...]} batches, told
// apart by the shape of their results.
//
// Authenticity: Infobip does not sign webhooks by default. Its documented
// protection is authentication settings on a subscription (HTTP Basic; an
// "HMAC" type exists whose header and signed string Infobip does not
// document, so it cannot be checked). SetWebhook registers a subscription
// with Basic credentials derived from the API key (see WebhookUser), and
// VerifyWebhook refuses any request whose Authorization is not exactly those.
// A request without Authorization is accepted as authentic by its URL, which
// holds the account's unguessable ID: the reports of each message's notifyUrl
// and a webhook pasted by hand in the portal carry none, and nothing in the
// account's settings says which kind of setup it has.
//
// The fake in infobiptest speaks the same formats for every test.
package infobip
