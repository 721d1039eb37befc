package wechat

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/providers"
)

// The query parameters of WeChat's webhooks.
const (
	paramSignature    = "signature"
	paramTimestamp    = "timestamp"
	paramNonce        = "nonce"
	paramEchostr      = "echostr"
	paramEncryptType  = "encrypt_type"
	paramMsgSignature = "msg_signature"
	encryptAES        = "aes"
)

// VerifyWebhook checks a request against the account's server token, in
// constant time:
//   - a GET is the console's check of the server URL: with a valid signature
//     it is answered echostr as text/plain, as a handshake;
//   - a POST needs the same query signature and, when encrypt_type=aes (safe
//     or compatible mode), msg_signature over the body's Encrypt element.
//     An account with an EncodingAESKey accepts only such encrypted POSTs:
//     the plain signature does not cover the body, so taking plaintext there
//     would undo what the key is for.
//
// A missing or wrong signature on the GET handshake is providers.ErrForbidden
// (403, as a handshake with the wrong token fails for every messenger; WeChat's
// console then reports the token check failed); on a POST it is
// ErrUnauthorized (401: the request is not authentic, nothing is stored).
// Other methods are ErrNotAllowed. No freshness window applies to the timestamp:
// WeChat documents none.
func (Provider) VerifyWebhook(acct providers.Account, req *providers.WebhookRequest) (*providers.WebhookResponse, bool, error) {
	if req == nil || (req.Method != http.MethodGet && req.Method != http.MethodPost) {
		return nil, false, providers.ErrNotAllowed
	}
	refused := providers.ErrUnauthorized
	if req.Method == http.MethodGet {
		refused = providers.ErrForbidden
	}
	if req.URL == nil {
		return nil, false, refused
	}
	a := accountOf(acct)
	q := req.URL.Query()
	ts, nonce := one(q, paramTimestamp), one(q, paramNonce)
	if a.serverToken == "" || !validSignature(one(q, paramSignature), a.serverToken, ts, nonce) {
		return nil, false, refused
	}
	if req.Method == http.MethodGet {
		echo := one(q, paramEchostr)
		if echo == "" {
			return nil, false, providers.ErrNotAllowed
		}
		return &providers.WebhookResponse{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(echo)}, true, nil
	}
	switch enc := q.Get(paramEncryptType); {
	case enc == encryptAES:
		encrypted, ok := envelope(req.Body)
		if !ok || !validSignature(one(q, paramMsgSignature), a.serverToken, ts, nonce, encrypted) {
			return nil, false, providers.ErrUnauthorized
		}
	case a.aesKey != "", enc != "" && enc != "raw":
		return nil, false, providers.ErrUnauthorized
	}
	return nil, false, nil
}

// one is the single value of a query parameter, or "" when it is missing or
// repeated: a repeated signature is not WeChat's.
func one(q url.Values, name string) string {
	if v := q[name]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// envelope returns the Encrypt element of a safe-mode body.
func envelope(body []byte) (string, bool) {
	var env struct {
		XMLName xml.Name `xml:"xml"`
		Encrypt string   `xml:"Encrypt"`
	}
	if xml.Unmarshal(body, &env) != nil {
		return "", false
	}
	enc := strings.TrimSpace(env.Encrypt)
	return enc, enc != ""
}

// inbound is one pushed message or event, in WeChat's XML (element names as
// WeChat spells them: MsgId, PicUrl, Location_X).
type inbound struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   string   `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        string   `xml:"MsgId"`
	Content      string   `xml:"Content"`
	PicURL       string   `xml:"PicUrl"`
	MediaID      string   `xml:"MediaId"`
	Format       string   `xml:"Format"`
	Recognition  string   `xml:"Recognition"`
	ThumbMediaID string   `xml:"ThumbMediaId"`
	LocationX    string   `xml:"Location_X"`
	LocationY    string   `xml:"Location_Y"`
	Label        string   `xml:"Label"`
	Title        string   `xml:"Title"`
	Description  string   `xml:"Description"`
	URL          string   `xml:"Url"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Encrypt      string   `xml:"Encrypt"`
}

