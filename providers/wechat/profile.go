package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// userInfoPath is the user profile API.
const userInfoPath = "/cgi-bin/user/info"

// UserInfo is what WeChat tells about a follower (GET /cgi-bin/user/info).
// Since 27 December 2021 WeChat no longer gives the nickname, picture, sex or
// region: those come back empty. Remark is the name the account's staff gave
// the follower in the console.
type UserInfo struct {
	Subscribe      int    `json:"subscribe"`
	OpenID         string `json:"openid"`
	Nickname       string `json:"nickname"`
	Language       string `json:"language"`
	HeadImgURL     string `json:"headimgurl"`
	SubscribeTime  int64  `json:"subscribe_time"`
	UnionID        string `json:"unionid"`
	Remark         string `json:"remark"`
	SubscribeScene string `json:"subscribe_scene"`
}

// ErrNoProfile means WeChat has nothing to tell about the user: not a
// follower (any more), unknown to the account, or (since 2021, for most
// accounts) neither a nickname nor a picture, and no remark from staff.
var ErrNoProfile = fmt.Errorf("wechat: WeChat gives no name or picture of this user: %w", providers.ErrNoProfile)

// UserInfo gets a follower's profile by OpenID (lang=en).
func (p Provider) UserInfo(ctx context.Context, env providers.Env, acct providers.Account, openID string) (UserInfo, error) {
	c, err := p.client(env, acct)
	if err != nil {
		return UserInfo{}, fmt.Errorf("wechat: get user info: %w", err)
	}
	openID = strings.TrimSpace(openID)
	if openID == "" {
		return UserInfo{}, errors.New("wechat: get user info: no OpenID")
	}
	var u UserInfo
	err = c.call(ctx, "get user info", http.MethodGet, userInfoPath, url.Values{"openid": {openID}, "lang": {"en"}}, nil, &u)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == codeInvalidOpenID {
		return UserInfo{}, ErrNoProfile
	}
	return u, err
}

// FetchProfile is the follower's nickname (or, as WeChat no longer gives
// nicknames, the remark staff gave them) and picture, in the form the core
// asks for. chatID is unused: Official Accounts have one-to-one chats only.
// Nothing to show is ErrNoProfile.
func (p Provider) FetchProfile(ctx context.Context, env providers.Env, acct providers.Account, _, userID string) (providers.Profile, error) {
	u, err := p.UserInfo(ctx, env, acct, userID)
	if err != nil {
		return providers.Profile{}, err
	}
	name := strings.TrimSpace(u.Nickname)
	if name == "" {
		name = strings.TrimSpace(u.Remark)
	}
	pic := webURL(u.HeadImgURL)
	if u.Subscribe == 0 && name == "" || name == "" && pic == "" {
		return providers.Profile{}, ErrNoProfile
	}
	return providers.Profile{DisplayName: name, PictureURL: pic}, nil
}
