package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// V14 — 250 signups, 200 started; steps reached 180 → 150 → 120.
func TestOnboardingV14(t *testing.T) {
	var rows []string
	for i := 0; i < 250; i++ {
		u := fmt.Sprintf("u%03d", i)
		rows = append(rows, u+" signup 2024-01-01T00:00:00Z")
		steps := []string{"start", "profile", "project", "done"}
		reach := 0
		switch {
		case i < 120:
			reach = 4
		case i < 150:
			reach = 3
		case i < 180:
			reach = 2
		case i < 200:
			reach = 1
		}
		for j := 0; j < reach; j++ {
			rows = append(rows, fmt.Sprintf("%s %s 2024-01-01T0%d:00:00Z", u, steps[j], j+1))
		}
	}
	l := logOf(t, rows...)
	p := OnboardingParams{Steps: []string{"start", "profile", "project", "done"}, Window: Window{Length: days(7)},
		Anchor: Anchor{Event: "signup"}, Range: Range{AsOf: mustTime(t, "2024-02-01")}, Level: 0.95}
	r := Onboarding(l, l.AllUsers(), p)
	if r.Completion.Numerator != 120 || r.Completion.Denominator != 200 {
		t.Fatalf("completion %d/%d", r.Completion.Numerator, r.Completion.Denominator)
	}
	check(t, "completion low", r.Completion.CI.Low, 0.530836720392620, 1e-9)
	check(t, "completion high", r.Completion.CI.High, 0.665394214331927, 1e-9)
	check(t, "completion_of_signups", r.CompletionOfSignups.Rate(), 0.48, 1e-12)
	wantUsers := []int64{200, 180, 150, 120}
	wantStart := []float64{1, 0.9, 0.75, 0.6}
	wantPrev := []float64{0, 0.9, 0.833333333333333, 0.8}
	wantDrop := []int64{0, 20, 30, 30}
	wantDropPct := []float64{0, 0.1, 0.166666666666667, 0.2}
	for j, s := range r.Steps {
		if s.Users != wantUsers[j] || s.Dropoff != wantDrop[j] {
			t.Errorf("step %d users %d dropoff %d", j, s.Users, s.Dropoff)
		}
		check(t, "pct_of_start", *s.PctOfStart, wantStart[j], 1e-12)
		if j > 0 {
			check(t, "pct_of_previous", *s.PctOfPrevious, wantPrev[j], 1e-12)
			check(t, "dropoff_pct", *s.DropoffPct, wantDropPct[j], 1e-12)
			check(t, "median gap", *s.MedianSecondsFromPrevious, 3600, 0)
		}
	}
	// --denominator signups puts the signups first
	p.Signups = true
	r = Onboarding(l, l.AllUsers(), p)
	if r.Steps[0].Event != "signup" || r.Steps[0].Users != 250 || r.Steps[4].Users != 120 || r.Completion.Denominator != 200 {
		t.Errorf("signups steps %+v", r.Steps)
	}
}

func TestOnboardingWindowAndCensoring(t *testing.T) {
	l := logOf(t,
		"a start 2024-01-01T00:00:00Z", "a mid 2024-01-02T00:00:00Z", "a done 2024-01-08T00:00:00Z", // done at exactly +7d counts
		"b start 2024-01-01T00:00:00Z", "b done 2024-01-02T00:00:00Z", "b mid 2024-01-03T00:00:00Z", // done before mid: ordered says no
		"c start 2024-01-01T00:00:00Z", "c mid 2024-01-02T00:00:00Z", "c done 2024-01-08T00:00:01Z", // one second late
		"d start 2024-01-09T00:00:00Z", "d mid 2024-01-09T01:00:00Z", "d done 2024-01-09T02:00:00Z", // censored: window open
		"e done 2024-01-02T00:00:00Z",                                                                                               // never started
		"f start 2023-12-01T00:00:00Z", "f start 2024-01-01T00:00:00Z", "f mid 2024-01-01T01:00:00Z", "f done 2024-01-01T02:00:00Z", // anchored on its first start
	)
	p := OnboardingParams{Steps: []string{"start", "mid", "done"}, Window: Window{Length: days(7)}, Range: Range{AsOf: mustTime(t, "2024-01-15")}, Level: 0.95}
	r := Onboarding(l, l.AllUsers(), p)
	if got := []int64{r.Steps[0].Users, r.Steps[1].Users, r.Steps[2].Users}; !cmp.Equal(got, []int64{4, 3, 1}) {
		t.Errorf("ordered step users %v, want [4 3 1]", got)
	}
	if r.Excluded.Censored != 1 || r.Excluded.CompletedWithoutStart != 1 {
		t.Errorf("excluded %+v", r.Excluded)
	}
	p.Order = Any
	r = Onboarding(l, l.AllUsers(), p)
	if got := []int64{r.Steps[0].Users, r.Steps[1].Users, r.Steps[2].Users}; !cmp.Equal(got, []int64{4, 3, 2}) {
		t.Errorf("any-order step users %v, want [4 3 2] (b's done counts in any order)", got)
	}
}