// success is WeChat's "received" answer: it ends the retries and keeps the
// customer from seeing "this Official Account cannot provide service".
func success() *providers.WebhookResponse {
	return &providers.WebhookResponse{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte("success")}
}

// ParseWebhook maps one pushed XML message or event, decrypted first in safe
// or compatible mode (the AppID sealed inside must be the account's), to
// normalized events:
//   - text to MESSAGE with its Content; link to MESSAGE with the title,
//     description and URL as text;
//   - image to MESSAGE with an IMAGE attachment carrying both the MediaId
//     (FileID, fetched later with media/get) and PicUrl (URL, which outlives
//     the media's three days on WeChat);
//   - voice to a VOICE attachment (its Format as type) with WeChat's speech
//     recognition, when on, as text; video and shortvideo to a VIDEO
//     attachment (the ThumbMediaId preview has no place in an attachment and
//     is left out);
//   - location to MESSAGE with the place (Location_X is the latitude);
//   - the events subscribe and unsubscribe to SUBSCRIBED and UNSUBSCRIBED,
//     the menu events CLICK and VIEW to POSTBACK with the EventKey (a VIEW's
//     is the URL opened).
//
// Messages are deduplicated by MsgId, events by "event:" with the sender,
// CreateTime, event and, for menus, EventKey (WeChat's advice). Other events
// (SCAN, LOCATION reports, template and mass-send results, ...) and
// hardware pushes (device_text, device_event) are understood and give nothing. A message type WeChat adds later is a
// *providers.ParseError, so the body is kept for replay rather than lost.
// The answer is always "success".
func (Provider) ParseWebhook(acct providers.Account, req *providers.WebhookRequest) ([]providers.Event, *providers.WebhookResponse, error) {
	if req == nil {
		return nil, success(), providers.Parsef("no request")
	}
	var m inbound
	if err := xml.Unmarshal(req.Body, &m); err != nil {
		return nil, success(), &providers.ParseError{Reason: "invalid webhook XML: " + err.Error(), Err: err}
	}
	var q url.Values
	if req.URL != nil {
		q = req.URL.Query()
	}
	if q.Get(paramEncryptType) == encryptAES {
		a := accountOf(acct)
		switch {
		case a.aesKey != "":
			plain, err := decrypt(a.aesKey, a.appID, strings.TrimSpace(m.Encrypt))
			if err != nil {
				return nil, success(), &providers.ParseError{Reason: "cannot decrypt the webhook: " + err.Error(), Err: err}
			}
			m = inbound{}
			if err := xml.Unmarshal(plain, &m); err != nil {
				return nil, success(), &providers.ParseError{Reason: "invalid XML inside the encrypted webhook: " + err.Error(), Err: err}
			}
		case strings.TrimSpace(m.MsgType) == "":
			// Safe mode without a key here: keep the body until one is set.
			return nil, success(), providers.Parsef("the webhook is encrypted but the account has no EncodingAESKey")
		}
		// Compatible mode without a key: its plaintext copy is used.
	}
	events, err := m.events()
	if err != nil {
		return nil, success(), err
	}
	return events, success(), nil
}

