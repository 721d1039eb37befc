package scenario

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readmeExample returns the JSON scenario of the README's Scenarios
// section, so the documentation's example is held to the same rules as any
// saved scenario.
func readmeExample(t testing.TB) string {
	t.Helper()
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(doc), "### Scenarios\n")
	_, rest, ok := strings.Cut(section, "```json\n")
	example, _, closed := strings.Cut(rest, "```")
	if !found || !ok || !closed {
		t.Fatal("the README's Scenarios section has no ```json block")
	}
	return example
}

func TestReadmeExample(t *testing.T) {
	s := mustParse(t, readmeExample(t))
	env := baseEnv()
	_, actions, err := Step(s, State{}, Input{Kind: InputStart, Text: "URGENT: my parcel is lost"}, env)
	if err != nil {
		t.Fatal(err)
	}
	want := []Action{
		SendText{"greeting", "Hello Alice! Thank you for contacting Example Shop."},
		FindAgent{"findAgent", []SkillRequirement{{"orders", 2}}, t0.Add(5 * time.Minute).UTC()},
	}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("an urgent customer within hours:\n got %#v\nwant %#v", actions, want)
	}
}
