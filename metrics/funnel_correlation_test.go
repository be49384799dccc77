package metrics

import (
	"fmt"
	"math"
	"testing"
)

// corrFunnel is a tiny funnel a → b within 1 day: u1 and u2 convert, u3,
// u4 and u5 drop off. S = 2, F = 3.
//
//	x: u1, u2 before converting; u4 in its window      s = 2, f = 1
//	   (u3's x at its window's very end does not count, nor u5's at its entry)
//	y: u3 and u5 in their windows; u1's y comes after   s = 0, f = 2
//	   its conversion and does not count
func corrFunnel(t *testing.T) *Log {
	return logOf(t,
		"u1 a 2024-01-01T00:00:00Z", "u1 x 2024-01-01T01:00:00Z", "u1 b 2024-01-01T02:00:00Z", "u1 y 2024-01-01T03:00:00Z",
		"u2 a 2024-01-01T00:00:00Z", "u2 x 2024-01-01T05:00:00Z", "u2 b 2024-01-01T06:00:00Z",
		"u3 a 2024-01-01T00:00:00Z", "u3 y 2024-01-01T01:00:00Z", "u3 x 2024-01-02T00:00:00Z",
		"u4 a 2024-01-01T00:00:00Z", "u4 x 2024-01-01T01:00:00Z",
		"u5 a 2024-01-01T00:00:00Z", "u5 x 2024-01-01T00:00:00Z", "u5 y 2024-01-01T12:00:00Z")
}

func corrParams(t *testing.T) FunnelParams {
	return FunnelParams{Steps: []string{"a", "b"}, Window: Window{Length: days(1)}, Order: Ordered,
		Range: Range{AsOf: mustTime(t, "2024-02-01")}, Level: 0.95}
}

