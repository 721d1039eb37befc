package accounts

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/registry"
)

func ptr(s string) *string { return &s }

// spec returns the registered spec of the messenger with settings key.
func spec(t testing.TB, key string) providers.Spec {
	t.Helper()
	p, ok := registry.New(registry.Config{}).ByKey(key)
	if !ok {
		t.Fatalf("no provider with key %q", key)
	}
	return p.Spec()
}

// values turns name/value pairs into the map the GraphQL layer passes.
func values(kv ...string) map[string]*string {
	m := map[string]*string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = ptr(kv[i+1])
	}
	return m
}

// valid are complete, valid create inputs for each messenger.
var valid = map[string]map[string]*string{
	"telegram": values("botUsername", "my_bot", "botToken", "123456:ABCDEFGHIJKLMNOP"),
	"facebook": values("pageUsername", "my.page", "pageId", "1234567890", "pageAccessToken", "EAAB-token", "appSecret", "app-secret"),
	"custom":   values("webhookUrl", "https://hooks.example.com/in", "confirmationCode", "0123456789abcdef"),
	"wechat": values("appId", "wx123", "appSecret", "s", "wechatId", "gh_123", "wechatType", "CHINA", "serverToken", "tok",
		"encodingAesKey", strings.Repeat("a", 43)),
	"whatsappTwilio": values("accountSid", "AC123", "authToken", "tok", "whatsappNumber", "+15551234567"),
	"whatsappNexmo": values("authentication", "JWT", "apiKey", "k", "apiSecret", "s", "whatsappNumber", "15551234567",
		"applicationId", "app", "signatureSecret", "sig", "privateKey", "-----BEGIN PRIVATE KEY-----\r\nMIIEvQ\nIBADAN\n-----END PRIVATE KEY-----"),
	"whatsappInfobip": values("apiUrl", "https://xyz.api.infobip.com", "apiKey", "k", "whatsappNumber", "15551234567"),
}

// with returns a copy of the valid input of key with kv set (a "" value is blank,
// and a name given as "-name" is removed).
func with(key string, kv ...string) map[string]*string {
	m := maps.Clone(valid[key])
	for i := 0; i+1 < len(kv); i += 2 {
		if name, ok := strings.CutPrefix(kv[i], "-"); ok {
			delete(m, name)
			continue
		}
		m[kv[i]] = ptr(kv[i+1])
	}
	return m
}

// fieldsOf returns the field paths of a validation error, sorted.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var verr *core.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error %v (%T) is not a *core.ValidationError", err, err)
	}
	var paths []string
	for _, f := range verr.Fields {
		paths = append(paths, f.Field)
	}
	slices.Sort(paths)
	return paths
}

