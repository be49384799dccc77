package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Settings are plain structs. A field with a `flag:"name"` tag is set by
// the command line (--name) and by a config file (name:), with `usage:"…"`
// its help; `enum:"a,b"` restricts a string; `list:"comma"` makes a []string
// take comma-separated values (otherwise each use of the flag adds one).
// Embedded structs (WindowSettings, CohortSettings) add their fields. The
// JSON tags are the envelope's params. A field's starting value is its
// default.

// SplitEvents splits a comma-separated list of event names, trimmed, empty
// ones dropped. A comma inside an event selector's brackets
// (feature_used[plan ~ ^(pro,team)$]) is part of it, unless the brackets do
// not balance (a name holding a lone [); a name holding a comma is written
// in double quotes, as in CSV ("Signed up, free" — "" for a quote in it).
func SplitEvents(v string) []string {
	var out []string
	for _, item := range splitOutside(v, true) {
		item = strings.TrimSpace(item)
		if len(item) >= 2 && item[0] == '"' && item[len(item)-1] == '"' {
			item = strings.ReplaceAll(item[1:len(item)-1], `""`, `"`)
		}
		if item != "" {
			out = append(out, item)
		}
	}
	return out
}

// splitOutside splits v at the commas outside double quotes and (with
// brackets, when they balance) outside [ ].
func splitOutside(v string, brackets bool) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' && quoted && i+1 < len(v) && v[i+1] == '"':
			i++ // "" is a quote inside a quoted name
		case c == '"' && (quoted || strings.TrimSpace(v[start:i]) == ""):
			quoted = !quoted // a quote opens only at the start of an item
		case quoted:
		case c == '[' && brackets:
			depth++
		case c == ']' && brackets && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	if depth > 0 {
		return splitOutside(v, false)
	}
	return append(out, v[start:])
}

// Duration is a settings duration, written 90s, 30m, 48h, 7d or 2w. It
// keeps its text, which the params repeat.
type Duration struct {
	Text string
	D    time.Duration
}

// Days returns a Duration of n days, written "Nd".
func Days(n int) Duration {
	return Duration{Text: strconv.Itoa(n) + "d", D: time.Duration(n) * 24 * time.Hour}
}

// ParseDuration reads 90s, 30m, 48h, 7d or 2w (fractions allowed: 1.5d).
func ParseDuration(v string) (Duration, error) {
	bad := errors.New("want a duration such as 90s, 30m, 48h, 7d or 2w")
	if len(v) < 2 {
		return Duration{}, bad
	}
	n, err := strconv.ParseFloat(v[:len(v)-1], 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) {
		return Duration{}, bad
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[v[len(v)-1]]
	if unit == 0 || n*float64(unit) > float64(math.MaxInt64/2) {
		return Duration{}, bad
	}
	return Duration{Text: v, D: time.Duration(n * float64(unit))}, nil
}

// Set implements the flag interface.
func (d *Duration) Set(v string) error {
	p, err := ParseDuration(v)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

func (d *Duration) String() string { return d.Text }
func (d *Duration) Type() string   { return "duration" }

// MarshalJSON writes the duration as it was given.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.Text) }

// WindowSettings are a "within W of the anchor" window.
type WindowSettings struct {
	Within     Duration `flag:"within" json:"within"`
	WindowMode string   `flag:"window-mode" enum:"elapsed,calendar" usage:"Measure the window in elapsed time or in calendar days of --tz" json:"window_mode"`
}

// NewWindow returns window settings of the given length, elapsed.
func NewWindow(within Duration) WindowSettings {
	return WindowSettings{Within: within, WindowMode: "elapsed"}
}

// Check rejects a calendar window that is not whole days.
func (w *WindowSettings) Check() error {
	if w.WindowMode == "calendar" && w.Within.D%(24*time.Hour) != 0 {
		return fmt.Errorf("--window-mode calendar counts whole days; --within %s is not a number of days", w.Within.Text)
	}
	return nil
}

// Window is the window in loc.
func (w *WindowSettings) Window(loc *time.Location) Window {
	return Window{Length: w.Within.D, Calendar: w.WindowMode == "calendar", Loc: loc}
}

// CohortSettings are an optional calendar of cohort rows.
type CohortSettings struct {
	CohortPeriod string `flag:"cohort-period" enum:",day,week,month" usage:"Add one row per signup cohort" json:"cohort_period"`
	WeekStart    string `flag:"week-start" enum:"monday,sunday" usage:"First day of a week" json:"week_start"`
}

// NewCohorts returns cohort settings with no cohort rows, weeks from Monday.
func NewCohorts() CohortSettings { return CohortSettings{WeekStart: "monday"} }

// Calendar is the cohorts' calendar in loc, or nil with no --cohort-period.
func (c *CohortSettings) Calendar(loc *time.Location) *Calendar {
	if c.CohortPeriod == "" {
		return nil
	}
	cal := NewCalendar(Period(c.CohortPeriod), c.WeekStart, loc)
	return &cal
}

// NewCalendar returns the calendar of period in loc, weeks starting on
// weekStart ("sunday", or Monday for anything else).
func NewCalendar(period Period, weekStart string, loc *time.Location) Calendar {
	c := Calendar{Period: period, Loc: loc, WeekStart: time.Monday}
	if weekStart == "sunday" {
		c.WeekStart = time.Sunday
	}
	return c
}

// Choice is a setting of one of its `enum` tag's values that also knows
// whether it was given, so that the input can supply it when it was not (a
// survey export that fixes its own scale).
type Choice struct {
	Value string
	Given bool
}

// MarshalJSON writes the value.
func (c Choice) MarshalJSON() ([]byte, error) { return json.Marshal(c.Value) }
