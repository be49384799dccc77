package metrics

import (
	"slices"
	"testing"
	"time"
)

// DayPeriod and PeriodStart agree with Calendar.Index and Calendar.Start
// for every day of several years, in two zones and both week starts.
func TestCalendarDayArithmetic(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	for _, loc := range []*time.Location{time.UTC, la} {
		for _, p := range []Period{Day, Week, Month} {
			for _, ws := range []time.Weekday{time.Monday, time.Sunday} {
				cal := Calendar{Period: p, Loc: loc, WeekStart: ws}
				dc := dayCache{loc: loc}
				for d := time.Date(1969, 12, 1, 12, 0, 0, 0, loc); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
					day := dc.index(d.UnixNano())
					k := cal.Index(d.UnixNano())
					if got := cal.DayPeriod(day); got != k {
						t.Fatalf("%s %s %v: DayPeriod(%d) = %d, Index = %d", loc, p, ws, day, got, k)
					}
					if got, want := cal.PeriodStart(k), cal.Start(d.UnixNano()); !got.Equal(want) {
						t.Fatalf("%s %s %v %s: PeriodStart = %s, Start = %s", loc, p, ws, d, got, want)
					}
				}
			}
		}
	}
}

// V20: the ISO week of 2024-12-30 is 2025-W01, labelled by its Monday.
func TestWeekLabelsV20(t *testing.T) {
	cal := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	ts := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC).UnixNano()
	if got := cal.Label(cal.Start(ts)); got != "2024-12-30" {
		t.Errorf("week of 2025-01-02 = %s", got)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	day := Calendar{Period: Day, Loc: la}
	v := time.Date(2024, 3, 11, 6, 30, 0, 0, time.UTC).UnixNano() // 2024-03-10T23:30-07:00
	if got := day.Label(day.Start(v)); got != "2024-03-10" {
		t.Errorf("LA day = %s", got)
	}
	s := day.Start(v)
	if h := day.Next(s).Sub(s); h != 23*time.Hour {
		t.Errorf("2024-03-10 in LA lasts %s, want 23h", h)
	}
	s = day.Start(time.Date(2024, 11, 3, 12, 0, 0, 0, la).UnixNano())
	if h := day.Next(s).Sub(s); h != 25*time.Hour {
		t.Errorf("2024-11-03 in LA lasts %s, want 25h", h)
	}
}

func TestActivityAccumulator(t *testing.T) {
	a := NewActivity(ActivityConfig{StartEvent: "signup", ReturnEvent: "buy", ElapsedUnit: elapsedUnit(Day)})
	names := []string{"signup", "buy", "$identify", "view"}
	for i, n := range names {
		a.NewName(int32(i), n, n == "$identify")
	}
	ev := func(u, n int32, s string) { a.Event(u, n, mustTime(t, s)) }
	ev(0, 3, "2024-01-03T10:00:00Z")
	ev(0, 0, "2024-01-02T10:00:00Z") // out of order: anchor and days still right
	ev(0, 1, "2024-01-02T11:00:00Z")
	ev(0, 2, "2024-01-05T11:00:00Z") // internal: not activity
	ev(0, 3, "2024-01-03T12:00:00Z")
	days, counts := a.ActiveDays(0)
	d2 := int32(mustTime(t, "2024-01-02") / (86400 * 1e9))
	if len(days) != 2 || days[0] != d2 || days[1] != d2+1 || counts[0] != 2 || counts[1] != 2 {
		t.Errorf("days %v counts %v", days, counts)
	}
	if r := a.ReturnDays(0); len(r) != 1 || r[0] != d2 {
		t.Errorf("return days %v", r)
	}
	if at, ok := a.Anchor(0); !ok || at != mustTime(t, "2024-01-02T10:00:00Z") {
		t.Errorf("anchor %v %v", at, ok)
	}
	if a.Finish(); a.FirstSeen[0] != mustTime(t, "2024-01-02T10:00:00Z") || len(a.ReturnSpans(0)) != 1 {
		t.Errorf("first seen / times")
	}
}

