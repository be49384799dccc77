package metrics

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// trendsRun builds the event-period summary of rows "user event time" (in
// the given order: late events stay late) for periods of cal in loc.
func trendsRun(t *testing.T, cal Calendar, loc *time.Location, asOf string, rows ...string) *Run {
	t.Helper()
	ep := NewEventPeriods(cal, loc)
	uid, nid := map[string]int32{}, map[string]int32{}
	var ids []string
	for _, r := range rows {
		f := strings.Fields(r)
		u, ok := uid[f[0]]
		if !ok {
			u = int32(len(uid))
			uid[f[0]] = u
			ids = append(ids, f[0])
		}
		n, ok := nid[f[1]]
		if !ok {
			n = int32(len(nid))
			nid[f[1]] = n
			ep.NewName(n, f[1], strings.HasPrefix(f[1], "$"))
		}
		ep.Event(u, n, mustTime(t, f[2]))
	}
	ep.Finish()
	return &Run{Summary: ep, Loc: loc, Range: Range{AsOf: mustTime(t, asOf)}, Level: 0.95, UserIDs: ids}
}

// point writes a series point "period event events/users" (+ "*" when
// incomplete).
func point(p TrendPoint) string {
	s := fmt.Sprintf("%s %s %d/%d", p.Period, p.Event, p.Events, p.Users)
	if !p.Complete {
		s += "*"
	}
	return s
}

func points(x TrendsResult) []string {
	var out []string
	for _, p := range x.Series {
		out = append(out, point(p))
	}
	return out
}

// Days in America/Los_Angeles, across the start of daylight saving time
// (2024-03-10 lasts 23 h): a UTC day would put the signup on 03-09 and the
// view at 06:30Z on 03-11. Days without events are zeros; the day as_of
// cuts is incomplete; internal events are never among the top ones.
func TestTrendsLocalDays(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	rows := []string{
		"u1 signup 2024-03-09T07:30:00Z", // 03-08 23:30 PST
		"u1 view 2024-03-09T08:30:00Z",   // 03-09 00:30 PST
		"u2 view 2024-03-09T20:00:00Z",
		"u2 view 2024-03-09T21:00:00Z",
		"u1 view 2024-03-11T06:30:00Z", // 03-10 23:30 PDT
		"u2 view 2024-03-11T07:30:00Z", // 03-11 00:30 PDT
		"u1 view 2024-03-13T12:00:00Z", // 03-12 has nothing
		"u1 $identify 2024-03-09T08:00:00Z",
		"u2 $identify 2024-03-09T20:00:00Z",
		"u2 $identify 2024-03-11T07:00:00Z",
		"u2 $identify 2024-03-11T07:10:00Z",
	}
	cal := NewCalendar(Day, "monday", la)
	r := trendsRun(t, cal, la, "2024-03-13T20:00:00Z", rows...) // 03-13 13:00 PDT
	for _, tt := range []struct {
		name  string
		s     TrendsSettings
		users []int32
		want  []string
		total []TrendEvent
	}{
		{"top 10", TrendsSettings{Top: 10}, []int32{0, 1}, []string{
			"2024-03-08 view 0/0", "2024-03-09 view 3/2", "2024-03-10 view 1/1", "2024-03-11 view 1/1", "2024-03-12 view 0/0", "2024-03-13 view 1/1*",
			"2024-03-08 signup 1/1", "2024-03-09 signup 0/0", "2024-03-10 signup 0/0", "2024-03-11 signup 0/0", "2024-03-12 signup 0/0", "2024-03-13 signup 0/0*",
		}, []TrendEvent{{"view", 6, 2}, {"signup", 1, 1}}},
		{"top 1, segment u2", TrendsSettings{Top: 1}, []int32{1}, []string{
			"2024-03-08 view 0/0", "2024-03-09 view 2/1", "2024-03-10 view 0/0", "2024-03-11 view 1/1", "2024-03-12 view 0/0", "2024-03-13 view 0/0*",
		}, []TrendEvent{{"view", 3, 1}}},
		{"given, one missing", TrendsSettings{Events: []string{"$identify", "nope"}}, []int32{0, 1}, []string{
			"2024-03-08 $identify 0/0", "2024-03-09 $identify 2/2", "2024-03-10 $identify 0/0", "2024-03-11 $identify 2/1", "2024-03-12 $identify 0/0", "2024-03-13 $identify 0/0*",
			"2024-03-08 nope 0/0", "2024-03-09 nope 0/0", "2024-03-10 nope 0/0", "2024-03-11 nope 0/0", "2024-03-12 nope 0/0", "2024-03-13 nope 0/0*",
		}, []TrendEvent{{"$identify", 4, 2}, {"nope", 0, 0}}},
	} {
		got := Trends(r, &tt.s, tt.users, nil)
		if !slices.Equal(points(got), tt.want) {
			t.Errorf("%s: series\n%q\nwant\n%q", tt.name, points(got), tt.want)
		}
		if !slices.Equal(got.Events, tt.total) {
			t.Errorf("%s: totals %v, want %v", tt.name, got.Events, tt.total)
		}
	}
}

