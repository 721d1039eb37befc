package providers

// MediaByURL is a Sender whose messenger takes media only from a URL it
// fetches itself (LINE, Viber, the WhatsApp gateways Twilio, Infobip and
// Vonage), or that sends as a link what its messenger
// cannot take as a file (X). For such a provider the core publishes each file
// an agent uploaded at a signed public link that expires after some hours,
// and passes it as OutboundAttachment.URL with the bytes still in Data;
// providers that upload the bytes themselves are given only the bytes, so no
// link is made that nobody needs.
type MediaByURL interface {
	// MediaByURL marks the capability; it does nothing.
	MediaByURL()
}
