package graph

import (
	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/graph/model"
)

// The GraphQL enums SystemMessageEvent and SystemMessageMode spell the same
// values as sysmsg.Event and sysmsg.Mode (a test holds them together), so the
// mappings below are conversions.

func defaultMessagesModel(list []sysmsg.Default) []*model.DefaultSystemMessage {
	out := make([]*model.DefaultSystemMessage, len(list))
	for i, d := range list {
		out[i] = &model.DefaultSystemMessage{
			Event:     model.SystemMessageEvent(d.Event),
			Text:      d.Text,
			BuiltIn:   d.BuiltIn,
			Variables: variableNames(d.Event),
		}
	}
	return out
}

func systemMessagesModel(list []sysmsg.Setting) []*model.SystemMessageSetting {
	out := make([]*model.SystemMessageSetting, len(list))
	for i, s := range list {
		out[i] = &model.SystemMessageSetting{
			Event:         model.SystemMessageEvent(s.Event),
			Mode:          model.SystemMessageMode(s.Mode),
			Text:          nonEmpty(s.Text),
			EffectiveText: nonEmpty(s.Effective),
			Variables:     variableNames(s.Event),
		}
	}
	return out
}

func variableNames(e sysmsg.Event) []string {
	vs := e.Variables()
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func defaultMessagesInput(in []*model.DefaultSystemMessageInput) []sysmsg.DefaultInput {
	out := make([]sysmsg.DefaultInput, len(in))
	for i, x := range in {
		out[i] = sysmsg.DefaultInput{Event: sysmsg.Event(x.Event), Text: x.Text}
	}
	return out
}

func systemMessagesInput(in []*model.SystemMessageInput) []sysmsg.SettingInput {
	out := make([]sysmsg.SettingInput, len(in))
	for i, x := range in {
		out[i] = sysmsg.SettingInput{Event: sysmsg.Event(x.Event), Mode: sysmsg.Mode(x.Mode), Text: x.Text}
	}
	return out
}
