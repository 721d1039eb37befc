package core

import "testing"

// TestHasSkills: each required skill at least at its level; names compare
// without case, as ValidateSkills counts "Spanish" and "spanish" as one.
func TestHasSkills(t *testing.T) {
	agent := []Skill{{Name: "Spanish", Level: 4}, {Name: "billing", Level: 2}}
	for _, c := range []struct {
		required []Skill
		want     bool
	}{
		{nil, true},
		{[]Skill{{Name: "spanish", Level: 3}}, true},
		{[]Skill{{Name: "SPANISH", Level: 5}}, false},
		{[]Skill{{Name: "Billing", Level: 2}, {Name: "spanish", Level: 1}}, true},
		{[]Skill{{Name: "french", Level: 1}}, false},
	} {
		if got := HasSkills(agent, c.required); got != c.want {
			t.Errorf("HasSkills(%v) = %v, want %v", c.required, got, c.want)
		}
	}
}
