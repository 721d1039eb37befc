package inbox

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/scenario"
	"github.com/switchboard/switchboard/core/store"
	"github.com/switchboard/switchboard/ent"
	"github.com/switchboard/switchboard/providers"
)

// ContactInput changes what agents and integrations know of a customer. Nil
// leaves a part as it is.
type ContactInput struct {
	// Language is an IETF tag ("de", "pt-BR"); "" clears it.
	Language *string
	// Fields replace the custom fields; a field with an empty value is left out.
	Fields map[string]string
}

// Bounds of custom fields: a CRM's few facts, not a document store.
const (
	maxContactFields   = 50
	maxFieldNameLength = 64
	maxFieldValueRunes = 1000
)

// fieldName is a custom field's name as scenarios and variables spell it.
var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// validateContact checks in; the built-in names (name, language) are not
// custom fields.
func validateContact(in ContactInput) error {
	v := &core.ValidationError{}
	if in.Language != nil && *in.Language != "" && providers.LanguageTag(*in.Language) == "" {
		v.Add("language", "must be an IETF language tag such as de or pt-BR")
	}
	if len(in.Fields) > maxContactFields {
		v.Add("fields", "at most %d fields", maxContactFields)
	}
	names := make([]string, 0, len(in.Fields))
	for name := range in.Fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch {
		case len(name) > maxFieldNameLength || !fieldName.MatchString(name):
			v.Add("fields", "a field name must start with a letter and hold up to %d letters, digits, '_', '.' or '-'", maxFieldNameLength)
		case strings.EqualFold(name, scenario.ContactName) || strings.EqualFold(name, scenario.ContactLanguage):
			v.Add("fields", "%q is a built-in contact field, not a custom one", name)
		case len([]rune(in.Fields[name])) > maxFieldValueRunes:
			v.Add("fields", "the value of %q is longer than %d characters", name, maxFieldValueRunes)
		}
	}
	return v.OrNil()
}

// UpdateContact changes a contact of the viewer's tenant: its language and
// custom fields, which agents see and scenarios test (CONTACT_FIELD). It runs
// in the writer, so the writer's cached contact is forgotten with the change.
func (s *Service) UpdateContact(ctx context.Context, id int, in ContactInput) (*ent.Contact, error) {
	if err := validateContact(in); err != nil {
		return nil, err
	}
	ct, err := s.client.Contact.Get(ctx, id)
	if err != nil {
		return nil, store.Wrap(err, "inbox: contact")
	}
	var out *ent.Contact
	err = s.write(ctx, func(ctx context.Context, c *ent.Client, rec *recorder) error {
		up := c.Contact.UpdateOneID(ct.ID)
		if in.Language != nil {
			up.SetLanguage(providers.LanguageTag(*in.Language))
		}
		if in.Fields != nil {
			fields := map[string]string{}
			for k, v := range in.Fields {
				if v = strings.TrimSpace(v); v != "" {
					fields[k] = v
				}
			}
			up.SetFields(fields)
		}
		s.contactChanged(rec, contactKey{account: ct.IntegrationAccountID, user: ct.ProviderUserID})
		out, err = up.Save(ctx)
		if err != nil {
			return fmt.Errorf("inbox: update contact: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.Unwrap(), nil
}
