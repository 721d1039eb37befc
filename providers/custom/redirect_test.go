package custom

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/custom/customtest"
)

// TestRedirectsAreNotFollowed checks that a redirect is the messenger's
// answer: following it would carry the signed request, its body and its
// Idempotency-Key to wherever the Location points.
func TestRedirectsAreNotFollowed(t *testing.T) {
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			f := newFakeMessenger(t, nil)
			f.SetHook(func(r customtest.Request) *customtest.Reply {
				if r.Path != "/hook" {
					return nil
				}
				return &customtest.Reply{Status: code, Header: http.Header{"Location": {f.URL + "/elsewhere"}}, Unsigned: true}
			})
			acct := testAccount(f.URL + "/hook")

			res, err := Provider{}.Handshake(context.Background(), f.env(), acct)
			if err != nil || res.OK {
				t.Fatalf("Handshake = %+v, %v; want a failed result", res, err)
			}
			if want := "The messenger answered " + strconv.Itoa(code) + ", a redirect; Switchboard does not follow redirects"; !strings.HasPrefix(res.Message, want) {
				t.Errorf("message = %q, want it to start with %q", res.Message, want)
			}

			_, err = Provider{}.Send(context.Background(), f.env(), acct, testReply)
			var se *providers.SendError
			if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Reason, "redirects are not followed") {
				t.Fatalf("Send = %v, want a permanent failure about the redirect", err)
			}
			if n := len(f.Requests()); n != 2 {
				t.Errorf("the messenger got %d requests, want 2 (the ping and the reply, neither followed)", n)
			}
		})
	}
}
