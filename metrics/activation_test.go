package metrics

import (
	"testing"
	"time"
)

// V6 — activation with censoring and the inclusive window end.
func v6(t *testing.T) *Log {
	return logOf(t,
		"u1 signup 2024-03-01T10:00:00Z", "u1 activate 2024-03-03T09:00:00Z",
		"u2 signup 2024-03-01T12:00:00Z", "u2 activate 2024-03-08T12:00:00Z",
		"u3 signup 2024-03-02T00:00:00Z",
		"u4 signup 2024-03-02T08:00:00Z", "u4 activate 2024-03-02T09:00:00Z",
		"u5 signup 2024-03-04T00:00:00Z", "u5 activate 2024-03-05T00:00:00Z",
		"u6 signup 2024-03-05T00:00:00Z",
	)
}

func TestActivationV6(t *testing.T) {
	l := v6(t)
	asOf := mustTime(t, "2024-03-10T00:00:00Z")
	p := ActivationParams{Events: []string{"activate"}, Anchor: Anchor{Event: "signup"}, Window: Window{Length: days(7)},
		Range: Range{AsOf: asOf}, Level: 0.95}
	r := Activation(l, l.AllUsers(), p)
	if r.Rate.Numerator != 3 || r.Rate.Denominator != 4 || r.Excluded.Censored != 2 {
		t.Fatalf("7d: %d/%d censored %d, want 3/4 and 2", r.Rate.Numerator, r.Rate.Denominator, r.Excluded.Censored)
	}
	check(t, "7d low", r.Rate.CI.Low, 0.300641842582402, 1e-9)
	check(t, "7d high", r.Rate.CI.High, 0.954412739190300, 1e-9)
	p.Window.Length = 48 * time.Hour
	r = Activation(l, l.AllUsers(), p)
	if r.Rate.Numerator != 3 || r.Rate.Denominator != 6 || r.Excluded.Censored != 0 {
		t.Fatalf("48h: %d/%d censored %d, want 3/6 and 0", r.Rate.Numerator, r.Rate.Denominator, r.Excluded.Censored)
	}
	check(t, "48h low", r.Rate.CI.Low, 0.187616306482651, 1e-9)
	// TTV among the 48h activated: 47h (u1), 1h (u4), 24h (u5)
	if r.TTV.Reached != 3 || r.TTV.NotReached != 3 || *r.TTV.MedianSeconds != 24*3600 || *r.TTV.MinSeconds != 3600 {
		t.Errorf("ttv %+v", r.TTV)
	}
	check(t, "p25", *r.TTV.P25Seconds, 12.5*3600, 1e-12)
}

func TestActivationCriteria(t *testing.T) {
	l := logOf(t,
		"a signup 2024-01-01", "a report 2024-01-02", "a report 2024-01-03", "a invite 2024-01-04",
		"b signup 2024-01-01", "b report 2024-01-02", "b invite 2024-01-02",
		"c report 2023-12-31", "c signup 2024-01-01", "c report 2024-01-09",
		"d page 2024-01-01", "d report 2024-01-01",
	)
	asOf := mustTime(t, "2024-03-01")
	base := ActivationParams{Anchor: Anchor{Event: "signup"}, Window: Window{Length: days(7)}, Range: Range{AsOf: asOf}, Level: 0.95}
	for _, tt := range []struct {
		name    string
		events  []string
		k       int
		anchor  string
		x, n    int64
		before  int64
		noAnchr int64
	}{
		{"one event", []string{"report"}, 1, "signup", 2, 3, 1, 1}, // c's report before signup is ignored; d has no signup
		{"twice", []string{"report"}, 2, "signup", 1, 3, 1, 1},     // only a reported twice within 7d
		{"and", []string{"report", "invite"}, 1, "signup", 2, 3, 1, 1},
		{"and twice", []string{"report", "invite"}, 2, "signup", 0, 3, 1, 1},
		{"first seen", []string{"report"}, 1, "", 4, 4, 0, 0}, // c anchors on its 12-31 report itself (TTV 0); d on its page view
	} {
		p := base
		p.Events, p.MinCount, p.Anchor = tt.events, tt.k, Anchor{Event: tt.anchor}
		r := Activation(l, l.AllUsers(), p)
		if r.Rate.Numerator != tt.x || r.Rate.Denominator != tt.n || r.BeforeAnc != tt.before || r.NoAnchor != tt.noAnchr {
			t.Errorf("%s: %d/%d before %d no-anchor %d, want %d/%d %d %d", tt.name, r.Rate.Numerator, r.Rate.Denominator,
				r.BeforeAnc, r.NoAnchor, tt.x, tt.n, tt.before, tt.noAnchr)
		}
	}
}

