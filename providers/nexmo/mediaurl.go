package nexmo

import "github.com/switchboard/switchboard/providers"

// MediaByURL asks the core for a public link to each file an agent uploads:
// Vonage's Messages API has no upload for WhatsApp and fetches media from the
// url of the message's image, file, video or audio object. Send passes the
// link there and keeps what the API takes besides: the file's name (file.name)
// and the text as the caption of the first image, video or file when it fits.
func (Provider) MediaByURL() {}

var _ providers.MediaByURL = Provider{}
