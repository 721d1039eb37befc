package vibertest

import (
	"encoding/json"
	"time"
)

// Viber's limit on get_user_details: a bot may ask about one user this many
// times in UserLookupWindow, and is refused with tooManyRequests (12) after.
const (
	MaxUserLookups   = 2
	UserLookupWindow = 12 * time.Hour
)

// AddUser makes u known to get_user_details, as a user subscribed to the bot.
func (a *API) AddUser(u User) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[u.ID] = u
}

// UserLookups is how many get_user_details calls about id the fake answered
// with the user's details within the last UserLookupWindow.
func (a *API) UserLookups(id string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.lookups[id])
}

// userDetails is get_user_details {"id": ...}
// (https://developers.viber.com/docs/api/rest-bot-api/#get-user-details): the
// user's details, receiverNotRegistered (5) for a user who left Viber,
// receiverNotSubscribed (6) for one unknown to the bot or unsubscribed, and
// tooManyRequests (12) past Viber's limit per user.
func (a *API) userDetails(body []byte) answer {
	var req struct {
		ID *string `json:"id"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return statusAnswer(3, "")
	}
	if req.ID == nil || *req.ID == "" {
		return statusAnswer(4, "")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id := *req.ID
	u, known := a.users[id]
	switch {
	case a.unregistered[id]:
		return statusAnswer(5, "")
	case !known || a.unsubscribed[id]:
		return statusAnswer(6, "notSubscribed")
	}
	now := a.now()
	recent := a.lookups[id][:0:0]
	for _, at := range a.lookups[id] {
		if now.Sub(at) < UserLookupWindow {
			recent = append(recent, at)
		}
	}
	if len(recent) >= MaxUserLookups {
		a.lookups[id] = recent
		return statusAnswer(12, "")
	}
	a.lookups[id] = append(recent, now)
	tok := a.next
	a.next++
	apiVersion := u.APIVersion
	if apiVersion == 0 {
		apiVersion = 1
	}
	return answer{fields: map[string]any{
		"message_token": tok, "chat_hostname": "SN-CHAT-04_",
		"user": map[string]any{
			"id": u.ID, "name": u.Name, "avatar": u.Avatar, "country": u.Country, "language": u.Language,
			"primary_device_os": "Android 11", "api_version": apiVersion, "viber_version": "21.0.0.1",
			"mcc": 1, "mnc": 1, "device_type": "Pixel 6",
		},
	}}
}
