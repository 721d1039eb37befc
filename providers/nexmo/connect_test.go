package nexmo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/nexmo/nexmotest"
)

func TestTestConnection(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(srv *nexmotest.Server, acct *providers.Account)
		ok      bool
		message []string
		details map[string]string
	}{
		{"webhooks set", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
		},
			true, []string{`Connected to the Vonage application "Switchboard WhatsApp" (` + testApp + ")", "WhatsApp number +" + testNumber + "."},
			map[string]string{"applicationId": testApp, "applicationName": "Switchboard WhatsApp", "authentication": "BASIC",
				"whatsappNumber": "+" + testNumber, "webhookUrl": testWebhookURL, "inboundUrl": testWebhookURL, "statusUrl": testWebhookURL,
				"secureInboundMedia": "false", "webhookVersion": "v1"}},
		{"webhooks elsewhere", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.SetMessagesWebhooks("https://old.example/inbound", testWebhookURL)
		}, true, []string{"differ from this account's webhook URL " + testWebhookURL, `inbound URL "https://old.example/inbound"`, "run Set Webhook"}, nil},
		{"no webhooks yet", func(*nexmotest.Server, *providers.Account) {}, true, []string{`inbound URL ""`, "run Set Webhook"}, nil},
		{"no Messages capability", func(srv *nexmotest.Server, _ *providers.Account) {
			app := srv.Application()
			delete(app["capabilities"].(map[string]any), "messages")
			srv.SetApplication(app)
		}, true, []string{"no Messages capability", "run Set Webhook"}, nil},
		{"format v0.1", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
			app := srv.Application()
			app["capabilities"].(map[string]any)["messages"].(map[string]any)["version"] = "v0.1"
			srv.SetApplication(app)
		}, true, []string{"format v0.1, which Switchboard does not read"}, nil},
		{"Secure Inbound Media", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
			srv.SetSecureInboundMedia(true)
		}, true, []string{"Secure Inbound Media is on", "cannot be downloaded until the account's privateKey is set", "turn it off"}, nil},
		{"no webhook URL", func(srv *nexmotest.Server, a *providers.Account) { a.WebhookURL = "" }, true, []string{"no webhook URL yet"}, nil},
		{"JWT authentication", func(srv *nexmotest.Server, a *providers.Account) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
			*a = withJWT(*a)
		}, true, []string{"Connected to the Vonage application", "with the API key and secret, which the Application API takes; messages are sent with JWTs signed by the account's privateKey",
			"The account's privateKey matches the application's public key and signs the JWTs messages are sent with."},
			map[string]string{"applicationId": testApp, "applicationName": "Switchboard WhatsApp", "authentication": "JWT",
				"whatsappNumber": "+" + testNumber, "webhookUrl": testWebhookURL, "inboundUrl": testWebhookURL, "statusUrl": testWebhookURL,
				"secureInboundMedia": "false", "webhookVersion": "v1", "privateKey": "matches the application's public key"}},
		{"JWT without a private key", func(srv *nexmotest.Server, a *providers.Account) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
			a.Settings["authentication"] = "JWT"
		}, false, []string{"Connected to the Vonage application", "But nothing can be sent: authentication JWT needs the Vonage application's private key, and the account's privateKey is not set"}, nil},
		{"JWT with a key that is not PEM", func(srv *nexmotest.Server, a *providers.Account) {
			*a = withSettings(withJWT(*a), "privateKey", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC")
		}, false, []string{"But nothing can be sent: the account's privateKey is not a PEM private key: paste the whole key file"}, nil},
		{"JWT with a pasted public key", func(srv *nexmotest.Server, a *providers.Account) {
			*a = withSettings(withJWT(*a), "privateKey", nexmotest.DefaultPublicKey)
		}, false, []string{"But nothing can be sent: the account's privateKey holds a public key"}, nil},
		{"JWT with the key of another application", func(srv *nexmotest.Server, a *providers.Account) {
			_, pub := otherKeyPair()
			srv.SetPublicKey(pub)
			*a = withJWT(*a)
		}, false, []string{"But the account's privateKey is not this application's", "Vonage would refuse every JWT signed with it (HTTP 401)"}, nil},
		{"JWT, the application shows no public key", func(srv *nexmotest.Server, a *providers.Account) {
			app := srv.Application()
			delete(app, "keys")
			srv.SetApplication(app)
			*a = withJWT(*a)
		}, true, []string{"Vonage did not show the application's public key, so the privateKey was not compared with it"}, nil},
		{"JWT with Secure Inbound Media", func(srv *nexmotest.Server, a *providers.Account) {
			srv.SetSecureInboundMedia(true)
			*a = withJWT(*a)
		}, true, []string{"Secure Inbound Media is on: customers' media are downloaded with JWTs signed by the account's privateKey."}, nil},
		{"BASIC with a key and Secure Inbound Media", func(srv *nexmotest.Server, a *providers.Account) {
			srv.SetSecureInboundMedia(true)
			*a = withSettings(*a, "privateKey", testPrivateKey)
		}, true, []string{"Connected to the Vonage application \"Switchboard WhatsApp\" (" + testApp + ") with the API key and secret.",
			"Secure Inbound Media is on: customers' media are downloaded with JWTs", "signs Secure Inbound Media downloads; set authentication to JWT to send messages with it too."}, nil},
		{"BASIC with a broken key", func(srv *nexmotest.Server, a *providers.Account) {
			srv.SetSecureInboundMedia(true)
			*a = withSettings(*a, "privateKey", "-----BEGIN PRIVATE KEY-----")
		}, false, []string{"Secure Inbound Media is on, and customers' files cannot be downloaded until the privateKey is fixed",
			"But Secure Inbound Media downloads cannot be signed: the account's privateKey is a damaged PEM private key"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			res, err := New().TestConnection(context.Background(), env, acct)
			if err != nil {
				t.Fatalf("TestConnection: %v", err)
			}
			if res.OK != tt.ok {
				t.Errorf("OK = %v: %s", res.OK, res.Message)
			}
			for _, m := range tt.message {
				if !strings.Contains(res.Message, m) {
					t.Errorf("message %q lacks %q", res.Message, m)
				}
			}
			if tt.details != nil && !reflect.DeepEqual(res.Details, tt.details) {
				t.Errorf("details\n got %v\nwant %v", res.Details, tt.details)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Endpoint != nexmotest.EndpointApplication || reqs[0].Method != http.MethodGet ||
				reqs[0].Path != "/v2/applications/"+testApp || !reqs[0].Authorized {
				t.Errorf("requests %+v", reqs)
			}
			checkResultNoSecret(t, res)
		})
	}
}

