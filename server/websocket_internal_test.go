package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// earlyHijacker is a ResponseWriter whose connection has bytes already read
// into net/http's buffer, as when a client sends its first frame at once.
type earlyHijacker struct {
	http.ResponseWriter
	conn  net.Conn
	early string
}

func (h earlyHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	br := bufio.NewReader(io.MultiReader(strings.NewReader(h.early), h.conn))
	br.Peek(len(h.early))
	return h.conn, bufio.NewReadWriter(br, bufio.NewWriter(h.conn)), nil
}

// TestUpgradeKeepsEarlyBytes: what net/http had read past the request stays
// buffered in the small reader the websocket gets, where coder/websocket
// looks for it, before the socket's own bytes.
func TestUpgradeKeepsEarlyBytes(t *testing.T) {
	for _, early := range []string{"", "first frame", strings.Repeat("x", wsReadBuffer*3)} {
		server, peer := net.Pipe()
		go func() {
			peer.Write([]byte("after"))
			peer.Close()
		}()
		_, brw, err := smallBuffers{earlyHijacker{conn: server, early: early}}.Hijack()
		if err != nil {
			t.Fatal(err)
		}
		if n := brw.Reader.Buffered(); n != len(early) {
			t.Errorf("%d early bytes buffered, want %d", n, len(early))
		}
		all, _ := io.ReadAll(brw.Reader)
		if string(all) != early+"after" {
			t.Errorf("read %q, want %q", all, early+"after")
		}
		if brw.Writer.Size() != wsWriteBuffer {
			t.Errorf("write buffer %d, want %d", brw.Writer.Size(), wsWriteBuffer)
		}
	}
}

// TestUpgradeDoPanics: a panic in work done on the request's goroutine goes
// on in the caller, which must not carry on as if the work had succeeded, and
// the request's goroutine keeps serving.
func TestUpgradeDoPanics(t *testing.T) {
	u := &upgrade{calls: make(chan func()), gone: make(chan struct{})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		defer close(u.gone)
		for f := range u.calls {
			if f == nil {
				return
			}
			f()
		}
	}()
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic", p)
			}
		}()
		u.do(func() { panic("boom") })
		t.Error("do returned after a panic")
	}()
	ran := false
	u.do(func() { ran = true })
	if !ran {
		t.Error("the request's goroutine stopped serving after a panic")
	}
	u.release()
	<-served
	u.do(func() { ran = false }) // after the request's goroutine is gone
	if ran {
		t.Error("work after release did not run")
	}
}
