package bench

import (
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/providers/custom/customtest"
	"github.com/switchboard/switchboard/providers/telegram/telegramtest"
)

// telegramUpdateBody is a real-format text update from a private chat, made by
// the shared fake so its format is the one every test uses.
func telegramUpdateBody(updateID, chatID int64, text string, at time.Time) []byte {
	id := strconv.FormatInt(chatID, 10)
	return telegramtest.TextUpdate(updateID, updateID, telegramtest.Sender{ID: chatID, FirstName: "Bench", LastName: id, Username: "bench" + id}, text, at)
}

// custom event shapes, as CONTRACT.md defines them.
type (
	customSender struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
	}
	customMessage struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	customEvent struct {
		ID        string        `json:"id"`
		Type      string        `json:"type"`
		Timestamp string        `json:"timestamp"`
		Sender    customSender  `json:"sender"`
		Message   customMessage `json:"message"`
	}
)

// customEventBody is a one-event batch of a text message.
func customEventBody(seq int64, sender, text string, at time.Time) []byte {
	s := strconv.FormatInt(seq, 10)
	b, _ := json.Marshal(map[string][]customEvent{"events": {{
		ID: "evt-" + s, Type: "message", Timestamp: at.UTC().Format(time.RFC3339Nano),
		Sender:  customSender{ID: sender, Name: "Bench " + sender},
		Message: customMessage{ID: "m-" + s, Text: text},
	}}})
	return b
}

// webhookMaker builds the signed webhooks of the load, and knows which agent
// owns each customer's conversations.
type webhookMaker struct {
	acc      benchAccounts
	share    float64
	senders  int
	agents   int
	chatBase int64
	runID    string
	seq      atomic.Int64
	// probes counts the probe webhooks, which share the sequence numbers.
	probes atomic.Int64
}

// webhook is one request of the load.
type webhook struct {
	seq    int64
	url    string
	header http.Header
	body   []byte
}

// next returns a new webhook from a random customer, whose text says it was
// sent at at (the scheduled time in an open loop).
func (m *webhookMaker) next(at time.Time) webhook {
	seq := m.seq.Add(1)
	i := mrand.IntN(m.senders)
	if m.acc.customHook != "" && mrand.Float64() < m.share {
		return m.customHook(seq, i, at)
	}
	return m.telegramHook(seq, i, at)
}

// customHook is event seq from customer i of the custom account, signed as
// the fake messenger signs at the time of sending.
func (m *webhookMaker) customHook(seq int64, i int, at time.Time) webhook {
	sender := m.customSender(i)
	body := customEventBody(seq, sender, benchText(seq, at, sender), at)
	now := time.Now()
	return webhook{seq: seq, url: m.acc.customHook, header: http.Header{
		"Content-Type":             {"application/json"},
		customtest.HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)},
		customtest.HeaderSignature: {customtest.Sign(m.acc.customSecret, now, body)},
	}, body: body}
}

// customSender is the custom account's sender ID of customer i.
func (m *webhookMaker) customSender(i int) string {
	return customSenderPrefix + m.runID + "-" + strconv.Itoa(i)
}

// telegramHeader is what the Bot API sends with every update.
func (m *webhookMaker) telegramHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, telegramtest.SecretHeader: {m.acc.telegramSecret}}
}

// probeUser is the provider user ID of the probe chat, which no agent owns.
func (m *webhookMaker) probeUser() string { return strconv.FormatInt(m.chatBase-1, 10) }

// probe returns a webhook from the probe chat.
func (m *webhookMaker) probe() webhook {
	seq := m.seq.Add(1)
	m.probes.Add(1)
	return webhook{seq: seq, url: m.acc.telegramHook, header: m.telegramHeader(),
		body: telegramUpdateBody(seq, m.chatBase-1, probeTextPrefix+strconv.FormatInt(seq, 10), time.Now())}
}

// ownerOf is the index of the agent that owns the conversations of the
// customer whose provider user ID is id, or -1 for a customer of no load
// (the probe chat, anyone else's). Ownership is decided here, once, from the
// customer's number, so every agent agrees without asking the server, each
// conversation is taken by exactly one agent (no races to lose), and the
// customers spread evenly over the agents.
func (m *webhookMaker) ownerOf(id string) int {
	i := -1
	if rest, ok := strings.CutPrefix(id, customSenderPrefix+m.runID+"-"); ok {
		if n, err := strconv.Atoi(rest); err == nil {
			i = n
		}
	} else if chat, err := strconv.ParseInt(id, 10, 64); err == nil {
		i = int(chat - m.chatBase)
	}
	if i < 0 || i >= m.senders {
		return -1
	}
	return i % m.agents
}

// customers is how many customers the load has over its accounts.
func (m *webhookMaker) customers() int {
	if m.acc.customHook != "" && m.share > 0 {
		return 2 * m.senders
	}
	return m.senders
}
