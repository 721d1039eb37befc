package viber

// Viber's status codes (https://developers.viber.com/docs/api/rest-bot-api/#error-codes,
// https://creators.viber.com/docs/bots-api/errors), as far as Switchboard
// branches on them.
const (
	statusInvalidURL            = 1
	statusInvalidAuthToken      = 2
	statusReceiverNotRegistered = 5
	statusReceiverNotSubscribed = 6
	statusAccountBlocked        = 7
	statusAccountNotFound       = 8
	statusAccountSuspended      = 9
	statusTooManyRequests       = 12
	statusAccountNotAuthorized  = 15
	statusLastDocumented        = 24
)

// statusNames are the documented names of the status codes.
var statusNames = map[int]string{
	0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
	5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
	8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
	11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
	14: "incompatibleWithVersion", 15: "publicAccountNotAuthorized", 16: "inchatReplyMessageNotAllowed",
	17: "publicAccountIsNotInline", 18: "noPublicChat", 19: "cannotSendBroadcast",
	20: "broadcastNotAllowed", 21: "unsupportedCountry", 22: "paymentUnsupported",
	23: "freeMessagesExceeded", 24: "noBalance",
}

// statusHelp says what a status means for the person reading a failed message
// or a failed connection check.
var statusHelp = map[int]string{
	1:  "Viber refused the webhook URL (it must be https with a certificate from a trusted CA, and answer 200)",
	2:  "Viber does not accept the bot's authentication token",
	3:  "Viber could not understand the request",
	4:  "the request lacks data Viber requires",
	5:  "the customer is not registered on Viber",
	6:  "the customer has not subscribed to the bot, or unsubscribed (Viber delivers only to users who messaged or subscribed to the bot)",
	7:  "the bot is blocked",
	8:  "the token does not belong to a bot",
	9:  "the bot is suspended",
	10: "the bot has no webhook: set the webhook first",
	11: "the customer's device or Viber version cannot receive bot messages",
	12: "Viber's rate limit was reached",
	13: "the customer's Viber version is too old for this message",
	14: "the message does not fit the API version it asks for",
	15: "the bot is not authorized",
	21: "this message is not supported in the customer's country",
	23: "the bot has used up its free messages outside a session",
	24: "the bot has no balance left for messages outside a session",
}

// StatusName is the documented name of a Viber status code ("generalError" for
// codes outside the list, which Viber documents as "other: General error").
func StatusName(code int) string {
	if n, ok := statusNames[code]; ok {
		return n
	}
	return "generalError"
}

// retryableStatus reports whether a refusal may pass on a later try: the rate
// limit, and Viber's general error (any undocumented code); everything else
// needs a person to change something.
func retryableStatus(code int) bool {
	return code == statusTooManyRequests || code > statusLastDocumented || code < 0
}

// credentialStatus reports whether a refusal is about the bot's token rather
// than the message or its receiver: a token Viber does not accept (2), one that
// belongs to no bot (8), and a bot that is blocked (7), suspended (9) or not
// authorized (15). Every call with the token fails alike until an admin acts.
func credentialStatus(code int) bool {
	switch code {
	case statusInvalidAuthToken, statusAccountBlocked, statusAccountNotFound, statusAccountSuspended, statusAccountNotAuthorized:
		return true
	}
	return false
}
