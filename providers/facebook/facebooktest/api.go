// Package facebooktest is a fake of the Messenger Platform's Graph API
// (https://graph.facebook.com) and a builder and signer of Messenger webhooks,
// shared by the provider's unit tests, the server's end-to-end tests, the crash
// test and the load tool, so that one fix to its realism fixes every one of
// them.
//
// The fake checks what the real API checks (a versioned path, a Page access
// token it knows and that belongs to the Page addressed, the Send API's body
// and limits, subscribed_fields) and answers with Graph's documented bodies:
// {"recipient_id","message_id"} from the Send API and
// {"error":{"message","type","code","error_subcode","fbtrace_id"}} on failure.
// People can be made unavailable (551) or put outside the 24-hour window
// (10/2018278); failures can be queued per route or decided by a hook; every
// request and every accepted message is recorded. All methods are safe for
// concurrent use.
//
// The package imports nothing from the provider (its Graph core is
// providers/meta/metatest), so that its signer is an independent implementation
// of Meta's.
package facebooktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/switchboard/switchboard/providers/meta/metatest"
)

// Defaults of the fake's Page and app: realistic shapes, so that tests checking
// no error shows a credential check something real.
const (
	DefaultPageID       = "106728097004746"
	DefaultPageName     = "Acme Support"
	DefaultPageUsername = "acmesupport"
	DefaultToken        = "EAAGm0PX4ZCpsBANZCZBfakeZBpageZBtokenZCZAforZBtestsZBZAx9QZDZD"
	// DefaultAppID is the app_id of Meta's message echo example.
	DefaultAppID     = "1517776481860111"
	DefaultAppSecret = metatest.DefaultAppSecret
	// Version is the Graph API version the provider is expected to call.
	Version = metatest.Version
)

// MaxTextLen is the Send API's limit on message.text, in characters (counted
// here as UTF-16 code units, the strictest reading).
const MaxTextLen = 2000

// Page is a Facebook Page the fake knows, with its Page access token.
type Page struct {
	ID       string
	Name     string
	Username string
	Token    string
}

// DefaultPage is the Page a new fake knows.
var DefaultPage = Page{ID: DefaultPageID, Name: DefaultPageName, Username: DefaultPageUsername, Token: DefaultToken}

// User is a person the User Profile API describes, by PSID.
type User struct {
	PSID       string
	FirstName  string
	LastName   string
	ProfilePic string
}

// Message is one Send API call the fake accepted, as Messenger would deliver it.
type Message struct {
	// ID is the message_id answered, the mid delivery receipts name.
	ID            string
	PageID        string
	Recipient     string
	MessagingType string
	Tag           string
	Text          string
	// AttachmentType and AttachmentURL describe an attachment sent by URL.
	AttachmentType string
	AttachmentURL  string
	IsReusable     bool
	// Upload is the file of an attachment uploaded with the message as
	// filedata (nil for one by URL).
	Upload *Upload
	At     time.Time
}

// SubscribableFields are the Page webhook fields subscribed_apps accepts.
var SubscribableFields = []string{
	"messages", "messaging_postbacks", "messaging_optins", "message_deliveries", "message_reads",
	"messaging_payments", "messaging_pre_checkouts", "messaging_checkout_updates", "messaging_account_linking",
	"messaging_referrals", "message_echoes", "messaging_game_plays", "standby", "messaging_handovers",
	"messaging_policy_enforcement", "message_reactions", "message_edits", "inbox_labels", "messaging_feedback",
	"messaging_customer_information", "feed",
}

// API is the fake's state and HTTP handler. Serve it with NewServer (httptest)
// or on any http.Server, as the load tool does.
type API struct {
	*metatest.Graph

	mu            sync.Mutex
	pages         map[string]Page
	byToken       map[string]string
	users         map[string]User
	unavailable   map[string]bool
	closed        map[string]bool
	subscriptions map[string][]string
	messages      []Message
	onMessage     func(Message)
	next          int
	now           func() time.Time
}

