package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// logProp is logOf with a fourth field per row: the value of property prop
// on that event ("-" for none). Each user's rows must be in time order.
func logProp(t *testing.T, prop string, rows ...string) *Log {
	t.Helper()
	var plain, vals []string
	for _, r := range rows {
		f := strings.Fields(r)
		v := ""
		if len(f) == 4 && f[3] != "-" {
			v = f[3]
		}
		plain, vals = append(plain, strings.Join(f[:3], " ")), append(vals, v)
	}
	l := logOf(t, plain...)
	var events []Event
	for u := range l.Users {
		ts, ns := l.Events(int32(u))
		for i := range ts {
			events = append(events, Event{Time: ts[i], User: int32(u), Name: ns[i]})
		}
	}
	// logOf keeps each user's rows in order; rebuild with the values in
	// the same (user, time) order
	byUser := map[string][]string{}
	for i, r := range plain {
		u := strings.Fields(r)[0]
		byUser[u] = append(byUser[u], vals[i])
	}
	var props []string
	for _, u := range l.Users {
		props = append(props, byUser[u]...)
	}
	return NewLogDetails(l.Users, l.Names, events, l.FirstSeen, &Details{Props: map[string][]string{prop: props}})
}

func ticketsP(t *testing.T) TicketsParams {
	return TicketsParams{TicketEvent: "ticket", StartEvent: "start", Window: Window{Length: days(14)},
		Range: Range{AsOf: mustTime(t, "2024-03-01")}, Level: 0.95}
}

// V19 — 46 tickets from 30 distinct users among 200 onboarding users.
func TestTicketsV19(t *testing.T) {
	var rows []string
	for i := 0; i < 200; i++ {
		rows = append(rows, fmt.Sprintf("u%03d start 2024-01-01", i))
		switch {
		case i < 16: // 16 users with 2 tickets
			rows = append(rows, fmt.Sprintf("u%03d ticket 2024-01-02", i), fmt.Sprintf("u%03d ticket 2024-01-05", i))
		case i < 30: // 14 with 1
			rows = append(rows, fmt.Sprintf("u%03d ticket 2024-01-03", i))
		}
	}
	l := logOf(t, rows...)
	r := Tickets(l, l.AllUsers(), ticketsP(t))
	if r.Users != 200 || r.Tickets != 46 || r.PctUsersWithTicket.Numerator != 30 || r.TicketsPer100Users == nil || *r.TicketsPer100Users != 23 {
		t.Fatalf("%+v", r)
	}
	check(t, "pct", *r.PctUsersWithTicket.Value, 0.15, 1e-15)
	check(t, "low", r.PctUsersWithTicket.CI.Low, 0.10713593562242, 1e-12)
	check(t, "high", r.PctUsersWithTicket.CI.High, 0.206055792841667, 1e-12)
}

func TestTicketsWindowAndIDs(t *testing.T) {
	rows := []string{
		"a ticket 2023-12-31T00:00:00Z t0",                                 // before the start: not counted
		"a start 2024-01-01T00:00:00Z -", "a start 2024-01-03T00:00:00Z -", // the first start counts
		"a ticket 2024-01-15T00:00:00Z t1",                                   // exactly +14d: counts
		"a ticket 2024-01-15T00:00:01Z t2",                                   // 1 s late
		"b ticket 2024-01-10T00:00:00Z t3", "b start 2024-01-10T00:00:00Z -", // same instant as the start: counts
		"b ticket 2024-01-11T00:00:00Z t3",                                   // t3 again: one ticket
		"b ticket 2024-01-12T00:00:00Z -",                                    // no id: a ticket of its own
		"c start 2024-02-20T00:00:00Z -", "c ticket 2024-02-21T00:00:00Z t4", // censored (ends 03-05 > as_of)
		"d start 2024-02-16T00:00:00Z -",                                     // window ends at as_of exactly: counted, no ticket
		"e ticket 2024-01-05T00:00:00Z t5",                                   // never started
		"f start 2023-12-20T00:00:00Z -", "f ticket 2023-12-21T00:00:00Z t6", // before --from
	}
	from := ptrTime(t, "2024-01-01")
	for _, tt := range []struct {
		name       string
		col        string
		from       *int64
		users, tix int64
		with, dups int64
		censored   int64
		started    int64
		per100     float64
	}{
		{"ids", "tid", from, 3, 3, 2, 1, 1, 4, 100},       // a: t1; b: t3, no-id; d: none
		{"no ids", "", from, 3, 4, 2, 0, 1, 4, 400.0 / 3}, // b's t3 counts twice
		{"all", "tid", nil, 4, 4, 3, 1, 1, 5, 100},        // f's t6 too
	} {
		p := ticketsP(t)
		p.TicketCol, p.Range.From = tt.col, tt.from
		l := logProp(t, "tid", rows...)
		r := Tickets(l, l.AllUsers(), p)
		if r.Users != tt.users || r.Tickets != tt.tix || r.PctUsersWithTicket.Numerator != tt.with || r.Excluded.Duplicates != tt.dups ||
			r.Excluded.Censored != tt.censored || r.Started != tt.started || r.TicketsPer100Users == nil {
			t.Errorf("%s: %+v", tt.name, r)
			continue
		}
		check(t, tt.name+" per 100", *r.TicketsPer100Users, tt.per100, 1e-12)
	}
}

func TestTicketsEmpty(t *testing.T) {
	l := logOf(t, "a ticket 2024-01-01", "b start 2024-02-28")
	r := Tickets(l, l.AllUsers(), ticketsP(t))
	if r.Users != 0 || r.TicketsPer100Users != nil || r.PctUsersWithTicket.Value != nil || r.Excluded.Censored != 1 {
		t.Errorf("%+v", r)
	}
}

// --cohort-period: the figures per month of onboarding start, each the
// Tickets of that month's starters; a cohort with a censored user is
// incomplete.
func TestTicketsCohorts(t *testing.T) {
	l := logOf(t,
		"a start 2024-01-10", "a ticket 2024-01-11", "a ticket 2024-01-20",
		"b start 2024-01-31T23:00:00Z", "b ticket 2024-02-01",
		"c start 2024-02-05",
		"d start 2024-02-20", "d ticket 2024-02-21", // window ends 03-05, after as_of 03-01
		"e ticket 2024-02-02", // never started
	)
	p := ticketsP(t)
	cal := NewCalendar(Month, "monday", time.UTC)
	got := ticketCohorts(l, l.AllUsers(), p, &cal)
	want := []string{"2024-01 users 2 tickets 3 with 2 censored 0 complete", "2024-02 users 1 tickets 0 with 0 censored 1 incomplete"}
	if len(got) != len(want) {
		t.Fatalf("%d cohorts: %+v", len(got), got)
	}
	for i, c := range got {
		if s := fmt.Sprintf("%s users %d tickets %d with %d censored %d %s", c.Cohort, c.Users, c.Tickets, c.PctUsersWithTicket.Numerator, c.Censored, c.Status); s != want[i] {
			t.Errorf("cohort %d: %s, want %s", i, s, want[i])
		}
	}
	if got := ticketCohorts(l, l.AllUsers(), p, nil); got == nil || len(got) != 0 {
		t.Errorf("without a calendar: %v, want []", got)
	}
}
