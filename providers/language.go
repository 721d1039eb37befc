package providers

import "regexp"

// languageTag is the shape of a BCP 47 language tag as messengers send it
// ("en", "pt-BR", "zh-Hans-CN"; Telegram and Viber also send "pt_BR").
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$`)

// LanguageTag returns a messenger's language value as a tag to store ("pt-BR"
// for "pt_BR"), or "" for a value that is not one: a contact's language is
// shown to agents and compared by scenarios, so nothing else gets in.
func LanguageTag(v string) string {
	if len(v) > 35 || !languageTag.MatchString(v) {
		return ""
	}
	b := []byte(v)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}
