// Package whatsappcloudtest is a fake of the WhatsApp Cloud API on Meta's Graph
// API (https://graph.facebook.com) and a builder and signer of its webhooks,
// shared by the provider's unit tests, the server's end-to-end tests, the crash
// test and the load tool, so that one fix to its realism fixes every one of
// them.
//
// The fake checks what the real API checks (a versioned path, an access token
// it knows, a phone number ID or WhatsApp Business Account it serves, the
// messages body with messaging_product "whatsapp" and the documented limits, a
// media upload's fields) and answers with the documented bodies:
// {"messaging_product":"whatsapp","contacts":[...],"messages":[{"id":"wamid..."}]}
// from the messages endpoint, media metadata with a download URL that needs the
// token, and Graph error bodies with WhatsApp's error_data.details. Customers
// can be put outside the 24-hour window (131047) or made undeliverable
// (131026); failures can be queued per route or decided by a hook; every
// request and every accepted message is recorded. All methods are safe for
// concurrent use.
//
// The package imports nothing from the provider (its Graph core is
// providers/meta/metatest), so that its signer is an independent implementation
// of Meta's.
package whatsappcloudtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// Defaults of the fake's number and business account: realistic shapes, so
// that tests checking no error shows a credential check something real.
const (
	DefaultPhoneNumberID      = "106540352242922"
	DefaultWABAID             = "102290129340398"
	DefaultDisplayPhoneNumber = "+1 555-096-7852"
	DefaultVerifiedName       = "Acme Support"
	DefaultToken              = "EAAJB5zfakeSYSTEMuserTOKENforWhatsAppCloudTESTS0aZBcDeFgHiJkLmNoPZD"
	DefaultAppID              = "1517776481860111"
	DefaultAppSecret          = metatest.DefaultAppSecret
	// Version is the Graph API version the provider is expected to call.
	Version = metatest.Version
)

// Limits of the real API the fake enforces
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
const (
	// MaxTextLen is the longest text body, in characters (counted here as
	// UTF-16 code units, the strictest reading).
	MaxTextLen = 4096
	// MaxCaptionLen is the longest media caption.
	MaxCaptionLen = 1024
)

// MediaPath is where the fake serves media downloads (the real URLs are on
// lookaside.fbsbx.com); a download needs the access token, as the real one.
const MediaPath = "/whatsapp_business/attachments/"

// Number is a business phone number the fake serves.
type Number struct {
	ID                     string
	WABAID                 string
	DisplayPhoneNumber     string
	VerifiedName           string
	QualityRating          string
	CodeVerificationStatus string
}

// DefaultNumber is the number a new fake serves.
var DefaultNumber = Number{
	ID: DefaultPhoneNumberID, WABAID: DefaultWABAID, DisplayPhoneNumber: DefaultDisplayPhoneNumber,
	VerifiedName: DefaultVerifiedName, QualityRating: "GREEN", CodeVerificationStatus: "VERIFIED",
}

// Message is one messages call the fake accepted, as WhatsApp would deliver it.
type Message struct {
	// ID is the wamid answered, the ID statuses name.
	ID            string
	PhoneNumberID string
	// To is the phone number or wa_id, Recipient a business-scoped user ID.
	To         string
	Recipient  string
	Type       string
	Text       string
	PreviewURL bool
	// Link or MediaID is the media of a media message; Caption and Filename
	// go with it.
	Link     string
	MediaID  string
	Caption  string
	Filename string
	At       time.Time
}

// Media is a file the fake holds: uploaded by the business, or added by a test
// as a customer's media.
type Media struct {
	ID            string
	PhoneNumberID string
	MimeType      string
	FileName      string
	Data          []byte
}

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does.
type API struct {
	*metatest.Graph

	mu            sync.Mutex
	token         string
	numbers       map[string]Number
	subscribed    map[string]bool
	callbacks     map[string]Callback
	closed        map[string]bool
	undeliverable map[string]bool
	media         map[string]Media
	messages      []Message
	downloads     []int
	onMessage     func(Message)
	next          int
	now           func() time.Time
	baseURL       string
}

