package viber

import (
	"context"
	"errors"
	"mime"
	"path"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// stickerFilePrefix marks the FileID of a sticker Viber sent without an image
// URL: "sticker:<sticker_id>".
const stickerFilePrefix = "sticker:"

// extTypes names the types of files customers send, by extension, independent
// of the host's MIME tables; Viber gives a file name but no type.
var extTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".3gp": "video/3gpp", ".webm": "video/webm",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".wav": "audio/wav",
	".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv", ".zip": "application/zip",
	".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt": "application/vnd.ms-powerpoint", ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// typeByName guesses a media type from a file name's extension; "" leaves it to
// the Content-Type the file is served with.
func typeByName(name string) string {
	return extTypes[strings.ToLower(path.Ext(name))]
}

// extensionFor is the extension an outbound file without a name gets.
func extensionFor(mimeType string) string {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return ""
	}
	for ext, t := range extTypes {
		if t == mt && ext != ".jpeg" {
			return ext
		}
	}
	return ""
}

// errStickerImage is why a sticker Viber sent by ID has no picture.
var errStickerImage = errors.New("viber: Viber gives bots a sticker's ID but no image of it, so it cannot be shown")

// FetchMedia is asked only for attachments that have no URL: stickers Viber
// sent by sticker_id alone. The REST Bot API offers no way to get a sticker's
// image, so the answer is a permanent failure that says so (pictures, videos and
// files come with a URL the core downloads directly).
func (Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	if id, ok := strings.CutPrefix(att.FileID, stickerFilePrefix); ok {
		reason := errStickerImage.Error() + " (sticker " + id + ")"
		return providers.Media{}, &providers.SendError{Reason: reason, Err: errStickerImage}
	}
	return providers.Media{}, permanent("viber: the attachment has no media URL to download")
}
