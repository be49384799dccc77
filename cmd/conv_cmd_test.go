package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden outputs of the conversion and cost commands on the demo export.
func TestConversionCommandsGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{"trial_table", []string{"trial", "--demo"}, false},
		{"referral_json", []string{"referral", "--demo", "--referred-prop", "signup_source", "--referred-value", "referral", "--format", "json"}, false},
		{"tickets_by_plan_csv", []string{"tickets", "--demo", "--by", "plan", "--format", "csv"}, false},
		{"cac_table", []string{"cac", "--demo", "--activation-event", "report_created", "--spend", "25000", "--by", "plan"}, false},
	})
}

// The demo's figures, each also counted from the demo CSV by a separate
// script (first trial per user, onboarding windows, first-seen
// signup_source): trial 46/109 with 3 censored and a median of 1,684,740 s
// to paid; 88 tickets from 80 of 895 onboarding users; 137 of 1,000 users
// referred; 719/1,000 activated, so 25,000 spent is 25 per signup and
// 25/0.719 per activated user.
func TestConversionDemoFigures(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want map[string]any
	}{
		{[]string{"trial"}, map[string]any{"rate.numerator": 46.0, "rate.denominator": 109.0, "excluded.censored": 3.0,
			"median_seconds_to_paid": 1684740.0, "trials": 112.0, "periods.0.period": "2024-01", "periods.6.status": "incomplete"}},
		{[]string{"trial", "--per-trial", "--trial-type", "opt-in"}, map[string]any{"rate.denominator": 109.0}},
		{[]string{"tickets"}, map[string]any{"tickets": 88.0, "users": 895.0, "pct_users_with_ticket.numerator": 80.0,
			"tickets_per_100_users": 100 * 88.0 / 895}},
		{[]string{"referral", "--referred-prop", "signup_source", "--referred-value", "referral"}, map[string]any{
			"rate.numerator": 137.0, "rate.denominator": 1000.0, "basis": "active", "periods.0.period": "2024-01", "referred_users": 137.0}},
		{[]string{"referral", "--basis", "referrers", "--period", "week"}, map[string]any{"basis": "referrers", "periods.0.period": "2024-01-01"}},
		{[]string{"cac", "--activation-event", "report_created", "--spend", "25000"}, map[string]any{"spend": 25000.0, "cac": 25.0,
			"activation.numerator": 719.0, "cost_per_activated.value": 25 / 0.719, "spend_basis": "given"}},
	} {
		code, out, errOut := run(t, false, append(append([]string{tt.args[0], "--demo"}, tt.args[1:]...), "--format", "json")...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		var env map[string]any
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		for path, want := range tt.want {
			got := at(env["result"], path)
			if f, ok := want.(float64); ok {
				if g, ok := got.(float64); !ok || g-f > 1e-9 || f-g > 1e-9 {
					t.Errorf("%v: .result.%s = %v, want %v", tt.args, path, got, want)
				}
			} else if got != want {
				t.Errorf("%v: .result.%s = %v, want %v", tt.args, path, got, want)
			}
		}
	}
	// the label is a param, never a change to the figures
	_, out, _ := run(t, false, "trial", "--demo", "--trial-type", "opt-out", "--format", "json")
	if !strings.Contains(out, `"trial_type": "opt-out"`) {
		t.Errorf("trial_type not in params:\n%s", out[:min(len(out), 800)])
	}
}

// at follows a dotted path (numbers index lists) into decoded JSON.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			i := 0
			for _, d := range k {
				i = 10*i + int(d-'0')
			}
			if i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func TestCACSpendFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("spend.csv", "period,spend,plan\n2024-01,6000,free\n2024-01,3000,pro\n2024-02,1000,team\n")
	code, out, errOut := run(t, false, "cac", "--demo", "--activation-event", "report_created", "--spend-file", good, "--by", "plan", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	r := env["result"]
	for path, want := range map[string]any{"spend": 10000.0, "spend_basis": "file", "segments.0.segment": "free", "segments.0.spend": 6000.0,
		"segments.1.spend": 3000.0, "segments.2.spend": 1000.0, "segments.0.spend_basis": "by_segment"} {
		if got := at(r, path); got != want {
			t.Errorf(".result.%s = %v, want %v", path, got, want)
		}
	}
	if p := at(env["params"], "spend_file"); p != good {
		t.Errorf("params.spend_file = %v", p)
	}
	// a segment the file gives no spend for costs an unknown amount, not 0
	partial := write("partial.csv", "period,spend,plan\n2024-01,6000,free\n")
	code, out, errOut = run(t, false, "cac", "--demo", "--activation-event", "report_created", "--spend-file", partial, "--by", "plan", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	env = nil
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	r = env["result"]
	for path, want := range map[string]any{"segments.0.spend": 6000.0, "segments.1.spend": nil, "segments.1.cost_per_activated.value": nil} {
		if got := at(r, path); got != want {
			t.Errorf("partial: .result.%s = %v, want %v", path, got, want)
		}
	}
	if !strings.Contains(errOut, "[no_spend]") {
		t.Errorf("no no_spend warning: %s", errOut)
	}

	bad := write("bad.csv", "2024-01,100\n2024-02,lots\n")
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--spend-file", bad}, `uptake: --spend-file "` + bad + `": ` + bad + `:2: spend "lots": want an amount of money ≥ 0`},
		{[]string{"--spend-file", filepath.Join(dir, "none.csv")}, "no such file"},
		{[]string{"--spend", "12k"}, `uptake: --spend "12k": want an amount of money ≥ 0`},
		{nil, "uptake: give the spend: --spend X or --spend-file F (one of them)"},
		{[]string{"--spend", "1", "--spend-file", good}, "[spend spend-file] were all set"},
	} {
		code, out, errOut := run(t, false, append([]string{"cac", "--demo", "--activation-event", "report_created"}, tt.args...)...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.stderr)
		}
	}
}

func TestConversionUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"referral", "--demo", "--referred-prop", ""}, ExitUsage, "uptake: --basis active needs --referred-prop or --referred-event"},
		{[]string{"referral", "--demo"}, ExitError, `uptake: --referred-prop: no property "referred_by" in the input`},
		{[]string{"trial", "--demo", "--trial-type", "free"}, ExitUsage, "trial-type"},
		{[]string{"tickets", "--demo", "--within", "36h", "--window-mode", "calendar"}, ExitUsage, "--within 36h is not a number of days"},
		{[]string{"tickets", "--demo", "--ticket-event", "support_tiket_created"}, ExitError, "support_ticket_created"},
	} {
		code, _, errOut := run(t, false, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.stderr)
		}
	}
}