// NewAPI returns a fake that serves DefaultNumber to token (DefaultToken when
// empty).
func NewAPI(token string) *API {
	if token == "" {
		token = DefaultToken
	}
	a := &API{
		Graph:         metatest.NewGraph(),
		token:         token,
		numbers:       map[string]Number{},
		subscribed:    map[string]bool{},
		callbacks:     map[string]Callback{},
		closed:        map[string]bool{},
		undeliverable: map[string]bool{},
		media:         map[string]Media{},
		now:           time.Now,
	}
	a.AddToken(token)
	a.AddNumber(DefaultNumber)
	a.Handle(http.MethodPost, "{phone-number-id}/messages", a.send)
	a.Handle(http.MethodPost, "{phone-number-id}/media", a.upload)
	a.Handle(http.MethodPost, "{waba-id}/subscribed_apps", a.subscribe)
	a.Handle(http.MethodGet, "{waba-id}/subscribed_apps", a.subscribedApps)
	a.Handle(http.MethodDelete, "{waba-id}/subscribed_apps", a.unsubscribe)
	a.Handle(http.MethodGet, "{waba-id}/phone_numbers", a.phoneNumbers)
	a.Handle(http.MethodGet, "{id}", a.getNode)
	a.Handle(http.MethodPost, "{phone-number-id}", a.configureNumber)
	return a
}

// Server is the fake served by httptest: pass its URL to whatsappcloud.New.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake that serves DefaultNumber to token (DefaultToken when
// empty). Close it when done.
func NewServer(token string) *Server {
	a := NewAPI(token)
	s := &Server{Server: httptest.NewServer(a), API: a}
	a.SetBaseURL(s.URL)
	return s
}

// Token is the access token the fake accepts.
func (a *API) Token() string { return a.token }

// SetBaseURL is where the fake is served, for the media download URLs it
// hands out (NewServer sets it).
func (a *API) SetBaseURL(u string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.baseURL = strings.TrimRight(u, "/")
}

// AddNumber serves a number (replacing one of the same ID).
func (a *API) AddNumber(n Number) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.numbers[n.ID] = n
}

// CloseWindow makes messages to customers fail with 131047 (more than 24 hours
// since they last wrote). The real API reports this asynchronously too, as a
// failed status: see FailedStatus.
func (a *API) CloseWindow(to ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range to {
		a.closed[t] = true
	}
}

// Undeliverable makes messages to customers fail with 131026 (not on WhatsApp).
func (a *API) Undeliverable(to ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range to {
		a.undeliverable[t] = true
	}
}

// AddMedia holds a customer's media for a message webhook to name and returns
// its media ID.
func (a *API) AddMedia(data []byte, mimeType, fileName string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addMediaLocked(Media{PhoneNumberID: DefaultPhoneNumberID, MimeType: mimeType, FileName: fileName, Data: data})
}

func (a *API) addMediaLocked(m Media) string {
	a.next++
	m.ID = strconv.Itoa(1_000_000_000_000_000 + a.next)
	a.media[m.ID] = m
	return m.ID
}

// Media returns a held file by ID.
func (a *API) Media(id string) (Media, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, ok := a.media[id]
	return m, ok
}

// FailNextDownload makes the next media downloads answer these HTTP statuses,
// one download each, in order (401: the URL expired).
func (a *API) FailNextDownload(statuses ...int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.downloads = append(a.downloads, statuses...)
}

// OnMessage calls f with every accepted message, after it is recorded; the load
// tool counts deliveries with it. f must be safe for concurrent use.
func (a *API) OnMessage(f func(Message)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onMessage = f
}

// Messages returns every accepted message so far, in the order accepted.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.messages)
}

// Subscribed reports whether the app is subscribed to the business account's
// webhooks.
func (a *API) Subscribed(wabaID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.subscribed[wabaID]
}

