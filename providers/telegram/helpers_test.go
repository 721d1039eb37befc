package telegram

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// testToken has the shape of a real bot token; tests check that no error shows it.
const testToken = telegramtest.DefaultToken

// apiCall is one Bot API call as these tests compare them: the method, the
// Content-Type, the plain parameters and the uploaded file.
type apiCall struct {
	Method      string
	ContentType string
	Params      map[string]string
	File        *upload
}

// upload is the file part of a multipart request.
type upload struct {
	Field, FileName, MimeType string
	Data                      []byte
}

// fakeAPI is the shared fake Bot API, checked for what this provider must
// always do: POST to /bot<token>/<method> with the account's token, with every
// JSON parameter a string.
type fakeAPI struct {
	*telegramtest.Server
	t testing.TB
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	s := telegramtest.NewServer(testToken)
	t.Cleanup(s.Close)
	return &fakeAPI{Server: s, t: t}
}

// env is what the provider is given in tests.
func (f *fakeAPI) env() providers.Env {
	return providers.Env{HTTP: f.Client(), Now: time.Now}
}

// reply answers every Bot API call (not downloads) with rep.
func (f *fakeAPI) reply(rep telegramtest.Reply) {
	f.SetHook(func(r telegramtest.Request) *telegramtest.Reply {
		if r.Endpoint == telegramtest.Download {
			return nil
		}
		return &rep
	})
}

// Calls are the Bot API calls received, in order; downloads are left out.
func (f *fakeAPI) Calls() []apiCall {
	f.t.Helper()
	var out []apiCall
	for _, r := range f.Requests() {
		if r.Endpoint == telegramtest.Download {
			if r.HTTPMethod != http.MethodGet {
				f.t.Errorf("download with %s", r.HTTPMethod)
			}
			continue
		}
		if !r.Authorized || r.Endpoint == "" {
			f.t.Errorf("a call not to /bot<token>/<method> (%s %q)", r.HTTPMethod, r.Endpoint)
		}
		if r.HTTPMethod != http.MethodPost {
			f.t.Errorf("%s with %s, want POST", r.Endpoint, r.HTTPMethod)
		}
		mt, _, _ := mime.ParseMediaType(r.ContentType)
		switch mt {
		case "application/json":
			var body map[string]any
			if len(r.Body) > 0 {
				if err := json.Unmarshal(r.Body, &body); err != nil {
					f.t.Errorf("%s: JSON body: %v", r.Endpoint, err)
				}
			}
			for k, v := range body {
				if _, ok := v.(string); !ok {
					f.t.Errorf("%s: %s is %T, want a string", r.Endpoint, k, v)
				}
			}
		case "multipart/form-data":
			if len(r.Files) > 1 {
				f.t.Errorf("%s: %d files", r.Endpoint, len(r.Files))
			}
		default:
			f.t.Errorf("%s: Content-Type %q", r.Endpoint, r.ContentType)
		}
		c := apiCall{Method: r.Endpoint, ContentType: r.ContentType, Params: r.Params}
		if len(r.Files) > 0 {
			u := r.Files[0]
			c.File = &upload{Field: u.Field, FileName: u.FileName, MimeType: u.MimeType, Data: u.Data}
		}
		out = append(out, c)
	}
	return out
}

// checkNoToken fails when err, or anything it wraps, shows the bot token.
func checkNoToken(t testing.TB, err error) {
	t.Helper()
	for e := err; e != nil; {
		if strings.Contains(e.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), testToken) {
			t.Errorf("error shows the bot token: %v", e)
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
}