func TestTestConnectionRefused(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(srv *nexmotest.Server, acct *providers.Account)
		message string
		status  string
	}{
		{"wrong secret", func(_ *nexmotest.Server, a *providers.Account) { a.Secrets["apiSecret"] = "0000000000000000" },
			"Vonage does not accept this API key and secret (HTTP 401: Invalid credentials supplied", "401"},
		{"wrong key", func(_ *nexmotest.Server, a *providers.Account) { a.Secrets["apiKey"] = "ffffffff" }, "copy both again", "401"},
		{"unknown application", func(_ *nexmotest.Server, a *providers.Account) {
			a.Settings["applicationId"] = "bbbbbbbb-bbbb-4ccc-8ddd-0123456789ab"
		},
			"no application bbbbbbbb-bbbb-4ccc-8ddd-0123456789ab that this API key can see (HTTP 404)", "404"},
		{"rate limited", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointApplication, nexmotest.TooManyRequests)
		},
			"could not answer now: Rate Limit Hit", "429"},
		{"other refusal", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointApplication, nexmotest.Problem(403, "https://developer.nexmo.com/api-errors#account-suspended", "Forbidden", "This account has been suspended"))
		}, "Vonage refused: Forbidden: This account has been suspended [Vonage error account-suspended: the Vonage account is suspended].", "403"},
		{"not Vonage's answer", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointApplication, nexmotest.BadGateway)
		},
			"answered HTTP 502", "502"},
		{"unreadable answer", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointApplication, nexmotest.Reply{Body: `{"name":`})
		}, "unexpected shape", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			res, err := Provider{}.TestConnection(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) || res.Details["httpStatus"] != tt.status {
				t.Errorf("result %+v, err %v", res, err)
			}
			checkResultNoSecret(t, res)
		})
	}
}

