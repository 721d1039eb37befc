// Package registry lists every messenger Switchboard supports. Adding a messenger
// means adding its package under providers/ and one line here.
package registry

import (
	"github.com/switchboard/switchboard/providers"
	"github.com/switchboard/switchboard/providers/custom"
	"github.com/switchboard/switchboard/providers/facebook"
	"github.com/switchboard/switchboard/providers/infobip"
	"github.com/switchboard/switchboard/providers/line"
	"github.com/switchboard/switchboard/providers/nexmo"
	"github.com/switchboard/switchboard/providers/telegram"
	"github.com/switchboard/switchboard/providers/twilio"
	"github.com/switchboard/switchboard/providers/twitter"
	"github.com/switchboard/switchboard/providers/viber"
	"github.com/switchboard/switchboard/providers/wechat"
	"github.com/switchboard/switchboard/providers/whatsappcloud"
)

// Config carries the operator's settings that providers need.
type Config struct {
	// APIURLs are messenger API base URLs by settings key ("telegram",
	// "viber"), so tests and sandboxes point a provider elsewhere without a
	// code change. A provider missing here uses its production URL.
	APIURLs map[string]string
}

// APIURL returns the configured base URL for the provider with settings key,
// or "" for its production URL.
func (c Config) APIURL(key string) string { return c.APIURLs[key] }

// Registry finds a provider by its settings key or by account type and gateway.
type Registry struct {
	byKey map[string]providers.Provider
	all   []providers.Provider
}

// New builds the registry of every supported messenger.
func New(cfg Config) *Registry {
	all := []providers.Provider{
		facebook.New(cfg.APIURL("facebook")),
		line.New(cfg.APIURL("line"), cfg.APIURL("lineData")),
		telegram.New(cfg.APIURL("telegram")),
		twitter.New(cfg.APIURL("twitter")),
		viber.New(cfg.APIURL("viber")),
		wechat.New(cfg.APIURL("wechat"), cfg.APIURL("wechatInternational")),
		infobip.Provider{},
		twilio.Provider{},
		nexmo.Provider{},
		whatsappcloud.New(cfg.APIURL("whatsappCloud")),
		custom.Provider{},
	}
	r := &Registry{byKey: make(map[string]providers.Provider, len(all)), all: all}
	for _, p := range all {
		r.byKey[p.Spec().Key] = p
	}
	return r
}

// ByKey returns the provider whose settings input member is key ("telegram").
func (r *Registry) ByKey(key string) (providers.Provider, bool) {
	p, ok := r.byKey[key]
	return p, ok
}

// ByType returns the provider of an account type and, for WHATSAPP, its gateway.
func (r *Registry) ByType(typ, provider string) (providers.Provider, bool) {
	for _, p := range r.all {
		s := p.Spec()
		if s.Type == typ && s.Provider == provider {
			return p, true
		}
	}
	return nil, false
}

// All returns every provider, in a stable order.
func (r *Registry) All() []providers.Provider { return r.all }
