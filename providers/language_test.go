package providers

import "testing"

func TestLanguageTag(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "pt-BR": "pt-BR", "pt_BR": "pt-BR", "zh-Hans-CN": "zh-Hans-CN",
		"": "", "e": "", "en-": "", "<script>": "", "en US": "", "12": "",
		"abcdefghi": "", "en-aaaaaaaaa": "", "a-b-c-d-e-f": "",
	} {
		if got := LanguageTag(in); got != want {
			t.Errorf("LanguageTag(%q) = %q, want %q", in, got, want)
		}
	}
}