// Reset forgets recorded requests and messages, queued replies, the hook and
// subscriptions, keeping numbers, media and customers' states.
func (a *API) Reset() {
	a.Graph.Reset()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages, a.downloads = nil, nil
	a.subscribed = map[string]bool{}
}

// ServeHTTP answers Graph API calls and media downloads.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, MediaPath); ok {
		a.download(w, r, id)
		return
	}
	a.Graph.ServeHTTP(w, r)
}

func (a *API) number(c *metatest.Call) (Number, *metatest.GraphError) {
	id := c.Vars["phone-number-id"]
	a.mu.Lock()
	n, ok := a.numbers[id]
	a.mu.Unlock()
	if !ok {
		e := metatest.NoObject(strings.ToLower(c.Method), id)
		return Number{}, &e
	}
	return n, nil
}

func (a *API) waba(c *metatest.Call) (string, *metatest.GraphError) {
	id := c.Vars["waba-id"]
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.numbers {
		if n.WABAID == id {
			return id, nil
		}
	}
	e := metatest.NoObject(strings.ToLower(c.Method), id)
	return "", &e
}

// mediaObject is a media message's object.
type mediaObject struct {
	ID       string  `json:"id"`
	Link     string  `json:"link"`
	Caption  *string `json:"caption"`
	Filename string  `json:"filename"`
}

// sendRequest is the messages endpoint's body.
type sendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Recipient        string `json:"recipient"`
	Type             string `json:"type"`
	Text             *struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	} `json:"text"`
	Image    *mediaObject `json:"image"`
	Video    *mediaObject `json:"video"`
	Audio    *mediaObject `json:"audio"`
	Document *mediaObject `json:"document"`
	Sticker  *mediaObject `json:"sticker"`
}

func (a *API) send(c *metatest.Call) (any, *metatest.GraphError) {
	n, gerr := a.number(c)
	if gerr != nil {
		return nil, gerr
	}
	var req sendRequest
	if err := c.Decode(&req); err != nil {
		return nil, invalid("Invalid parameter: " + err.Error())
	}
	switch {
	case req.MessagingProduct == "":
		return nil, invalid("The parameter messaging_product is required.")
	case req.MessagingProduct != "whatsapp":
		return nil, invalid("Param messaging_product must be one of {WHATSAPP} - got \"" + req.MessagingProduct + "\".")
	case req.RecipientType != "" && req.RecipientType != "individual":
		return nil, invalid("Param recipient_type must be one of {INDIVIDUAL, GROUP} - got \"" + req.RecipientType + "\".")
	case req.To == "" && req.Recipient == "":
		return nil, invalid("The parameter to is required.")
	}
	typ := req.Type
	if typ == "" {
		typ = "text"
	}
	m := Message{PhoneNumberID: n.ID, To: req.To, Recipient: req.Recipient, Type: typ}
	var media *mediaObject
	captionOK := false
	switch typ {
	case "text":
		if req.Text == nil || req.Text.Body == "" {
			return nil, invalid("The parameter text['body'] is required.")
		}
		if len(utf16.Encode([]rune(req.Text.Body))) > MaxTextLen {
			return nil, &metatest.GraphError{Message: "(#100) Param text['body'] must be at most 4096 characters long.", Code: 100}
		}
		m.Text, m.PreviewURL = req.Text.Body, req.Text.PreviewURL
	case "image":
		media, captionOK = req.Image, true
	case "video":
		media, captionOK = req.Video, true
	case "document":
		media, captionOK = req.Document, true
	case "audio":
		media = req.Audio
	case "sticker":
		media = req.Sticker
	default:
		return nil, invalid("Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got \"" + typ + "\".")
	}
	if typ != "text" {
		if media == nil {
			return nil, invalid("The parameter " + typ + " is required.")
		}
		if gerr := a.checkMedia(typ, media, captionOK); gerr != nil {
			return nil, gerr
		}
		m.Link, m.MediaID, m.Filename = media.Link, media.ID, media.Filename
		if media.Caption != nil {
			m.Caption = *media.Caption
		}
	}

	to := req.To
	if to == "" {
		to = req.Recipient
	}
	a.mu.Lock()
	switch {
	case a.undeliverable[to]:
		a.mu.Unlock()
		return nil, &metatest.GraphError{Message: "(#131026) Message undeliverable", Code: 131026,
			Details: "Message Undeliverable."}
	case a.closed[to]:
		a.mu.Unlock()
		return nil, &metatest.GraphError{Message: "(#131047) Re-engagement message", Code: 131047,
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
	}
	a.next++
	m.ID = fmt.Sprintf("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI%020dAA==", a.next)
	m.At = a.now()
	a.messages = append(a.messages, m)
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(m)
	}
	contact := map[string]string{"input": to, "wa_id": strings.TrimPrefix(to, "+")}
	if req.To == "" {
		contact = map[string]string{"input": to, "user_id": to}
	}
	return map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{contact},
		"messages":          []map[string]string{{"id": m.ID}},
	}, nil
}

