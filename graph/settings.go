package graph

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/accounts"
	"github.com/switchboard/switchboard/graph/model"
)

// settingsTypes maps a provider's settings key (the IntegrationSettingsInput
// member) to its member of the IntegrationSettings union.
var settingsTypes = map[string]func() model.IntegrationSettings{
	"facebook":        func() model.IntegrationSettings { return &model.FacebookSettings{} },
	"line":            func() model.IntegrationSettings { return &model.LineSettings{} },
	"telegram":        func() model.IntegrationSettings { return &model.TelegramSettings{} },
	"twitter":         func() model.IntegrationSettings { return &model.TwitterSettings{} },
	"viber":           func() model.IntegrationSettings { return &model.ViberSettings{} },
	"wechat":          func() model.IntegrationSettings { return &model.WechatSettings{} },
	"whatsappInfobip": func() model.IntegrationSettings { return &model.WhatsappInfobipSettings{} },
	"whatsappTwilio":  func() model.IntegrationSettings { return &model.WhatsappTwilioSettings{} },
	"whatsappNexmo":   func() model.IntegrationSettings { return &model.WhatsappNexmoSettings{} },
	"whatsappCloud":   func() model.IntegrationSettings { return &model.WhatsappCloudSettings{} },
	"custom":          func() model.IntegrationSettings { return &model.CustomSettings{} },
}

// settingsModel fills the union member for a view. The model structs' JSON tags
// are the GraphQL field names, which are also the provider specs' field names, so
// one generic mapping serves every messenger.
func settingsModel(v accounts.View) (model.IntegrationSettings, error) {
	mk, ok := settingsTypes[v.Key]
	if !ok {
		return nil, fmt.Errorf("graph: no settings type for %q", v.Key)
	}
	fields := make(map[string]any, len(v.Public)+len(v.Secrets))
	for k, val := range v.Public {
		fields[k] = val
	}
	for k, h := range v.Secrets {
		fields[k] = model.SecretValue{IsSet: h.IsSet, Last4: h.Last4}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("graph: encode settings: %w", err)
	}
	out := mk()
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("graph: decode settings: %w", err)
	}
	return out, nil
}

// settingsValues returns the one messenger named in a @oneOf settings input and
// its given values, keyed by GraphQL field name.
func settingsValues(in *model.IntegrationSettingsInput) (string, map[string]*string, error) {
	if in == nil {
		return "", nil, nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return "", nil, fmt.Errorf("graph: encode settings input: %w", err)
	}
	var members map[string]map[string]*string
	if err := json.Unmarshal(b, &members); err != nil {
		return "", nil, fmt.Errorf("graph: decode settings input: %w", err)
	}
	// gqlgen checks @oneOf for literals but not for variables, so check here.
	var key string
	for k, values := range members {
		if values == nil {
			continue
		}
		if key != "" {
			return "", nil, core.Invalid("settings", "give exactly one messenger's settings")
		}
		key = k
	}
	if key == "" {
		return "", nil, core.Invalid("settings", "give exactly one messenger's settings")
	}
	return key, members[key], nil
}

// resultModel maps a provider call's result, with details in a stable order.
func resultModel(r accounts.Result) *model.ProviderResult {
	keys := make([]string, 0, len(r.Details))
	for k := range r.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	details := make([]*model.Detail, len(keys))
	for i, k := range keys {
		details[i] = &model.Detail{Key: k, Value: r.Details[k]}
	}
	return &model.ProviderResult{Ok: r.OK, Message: r.Message, Details: details, At: r.At}
}