// NewAPI returns a fake that knows DefaultPage.
func NewAPI() *API {
	a := &API{
		Graph:         metatest.NewGraph(),
		pages:         map[string]Page{},
		byToken:       map[string]string{},
		users:         map[string]User{},
		unavailable:   map[string]bool{},
		closed:        map[string]bool{},
		subscriptions: map[string][]string{},
		now:           time.Now,
	}
	a.AddPage(DefaultPage)
	a.Handle(http.MethodGet, "me", a.getMe)
	a.Handle(http.MethodPost, "me/messages", a.send)
	a.Handle(http.MethodPost, "{page-id}/messages", a.send)
	a.Handle(http.MethodPost, "{page-id}/subscribed_apps", a.subscribe)
	a.Handle(http.MethodGet, "{page-id}/subscribed_apps", a.subscribedApps)
	a.Handle(http.MethodGet, "{id}", a.getNode)
	return a
}

// Server is the fake served by httptest: pass its URL to facebook.New.
type Server struct {
	*httptest.Server
	*API
}

// NewServer starts a fake that knows DefaultPage. Close it when done.
func NewServer() *Server {
	a := NewAPI()
	return &Server{Server: httptest.NewServer(a), API: a}
}

// AddPage makes a Page and its token known (replacing a Page of the same ID).
func (a *API) AddPage(p Page) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.pages[p.ID]; ok {
		delete(a.byToken, old.Token)
	}
	a.pages[p.ID] = p
	a.byToken[p.Token] = p.ID
	a.AddToken(p.Token)
}

// AddUser makes a person's profile known to the User Profile API.
func (a *API) AddUser(u User) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[u.PSID] = u
}

// Unavailable makes sends to psids fail with code 551 ("This person isn't
// available right now"), as for a person who blocked the Page.
func (a *API) Unavailable(psids ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range psids {
		a.unavailable[p] = true
	}
}

// CloseWindow makes sends to psids fail as outside the 24-hour window (code 10,
// subcode 2018278), as for a person whose last message is older than a day.
func (a *API) CloseWindow(psids ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range psids {
		a.closed[p] = true
	}
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

// Subscription is the fields the Page is subscribed to (nil when it is not).
func (a *API) Subscription(pageID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.subscriptions[pageID])
}

// Reset forgets recorded requests and messages, queued replies, the hook and
// subscriptions, keeping Pages, users and people's states.
func (a *API) Reset() {
	a.Graph.Reset()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages = nil
	a.subscriptions = map[string][]string{}
}

// pageOf is the Page the token belongs to.
func (a *API) pageOf(token string) (Page, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.byToken[token]
	if !ok {
		return Page{}, false
	}
	p, ok := a.pages[id]
	return p, ok
}

// page is the Page the call addresses ({page-id} or me), when the token may
// act for it.
func (a *API) page(c *metatest.Call) (Page, *metatest.GraphError) {
	p, ok := a.pageOf(c.Token)
	id := c.Vars["page-id"]
	if id == "" {
		id = "me"
	}
	if !ok || (id != "me" && id != p.ID) {
		e := metatest.NoObject(strings.ToLower(c.Method), id)
		return Page{}, &e
	}
	return p, nil
}

// fields answers the fields a read asked for (Graph's default: id and name).
func fields(c *metatest.Call, all map[string]string) map[string]string {
	asked := strings.Split(c.Param("fields"), ",")
	if c.Param("fields") == "" {
		asked = []string{"id", "name"}
	}
	out := map[string]string{}
	for _, f := range asked {
		f = strings.TrimSpace(f)
		if v, ok := all[f]; ok && v != "" {
			out[f] = v
		}
	}
	out["id"] = all["id"]
	return out
}

func (a *API) getMe(c *metatest.Call) (any, *metatest.GraphError) {
	p, ok := a.pageOf(c.Token)
	if !ok {
		return nil, &metatest.ErrInvalidToken
	}
	return fields(c, map[string]string{"id": p.ID, "name": p.Name, "username": p.Username}), nil
}

