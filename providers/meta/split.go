package meta

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// SplitText cuts s into parts of at most limit characters, counted in UTF-16
// code units (the strictest reading of Meta's "characters": an emoji counts
// twice, so a part never exceeds the limit however Meta counts). Parts keep
// their order; a cut prefers the last line break, else the last space, in the
// second half of the window, and the whitespace cut at is dropped. A surrogate
// pair is never cut. Blank parts are left out.
func SplitText(s string, limit int) []string {
	if limit < 2 {
		limit = 2
	}
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for s != "" {
		units, end := 0, 0
		lastNL, lastSpace := -1, -1
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			n := UTF16Len(r)
			if units+n > limit {
				break
			}
			if r == '\n' {
				lastNL = end
			} else if unicode.IsSpace(r) {
				lastSpace = end
			}
			units, end = units+n, end+size
		}
		if end == len(s) {
			add(s)
			break
		}
		half := end / 2
		switch {
		case lastNL >= half && lastNL > 0:
			add(s[:lastNL])
			s = s[lastNL+1:]
		case lastSpace >= half && lastSpace > 0:
			_, size := utf8.DecodeRuneInString(s[lastSpace:])
			add(s[:lastSpace])
			s = s[lastSpace+size:]
		default:
			add(s[:end])
			s = s[end:]
		}
	}
	return parts
}

// TextLen is the length of s in UTF-16 code units.
func TextLen(s string) int {
	n := 0
	for _, r := range s {
		n += UTF16Len(r)
	}
	return n
}

// UTF16Len is a rune's length in UTF-16 code units (invalid runes are sent as
// U+FFFD, one unit).
func UTF16Len(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}
