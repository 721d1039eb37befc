package bench

import (
	"strconv"
	"strings"
	"time"
)

// The texts of the load carry what the checks need, so an agent can check a
// message from its event alone: which webhook it came from, when it was meant
// to be sent, and which customer sent it.

// benchText is the text of load message seq scheduled at sent by sender (the
// provider user ID its contact must have): "bench <seq> <unix nanos> <sender>".
func benchText(seq int64, sent time.Time, sender string) string {
	return "bench " + strconv.FormatInt(seq, 10) + " " + strconv.FormatInt(sent.UnixNano(), 10) + " " + sender
}

// parseBenchText reads a text made by benchText.
func parseBenchText(text string) (seq int64, sent time.Time, sender string, ok bool) {
	f := strings.Fields(text)
	if len(f) != 4 || f[0] != "bench" {
		return 0, time.Time{}, "", false
	}
	seq, err1 := strconv.ParseInt(f[1], 10, 64)
	nanos, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, time.Time{}, "", false
	}
	return seq, time.Unix(0, nanos), f[3], true
}

// replyText is an agent's reply to message seq of sender; the reply ledger
// reads it back to tell a reply delivered twice or to the wrong recipient.
func replyText(seq int64, sender string) string {
	return "re " + strconv.FormatInt(seq, 10) + " " + sender
}

// probeTextPrefix starts the texts of the probe messages that prove every agent
// is subscribed before the load starts.
const probeTextPrefix = "benchprobe "

// customSenderPrefix starts every custom-account sender ID; Telegram senders
// are numeric chat IDs.
const customSenderPrefix = "u-"
