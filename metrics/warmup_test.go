package metrics

import (
	"strings"
	"testing"
	"time"
)

// Activation and onboarding cohorts are first-seen cohorts when the anchor
// is each user's first event: with --since, the one holding it is a
// warm-up and the warning says the overall rate still counts it. A signup
// event anchors a signup, so its cohorts, and runs without since or
// without cohorts, are left alone.
func TestFirstSeenCohortsWarmUp(t *testing.T) {
	l := logOf(t,
		"a signup 2024-01-10T00:00:00Z", "a start 2024-01-10T01:00:00Z", "a done 2024-01-11T00:00:00Z",
		"b visit 2024-01-20T00:00:00Z", "b start 2024-01-21T00:00:00Z",
		"c signup 2024-02-03T00:00:00Z", "c start 2024-02-03T01:00:00Z", "c done 2024-02-04T00:00:00Z",
		"d visit 2024-02-10T00:00:00Z",
	)
	month := &Calendar{Period: Month, Loc: time.UTC}
	rng := Range{AsOf: mustTime(t, "2024-04-01")}
	for _, tt := range []struct {
		name     string
		anchor   string
		cohorts  *Calendar
		since    string
		statuses string // activation's cohort statuses, then onboarding's (signups)
		warned   bool
	}{
		{"first seen, since at a period start", "", month, "2024-01-01", "warm_up complete|warm_up complete", true},
		{"first seen, since inside a period", "", month, "2024-01-10", "warm_up complete|warm_up complete", true},
		{"first seen, no since", "", month, "", "complete complete|complete complete", false},
		{"signup anchor", "signup", month, "2024-01-01", "complete complete|complete complete", false},
		{"no cohorts", "", nil, "2024-01-01", "|", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var since *int64
			if tt.since != "" {
				since = ptrTime(t, tt.since)
			}
			ap := ActivationParams{Events: []string{"done"}, Anchor: Anchor{Event: tt.anchor}, Window: Window{Length: days(7)},
				Range: rng, Level: 0.95, Cohorts: tt.cohorts, Since: since}
			a := Activation(l, l.AllUsers(), ap)
			op := OnboardingParams{Steps: []string{"start", "done"}, Window: Window{Length: days(7)}, Anchor: Anchor{Event: tt.anchor},
				Signups: true, Range: rng, Level: 0.95, Cohorts: tt.cohorts, Since: since}
			o := Onboarding(l, l.AllUsers(), op)
			var as, os []string
			for _, c := range a.Cohorts {
				as = append(as, c.Status)
			}
			for _, c := range o.Cohorts {
				os = append(os, c.Status)
			}
			if got := strings.Join(as, " ") + "|" + strings.Join(os, " "); got != tt.statuses {
				t.Errorf("statuses %q, want %q", got, tt.statuses)
			}
			// the overall figures are unchanged by the mark
			signups := int64(4) // everyone has a first event; two have a signup
			if tt.anchor == "signup" {
				signups = 2
			}
			if a.Rate.Numerator != 2 || a.Rate.Denominator != signups || o.CompletionOfSignups.Denominator != signups {
				t.Errorf("activation %d/%d, signups %d, want 2/%d and %d", a.Rate.Numerator, a.Rate.Denominator, o.CompletionOfSignups.Denominator, signups, signups)
			}
			for _, ws := range [][]Warning{a.Warnings, o.Warnings} {
				warned := false
				for _, w := range ws {
					if w.Code == "warm_up" {
						warned = strings.Contains(w.Message, "first seen in 2024-01 may have been active before it") &&
							strings.Contains(w.Message, "still counts them")
					}
				}
				if warned != tt.warned {
					t.Errorf("warm_up warning = %v, want %v: %+v", warned, tt.warned, ws)
				}
			}
		})
	}
}