func funnelUsers(r FunnelResult) []int64 {
	var out []int64
	for _, s := range r.Steps {
		out = append(out, s.Users)
	}
	return out
}

func TestFunnelOrders(t *testing.T) {
	l := logOf(t,
		// a: A B C in order, with noise in between
		"a A 2024-01-01T00:00:00Z", "a x 2024-01-01T00:01:00Z", "a B 2024-01-01T00:02:00Z", "a C 2024-01-01T00:03:00Z",
		// b: A B C back to back (strict passes)
		"b A 2024-01-01T00:00:00Z", "b B 2024-01-01T00:00:30Z", "b C 2024-01-01T00:01:30Z",
		// c: C then B then A: only any-order completes
		"c C 2024-01-01T00:00:00Z", "c B 2024-01-01T00:01:00Z", "c A 2024-01-01T00:02:00Z",
		// d: equal timestamps count as in order, even written B first
		"d B 2024-01-01T00:00:00Z", "d A 2024-01-01T00:00:00Z", "d C 2024-01-01T00:00:00Z",
	)
	base := FunnelParams{Steps: []string{"A", "B", "C"}, Window: Window{Length: days(1)}, Range: Range{AsOf: mustTime(t, "2024-02-01")}, Level: 0.95}
	for _, tt := range []struct {
		order Order
		want  []int64
	}{
		{Ordered, []int64{4, 3, 3}}, // c: A is last, nothing follows
		{Strict, []int64{4, 1, 1}},  // only b: a has x between A and B; d's next event after A is C (input order B, A, C)
		{Any, []int64{4, 4, 4}},
	} {
		p := base
		p.Order = tt.order
		r := Funnel(l, l.AllUsers(), p)
		if got := funnelUsers(r); !cmp.Equal(got, tt.want) {
			t.Errorf("%s: users %v, want %v", tt.order, got, tt.want)
		}
	}
	r := Funnel(l, l.AllUsers(), base)
	// gaps A→B: a 120 s, b 30 s, d 0 s → avg 50, median 30
	check(t, "avg A→B", *r.Steps[1].AvgSecondsFromPrevious, 50, 1e-12)
	check(t, "median A→B", *r.Steps[1].MedianSecondsFromPrevious, 30, 1e-12)
	if r.Steps[2].Event != "C" || !cmp.Equal(r.Conversion.Numerator, int64(3)) {
		t.Errorf("conversion %+v", r.Conversion)
	}
	p := base
	p.Order = Any
	if r := Funnel(l, l.AllUsers(), p); r.Steps[1].Event != "any 2 of 3" {
		t.Errorf("any-order label %q", r.Steps[1].Event)
	}
}

func TestFunnelAttemptsAndWindow(t *testing.T) {
	l := logOf(t,
		// a: first attempt stalls at B; a later attempt completes → counted once, at C
		"a A 2024-01-01T00:00:00Z", "a B 2024-01-01T01:00:00Z", "a A 2024-01-05T00:00:00Z", "a B 2024-01-05T01:00:00Z", "a C 2024-01-05T02:00:00Z",
		// b: C arrives exactly at the window end (inclusive)
		"b A 2024-01-01T00:00:00Z", "b B 2024-01-01T12:00:00Z", "b C 2024-01-02T00:00:00Z",
		// c: C one second too late
		"c A 2024-01-01T00:00:00Z", "c B 2024-01-01T12:00:00Z", "c C 2024-01-02T00:00:01Z",
		// d: repeated steps A A: needs two distinct A events
		"d A 2024-01-01T00:00:00Z",
		// e: enters after --to: not in the funnel
		"e A 2024-01-20T00:00:00Z", "e B 2024-01-20T00:10:00Z", "e C 2024-01-20T00:20:00Z",
		// f: its only entry's window is still open at as_of: censored
		"f A 2024-01-31T12:00:00Z",
	)
	p := FunnelParams{Steps: []string{"A", "B", "C"}, Window: Window{Length: days(1)},
		Range: Range{To: ptrTime(t, "2024-01-10"), AsOf: mustTime(t, "2024-02-01")}, Level: 0.95}
	r := Funnel(l, l.AllUsers(), p)
	if got := funnelUsers(r); !cmp.Equal(got, []int64{4, 3, 2}) {
		t.Errorf("users %v, want [4 3 2]", got)
	}
	p.Range.To = nil
	r = Funnel(l, l.AllUsers(), p)
	if got := funnelUsers(r); !cmp.Equal(got, []int64{5, 4, 3}) || r.Excluded.Censored != 1 {
		t.Errorf("without --to: users %v censored %d, want [5 4 3] and 1", got, r.Excluded.Censored)
	}
	p.Steps = []string{"A", "A"}
	p.Range.To = ptrTime(t, "2024-01-10")
	r = Funnel(l, l.AllUsers(), p)
	if got := funnelUsers(r); !cmp.Equal(got, []int64{4, 0}) {
		t.Errorf("repeated steps: users %v, want [4 0]: a's two As are 4 days apart, d has one", got)
	}
	// a repeated step needs a second, distinct event; one at the same instant counts
	l2 := logOf(t, "g A 2024-01-02T00:00:00Z", "g A 2024-01-02T00:00:00Z", "h A 2024-01-02T00:00:00Z", "h A 2024-01-02T23:00:00Z", "i A 2024-01-02T00:00:00Z")
	if got := funnelUsers(Funnel(l2, l2.AllUsers(), p)); !cmp.Equal(got, []int64{3, 2}) {
		t.Errorf("repeated steps: users %v, want [3 2]", got)
	}
}