// Weeks from Sunday in Los Angeles, and which periods the range lists: a
// period is listed when it starts in [from, to) and before as_of; without
// --from, from the first event's; it is complete when it ends by as_of
// (exactly at as_of counts) and starts at or after --since.
func TestTrendsPeriodsAndRange(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	rows := []string{
		"u1 view 2024-03-09T08:30:00Z", // Sat 03-09 PST: week of Sun 03-03
		"u2 view 2024-03-09T20:00:00Z",
		"u2 view 2024-03-09T21:00:00Z",
		"u1 view 2024-03-11T06:30:00Z", // Sun 03-10 PDT: week of 03-10
		"u2 view 2024-03-11T07:30:00Z",
		"u1 view 2024-03-13T12:00:00Z",
	}
	lt := func(s string) *int64 { v := mustTime(t, s); return &v }
	for _, tt := range []struct {
		name   string
		cal    Calendar
		asOf   string
		from   *int64
		to     *int64
		since  *int64
		want   []string
		events int64
		given  []string // --event (default: the top 10 in the range)
	}{
		{"sunday weeks", NewCalendar(Week, "sunday", la), "2024-03-13T20:00:00Z", nil, nil, nil,
			[]string{"2024-03-03 view 3/2", "2024-03-10 view 3/2*"}, 6, nil},
		{"monday weeks", NewCalendar(Week, "monday", la), "2024-03-13T20:00:00Z", nil, nil, nil,
			[]string{"2024-03-04 view 4/2", "2024-03-11 view 2/2*"}, 6, nil},
		{"as_of exactly at the week's end", NewCalendar(Week, "sunday", la), "2024-03-17T00:00:00-07:00", nil, nil, nil,
			[]string{"2024-03-03 view 3/2", "2024-03-10 view 3/2"}, 6, nil},
		{"as_of 1 ns later starts a week", NewCalendar(Week, "sunday", la), "2024-03-17T00:00:00.000000001-07:00", nil, nil, nil,
			[]string{"2024-03-03 view 3/2", "2024-03-10 view 3/2", "2024-03-17 view 0/0*"}, 6, nil},
		{"from, to at local midnights", NewCalendar(Day, "monday", la), "2024-03-13T20:00:00Z", lt("2024-03-09T00:00:00-08:00"), lt("2024-03-11T00:00:00-07:00"), nil,
			[]string{"2024-03-09 view 3/2", "2024-03-10 view 1/1"}, 4, nil},
		{"from inside a day lists the next", NewCalendar(Day, "monday", la), "2024-03-13T20:00:00Z", lt("2024-03-09T12:00:00-08:00"), lt("2024-03-11T00:00:00-07:00"), nil,
			[]string{"2024-03-10 view 1/1"}, 1, nil},
		{"since cuts the first week", NewCalendar(Week, "sunday", la), "2024-03-13T20:00:00Z", nil, nil, lt("2024-03-09T00:00:00Z"),
			[]string{"2024-03-03 view 3/2*", "2024-03-10 view 3/2*"}, 6, nil},
		{"to before the data", NewCalendar(Day, "monday", la), "2024-03-13T20:00:00Z", lt("2024-01-01T00:00:00Z"), lt("2024-01-02T00:00:00Z"), nil,
			[]string{"2024-01-01 view 0/0"}, 0, []string{"view"}}, // from is 12-31 16:00 in LA: that day starts before it
		{"no event in the range: no top event", NewCalendar(Day, "monday", la), "2024-03-13T20:00:00Z", lt("2024-01-01T00:00:00Z"), lt("2024-01-02T00:00:00Z"), nil,
			nil, -1, nil},
	} {
		r := trendsRun(t, tt.cal, la, tt.asOf, rows...)
		r.Range.From, r.Range.To, r.Since = tt.from, tt.to, tt.since
		got := Trends(r, &TrendsSettings{Top: 10, Events: tt.given}, []int32{0, 1}, nil)
		if !slices.Equal(points(got), tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, points(got), tt.want)
		}
		if tt.events < 0 {
			if len(got.Events) != 0 {
				t.Errorf("%s: events %v, want none", tt.name, got.Events)
			}
			continue
		}
		if got.Events[0].Events != tt.events {
			t.Errorf("%s: %d events in the range, want %d", tt.name, got.Events[0].Events, tt.events)
		}
	}
}