func TestApplyValuesRejects(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		values   map[string]*string
		creating bool
		want     []string
	}{
		{"missing required on create", "telegram", values("botUsername", "my_bot"), true,
			[]string{"settings.telegram.botToken"}},
		{"blank counts as missing on create", "telegram", with("telegram", "botToken", "   "), true,
			[]string{"settings.telegram.botToken"}},
		{"every missing field at once", "telegram", values(), true,
			[]string{"settings.telegram.botToken", "settings.telegram.botUsername"}},
		{"nil value counts as missing", "telegram", map[string]*string{"botUsername": ptr("my_bot"), "botToken": nil}, true,
			[]string{"settings.telegram.botToken"}},
		{"username with @", "telegram", with("telegram", "botUsername", "@my_bot"), true,
			[]string{"settings.telegram.botUsername"}},
		{"username with a space", "telegram", with("telegram", "botUsername", "my bot"), true,
			[]string{"settings.telegram.botUsername"}},
		{"username with @ on update", "telegram", values("botUsername", "@my_bot"), false,
			[]string{"settings.telegram.botUsername"}},
		{"phone with letters", "whatsappTwilio", with("whatsappTwilio", "whatsappNumber", "12ab"), true,
			[]string{"settings.whatsappTwilio.whatsappNumber"}},
		{"phone too short", "whatsappTwilio", with("whatsappTwilio", "whatsappNumber", "+1234"), true,
			[]string{"settings.whatsappTwilio.whatsappNumber"}},
		{"digits with a letter", "facebook", with("facebook", "pageId", "12a"), true,
			[]string{"settings.facebook.pageId"}},
		{"plain http URL", "whatsappTwilio", with("whatsappTwilio", "apiUrl", "http://x.example.com"), true,
			[]string{"settings.whatsappTwilio.apiUrl"}},
		{"private IP URL", "whatsappInfobip", with("whatsappInfobip", "apiUrl", "https://10.0.0.1/x"), true,
			[]string{"settings.whatsappInfobip.apiUrl"}},
		{"loopback URL", "custom", with("custom", "webhookUrl", "https://127.0.0.1"), true,
			[]string{"settings.custom.webhookUrl"}},
		{"localhost URL", "custom", with("custom", "webhookUrl", "https://localhost:8080/in"), true,
			[]string{"settings.custom.webhookUrl"}},
		{"URL with credentials", "custom", with("custom", "webhookUrl", "https://user:pw@hooks.example.com"), true,
			[]string{"settings.custom.webhookUrl"}},
		{"private URL on update", "custom", values("webhookUrl", "https://192.168.1.1/in"), false,
			[]string{"settings.custom.webhookUrl"}},
		{"enum not listed", "wechat", with("wechat", "wechatType", "X"), true,
			[]string{"settings.wechat.wechatType"}},
		{"enum is case-sensitive", "whatsappNexmo", with("whatsappNexmo", "authentication", "jwt"), true,
			[]string{"settings.whatsappNexmo.authentication"}},
		{"confirmation code too short", "custom", with("custom", "confirmationCode", "0123456789abcde"), true,
			[]string{"settings.custom.confirmationCode"}},
		{"AES key of 42 characters", "wechat", with("wechat", "encodingAesKey", strings.Repeat("a", 42)), true,
			[]string{"settings.wechat.encodingAesKey"}},
		{"AES key of 44 characters", "wechat", with("wechat", "encodingAesKey", strings.Repeat("a", 44)), true,
			[]string{"settings.wechat.encodingAesKey"}},
		{"verify token too short", "facebook", with("facebook", "webhookVerifyToken", "short"), true,
			[]string{"settings.facebook.webhookVerifyToken"}},
		{"unknown field", "telegram", with("telegram", "chatId", "42"), true,
			[]string{"settings.telegram.chatId"}},
		{"field of another messenger", "telegram", with("telegram", "pageId", "42"), true,
			[]string{"settings.telegram.pageId"}},
		{"internal field on create", "telegram", with("telegram", "webhookSecret", "attacker-chosen"), true,
			[]string{"settings.telegram.webhookSecret"}},
		{"internal field on update", "telegram", values("webhookSecret", "attacker-chosen"), false,
			[]string{"settings.telegram.webhookSecret"}},
		{"control character", "telegram", with("telegram", "botToken", "123\x00456"), true,
			[]string{"settings.telegram.botToken"}},
		{"line break in a one-line field", "telegram", with("telegram", "botToken", "123456:ABC\nDEFGHIJKLMNOP"), true,
			[]string{"settings.telegram.botToken"}},
		{"control character in a multiline field", "whatsappNexmo", with("whatsappNexmo", "privateKey", "-----BEGIN PRIVATE KEY-----\n\x1b[2J\n"), true,
			[]string{"settings.whatsappNexmo.privateKey"}},
		{"value too long", "telegram", with("telegram", "botToken", strings.Repeat("x", maxValueLen+1)), true,
			[]string{"settings.telegram.botToken"}},
		{"several problems together", "facebook", with("facebook", "pageUsername", "@page", "pageId", "x1", "-appSecret", ""), true,
			[]string{"settings.facebook.appSecret", "settings.facebook.pageId", "settings.facebook.pageUsername"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{allowPrivate: false}
			settings, secrets := map[string]string{}, map[string]string{}
			err := s.applyValues(spec(t, tt.key), tt.values, settings, secrets, tt.creating)
			if err == nil {
				t.Fatalf("accepted; want errors on %v", tt.want)
			}
			if got := fieldsOf(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("error fields = %v; want %v (err: %v)", got, tt.want, err)
			}
			for _, v := range tt.values {
				if v != nil && len(*v) > 3 && strings.Contains(err.Error(), *v) {
					t.Errorf("error message %q repeats the submitted value %q", err.Error(), *v)
				}
			}
		})
	}
}

func TestApplyValuesAccepts(t *testing.T) {
	for key, in := range valid {
		t.Run(key, func(t *testing.T) {
			s := &Service{allowPrivate: false}
			settings, secrets := map[string]string{}, map[string]string{}
			if err := s.applyValues(spec(t, key), in, settings, secrets, true); err != nil {
				t.Fatalf("valid input refused: %v", err)
			}
			sp := spec(t, key)
			for name, v := range in {
				f, _ := sp.Field(name)
				store, other := settings, secrets
				if f.Secret {
					store, other = secrets, settings
				}
				if store[name] != *v {
					t.Errorf("%s = %q; want %q", name, store[name], *v)
				}
				if _, ok := other[name]; ok {
					t.Errorf("%s (secret %v) also stored on the wrong side", name, f.Secret)
				}
			}
		})
	}
}

