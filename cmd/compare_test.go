package cmd

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// compareJSON runs compare with --format json and returns the envelope.
func compareJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := run(t, false, append(append([]string{"compare"}, args...), "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("compare %v: exit %d: %s", args, code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// jsonAt is the value at a dotted path of v (list items by number), and
// whether every step was there.
func jsonAt(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			x, ok := c[k]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// want checks figures of an envelope: numbers within 1e-9 (relative),
// anything else exactly (nil: JSON null).
func want(t *testing.T, env map[string]any, figures map[string]any) {
	t.Helper()
	for path, w := range figures {
		got, ok := jsonAt(env, path)
		if !ok {
			t.Errorf(".%s: missing", path)
			continue
		}
		if wf, isNum := toFloat(w); isNum {
			gf, ok := got.(float64)
			if !ok || math.Abs(gf-wf) > 1e-9*math.Max(1, math.Abs(wf)) {
				t.Errorf(".%s = %v, want %v", path, got, w)
			}
			continue
		}
		if got != w {
			t.Errorf(".%s = %#v, want %#v", path, got, w)
		}
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

// Randomized groups from a variant property, by hand: 20 control users
// of whom 6 activate (a seventh 1 s after the window's end), 20 guided of
// whom 14 (the fourteenth exactly at the end, which counts); one user seen
// in both variants and one without a variant are left out, and one whose
// window is open at --as-of is censored. Pooled z = 2.529822128134703.
func TestCompareVariants(t *testing.T) {
	env := compareJSON(t, "testdata/compare_variants.csv", "--metric", "activation", "--activation-event", "report",
		"--variant-prop", "variant", "--as-of", "2024-02-01")
	want(t, env, map[string]any{
		"metric": "compare", "params.metric": "activation", "params.variant_prop": "variant", "params.control": "control",
		"params.within": "7d", "params.alpha": 0.05, "params.test": "z", "params.design": "randomized", "params.weights": nil,
		"result.design": "randomized", "result.control": "control",
		"result.variants.0.variant": "control", "result.variants.0.n": 20, "result.variants.0.x": 6,
		"result.variants.0.rate.value": 0.3, "result.variants.0.rate.ci.low": 0.14547724486760433, "result.variants.0.rate.ci.high": 0.5189728183535234,
		"result.variants.1.variant": "guided", "result.variants.1.n": 20, "result.variants.1.x": 14, "result.variants.1.rate.value": 0.7,
		"result.comparisons.0.variant": "guided", "result.comparisons.0.test": "z_pooled",
		"result.comparisons.0.statistic": 2.529822128134703, "result.comparisons.0.p_value": 0.011412036386001679,
		"result.comparisons.0.p_adjusted": 0.011412036386001679,
		"result.comparisons.0.diff.value": 0.4, "result.comparisons.0.diff.ci.low": 0.09032567049338702, "result.comparisons.0.diff.ci.high": 0.6185281760034907,
		"result.comparisons.0.diff.ci.method": "newcombe",
		"result.comparisons.0.lift.value":     1.3333333333333335, "result.comparisons.0.lift.ci.low": 0.1263162573377301, "result.comparisons.0.lift.ci.high": 3.8338505361837347,
		"result.comparisons.0.lift.ci.method": "katz_log",
		// the check counts the users assigned, l01 (censored) too: 21 and 20
		"result.srm.basis": "assigned users", "result.srm.counts.0": 21, "result.srm.counts.1": 20,
		"result.srm.chi2": 1.0 / 41, "result.srm.p_value": 0.8758960579229409, "result.srm.passed": true,
		"result.decision": "winner", "result.winner": "guided", "result.required_n_per_arm": nil, "result.horizon": "fixed",
		"result.excluded.multi_variant": 1, "result.excluded.no_variant": 1, "result.excluded.censored": 1,
	})
	if got, _ := jsonAt(env, "result.decision_reason"); !strings.Contains(got.(string), "guided beats control") {
		t.Errorf("decision_reason %q", got)
	}
	codes := map[string]bool{}
	for _, w := range env["warnings"].([]any) {
		codes[w.(map[string]any)["code"].(string)] = true
	}
	if !codes["multi_variant"] || !codes["censored"] {
		t.Errorf("warnings %v: want multi_variant and censored", env["warnings"])
	}
}

// The contract's JSON paths.
func TestCompareJSONPaths(t *testing.T) {
	env := compareJSON(t, "--demo", "--metric", "onboarding", "--steps", "onboarding_started,onboarding_completed",
		"--variant-prop", "onboarding_variant", "--mde", "5pp")
	for _, p := range []string{"variants.0.variant", "variants.0.n", "variants.0.x", "variants.0.rate.value", "variants.0.rate.ci.low",
		"comparisons.0.variant", "comparisons.0.diff.value", "comparisons.0.diff.ci.low", "comparisons.0.lift.value", "comparisons.0.lift.ci.high",
		"comparisons.0.test", "comparisons.0.statistic", "comparisons.0.p_value", "comparisons.0.p_adjusted",
		"srm.chi2", "srm.p_value", "srm.passed", "decision", "required_n_per_arm", "design"} {
		if _, ok := jsonAt(env["result"], p); !ok {
			t.Errorf(".result.%s missing", p)
		}
	}
	// 33.6% → 38.6% at α 0.05, power 0.8: the demo's control completes 152 of 453
	want(t, env, map[string]any{"result.variants.0.x": 152, "result.variants.0.n": 453, "result.required_n_per_arm": 1447,
		"result.planning.underpowered": true, "result.decision": "inconclusive", "params.mde": "5pp"})
}

// Observational groups, by hand: 4 users created a report within 48 h of
// signup (one exactly at 48 h) and 3 of them paid within 30 days (one
// exactly at 30 d); of the 4 others, 1 did (one reported at 49 h, one paid
// at 31 d). 2×2 table 1/4 against 3/4: Fisher (expected counts 2),
// p = 34/70. A user whose 48 h are not over at --as-of is in no group. By
// plan: the 3 pro users all paid, 1 of the 5 others: p = 8/56.
func TestCompareObservational(t *testing.T) {
	base := []string{"testdata/compare_groups.csv", "--metric", "activation", "--activation-event", "paid", "--within", "30d", "--as-of", "2024-03-01"}
	env := compareJSON(t, append(base, "--group", "report within 48h")...)
	want(t, env, map[string]any{
		"result.design": "observational", "params.design": "observational", "params.group": "report within 48h",
		"result.control": "not (report within 48h)", "result.variants.1.variant": "report within 48h",
		"result.variants.0.n": 4, "result.variants.0.x": 1, "result.variants.1.n": 4, "result.variants.1.x": 3,
		"result.comparisons.0.test": "fisher_exact", "result.comparisons.0.statistic": nil, "result.comparisons.0.p_value": 34.0 / 70,
		"result.comparisons.0.diff.value": 0.5, "result.srm": nil, "result.decision": "no_significant_difference",
		"result.excluded.group_censored": 1, "result.excluded.censored": 1,
	})
	if got, _ := jsonAt(env, "result.notes.0"); !strings.Contains(got.(string), "association, not an effect") {
		t.Errorf("notes %v", got)
	}
	env = compareJSON(t, append(base, "--group", "plan = pro")...)
	want(t, env, map[string]any{
		"result.control": "not (plan = pro)", "result.variants.0.n": 5, "result.variants.0.x": 1,
		"result.variants.1.n": 3, "result.variants.1.x": 3, "result.comparisons.0.p_value": 8.0 / 56,
		"result.comparisons.0.lift.value": 4.0, "result.excluded.censored": 1, "result.excluded.group_censored": 0,
	})
	// the behaviour's anchor is another event: users who never did it are left out
	// (u01 and u05 paid 71 h after their first report)
	env = compareJSON(t, append(base, "--group", "paid within 3d of report")...)
	want(t, env, map[string]any{"result.excluded.no_anchor": 3, "result.variants.0.n": 3, "result.variants.1.n": 2, "result.variants.1.x": 2})
}

// The calculator against the worked vectors (docs/metrics.md V8–V10).
func TestCompareCounts(t *testing.T) {
	env := compareJSON(t, "--counts", "control=200/2000,treatment=250/2000")
	want(t, env, map[string]any{
		"input.format": "counts", "params.counts": "control=200/2000,treatment=250/2000", "result.design": "randomized",
		"result.comparisons.0.test": "z_pooled", "result.comparisons.0.statistic": 2.50195541680267,
		"result.comparisons.0.p_value":     0.0123509477111914,
		"result.comparisons.0.diff.ci.low": 0.00541033906700095, "result.comparisons.0.diff.ci.high": 0.0446236352376339,
		"result.comparisons.0.lift.value": 0.25, "result.comparisons.0.lift.ci.low": 0.0490017977617259, "result.comparisons.0.lift.ci.high": 0.489511269984412,
		"result.decision": "winner",
	})
	env = compareJSON(t, "--counts", "a=1/10,b=6/10")
	want(t, env, map[string]any{"result.control": "a", "result.comparisons.0.test": "fisher_exact", "result.comparisons.0.p_value": 0.0572755417956654,
		"result.comparisons.0.diff.ci.low": 0.0815939754274432, "result.comparisons.0.decision": "inconclusive", "result.decision": "inconclusive"})
	// 50% → 75% at α 0.05 with power 0.9: 77 per arm
	env = compareJSON(t, "--counts", "control=50/100,t=75/100", "--mde", "25pp", "--power", "0.9")
	want(t, env, map[string]any{"result.required_n_per_arm": 77, "result.planning.baseline_rate": 0.5, "result.planning.target_rate": 0.75,
		"result.planning.underpowered": false})
	// the sample-ratio check fails at 5000/5400 (V10): no winner
	env = compareJSON(t, "--counts", "control=500/5000,t=700/5400")
	want(t, env, map[string]any{"result.srm.chi2": 15.3846153846154, "result.srm.p_value": 8.76994237559714e-05, "result.srm.passed": false,
		"result.decision": "inconclusive"})
	// --control picks another group; Holm over two treatments (V11-like)
	env = compareJSON(t, "--counts", "a=100/1000,b=130/1000,c=100/1000", "--control", "b")
	want(t, env, map[string]any{"result.control": "b", "result.comparisons.0.variant": "a", "result.comparisons.1.variant": "c",
		"result.comparisons.0.p_adjusted": 2 * mustNum(t, env, "result.comparisons.1.p_value")})
}

func mustNum(t *testing.T, env map[string]any, path string) float64 {
	t.Helper()
	v, _ := jsonAt(env, path)
	f, ok := v.(float64)
	if !ok {
		t.Fatalf(".%s = %v, not a number", path, v)
	}
	return f
}

func TestCompareUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--demo", "--variant-prop", "onboarding_variant"}, ExitUsage, "--metric NAME is required"},
		{[]string{"--demo", "--metric", "churn"}, ExitUsage, `--metric "churn": compare takes one of onboarding, activation, funnel, retention, nps, trial, repeat, revenue`},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created"}, ExitUsage, "give the groups: --variant-prop P"},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "plan"}, ExitUsage,
			`--variant-prop plan has no value named control: name the control group with --control (one of "free", "pro", "team")`},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_variant", "--control", "nope"}, ExitUsage,
			`--control "nope": onboarding_variant has no such value; its values are "control", "guided"`},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_variant", "--offset", "2"}, ExitUsage,
			"--offset: activation has no offsets"},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_varaint"}, ExitError,
			"onboarding_variant"},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--group", "report_created within 2 days"}, ExitUsage,
			"after within, want a duration"},
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_variant", "--weights", "1,1,1"}, ExitUsage,
			"--weights 1,1,1 gives 3 weights for 2 groups"},
		{[]string{"--demo", "--metric", "retention", "--cohort", "recurring", "--variant-prop", "onboarding_variant"}, ExitUsage, "--cohort first-time"},
		{[]string{"--counts", "control=5/4,b=1/2"}, ExitUsage, "want 0 ≤ x ≤ n"},
		{[]string{"--counts", "control=5/10,b=1/2", "--demo"}, ExitUsage, "reads no input"},
		{[]string{"--counts", "control=5/10,b=1/2", "--sequential"}, ExitUsage, "do not work on --counts"},
		{[]string{"--counts", "control=5/10,b=1/2", "--mde", "2"}, ExitUsage, "--mde"},
		{[]string{"--counts", "control=5/10,b=1/2", "--no-such-flag"}, ExitUsage, "unknown flag: --no-such-flag"},
	} {
		code, _, errOut := run(t, false, append([]string{"compare"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("compare %v: exit %d, stderr %q; want exit %d with %q", tt.args, code, errOut, tt.code, tt.stderr)
		}
	}
}

// --help lists compare's flags, and with --metric the metric's too.
func TestCompareHelp(t *testing.T) {
	code, out, _ := run(t, false, "compare", "--help")
	if code != ExitOK || !strings.Contains(out, "\n      --variant-prop ") || strings.Contains(out, "\n      --activation-event ") ||
		!strings.Contains(out, "Comparable metrics: onboarding, activation, funnel, retention, nps, trial, repeat, revenue.") {
		t.Errorf("compare --help: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, false, "compare", "--metric", "activation", "--help")
	if code != ExitOK || !strings.Contains(out, "\n      --variant-prop ") || !strings.Contains(out, "\n      --activation-event ") {
		t.Errorf("compare --metric activation --help: exit %d\n%s", code, out)
	}
}

// Per --by segment, the same comparison over the segment's users; the
// CSV is tidy (a row per group and segment); --users-out has a row per
// user with their group and status.
func TestCompareSegmentsCSVAndUsers(t *testing.T) {
	env := compareJSON(t, "testdata/compare_variants.csv", "--metric", "activation", "--activation-event", "report",
		"--variant-prop", "variant", "--as-of", "2024-02-01", "--by", "variant")
	want(t, env, map[string]any{"result.variants.0.n": 20, "result.segments.0.segment": "control",
		"result.segments.0.variants.0.n": 20, "result.segments.0.variants.1.n": 0, "result.segments.1.segment": "guided",
		"result.segments.1.variants.1.x": 14, "result.segments.1.excluded.no_variant": 0})
	code, out, errOut := run(t, false, "compare", "testdata/compare_variants.csv", "--metric", "activation", "--activation-event", "report",
		"--variant-prop", "variant", "--as-of", "2024-02-01", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || len(lines) != 3 || !strings.HasPrefix(lines[0], "variant,is_control,kind,n,x,value,") ||
		!strings.HasPrefix(lines[2], "guided,false,proportion,20,14,0.7,") {
		t.Errorf("csv: exit %d %s\n%s", code, errOut, out)
	}
	ios, _, _, errBuf := Test()
	path := t.TempDir() + "/users.csv"
	if c := Main(ios, []string{"compare", "testdata/compare_variants.csv", "--metric", "activation", "--activation-event", "report",
		"--variant-prop", "variant", "--as-of", "2024-02-01", "--users-out", path, "--format", "json"}); c != ExitOK {
		t.Fatalf("--users-out: exit %d %s", c, errBuf)
	}
	rows := readLines(t, path)
	for _, w := range []string{"user,group,status,value", "c01,control,counted,1", "c07,control,counted,0", "g14,guided,counted,1",
		"m01,,multi_variant,1", "n01,,no_variant,1", "l01,control,censored,"} {
		if !contains(rows, w) {
			t.Errorf("--users-out lacks %q:\n%s", w, strings.Join(rows, "\n"))
		}
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// Demo recipes (README): the onboarding variants on activation, and the
// 48-hour question; their table output is golden.
func TestCompareDemoGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{"compare_activation_table", []string{"compare", "--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_variant"}, false},
		{"compare_48h_table", []string{"compare", "--demo", "--metric", "activation", "--activation-event", "subscription_started", "--within", "60d",
			"--group", "report_created within 48h"}, false},
		{"compare_counts_markdown", []string{"compare", "--counts", "control=480/12000,guided=560/11800,bold=400/12100", "--format", "markdown"}, false},
		{"compare_revenue_table", []string{"compare", "--demo", "--metric", "revenue", "--amount", "amount", "--variant-prop", "onboarding_variant"}, false},
		{"compare_ttv_table", []string{"compare", "--demo", "--metric", "activation", "--activation-event", "report_created", "--outcome", "ttv-capped",
			"--variant-prop", "onboarding_variant"}, false},
	})
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// A config item (metric: compare, compare: NAME) is what the command
// prints for the same settings; its errors name the item.
func TestCompareConfigItem(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "uptake.yaml")
	if err := os.WriteFile(cfg, []byte(`metrics:
  - name: ab
    metric: compare
    compare: onboarding
    steps: onboarding_started,onboarding_completed
    variant-prop: onboarding_variant
    mde: 5pp
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	item, _ := jsonAt(rep, "result.metrics.0")
	own := compareJSON(t, "--demo", "--metric", "onboarding", "--steps", "onboarding_started,onboarding_completed",
		"--variant-prop", "onboarding_variant", "--mde", "5pp")
	for _, k := range []string{"params", "result"} {
		if d := cmp.Diff(own[k], item.(map[string]any)[k]); d != "" {
			t.Errorf("%s differ (-command +report)\n%s", k, d)
		}
	}
	if err := os.WriteFile(cfg, []byte("metrics:\n  - name: ab\n    metric: compare\n    compare: churn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, false, "report", "--demo", "--config", cfg); code != ExitUsage ||
		!strings.Contains(errOut, `compare: "churn": compare takes one of onboarding, activation, funnel, retention, nps, trial, repeat, revenue`) {
		t.Errorf("compare: churn: exit %d %s", code, errOut)
	}
}

// Each metric's groups are what its own command counts per segment of
// the variant property (no user of the demo is in two variants): compare
// reads the same figure.
func TestCompareMatchesMetricBySegment(t *testing.T) {
	steps := "onboarding_started,onboarding_completed"
	for _, tt := range []struct {
		metric []string
		extra  []string
		x, n   string // the figure's paths in each segment of the metric's own JSON
	}{
		{[]string{"activation", "--activation-event", "report_created", "--within", "48h"}, nil, "rate.numerator", "rate.denominator"},
		{[]string{"onboarding", "--steps", steps}, nil, "completion.numerator", "completion.denominator"},
		{[]string{"funnel", "--steps", "signup,project_created,report_created"}, nil, "conversion.numerator", "conversion.denominator"},
		{[]string{"retention", "--period", "week"}, []string{"--offset", "2"}, "summary.2.retained", "summary.2.eligible"},
		{[]string{"retention", "--period", "week", "--start-event", "subscription_started"}, []string{"--cuped"}, "summary.1.retained", "summary.1.eligible"},
		{[]string{"activation", "--activation-event", "report_created"}, []string{"--sequential"}, "rate.numerator", "rate.denominator"},
		{[]string{"trial"}, nil, "rate.numerator", "rate.denominator"},
		{[]string{"repeat", "--amount", "amount", "--mode", "cohort", "--within", "60d"}, nil, "rate.numerator", "rate.denominator"},
		{[]string{"repeat", "--amount", "amount"}, nil, "rate.numerator", "rate.denominator"},
		{[]string{"repeat", "--amount", "amount", "--order-event", "invoice_paid", "--mode", "cohort", "--within", "30d"}, []string{"--cuped"}, "rate.numerator", "rate.denominator"},
	} {
		code, out, errOut := run(t, false, append(append([]string{}, tt.metric...), "--demo", "--by", "onboarding_variant", "--format", "json")...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d %s", tt.metric, code, errOut)
		}
		var metric map[string]any
		if err := json.Unmarshal([]byte(out), &metric); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--demo", "--metric"}, tt.metric...)
		env := compareJSON(t, append(append(args, "--variant-prop", "onboarding_variant"), tt.extra...)...)
		for i, seg := range []string{"control", "guided"} {
			figures := map[string]any{}
			for _, f := range []struct{ own, cmp string }{{tt.x, "x"}, {tt.n, "n"}} {
				v, ok := jsonAt(metric, fmt.Sprintf("result.segments.%d.%s", i, f.own))
				if !ok {
					t.Fatalf("%v: no %s", tt.metric, f.own)
				}
				figures[fmt.Sprintf("result.variants.%d.%s", i, f.cmp)] = v
			}
			figures[fmt.Sprintf("result.variants.%d.variant", i)] = seg
			want(t, env, figures)
		}
	}
}
