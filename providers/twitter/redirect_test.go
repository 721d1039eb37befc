package twitter

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestSignedRequestsFollowNoRedirect: a redirect answered to any request to
// X, even to the same host, is refused, so its signature or token goes
// nowhere else.
func TestSignedRequestsFollowNoRedirect(t *testing.T) {
	var followed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	creds := credentials{consumerKey: "ck", consumerSecret: "cs", accessToken: "at", accessTokenSecret: "ats"}
	for name, r := range map[string]request{
		"OAuth 1.0a":   {auth: authUser, creds: creds},
		"app bearer":   {auth: authApp, bearer: "app-token"},
		"consumer key": {auth: authBasic, creds: creds},
	} {
		t.Run(name, func(t *testing.T) {
			r.op, r.method, r.url = "test", http.MethodGet, srv.URL+"/2/users/me"
			resp, err := send(context.Background(), srv.Client(), r)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("answered %d; want the redirect refused", resp.StatusCode)
			}
			if !errors.Is(err, errRedirect) {
				t.Fatalf("error %v; want a refused redirect", err)
			}
			if n := followed.Load(); n != 0 {
				t.Fatalf("the redirect was followed %d times", n)
			}
		})
	}
}