// Hand-computed: x's odds ratio (3·3)/(1·2) = 4.5; Fisher's table
// [[2,0],[1,2]] has hypergeometric probabilities 0.1, 0.6, 0.3 for 0, 1, 2
// converters among the 3 who did x, so p = 0.3 + 0.1 = 0.4. y's ratio
// (1·2)/(3·3) = 2/9, probabilities 0.3, 0.6, 0.1 for 0, 1, 2: p = 0.4.
// Holm over the two: 2·0.4 = 0.8 for both.
func TestFunnelCorrelationHandComputed(t *testing.T) {
	l := corrFunnel(t)
	p := corrParams(t)
	p.Correlation = true
	r := Funnel(l, l.AllUsers(), p)
	tot := r.CorrelationTotals
	if tot == nil || tot.Success != 2 || tot.Failure != 3 || tot.Skewed || tot.EventsLeft != 0 {
		t.Fatalf("totals %+v", tot)
	}
	check(t, "min_users", tot.MinUsers, 0.1, 1e-12)
	rows := *r.Correlation
	want := []struct {
		event      string
		s, f       int64
		odds, p, q float64
		kind       string
	}{
		{"x", 2, 1, 4.5, 0.4, 0.8, "success"},
		{"y", 0, 2, 2.0 / 9, 0.4, 0.8, "failure"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, w := range want {
		g := rows[i]
		if g.Event != w.event || g.SuccessCount != w.s || g.FailureCount != w.f || g.CorrelationType != w.kind {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
			continue
		}
		check(t, w.event+" odds", g.OddsRatio, w.odds, 1e-12)
		check(t, w.event+" p", *g.PValue, w.p, 1e-9)
		check(t, w.event+" p_adjusted", *g.PAdjusted, w.q, 1e-9)
	}
	if r.PropertyCorrelation != nil {
		t.Error("property correlation without --correlation-props")
	}
	// without --correlation nothing is added
	if plain := Funnel(l, l.AllUsers(), corrParams(t)); plain.Correlation != nil || plain.CorrelationTotals != nil {
		t.Error("correlation without --correlation")
	}
}

// Property values: plan is pro for u1 and u2, free for u3 and u5, none
// for u4. pro: s 2, f 0, ratio 3·4/1 = 12, Fisher [[2,0],[0,3]] p = 0.1;
// free: s 0, f 2, ratio 2/9, p 0.4; "": s 0, f 1, ratio 3/6 = 0.5,
// probabilities 0.6 and 0.4, p = 1. Holm: 0.3, 0.8, 1.
func TestFunnelPropertyCorrelation(t *testing.T) {
	l := corrFunnel(t)
	p := corrParams(t)
	p.CorrelationProps = []string{"plan"}
	p.UserProps = map[string][]string{"plan": {"pro", "pro", "free", "", "free"}}
	r := Funnel(l, l.AllUsers(), p)
	if r.Correlation != nil {
		t.Error("event correlation without --correlation")
	}
	rows := *r.PropertyCorrelation
	want := []struct {
		value      string
		s, f       int64
		odds, p, q float64
	}{
		{"pro", 2, 0, 12, 0.1, 0.3},
		{"free", 0, 2, 2.0 / 9, 0.4, 0.8},
		{"", 0, 1, 0.5, 1, 1},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, w := range want {
		g := rows[i]
		if g.Property != "plan" || g.Value != w.value || g.Event != "plan::"+w.value || g.SuccessCount != w.s || g.FailureCount != w.f {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
			continue
		}
		check(t, w.value+" odds", g.OddsRatio, w.odds, 1e-12)
		check(t, w.value+" p", *g.PValue, w.p, 1e-9)
		check(t, w.value+" p_adjusted", *g.PAdjusted, w.q, 1e-9)
	}
}

// Rows with fewer than min(25, 2% of the users) are left out: of 100 users
// (50 convert), an event done by one user is below 2, one done by two is
// not; of 2000, the bar is 25.
func TestFunnelCorrelationThreshold(t *testing.T) {
	for _, tc := range []struct {
		users     int
		least     float64
		kept, out []string
	}{
		{100, 2, []string{"two"}, []string{"one"}},
		{2000, 25, []string{"twentyfive"}, []string{"one", "two", "twentyfour"}},
	} {
		var rows []string
		did := map[string]int{"one": 1, "two": 2, "twentyfour": 24, "twentyfive": 25}
		for i := 0; i < tc.users; i++ {
			u := fmt.Sprintf("u%04d", i)
			rows = append(rows, u+" a 2024-01-01T00:00:00Z")
			for e, n := range did {
				if i < n {
					rows = append(rows, u+" "+e+" 2024-01-01T01:00:00Z")
				}
			}
			if i%2 == 1 {
				rows = append(rows, u+" b 2024-01-01T02:00:00Z")
			}
		}
		l := logOf(t, rows...)
		p := corrParams(t)
		p.Correlation = true
		r := Funnel(l, l.AllUsers(), p)
		check(t, "min_users", r.CorrelationTotals.MinUsers, tc.least, 1e-12)
		got := map[string]bool{}
		for _, row := range *r.Correlation {
			got[row.Event] = true
		}
		for _, e := range tc.kept {
			if !got[e] {
				t.Errorf("%d users: %s left out", tc.users, e)
			}
		}
		for _, e := range tc.out {
			if got[e] {
				t.Errorf("%d users: %s kept", tc.users, e)
			}
		}
		if r.CorrelationTotals.EventsLeft != len(tc.out) {
			t.Errorf("%d users: events_left_out %d, want %d", tc.users, r.CorrelationTotals.EventsLeft, len(tc.out))
		}
	}
}

// Nobody converting leaves nothing to correlate (PostHog returns no rows);
// 1 against 11 is skewed.
func TestFunnelCorrelationOneSidedAndSkewed(t *testing.T) {
	var rows []string
	for i := 0; i < 12; i++ {
		u := fmt.Sprintf("u%02d", i)
		rows = append(rows, u+" a 2024-01-01T00:00:00Z", u+" x 2024-01-01T01:00:00Z")
	}
	l := logOf(t, rows...)
	p := corrParams(t)
	p.Correlation = true
	r := Funnel(l, l.AllUsers(), p)
	if len(*r.Correlation) != 0 || !hasWarning(r.Warnings, "correlation_one_sided") {
		t.Errorf("one-sided: %+v %+v", *r.Correlation, r.Warnings)
	}
	l = logOf(t, append(rows, "u00 b 2024-01-01T02:00:00Z")...)
	r = Funnel(l, l.AllUsers(), p)
	if !r.CorrelationTotals.Skewed || !hasWarning(r.Warnings, "correlation_skewed") {
		t.Errorf("skewed: %+v %+v", r.CorrelationTotals, r.Warnings)
	}
	// x: s 1 of 1, f 11 of 11: ratio (2·1)/(1·12) = 1/6, Fisher p = 1
	x := (*r.Correlation)[0]
	check(t, "odds", x.OddsRatio, 1.0/6, 1e-12)
	check(t, "p", *x.PValue, 1, 1e-12)
}

// Internal events and selector copies are no behaviour; the steps are
// never rows.
func TestFunnelCorrelationSkipsInternalAndSteps(t *testing.T) {
	l := corrFunnel(t)
	l.MarkInternal([]string{"y"})
	p := corrParams(t)
	p.Correlation = true
	r := Funnel(l, l.AllUsers(), p)
	for _, row := range *r.Correlation {
		if row.Event != "x" {
			t.Errorf("row %q", row.Event)
		}
	}
	if math.IsNaN((*r.Correlation)[0].OddsRatio) {
		t.Error("NaN")
	}
}
