package twilio

import "net/http"

// Twilio's error codes (https://www.twilio.com/docs/api/errors), as far as
// Switchboard branches on them.
const (
	codeAccountInactive = 10001 // the account is not active
	codeAuthenticate    = 20003 // wrong Account SID or Auth Token
	codeAccountDisabled = 20005 // the account is not active
	codeNotFound        = 20404 // no such resource (another account's SID)
	codeTooManyRequests = 20429 // the REST API's rate limit
	codeRateLimited     = 63017 // rate limit exceeded
	codeChannelRate     = 63018 // WhatsApp's rate limit for the sender
	codeOutsideWindow   = 63016 // free-form message outside WhatsApp's 24-hour window
)

// codeHelp says what an error means for the person reading a failed message or
// a failed connection check; Twilio's own message comes first.
var codeHelp = map[int]string{
	10001: "the Twilio account is not active",
	20003: "Twilio does not accept the Account SID and Auth Token",
	20005: "the Twilio account is not active",
	20404: "Twilio has no such resource: check the Account SID",
	20429: "Twilio's API rate limit was reached",
	21211: "the customer's number is not a valid phone number",
	21408: "the account may not send to the customer's country (Messaging Geographic Permissions in the Twilio Console)",
	21606: "the whatsappNumber is not a sender of this Twilio account",
	21610: "the customer unsubscribed from this sender",
	21614: "the customer's number is not a mobile number",
	21617: "the text is longer than the 1600 characters Twilio takes",
	21620: "Twilio cannot use the attachment's URL",
	21623: "WhatsApp takes one attachment per message",
	21910: "From and To must both be WhatsApp addresses",
	30002: "the Twilio account is suspended",
	30003: "the customer's phone is unreachable (switched off or out of coverage)",
	30004: "the message was blocked: the customer may have blocked this sender",
	30005: "the customer's number is unknown or no longer in service",
	30006: "the customer's number cannot receive this message (a landline, or a carrier that does not deliver it)",
	30007: "the message was filtered as spam by the carrier or WhatsApp",
	30008: "the delivery failed for a reason neither Twilio nor WhatsApp reported",
	63003: "the customer's number is not on WhatsApp",
	63007: "the whatsappNumber is not an approved WhatsApp sender of this Twilio account",
	63015: "the WhatsApp Sandbox sends only to numbers that joined it (they send \"join <sandbox code>\" to the Sandbox number)",
	63016: "the customer last wrote more than 24 hours ago: WhatsApp then allows only approved templates until they write again",
	63017: "Twilio's rate limit was reached",
	63018: "WhatsApp's rate limit for the sender was reached",
	63019: "Twilio could not download the attachment from its URL",
	63024: "the recipient is not a valid WhatsApp user",
	63032: "WhatsApp does not let this message reach this user",
	63033: "the recipient does not accept messages from this sender",
	63034: "the attachment is larger than WhatsApp allows",
	63038: "the account reached its daily message limit",
}

// retryable reports whether a refusal may pass on a later try: rate limits and
// Twilio's own failures. Everything else needs a person to change something.
func retryable(httpStatus, code int) bool {
	switch code {
	case codeTooManyRequests, codeRateLimited, codeChannelRate:
		return true
	}
	return httpStatus == http.StatusTooManyRequests || httpStatus >= 500
}

// credentials reports whether a refusal is about the account's credentials
// rather than the message or its recipient: an Account SID and Auth Token
// Twilio does not accept (401, 20003), or an account that is not active (10001,
// 20005). Every reply fails alike until an admin acts.
func credentials(httpStatus, code int) bool {
	switch code {
	case codeAuthenticate, codeAccountInactive, codeAccountDisabled:
		return true
	}
	return httpStatus == http.StatusUnauthorized
}
