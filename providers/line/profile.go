package line

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// Profile is what LINE tells about a user: webhooks carry only the user ID, so
// a contact's name and picture come from here.
type Profile struct {
	UserID        string `json:"userId"`
	DisplayName   string `json:"displayName"`
	PictureURL    string `json:"pictureUrl"`
	StatusMessage string `json:"statusMessage"`
	Language      string `json:"language"`
}

// ErrNoProfile means LINE has no profile to give: the user does not exist, has
// not consented to sharing it, is not (or no longer) a friend of the account,
// or has blocked it. It is final for that user until that changes.
var ErrNoProfile = fmt.Errorf("line: LINE has no profile of this user for this account: %w", providers.ErrNoProfile)

// Profile gets a user's display name and picture. In a group or multi-person
// chat (chatID is the ID of an event's ChatID, a group "C..." or room
// "R..." ID) it asks for the member's profile there, which works for members
// who are not friends of the account; otherwise for the friend's profile
// (GET /v2/bot/profile/{userId}). A 404 is ErrNoProfile; other failures are
// *APIError or transport errors, none of which show the token.
func (p Provider) Profile(ctx context.Context, env providers.Env, acct providers.Account, chatID, userID string) (Profile, error) {
	token := acct.Secrets["channelAccessToken"]
	if token == "" {
		return Profile{}, errors.New("line: get profile: the account has no channel access token")
	}
	uid, ok := pathID(userID)
	if !ok {
		return Profile{}, errors.New("line: get profile: no usable user ID")
	}
	path := "/v2/bot/profile/" + uid
	if cid, ok := pathID(chatID); ok && chatID != userID {
		switch {
		case strings.HasPrefix(chatID, "C"):
			path = "/v2/bot/group/" + cid + "/member/" + uid
		case strings.HasPrefix(chatID, "R"):
			path = "/v2/bot/room/" + cid + "/member/" + uid
		}
	}
	var out Profile
	err := do(ctx, env.HTTP, request{op: "get profile", method: http.MethodGet, url: p.api() + path, token: token}, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return Profile{}, ErrNoProfile
	}
	if err != nil {
		return Profile{}, err
	}
	return out, nil
}

var _ providers.ProfileFetcher = Provider{}

// FetchProfile is Profile in the form the core asks for.
func (p Provider) FetchProfile(ctx context.Context, env providers.Env, acct providers.Account, chatID, userID string) (providers.Profile, error) {
	pr, err := p.Profile(ctx, env, acct, chatID, userID)
	if err != nil {
		return providers.Profile{}, err
	}
	return providers.Profile{DisplayName: pr.DisplayName, PictureURL: pr.PictureURL, Language: providers.LanguageTag(pr.Language)}, nil
}
