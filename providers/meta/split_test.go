package meta

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	words := strings.Fields(strings.Repeat("ünïcödé wörds 🙂 ", 500))
	tests := []struct {
		name  string
		text  string
		limit int
		parts int
	}{
		{"empty", "", 2000, 0},
		{"blank", " \n\t", 2000, 0},
		{"exactly the limit", strings.Repeat("a", 2000), 2000, 1},
		{"one over", strings.Repeat("a", 2001), 2000, 2},
		{"no spaces", strings.Repeat("ж", 5000), 2000, 3},
		{"words", strings.Join(words, " "), 2000, 5},
		{"lines", strings.Repeat(strings.Repeat("x", 99)+"\n", 50), 2000, 3},
		{"emoji count twice", strings.Repeat("🙂", 1000), 2000, 1},
		{"emoji over", strings.Repeat("🙂", 1001), 2000, 2},
		{"WhatsApp's limit", strings.Repeat("b", 4097), 4096, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := SplitText(tt.text, tt.limit)
			if len(parts) != tt.parts {
				t.Fatalf("%d parts, want %d", len(parts), tt.parts)
			}
			var joined strings.Builder
			for i, p := range parts {
				if TextLen(p) > tt.limit || !utf8.ValidString(p) || strings.TrimSpace(p) == "" {
					t.Errorf("part %d: %d units, valid %v", i, TextLen(p), utf8.ValidString(p))
				}
				joined.WriteString(p)
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if strip(joined.String()) != strip(tt.text) {
				t.Errorf("parts do not add up to the text")
			}
		})
	}
	para := strings.Repeat("word ", 300) // 1500 units
	if got := SplitText(para+"\n"+para, 2000); len(got) != 2 || got[0] != para {
		t.Errorf("not cut at the line break: %d parts", len(got))
	}
}
