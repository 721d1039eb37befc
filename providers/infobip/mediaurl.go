package infobip

import "github.com/switchboard/switchboard/providers"

// MediaByURL asks the core for a public link to each file an agent uploads:
// Infobip's WhatsApp API has no upload for media messages and fetches them
// from content.mediaUrl. Send passes the link there and keeps what the API
// takes besides: the document's file name (content.filename) and the text as
// the caption of the first image, video or document when it fits.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}
