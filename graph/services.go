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

// scenarioModel is a stored scenario (core/scenario's JSON, the same shape
// as the GraphQL type) for the API; nil when there is none. Lists the JSON
// leaves out are empty, as the schema promises lists.
func scenarioModel(raw []byte) (*model.Scenario, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var out model.Scenario
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("graph: stored scenario: %w", err)
	}
	if out.Blocks == nil {
		out.Blocks = []*model.ScenarioBlock{}
	}
	for _, b := range out.Blocks {
		if b.Exits == nil {
			b.Exits = []*model.ScenarioExit{}
		}
		if b.FindAgent != nil && b.FindAgent.Skills == nil {
			b.FindAgent.Skills = []*model.ScenarioSkill{}
		}
		if b.If != nil {
			for _, br := range b.If.Branches {
				if br.Conditions == nil {
					br.Conditions = []*model.ScenarioCondition{}
				}
			}
			if b.If.Branches == nil {
				b.If.Branches = []*model.ScenarioBranch{}
			}
		}
	}
	return &out, nil
}
