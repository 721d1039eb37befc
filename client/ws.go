package client

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/Khan/genqlient/graphql"
	"github.com/coder/websocket"
)

// Message types of RFC 6455, section 11.8, as used by genqlient's
// gorilla-style WSConn interface.
const (
	wsTextMessage   = 1
	wsBinaryMessage = 2
	wsCloseMessage  = 8
)

const (
	// wsReadLimit is the largest message ReadMessage accepts. coder's
	// default of 32 KiB is too small for GraphQL subscription payloads.
	wsReadLimit = 16 << 20
	// wsWriteTimeout bounds one WriteMessage, so a peer that stops reading
	// cannot block the writer forever.
	wsWriteTimeout = 30 * time.Second
	// wsMaxCloseReason is the longest close reason that fits a control frame.
	wsMaxCloseReason = 123
)

// WebsocketDialer makes github.com/coder/websocket usable as genqlient's
// websocket [graphql.Dialer], for GraphQL subscriptions over the
// graphql-transport-ws protocol. It exists because genqlient's interfaces are
// modelled on gorilla/websocket, and a naive adapter around coder/websocket
// fails in several ways that this one handles: genqlient asks for its
// subprotocol with a plain Sec-WebSocket-Protocol header (coder then rejects
// the server's answer), coder's 32 KiB read limit is too small, genqlient
// writes "complete" messages after its close frame, and its reads must not
// be bound to the context of the dial.
//
// The zero value is ready to use. Pass it to graphql.NewClientUsingWebSocket.
// [Client.Subscribe] does not use it: genqlient's websocket client itself is
// unreliable (see subscriptions.go), so Subscribe has its own.
type WebsocketDialer struct {
	// HTTPClient performs the opening handshake. Nil means
	// http.DefaultClient. For tenant-supplied URLs, use a client that guards
	// against SSRF (core/safeurl.NewHTTPClient).
	HTTPClient *http.Client
}

var _ graphql.Dialer = WebsocketDialer{}

// DialContext opens a websocket connection to urlStr (ws, wss, http or
// https). ctx bounds only the opening handshake; the connection lives until
// it is closed. Subprotocols requested through the Sec-WebSocket-Protocol
// header are negotiated properly, and requestHeader is not modified.
func (d WebsocketDialer) DialContext(ctx context.Context, urlStr string, requestHeader http.Header) (graphql.WSConn, error) {
	header := requestHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	opts := &websocket.DialOptions{
		HTTPClient:   d.HTTPClient,
		HTTPHeader:   header,
		Subprotocols: takeSubprotocols(header),
	}
	// net/http ignores a Host entry in the header map; honour it explicitly.
	if host := header.Get("Host"); host != "" {
		opts.Host = host
		header.Del("Host")
	}
	conn, _, err := websocket.Dial(ctx, urlStr, opts)
	if err != nil {
		return nil, fmt.Errorf("websocket dial: %w", err)
	}
	conn.SetReadLimit(wsReadLimit)
	connCtx, cancel := context.WithCancel(context.Background())
	return &wsConn{conn: conn, ctx: connCtx, cancel: cancel}, nil
}

// takeSubprotocols removes the Sec-WebSocket-Protocol header from h and
// returns the protocols it listed. coder/websocket must be given these as
// DialOptions.Subprotocols: it sets the header itself and, if it did not,
// rejects the server's chosen subprotocol as unexpected.
func takeSubprotocols(h http.Header) []string {
	var protocols []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				protocols = append(protocols, p)
			}
		}
	}
	h.Del("Sec-WebSocket-Protocol")
	return protocols
}

// wsConn adapts a *websocket.Conn to graphql.WSConn.
type wsConn struct {
	conn *websocket.Conn
	// ctx lives as long as the connection, so that reads are not cut short
	// by the dial context; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	// closeSent is set once a close frame was written; later writes are
	// dropped, because genqlient sends "complete" messages after closing.
	closeSent atomic.Bool
	closed    atomic.Bool
}