func TestTestConnectionSettings(t *testing.T) {
	tests := []struct {
		name    string
		kv      []string
		message string
	}{
		{"no key", []string{"apiKey", ""}, "no Vonage API key"},
		{"no secret", []string{"apiSecret", " "}, "no Vonage API secret"},
		{"no application", []string{"applicationId", ""}, "no Vonage application ID"},
		{"application with a slash", []string{"applicationId", "../accounts"}, "letters, digits and dashes"},
		{"no number", []string{"whatsappNumber", "x"}, "no WhatsApp number"},
		{"bad apiUrl", []string{"apiUrl", "mailto:x@example.com"}, "apiUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			res, err := Provider{}.TestConnection(context.Background(), env, withSettings(acct, tt.kv...))
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, err %v", res, err)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests with unusable settings", n)
			}
		})
	}
}

func TestTestConnectionUnreachable(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.Close()
	_, err := Provider{}.TestConnection(context.Background(), env, acct)
	if err == nil || !strings.HasPrefix(err.Error(), "nexmo: test connection: ") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %v", err)
	}
	checkNoSecret(t, err)
}

func TestSetWebhook(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.SetMessagesWebhooks("https://old.example/inbound", "https://old.example/status")
	before := srv.Application()
	res, err := Provider{}.SetWebhook(context.Background(), env, acct)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || !strings.Contains(res.Message, `"Switchboard WhatsApp" now sends WhatsApp messages`) ||
		!strings.Contains(res.Message, `Before, they went to "https://old.example/inbound" and "https://old.example/status"`) ||
		!strings.Contains(res.Message, "+"+testNumber+" must be linked") {
		t.Errorf("result %+v", res)
	}
	want := map[string]string{"applicationId": testApp, "applicationName": "Switchboard WhatsApp", "webhookUrl": testWebhookURL,
		"inboundUrl": testWebhookURL, "statusUrl": testWebhookURL, "webhookVersion": "v1",
		"previousInboundUrl": "https://old.example/inbound", "previousStatusUrl": "https://old.example/status"}
	if !reflect.DeepEqual(res.Details, want) {
		t.Errorf("details\n got %v\nwant %v", res.Details, want)
	}
	if in, st := srv.MessagesWebhooks(); in != testWebhookURL || st != testWebhookURL {
		t.Errorf("webhooks %q, %q", in, st)
	}
	// Read, modify, write: everything else is as it was.
	after := srv.Application()
	wantApp := before
	hooks := map[string]any{"address": testWebhookURL, "http_method": "POST"}
	wantApp["capabilities"].(map[string]any)["messages"].(map[string]any)["webhooks"] = map[string]any{"inbound_url": hooks, "status_url": hooks}
	if !reflect.DeepEqual(after, wantApp) {
		t.Errorf("application\n got %v\nwant %v", after, wantApp)
	}
	if n := srv.KeyRegenerations(); n != 0 {
		t.Errorf("the update regenerated the key pair %d times", n)
	}
	var methods []string
	for _, r := range srv.Requests() {
		if !r.Authorized || r.Path != "/v2/applications/"+testApp {
			t.Errorf("request %+v", r)
		}
		methods = append(methods, r.Method)
		if r.Method == http.MethodPut {
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil || body["_links"] != nil || body["keys"] == nil || body["name"] != "Switchboard WhatsApp" {
				t.Errorf("PUT body %s", r.Body)
			}
		}
	}
	if !reflect.DeepEqual(methods, []string{"GET", "PUT"}) {
		t.Errorf("methods %v", methods)
	}
	checkResultNoSecret(t, res)

	t.Run("again: nothing to change", func(t *testing.T) {
		srv.Reset()
		res, err := Provider{}.SetWebhook(context.Background(), env, acct)
		if err != nil || !res.OK || !strings.Contains(res.Message, "already sends") {
			t.Errorf("result %+v, err %v", res, err)
		}
		if r := srv.Requests(); len(r) != 1 || r[0].Method != http.MethodGet {
			t.Errorf("requests %+v", r)
		}
	})
}

