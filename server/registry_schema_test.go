package server_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/providers/registry"
)

// typeInfo is what introspection says of one type.
type typeInfo struct {
	Name          string                  `json:"name"`
	Fields        []struct{ Name string } `json:"fields"`
	InputFields   []struct{ Name string } `json:"inputFields"`
	EnumValues    []struct{ Name string } `json:"enumValues"`
	PossibleTypes []struct{ Name string } `json:"possibleTypes"`
}

func introspectType(t *testing.T, ts *testServer, name string) typeInfo {
	t.Helper()
	r := ts.postQuery(t, ts.adminToken, `{ __type(name: "`+name+`") { name fields { name } inputFields { name } enumValues { name } possibleTypes { name } } }`)
	var out struct {
		Type *typeInfo `json:"__type"`
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || out.Type == nil {
		t.Fatalf("no type %s in the schema: %s", name, r.Body)
	}
	return *out.Type
}

func names(list []struct{ Name string }) []string {
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.Name
	}
	sort.Strings(out)
	return out
}

// TestEveryProviderSpecMatchesTheSchema walks the registry: each messenger's
// settings are spelled twice (its provider spec and the GraphQL types), so
// this checks they agree both ways, and that its type and gateway are enum
// values, so adding a messenger cannot leave one half behind.
func TestEveryProviderSpecMatchesTheSchema(t *testing.T) {
	ts := newTestServer(t)
	inputMembers := map[string]bool{}
	for _, n := range names(introspectType(t, ts, "IntegrationSettingsInput").InputFields) {
		inputMembers[n] = true
	}
	unionMembers := map[string]bool{}
	for _, n := range names(introspectType(t, ts, "IntegrationSettings").PossibleTypes) {
		unionMembers[n] = true
	}
	types := map[string]bool{}
	for _, n := range names(introspectType(t, ts, "IntegrationAccountType").EnumValues) {
		types[n] = true
	}
	gateways := map[string]bool{}
	for _, n := range names(introspectType(t, ts, "IntegrationAccountProvider").EnumValues) {
		gateways[n] = true
	}
	specKeys := map[string]bool{}
	for _, p := range registry.New(registry.Config{}).All() {
		spec := p.Spec()
		specKeys[spec.Key] = true
		t.Run(spec.Key, func(t *testing.T) {
			var want []string
			for _, f := range spec.Fields {
				if !f.Internal {
					want = append(want, f.Name)
				}
			}
			sort.Strings(want)
			base := strings.ToUpper(spec.Key[:1]) + spec.Key[1:] + "Settings"
			if !inputMembers[spec.Key] {
				t.Errorf("IntegrationSettingsInput has no member %q", spec.Key)
			}
			if got := names(introspectType(t, ts, base+"Input").InputFields); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%sInput fields %v; the spec has %v", base, got, want)
			}
			if !unionMembers[base] {
				t.Errorf("IntegrationSettings has no member %s", base)
			}
			if got := names(introspectType(t, ts, base).Fields); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s fields %v; the spec has %v", base, got, want)
			}
			if !types[spec.Type] {
				t.Errorf("IntegrationAccountType has no value %s", spec.Type)
			}
			if spec.Provider != "" && !gateways[spec.Provider] {
				t.Errorf("IntegrationAccountProvider has no value %s", spec.Provider)
			}
		})
	}
	for m := range inputMembers {
		if !specKeys[m] {
			t.Errorf("IntegrationSettingsInput member %q has no provider in the registry", m)
		}
	}
	if len(unionMembers) != len(specKeys) {
		t.Errorf("IntegrationSettings has %d members for %d providers", len(unionMembers), len(specKeys))
	}
}
