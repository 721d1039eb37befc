package graph

import (
	"encoding/json"
	"fmt"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/graph/model"
)

// serviceInput maps a chat service's GraphQL input to the core's; absent
// lists stay nil (unchanged), given ones (even empty) replace.
func serviceInput(in model.ChatServiceInput) inbox.ServiceInput {
	out := inbox.ServiceInput{Name: in.Name, Priority: in.Priority, TimeZone: in.TimeZone, Hours: in.Hours,
		OfferTimeoutSeconds: in.OfferTimeoutSeconds, InactivityWarningSeconds: in.InactivityWarningSeconds,
		InactivityCloseSeconds: in.InactivityCloseSeconds, RequiredSkills: skillList(in.RequiredSkills)}
	if in.AccountIds != nil {
		out.AccountIDs = &in.AccountIds
	}
	if in.AgentIds != nil {
		out.AgentIDs = &in.AgentIds
	}
	return out
}

// skillList is a given list of skills (nil: not given).
func skillList(in []*core.Skill) *[]core.Skill {
	if in == nil {
		return nil
	}
	out := make([]core.Skill, 0, len(in))
	for _, s := range in {
		if s != nil {
			out = append(out, *s)
		}
	}
	return &out
}

// jsonObject is stored JSON as a GraphQL Map (nil when empty).
func jsonObject(raw []byte) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("graph: stored JSON: %w", err)
	}
	return out, nil
}
