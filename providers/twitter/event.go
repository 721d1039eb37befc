package twitter

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The subset of the Account Activity API's webhook body
// (https://docs.x.com/x-api/account-activity/fundamentals, "Account Activity
// data objects", and the Message Create object of direct messages) that
// Switchboard maps to events. Fields the mapping does not read are left out.

type activity struct {
	ForUserID string `json:"for_user_id"`
	// DirectMessageEvents is decoded event by event, so that an event of a
	// type X adds later cannot make the known ones unreadable.
	DirectMessageEvents []json.RawMessage `json:"direct_message_events"`
	MarkReadEvents      []markReadEvent   `json:"direct_message_mark_read_events"`
	FollowEvents        []followEvent     `json:"follow_events"`
	Users               map[string]user   `json:"users"`
}

type dmEvent struct {
	Type             string         `json:"type"`
	ID               string         `json:"id"`
	CreatedTimestamp string         `json:"created_timestamp"`
	MessageCreate    *messageCreate `json:"message_create"`
}

type messageCreate struct {
	Target struct {
		RecipientID string `json:"recipient_id"`
	} `json:"target"`
	SenderID    string      `json:"sender_id"`
	SourceAppID string      `json:"source_app_id"`
	MessageData messageData `json:"message_data"`
}

type messageData struct {
	Text     string `json:"text"`
	Entities struct {
		URLs []urlEntity `json:"urls"`
	} `json:"entities"`
	QuickReplyResponse *quickReplyResponse `json:"quick_reply_response"`
	Attachment         *attachment         `json:"attachment"`
}

type urlEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
}

type quickReplyResponse struct {
	Type     string `json:"type"`
	Metadata string `json:"metadata"`
}

type attachment struct {
	Type  string `json:"type"` // "media"
	Media *media `json:"media"`
}

type media struct {
	IDStr         string     `json:"id_str"`
	MediaURLHTTPS string     `json:"media_url_https"`
	URL           string     `json:"url"` // the t.co link the text carries
	Type          string     `json:"type"`
	VideoInfo     *videoInfo `json:"video_info"`
}

type videoInfo struct {
	Variants []variant `json:"variants"`
}

type variant struct {
	Bitrate     int64  `json:"bitrate"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

type markReadEvent struct {
	CreatedTimestamp string `json:"created_timestamp"`
	SenderID         string `json:"sender_id"`
	Target           struct {
		RecipientID string `json:"recipient_id"`
	} `json:"target"`
	LastReadEventID string `json:"last_read_event_id"`
}

type followEvent struct {
	Type             string `json:"type"` // follow or unfollow
	CreatedTimestamp string `json:"created_timestamp"`
	Source           *user  `json:"source"`
	Target           *user  `json:"target"`
}

// user is a user object: in the users map of direct message events "id" is
// a string; in follow events it is a v1.1 User object, whose "id" is a number
// and "id_str" the same as a string.
type user struct {
	ID         flexID `json:"id"`
	IDStr      string `json:"id_str"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
}

// id is the user's ID as a string, digit for digit.
func (u *user) id() string {
	if u == nil {
		return ""
	}
	if u.IDStr != "" {
		return u.IDStr
	}
	return string(u.ID)
}

// flexID is an ID that X gives as a JSON string in some objects and as a
// number in others; both are kept digit for digit (a float64 would round
// 64-bit IDs).
type flexID string

// UnmarshalJSON accepts a JSON string, an integer or null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if _, err := n.Int64(); err != nil {
		if _, uerr := strconv.ParseUint(string(n), 10, 64); uerr != nil {
			return fmt.Errorf("user id %s is not an integer", n)
		}
	}
	*f = flexID(n)
	return nil
}
