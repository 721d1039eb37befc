package wechattest

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sign is WeChat's signature: the lowercase hex SHA-1 of the parts sorted as
// strings and joined. A push's signature is Sign(token, timestamp, nonce),
// safe mode's msg_signature Sign(token, timestamp, nonce, encrypt).
func Sign(parts ...string) string {
	sorted := slices.Clone(parts)
	slices.Sort(sorted)
	h := sha1.New()
	for _, p := range sorted {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Encrypt seals a message XML for appID the way safe mode does and returns
// the Base64 Encrypt element: AES-256-CBC under the EncodingAESKey (Base64,
// with "=" appended), IV its first 16 bytes, over 16 random bytes, the XML's
// length (4 bytes, big-endian), the XML and the AppID, PKCS#7-padded to 32
// bytes.
func Encrypt(aesKey, appID string, xmlBody []byte) (string, error) {
	var random [16]byte
	rand.Read(random[:])
	return encrypt(aesKey, appID, xmlBody, random)
}

// encrypt is Encrypt with the random prefix given.
func encrypt(aesKey, appID string, xmlBody []byte, random [16]byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if len(aesKey) != 43 || err != nil || len(key) != 32 {
		return "", errors.New("wechattest: an EncodingAESKey is 43 characters of Base64")
	}
	var pt bytes.Buffer
	pt.Write(random[:])
	binary.Write(&pt, binary.BigEndian, uint32(len(xmlBody)))
	pt.Write(xmlBody)
	pt.WriteString(appID)
	pad := 32 - pt.Len()%32
	pt.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	ct := make([]byte, pt.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(ct, pt.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}

// Push is an account's message push configuration in the console: the
// server token, and in safe (or compatible) mode the EncodingAESKey and the
// AppID sealed into each message.
type Push struct {
	Token  string
	AESKey string
	AppID  string
	// Compatible sends the plaintext along with the ciphertext, as the
	// console's compatible mode does; safe mode sends ciphertext only.
	Compatible bool
}

// DefaultPush is the default account's configuration in plaintext mode.
var DefaultPush = Push{Token: ServerToken, AppID: AppID}

// SafePush is the default account's configuration in safe mode.
var SafePush = Push{Token: ServerToken, AESKey: AESKey, AppID: AppID}

// SignedWebhook returns the query and body of the POST WeChat makes to a
// server URL to push a message XML at time at: signature, timestamp, nonce
// and the sender's openid, and with an AESKey encrypt_type=aes,
// msg_signature and the encrypted envelope. A body that is not XML is
// signed all the same (without an openid), for tests of what a server
// refuses.
func SignedWebhook(p Push, xmlBody []byte, at time.Time) (url.Values, []byte, error) {
	var head struct {
		ToUserName   string `xml:"ToUserName"`
		FromUserName string `xml:"FromUserName"`
	}
	xml.Unmarshal(xmlBody, &head) // a body that is not XML is sent all the same, for tests of refusals
	ts, nonce := strconv.FormatInt(at.Unix(), 10), newNonce()
	q := url.Values{
		"signature": {Sign(p.Token, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
		"openid":    {head.FromUserName},
	}
	if p.AESKey == "" {
		return q, xmlBody, nil
	}
	enc, err := Encrypt(p.AESKey, p.AppID, xmlBody)
	if err != nil {
		return nil, nil, err
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", Sign(p.Token, ts, nonce, enc))
	if p.Compatible {
		i := bytes.LastIndex(xmlBody, []byte("</xml>"))
		if i < 0 {
			return nil, nil, errors.New("wechattest: the push has no </xml>")
		}
		body := append(bytes.Clone(xmlBody[:i]), []byte("<Encrypt>"+cdata(enc)+"</Encrypt>\n</xml>")...)
		return q, body, nil
	}
	body := []byte("<xml>\n    <ToUserName>" + cdata(head.ToUserName) + "</ToUserName>\n    <Encrypt>" + cdata(enc) + "</Encrypt>\n</xml>")
	return q, body, nil
}

// Handshake is the query of the GET with which the console checks a server
// URL when it is saved: the server must answer echostr.
func Handshake(token, echostr string, at time.Time) url.Values {
	ts, nonce := strconv.FormatInt(at.Unix(), 10), newNonce()
	return url.Values{"signature": {Sign(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echostr}}
}

// NewWebhookRequest builds the POST WeChat makes to the server URL target
// to push a message XML (see SignedWebhook).
func NewWebhookRequest(ctx context.Context, target string, p Push, xmlBody []byte, at time.Time) (*http.Request, error) {
	q, body, err := SignedWebhook(p, xmlBody, at)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, withQuery(target, q), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wechattest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "Mozilla/4.0")
	return req, nil
}

// NewHandshakeRequest builds the console's GET check of the server URL.
func NewHandshakeRequest(ctx context.Context, target, token, echostr string, at time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(target, Handshake(token, echostr, at)), nil)
	if err != nil {
		return nil, fmt.Errorf("wechattest: handshake request: %w", err)
	}
	return req, nil
}

// Deliver pushes a message XML to the server URL target as WeChat does,
// with hc, and, as WeChat does, opens the sender's 48-hour reply window (on
// the account p.AppID, the default one when empty).
func (s *Server) Deliver(ctx context.Context, hc *http.Client, target string, p Push, xmlBody []byte) (*http.Response, error) {
	req, err := NewWebhookRequest(ctx, target, p, xmlBody, s.Now())
	if err != nil {
		return nil, err
	}
	app := p.AppID
	if app == "" {
		app = AppID
	}
	s.InteractWith(app, req.URL.Query().Get("openid"))
	return hc.Do(req)
}

// withQuery adds q to a URL.
func withQuery(target string, q url.Values) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + q.Encode()
}

// newNonce is a nonce in WeChat's form: a random decimal number.
func newNonce() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	return n.String()
}

// cdata wraps s in a CDATA section, splitting any "]]>" in it.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// encodeBase64 is standard Base64.
func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// header is the common start of a pushed message.
func header(to, from string, at time.Time, msgType string) string {
	return "<xml>\n  <ToUserName>" + cdata(to) + "</ToUserName>\n  <FromUserName>" + cdata(from) + "</FromUserName>\n  <CreateTime>" +
		strconv.FormatInt(at.Unix(), 10) + "</CreateTime>\n  <MsgType>" + cdata(msgType) + "</MsgType>\n"
}

// TextXML is a text message push from user from to account to (its
// original ID).
func TextXML(to, from string, at time.Time, msgID int64, content string) []byte {
	return []byte(header(to, from, at, "text") + "  <Content>" + cdata(content) + "</Content>\n  <MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId>\n</xml>")
}

// ImageXML is an image message push: the picture's URL and its media ID.
func ImageXML(to, from string, at time.Time, msgID int64, picURL, mediaID string) []byte {
	return []byte(header(to, from, at, "image") + "  <PicUrl>" + cdata(picURL) + "</PicUrl>\n  <MediaId>" + cdata(mediaID) +
		"</MediaId>\n  <MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId>\n</xml>")
}

// VoiceXML is a voice message push with its format (amr, speex) and, when
// speech recognition is on, its text.
func VoiceXML(to, from string, at time.Time, msgID int64, mediaID, format, recognition string) []byte {
	rec := ""
	if recognition != "" {
		rec = "  <Recognition>" + cdata(recognition) + "</Recognition>\n"
	}
	return []byte(header(to, from, at, "voice") + "  <MediaId>" + cdata(mediaID) + "</MediaId>\n  <Format>" + cdata(format) +
		"</Format>\n" + rec + "  <MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId>\n</xml>")
}

// EventXML is an event push: subscribe, unsubscribe, CLICK (eventKey is the
// menu key), VIEW (eventKey is the URL), ...
func EventXML(to, from string, at time.Time, event, eventKey string) []byte {
	key := ""
	if eventKey != "" {
		key = "  <EventKey>" + cdata(eventKey) + "</EventKey>\n"
	}
	return []byte(header(to, from, at, "event") + "  <Event>" + cdata(event) + "</Event>\n" + key + "</xml>")
}
