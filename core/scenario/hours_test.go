package scenario

import (
	"testing"
	"time"
)

func TestHoursContains(t *testing.T) {
	// 2025-01-13 is a Monday.
	at := func(day, h, m int) time.Time { return time.Date(2025, 1, 12+day, h, m, 0, 0, time.UTC) }
	const mon, tue, fri, sat, sun = 1, 2, 5, 6, 7
	tests := []struct {
		spec string
		t    time.Time
		want bool
	}{
		{"Mon-Fri 09:00-18:00", at(mon, 9, 0), true},
		{"Mon-Fri 09:00-18:00", at(mon, 8, 59), false},
		{"Mon-Fri 09:00-18:00", at(fri, 17, 59), true},
		{"Mon-Fri 09:00-18:00", at(fri, 18, 0), false},
		{"Mon-Fri 09:00-18:00", at(sat, 12, 0), false},
		{"mon-fri 9:00–18:00", at(tue, 12, 0), true}, // lower case, a one-digit hour, an en dash
		{"Mon-Fri 09:00-12:00, 13:00-18:00", at(tue, 12, 30), false},
		{"Mon-Fri 09:00-12:00,13:00-18:00", at(tue, 13, 30), true},
		{"Mon-Fri 09:00-18:00; Sat 10:00-14:00", at(sat, 11, 0), true},
		{"Mon-Fri 09:00-18:00; Sat 10:00-14:00", at(sun, 11, 0), false},
		{"Sat,Sun", at(sun, 0, 0), true},
		{"Sat, Sun", at(mon, 0, 0), false},
		{"Fri-Mon", at(mon, 12, 0), true}, // days wrap round the week
		{"Fri-Mon", at(tue, 12, 0), false},
		{"12:00-14:00", at(sun, 13, 0), true}, // no days: every day
		{"Mon-Fri 22:00-06:00", at(mon, 23, 0), true},
		{"Mon-Fri 22:00-06:00", at(tue, 5, 59), true}, // the night that began on Monday
		{"Mon-Fri 22:00-06:00", at(mon, 5, 0), false}, // Sunday night is not included
		{"Mon-Fri 22:00-06:00", at(sat, 3, 0), true},  // Friday night is
		{"Mon 18:00-24:00", at(mon, 23, 59), true},
		{"Mon 18:00-24:00", at(tue, 0, 0), false},
		{"00:00-24:00", at(tue, 0, 0), true},
		{"Sunday 10:00-11:00", at(sun, 10, 30), true},
	}
	for _, tt := range tests {
		h, err := ParseHours(tt.spec)
		if err != nil {
			t.Errorf("ParseHours(%q): %v", tt.spec, err)
			continue
		}
		if got := h.Contains(tt.t); got != tt.want {
			t.Errorf("%q contains %s = %v, want %v", tt.spec, tt.t.Format("Mon 15:04"), got, tt.want)
		}
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, spec := range []string{
		"", " ", "Mon-Fri 09:00-18:00;", "Funday", "Mon-Xyz", "Mon-Tue-Wed", "09:00", "9-18", "09:00-25:00",
		"09:60-10:00", "24:00-10:00", "09:00-09:00", "9:0-10:00", "Mon 09:00-18:00-19:00", "Mon 0900-1800", ":-:",
	} {
		if _, err := ParseHours(spec); err == nil {
			t.Errorf("ParseHours(%q) accepted", spec)
		}
	}
}