// events maps the message; see ParseWebhook.
func (m *inbound) events() ([]providers.Event, error) {
	from := strings.TrimSpace(m.FromUserName)
	if from == "" {
		return nil, providers.Parsef("no FromUserName")
	}
	created := strings.TrimSpace(m.CreateTime)
	sec, err := strconv.ParseInt(created, 10, 64)
	if err != nil || sec <= 0 || sec > maxUnix {
		return nil, providers.Parsef("bad CreateTime %q", truncate(created, 32))
	}
	at := time.Unix(sec, 0).UTC()
	typ := strings.TrimSpace(m.MsgType)
	switch {
	case typ == "event":
		return m.event(from, created, at), nil
	case strings.HasPrefix(typ, "device_"):
		return nil, nil // WeChat hardware (IoT) pushes: nothing for an agent
	}
	id := strings.TrimSpace(m.MsgID)
	if id == "" {
		return nil, providers.Parsef("%s message without MsgId", truncate(typ, 32))
	}
	ev := providers.Event{Kind: providers.EventMessage, DedupKey: id, MessageID: id, SenderID: from, Timestamp: at}
	mediaID := strings.TrimSpace(m.MediaID)
	switch typ {
	case "text":
		ev.Text = m.Content
	case "image":
		att := providers.Attachment{Type: providers.AttachmentImage, FileID: mediaID, URL: webURL(m.PicURL)}
		if att.FileID == "" && att.URL == "" {
			return nil, providers.Parsef("image message %s without MediaId or PicUrl", id)
		}
		ev.Attachments = []providers.Attachment{att}
	case "voice":
		if mediaID == "" {
			return nil, providers.Parsef("voice message %s without MediaId", id)
		}
		ev.Attachments = []providers.Attachment{{Type: providers.AttachmentVoice, FileID: mediaID, MimeType: voiceType(m.Format)}}
		ev.Text = strings.TrimSpace(m.Recognition)
	case "video", "shortvideo":
		if mediaID == "" {
			return nil, providers.Parsef("%s message %s without MediaId", typ, id)
		}
		ev.Attachments = []providers.Attachment{{Type: providers.AttachmentVideo, FileID: mediaID, MimeType: "video/mp4"}}
	case "location":
		loc, err := location(m)
		if err != nil {
			return nil, err
		}
		ev.Location = loc
	case "link":
		var parts []string
		for _, s := range []string{m.Title, m.Description, m.URL} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		ev.Text = strings.Join(parts, "\n")
	default:
		return nil, providers.Parsef("unsupported MsgType %q", truncate(typ, 32))
	}
	return []providers.Event{ev}, nil
}

// maxUnix bounds CreateTime to the last second of year 9999, what the
// database's time columns hold.
const maxUnix = 253402300799

// event maps an event push; events an agent has no use for give nothing.
func (m *inbound) event(from, created string, at time.Time) []providers.Event {
	name := strings.TrimSpace(m.Event)
	key := "event:" + from + ":" + created + ":" + name
	switch {
	case strings.EqualFold(name, "subscribe"):
		return []providers.Event{{Kind: providers.EventSubscribed, DedupKey: key, SenderID: from, Timestamp: at}}
	case strings.EqualFold(name, "unsubscribe"):
		return []providers.Event{{Kind: providers.EventUnsubscribe, DedupKey: key, SenderID: from, Timestamp: at}}
	case strings.EqualFold(name, "CLICK"), strings.EqualFold(name, "VIEW"):
		payload := strings.TrimSpace(m.EventKey)
		key += ":" + payload
		return []providers.Event{{
			Kind: providers.EventPostback, DedupKey: key, MessageID: key, SenderID: from, Timestamp: at,
			Payload: payload, Text: payload,
		}}
	}
	return nil
}

// location reads a location message; coordinates off the globe are refused.
func location(m *inbound) (*providers.Location, error) {
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(m.LocationX), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(m.LocationY), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return nil, providers.Parsef("location message with bad coordinates %q, %q", truncate(m.LocationX, 32), truncate(m.LocationY, 32))
	}
	return &providers.Location{Latitude: lat, Longitude: lon, Title: strings.TrimSpace(m.Label)}, nil
}

// webURL is s when it is an absolute http(s) URL (WeChat's PicUrl is often
// plain http), else "".
func webURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// voiceType is the media type of a voice message's Format.
func voiceType(format string) string {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "amr":
		return "audio/amr"
	case "speex":
		return "audio/speex"
	case "mp3":
		return "audio/mpeg"
	}
	return ""
}

// truncate shortens untrusted text quoted in an error.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
