package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestActivityGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{"retention_month_table", []string{"retention", "--demo", "--period", "month", "--periods", "5"}, false},
		{"retention_tty_color", []string{"retention", "--demo", "--period", "month", "--periods", "3", "--to", "2024-04-01"}, true},
		{"retention_elapsed_json", []string{"retention", "--demo", "--period", "day", "--periods", "7", "--window-mode", "elapsed", "--start-event", "signup", "--from", "2024-06-01", "--format", "json"}, false},
		{"retention_by_plan_csv", []string{"retention", "--demo", "--period", "month", "--periods", "2", "--mode", "unbounded", "--by", "plan", "--format", "csv"}, false},
		{"retention_recurring_json", []string{"retention", "--demo", "--period", "month", "--periods", "1", "--cohort", "recurring", "--start-event", "session_started", "--return-event", "report_created", "--format", "json"}, false},
		{"retention_since_table", []string{"retention", "--demo", "--period", "month", "--periods", "3", "--since", "2024-02-10"}, false},
		{"retention_since_json", []string{"retention", "--demo", "--period", "week", "--periods", "1", "--since", "2024-06-05", "--to", "2024-06-24", "--format", "json"}, false},
		{"churn_table", []string{"churn", "--demo"}, false},
		{"churn_week_json", []string{"churn", "--demo", "--period", "week", "--from", "2024-06-01", "--format", "json"}, false},
		{"lifecycle_month_table", []string{"lifecycle", "--demo", "--period", "month", "--since", "2024-02-01"}, false},
		{"lifecycle_week_json", []string{"lifecycle", "--demo", "--from", "2024-05-01", "--to", "2024-06-01", "--format", "json"}, false},
		{"engagement_json", []string{"engagement", "--demo", "--from", "2024-06-01", "--to", "2024-06-15", "--interval", "week", "--min-events", "3", "--format", "json"}, false},
		{"engagement_csv", []string{"engagement", "--demo", "--from", "2024-07-20", "--mau-window", "28", "--format", "csv"}, false},
	})
}

// Churn and lifecycle must agree: churned = dormant.
func TestChurnMatchesLifecycle(t *testing.T) {
	_, c, _ := run(t, false, "churn", "--demo", "--period", "week", "--format", "json")
	_, l, _ := run(t, false, "lifecycle", "--demo", "--period", "week", "--format", "json")
	var ch struct {
		Result struct {
			Periods []struct {
				Period     string
				StartUsers int64 `json:"start_users"`
				Churned    int64
			}
		}
	}
	var lc struct {
		Result struct {
			Periods []struct {
				Period                               string
				Active, New, Returning, Resurrecting int64
				Dormant                              int64
			}
		}
	}
	if err := json.Unmarshal([]byte(c), &ch); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(l), &lc); err != nil {
		t.Fatal(err)
	}
	active := map[string]int64{}
	dormant := map[string]int64{}
	prev := map[string]string{}
	for i, p := range lc.Result.Periods {
		active[p.Period], dormant[p.Period] = p.Active, p.Dormant
		if p.Active != p.New+p.Returning+p.Resurrecting {
			t.Errorf("%s: active %d ≠ new+returning+resurrecting", p.Period, p.Active)
		}
		if i > 0 {
			prev[p.Period] = lc.Result.Periods[i-1].Period
		}
	}
	if len(ch.Result.Periods) < 20 {
		t.Fatalf("only %d churn periods", len(ch.Result.Periods))
	}
	for _, p := range ch.Result.Periods {
		if p.Churned != dormant[p.Period] || p.StartUsers != active[prev[p.Period]] {
			t.Errorf("%s: churned %d dormant %d; start %d, previous active %d", p.Period, p.Churned, dormant[p.Period], p.StartUsers, active[prev[p.Period]])
		}
	}
}

func TestActivityUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"retention", "--demo", "--periods", "-1"}, "uptake: --periods -1: want 0 to 1000\n"},
		{[]string{"churn", "--demo", "--period", "day"}, "uptake: invalid argument \"day\" for \"--period\" flag: valid values are week, month\n"},
		{[]string{"engagement", "--demo", "--min-events", "0"}, "uptake: --min-events must be at least 1, got 0\n"},
		{[]string{"lifecycle", "--demo", "--tz", "Moon/Base"}, "uptake: --tz \"Moon/Base\": not an IANA zone name (such as UTC, Europe/Berlin, America/New_York)\n"},
	} {
		code, out, errOut := run(t, false, tt.args...)
		if first := strings.SplitN(errOut, "\n", 2)[0] + "\n"; code != ExitUsage || first != tt.stderr || out != "" {
			t.Errorf("%v: exit %d stderr %q", tt.args, code, errOut)
		}
	}
}
