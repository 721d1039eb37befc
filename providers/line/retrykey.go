package line

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// retryNamespace is the UUID namespace of Switchboard's LINE retry keys (a
// random UUID fixed once, so keys never collide with other name-based UUIDs).
var retryNamespace = [16]byte{0x6b, 0x1f, 0x3c, 0x52, 0x9e, 0x0d, 0x4a, 0x77, 0xb2, 0x58, 0x1c, 0xe4, 0x90, 0x3a, 0x6f, 0x21}

// retryKey is the X-Line-Retry-Key of the n-th push of a reply: a name-based
// UUID (RFC 9562 version 5) of the account, Switchboard's message ID, n and the
// push's body. Every attempt at the same reply sends the same keys, so LINE
// accepts each push once within its 24 hours. The account and body are part of
// the name so that a message ID used again for other content (a database
// restored from a backup, a second installation on the same channel) gets a new
// key instead of LINE's "already accepted" and a silently lost reply.
func retryKey(accountID, messageID string, n int, body pushRequest) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	h := sha1.New()
	h.Write(retryNamespace[:])
	for _, part := range []string{accountID, messageID, strconv.Itoa(n)} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	h.Write(b)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:]), nil
}
