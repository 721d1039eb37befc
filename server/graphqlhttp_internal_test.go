package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestWriteResponseAsWriteJSON: writeResponse writes what writeJSON (json.Marshal)
// writes, byte for byte, whether or not it takes its short way.
func TestWriteResponseAsWriteJSON(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		nil,
		{Data: json.RawMessage(`{"node":{"id":"1","text":"plain \"quoted\" text"}}`)},
		{Data: json.RawMessage(`{"a":"<b>&amp;</b>"}`)},
		{Data: json.RawMessage("{\"a\":\"line\u2028separator, \u00e9t\u00e9, \u20ac\"}")},
		{Data: json.RawMessage("{\"a\":\"paragraph\u2029separator\"}")},
		{Data: json.RawMessage("{\"a\":\"\u20ac 5 \u2013 \u201cquoted\u201d\u2026\"}")},
		{Data: json.RawMessage(`null`)},
		{},
		{Data: json.RawMessage(`{"a":1}`), Errors: gqlerror.List{{Message: "no"}}},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		{Data: json.RawMessage(`{"a":1}`), Label: "l", Path: nil, HasNext: &yes},
	} {
		var got, want bytes.Buffer
		writeResponse(&got, resp)
		writeJSON(&want, resp)
		if got.String() != want.String() {
			t.Errorf("writeResponse(%+v) = %s, want %s", resp, got.String(), want.String())
		}
	}
}
