package core

import (
	"fmt"
	"strings"
)

// Skill is something an agent knows, at a level (1 to 10): a service requires
// skills at least at given levels, and Find Agent offers its conversations only
// to agents who have them.
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// MaxSkillLevel is the highest skill level.
const MaxSkillLevel = 10

// AgentState is whether an agent takes new conversations: only READY agents
// are offered any.
type AgentState string

// The agent states.
const (
	AgentReady    AgentState = "READY"
	AgentNotReady AgentState = "NOT_READY"
	AgentOffline  AgentState = "OFFLINE"
)

// HasSkills reports whether skills meet every one of required (each at least
// at its level). Names compare without case, as ValidateSkills counts them.
func HasSkills(skills, required []Skill) bool {
	for _, r := range required {
		ok := false
		for _, s := range skills {
			if strings.EqualFold(s.Name, r.Name) && s.Level >= r.Level {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Bounds of a list of skills.
const (
	maxSkills    = 50
	maxSkillName = 64
)

// ValidateSkills checks a list of skills (an agent's or a service's): named,
// each once, levels 1 to MaxSkillLevel. field names the input.
func ValidateSkills(v *ValidationError, field string, skills []Skill) {
	if len(skills) > maxSkills {
		v.Add(field, "at most %d skills", maxSkills)
		return
	}
	seen := map[string]bool{}
	for i, sk := range skills {
		name := strings.TrimSpace(sk.Name)
		switch {
		case name == "" || len([]rune(name)) > maxSkillName:
			v.Add(fmt.Sprintf("%s[%d].name", field, i), "must be 1 to %d characters", maxSkillName)
		case seen[strings.ToLower(name)]:
			v.Add(fmt.Sprintf("%s[%d].name", field, i), "%q is listed twice", name)
		}
		seen[strings.ToLower(name)] = true
		if sk.Level < 1 || sk.Level > MaxSkillLevel {
			v.Add(fmt.Sprintf("%s[%d].level", field, i), "must be 1 to %d", MaxSkillLevel)
		}
	}
}

// CleanSkills trims the skills' names.
func CleanSkills(skills []Skill) []Skill {
	out := make([]Skill, len(skills))
	for i, sk := range skills {
		out[i] = Skill{Name: strings.TrimSpace(sk.Name), Level: sk.Level}
	}
	return out
}

// MayServe is Find Agent's rule of who may be offered a service's
// conversations: a member of the service, or every agent when the service
// names none (namesAgents false), with the skills required. Routing and the
// supervisors' view both decide with it.
func MayServe(member, namesAgents bool, role Role, skills, required []Skill) bool {
	if namesAgents && !member || !namesAgents && role != RoleAgent {
		return false
	}
	return HasSkills(skills, required)
}
