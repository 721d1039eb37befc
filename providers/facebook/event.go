package facebook

import "github.com/switchboard/switchboard/providers/meta"

// notification is the body of a Messenger webhook
// (https://developers.facebook.com/docs/messenger-platform/webhooks): a batch
// of entries, one per Page, each with a batch of messaging events.
type notification struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

// entry is one Page's events. Events of a Page whose app does not own the
// thread come in standby instead of messaging; Switchboard leaves those to the
// app that does.
type entry struct {
	ID        meta.StringNumber `json:"id"`
	Time      meta.StringNumber `json:"time"`
	Messaging []messaging       `json:"messaging"`
}

// party is the sender or recipient of an event: a PSID or the Page ID.
type party struct {
	ID meta.StringNumber `json:"id"`
}

// messaging is one event; which field is set says what it is.
type messaging struct {
	Sender      party             `json:"sender"`
	Recipient   party             `json:"recipient"`
	Timestamp   meta.StringNumber `json:"timestamp"`
	Message     *message          `json:"message"`
	Postback    *postback         `json:"postback"`
	Delivery    *delivery         `json:"delivery"`
	Read        *read             `json:"read"`
	MessageEdit *messageEdit      `json:"message_edit"`
}

// message is a message to the Page (or, with is_echo, from it)
// (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages).
type message struct {
	MID         string            `json:"mid"`
	Text        string            `json:"text"`
	IsEcho      bool              `json:"is_echo"`
	QuickReply  *quickReply       `json:"quick_reply"`
	StickerID   meta.StringNumber `json:"sticker_id"`
	Attachments []attachment      `json:"attachments"`
}

// quickReply is the payload of the quick reply a customer tapped.
type quickReply struct {
	Payload string `json:"payload"`
}

// attachment is media or a share in a message. A fallback (a shared link)
// carries its title and URL beside or in the payload.
type attachment struct {
	Type    string             `json:"type"`
	Title   string             `json:"title"`
	URL     string             `json:"url"`
	Payload *attachmentPayload `json:"payload"`
}

// attachmentPayload is every field an attachment's payload may carry.
type attachmentPayload struct {
	URL         string            `json:"url"`
	Title       string            `json:"title"`
	StickerID   meta.StringNumber `json:"sticker_id"`
	Coordinates *coordinates      `json:"coordinates"`
}

// coordinates are a shared location's (a legacy attachment type).
type coordinates struct {
	Lat  meta.StringNumber `json:"lat"`
	Long meta.StringNumber `json:"long"`
}

// postback is a tap on a postback button, the Get Started button or a
// persistent menu item
// (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messaging_postbacks).
type postback struct {
	MID     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// delivery says the Page's messages reached the person: every message sent
// before watermark, and the mids listed when Meta lists them.
type delivery struct {
	MIDs      []string          `json:"mids"`
	Watermark meta.StringNumber `json:"watermark"`
}

// read says the person read every message the Page sent before watermark.
type read struct {
	Watermark meta.StringNumber `json:"watermark"`
}

// messageEdit is a person's edit of a message they sent
// (https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/message-edits).
type messageEdit struct {
	MID     string            `json:"mid"`
	Text    string            `json:"text"`
	NumEdit meta.StringNumber `json:"num_edit"`
}
