package media_test

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/core/media"
)

var (
	keyA = bytes.Repeat([]byte{0xA5}, 32)
	keyB = bytes.Repeat([]byte{0x5A}, 32)
)

func newLinks(t *testing.T, keys ...[]byte) *media.Links {
	t.Helper()
	l, err := media.NewLinks("https://switchboard.example.com/", time.Hour, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, media.PathPrefix) {
		t.Fatalf("link %q is not under %s", link, media.PathPrefix)
	}
	return strings.TrimPrefix(u.Path, media.PathPrefix)
}

func TestLinksOpenWhatTheySign(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLinks(t, keyA)
	link := l.URL(4711, 2, now)
	if !strings.HasPrefix(link, "https://switchboard.example.com/media/public/") {
		t.Fatalf("link %q is not under the public URL", link)
	}
	tok := tokenOf(t, link)
	id, idx, err := l.Open(tok, now.Add(59*time.Minute))
	if err != nil || id != 4711 || idx != 2 {
		t.Fatalf("Open = %d, %d, %v; want 4711, 2", id, idx, err)
	}
	if _, _, err := l.Open(tok, now.Add(time.Hour)); !errors.Is(err, media.ErrLinkExpired) {
		t.Fatalf("at expiry: %v, want ErrLinkExpired", err)
	}
	// After a key rotation, links signed with the old key still open.
	rotated := newLinks(t, keyB, keyA)
	if id, _, err := rotated.Open(tok, now); err != nil || id != 4711 {
		t.Fatalf("after rotation: %d, %v", id, err)
	}
	if _, _, err := newLinks(t, keyB).Open(tok, now); !errors.Is(err, media.ErrBadLink) {
		t.Fatalf("another server's key: %v, want ErrBadLink", err)
	}
}

func TestLinksRefuseForgeries(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLinks(t, keyA)
	tok := l.Token(7, 0, now.Add(time.Hour))
	raw := []byte(tok)
	flipped := append([]byte(nil), raw...)
	flipped[3] ^= 1
	for name, forged := range map[string]string{
		"empty":               "",
		"not base64":          "!!!!",
		"one character more":  tok + "A",
		"a character changed": string(flipped),
		"another attachment":  l.Token(8, 0, now.Add(time.Hour))[:10] + tok[10:],
	} {
		if _, _, err := l.Open(forged, now); !errors.Is(err, media.ErrBadLink) {
			t.Errorf("%s: %v, want ErrBadLink", name, err)
		}
	}
}

func FuzzOpenLink(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	l, err := media.NewLinks("https://x.example", time.Hour, keyA)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(l.Token(1, 0, now.Add(time.Hour)))
	f.Add(l.Token(1<<40, 99, now.Add(-time.Hour)))
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		id, idx, err := l.Open(tok, now)
		// Whatever arrives, only a token this key signed opens, and then as
		// itself.
		if err == nil && (id < 0 || idx < 0 || l.Token(id, idx, now.Add(time.Hour)) != tok) {
			t.Fatalf("opened %q as %d/%d", tok, id, idx)
		}
	})
}