// getNode reads a Page (with its own token) or a person's profile by PSID.
func (a *API) getNode(c *metatest.Call) (any, *metatest.GraphError) {
	id := c.Vars["id"]
	p, ok := a.pageOf(c.Token)
	if ok && id == p.ID {
		return fields(c, map[string]string{"id": p.ID, "name": p.Name, "username": p.Username}), nil
	}
	a.mu.Lock()
	u, isUser := a.users[id]
	a.mu.Unlock()
	if ok && isUser {
		return fields(c, map[string]string{"id": u.PSID, "first_name": u.FirstName, "last_name": u.LastName,
			"profile_pic": u.ProfilePic, "name": strings.TrimSpace(u.FirstName + " " + u.LastName)}), nil
	}
	e := metatest.NoObject("get", id)
	return nil, &e
}

// sendRequest is the Send API's body
// (https://developers.facebook.com/docs/messenger-platform/reference/send-api).
type sendRequest struct {
	Recipient *struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag"`
	SenderAction  string `json:"sender_action"`
	Message       *struct {
		Text       *string `json:"text"`
		Attachment *struct {
			Type    string `json:"type"`
			Payload *struct {
				URL          string `json:"url"`
				IsReusable   bool   `json:"is_reusable"`
				AttachmentID string `json:"attachment_id"`
			} `json:"payload"`
		} `json:"attachment"`
	} `json:"message"`
}

var psidPattern = regexp.MustCompile(`^[0-9]{1,30}$`)

// Upload is a file sent with a message as the Send API's multipart filedata.
type Upload struct {
	FileName    string
	ContentType string
	Data        []byte
}

// maxUpload is the largest filedata Messenger takes (25 MB).
const maxUpload = 25 << 20

// upload checks a Send API call that carries its attachment's file as
// Messenger does: a multipart body with exactly one file, named filedata, of
// at most 25 MB, and audio only with an audio/* type.
func upload(c *metatest.Call, kind string) (*Upload, *metatest.GraphError) {
	mt, _, _ := mime.ParseMediaType(c.ContentType)
	files := c.Files["filedata"]
	switch {
	case mt != "multipart/form-data" || len(files) == 0:
		return nil, invalid("param message[attachment][payload] must be non-empty.")
	case len(c.Files) != 1 || len(files) != 1:
		return nil, invalid("(#100) Upload attachment failure: send one file, as filedata")
	case files[0].Size > maxUpload:
		return nil, invalid("(#100) Upload attachment failure: the file is larger than 25 MB")
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, invalid("(#100) Upload attachment failure.")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		return nil, invalid("(#100) Upload attachment failure: the file is empty")
	}
	ct := files[0].Header.Get("Content-Type")
	if kind == "audio" && !strings.HasPrefix(ct, "audio/") {
		return nil, invalid("(#100) Upload attachment failure: audio must be sent with an audio/* Content-Type")
	}
	return &Upload{FileName: files[0].Filename, ContentType: ct, Data: data}, nil
}

