package twittertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Sign computes the x-twitter-webhooks-signature X sends with body:
// "sha256=" and the Base64 HMAC-SHA256 of the raw bytes keyed with the app's
// consumer secret.
func Sign(consumerSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(consumerSecret))
	mac.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// CRCResponseToken is the response_token a webhook must answer a crc_token
// with: the same HMAC, over the token.
func CRCResponseToken(consumerSecret, crcToken string) string {
	return Sign(consumerSecret, []byte(crcToken))
}

// NewWebhookRequest builds the POST X makes to a webhook URL: the JSON body
// signed with the consumer secret.
func NewWebhookRequest(ctx context.Context, target, consumerSecret string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Twitter-Webhooks-Signature", Sign(consumerSecret, body))
	return req, nil
}

// NewCRCRequest builds X's challenge-response check: a GET of the webhook
// URL with crc_token added to its query.
func NewCRCRequest(ctx context.Context, target, crcToken string) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("crc_token", crcToken)
	u.RawQuery = q.Encode()
	return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
}

// NewCRCToken is a random token shaped like X's.
func NewCRCToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CheckCRCResponse checks a webhook's answer to a CRC: 200 and JSON
// {"response_token": ...} with the right token.
func CheckCRCResponse(consumerSecret, crcToken string, status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("CRC answered %d", status)
	}
	var out struct {
		ResponseToken string `json:"response_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("CRC answer is not JSON: %w", err)
	}
	if want := CRCResponseToken(consumerSecret, crcToken); !hmac.Equal([]byte(out.ResponseToken), []byte(want)) {
		return fmt.Errorf("CRC response_token %q, want %q", out.ResponseToken, want)
	}
	return nil
}

// DeliverCRC returns a CRC for SetCRC that GETs the webhook URL with a fresh
// crc_token through hc, within X's 3 seconds, and passes when the answer is
// right.
func DeliverCRC(hc *http.Client, consumerSecret string) func(url string) bool {
	return func(target string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		token := NewCRCToken()
		req, err := NewCRCRequest(ctx, target, token)
		if err != nil {
			return false
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return CheckCRCResponse(consumerSecret, token, resp.StatusCode, b) == nil
	}
}

// Person is a user as the users map of Account Activity bodies describes
// them.
type Person struct {
	ID         string
	Name       string
	ScreenName string
}

// Customer is the fake's known customer, as webhooks name them.
var Customer = Person{ID: CustomerID, Name: CustomerName, ScreenName: CustomerUsername}

// Owner is the default account, as webhooks name it.
var Owner = Person{ID: UserID, Name: Name, ScreenName: Username}

// usersMap is the "users" object of a body.
func usersMap(people []Person) map[string]any {
	m := map[string]any{}
	for _, p := range people {
		m[p.ID] = map[string]any{
			"id": p.ID, "created_timestamp": "1422556069340", "name": p.Name, "screen_name": p.ScreenName,
			"protected": false, "verified": false, "followers_count": 23, "friends_count": 47, "statuses_count": 509,
			"profile_image_url_https": "https://pbs.twimg.com/profile_images/851526626785480705/cW4WTi7C_normal.jpg",
		}
	}
	return m
}

// DMBody is an Account Activity body of direct message events for the
// subscribed user forUserID, naming people in its users map.
func DMBody(forUserID string, people []Person, events ...json.RawMessage) []byte {
	if events == nil {
		events = []json.RawMessage{}
	}
	b, _ := json.Marshal(map[string]any{"for_user_id": forUserID, "direct_message_events": events, "users": usersMap(people)})
	return b
}

// TextDM is a message_create event of a text, as X sends it (the text
// HTML-escaped, as X escapes &, < and >).
func TextDM(id, senderID, recipientID, text string, at time.Time) json.RawMessage {
	return messageCreate(id, senderID, recipientID, at, map[string]any{"text": escape(text), "entities": emptyEntities(nil)})
}

// QuickReplyDM is a message_create event of a quick reply option the
// customer tapped: its label as text and its metadata.
func QuickReplyDM(id, senderID, recipientID, label, metadata string, at time.Time) json.RawMessage {
	return messageCreate(id, senderID, recipientID, at, map[string]any{
		"text": escape(label), "entities": emptyEntities(nil),
		"quick_reply_response": map[string]string{"type": "options", "metadata": metadata},
	})
}

// PhotoDM is a message_create event with a photo served at mediaURL (see
// SetMedia) and optional text, as X sends it: the t.co link of the photo
// ends the text.
func PhotoDM(id, senderID, recipientID, text, mediaURL string, at time.Time) json.RawMessage {
	link := "https://t.co/Mq6pVXPx1M"
	full := text + " " + link
	start := len([]rune(text)) + 1
	urlEntity := map[string]any{"url": link, "expanded_url": "https://twitter.com/messages/media/" + id, "display_url": "pic.twitter.com/Mq6pVXPx1M", "indices": []int{start, start + 23}}
	return messageCreate(id, senderID, recipientID, at, map[string]any{
		"text": escape(full), "entities": emptyEntities(urlEntity),
		"attachment": map[string]any{"type": "media", "media": map[string]any{
			"id": json.Number("1221092866912550912"), "id_str": "1221092866912550912", "indices": []int{start, start + 23},
			"media_url": mediaURL, "media_url_https": mediaURL, "url": link, "display_url": "pic.twitter.com/Mq6pVXPx1M",
			"expanded_url": "https://twitter.com/messages/media/" + id, "type": "photo",
			"sizes": map[string]any{"thumb": map[string]any{"w": 150, "h": 150, "resize": "crop"}},
		}},
	})
}

// messageCreate builds a message_create event.
func messageCreate(id, senderID, recipientID string, at time.Time, data map[string]any) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"type": "message_create", "id": id, "created_timestamp": strconv.FormatInt(at.UnixMilli(), 10),
		"message_create": map[string]any{
			"target": map[string]string{"recipient_id": recipientID}, "sender_id": senderID, "message_data": data,
		},
	})
	return b
}

// emptyEntities is message_data.entities with at most one URL.
func emptyEntities(u map[string]any) map[string]any {
	urls := []any{}
	if u != nil {
		urls = append(urls, u)
	}
	return map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": urls}
}

// escape HTML-escapes &, < and > as X does in texts.
func escape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ReadBody is a direct_message_mark_read_events body: reader read the
// conversation with recipient up to lastReadEventID.
func ReadBody(forUserID string, reader, recipient Person, lastReadEventID string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"for_user_id": forUserID,
		"direct_message_mark_read_events": []any{map[string]any{
			"created_timestamp": strconv.FormatInt(at.UnixMilli(), 10), "sender_id": reader.ID,
			"target": map[string]string{"recipient_id": recipient.ID}, "last_read_event_id": lastReadEventID,
		}},
		"users": usersMap([]Person{reader, recipient}),
	})
	return b
}

// TypingBody is a direct_message_indicate_typing_events body: sender is
// typing to recipient.
func TypingBody(forUserID string, sender, recipient Person, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"for_user_id": forUserID,
		"direct_message_indicate_typing_events": []any{map[string]any{
			"created_timestamp": strconv.FormatInt(at.UnixMilli(), 10), "sender_id": sender.ID,
			"target": map[string]string{"recipient_id": recipient.ID},
		}},
		"users": usersMap([]Person{sender, recipient}),
	})
	return b
}

// FollowBody is a follow_events body: source follows (typ "follow") or
// unfollows (typ "unfollow") target. Its users are v1.1 User objects, whose
// id is a number.
func FollowBody(forUserID, typ string, source, target Person, at time.Time) []byte {
	obj := func(p Person) map[string]any {
		return map[string]any{"id": json.Number(p.ID), "id_str": p.ID, "name": p.Name, "screen_name": p.ScreenName,
			"protected": false, "followers_count": 10, "friends_count": 5, "created_at": "Thu Jan 29 16:54:29 +0000 2015"}
	}
	b, _ := json.Marshal(map[string]any{
		"for_user_id": forUserID,
		"follow_events": []any{map[string]any{
			"type": typ, "created_timestamp": strconv.FormatInt(at.UnixMilli(), 10), "target": obj(target), "source": obj(source),
		}},
	})
	return b
}

// EchoBody is the webhook X sends for a direct message the account sent
// (every DM sent through the API comes back this way).
func EchoBody(dm DM) []byte {
	return DMBody(dm.SenderID, []Person{Owner, {ID: dm.RecipientID}}, TextDM(dm.EventID, dm.SenderID, dm.RecipientID, dm.Text, dm.At))
}
