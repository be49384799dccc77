package metrics

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// funnelSettings are the funnel's defaults with --steps and --exclude set.
func funnelSettings(steps string, excludes ...string) *FunnelSettings {
	s := FunnelMetric.NewSettings().(*FunnelSettings)
	_ = s.Steps.Set(steps)
	s.Excludes = excludes
	return s
}

func TestStepsSet(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"a,b,c", []string{"a", "b", "c"}},
		{" a , ,b ", []string{"a", "b"}}, // trimmed, empty names dropped
		{",,a,", []string{"a"}},
		{"", nil},
	} {
		var s Steps
		_ = s.Set("x,y") // a later --steps replaces an earlier one
		_ = s.Set(tt.in)
		if s.Text != tt.in || !cmp.Equal(s.Names, tt.want) {
			t.Errorf("Set(%q) = %q %q, want %q", tt.in, s.Text, s.Names, tt.want)
		}
	}
}

func TestFunnelSettingsCheck(t *testing.T) {
	for _, tt := range []struct {
		steps    string
		order    string
		excludes []string
		want     string // the error, or "" for none
	}{
		{"a,b,c", "", []string{"x", "y:2:3"}, ""},
		{"a", "", nil, `--steps "a": want at least 2 comma-separated event names`},
		{" , a", "", nil, `--steps " , a": want at least 2 comma-separated event names`},
		{"a,b,c", "", []string{"x:2:1"}, `--exclude "x:2:1": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
		{"a,b,c", "", []string{"x:2:2"}, `--exclude "x:2:2": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
		{"a,b,c", "", []string{"x:0:2"}, `--exclude "x:0:2": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
		{"a,b,c", "", []string{"x:1:4"}, `--exclude "x:1:4": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
		// an event name may hold colons: only a trailing :FROM:TO of whole numbers is steps
		{"a,b,c", "", []string{"x:a:2"}, ""},   // the event "x:a:2"
		{"a,b,c", "", []string{"x:1"}, ""},     // the event "x:1"
		{"a,b,c", "", []string{"x:1:2:3"}, ""}, // the event "x:1", steps 2 to 3
		{"a,b,c", "", []string{"x:1:2:4"}, `--exclude "x:1:2:4": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
		{"a,b,c", "", []string{":1:2"}, `--exclude ":1:2": missing the event name`},
		{"a,b,c", "", []string{""}, `--exclude "": missing the event name`},
		{"a,b,c", "any", []string{"x"}, ""},
		{"a,b,c", "any", []string{"x:1:2"}, `--exclude "x:1:2": step numbers mean nothing with --order any; use --exclude x`},
		{"a,b,c", "", []string{"ok", "x:3:1"}, `--exclude "x:3:1": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 3`},
	} {
		s := funnelSettings(tt.steps, tt.excludes...)
		if tt.order != "" {
			s.Order = tt.order
		}
		got := ""
		if err := FunnelMetric.Validate(s); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("steps %q, order %q, exclude %q: error %q, want %q", tt.steps, tt.order, tt.excludes, got, tt.want)
		}
	}
}

// The params spell every exclusion out as EVENT:FROM:TO, and list the
// event names --steps gave.
func TestFunnelParams(t *testing.T) {
	for _, tt := range []struct {
		excludes []string
		want     string
	}{
		{nil, `{"steps":["a","b","c"],"order":"ordered","correlation":false,"within":"14d","window_mode":"elapsed","cohort_period":"","week_start":"monday","correlation_props":[],"exclude":[],"incomplete":"exclude"}`},
		{[]string{"x", "y:2:3"}, `{"steps":["a","b","c"],"order":"ordered","correlation":false,"within":"14d","window_mode":"elapsed","cohort_period":"","week_start":"monday","correlation_props":[],"exclude":["x:1:3","y:2:3"],"incomplete":"exclude"}`},
	} {
		b, err := json.Marshal(FunnelMetric.Params(nil, funnelSettings(" a,b, c", tt.excludes...)))
		if err != nil || string(b) != tt.want {
			t.Errorf("exclude %q: params %s (%v), want %s", tt.excludes, b, err, tt.want)
		}
	}
}

func TestOnboardingParams(t *testing.T) {
	for _, tt := range []struct {
		signup string
		want   string
	}{
		{"", `{"steps":["s","d"],"denominator":"started","order":"ordered","within":"7d","window_mode":"elapsed","cohort_period":"","week_start":"monday","signup_event":"first_seen","incomplete":"exclude"}`},
		{"signup", `{"steps":["s","d"],"denominator":"started","order":"ordered","within":"7d","window_mode":"elapsed","cohort_period":"","week_start":"monday","signup_event":"signup","incomplete":"exclude"}`},
	} {
		s := OnboardingMetric.NewSettings().(*OnboardingSettings)
		_ = s.Steps.Set("s,d")
		s.SignupEvent = tt.signup
		b, err := json.Marshal(OnboardingMetric.Params(nil, s))
		if err != nil || string(b) != tt.want {
			t.Errorf("signup event %q: params %s (%v), want %s", tt.signup, b, err, tt.want)
		}
	}
}
