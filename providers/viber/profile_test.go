package viber

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/viber/vibertest"
)

func TestFetchProfile(t *testing.T) {
	srv, p, env := newFake(t)
	u := vibertest.User{ID: "01234567890A=", Name: " John McClane ", Avatar: "https://media-direct.cdn.viber.com/download_photo?dlid=abc", Language: "en-US", Country: "UK"}
	srv.AddUser(u)
	got, err := p.FetchProfile(context.Background(), env, testAccount, "", u.ID)
	if err != nil {
		t.Fatalf("FetchProfile: %v", err)
	}
	want := providers.Profile{DisplayName: "John McClane", PictureURL: u.Avatar, Language: "en-US"}
	if got != want {
		t.Errorf("profile %+v, want %+v", got, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Endpoint != "get_user_details" || reqs[0].Method != "POST" || reqs[0].Token != testToken {
		t.Fatalf("requests %+v", reqs)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || len(body) != 1 || body["id"] != u.ID {
		t.Errorf("body %s, want {\"id\":%q}", reqs[0].Body, u.ID)
	}
}

func TestFetchProfileRefused(t *testing.T) {
	const id = "01234567890A="
	tests := []struct {
		name   string
		setup  func(*vibertest.Server)
		noProf bool // ErrNoProfile: the core waits for its next refresh
	}{
		{name: "not subscribed", setup: func(s *vibertest.Server) {}, noProf: true},
		{name: "left Viber", setup: func(s *vibertest.Server) { s.AddUser(vibertest.User{ID: id}); s.Unregister(id) }, noProf: true},
		{name: "rate limit", setup: func(s *vibertest.Server) {
			s.AddUser(vibertest.User{ID: id, Name: "Ann"})
			s.FailNext("get_user_details", vibertest.StatusReply(12))
		}, noProf: true},
		{name: "HTTP 429", setup: func(s *vibertest.Server) {
			s.FailNext("get_user_details", vibertest.Reply{HTTPStatus: http.StatusTooManyRequests, Body: "Too Many Requests", Header: http.Header{"Content-Type": {"text/plain"}}})
		}, noProf: true},
		{name: "bad token", setup: func(s *vibertest.Server) { s.FailNext("get_user_details", vibertest.StatusReply(2)) }},
		{name: "general error", setup: func(s *vibertest.Server) { s.FailNext("get_user_details", vibertest.BadGateway) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p, env := newFake(t)
			tt.setup(srv)
			_, err := p.FetchProfile(context.Background(), env, testAccount, "", id)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, providers.ErrNoProfile); got != tt.noProf {
				t.Errorf("err %v: ErrNoProfile %v, want %v", err, got, tt.noProf)
			}
			checkNoToken(t, err)
		})
	}
}

// TestFakeLimitsUserLookups: the fake refuses a third lookup of one user
// within twelve hours, as Viber does, and the provider takes that as no
// profile for now.
func TestFakeLimitsUserLookups(t *testing.T) {
	srv, p, env := newFake(t)
	srv.AddUser(vibertest.User{ID: "u=", Name: "Ann"})
	for i := range vibertest.MaxUserLookups {
		if _, err := p.FetchProfile(context.Background(), env, testAccount, "", "u="); err != nil {
			t.Fatalf("lookup %d: %v", i+1, err)
		}
	}
	if _, err := p.FetchProfile(context.Background(), env, testAccount, "", "u="); !errors.Is(err, providers.ErrNoProfile) {
		t.Errorf("lookup past the limit: %v, want ErrNoProfile", err)
	}
	if n := srv.UserLookups("u="); n != vibertest.MaxUserLookups {
		t.Errorf("lookups answered %d", n)
	}
}
