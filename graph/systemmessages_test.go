package graph

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/core/sysmsg"
	"github.com/switchboard/switchboard/graph/model"
)

// TestSystemMessageEnumsMatchCore holds the GraphQL enums to the core's values,
// which the resolvers convert without a table.
func TestSystemMessageEnumsMatchCore(t *testing.T) {
	if got, want := fmt.Sprint(model.AllSystemMessageEvent), fmt.Sprint(sysmsg.Events()); got != want {
		t.Errorf("SystemMessageEvent = %s, core events = %s", got, want)
	}
	modes := []sysmsg.Mode{sysmsg.ModeCustom, sysmsg.ModeDefault, sysmsg.ModeDisabled}
	if got, want := fmt.Sprint(model.AllSystemMessageMode), fmt.Sprint(modes); got != want {
		t.Errorf("SystemMessageMode = %s, core modes = %s", got, want)
	}
}
