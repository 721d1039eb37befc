package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hours is a weekly schedule such as business hours, written the way people
// write them on a door: "Mon-Fri 09:00-18:00; Sat 10:00-14:00". It is read in
// wall-clock time, so it holds across daylight-saving changes in any zone.
//
// Rules are separated by ";". A rule has days ("Mon", "Mon-Fri", "Sat,Sun",
// ranges may wrap: "Fri-Mon"), time ranges ("09:00-12:00, 13:00-18:00"), or
// both; without days it holds every day, without times all day. A range whose
// end is not after its start ("22:00-06:00") runs past midnight and belongs to
// the day it starts on; "24:00" may end a range.
type Hours struct {
	rules []hoursRule
}

type hoursRule struct {
	days   [7]bool // indexed by time.Weekday
	ranges []minuteRange
}

// minuteRange is [from, to) in minutes after midnight; to <= from runs past midnight.
type minuteRange struct{ from, to int }

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// ParseHours reads a schedule; the error says which part is wrong, for the
// person who typed it.
func ParseHours(spec string) (Hours, error) {
	// Editors and word processors turn "-" into dashes; accept them.
	spec = strings.NewReplacer("–", "-", "—", "-").Replace(spec)
	if strings.TrimSpace(spec) == "" {
		return Hours{}, fmt.Errorf("empty schedule; write e.g. %q", "Mon-Fri 09:00-18:00")
	}
	var h Hours
	for _, part := range strings.Split(spec, ";") {
		r, err := parseHoursRule(part)
		if err != nil {
			return Hours{}, err
		}
		h.rules = append(h.rules, r)
	}
	return h, nil
}

func parseHoursRule(part string) (hoursRule, error) {
	var r hoursRule
	items := strings.FieldsFunc(part, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' })
	if len(items) == 0 {
		return r, fmt.Errorf("empty rule between %q separators", ";")
	}
	anyDay := false
	for _, item := range items {
		if strings.Contains(item, ":") {
			mr, err := parseMinuteRange(item)
			if err != nil {
				return r, err
			}
			r.ranges = append(r.ranges, mr)
			continue
		}
		from, to, isRange := strings.Cut(item, "-")
		d1, ok := dayNames[strings.ToLower(from)]
		if !ok {
			return r, fmt.Errorf("%q is neither a day (Mon…Sun) nor a time range (09:00-18:00)", item)
		}
		d2 := d1
		if isRange {
			if d2, ok = dayNames[strings.ToLower(to)]; !ok {
				return r, fmt.Errorf("%q: %q is not a day (Mon…Sun)", item, to)
			}
		}
		for d := d1; ; d = (d + 1) % 7 {
			r.days[d] = true
			if d == d2 {
				break
			}
		}
		anyDay = true
	}
	if !anyDay {
		for d := range r.days {
			r.days[d] = true
		}
	}
	return r, nil
}

func parseMinuteRange(item string) (minuteRange, error) {
	a, b, ok := strings.Cut(item, "-")
	if !ok {
		return minuteRange{}, fmt.Errorf("%q is not a time range like 09:00-18:00", item)
	}
	from, err := parseClock(a, false)
	if err != nil {
		return minuteRange{}, fmt.Errorf("%q: %w", item, err)
	}
	to, err := parseClock(b, true)
	if err != nil {
		return minuteRange{}, fmt.Errorf("%q: %w", item, err)
	}
	if from == to {
		return minuteRange{}, fmt.Errorf("%q: a range must not start and end at the same time", item)
	}
	if to == 24*60 {
		to = 0 // ends at midnight: same as running "past" it by nothing
	}
	return minuteRange{from, to}, nil
}

// parseClock reads "HH:MM" (a single-digit hour is fine) as minutes after midnight.
func parseClock(s string, end bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, fmt.Errorf("%q is not a time between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

// Contains reports whether t, read on its own location's wall clock, falls
// within the schedule; callers convert t to the service's zone first.
func (h Hours) Contains(t time.Time) bool {
	day := t.Weekday()
	prev := (day + 6) % 7
	m := t.Hour()*60 + t.Minute()
	for _, r := range h.rules {
		if len(r.ranges) == 0 {
			if r.days[day] {
				return true
			}
			continue
		}
		for _, mr := range r.ranges {
			if mr.from < mr.to {
				if r.days[day] && m >= mr.from && m < mr.to {
					return true
				}
				continue
			}
			// Past midnight: the evening part today, the morning part from yesterday.
			if (r.days[day] && m >= mr.from) || (r.days[prev] && m < mr.to) {
				return true
			}
		}
	}
	return false
}
