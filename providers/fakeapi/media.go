package fakeapi

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxFetch bounds what a fake downloads of one media URL.
const maxFetch = 32 << 20

// Fetched is what a fake messenger got when it fetched a media URL it was
// sent, as the real one does before or at delivery.
type Fetched struct {
	// Status is the HTTP status answered; 0 when the request failed.
	Status      int
	ContentType string
	Data        []byte
	// Err is the transport error, if any.
	Err string
}

// MediaFetches lets a fake download the media URLs it is sent, the way LINE
// and Viber fetch an agent's file, so a test sees that the link works and
// serves the right bytes. Without a client (the default) nothing is fetched:
// most tests send URLs of hosts that do not exist. The zero value is ready to
// use and safe for concurrent use.
type MediaFetches struct {
	mu      sync.Mutex
	client  *http.Client
	fetched map[string][]Fetched
}

// SetMediaClient makes the fake fetch every media URL it is sent with c (a
// client whose transport reaches the server under test); nil stops it.
func (m *MediaFetches) SetMediaClient(c *http.Client) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.client = c
}

// FetchMedia downloads rawURL if a media client is set, records what came
// back and returns it (ok false when no client is set).
func (m *MediaFetches) FetchMedia(ctx context.Context, rawURL string) (f Fetched, ok bool) {
	m.mu.Lock()
	c := m.client
	m.mu.Unlock()
	if c == nil || rawURL == "" {
		return Fetched{}, false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err == nil {
		var resp *http.Response
		if resp, err = c.Do(req); err == nil {
			f.Status, f.ContentType = resp.StatusCode, resp.Header.Get("Content-Type")
			f.Data, err = io.ReadAll(io.LimitReader(resp.Body, maxFetch))
			resp.Body.Close()
		}
	}
	if err != nil {
		f.Err = err.Error()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fetched == nil {
		m.fetched = map[string][]Fetched{}
	}
	m.fetched[rawURL] = append(m.fetched[rawURL], f)
	return f, true
}

// Fetches returns what every fetch of rawURL got, in order.
func (m *MediaFetches) Fetches(rawURL string) []Fetched {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Fetched(nil), m.fetched[rawURL]...)
}
