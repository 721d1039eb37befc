package providers

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// TextLimit says how a messenger measures one message's text, so that a long
// reply is split the same careful way for every messenger and only the
// measure differs (Telegram counts characters, LINE and Viber UTF-16 units,
// Viber also the bytes of its JSON request).
type TextLimit struct {
	// Max is the most units one part may hold.
	Max int
	// MaxBytes, when non-zero, also bounds a part's bytes as Cost counts them.
	MaxBytes int
	// Cost gives a rune's units and bytes (size is its length in the text);
	// nil counts one unit per character and its UTF-8 bytes.
	Cost func(r rune, size int) (units, bytes int)
}

// UTF16Cost counts a rune in UTF-16 code units, as JavaScript-based APIs
// measure length (an emoji outside the BMP is two), and its UTF-8 bytes.
func UTF16Cost(r rune, size int) (units, bytes int) {
	if n := utf16.RuneLen(r); n > 0 {
		return n, size
	}
	return 1, size // invalid UTF-8 is sent as U+FFFD
}

// SplitText cuts s into parts within lim, in order, preferring to cut at the
// last line break, else the last space, in the second half of a part; the
// whitespace cut at is dropped. Blank parts are left out, so the result is nil
// for a blank text. A character larger than the limit goes alone in a part.
func SplitText(s string, lim TextLimit) []string {
	cost := lim.Cost
	if cost == nil {
		cost = func(_ rune, size int) (int, int) { return 1, size }
	}
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for s != "" {
		var (
			units, bytes, end int
			lastNL, lastSpace = -1, -1
		)
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			ru, rb := cost(r, size)
			if end > 0 && (units+ru > lim.Max || lim.MaxBytes > 0 && bytes+rb > lim.MaxBytes) {
				break
			}
			if r == '\n' {
				lastNL = end
			} else if unicode.IsSpace(r) {
				lastSpace = end
			}
			units, bytes, end = units+ru, bytes+rb, end+size
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

// Truncate keeps at most n bytes of s, cut at a character boundary, marking a
// cut with "...": for reasons and errors that quote what a messenger or a
// customer sent.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