func TestApplyValuesCreate(t *testing.T) {
	tests := []struct {
		name         string
		key          string
		values       map[string]*string
		wantSettings map[string]string
		wantSecrets  map[string]string
		// generated names fields that must hold a random value of at least 8
		// characters, in settings or (when secret) in secrets.
		generated []string
	}{
		{
			name:         "telegram: secrets apart, webhook secret generated",
			key:          "telegram",
			values:       values("botUsername", " my_bot ", "botToken", "123456:SECRET"),
			wantSettings: map[string]string{"botUsername": "my_bot"},
			wantSecrets:  map[string]string{"botToken": "123456:SECRET"},
			generated:    []string{"webhookSecret"},
		},
		{
			name:         "twilio: default API URL",
			key:          "whatsappTwilio",
			values:       valid["whatsappTwilio"],
			wantSettings: map[string]string{"apiUrl": "https://api.twilio.com", "accountSid": "AC123", "whatsappNumber": "+15551234567"},
			wantSecrets:  map[string]string{"authToken": "tok"},
		},
		{
			name:         "twilio: blank API URL gets the default",
			key:          "whatsappTwilio",
			values:       with("whatsappTwilio", "apiUrl", " "),
			wantSettings: map[string]string{"apiUrl": "https://api.twilio.com", "accountSid": "AC123", "whatsappNumber": "+15551234567"},
			wantSecrets:  map[string]string{"authToken": "tok"},
		},
		{
			name:         "twilio: given API URL wins over the default",
			key:          "whatsappTwilio",
			values:       with("whatsappTwilio", "apiUrl", "https://twilio.example.com"),
			wantSettings: map[string]string{"apiUrl": "https://twilio.example.com", "accountSid": "AC123", "whatsappNumber": "+15551234567"},
			wantSecrets:  map[string]string{"authToken": "tok"},
		},
		{
			name:         "facebook: verify token generated",
			key:          "facebook",
			values:       valid["facebook"],
			wantSettings: map[string]string{"pageUsername": "my.page", "pageId": "1234567890"},
			wantSecrets:  map[string]string{"pageAccessToken": "EAAB-token", "appSecret": "app-secret"},
			generated:    []string{"webhookVerifyToken"},
		},
		{
			name:         "facebook: given verify token kept",
			key:          "facebook",
			values:       with("facebook", "webhookVerifyToken", "my-verify-token"),
			wantSettings: map[string]string{"pageUsername": "my.page", "pageId": "1234567890", "webhookVerifyToken": "my-verify-token"},
			wantSecrets:  map[string]string{"pageAccessToken": "EAAB-token", "appSecret": "app-secret"},
		},
		{
			name:         "wechat: optional AES key left out",
			key:          "wechat",
			values:       with("wechat", "-encodingAesKey", ""),
			wantSettings: map[string]string{"appId": "wx123", "wechatId": "gh_123", "wechatType": "CHINA"},
			wantSecrets:  map[string]string{"appSecret": "s", "serverToken": "tok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{allowPrivate: false}
			settings, secrets := map[string]string{}, map[string]string{}
			if err := s.applyValues(spec(t, tt.key), tt.values, settings, secrets, true); err != nil {
				t.Fatalf("applyValues: %v", err)
			}
			sp := spec(t, tt.key)
			for _, name := range tt.generated {
				f, _ := sp.Field(name)
				m := settings
				if f.Secret {
					m = secrets
				}
				if v := m[name]; len(v) < 8 {
					t.Errorf("generated %s = %q; want a random value of 8 or more characters", name, v)
				}
				delete(m, name)
			}
			if !maps.Equal(settings, tt.wantSettings) {
				t.Errorf("settings = %v; want %v", settings, tt.wantSettings)
			}
			if !maps.Equal(secrets, tt.wantSecrets) {
				t.Errorf("secrets = %v; want %v", secrets, tt.wantSecrets)
			}
		})
	}

	t.Run("generated values differ between accounts", func(t *testing.T) {
		s := &Service{}
		seen := map[string]bool{}
		for range 5 {
			settings, secrets := map[string]string{}, map[string]string{}
			if err := s.applyValues(spec(t, "telegram"), valid["telegram"], settings, secrets, true); err != nil {
				t.Fatal(err)
			}
			if seen[secrets["webhookSecret"]] {
				t.Fatalf("webhookSecret %q generated twice", secrets["webhookSecret"])
			}
			seen[secrets["webhookSecret"]] = true
		}
	})
}

