package graph

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeSupervisionExamples: the GraphQL of the README's section on
// supervisors validates against the schema, so it cannot drift from it.
func TestReadmeSupervisionExamples(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Supervisors: live queue and figures\n")
	if !ok {
		t.Fatal("the README has no section on supervisors")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	schema := loadSchema(t)
	parts := strings.Split(section, "```graphql\n")[1:]
	if len(parts) != 2 {
		t.Fatalf("%d GraphQL examples in the section, want 2", len(parts))
	}
	for _, p := range parts {
		query, _, _ := strings.Cut(p, "```")
		operation(t, schema, query)
	}
}