// Counts past an entry's capacity, events out of order and users merged
// by identity stitching keep the figures exact: events add up, and a user
// counts once per period and event however many entries hold them.
func TestEventPeriodsExact(t *testing.T) {
	cal := NewCalendar(Month, "monday", time.UTC)
	ep := NewEventPeriods(cal, time.UTC)
	ep.NewName(0, "view", false)
	ep.NewName(1, "buy", false)
	march := mustTime(t, "2024-03-05T00:00:00Z")
	april := mustTime(t, "2024-04-05T00:00:00Z")
	var evs []Event
	for i := 0; i < 5000; i++ { // u0: 5000 views in March (more than an entry holds), an April view and a buy among them
		evs = append(evs, Event{Time: march + int64(i), User: 0, Name: 0})
		if i == 4500 {
			evs = append(evs, Event{Time: april, User: 0, Name: 0}, Event{Time: march, User: 0, Name: 1})
		}
	}
	evs = append(evs, Event{Time: march, User: 1, Name: 0}, Event{Time: april, User: 2, Name: 1})
	ep.Events(evs[:100]) // through the counting goroutine, in two batches
	ep.Events(evs[100:])
	ep.Remap([]int32{0, 1, 1}, 2) // users 1 and 2 are one person
	ep.Finish()
	r := &Run{Summary: ep, Loc: time.UTC, Range: Range{AsOf: mustTime(t, "2024-05-01T00:00:00Z")}, Level: 0.95}
	got := Trends(r, &TrendsSettings{Top: 10}, []int32{0, 1}, nil)
	want := []string{"2024-03 view 5001/2", "2024-04 view 1/1", "2024-03 buy 1/1", "2024-04 buy 1/1"}
	if !slices.Equal(points(got), want) {
		t.Errorf("%q, want %q", points(got), want)
	}
	// the per-user rows behind them
	var rows []string
	Trends(r, &TrendsSettings{Top: 10}, []int32{0, 1}, func(u int32, period, event string, n int64) {
		rows = append(rows, fmt.Sprintf("%d %s %s %d", u, period, event, n))
	})
	wantRows := []string{"0 2024-03 view 5000", "0 2024-03 buy 1", "0 2024-04 view 1", "1 2024-03 view 1", "1 2024-04 buy 1"}
	if !slices.Equal(rows, wantRows) {
		t.Errorf("rows %q, want %q", rows, wantRows)
	}
}

// zoneDays agrees with the calendar's own day arithmetic every few hours
// across daylight-saving changes, in zones west and east of UTC, one with
// a half-hour offset.
func TestZoneDays(t *testing.T) {
	for _, name := range []string{"UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Adelaide", "Pacific/Kiritimati", "America/Sao_Paulo"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		z := zoneDays{loc: loc}
		dc := dayCache{loc: loc}
		for tm := time.Date(1969, 12, 25, 0, 0, 0, 0, time.UTC); tm.Year() < 2026; tm = tm.Add(187 * time.Minute) {
			ts := tm.UnixNano()
			got, lo, hi := z.span(ts)
			if want := dc.index(ts); got != want {
				t.Fatalf("%s %s: day %d, want %d", name, tm, got, want)
			}
			if lo > ts || ts >= hi || dc.index(lo) != got || dc.index(hi-1) != got || hi-lo > 25*3600e9 {
				t.Fatalf("%s %s: day %d spans [%s, %s)", name, tm, got, time.Unix(0, lo).In(loc), time.Unix(0, hi).In(loc))
			}
		}
	}
}
