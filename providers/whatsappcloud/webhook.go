package whatsappcloud

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/meta"
)

// VerifyWebhook answers Meta's GET subscription handshake when hub.verify_token
// is the account's webhookVerifyToken (a wrong one is meta.ErrWrongVerifyToken,
// which wraps providers.ErrForbidden: 403), and accepts a POST only when its
// X-Hub-Signature-256 is the raw body's signature under the account's app
// secret (providers.ErrUnauthorized otherwise). See meta.VerifyWebhook.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	return meta.VerifyWebhook(req, verifyToken(acct), appSecret(acct))
}

// ParseWebhook maps a batch to events, in Meta's order. Only "messages" changes
// whose metadata.phone_number_id is the account's number are read (an app
// subscribed to several numbers sends them all to one callback URL); other
// objects and fields give nothing.
//
// Messages (sender: from, else from_user_id for a user known by username;
// SenderName: the contacts entry's profile name):
//
//   - text: MESSAGE with the body.
//   - image, video, audio (voice when WhatsApp marks it a voice note),
//     document and sticker: MESSAGE with an attachment whose FileID is the
//     media ID (FetchMedia downloads it), its MIME type and a document's file
//     name; the caption is the Text.
//   - location: MESSAGE with a Location titled with its name and address.
//   - contacts: MESSAGE with the first card as Contact; further cards are
//     listed in Text.
//   - interactive button_reply and list_reply: POSTBACK with the row or
//     button id as Payload and its title as Text; a flow's nfm_reply: POSTBACK
//     with its response_json as Payload. button (a template quick reply):
//     POSTBACK with its payload and text.
//   - edit: EDITED with the new text (or caption) about original_message_id.
//   - reaction, system, order, unsupported and other types give nothing.
//
// Statuses of the business's messages: delivered and read are DELIVERED and
// READ about the status's message ID, from recipient_id (else
// recipient_user_id, for a user known by username); failed (such as
// 131047, outside the 24-hour window) is FAILED with the error's title,
// message and details as the reason. sent gives nothing (Send already reports
// the message sent).
//
// DedupKeys: "message:<id>", "postback:<id>", "edit:<id>" and
// "status:<id>:<status>", which Meta's retries repeat. Timestamps are Unix
// seconds (milliseconds are recognized too). A body that is not JSON, or a
// message without the IDs or content its type needs, is a
// *providers.ParseError.
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, nil, providers.Parsef("no request")
	}
	var n notification
	if err := json.Unmarshal(req.Body, &n); err != nil {
		return nil, nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	if n.Object != "whatsapp_business_account" {
		return nil, nil, nil
	}
	number := phoneNumberID(acct)
	var events []providers.Event
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			v := &c.Value
			if c.Field != "messages" || number == "" || string(v.Metadata.PhoneNumberID) != number {
				continue
			}
			names := map[string]string{}
			for _, ct := range v.Contacts {
				name := strings.TrimSpace(ct.Profile.Name)
				for _, id := range []string{ct.WaID, ct.UserID} {
					if id != "" && name != "" {
						names[id] = name
					}
				}
			}
			for i := range v.Messages {
				ev, err := messageEvent(&v.Messages[i], names, req.Received)
				if err != nil {
					return nil, nil, err
				}
				if ev != nil {
					events = append(events, *ev)
				}
			}
			for _, s := range v.Statuses {
				ev, err := statusEvent(s, req.Received)
				if err != nil {
					return nil, nil, err
				}
				if ev != nil {
					events = append(events, *ev)
				}
			}
		}
	}
	return events, nil, nil
}

