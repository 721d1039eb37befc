package twilio

import "github.com/switchboard/switchboard/providers"

// MediaByURL asks the core for a public link to each file an agent uploads:
// Twilio has no upload and fetches WhatsApp media only from the MediaUrl it is
// given, checking that the link's Content-Type matches the file. Send passes
// the link as MediaUrl and leaves the bytes unused; Twilio sets no caption or
// file name on a WhatsApp document, so the text goes as a message of its own.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}