func TestSetWebhookChangesFormatAndAddsCapability(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *nexmotest.Server)
	}{
		{"format v0.1", func(srv *nexmotest.Server) {
			srv.SetMessagesWebhooks(testWebhookURL, testWebhookURL)
			app := srv.Application()
			app["capabilities"].(map[string]any)["messages"].(map[string]any)["version"] = "v0.1"
			srv.SetApplication(app)
		}},
		{"no Messages capability", func(srv *nexmotest.Server) {
			app := srv.Application()
			delete(app["capabilities"].(map[string]any), "messages")
			srv.SetApplication(app)
		}},
		{"no capabilities at all", func(srv *nexmotest.Server) {
			app := srv.Application()
			delete(app, "capabilities")
			srv.SetApplication(app)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv)
			res, err := Provider{}.SetWebhook(context.Background(), env, acct)
			if err != nil || !res.OK {
				t.Fatalf("result %+v, err %v", res, err)
			}
			msgs := srv.Application()["capabilities"].(map[string]any)["messages"].(map[string]any)
			if msgs["version"] != "v1" {
				t.Errorf("messages capability %v", msgs)
			}
			if in, st := srv.MessagesWebhooks(); in != testWebhookURL || st != testWebhookURL {
				t.Errorf("webhooks %q, %q", in, st)
			}
		})
	}
}

func TestSetWebhookRefused(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(srv *nexmotest.Server, acct *providers.Account)
		message string
	}{
		{"no webhook URL", func(_ *nexmotest.Server, a *providers.Account) { a.WebhookURL = "" }, "no webhook URL yet"},
		{"no application", func(_ *nexmotest.Server, a *providers.Account) { a.Settings["applicationId"] = "" }, "Cannot set the webhook: the account has no Vonage application ID"},
		{"wrong secret", func(_ *nexmotest.Server, a *providers.Account) { a.Secrets["apiSecret"] = "0000000000000000" }, "does not accept this API key and secret"},
		{"unknown application", func(_ *nexmotest.Server, a *providers.Account) {
			a.Settings["applicationId"] = "cccccccc-bbbb-4ccc-8ddd-0123456789ab"
		}, "HTTP 404"},
		{"update refused", func(srv *nexmotest.Server, _ *providers.Account) {
			r := nexmotest.Problem(400, "https://developer.nexmo.com/api-errors/application#payload-validation", "Bad Request", "The request failed due to validation errors")
			r.InvalidParams = []nexmotest.InvalidParam{{Name: "capabilities.messages.webhooks.inbound_url.address", Reason: "must be a valid URL"}}
			srv.SetHook(func(req nexmotest.Request) *nexmotest.Reply {
				if req.Method == http.MethodPut {
					return &r
				}
				return nil
			})
		}, "Vonage refused: Bad Request: The request failed due to validation errors (capabilities.messages.webhooks.inbound_url.address: must be a valid URL) [Vonage error payload-validation]."},
		{"update answered otherwise", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.SetHook(func(r nexmotest.Request) *nexmotest.Reply {
				if r.Method == http.MethodPut {
					return &nexmotest.Reply{Body: `{"name":"x","capabilities":{"messages":{"webhooks":{"inbound_url":{"address":"https://other.example/"},"status_url":{"address":"https://other.example/"}}}}}`}
				}
				return nil
			})
		}, "reports its Messages webhooks as"},
		{"application shown without its public key", func(srv *nexmotest.Server, _ *providers.Account) {
			app := srv.Application()
			delete(app, "keys")
			srv.SetApplication(app)
		}, "nothing was changed. In the Vonage Dashboard"},
		{"application not an object", func(srv *nexmotest.Server, _ *providers.Account) {
			srv.FailNext(nexmotest.EndpointApplication, nexmotest.Reply{Body: `{"name":"x","capabilities":[1]}`})
		}, "unexpected shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, acct, env := newFake(t)
			tt.setup(srv, &acct)
			res, err := Provider{}.SetWebhook(context.Background(), env, acct)
			if err != nil || res.OK || !strings.Contains(res.Message, tt.message) {
				t.Errorf("result %+v, err %v", res, err)
			}
			if n := srv.KeyRegenerations(); n != 0 {
				t.Errorf("the application's key pair was replaced %d times", n)
			}
			checkResultNoSecret(t, res)
		})
	}
}

