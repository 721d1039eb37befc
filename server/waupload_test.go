package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/client"
	"github.com/switchboard/switchboard/providers/infobip/infobiptest"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
	"github.com/switchboard/switchboard/providers/twilio/twiliotest"
)

// The files an agent uploads in the WhatsApp gateway tests.
var (
	waPhoto   = uploadFile{"receipt.jpg", "image/jpeg", fakeJPEG}
	waInvoice = uploadFile{"invoice.pdf", "application/pdf", fakePDF}
)

// checkPublicLinks fails unless each link is a distinct public link that
// serves its file, without credentials, as the gateway fetches it: the same
// bytes under the file's own Content-Type (Twilio refuses media whose
// Content-Type does not match the file); and unless the link with its token
// altered is 404.
func (ts *testServer) checkPublicLinks(t *testing.T, gateway string, links []string, files ...uploadFile) {
	t.Helper()
	if len(links) != len(files) {
		t.Fatalf("%s was given %d media links, want %d: %q", gateway, len(links), len(files), links)
	}
	seen := map[string]bool{}
	for i, link := range links {
		f := files[i]
		if !ts.isPublicLink(link) || seen[link] {
			t.Errorf("%s: the link to %s is %q, want a public link of its own", gateway, f.name, link)
			continue
		}
		seen[link] = true
		resp, err := ts.publicClient(t).Get(link)
		if err != nil {
			t.Fatalf("fetch %s: %v", link, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, f.data) || resp.Header.Get("Content-Type") != f.mimeType {
			t.Errorf("%s fetching %s got %d %s %q (%v), want the uploaded bytes as %s", gateway, f.name, resp.StatusCode,
				resp.Header.Get("Content-Type"), body, err, f.mimeType)
		}
		if status, _ := ts.fetchPublic(t, forged(link)); status != http.StatusNotFound {
			t.Errorf("%s: forged link to %s: %d, want 404", gateway, f.name, status)
		}
	}
}

func TestTwilioReplyWithUploadedFiles(t *testing.T) {
	s := newTwilioSetup(t)
	hello := twiliotest.Inbound{AccountSID: s.fake.AccountSID(), MessageSID: twiliotest.NewSID("SM", 2001), From: twilioCustomer,
		To: twiliotest.SandboxNumber, Body: "my receipt and the invoice please", ProfileName: twilioName}
	if got := deliverWebhook(t, s.inbound(t, hello)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "here you are", waPhoto, waInvoice)
	m := s.waitStatus(t, convID, id, client.MessageStatusSent)

	// WhatsApp takes one medium per message and Twilio sets no caption or
	// file name on a document: the text, then each file by its MediaUrl.
	out := s.fake.Messages()
	if len(out) != 3 || deref(m.ProviderMessageID) != out[0].SID {
		t.Fatalf("Twilio accepted %+v, want the text then one message per file", out)
	}
	if out[0].Body != "here you are" || len(out[0].MediaURLs) != 0 {
		t.Errorf("first message %+v, want the text alone", out[0])
	}
	var links []string
	for _, o := range out[1:] {
		if len(o.MediaURLs) != 1 || o.Body != "" || o.To != "whatsapp:"+twilioCustomer || o.StatusCallback != s.acct.WebhookUrl {
			t.Fatalf("media message %+v, want one MediaUrl to the customer with the status callback", o)
		}
		links = append(links, o.MediaURLs[0])
	}
	s.checkPublicLinks(t, "Twilio", links, waPhoto, waInvoice)
}

func TestInfobipReplyWithUploadedFiles(t *testing.T) {
	s := newInfobipSetup(t)
	hello := infobiptest.Inbound{MessageID: "ABEGOFl3VCQoAhBalbc6rTQTupload", From: infobipCustomer, ReceivedAt: time.Now(),
		ContactName: infobipName, Message: infobiptest.Text("my receipt and the invoice please")}
	if got := deliverWebhook(t, s.inbound(t, hello)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "here you are", waPhoto, waInvoice)
	m := s.waitStatus(t, convID, id, client.MessageStatusSent)

	// The text is the picture's caption; the PDF is a document with its name.
	out := s.fake.Messages()
	if len(out) != 2 || deref(m.ProviderMessageID) != out[0].MessageID {
		t.Fatalf("Infobip accepted %+v, want an image and a document", out)
	}
	pic, doc := out[0], out[1]
	if pic.Kind != infobiptest.EndpointImage || pic.Caption != "here you are" || pic.To != infobipCustomer || pic.NotifyURL != s.acct.WebhookUrl {
		t.Errorf("first message %+v, want the picture with the text as caption", pic)
	}
	if doc.Kind != infobiptest.EndpointDocument || doc.Filename != "invoice.pdf" || doc.Caption != "" || doc.NotifyURL != s.acct.WebhookUrl {
		t.Errorf("second message %+v, want the document named invoice.pdf", doc)
	}
	s.checkPublicLinks(t, "Infobip", []string{pic.MediaURL, doc.MediaURL}, waPhoto, waInvoice)
}

func TestNexmoReplyWithUploadedFiles(t *testing.T) {
	s := newNexmoSetup(t)
	hello := nexmotest.Inbound{MessageUUID: "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab", From: nexmoCustomer, ProfileName: nexmoName,
		Timestamp: time.Now(), Text: "my receipt and the invoice please"}
	if got := deliverWebhook(t, s.inbound(t, hello)); got != http.StatusOK {
		t.Fatalf("webhook: %d", got)
	}
	convID := s.onlyConversationOf(t)
	token := s.agentWith(t, convID)
	id := uploadReply(t, s.testServer, token, convID, "here you are", waPhoto, waInvoice)
	m := s.waitStatus(t, convID, id, client.MessageStatusSent)

	// The text is the image's caption; the PDF is a file with its name.
	out := s.fake.Messages()
	if len(out) != 2 || deref(m.ProviderMessageID) != out[0].UUID {
		t.Fatalf("Vonage accepted %+v, want an image and a file", out)
	}
	img, file := out[0], out[1]
	if img.MessageType != "image" || img.Caption != "here you are" || img.To != nexmoCustomer || img.WebhookURL != s.acct.WebhookUrl {
		t.Errorf("first message %+v, want the image with the text as caption", img)
	}
	if file.MessageType != "file" || file.Name != "invoice.pdf" || file.Caption != "" || file.WebhookURL != s.acct.WebhookUrl {
		t.Errorf("second message %+v, want the file named invoice.pdf", file)
	}
	s.checkPublicLinks(t, "Vonage", []string{img.MediaURL, file.MediaURL}, waPhoto, waInvoice)
}
