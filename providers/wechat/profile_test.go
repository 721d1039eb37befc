package wechat

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/wechat/wechattest"
)

func TestFetchProfile(t *testing.T) {
	tests := []struct {
		name string
		user *wechattest.User
		id   string
		want providers.Profile
		err  error
	}{
		{"nickname and picture (before 2021, or some accounts)", &wechattest.User{OpenID: "oA", Nickname: "Band", HeadImgURL: "http://thirdwx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/0"},
			"oA", providers.Profile{DisplayName: "Band", PictureURL: "http://thirdwx.qlogo.cn/mmopen/g3MonUZtNHkdmzicIlibx6iaFqAc56vxLSUfpb6n5WKSYVY0ChQKkiaJSgQ1dZuTOgvLLrhJbERQQ4eMsv84eavHiaiceqxibJxCfHe/0"}, nil},
		{"no nickname, a remark from staff", &wechattest.User{OpenID: "oB", Remark: "VIP: Ms Li"}, "oB", providers.Profile{DisplayName: "VIP: Ms Li"}, nil},
		{"nothing since 2021", &wechattest.User{OpenID: "oC"}, "oC", providers.Profile{}, providers.ErrNoProfile},
		{"unfollowed", &wechattest.User{OpenID: "oD", Nickname: "gone", Unsubscribed: true}, "oD", providers.Profile{}, providers.ErrNoProfile},
		{"unknown", nil, "oNobody", providers.Profile{}, providers.ErrNoProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, p, env := newFake(t)
			if tt.user != nil {
				fake.AddUser(*tt.user)
			}
			got, err := p.FetchProfile(context.Background(), env, testAccount, "", tt.id)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("profile %+v, want %+v", got, tt.want)
			}
			reqs := requestsTo(fake, userInfoPath)
			if len(reqs) != 1 || reqs[0].Query.Get("openid") != tt.id || reqs[0].Query.Get("lang") != "en" {
				t.Errorf("requests %+v", reqs)
			}
		})
	}
	t.Run("WeChat busy is an error, not ErrNoProfile", func(t *testing.T) {
		fake, p, env := newFake(t)
		fake.FailNext(wechattest.EndpointUserInfo, wechattest.SystemBusy)
		_, err := p.FetchProfile(context.Background(), env, testAccount, "", wechattest.OpenID)
		if err == nil || errors.Is(err, providers.ErrNoProfile) {
			t.Errorf("err = %v", err)
		}
		checkErrNoSecret(t, fake, err)
	})
	t.Run("no OpenID", func(t *testing.T) {
		_, p, env := newFake(t)
		if _, err := p.FetchProfile(context.Background(), env, testAccount, "", " "); err == nil {
			t.Error("no error")
		}
	})
}

func TestUserInfo(t *testing.T) {
	fake, p, env := newFake(t)
	fake.AddUser(wechattest.User{OpenID: "oU", UnionID: "oUnion1", Remark: "r"})
	u, err := p.UserInfo(context.Background(), env, testAccount, "oU")
	if err != nil || u.Subscribe != 1 || u.OpenID != "oU" || u.UnionID != "oUnion1" || u.SubscribeScene != "ADD_SCENE_SEARCH" || u.Language != "zh_CN" {
		t.Errorf("user %+v, %v", u, err)
	}
}