// Each user's days come out sorted and merged whatever order they finished
// in: late days, users merged by identity stitching, and days on both sides
// of 1970-01-01 (negative day numbers).
func TestActivityDaysMergeAndRemap(t *testing.T) {
	a := NewActivity(ActivityConfig{})
	a.NewName(0, "view", false)
	const day = int64(86400 * 1e9)
	ev := func(u int32, d int64, n int) {
		for range n {
			a.Event(u, 0, d*day+3600e9)
		}
	}
	ev(0, 10, 2)
	ev(1, 12, 1)
	ev(2, -1, 1)
	ev(0, 11, 1)
	ev(2, 0, 3)
	ev(1, 10, 1) // late
	ev(0, 9, 1)  // late
	ev(2, 1, 1)
	ev(3, 11, 4)
	ev(1, 14, 1)
	a.Remap([]int32{0, 1, 2, 0}, 3) // user 3 is user 0
	type dc struct {
		d int32
		n uint16
	}
	want := [][]dc{
		{{9, 1}, {10, 2}, {11, 5}},
		{{10, 1}, {12, 1}, {14, 1}},
		{{-1, 1}, {0, 3}, {1, 1}},
	}
	for u, w := range want {
		days, counts := a.ActiveDays(u)
		var got []dc
		for i := range days {
			got = append(got, dc{days[i], counts[i]})
		}
		if !slices.Equal(got, w) {
			t.Errorf("user %d: days %v, want %v", u, got, w)
		}
		if r := a.ReturnDays(u); !slices.Equal(r, days) {
			t.Errorf("user %d: return days %v, want the active days %v", u, r, days)
		}
	}
	if a.Users != 3 || a.FirstSeen[0] != 9*day+3600e9 {
		t.Errorf("users %d, first seen %v", a.Users, a.FirstSeen)
	}
}

// Recurring cohorts' start periods are in the activity's zone, whatever
// zone the calendar was given (metrics ask for it before the zone is
// known): 2024-03-01T03:00Z is still February in New York.
func TestActivityStartPeriodsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	local := Calendar{Period: Month, Loc: ny}
	for _, loc := range []*time.Location{nil, time.UTC} {
		given := Calendar{Period: Month, Loc: loc}
		a := NewActivity(ActivityConfig{Loc: ny, StartPeriods: &given})
		a.NewName(0, "start", false)
		feb, mar := mustTime(t, "2024-03-01T03:00:00Z"), mustTime(t, "2024-03-15T12:00:00Z")
		a.Event(0, 0, feb)
		a.Event(0, 0, mar)
		got := a.StartsByPeriod(0)
		if len(got) != 2 || got[local.Index(feb)] != feb || got[local.Index(mar)] != mar {
			t.Errorf("calendar in %v: starts by period %v, want February and March in New York", loc, got)
		}
		if given.Loc != loc {
			t.Errorf("calendar in %v: NewActivity changed the caller's calendar to %v", loc, given.Loc)
		}
	}
}

// Where daylight saving skips midnight (São Paulo, 2018-11-04: 00:00 →
// 01:00) the day starts at 01:00 and is labelled with its own date; it
// was labelled 2018-11-03, the day before, and numbered as that day.
func TestSkippedMidnight(t *testing.T) {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2018, 11, 4, 12, 0, 0, 0, sp).UnixNano()
	day := Calendar{Period: Day, Loc: sp}
	s := day.Start(noon)
	if got := day.Label(s); got != "2018-11-04" {
		t.Errorf("label %s, want 2018-11-04", got)
	}
	if want := time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC); !s.Equal(want) {
		t.Errorf("start %s, want %s (01:00 local)", s, want)
	}
	if h := day.Next(s).Sub(s); h != 23*time.Hour {
		t.Errorf("2018-11-04 lasts %s, want 23h", h)
	}
	prev := day.Index(time.Date(2018, 11, 3, 12, 0, 0, 0, sp).UnixNano())
	if k := day.Index(noon); k != prev+1 || !day.PeriodStart(k).Equal(s) {
		t.Errorf("index %d after %d, start %s", k, prev, day.PeriodStart(k))
	}
	dc := dayCache{loc: sp}
	if d := dc.index(noon); int(d) != prev+1 {
		t.Errorf("dayCache %d, want %d", d, prev+1)
	}
	week := Calendar{Period: Week, Loc: sp, WeekStart: time.Sunday} // the week of Sunday 11-04
	if got := week.Label(week.Start(noon)); got != "2018-11-04" {
		t.Errorf("week label %s", got)
	}
}