// messageEvent maps one customer message, or nil for types Switchboard does
// not show.
func messageEvent(m *message, names map[string]string, received time.Time) (*providers.Event, error) {
	if m.ID == "" {
		return nil, providers.Parsef("%s message without id", m.Type)
	}
	sender := m.From
	if sender == "" {
		sender = m.FromUserID
	}
	if sender == "" {
		return nil, providers.Parsef("message %s without from", m.ID)
	}
	ev := &providers.Event{
		Kind: providers.EventMessage, DedupKey: "message:" + m.ID, MessageID: m.ID,
		SenderID: sender, SenderName: names[sender], Timestamp: unixTime(m.Timestamp, received),
	}
	if ev.SenderName == "" && m.FromUserID != "" {
		ev.SenderName = names[m.FromUserID]
	}
	switch m.Type {
	case "text":
		if m.Text == nil {
			return nil, providers.Parsef("text message %s without text", m.ID)
		}
		ev.Text = m.Text.Body
	case "image", "video", "audio", "voice", "document", "sticker":
		if err := mediaContent(ev, m); err != nil {
			return nil, err
		}
	case "location":
		if err := locationContent(ev, m); err != nil {
			return nil, err
		}
	case "contacts":
		contactsContent(ev, m.Contacts)
	case "interactive":
		if !interactiveContent(ev, m.Interactive) {
			return nil, nil
		}
	case "button":
		if m.Button == nil {
			return nil, providers.Parsef("button message %s without button", m.ID)
		}
		ev.Kind, ev.DedupKey, ev.Text, ev.Payload = providers.EventPostback, "postback:"+m.ID, m.Button.Text, m.Button.Payload
	case "edit":
		return editEvent(ev, m)
	default:
		return nil, nil // reaction, system, order, unsupported...
	}
	if ev.Kind == providers.EventMessage && strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 && ev.Location == nil && ev.Contact == nil {
		return nil, nil
	}
	return ev, nil
}

// attachmentTypes maps WhatsApp's media types to Switchboard's.
var attachmentTypes = map[string]providers.AttachmentType{
	"image": providers.AttachmentImage, "video": providers.AttachmentVideo, "audio": providers.AttachmentAudio,
	"voice": providers.AttachmentVoice, "document": providers.AttachmentFile, "sticker": providers.AttachmentSticker,
}

// mediaContent attaches a media message's media by ID, with its caption as text.
func mediaContent(ev *providers.Event, m *message) error {
	obj := map[string]*media{"image": m.Image, "video": m.Video, "audio": m.Audio, "voice": m.Voice,
		"document": m.Document, "sticker": m.Sticker}[m.Type]
	if obj == nil || obj.ID == "" {
		return providers.Parsef("%s message %s without a media id", m.Type, m.ID)
	}
	t := attachmentTypes[m.Type]
	if m.Type == "audio" && obj.Voice {
		t = providers.AttachmentVoice
	}
	ev.Text = obj.Caption
	ev.Attachments = []providers.Attachment{{Type: t, FileID: obj.ID, MimeType: strings.TrimSpace(obj.MimeType), FileName: obj.Filename}}
	return nil
}

// locationContent sets a shared place; coordinates out of range are malformed.
func locationContent(ev *providers.Event, m *message) error {
	if m.Location == nil {
		return providers.Parsef("location message %s without location", m.ID)
	}
	lat, err1 := strconv.ParseFloat(string(m.Location.Latitude), 64)
	lon, err2 := strconv.ParseFloat(string(m.Location.Longitude), 64)
	if err1 != nil || err2 != nil || !onGlobe(lat, lon) {
		return providers.Parsef("location message %s with invalid coordinates", m.ID)
	}
	title := strings.Join(nonEmpty(m.Location.Name, m.Location.Address), ", ")
	ev.Location = &providers.Location{Latitude: lat, Longitude: lon, Title: title}
	return nil
}

// contactsContent keeps the first shared card as the Contact and lists the
// others in Text, so that none is lost.
func contactsContent(ev *providers.Event, cards []sharedContact) {
	var more []string
	for i, c := range cards {
		name := strings.TrimSpace(c.Name.FormattedName)
		if name == "" {
			name = strings.Join(nonEmpty(c.Name.FirstName, c.Name.LastName), " ")
		}
		phone := ""
		for _, p := range c.Phones {
			if phone = strings.TrimSpace(p.Phone); phone == "" {
				phone = strings.TrimSpace(p.WaID)
			}
			if phone != "" {
				break
			}
		}
		if name == "" && phone == "" {
			continue
		}
		if i == 0 || ev.Contact == nil {
			ev.Contact = &providers.ContactCard{Name: name, Phone: phone}
			continue
		}
		more = append(more, strings.Join(nonEmpty(name, phone), ": "))
	}
	ev.Text = strings.Join(more, "\n")
}

