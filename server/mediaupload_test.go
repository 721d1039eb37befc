package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/facebook/facebooktest"
	"github.com/switchboard/switchboard/providers/line/linetest"
	"github.com/switchboard/switchboard/providers/twitter/twittertest"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
	"github.com/switchboard/switchboard/server"
)

// fakePDF is a document an agent uploads.
var fakePDF = []byte("%PDF-1.7\n% the invoice\n%%EOF\n")

// uploadFile is one file of an agent's multipart reply.
type uploadFile struct {
	name, mimeType string
	data           []byte
}

// uploadReply sends a reply with files as a GraphQL multipart request, as the
// console does, with token, and returns the message's ID.
func uploadReply(t *testing.T, ts *testServer, token, convID, text string, files ...uploadFile) string {
	t.Helper()
	nulls := make([]any, len(files))
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: SendMessageInput!) { sendMessage(input: $in) { id status } }`,
		"variables": map[string]any{"in": map[string]any{"conversationId": convID, "text": text, "files": nulls}},
	})
	paths := map[string][]string{}
	for i := range files {
		paths[string(rune('0'+i))] = []string{"variables.in.files." + string(rune('0'+i))}
	}
	fileMap, _ := json.Marshal(paths)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", string(fileMap))
	for i, f := range files {
		part, _ := mw.CreatePart(map[string][]string{
			"Content-Disposition": {`form-data; name="` + string(rune('0'+i)) + `"; filename="` + f.name + `"`},
			"Content-Type":        {f.mimeType},
		})
		part.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, ts.http.URL+"/query", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			SendMessage struct{ ID, Status string }
		}
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 || out.Data.SendMessage.ID == "" {
		t.Fatalf("upload: %v %+v", err, out)
	}
	return out.Data.SendMessage.ID
}

// publicTransport sends requests for the server's public URL to the server
// under test, as the internet would route a messenger's fetch.
type publicTransport struct{ public, local *url.URL }

func (p publicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == p.public.Host {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = p.local.Scheme, p.local.Host, ""
	}
	return http.DefaultTransport.RoundTrip(r)
}

// publicClient is what a messenger uses to fetch the server's public links.
func (ts *testServer) publicClient(t *testing.T) *http.Client {
	t.Helper()
	public, err1 := url.Parse(ts.cfg.PublicURL)
	local, err2 := url.Parse(ts.http.URL)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return &http.Client{Transport: publicTransport{public: public, local: local}}
}

// fetchPublic GETs a public link as a messenger would, without credentials.
func (ts *testServer) fetchPublic(t *testing.T, link string) (int, []byte) {
	t.Helper()
	resp, err := ts.publicClient(t).Get(link)
	if err != nil {
		t.Fatalf("fetch %s: %v", link, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// isPublicLink reports whether link is one of the server's public media links.
func (ts *testServer) isPublicLink(link string) bool {
	return strings.HasPrefix(link, ts.cfg.PublicURL+"/media/public/") && len(link) > len(ts.cfg.PublicURL+"/media/public/")
}

// forged is link with one character of its token changed.
func forged(link string) string {
	i := len(link) - 3
	c := byte('A')
	if link[i] == 'A' {
		c = 'B'
	}
	return link[:i] + string(c) + link[i+1:]
}

// waitStatus polls until the message has status and returns it.
func (ts *testServer) waitStatus(t *testing.T, convID, id string, status client.MessageStatus) client.MessageFields {
	t.Helper()
	var m client.MessageFields
	eventually(t, "message "+id+" to be "+string(status), func() bool {
		m = ts.message(t, convID, id)
		return m.Status == status
	})
	return m
}

// onlyConversationOf returns the ID of the one conversation the admin sees.
func (ts *testServer) onlyConversationOf(t *testing.T) string {
	t.Helper()
	var id string
	eventually(t, "the conversation", func() bool {
		list, err := client.Conversations(context.Background(), ts.admin, ptr(10), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Conversations.Edges) == 1 {
			id = list.Conversations.Edges[0].Node.Id
		}
		return id != ""
	})
	return id
}

// agentWith creates an agent who takes convID, and returns its token.
func (ts *testServer) agentWith(t *testing.T, convID string) string {
	t.Helper()
	token := ts.userToken(t, "agent uma", client.UserRoleAgent)
	if _, err := client.TakeConversation(context.Background(), ts.as(token), convID); err != nil {
		t.Fatal(err)
	}
	return token
}

func TestLineReplyWithUploadedFiles(t *testing.T) {
	fake := newLineFake(t)
	const ttl = 3 * time.Second
	ts := newTestServer(t, func(c *server.Config) {
		c.ProviderAPIURLs = map[string]string{"line": fake.URL, "lineData": fake.DataURL}
		c.RetryBase = 10 * time.Millisecond
		c.MediaLinkTTL = ttl
	})
	fake.SetMediaClient(ts.publicClient(t))
	acct := createLine(t, ts, "line support", linetest.Token, linetest.Secret)
	hello := linetest.TextEvent("01JDQ4Z9A1B2C3D4E5F6G7H8K0", lineUser, "468789577898262600", "my receipt please", time.Now())
	req, err := linetest.NewWebhookRequest(context.Background(), ts.local(t, acct.WebhookUrl), linetest.Secret, linetest.Body(hello))
	if err != nil {
		t.Fatal(err)
	}
	if got := deliverWebhook(t, req); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := ts.onlyConversationOf(t)
	token := ts.agentWith(t, convID)

	id := uploadReply(t, ts, token, convID, "here you are",
		uploadFile{"receipt.jpg", "image/jpeg", fakeJPEG}, uploadFile{"invoice.pdf", "application/pdf", fakePDF})
	ts.waitStatus(t, convID, id, client.MessageStatusSent)
	pushes := fake.Pushes()
	if len(pushes) != 1 || len(pushes[0].Messages) != 3 {
		t.Fatalf("LINE received %+v, want one push of three messages", pushes)
	}
	m := pushes[0].Messages
	// The picture goes by its public link, which LINE fetched.
	if m[0].Type != "text" || m[0].Text != "here you are" || m[1].Type != "image" || !ts.isPublicLink(m[1].OriginalContentURL) ||
		m[1].PreviewImageURL != m[1].OriginalContentURL {
		t.Fatalf("LINE received %+v, want the text, then the picture by its public link", m)
	}
	photo := m[1].OriginalContentURL
	if got := fake.Fetches(photo); len(got) != 1 || got[0].Status != http.StatusOK || !bytes.Equal(got[0].Data, fakeJPEG) || got[0].ContentType != "image/jpeg" {
		t.Fatalf("LINE fetched %+v, want the uploaded picture", got)
	}
	// LINE has no file message for bots: the document goes as its name and link.
	name, link, _ := strings.Cut(m[2].Text, "\n")
	if m[2].Type != "text" || name != "invoice.pdf" || !ts.isPublicLink(link) || link == photo {
		t.Fatalf("third message %+v, want the document's name and link", m[2])
	}
	if status, body := ts.fetchPublic(t, link); status != http.StatusOK || !bytes.Equal(body, fakePDF) {
		t.Fatalf("the document's link: %d %q", status, body)
	}

	// Nothing but the signed token opens a file, and only until it expires.
	if status, _ := ts.fetchPublic(t, forged(photo)); status != http.StatusNotFound {
		t.Errorf("forged link: %d, want 404", status)
	}
	if status, _ := ts.fetchPublic(t, ts.cfg.PublicURL+"/media/public/"+id); status != http.StatusNotFound {
		t.Errorf("a message ID as token: %d, want 404", status)
	}
	eventually(t, "the link to expire", func() bool {
		status, _ := ts.fetchPublic(t, photo)
		if status != http.StatusOK && status != http.StatusGone {
			t.Fatalf("link before or at expiry: %d", status)
		}
		return status == http.StatusGone
	})
}

func TestViberReplyWithUploadedFiles(t *testing.T) {
	s := newViberSetup(t)
	s.fake.SetMediaClient(s.publicClient(t))
	if got := s.deliver(t, vibertest.TextMessage(5491300000000000000, time.Now(), viberUser, "the invoice please")); got != http.StatusOK {
		t.Fatalf("callback: %d", got)
	}
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "attached",
		uploadFile{"receipt.jpg", "image/jpeg", fakeJPEG}, uploadFile{"invoice.pdf", "application/pdf", fakePDF})
	s.waitStatus(t, convID, id, client.MessageStatusSent)
	out := s.fake.Messages()
	if len(out) != 2 {
		t.Fatalf("Viber received %+v, want a picture and a file", out)
	}
	pic, file := out[0], out[1]
	if pic.Type != "picture" || pic.Text != "attached" || !s.isPublicLink(pic.Media) {
		t.Errorf("picture %+v, want the public link with the text as description", pic)
	}
	if file.Type != "file" || file.FileName != "invoice.pdf" || file.Size != int64(len(fakePDF)) || !s.isPublicLink(file.Media) {
		t.Errorf("file %+v, want invoice.pdf by its public link with its size", file)
	}
	for link, want := range map[string][]byte{pic.Media: fakeJPEG, file.Media: fakePDF} {
		if got := s.fake.Fetches(link); len(got) != 1 || got[0].Status != http.StatusOK || !bytes.Equal(got[0].Data, want) {
			t.Errorf("Viber fetched %+v from %s", got, link)
		}
		if status, _ := s.fetchPublic(t, forged(link)); status != http.StatusNotFound {
			t.Errorf("forged link: %d, want 404", status)
		}
	}
}

func TestFacebookReplyWithUploadedFiles(t *testing.T) {
	s := newFacebookSetup(t)
	s.fake.AddUser(facebookUser)
	hello := facebooktest.TextMessage(facebooktest.DefaultPageID, facebookPSID, "m_upload1", "send me the invoice", time.Now())
	if got := s.deliver(t, hello); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "attached",
		uploadFile{"receipt.jpg", "image/jpeg", fakeJPEG}, uploadFile{"invoice.pdf", "application/pdf", fakePDF})
	m := s.waitStatus(t, convID, id, client.MessageStatusSent)
	out := s.fake.Messages()
	if len(out) != 3 || out[0].Text != "attached" || deref(m.ProviderMessageID) != out[0].ID {
		t.Fatalf("Messenger accepted %+v, want the text then two uploads", out)
	}
	// Messenger takes the files themselves, uploaded with their messages: no
	// link is made for it.
	for i, want := range []struct {
		kind, name, mimeType string
		data                 []byte
	}{{"image", "receipt.jpg", "image/jpeg", fakeJPEG}, {"file", "invoice.pdf", "application/pdf", fakePDF}} {
		got := out[i+1]
		if got.AttachmentType != want.kind || got.AttachmentURL != "" || got.IsReusable || got.Upload == nil ||
			got.Upload.FileName != want.name || got.Upload.ContentType != want.mimeType || !bytes.Equal(got.Upload.Data, want.data) ||
			got.Recipient != facebookPSID || got.MessagingType != "RESPONSE" {
			t.Errorf("message %d: %+v (upload %+v), want %s %s uploaded as filedata", i+2, got, got.Upload, want.kind, want.name)
		}
	}
}

func TestTwitterReplyWithUploadedFiles(t *testing.T) {
	s := newTwitterSetup(t)
	s.deliver(t, twitterDM("1866000000000000001", "the invoice and a photo please", time.Now()))
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "here",
		uploadFile{"receipt.jpg", "image/jpeg", fakeJPEG}, uploadFile{"invoice.pdf", "application/pdf", fakePDF})
	m := s.waitStatus(t, convID, id, client.MessageStatusSent)
	dms := s.fake.DMs()
	if len(dms) != 3 || deref(m.ProviderMessageID) != dms[0].EventID {
		t.Fatalf("X accepted %+v, want the text, the picture and the document's link", dms)
	}
	if dms[0].Text != "here" || dms[0].Media != nil {
		t.Errorf("first message %+v", dms[0])
	}
	// The picture is media X took through its upload, for a direct message.
	if pic := dms[1]; pic.Media == nil || pic.Media.Category != "dm_image" || pic.Media.MediaType != "image/jpeg" ||
		!bytes.Equal(pic.Media.Data, fakeJPEG) || pic.Media.Owner != twittertest.UserID || pic.RecipientID != twittertest.CustomerID {
		t.Errorf("picture message %+v (media %+v)", pic, pic.Media)
	}
	// X has no document messages: the PDF goes as its name and public link,
	// which serves the file to anyone who follows it until it expires.
	name, link, _ := strings.Cut(dms[2].Text, "\n")
	if dms[2].Media != nil || name != "invoice.pdf" || !s.isPublicLink(link) {
		t.Fatalf("document message %+v", dms[2])
	}
	if status, body := s.fetchPublic(t, link); status != http.StatusOK || !bytes.Equal(body, fakePDF) {
		t.Errorf("the document's link: %d %q", status, body)
	}
	if status, _ := s.fetchPublic(t, forged(link)); status != http.StatusNotFound {
		t.Errorf("forged link: %d, want 404", status)
	}
}