func TestApplyValuesUpdate(t *testing.T) {
	stored := func() (map[string]string, map[string]string) {
		return map[string]string{"botUsername": "old_bot"},
			map[string]string{"botToken": "old-token", "webhookSecret": "old-webhook-secret"}
	}
	tests := []struct {
		name         string
		values       map[string]*string
		wantSettings map[string]string
		wantSecrets  map[string]string
	}{
		{
			name:         "nothing given changes nothing",
			values:       values(),
			wantSettings: map[string]string{"botUsername": "old_bot"},
			wantSecrets:  map[string]string{"botToken": "old-token", "webhookSecret": "old-webhook-secret"},
		},
		{
			name:         "blank secret keeps the old one",
			values:       values("botToken", "  ", "botUsername", ""),
			wantSettings: map[string]string{"botUsername": "old_bot"},
			wantSecrets:  map[string]string{"botToken": "old-token", "webhookSecret": "old-webhook-secret"},
		},
		{
			name:         "new secret only",
			values:       values("botToken", "42:new-token"),
			wantSettings: map[string]string{"botUsername": "old_bot"},
			wantSecrets:  map[string]string{"botToken": "42:new-token", "webhookSecret": "old-webhook-secret"},
		},
		{
			name:         "new public value only",
			values:       values("botUsername", "new_bot"),
			wantSettings: map[string]string{"botUsername": "new_bot"},
			wantSecrets:  map[string]string{"botToken": "old-token", "webhookSecret": "old-webhook-secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{allowPrivate: false}
			settings, secrets := stored()
			if err := s.applyValues(spec(t, "telegram"), tt.values, settings, secrets, false); err != nil {
				t.Fatalf("applyValues: %v", err)
			}
			if !maps.Equal(settings, tt.wantSettings) {
				t.Errorf("settings = %v; want %v", settings, tt.wantSettings)
			}
			if !maps.Equal(secrets, tt.wantSecrets) {
				t.Errorf("secrets = %v; want %v", secrets, tt.wantSecrets)
			}
		})
	}

	t.Run("defaults and generated values are not reapplied", func(t *testing.T) {
		s := &Service{}
		settings := map[string]string{"apiUrl": "https://twilio.example.com", "accountSid": "AC1", "whatsappNumber": "+15551234567"}
		secrets := map[string]string{"authToken": "tok"}
		if err := s.applyValues(spec(t, "whatsappTwilio"), values("accountSid", "AC2"), settings, secrets, false); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"apiUrl": "https://twilio.example.com", "accountSid": "AC2", "whatsappNumber": "+15551234567"}
		if !maps.Equal(settings, want) {
			t.Errorf("settings = %v; want %v", settings, want)
		}
	})
}

func TestApplyValuesAllowPrivate(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		wantErr      bool
	}{
		{"https://10.0.0.1/x", false, true},
		{"https://10.0.0.1/x", true, false},
		{"http://127.0.0.1:8080/in", true, false},
		{"http://hooks.example.com", false, true},
		{"ftp://hooks.example.com", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s := &Service{allowPrivate: tt.allowPrivate}
			err := s.applyValues(spec(t, "custom"), with("custom", "webhookUrl", tt.url), map[string]string{}, map[string]string{}, true)
			if (err != nil) != tt.wantErr {
				t.Errorf("allowPrivate=%v: err = %v; want error %v", tt.allowPrivate, err, tt.wantErr)
			}
		})
	}
}

// FuzzApplyValues checks that no input panics applyValues and that every refusal
// is a *core.ValidationError naming fields of the spec's key.
func FuzzApplyValues(f *testing.F) {
	f.Add("telegram", "botUsername", "my_bot", "botToken", "123:abc", true)
	f.Add("telegram", "botUsername", "@x", "webhookSecret", "", false)
	f.Add("telegram", "botToken", "\x00\xff", "nope", "x", true)
	f.Add("custom", "webhookUrl", "https://127.0.0.1", "confirmationCode", "short", true)
	f.Add("custom", "webhookUrl", "https://[::1]:80/%zz", "confirmationCode", strings.Repeat("é", 16), false)
	f.Add("custom", "webhookUrl", "https://0x7f.1", "webhookUrl", "", true)
	f.Fuzz(func(t *testing.T, key, name1, val1, name2, val2 string, creating bool) {
		if key != "telegram" {
			key = "custom"
		}
		sp := spec(t, key)
		in := map[string]*string{name1: &val1, name2: &val2}
		settings, secrets := map[string]string{}, map[string]string{}
		err := (&Service{}).applyValues(sp, in, settings, secrets, creating)
		if err == nil {
			return
		}
		var verr *core.ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("error %v is a %T; want *core.ValidationError", err, err)
		}
		if len(verr.Fields) == 0 {
			t.Fatal("ValidationError without fields")
		}
		for _, fe := range verr.Fields {
			if !strings.HasPrefix(fe.Field, "settings."+key+".") || fe.Message == "" {
				t.Errorf("field error %+v: want a settings.%s path and a message", fe, key)
			}
		}
	})
}