// ReadMessage blocks until a data message arrives or the connection ends.
// graphql-transport-ws keep-alive messages are handled here: a "ping" is
// answered with a "pong" and neither reaches genqlient, whose reader (v0.8.1)
// stops at any message without a subscription ID. Servers that check for pongs
// would otherwise drop the connection.
func (c *wsConn) ReadMessage() (messageType int, p []byte, err error) {
	for {
		typ, data, err := c.conn.Read(c.ctx)
		if err != nil {
			return 0, nil, fmt.Errorf("websocket read: %w", err)
		}
		if typ == websocket.MessageText {
			switch keepAliveType(data) {
			case "ping":
				if err := c.WriteMessage(wsTextMessage, []byte(`{"type":"pong"}`)); err != nil {
					return 0, nil, err
				}
				continue
			case "pong", "ka":
				continue
			}
		}
		switch typ {
		case websocket.MessageText:
			return wsTextMessage, data, nil
		case websocket.MessageBinary:
			return wsBinaryMessage, data, nil
		default:
			return 0, nil, fmt.Errorf("websocket read: unexpected message type %v", typ)
		}
	}
}

// keepAliveType returns "ping", "pong" or "ka" for keep-alive messages and ""
// for everything else. Small messages only: keep-alives carry no data.
func keepAliveType(data []byte) string {
	if len(data) > 256 {
		return ""
	}
	var m struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	switch m.Type {
	case "ping", "pong", "ka":
		return m.Type
	}
	return ""
}

// WriteMessage writes a text (1) or binary (2) message, or performs the
// close handshake for a close (8) message whose payload is a big-endian
// status code followed by a reason. Writes after a close message are
// ignored and return nil.
func (c *wsConn) WriteMessage(messageType int, data []byte) error {
	var typ websocket.MessageType
	switch messageType {
	case wsTextMessage:
		typ = websocket.MessageText
	case wsBinaryMessage:
		typ = websocket.MessageBinary
	case wsCloseMessage:
		return c.writeClose(data)
	default:
		return fmt.Errorf("websocket write: unsupported message type %d", messageType)
	}
	if c.closeSent.Load() {
		return nil
	}
	if c.closed.Load() {
		return fmt.Errorf("websocket write: %w", net.ErrClosed)
	}
	ctx, cancel := context.WithTimeout(c.ctx, wsWriteTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, typ, data); err != nil {
		return fmt.Errorf("websocket write: %w", err)
	}
	return nil
}

func (c *wsConn) writeClose(payload []byte) error {
	if !c.closeSent.CompareAndSwap(false, true) {
		return nil
	}
	code, reason := parseClosePayload(payload)
	err := c.conn.Close(code, reason)
	c.cancel()
	if err != nil && !isClosedErr(err) {
		return fmt.Errorf("websocket close (status %d): %w", code, err)
	}
	return nil
}

// Close releases the connection without a close handshake (send a close
// message first for a clean close, as genqlient does). Closing an already
// closed connection returns nil.
func (c *wsConn) Close() error {
	c.closed.Store(true)
	c.cancel()
	err := c.conn.CloseNow()
	if err != nil && !isClosedErr(err) {
		return fmt.Errorf("websocket close: %w", err)
	}
	return nil
}

// isClosedErr reports whether err only says the connection is already
// closed, or was closed by the peer during our close, which is what closing
// wants anyway.
func isClosedErr(err error) bool {
	var ce websocket.CloseError
	return errors.Is(err, net.ErrClosed) || errors.As(err, &ce) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// parseClosePayload decodes a close message payload as formatted by
// genqlient (and gorilla's FormatCloseMessage): a big-endian status code
// followed by a UTF-8 reason. A missing code, or 1005 "no status", which
// cannot be sent, becomes 1000 normal closure; the reason is truncated to
// what fits a control frame.
func parseClosePayload(p []byte) (websocket.StatusCode, string) {
	if len(p) < 2 {
		return websocket.StatusNormalClosure, ""
	}
	code := websocket.StatusCode(binary.BigEndian.Uint16(p))
	if code == websocket.StatusNoStatusRcvd {
		code = websocket.StatusNormalClosure
	}
	reason := p[2:]
	if len(reason) > wsMaxCloseReason {
		reason = reason[:wsMaxCloseReason]
		for len(reason) > 0 && !utf8.Valid(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	return code, string(reason)
}
