package cmd

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
)

// drivers and funnel --correlation on the demo: a few real figures, the
// JSON paths the contract names, and the views.
func TestDriversOnDemo(t *testing.T) {
	var env struct {
		Result metrics.DriversResult `json:"result"`
		Params map[string]any        `json:"params"`
	}
	runJSON(t, &env, "drivers", "--demo", "--outcome-event", "subscription_started", "--within", "30d")
	r := env.Result
	// 165 subscribed inside the first week and are left out; 26 of the
	// other 834 subscribed later
	if r.Users != 834 || r.Rate.Numerator != 26 || r.Excluded.OutcomeInWindow != 165 || r.Excluded.Censored != 1 {
		t.Errorf("users %d, outcome %d, excluded %+v", r.Users, r.Rate.Numerator, r.Excluded)
	}
	if r.Tested != 24 || r.Signif != 2 || len(r.Drivers) != 24 {
		t.Errorf("tested %d, significant %d, rows %d", r.Tested, r.Signif, len(r.Drivers))
	}
	top := r.Drivers[0]
	if top.Behaviour != "trial_started >= 1" || top.UsersWith != 45 || top.RateWith.Numerator != 19 || top.RateWithout.Numerator != 7 ||
		top.Test != metrics.TestUsedFisher || !top.Significant {
		t.Errorf("top %+v", top)
	}
	roundTo(t, "diff", *top.Diff.Value, 0.4134, 4)
	roundTo(t, "diff ci low", top.Diff.CI.Low, 0.2805, 4)
	if env.Params["outcome_in_window"] != "exclude" || env.Params["signup_event"] != "first_seen" || env.Params["min_users"] != 30.0 {
		t.Errorf("params %v", env.Params)
	}

	runJSON(t, &env, "drivers", "--demo", "--outcome", "retained", "--offset", "4", "--period", "week", "--window", "7d")
	r = env.Result
	if r.Users != 968 || r.Rate.Numerator != 564 || r.Excluded.Censored != 32 || r.Drivers[0].Behaviour != "report_created >= 1" ||
		r.Drivers[0].UsersWith != 693 || r.Drivers[0].RateWith.Numerator != 469 || r.Drivers[0].Test != metrics.TestUsedZ {
		t.Errorf("retained: users %d, retained %d, excluded %+v, top %+v", r.Users, r.Rate.Numerator, r.Excluded, r.Drivers[0])
	}

	// the terminal shows the top ten and the association line; CSV every row
	code, out, _ := run(t, false, "drivers", "--demo", "--outcome-event", "subscription_started")
	if code != ExitOK || !strings.Contains(out, "the last 14 of 24 rows are not shown (--all shows them)") || !strings.Contains(out, "Association, not causation") {
		t.Errorf("table:\n%s", out)
	}
	code, out, _ = run(t, false, "drivers", "--demo", "--outcome-event", "subscription_started", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 25 || !strings.HasPrefix(lines[0], "rank,behaviour,event,at_least,users_with,outcome_with,rate_with,") ||
		!strings.HasPrefix(lines[1], "1,trial_started >= 1,trial_started,1,45,19,") {
		t.Errorf("csv:\n%s", out)
	}

	// --users-out: a row per user, the counted ones adding up to the rate
	path := filepath.Join(t.TempDir(), "users.csv")
	if code, _, errOut := run(t, false, "drivers", "--demo", "--outcome-event", "subscription_started", "--users-out", path); code != ExitOK {
		t.Fatalf("users-out: %s", errOut)
	}
	b, _ := os.ReadFile(path)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	if rows[0] != "user,signup_time,outcome,outcome_at,status" || len(rows) != 1001 ||
		strings.Count(string(b), ",true,") != 26 || strings.Count(string(b), ",counted") != 834 || strings.Count(string(b), ",outcome_in_window") != 165 {
		t.Errorf("users-out: %d rows, header %q", len(rows), rows[0])
	}
}

func TestDriversUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"drivers", "--demo"}, ExitUsage, "name the outcome"},
		{[]string{"drivers", "--demo", "--outcome", "retained", "--offset", "1", "--window", "8d"}, ExitUsage, "reaches into the week measured"},
		{[]string{"drivers", "--demo", "--outcome-event", "subscription_started", "--at-least", "0,1"}, ExitUsage, "--at-least \"0,1\": want whole numbers"},
		{[]string{"drivers", "--demo", "--outcome-event", "subscription_startd"}, ExitError, "subscription_started"},
		{[]string{"drivers", "--demo", "--outcome-event", "subscription_started", "--events", "teammate_invted"}, ExitError, "teammate_invited"},
	} {
		code, _, errOut := run(t, false, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// funnel --correlation on the demo: of 999 signups 191 subscribed within
// 30 days; session_started goes with converting, plan free with dropping
// off.
func TestFunnelCorrelationOnDemo(t *testing.T) {
	var env struct {
		Result metrics.FunnelResult `json:"result"`
	}
	runJSON(t, &env, "funnel", "--demo", "--steps", "signup,subscription_started", "--within", "30d", "--correlation", "--correlation-props", "plan")
	r := env.Result
	if r.CorrelationTotals == nil || r.CorrelationTotals.Success != 191 || r.CorrelationTotals.Failure != 808 || r.Correlation == nil || r.PropertyCorrelation == nil {
		t.Fatalf("totals %+v", r.CorrelationTotals)
	}
	first := (*r.Correlation)[0]
	if first.Event != "session_started" || first.SuccessCount != 191 || first.FailureCount != 753 || first.CorrelationType != "success" {
		t.Errorf("first %+v", first)
	}
	// ((191+1)·(808−753+1)) / ((191−191+1)·(753+1)) = 10752 / 754
	if math.Abs(first.OddsRatio-10752.0/754) > 1e-12 {
		t.Errorf("odds %v", first.OddsRatio)
	}
	var free *metrics.PropertyCorrelationRow
	for i, p := range *r.PropertyCorrelation {
		if p.Event == "plan::free" {
			free = &(*r.PropertyCorrelation)[i]
		}
	}
	// ((26+1)·(808−587+1)) / ((191−26+1)·(587+1)) = 5994 / 97608
	if free == nil || free.SuccessCount != 26 || free.FailureCount != 587 || free.CorrelationType != "failure" || *free.PAdjusted > 1e-10 {
		t.Fatalf("plan::free %+v", free)
	}
	if math.Abs(free.OddsRatio-5994.0/97608) > 1e-12 {
		t.Errorf("odds free %v", free.OddsRatio)
	}

	code, out, _ := run(t, false, "funnel", "--demo", "--steps", "signup,subscription_started", "--within", "30d", "--correlation", "--format", "csv")
	if code != ExitOK || !strings.HasPrefix(out, "section,step,event,users,") || !strings.Contains(out, "\ncorrelation,,session_started,") {
		t.Errorf("csv:\n%s", out)
	}
	code, out, _ = run(t, false, "funnel", "--demo", "--steps", "signup,subscription_started", "--within", "30d", "--correlation")
	if code != ExitOK || !strings.Contains(out, "Events that go with converting") || !strings.Contains(out, "Events that go with dropping off") {
		t.Errorf("table:\n%s", out)
	}
	// a property no row carries is caught before computing
	if code, _, errOut := run(t, false, "funnel", "--demo", "--steps", "signup,subscription_started", "--correlation-props", "plann"); code != ExitError || !strings.Contains(errOut, "plan") {
		t.Errorf("--correlation-props plann: exit %d %s", code, errOut)
	}
}