// checkMedia checks a media object: exactly one of id and link, a link WhatsApp
// can fetch, an ID the fake holds, a caption only where allowed and short.
func (a *API) checkMedia(typ string, m *mediaObject, captionOK bool) *metatest.GraphError {
	switch {
	case m.ID == "" && m.Link == "":
		return invalid("The parameter " + typ + "['id'] or " + typ + "['link'] is required.")
	case m.ID != "" && m.Link != "":
		return invalid("Only one of " + typ + "['id'] or " + typ + "['link'] may be specified.")
	case m.Caption != nil && !captionOK:
		return invalid("Param " + typ + "['caption'] is not allowed for " + typ + " messages.")
	case m.Caption != nil && len(utf16.Encode([]rune(*m.Caption))) > MaxCaptionLen:
		return invalid(fmt.Sprintf("Param %s['caption'] must be at most %d characters long.", typ, MaxCaptionLen))
	}
	if m.Link != "" {
		if u, err := url.Parse(m.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("Param " + typ + "['link'] must be a valid URL.")
		}
	}
	if m.ID != "" {
		a.mu.Lock()
		_, ok := a.media[m.ID]
		a.mu.Unlock()
		if !ok {
			return &metatest.GraphError{Message: "(#131053) Media upload error", Code: 131053,
				Details: "Unable to retrieve media with ID " + m.ID + "."}
		}
	}
	return nil
}

// upload is POST /{phone-number-id}/media: multipart with messaging_product,
// type and file.
func (a *API) upload(c *metatest.Call) (any, *metatest.GraphError) {
	n, gerr := a.number(c)
	if gerr != nil {
		return nil, gerr
	}
	switch {
	case c.Param("messaging_product") != "whatsapp":
		return nil, invalid("The parameter messaging_product is required.")
	case len(c.Files["file"]) != 1:
		return nil, invalid("The parameter file is required.")
	}
	fh := c.Files["file"][0]
	mt := c.Param("type")
	if mt == "" {
		mt = fh.Header.Get("Content-Type")
	}
	if mt == "" {
		return nil, invalid("The parameter type is required.")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, invalid("The parameter file cannot be read.")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		return nil, invalid("The parameter file is empty.")
	}
	a.mu.Lock()
	id := a.addMediaLocked(Media{PhoneNumberID: n.ID, MimeType: mt, FileName: fh.Filename, Data: data})
	a.mu.Unlock()
	return map[string]string{"id": id}, nil
}

