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
