package twilio

import (
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// maxInboundMedia is the most attachments an inbound message may list: Twilio's
// limit for MMS (WhatsApp sends one per message).
const maxInboundMedia = 10

// emptyTwiML is the answer to every webhook: TwiML that tells Twilio there is
// nothing to do. Twilio expects TwiML from the incoming-message webhook and
// logs a warning for an empty body or another content type.
var emptyTwiML = []byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`)

// twiml is the answer to a webhook; its Body must not be modified.
func twiml() *providers.WebhookResponse {
	return &providers.WebhookResponse{Status: http.StatusOK, ContentType: "text/xml", Body: emptyTwiML}
}

// VerifyWebhook accepts a POST whose X-Twilio-Signature signs req.PublicURL (the
// configured public URL plus the query, which must be exactly the URL Twilio
// called) and the form parameters of the body under the account's Auth Token,
// compared in constant time. A JSON-bodied webhook, whose URL carries
// bodySHA256, is accepted when the signature covers the URL alone and the body
// hashes to bodySHA256. A missing token, URL or signature, several signatures,
// or a body that is not a form are ErrUnauthorized. Twilio has no handshake;
// other methods are ErrNotAllowed: a webhook configured as GET carries its
// parameters in the URL, which Switchboard does not store, so it could not be
// replayed (configure HTTP POST).
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || req.Method != http.MethodPost {
		return nil, false, providers.ErrNotAllowed
	}
	sigs := req.Header.Values(SignatureHeader)
	if len(sigs) != 1 {
		return nil, false, providers.ErrUnauthorized
	}
	token := strings.TrimSpace(acct.Secrets["authToken"])
	sig := strings.TrimSpace(sigs[0])
	u, err := url.Parse(req.PublicURL)
	if err != nil {
		return nil, false, providers.ErrUnauthorized
	}
	if hashes, ok := u.Query()[bodyHashParam]; ok {
		if len(hashes) != 1 || !validSignature(token, req.PublicURL, nil, sig) || !validBodyHash(req.Body, hashes[0]) {
			return nil, false, providers.ErrUnauthorized
		}
		return nil, false, nil
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil || !validSignature(token, req.PublicURL, form, sig) {
		return nil, false, providers.ErrUnauthorized
	}
	return nil, false, nil
}

// ParseWebhook maps one webhook to at most one event, and answers with empty
// TwiML:
//
//   - An incoming message (no MessageStatus, or "received"): MESSAGE with the
//     MessageSid as MessageID, the customer's number without "whatsapp:" as
//     SenderID (replies go to "whatsapp:" + it), ProfileName as SenderName,
//     Body as Text, MediaUrl{N}/MediaContentType{N} as attachments (by Twilio's
//     media URL, which FetchMedia downloads with the account's credentials, so
//     it is also the FileID), and Latitude/Longitude as a Location titled with
//     Label and Address. A quick-reply button press (ButtonText/ButtonPayload)
//     is a POSTBACK whose Payload is ButtonPayload (the button's text when it
//     has none). A message from an address that is not WhatsApp (an SMS sent to
//     the same number) or without any content gives no event. DedupKey is
//     "message:<MessageSid>". Twilio sends no time: the event has the time of
//     receipt. OriginalRepliedMessageSid (the message a customer replied to) has
//     no place in an event and is left out. A shared contact arrives as a
//     vCard attachment (MediaContentType text/vcard or text/x-vcard): the
//     event is a Contact ("Shared contact (vCard)"), and keeps the vCard as a
//     file named contact.vcf, since the card's details are behind Twilio's
//     authenticated media URL, which parsing does not fetch; the agent opens
//     the card for the name and numbers.
//   - A status callback: delivered and read are DELIVERED and READ about our
//     message MessageSid, SenderID the customer (To), DedupKey
//     "status:<MessageSid>:<status>". queued, sending, sent and accepted give
//     nothing: the message is already SENT when Send returns. failed and
//     undelivered are FAILED with their ErrorCode (63016: outside the 24-hour
//     window, 30008: unknown) and ErrorMessage as the reason; a callback with
//     the code alone, as Twilio usually sends them, has what the code means
//     (codeHelp) in words instead.
//
// A body that is not a form, a JSON body, a message without MessageSid or From,
// NumMedia without its MediaUrl, or impossible coordinates are a
// *providers.ParseError.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	resp := twiml()
	if req == nil {
		return nil, resp, providers.Parsef("no request")
	}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil && mt == "application/json" {
		return nil, resp, providers.Parsef("a JSON webhook: Switchboard understands Twilio's form-encoded messaging webhooks only")
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return nil, resp, &providers.ParseError{Reason: "invalid form body: " + err.Error(), Err: err}
	}
	at := req.Received.UTC()
	var ev *providers.Event
	if status := strings.ToLower(strings.TrimSpace(form.Get("MessageStatus"))); status != "" && status != "received" && status != "receiving" {
		ev, err = statusEvent(form, status, at)
	} else {
		ev, err = messageEvent(form, at)
	}
	if err != nil || ev == nil {
		return nil, resp, err
	}
	return []providers.Event{*ev}, resp, nil
}

// messageSID is the SID a webhook is about: MessageSid, or the deprecated
// SmsMessageSid and SmsSid that repeat it.
func messageSID(form url.Values) string {
	for _, k := range []string{"MessageSid", "SmsMessageSid", "SmsSid"} {
		if s := strings.TrimSpace(form.Get(k)); s != "" {
			return s
		}
	}
	return ""
}

// messageEvent maps an incoming message to MESSAGE or POSTBACK, or to nil when
// it is not a WhatsApp message or has nothing to show.
func messageEvent(form url.Values, at time.Time) (*providers.Event, error) {
	sid := messageSID(form)
	if sid == "" {
		return nil, providers.Parsef("message webhook without MessageSid")
	}
	from := strings.TrimSpace(form.Get("From"))
	if from == "" {
		return nil, providers.Parsef("message %s without From", sid)
	}
	num, ok := strings.CutPrefix(from, whatsappPrefix)
	if !ok {
		return nil, nil
	}
	if num = strings.TrimSpace(num); num == "" {
		return nil, providers.Parsef("message %s from an empty WhatsApp address", sid)
	}
	ev := &providers.Event{
		Kind:       providers.EventMessage,
		DedupKey:   "message:" + sid,
		MessageID:  sid,
		SenderID:   num,
		SenderName: strings.TrimSpace(form.Get("ProfileName")),
		Timestamp:  at,
		Text:       form.Get("Body"),
	}
	if err := media(ev, form, sid); err != nil {
		return nil, err
	}
	if err := location(ev, form, sid); err != nil {
		return nil, err
	}
	if text, payload := form.Get("ButtonText"), form.Get("ButtonPayload"); text != "" || payload != "" {
		ev.Kind = providers.EventPostback
		ev.Payload = payload
		if ev.Payload == "" {
			ev.Payload = text
		}
		if strings.TrimSpace(ev.Text) == "" {
			ev.Text = text
		}
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 && ev.Location == nil && ev.Payload == "" {
		return nil, nil
	}
	return ev, nil
}

// media adds the message's attachments: NumMedia of them, each MediaUrl{N} with
// MediaContentType{N}.
func media(ev *providers.Event, form url.Values, sid string) error {
	s := strings.TrimSpace(form.Get("NumMedia"))
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxInboundMedia {
		return providers.Parsef("message %s with NumMedia %q", sid, providers.Truncate(s, 20))
	}
	sticker := strings.EqualFold(form.Get("MessageType"), "sticker")
	for i := range n {
		idx := strconv.Itoa(i)
		u := strings.TrimSpace(form.Get("MediaUrl" + idx))
		if u == "" {
			return providers.Parsef("message %s has NumMedia %d but no MediaUrl%d", sid, n, i)
		}
		if !absoluteURL(u) {
			return providers.Parsef("message %s: MediaUrl%d is not an absolute http(s) URL", sid, i)
		}
		mt := mediaType(form.Get("MediaContentType" + idx))
		att := providers.Attachment{Type: attachmentType(mt, sticker), FileID: u, URL: u, MimeType: mt}
		if vcard(mt) {
			att.FileName = "contact.vcf"
			if ev.Contact == nil {
				ev.Contact = &providers.ContactCard{Name: sharedContactName}
			}
		}
		ev.Attachments = append(ev.Attachments, att)
	}
	return nil
}

// sharedContactName names a contact shared as a vCard: its real name is
// inside the card, behind Twilio's authenticated media URL.
const sharedContactName = "Shared contact (vCard)"

// vcard reports whether a media type is a contact card, as WhatsApp's shared
// contacts reach Twilio.
func vcard(mt string) bool {
	return mt == "text/vcard" || mt == "text/x-vcard"
}

// mediaType is the media type of a content type without its parameters, ""
// when it is not one.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// attachmentType names the kind of media by its type. WhatsApp's voice notes
// are Ogg (Opus); other audio are audio files.
func attachmentType(mt string, sticker bool) providers.AttachmentType {
	kind, sub, _ := strings.Cut(mt, "/")
	switch {
	case sticker && kind == "image":
		return providers.AttachmentSticker
	case kind == "image":
		return providers.AttachmentImage
	case kind == "video":
		return providers.AttachmentVideo
	case kind == "audio" && sub == "ogg":
		return providers.AttachmentVoice
	case kind == "audio":
		return providers.AttachmentAudio
	}
	return providers.AttachmentFile
}

// location sets a shared place from Latitude and Longitude; one without the
// other, or coordinates out of range, are malformed.
func location(ev *providers.Event, form url.Values, sid string) error {
	latS, lonS := strings.TrimSpace(form.Get("Latitude")), strings.TrimSpace(form.Get("Longitude"))
	if latS == "" && lonS == "" {
		return nil
	}
	lat, err1 := strconv.ParseFloat(latS, 64)
	lon, err2 := strconv.ParseFloat(lonS, 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return providers.Parsef("message %s with invalid coordinates", sid)
	}
	var title []string
	for _, s := range []string{form.Get("Label"), form.Get("Address")} {
		if s = strings.TrimSpace(s); s != "" {
			title = append(title, s)
		}
	}
	ev.Location = &providers.Location{Latitude: lat, Longitude: lon, Title: strings.Join(title, ", ")}
	return nil
}

// statusEvent maps a status callback about our message to DELIVERED or READ, or
// to nil for the statuses Switchboard does not record.
func statusEvent(form url.Values, status string, at time.Time) (*providers.Event, error) {
	sid := messageSID(form)
	if sid == "" {
		return nil, providers.Parsef("%s status callback without MessageSid", providers.Truncate(status, 20))
	}
	var kind providers.EventKind
	switch status {
	case "delivered":
		kind = providers.EventDelivered
	case "read":
		kind = providers.EventRead
	case "failed", "undelivered":
		kind = providers.EventFailed
	default:
		return nil, nil
	}
	ev := &providers.Event{
		Kind:          kind,
		DedupKey:      "status:" + sid + ":" + status,
		RefMessageIDs: []string{sid},
		SenderID:      strings.TrimSpace(strings.TrimPrefix(form.Get("To"), whatsappPrefix)),
		Timestamp:     at,
	}
	if kind == providers.EventFailed {
		ev.Reason = "WhatsApp could not deliver it (Twilio: " + status
		code := strings.TrimSpace(form.Get("ErrorCode"))
		if code != "" {
			ev.Reason += ", error " + providers.Truncate(code, 10)
		}
		msg := strings.TrimSpace(form.Get("ErrorMessage"))
		if msg == "" {
			// Status callbacks usually carry the code alone: say what it
			// means.
			if n, err := strconv.Atoi(code); err == nil {
				msg = codeHelp[n]
			}
		}
		if msg != "" {
			ev.Reason += ": " + providers.Truncate(msg, 200)
		}
		ev.Reason += ")"
	}
	return ev, nil
}

// absoluteURL reports whether s is an absolute http(s) URL.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
