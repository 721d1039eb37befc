package graph

import (
	"slices"
	"strings"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/inbox"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/graph/model"
)

// contactInput maps updateContact's input for the core; a name given twice
// is a mistake to report, not a value to pick.
func contactInput(in model.UpdateContactInput) (inbox.ContactInput, error) {
	out := inbox.ContactInput{Language: in.Language}
	if in.Fields == nil {
		return out, nil
	}
	out.Fields = make(map[string]string, len(in.Fields))
	for _, f := range in.Fields {
		if _, twice := out.Fields[f.Name]; twice {
			return out, core.Invalid("fields", "%q is given twice", f.Name)
		}
		out.Fields[f.Name] = f.Value
	}
	return out, nil
}

// contactFields lists a contact's custom fields by name.
func contactFields(ct *ent.Contact) []*model.ContactField {
	out := make([]*model.ContactField, 0, len(ct.Fields))
	for name, value := range ct.Fields {
		out = append(out, &model.ContactField{Name: name, Value: value})
	}
	slices.SortFunc(out, func(a, b *model.ContactField) int { return strings.Compare(a.Name, b.Name) })
	return out
}
