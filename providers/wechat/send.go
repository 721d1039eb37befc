package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboard/switchboard/providers"
)

// customSendPath is the customer service message API.
const customSendPath = "/cgi-bin/message/custom/send"

// maxTextBytes is the most a text message may hold. WeChat does not document
// it; it refuses longer texts with 45002 "content size out of limit", and its
// staff and developers measured 2048 bytes (UTF-8), which is what is used.
const maxTextBytes = 2048

// textLimit measures a text in UTF-8 bytes.
var textLimit = providers.TextLimit{Max: maxTextBytes, Cost: func(_ rune, size int) (int, int) { return size, size }}

// Send delivers a reply as customer service messages to msg.To (the
// customer's OpenID), allowed within 48 hours of the customer's last message,
// menu click or follow: the text first, split into parts of at most 2048
// UTF-8 bytes (at a line break or space when there is one), then each
// attachment. Images (JPEG, PNG, GIF, BMP up to 10 MB), voice (AMR or MP3 up
// to 2 MB) and video (MP4 up to 10 MB) are uploaded as temporary media, from
// their bytes or fetched from their URL, and sent by media_id. Other files,
// and media WeChat cannot take that have a URL, go as a text with the file's
// name and link: Official Accounts cannot send files.
//
// WeChat returns no message ID, so MessageIDs are synthetic and stable:
// "sb:<Switchboard message ID>:<part>" (a random ID stands in when the message
// has none). A reply that failed part-way resumes after the parts already
// sent when retried in this process (see progress).
//
// Failures are *providers.SendError: system busy (-1), rate limits (45009,
// 45011), 5xx and transport errors are retryable; an expired or invalid token
// is renewed and the call made once more first. Refusals such as 45015 (out
// of the 48-hour window, or the customer unfollowed) are permanent with
// WeChat's errmsg in Reason. Refusals of the account's credentials (a wrong
// AppID or AppSecret, a server off the IP whitelist, a fresh token refused
// again) are Credentials failures (see sendError).
func (p Provider) Send(ctx context.Context, env providers.Env, acct providers.Account, msg providers.OutboundMessage) (providers.SendResult, error) {
	var res providers.SendResult
	c, err := p.client(env, acct)
	if err != nil {
		return res, clientError("send", err)
	}
	to := strings.TrimSpace(msg.To)
	if to == "" {
		return res, permanent("wechat: send: the message has no recipient")
	}
	parts := plan(msg)
	if len(parts) == 0 {
		return res, permanent("wechat: send: nothing to send: WeChat refuses empty messages")
	}
	ids := messageIDs(msg.ID, len(parts))
	key := progressKey(c, to, msg.ID)
	prog := &p.state().progress
	for i, pt := range parts {
		h := pt.hash()
		if prog.sent(key, i, h, c.now()) {
			res.MessageIDs = append(res.MessageIDs, ids[i])
			continue
		}
		if err := c.sendPart(ctx, to, pt); err != nil {
			return res, sendError(err)
		}
		prog.record(key, i, h, c.now())
		res.MessageIDs = append(res.MessageIDs, ids[i])
	}
	prog.forget(key)
	return res, nil
}

// part is one message of a reply: a text, or an attachment.
type part struct {
	text string
	att  *providers.OutboundAttachment
}

