package accounts

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard/switchboard/core"
	"github.com/switchboard/switchboard/core/safeurl"
	"github.com/switchboard/switchboard/providers"
)

var (
	usernameRe = regexp.MustCompile(`^[A-Za-z0-9_.]{1,100}$`)
	phoneRe    = regexp.MustCompile(`^\+?[0-9]{6,15}$`)
	digitsRe   = regexp.MustCompile(`^[0-9]{1,32}$`)
)

// maxValueLen bounds any single setting; real tokens and keys are far shorter.
const maxValueLen = 4096

// validateValue checks one given value and adds what is wrong to v.
func (s *Service) validateValue(v *core.ValidationError, path string, f providers.Field, val string) {
	n := utf8.RuneCountInString(val)
	switch {
	case n > maxValueLen:
		v.Add(path, "must be at most %d characters", maxValueLen)
		return
	case strings.IndexFunc(val, func(r rune) bool { return unicode.IsControl(r) && !(f.Multiline && (r == '\n' || r == '\r')) }) >= 0:
		if f.Multiline {
			v.Add(path, "must not contain control characters other than line breaks")
		} else {
			v.Add(path, "must not contain control characters")
		}
		return
	case f.Len > 0 && n != f.Len:
		v.Add(path, "must be exactly %d characters", f.Len)
		return
	case f.MinLen > 0 && n < f.MinLen:
		v.Add(path, "must be at least %d characters", f.MinLen)
		return
	}
	if f.Pattern != nil && !f.Pattern.MatchString(val) {
		v.Add(path, "%s", f.Hint)
		return
	}
	switch f.Kind {
	case providers.KindUsername:
		if strings.HasPrefix(val, "@") {
			v.Add(path, "must be given without the leading @")
		} else if !usernameRe.MatchString(val) {
			v.Add(path, "may contain only letters, digits, '_' and '.'")
		}
	case providers.KindPhone:
		if !phoneRe.MatchString(val) {
			v.Add(path, "must be a phone number: 6 to 15 digits with an optional leading +")
		}
	case providers.KindDigits:
		if !digitsRe.MatchString(val) {
			v.Add(path, "must contain only digits")
		}
	case providers.KindURL:
		if err := safeurl.CheckURL(val, s.allowPrivate, s.allowPrivate); err != nil {
			v.Add(path, "%s", err.Error())
		}
	case providers.KindEnum:
		if !slices.Contains(f.Enum, val) {
			v.Add(path, "must be one of %s", strings.Join(f.Enum, ", "))
		}
	}
}

// applyValues validates the given values against spec and merges them into
// settings and secrets. On create, missing fields get defaults or generated values
// or are reported as required. A blank value counts as not given, so a form can
// leave a secret empty to keep it.
func (s *Service) applyValues(spec providers.Spec, values map[string]*string, settings, secrets map[string]string, creating bool) error {
	v := &core.ValidationError{}
	prefix := "settings." + spec.Key + "."
	for name := range values {
		if f, ok := spec.Field(name); !ok || f.Internal {
			v.Add(prefix+name, "is not a setting of %s", spec.Key)
		}
	}
	for _, f := range spec.Fields {
		path := prefix + f.Name
		var val string
		if p := values[f.Name]; p != nil && !f.Internal {
			val = strings.TrimSpace(*p)
		}
		if val == "" {
			if !creating {
				continue
			}
			switch {
			case f.Default != "":
				val = f.Default
			case f.Generated:
				val = randomToken(24)
			case f.Required:
				v.Add(path, "is required")
				continue
			default:
				continue
			}
		}
		s.validateValue(v, path, f, val)
		if f.Secret {
			secrets[f.Name] = val
		} else {
			settings[f.Name] = val
		}
	}
	return v.OrNil()
}