// getNode reads a phone number's fields, or a media's metadata with its
// download URL.
func (a *API) getNode(c *metatest.Call) (any, *metatest.GraphError) {
	id := c.Vars["id"]
	a.mu.Lock()
	n, isNumber := a.numbers[id]
	m, isMedia := a.media[id]
	base := a.baseURL
	a.mu.Unlock()
	switch {
	case isNumber:
		all := map[string]string{
			"id": n.ID, "display_phone_number": n.DisplayPhoneNumber, "verified_name": n.VerifiedName,
			"quality_rating": n.QualityRating, "code_verification_status": n.CodeVerificationStatus, "platform_type": "CLOUD_API",
		}
		asked := strings.Split(c.Param("fields"), ",")
		if c.Param("fields") == "" {
			asked = []string{"verified_name", "code_verification_status", "display_phone_number", "quality_rating", "platform_type"}
		}
		out := map[string]string{"id": n.ID}
		for _, f := range asked {
			if v := all[strings.TrimSpace(f)]; v != "" {
				out[strings.TrimSpace(f)] = v
			}
		}
		return out, nil
	case isMedia:
		if pn := c.Param("phone_number_id"); pn != "" && pn != m.PhoneNumberID {
			return nil, invalid("Param phone_number_id does not match the media's phone number.")
		}
		sum := sha256.Sum256(m.Data)
		return map[string]any{
			"messaging_product": "whatsapp",
			"url":               base + MediaPath + m.ID + "?ext=" + strconv.FormatInt(a.now().Add(5*time.Minute).Unix(), 10) + "&hash=ATuFAKE",
			"mime_type":         m.MimeType,
			"sha256":            hex.EncodeToString(sum[:]),
			"file_size":         len(m.Data),
			"id":                m.ID,
		}, nil
	}
	e := metatest.NoObject("get", id)
	return nil, &e
}

// download serves a media file to a holder of the token, as lookaside does.
func (a *API) download(w http.ResponseWriter, r *http.Request, id string) {
	a.mu.Lock()
	m, ok := a.media[id]
	status := 0
	if len(a.downloads) > 0 {
		status, a.downloads = a.downloads[0], a.downloads[1:]
	}
	a.mu.Unlock()
	auth := r.Header.Get("Authorization")
	switch {
	case status != 0:
		http.Error(w, http.StatusText(status), status)
	case auth != "Bearer "+a.token:
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	case !ok:
		http.NotFound(w, r)
	case r.Method != http.MethodGet:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		w.Header().Set("Content-Type", m.MimeType)
		w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
		if m.FileName != "" {
			w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(m.FileName))
		}
		w.Write(m.Data)
	}
}

func (a *API) subscribe(c *metatest.Call) (any, *metatest.GraphError) {
	id, gerr := a.waba(c)
	if gerr != nil {
		return nil, gerr
	}
	a.mu.Lock()
	a.subscribed[id] = true
	a.mu.Unlock()
	return map[string]bool{"success": true}, nil
}

func (a *API) unsubscribe(c *metatest.Call) (any, *metatest.GraphError) {
	id, gerr := a.waba(c)
	if gerr != nil {
		return nil, gerr
	}
	a.mu.Lock()
	delete(a.subscribed, id)
	a.mu.Unlock()
	return map[string]bool{"success": true}, nil
}

func (a *API) subscribedApps(c *metatest.Call) (any, *metatest.GraphError) {
	id, gerr := a.waba(c)
	if gerr != nil {
		return nil, gerr
	}
	data := []map[string]any{}
	if a.Subscribed(id) {
		data = append(data, map[string]any{"whatsapp_business_api_data": map[string]string{
			"id": DefaultAppID, "link": "https://switchboard.example/", "name": "Switchboard",
		}})
	}
	return map[string]any{"data": data}, nil
}

func (a *API) phoneNumbers(c *metatest.Call) (any, *metatest.GraphError) {
	id, gerr := a.waba(c)
	if gerr != nil {
		return nil, gerr
	}
	a.mu.Lock()
	var data []map[string]string
	for _, n := range a.numbers {
		if n.WABAID == id {
			data = append(data, map[string]string{"id": n.ID, "display_phone_number": n.DisplayPhoneNumber, "verified_name": n.VerifiedName})
		}
	}
	a.mu.Unlock()
	slices.SortFunc(data, func(x, y map[string]string) int { return strings.Compare(x["id"], y["id"]) })
	return map[string]any{"data": data}, nil
}

func invalid(msg string) *metatest.GraphError {
	e := metatest.InvalidParameter(msg)
	return &e
}