func (a *API) send(c *metatest.Call) (any, *metatest.GraphError) {
	p, gerr := a.page(c)
	if gerr != nil {
		return nil, gerr
	}
	var req sendRequest
	if err := c.Decode(&req); err != nil {
		return nil, invalid("Invalid parameter: " + err.Error())
	}
	switch {
	case req.Recipient == nil || req.Recipient.ID == "":
		return nil, invalid("param recipient must be non-empty.")
	case !psidPattern.MatchString(req.Recipient.ID):
		e := metatest.GraphError{Message: "(#100) No matching user found", Code: 100, Subcode: 2018001}
		return nil, &e
	}
	if req.SenderAction != "" {
		return map[string]string{"recipient_id": req.Recipient.ID}, nil
	}
	switch req.MessagingType {
	case "RESPONSE", "UPDATE":
	case "MESSAGE_TAG":
		if req.Tag == "" {
			return nil, invalid("Param tag must be non-empty when messaging_type is MESSAGE_TAG")
		}
	case "":
		return nil, invalid("param messaging_type must be non-empty.")
	default:
		return nil, invalid("Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got \"" + req.MessagingType + "\".")
	}
	m := Message{PageID: p.ID, Recipient: req.Recipient.ID, MessagingType: req.MessagingType, Tag: req.Tag}
	switch {
	case req.Message == nil:
		return nil, invalid("param message must be non-empty.")
	case req.Message.Text != nil && req.Message.Attachment != nil:
		return nil, invalid("Only one of text or attachment can be specified")
	case req.Message.Text != nil:
		if *req.Message.Text == "" {
			return nil, invalid("param message[text] must be non-empty.")
		}
		if len(utf16.Encode([]rune(*req.Message.Text))) > MaxTextLen {
			return nil, invalid(fmt.Sprintf("Length of param message[text] must be less than or equal to %d", MaxTextLen))
		}
		m.Text = *req.Message.Text
	case req.Message.Attachment != nil:
		att := req.Message.Attachment
		switch att.Type {
		case "image", "video", "audio", "file":
		default:
			return nil, invalid("Param message[attachment][type] must be one of {image, audio, video, file, template} - got \"" + att.Type + "\".")
		}
		if att.Payload == nil {
			return nil, invalid("param message[attachment][payload] must be non-empty.")
		}
		if att.Payload.URL == "" && att.Payload.AttachmentID == "" {
			up, gerr := upload(c, att.Type)
			if gerr != nil {
				return nil, gerr
			}
			m.Upload = up
		} else if len(c.Files) > 0 {
			return nil, invalid("(#100) Only one of payload url, attachment_id or filedata can be specified")
		}
		if att.Payload.URL != "" {
			if u, err := url.Parse(att.Payload.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, invalid("Param message[attachment][payload][url] must be a valid URL")
			}
		}
		m.AttachmentType, m.AttachmentURL, m.IsReusable = att.Type, att.Payload.URL, att.Payload.IsReusable
	default:
		return nil, invalid("Must send either message or sender_action")
	}

	a.mu.Lock()
	switch {
	case a.unavailable[m.Recipient]:
		a.mu.Unlock()
		return nil, &metatest.GraphError{Message: "(#551) This person isn't available right now.", Code: 551, Subcode: 1545041}
	case a.closed[m.Recipient] && m.MessagingType != "MESSAGE_TAG":
		a.mu.Unlock()
		return nil, &metatest.GraphError{Message: "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
			Code: 10, Subcode: 2018278}
	}
	a.next++
	m.ID = fmt.Sprintf("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_%010d", a.next)
	m.At = a.now()
	a.messages = append(a.messages, m)
	on := a.onMessage
	a.mu.Unlock()
	if on != nil {
		on(m)
	}
	return map[string]string{"recipient_id": m.Recipient, "message_id": m.ID}, nil
}

func (a *API) subscribe(c *metatest.Call) (any, *metatest.GraphError) {
	p, gerr := a.page(c)
	if gerr != nil {
		return nil, gerr
	}
	var asked []string
	raw := c.Params["subscribed_fields"]
	if json.Unmarshal(raw, &asked) != nil {
		for _, f := range strings.Split(c.Param("subscribed_fields"), ",") {
			if f = strings.TrimSpace(f); f != "" {
				asked = append(asked, f)
			}
		}
	}
	if len(asked) == 0 {
		return nil, invalid("The parameter subscribed_fields is required")
	}
	for i, f := range asked {
		if !slices.Contains(SubscribableFields, f) {
			return nil, invalid(fmt.Sprintf("Param subscribed_fields[%d] must be one of {%s} - got \"%s\".", i, strings.Join(SubscribableFields, ", "), f))
		}
	}
	a.mu.Lock()
	a.subscriptions[p.ID] = asked
	a.mu.Unlock()
	return map[string]bool{"success": true}, nil
}

func (a *API) subscribedApps(c *metatest.Call) (any, *metatest.GraphError) {
	p, gerr := a.page(c)
	if gerr != nil {
		return nil, gerr
	}
	a.mu.Lock()
	subscribed := slices.Clone(a.subscriptions[p.ID])
	a.mu.Unlock()
	data := []map[string]any{}
	if subscribed != nil {
		data = append(data, map[string]any{
			"category": "Business", "link": "https://switchboard.example/", "name": "Switchboard",
			"id": DefaultAppID, "subscribed_fields": subscribed,
		})
	}
	return map[string]any{"data": data}, nil
}

func invalid(msg string) *metatest.GraphError {
	e := metatest.InvalidParameter(msg)
	return &e
}