// interactiveContent makes a reply to an interactive message a POSTBACK; false
// for replies Switchboard does not know.
func interactiveContent(ev *providers.Event, in *interactive) bool {
	if in == nil {
		return false
	}
	switch {
	case in.Type == "button_reply" && in.ButtonReply != nil:
		ev.Text, ev.Payload = in.ButtonReply.Title, in.ButtonReply.ID
	case in.Type == "list_reply" && in.ListReply != nil:
		ev.Text, ev.Payload = in.ListReply.Title, in.ListReply.ID
	case in.Type == "nfm_reply" && in.NFMReply != nil:
		ev.Text, ev.Payload = in.NFMReply.Body, in.NFMReply.ResponseJSON
	default:
		return false
	}
	ev.Kind, ev.DedupKey = providers.EventPostback, "postback:"+ev.MessageID
	return true
}

// editEvent maps a customer's edit: the new text, or a media message's new
// caption.
func editEvent(ev *providers.Event, m *message) (*providers.Event, error) {
	if m.Edit == nil || m.Edit.OriginalMessageID == "" || m.Edit.Message == nil {
		return nil, providers.Parsef("edit %s without original_message_id or message", m.ID)
	}
	inner := m.Edit.Message
	switch {
	case inner.Text != nil:
		ev.Text = inner.Text.Body
	default:
		for _, obj := range []*media{inner.Image, inner.Video, inner.Document, inner.Audio} {
			if obj != nil {
				ev.Text = obj.Caption
				break
			}
		}
	}
	ev.Kind, ev.DedupKey, ev.RefMessageIDs = providers.EventEdited, "edit:"+m.ID, []string{m.Edit.OriginalMessageID}
	return ev, nil
}

// statusEvent maps a status of the business's message to a receipt, or nil.
func statusEvent(s status, received time.Time) (*providers.Event, error) {
	var kind providers.EventKind
	switch s.Status {
	case "delivered":
		kind = providers.EventDelivered
	case "read":
		kind = providers.EventRead
	case "failed":
		kind = providers.EventFailed
	default:
		return nil, nil // sent, played, deleted...
	}
	if s.ID == "" {
		return nil, providers.Parsef("%s status without id", s.Status)
	}
	if s.RecipientID == "" && s.RecipientUserID == "" {
		return nil, providers.Parsef("%s status %s without recipient_id or recipient_user_id", s.Status, s.ID)
	}
	ev := &providers.Event{
		Kind: kind, DedupKey: "status:" + s.ID + ":" + s.Status, RefMessageIDs: []string{s.ID},
		SenderID: s.RecipientID, Timestamp: unixTime(s.Timestamp, received),
	}
	if ev.SenderID == "" {
		ev.SenderID = s.RecipientUserID
	}
	if kind == providers.EventFailed {
		ev.Reason = failureReason(s.Errors)
	}
	return ev, nil
}

// failureReason words a failed status's errors for the agent.
func failureReason(errs []statusError) string {
	if len(errs) == 0 {
		return "WhatsApp could not deliver it"
	}
	e := errs[0]
	var parts []string
	for _, p := range []string{e.Title, e.Message, e.ErrorData.Details} {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	reason := "WhatsApp could not deliver it"
	if len(parts) > 0 {
		reason += ": " + strings.Join(parts, ": ")
	}
	if code, ok := e.Code.Int64(); ok && code != 0 {
		reason += fmt.Sprintf(" (error %d)", code)
	}
	return reason
}

// unixTime converts WhatsApp's Unix seconds to UTC; milliseconds (which Meta
// has been seen to send) are recognized, and a missing or malformed time is
// replaced by the time of receipt.
func unixTime(n meta.StringNumber, received time.Time) time.Time {
	v, ok := n.Int64()
	switch {
	case !ok || v <= 0 || v > 1e15:
		return received.UTC()
	case v >= 1e12:
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// onGlobe reports whether lat and lon are a place: finite and in range.
// ParseFloat takes "NaN" and "Inf", which no comparison with a bound refuses.
func onGlobe(lat, lon float64) bool {
	for _, v := range []float64{lat, lon} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}