func TestFunnelExclusions(t *testing.T) {
	l := logOf(t,
		// a: X between A and B spoils A→B (the default: whole funnel)
		"a A 2024-01-01T00:00:00Z", "a X 2024-01-01T00:30:00Z", "a B 2024-01-01T01:00:00Z", "a C 2024-01-01T02:00:00Z",
		// b: X between B and C
		"b A 2024-01-01T00:00:00Z", "b B 2024-01-01T01:00:00Z", "b X 2024-01-01T01:30:00Z", "b C 2024-01-01T02:00:00Z",
		// c: stops at B; X after B but inside the window: the window end stands in for C
		"c A 2024-01-01T00:00:00Z", "c B 2024-01-01T01:00:00Z", "c X 2024-01-01T05:00:00Z",
		// d: clean
		"d A 2024-01-01T00:00:00Z", "d B 2024-01-01T01:00:00Z", "d C 2024-01-01T02:00:00Z",
		// e: X outside the window after reaching B: clean at B
		"e A 2024-01-01T00:00:00Z", "e B 2024-01-01T01:00:00Z", "e X 2024-01-03T00:00:00Z",
	)
	base := FunnelParams{Steps: []string{"A", "B", "C"}, Window: Window{Length: days(1)}, Range: Range{AsOf: mustTime(t, "2024-02-01")}, Level: 0.95}
	for _, tt := range []struct {
		ex      Exclusion
		want    []int64
		spoiled int64
	}{
		{Exclusion{"X", 1, 3}, []int64{2, 2, 1}, 3}, // a, b, c spoiled; d and e remain
		{Exclusion{"X", 2, 3}, []int64{3, 3, 2}, 2}, // b, c spoiled
		{Exclusion{"X", 1, 2}, []int64{4, 4, 2}, 1}, // a spoiled; b and d complete, c and e stop at B
		{Exclusion{"Y", 1, 3}, []int64{5, 5, 3}, 0}, // an event that never happens
	} {
		p := base
		p.Exclusions = []Exclusion{tt.ex}
		r := Funnel(l, l.AllUsers(), p)
		if got := funnelUsers(r); !cmp.Equal(got, tt.want) || r.Excluded.Exclusions != tt.spoiled {
			t.Errorf("%+v: users %v spoiled %d, want %v %d", tt.ex, got, r.Excluded.Exclusions, tt.want, tt.spoiled)
		}
	}
}

// Cohort rows bucket entries by calendar period in the report zone.
func TestFunnelCohortsInZone(t *testing.T) {
	l := logOf(t,
		"a A 2024-03-11T06:30:00Z", "a B 2024-03-11T07:00:00Z", // 2024-03-10 23:30 in Los Angeles (V20)
		"b A 2024-03-11T12:00:00Z",
	)
	la, _ := time.LoadLocation("America/Los_Angeles")
	cal := Calendar{Period: Day, Loc: la}
	r := Funnel(l, l.AllUsers(), FunnelParams{Steps: []string{"A", "B"}, Window: Window{Length: days(1)},
		Range: Range{AsOf: mustTime(t, "2024-04-01")}, Level: 0.95, Cohorts: &cal})
	if len(r.Cohorts) != 2 || r.Cohorts[0].Cohort != "2024-03-10" || r.Cohorts[0].Conversion.Numerator != 1 || r.Cohorts[1].Cohort != "2024-03-11" {
		t.Errorf("cohorts %+v", r.Cohorts)
	}
}
