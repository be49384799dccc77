package metrics

import (
	"fmt"
	"math"
	"time"
)

// Period is a calendar bucket.
type Period string

// Periods.
const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month"
)

// Calendar buckets instants into calendar periods in a zone, using the zone
// database (a day in America/Los_Angeles lasts 23 h on 2024-03-10).
type Calendar struct {
	Period    Period
	Loc       *time.Location
	WeekStart time.Weekday // Monday (ISO) or Sunday
}

// Start returns the start of the period containing t (Unix ns).
func (c Calendar) Start(t int64) time.Time {
	lt := time.Unix(0, t).In(c.loc())
	y, m, d := lt.Date()
	switch c.Period {
	case Month:
		return midnight(y, m, 1, c.loc())
	case Week:
		back := (int(lt.Weekday()) - int(c.WeekStart) + 7) % 7
		return midnight(y, m, d-back, c.loc())
	}
	return midnight(y, m, d, c.loc())
}

// Next returns the start of the period after the one starting at s.
func (c Calendar) Next(s time.Time) time.Time {
	y, m, d := s.Date()
	switch c.Period {
	case Month:
		return midnight(y, m+1, 1, c.loc())
	case Week:
		return midnight(y, m, d+7, c.loc())
	}
	return midnight(y, m, d+1, c.loc())
}

// Index numbers periods: consecutive periods have consecutive indexes
// (months since year 0, or days/weeks since 1970 in the zone).
func (c Calendar) Index(t int64) int {
	s := c.Start(t)
	switch c.Period {
	case Month:
		return s.Year()*12 + int(s.Month()) - 1
	case Week:
		return floorDiv(civilDays(s), 7)
	}
	return civilDays(s)
}

// civilDays counts local calendar days since 1970-01-01 (floor for earlier).
func civilDays(s time.Time) int {
	y, m, d := s.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	if u < 0 {
		return int((u - 86399) / 86400)
	}
	return int(u / 86400)
}

// civilFromDays is the inverse of days since 1970-01-01 (Howard Hinnant).
func civilFromDays(z int) (y int, m time.Month, d int) {
	z += 719468
	era := z
	if z < 0 {
		era = z - 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return yy, time.Month(mm), dd
}

// DayPeriod maps a local day number to the calendar's period index (the
// same numbering as Calendar.Index).
func (c Calendar) DayPeriod(day int32) int {
	switch c.Period {
	case Month:
		y, m, _ := civilFromDays(int(day))
		return y*12 + int(m) - 1
	case Week:
		// Calendar.Index numbers weeks by the week start's day / 7
		wd := (int(day)%7 + 7 + 4) % 7 // 1970-01-01 was a Thursday (4)
		back := (wd - int(c.WeekStart) + 7) % 7
		return floorDiv(int(day)-back, 7)
	}
	return int(day)
}

// PeriodStart is the start of period index k, as a time in the zone.
func (c Calendar) PeriodStart(k int) time.Time {
	switch c.Period {
	case Month:
		return midnight(floorDiv(k, 12), time.Month(k-12*floorDiv(k, 12)+1), 1, c.loc())
	case Week:
		// week starts are the days ≡ r (mod 7): 1970-01-01 was a Thursday
		r := (int(c.WeekStart) - 4 + 7) % 7
		return dayStart(k*7+r, c.loc())
	}
	return dayStart(k, c.loc())
}

// dayStart is the start of local day number d (days since 1970-01-01) in loc.
func dayStart(d int, loc *time.Location) time.Time {
	y, m, dd := civilFromDays(d)
	return midnight(y, m, dd, loc)
}

// midnight is the start of local date y-m-d in loc (out-of-range days and
// months normalised, as time.Date does). Where a daylight-saving change
// skips midnight (America/Sao_Paulo on 2018-11-04, 00:00 → 01:00), time.Date
// returns an instant of the day before; the day starts at the change.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	wy, wm, wd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
	if ty, tm, td := t.Date(); ty != wy || tm != wm || td != wd {
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	}
	return t
}

// monthStartDay is the day number of the first day of the month k months
// after day d's (k = 0: d's own month).
func monthStartDay(d int32, k int) int32 {
	y, m, _ := civilFromDays(int(d))
	return int32(civilDays(time.Date(y, m+time.Month(k), 1, 0, 0, 0, 0, time.UTC)))
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Label writes a period: a day 2024-03-01, a week its first
// day, a month 2024-03.
func (c Calendar) Label(s time.Time) string {
	if c.Period == Month {
		return s.Format("2006-01")
	}
	return s.Format("2006-01-02")
}

// ParseLabel is the index of the period a Label names.
func (c Calendar) ParseLabel(label string) (int, error) {
	layout := "2006-01-02"
	if c.Period == Month {
		layout = "2006-01"
	}
	d, err := time.Parse(layout, label)
	if err != nil {
		return 0, fmt.Errorf("%q is not a %s", label, c.Period)
	}
	return c.Index(unixNS(midnight(d.Year(), d.Month(), d.Day(), c.loc()))), nil
}

func (c Calendar) loc() *time.Location {
	if c.Loc == nil {
		return time.UTC
	}
	return c.Loc
}

// Window is a "within W" window measured from each user's own anchor. It
// includes its end: within 7d means [anchor, anchor+168h].
type Window struct {
	Length time.Duration
	// Calendar counts whole local days in Loc (day N is the local date N
	// days after the anchor's, at the same wall time) instead of elapsed time.
	Calendar bool
	Loc      *time.Location
}

// End returns the inclusive end of the window starting at anchor (Unix ns).
func (w Window) End(anchor int64) int64 {
	if !w.Calendar {
		return addNS(anchor, int64(w.Length))
	}
	loc := w.Loc
	if loc == nil {
		loc = time.UTC
	}
	days := int(w.Length / (24 * time.Hour))
	return unixNS(time.Unix(0, anchor).In(loc).AddDate(0, 0, days))
}

// Window and period ends can lie beyond what int64 nanoseconds hold (a
// 100-year window, the 1000th month after a cohort), where plain
// arithmetic and time.Time.UnixNano wrap round to the distant past: such
// an end would count as complete, and its window as empty. They saturate
// instead, and an end at the largest instant is never complete.
var maxInstant, minInstant = time.Unix(0, math.MaxInt64), time.Unix(0, math.MinInt64)

// addNS is the instant a plus a duration d ≥ 0, saturated.
func addNS(a, d int64) int64 {
	if a > math.MaxInt64-d {
		return math.MaxInt64
	}
	return a + d
}

// unixNS is t in Unix ns, saturated.
func unixNS(t time.Time) int64 {
	switch {
	case t.After(maxInstant):
		return math.MaxInt64
	case t.Before(minInstant):
		return math.MinInt64
	}
	return t.UnixNano()
}

// Mode names the window mode for params.
func (w Window) Mode() string {
	if w.Calendar {
		return "calendar"
	}
	return "elapsed"
}

// Range is the reporting range [From, To) of anchors, cohorts or entries,
// and AsOf the exclusive end of observed data.
type Range struct {
	From, To *int64
	AsOf     int64
}

// Contains reports whether t is inside [From, To).
func (r Range) Contains(t int64) bool {
	return (r.From == nil || t >= *r.From) && (r.To == nil || t < *r.To)
}

// Complete reports whether a window or period ending at end is complete:
// end ≤ as_of, so a window ending exactly at as_of counts (worked example
// V17 in docs/metrics.md).
func (r Range) Complete(end int64) bool { return end <= r.AsOf }

// FormatDuration writes d the way flags accept it (7d, 48h, 90s).
func FormatDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