// hash identifies a part's content, so a reply retried with other content
// under the same ID is sent anew.
func (pt part) hash() string {
	h := sha256.New()
	if pt.att == nil {
		h.Write([]byte("text\x00" + pt.text))
	} else {
		a := pt.att
		h.Write([]byte("att\x00" + string(a.Type) + "\x00" + a.URL + "\x00" + a.FileName + "\x00" + a.MimeType + "\x00"))
		h.Write(a.Data)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// plan turns a reply into its parts, in order.
func plan(msg providers.OutboundMessage) []part {
	var out []part
	for _, s := range providers.SplitText(sendableText(msg.Text), textLimit) {
		out = append(out, part{text: s})
	}
	for i := range msg.Attachments {
		out = append(out, part{att: &msg.Attachments[i]})
	}
	return out
}

// sendableText is s as WeChat can take it in JSON without \u escapes: valid
// UTF-8, line and paragraph separators as line breaks, and no control
// characters but line breaks and tabs.
func sendableText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return -1
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// messageIDs are the synthetic IDs of a reply's parts.
func messageIDs(messageID string, n int) []string {
	base := messageID
	if base == "" {
		var b [12]byte
		rand.Read(b[:])
		base = "x" + hex.EncodeToString(b[:])
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "sb:" + base + ":" + strconv.Itoa(i)
	}
	return ids
}

// sendPart sends one part.
func (c *client) sendPart(ctx context.Context, to string, pt part) error {
	if pt.att == nil {
		return c.sendText(ctx, to, pt.text)
	}
	return c.sendMedia(ctx, to, *pt.att)
}

// textMessage is a text customer service message.
type textMessage struct {
	ToUser  string `json:"touser"`
	MsgType string `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
}

// mediaMessage is an image, voice or video customer service message.
type mediaMessage struct {
	ToUser  string       `json:"touser"`
	MsgType string       `json:"msgtype"`
	Image   *mediaObject `json:"image,omitempty"`
	Voice   *mediaObject `json:"voice,omitempty"`
	Video   *mediaObject `json:"video,omitempty"`
}

// mediaObject names uploaded media.
type mediaObject struct {
	MediaID string `json:"media_id"`
}

// sendText sends one text message.
func (c *client) sendText(ctx context.Context, to, text string) error {
	m := textMessage{ToUser: to, MsgType: "text"}
	m.Text.Content = text
	return c.customSend(ctx, m)
}

// customSend posts a customer service message.
func (c *client) customSend(ctx context.Context, m any) error {
	b, err := jsonBody(m)
	if err != nil {
		return permanent("wechat: send: encode: %v", err)
	}
	return c.call(ctx, "send", http.MethodPost, customSendPath, nil, b, nil)
}

// sendMedia uploads an attachment WeChat can show and sends it, or sends
// its link.
func (c *client) sendMedia(ctx context.Context, to string, att providers.OutboundAttachment) error {
	kind := mediaKind(att.Type)
	if kind == "" {
		return c.sendLink(ctx, to, att, "WeChat Official Accounts cannot send files")
	}
	f, err := c.attachmentData(ctx, att, kind)
	switch {
	case errors.Is(err, errTooLarge):
		return c.sendLink(ctx, to, att, "the "+kind+" is larger than WeChat takes")
	case err != nil:
		return err
	}
	if f.ext == "" {
		return c.sendLink(ctx, to, att, "WeChat does not take "+kind+" of type "+f.mimeType)
	}
	mediaID, err := c.upload(ctx, kind, f)
	if refusedFile(err) && att.URL != "" {
		return c.sendLink(ctx, to, att, "")
	}
	if err != nil {
		return err
	}
	m := mediaMessage{ToUser: to, MsgType: kind}
	obj := &mediaObject{MediaID: mediaID}
	switch kind {
	case "image":
		m.Image = obj
	case "voice":
		m.Voice = obj
	case "video":
		m.Video = obj
	}
	return c.customSend(ctx, m)
}

// sendLink sends an attachment as its file name and URL; without a URL it
// fails for good with why.
func (c *client) sendLink(ctx context.Context, to string, att providers.OutboundAttachment, why string) error {
	if att.URL == "" {
		if why == "" {
			why = "WeChat refused the file"
		}
		return permanent("wechat: send: %s, and the attachment has no URL to send instead", why)
	}
	link := att.URL
	if name := strings.TrimSpace(att.FileName); name != "" {
		link = name + "\n" + att.URL
	}
	for _, s := range providers.SplitText(sendableText(link), textLimit) {
		if err := c.sendText(ctx, to, s); err != nil {
			return err
		}
	}
	return nil
}

// mediaKind is the WeChat message type an attachment type can go as, or ""
// for a link.
func mediaKind(t providers.AttachmentType) string {
	switch t {
	case providers.AttachmentImage, providers.AttachmentSticker:
		return "image"
	case providers.AttachmentVoice, providers.AttachmentAudio:
		return "voice"
	case providers.AttachmentVideo:
		return "video"
	}
	return ""
}