func TestSetWebhookUnreachable(t *testing.T) {
	srv, acct, env := newFake(t)
	srv.Close()
	_, err := Provider{}.SetWebhook(context.Background(), env, acct)
	if err == nil || !strings.HasPrefix(err.Error(), "nexmo: set webhook: ") {
		t.Errorf("err = %v", err)
	}
	checkNoSecret(t, err)
}

// hostRecorder sends every request to the fake whatever its host, and
// records the hosts asked for.
type hostRecorder struct {
	mu     sync.Mutex
	target *url.URL
	next   http.RoundTripper
	hosts  []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host+" "+r.URL.Path)
	h.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = h.target.Scheme, h.target.Host
	return h.next.RoundTrip(r)
}

// TestApplicationsOnGlobalHost: with apiUrl on a regional or sandbox
// Messages host, Test Connection and Set Webhook read and write the
// application on api.nexmo.com, where Vonage serves the Application API;
// messages still go to the apiUrl.
func TestApplicationsOnGlobalHost(t *testing.T) {
	srv, acct, _ := newFake(t)
	target, _ := url.Parse(srv.URL)
	for _, host := range []string{"https://api-eu.vonage.com", "https://messages-sandbox.nexmo.com"} {
		t.Run(host, func(t *testing.T) {
			rec := &hostRecorder{target: target, next: srv.Client().Transport}
			env := providers.Env{HTTP: &http.Client{Transport: rec}, Now: time.Now}
			a := withSettings(acct, "apiUrl", host)
			if res, err := New().TestConnection(context.Background(), env, a); err != nil || !res.OK {
				t.Fatalf("TestConnection: %+v %v", res, err)
			}
			if res, err := New().SetWebhook(context.Background(), env, a); err != nil || !res.OK {
				t.Fatalf("SetWebhook: %+v %v", res, err)
			}
			if _, err := New().Send(context.Background(), env, a, providers.OutboundMessage{To: testCustomer, Text: "hi"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			apps, sends := 0, 0
			for _, h := range rec.hosts {
				switch {
				case strings.Contains(h, "/v2/applications/"):
					apps++
					if !strings.HasPrefix(h, "api.nexmo.com ") {
						t.Errorf("Application API called at %s", h)
					}
				case strings.HasSuffix(h, "/v1/messages"):
					sends++
					if !strings.HasPrefix(h, strings.TrimPrefix(host, "https://")+" ") {
						t.Errorf("a message sent to %s", h)
					}
				}
			}
			if apps < 2 || sends != 1 {
				t.Errorf("requests %v", rec.hosts)
			}
		})
	}
	for base, want := range map[string]string{
		DefaultAPIURL:                     DefaultAPIURL,
		"https://api-us.vonage.com":       DefaultAPIURL,
		"https://api-ap.nexmo.com":        DefaultAPIURL,
		"https://vonage-proxy.example/v1": "https://vonage-proxy.example/v1",
		srv.URL:                           srv.URL,
	} {
		if got := applicationsBase(base); got != want {
			t.Errorf("applicationsBase(%s) = %s, want %s", base, got, want)
		}
	}
}