// KM time to value: censored users count as at risk until they leave.
func TestActivationKM(t *testing.T) {
	// V12's KM sample in days: 1e 2e 2e 3c 4e 5c 7e 8c 8c 10c, built as users
	// whose window (11d) is cut by as_of at their censoring time.
	rows := []string{}
	asOf := "2024-01-21T00:00:00Z"
	mk := func(u string, signup string, act string) {
		rows = append(rows, u+" signup "+signup)
		if act != "" {
			rows = append(rows, u+" go "+act)
		}
	}
	mk("e1", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
	mk("e2", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z")
	mk("e3", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z")
	mk("c3", "2024-01-18T00:00:00Z", "")
	mk("e4", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")
	mk("c5", "2024-01-16T00:00:00Z", "")
	mk("e7", "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z")
	mk("c8", "2024-01-13T00:00:00Z", "")
	mk("c8b", "2024-01-13T00:00:00Z", "")
	mk("c10", "2024-01-11T00:00:00Z", "")
	l := logOf(t, rows...)
	r := Activation(l, l.AllUsers(), ActivationParams{Events: []string{"go"}, Anchor: Anchor{Event: "signup"},
		Window: Window{Length: days(11)}, Range: Range{AsOf: mustTime(t, asOf)}, Level: 0.95, KM: true})
	km := r.TTV.KM
	if km == nil || km.N != 10 || km.Events != 5 || km.MedianStatus != "reached" || *km.MedianSeconds != 7*86400 {
		t.Fatalf("km %+v (median %v)", km, km.MedianSeconds)
	}
	// the conditional median among reachers is 2 days: the bias KM corrects
	if *r.TTV.MedianSeconds != 2*86400 {
		t.Errorf("conditional median %v", *r.TTV.MedianSeconds)
	}
}

func TestActivationCohorts(t *testing.T) {
	l := v6(t)
	cal := Calendar{Period: Day, Loc: time.UTC}
	r := Activation(l, l.AllUsers(), ActivationParams{Events: []string{"activate"}, Anchor: Anchor{Event: "signup"},
		Window: Window{Length: days(7)}, Range: Range{AsOf: mustTime(t, "2024-03-10T00:00:00Z")}, Level: 0.95, Cohorts: &cal})
	want := []struct {
		cohort string
		x, n   int64
		status string
	}{{"2024-03-01", 2, 2, "complete"}, {"2024-03-02", 1, 2, "complete"}, {"2024-03-04", 0, 0, "incomplete"}, {"2024-03-05", 0, 0, "incomplete"}}
	if len(r.Cohorts) != len(want) {
		t.Fatalf("cohorts %+v", r.Cohorts)
	}
	for i, w := range want {
		c := r.Cohorts[i]
		if c.Cohort != w.cohort || c.Rate.Numerator != w.x || c.Rate.Denominator != w.n || c.Status != w.status {
			t.Errorf("cohort %d = %s %d/%d %s, want %+v", i, c.Cohort, c.Rate.Numerator, c.Rate.Denominator, c.Status, w)
		}
	}
}

// V20 — the calendar window ends at the same wall time 7 local days later.
func TestWindowCalendarV20(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	signup := time.Date(2024, 3, 9, 12, 0, 0, 0, la).UnixNano()
	el := time.Unix(0, Window{Length: days(7)}.End(signup)).In(la)
	cal := time.Unix(0, Window{Length: days(7), Calendar: true, Loc: la}.End(signup)).In(la)
	if el.Format(time.RFC3339) != "2024-03-16T13:00:00-07:00" || cal.Format(time.RFC3339) != "2024-03-16T12:00:00-07:00" {
		t.Errorf("elapsed end %s, calendar end %s", el.Format(time.RFC3339), cal.Format(time.RFC3339))
	}
}
