package providers

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 10)
	tests := []struct {
		name string
		s    string
		lim  TextLimit
		want []string
	}{
		{"fits", "hello", TextLimit{Max: 5}, []string{"hello"}},
		{"blank", "  \n ", TextLimit{Max: 5}, nil},
		{"at a line break", "aaaa\nbbbb", TextLimit{Max: 6}, []string{"aaaa", "bbbb"}},
		{"at a space", "aaa bbb ccc", TextLimit{Max: 8}, []string{"aaa bbb", "ccc"}},
		{"no break in the second half", "a bbbbbbbbbb", TextLimit{Max: 6}, []string{"a bbbb", "bbbbbb"}},
		{"paragraphs", strings.TrimSpace(para) + "\n" + strings.TrimSpace(para), TextLimit{Max: len(para)}, []string{strings.TrimSpace(para), strings.TrimSpace(para)}},
		{"UTF-16 units", "a🙂🙂", TextLimit{Max: 2, Cost: UTF16Cost}, []string{"a", "🙂", "🙂"}},
		{"a character over the limit goes alone", "🙂🙂", TextLimit{Max: 1, Cost: UTF16Cost}, []string{"🙂", "🙂"}},
		{"bytes", "ééé", TextLimit{Max: 10, MaxBytes: 4}, []string{"éé", "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitText(tt.s, tt.lim); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SplitText(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("hello world\nagain", 4)
	f.Add("🙂a🙂 b", 1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 || !utf8.ValidString(s) {
			return
		}
		parts := SplitText(s, TextLimit{Max: max, Cost: UTF16Cost})
		joined := strings.Join(parts, "")
		if strings.Join(strings.Fields(joined), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("lost text: %q -> %q", s, parts)
		}
		for _, p := range parts {
			n := 0
			for _, r := range p {
				u, _ := UTF16Cost(r, utf8.RuneLen(r))
				n += u
			}
			if n > max && utf8.RuneCountInString(p) > 1 {
				t.Fatalf("part %q is %d units, over %d", p, n, max)
			}
		}
	})
}
