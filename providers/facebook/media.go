package facebook

import (
	"context"
	"errors"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// errStickerImage is why a sticker Meta sent by ID alone has no picture.
var errStickerImage = errors.New("facebook: Meta gave the sticker's ID but no image of it, so it cannot be shown")

// FetchMedia is asked only for attachments that have no URL: stickers Meta sent
// by sticker_id alone. Messenger's media all come with a CDN URL the core
// downloads directly, and there is no documented way to get a sticker's image
// by ID, so the answer is a permanent failure that says so.
func (Provider) FetchMedia(ctx context.Context, env providers.Env, acct providers.Account, att providers.Attachment) (providers.Media, error) {
	if id, ok := strings.CutPrefix(att.FileID, stickerFilePrefix); ok {
		return providers.Media{}, &providers.SendError{Reason: errStickerImage.Error() + " (sticker " + id + ")", Err: errStickerImage}
	}
	reason := "facebook: the attachment has no media URL to download"
	return providers.Media{}, &providers.SendError{Reason: reason, Err: errors.New(reason)}
}
