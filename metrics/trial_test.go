package metrics

import (
	"testing"
	"time"
)

// V17 — trial-to-paid with censoring: W = 30d, as_of 2024-03-20T00:00Z,
// 10 trials started in February.
func v17(t *testing.T) *Log {
	return logOf(t,
		// 8 trials with a closed window (start + 30d ≤ as_of)
		"a trial 2024-02-01T00:00:00Z", "a paid 2024-02-02T00:00:00Z", // 1 day
		"b trial 2024-02-03T00:00:00Z", "b paid 2024-02-08T00:00:00Z", // 5 days
		"c trial 2024-02-10T00:00:00Z", "c paid 2024-03-11T00:00:00Z", // exactly +30d: counts
		"d trial 2024-02-11T00:00:00Z", "d paid 2024-03-13T00:00:00Z", // day 31: does not
		"e trial 2024-02-12T00:00:00Z",
		"f trial 2024-02-15T00:00:00Z",
		"g trial 2024-02-18T00:00:00Z",
		"h trial 2024-02-19T00:00:00Z", // Feb 19 + 30d = Mar 20 = as_of: complete
		// 2 censored, one of them already converted
		"i trial 2024-02-20T00:00:00Z", "i paid 2024-02-21T00:00:00Z",
		"j trial 2024-02-25T00:00:00Z",
	)
}

func trialP(t *testing.T) TrialParams {
	return TrialParams{TrialEvent: "trial", PaidEvent: "paid", Window: Window{Length: days(30)},
		Range: Range{AsOf: mustTime(t, "2024-03-20T00:00:00Z")}, Level: 0.95, Cohorts: Calendar{Period: Month, Loc: time.UTC}}
}

func TestTrialV17(t *testing.T) {
	l := v17(t)
	r := Trial(l, l.AllUsers(), trialP(t))
	if r.Rate.Numerator != 3 || r.Rate.Denominator != 8 || r.Excluded.Censored != 2 || r.Trials != 10 {
		t.Fatalf("%d/%d censored %d trials %d, want 3/8, 2, 10", r.Rate.Numerator, r.Rate.Denominator, r.Excluded.Censored, r.Trials)
	}
	check(t, "low", r.Rate.CI.Low, 0.136844285823597, 1e-12)
	check(t, "high", r.Rate.CI.High, 0.694257605397373, 1e-12)
	if r.MedianSecondsToPaid == nil || *r.MedianSecondsToPaid != 5*86400 {
		t.Errorf("median to paid %v, want 5 days", r.MedianSecondsToPaid)
	}
	if len(r.Periods) != 1 || r.Periods[0].Period != "2024-02" || r.Periods[0].Trials != 10 || r.Periods[0].Rate.Numerator != 3 ||
		r.Periods[0].Censored != 2 || r.Periods[0].Status != "incomplete" {
		t.Errorf("periods %+v", r.Periods)
	}
}

func TestTrialVariants(t *testing.T) {
	l := logOf(t,
		"a trial 2024-01-01", "a trial 2024-02-01", "a paid 2024-02-05", // first trial lapses; the second converts
		"b paid 2023-12-01", "b trial 2024-01-10", "b paid 2024-01-12", // paid before the trial
		"c trial 2024-01-20T00:00:00Z", "c paid 2024-01-20T00:00:00Z", // paid at the very start
		"d signup 2024-01-01", // no trial
		"e trial 2023-12-15", "e paid 2023-12-16",
	)
	from := ptrTime(t, "2024-01-01")
	for _, tt := range []struct {
		name     string
		perTrial bool
		from     *int64
		window   time.Duration
		x, n     int64
		before   int64
		median   float64
	}{
		{"first trial", false, nil, days(14), 3, 4, 1, 86400},              // a's first lapsed; b (2d), c (0), e (1d) convert
		{"per trial", true, nil, days(14), 4, 5, 1, 1.5 * 86400},           // a's second (4 days) converts too
		{"in range", false, from, days(14), 2, 3, 1, 86400},                // e's trial is before --from
		{"short window", false, nil, 36 * time.Hour, 2, 4, 1, 0.5 * 86400}, // b's 2 days no longer count
	} {
		p := trialP(t)
		p.PerTrial, p.Window.Length, p.Range.From = tt.perTrial, tt.window, tt.from
		r := Trial(l, l.AllUsers(), p)
		if r.Rate.Numerator != tt.x || r.Rate.Denominator != tt.n || r.PaidBeforeTrial != tt.before || r.MedianSecondsToPaid == nil ||
			*r.MedianSecondsToPaid != tt.median {
			t.Errorf("%s: %d/%d paid-before %d median %v, want %d/%d %d %v", tt.name, r.Rate.Numerator, r.Rate.Denominator,
				r.PaidBeforeTrial, r.MedianSecondsToPaid, tt.x, tt.n, tt.before, tt.median)
		}
	}
}

func TestTrialEmpty(t *testing.T) {
	l := logOf(t, "a signup 2024-01-01", "b trial 2024-03-19")
	r := Trial(l, l.AllUsers(), trialP(t))
	if r.Rate.Value != nil || r.Rate.Denominator != 0 || r.Excluded.Censored != 1 || r.MedianSecondsToPaid != nil {
		t.Fatalf("%+v", r)
	}
	codes := map[string]bool{}
	for _, w := range r.Warnings {
		codes[w.Code] = true
	}
	if !codes["empty_denominator"] || !codes["censored"] {
		t.Errorf("warnings %+v", r.Warnings)
	}
}

// The per-user rows add up to the result: one row per trial counted or
// left out, one per user without a trial.
func TestTrialUsers(t *testing.T) {
	l := v17(t)
	s := TrialMetric.NewSettings().(*TrialSettings)
	s.TrialEvent, s.PaidEvent = "trial", "paid"
	run := &Run{Log: l, Loc: time.UTC, Range: trialP(t).Range, Level: 0.95, UserIDs: l.Users}
	tab := trialUsers(run, s, l.AllUsers())
	count := map[string]int{}
	for _, row := range tab.Rows {
		count[row[len(row)-1].(string)]++
	}
	if len(tab.Rows) != 10 || count["converted"] != 3 || count["not_converted"] != 5 || count["censored"] != 2 {
		t.Errorf("rows %v", count)
	}
	if tab.Columns[1].Key != "period" || tab.Rows[0][1] != "2024-02" {
		t.Errorf("period column %+v %v", tab.Columns[1], tab.Rows[0])
	}
}
