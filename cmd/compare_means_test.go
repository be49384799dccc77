package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The continuous outcomes (docs/compare.md), by hand. The t quantiles and
// p-values below come from an independent computation of the Student t
// distribution (the regularized incomplete beta by its continued fraction),
// not from the code under test.

// warningCodes are the codes of an envelope's warnings.
func warningCodes(env map[string]any) map[string]bool {
	codes := map[string]bool{}
	for _, w := range env["warnings"].([]any) {
		codes[w.(map[string]any)["code"].(string)] = true
	}
	return codes
}

// Revenue per user in the 7 days after exposure (the signup row that
// carries the variant), end included, 0 without a purchase:
// control c1 0 (no purchase), c2 10 (the 7 bought before exposure is not
// in its window), c3 25 − 5 refunded = 20, c4 30 at exactly 7 d (the 100
// a second later is out): mean 15, s² = 500/3; guided g1 20 (bought at
// the moment of exposure), g2 30, g3 15 + 25 = 40, g4 90: mean 45,
// s² = 2900/3. Welch: SE² = 500/12 + 2900/12 = 283.33…, t = 30/√283.33… =
// 1.78226557735801, df = 283.33…² / ((500/12)²/3 + (2900/12)²/3) =
// 4.00461893764434; lift 45/15 − 1 = 2, delta-method
// SE² = (2900/12)/15² + 45²·(500/12)/15⁴ = 2.7407… . m1 (two variants),
// n1 (none) and l1 (signed up 4 days before --as-of) are left out.
func TestCompareRevenuePerUser(t *testing.T) {
	base := []string{"testdata/compare_revenue.csv", "--metric", "revenue", "--amount", "amount", "--within", "7d", "--as-of", "2024-02-01"}
	env := compareJSON(t, append(base, "--variant-prop", "variant")...)
	want(t, env, map[string]any{
		"params.metric": "revenue", "params.within": "7d", "params.window_mode": "elapsed", "params.entry_event": "", "params.amount": "amount",
		"result.kind": "mean", "result.unit": "amount", "result.lower_is_better": false,
		"result.variants.0.n": 4, "result.variants.0.x": nil, "result.variants.0.rate": nil,
		"result.variants.0.mean.mean": 15, "result.variants.0.mean.sd": 12.909944487358056,
		"result.variants.0.mean.ci.low": -5.542602567605186, "result.variants.0.mean.ci.high": 35.542602567605186,
		"result.variants.1.n": 4, "result.variants.1.mean.mean": 45, "result.variants.1.mean.sd": 31.09126351029605,
		"result.variants.1.mean.ci.low": -4.473138342471863, "result.variants.1.mean.ci.high": 94.47313834247186,
		"result.comparisons.0.test": "welch_t", "result.comparisons.0.diff.value": 30,
		"result.comparisons.0.statistic": 1.7822655773580138, "result.comparisons.0.df": 4.0046189376443415,
		"result.comparisons.0.p_value":     0.14920693914779118,
		"result.comparisons.0.diff.ci.low": -16.713284199829417, "result.comparisons.0.diff.ci.high": 76.71328419982942,
		"result.comparisons.0.lift.value": 2, "result.comparisons.0.lift.ci.low": -1.2447561840228105, "result.comparisons.0.lift.ci.high": 5.24475618402281,
		"result.comparisons.0.lift.ci.method": "delta",
		"result.decision":                     "no_significant_difference", "result.srm.counts.0": 4, "result.srm.counts.1": 5,
		"result.excluded.multi_variant": 1, "result.excluded.no_variant": 1, "result.excluded.censored": 1,
	})
	params := env["params"].(map[string]any)
	for _, k := range []string{"clv", "period", "lifetime", "arpu_basis", "horizon"} {
		if _, ok := params[k]; ok {
			t.Errorf("params.%s: revenue's own setting, which revenue per user does not read", k)
		}
	}

	// observational groups: each user's window starts at their first event,
	// c2's at its page view, so the 7 bought before the signup counts
	// (17); m1 (control first) has 5, n1 60: not guided 0, 17, 20, 30, 5,
	// 60 (mean 22, s 21.4941852602047) against 20, 30, 40, 90
	env = compareJSON(t, append(base, "--group", "variant = guided")...)
	want(t, env, map[string]any{
		"result.variants.0.n": 6, "result.variants.0.mean.mean": 22, "result.variants.0.mean.sd": 21.494185260204677,
		"result.variants.1.n": 4, "result.comparisons.0.diff.value": 23, "result.comparisons.0.statistic": 1.2884261100288927,
		"result.comparisons.0.df": 4.91679243442383, "result.comparisons.0.p_value": 0.2548920396873058,
		"result.comparisons.0.diff.ci.low": -23.122627176212013, "result.comparisons.0.diff.ci.high": 69.122627176212,
		"result.comparisons.0.lift.value": 1.0454545454545454, "result.srm": nil, "result.excluded.censored": 1,
	})

	// variants from a users table have no time: each window starts at the
	// user's first event (c2's page view: 17; m1, control there, 5)
	env = compareJSON(t, append(base, "--variant-prop", "variant", "--users", "testdata/compare_revenue_users.csv")...)
	want(t, env, map[string]any{"result.variants.0.n": 5, "result.variants.0.mean.mean": 72.0 / 5, "result.variants.1.mean.mean": 45})
	if !warningCodes(env)["exposure_unknown"] {
		t.Errorf("a users table's variants: warnings %v", env["warnings"])
	}

	// --entry-event: only c2 viewed a page, so only c2 entered (17 in the
	// week from it): guided is empty — nulls, no test, no panic
	env = compareJSON(t, append(base, "--variant-prop", "variant", "--entry-event", "page_viewed")...)
	want(t, env, map[string]any{
		"params.entry_event": "page_viewed", "result.variants.0.n": 1, "result.variants.0.mean.mean": 17, "result.variants.0.mean.sd": nil,
		"result.variants.0.mean.ci": nil, "result.variants.1.n": 0, "result.variants.1.mean.mean": nil,
		"result.comparisons.0.diff.value": nil, "result.comparisons.0.p_value": nil, "result.comparisons.0.lift.value": nil,
		"result.comparisons.0.decision": "inconclusive", "result.decision": "inconclusive",
	})
	if !warningCodes(env)["small_sample"] {
		t.Errorf("an empty group: warnings %v", env["warnings"])
	}

	// no purchase at all (the signups as the purchases, without amounts):
	// every value 0 in both groups — no variance, no lift, no decision
	for _, extra := range [][]string{nil, {"--cuped"}} {
		env = compareJSON(t, append(append(base, "--variant-prop", "variant", "--order-event", "signup"), extra...)...)
		want(t, env, map[string]any{
			"result.variants.0.mean.mean": 0, "result.variants.0.mean.sd": 0, "result.variants.1.mean.mean": 0,
			"result.comparisons.0.diff.value": 0, "result.comparisons.0.diff.ci": nil, "result.comparisons.0.p_value": nil,
			"result.comparisons.0.statistic": nil, "result.comparisons.0.lift.value": nil, "result.decision": "inconclusive",
		})
		codes := warningCodes(env)
		if !codes["no_variance"] || !codes["zero_control"] || !codes["orders_without_amount"] {
			t.Errorf("all zero %v: warnings %v", extra, env["warnings"])
		}
	}
}

// Time to value on compare_variants.csv (see TestCompareVariants): the 6
// control users who activate do so 24 h after signup, 13 guided users 48 h
// after and g14 at exactly 7 d.
//
// ttv (among those who activated): control 86400 s ×6 (s = 0), guided
// mean 2851200/14 = 203657.142857 s; with no variance in control Welch's
// df is 14 − 1 = 13 and t = 117257.14…/(s_B/√14) = 3.8. Guided is slower:
// lower is better, so it loses.
//
// ttv-capped (everyone, 7 d for those who did not activate): control
// (6·86400 + 14·604800)/20 = 449280 s, guided (13·172800 + 7·604800)/20 =
// 324000 s: 34.8 hours faster, not significant (p 0.0907).
func TestCompareTimeToValue(t *testing.T) {
	base := []string{"testdata/compare_variants.csv", "--metric", "activation", "--activation-event", "report", "--variant-prop", "variant", "--as-of", "2024-02-01"}
	env := compareJSON(t, append(base, "--outcome", "ttv")...)
	want(t, env, map[string]any{
		"params.outcome": "ttv", "result.kind": "mean", "result.unit": "seconds", "result.lower_is_better": true,
		"result.variants.0.n": 6, "result.variants.0.mean.mean": 86400, "result.variants.0.mean.sd": 0,
		"result.variants.1.n": 14, "result.variants.1.mean.mean": 203657.14285714287, "result.variants.1.mean.sd": 115456.85650616734,
		"result.variants.1.mean.ci.low": 136994.33860057668, "result.variants.1.mean.ci.high": 270319.94711370906,
		"result.comparisons.0.diff.value": 117257.14285714286, "result.comparisons.0.statistic": 3.8, "result.comparisons.0.df": 13,
		"result.comparisons.0.p_value":     0.002207334711315752,
		"result.comparisons.0.diff.ci.low": 50594.338600576666, "result.comparisons.0.diff.ci.high": 183919.94711370906,
		"result.comparisons.0.lift.value": 1.3571428571428572, "result.comparisons.0.lift.ci.low": 0.6571557198071236,
		"result.comparisons.0.lift.ci.high": 2.057129994478591,
		"result.comparisons.0.decision":     "loser", "result.decision": "loser", "result.winner": nil,
		"result.excluded.not_reached": 20, "result.excluded.censored": 1,
	})
	if !warningCodes(env)["conditional_outcome"] {
		t.Errorf("ttv: warnings %v", env["warnings"])
	}
	env = compareJSON(t, append(base, "--outcome", "ttv-capped")...)
	want(t, env, map[string]any{
		"result.variants.0.n": 20, "result.variants.0.mean.mean": 449280, "result.variants.0.mean.sd": 243732.16015687556,
		"result.variants.1.n": 20, "result.variants.1.mean.mean": 324000, "result.variants.1.mean.sd": 211403.72948958413,
		"result.comparisons.0.diff.value": -125280, "result.comparisons.0.statistic": -1.7365121991660253,
		"result.comparisons.0.df": 37.25566554547663, "result.comparisons.0.p_value": 0.09073700550289732,
		"result.comparisons.0.diff.ci.low": -271425.01695837046, "result.comparisons.0.diff.ci.high": 20865.016958370485,
		"result.comparisons.0.lift.value": -0.27884615384615385, "result.comparisons.0.lift.ci.low": -0.5470326254454647,
		"result.comparisons.0.lift.ci.high": -0.010659682246842939,
		"result.decision":                   "no_significant_difference", "result.excluded.not_reached": 0,
	})
	// the rate is still the default
	env = compareJSON(t, base...)
	want(t, env, map[string]any{"params.outcome": "rate", "result.kind": "proportion", "result.unit": nil, "result.variants.1.x": 14})

	// --users-out: each user's time to value, and who never reached it
	path := filepath.Join(t.TempDir(), "users.csv")
	if code, _, errOut := run(t, false, append(append([]string{"compare"}, base...), "--outcome", "ttv", "--users-out", path, "--format", "json")...); code != ExitOK {
		t.Fatalf("--users-out: exit %d %s", code, errOut)
	}
	rows := readLines(t, path)
	for _, w := range []string{"c01,control,counted,86400", "g14,guided,counted,604800", "c07,control,not_reached,", "l01,control,censored,"} {
		if !contains(rows, w) {
			t.Errorf("--users-out lacks %q:\n%s", w, strings.Join(rows, "\n"))
		}
	}
	// the table speaks durations
	code, out, _ := run(t, false, append(append([]string{"compare"}, base...), "--outcome", "ttv")...)
	if code != ExitOK || !strings.Contains(out, "mean time [CI]") || !strings.Contains(out, "1d00h [1d00h, 1d00h]") ||
		!strings.Contains(out, "+1d08h [+14h03m, +2d03h]") || !strings.Contains(out, "lower is better") {
		t.Errorf("ttv table: exit %d\n%s", code, out)
	}
}

func TestCompareOutcomeUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--demo", "--metric", "activation", "--activation-event", "report_created", "--variant-prop", "onboarding_variant", "--outcome", "mean"},
			`--outcome`},
		{[]string{"--demo", "--metric", "revenue", "--amount", "amount", "--variant-prop", "onboarding_variant", "--clv", "formula"}, "unknown flag: --clv"},
		{[]string{"--demo", "--metric", "revenue", "--amount", "amount", "--variant-prop", "onboarding_variant", "--outcome", "ttv"}, "unknown flag: --outcome"},
		{[]string{"--demo", "--metric", "revenue", "--variant-prop", "onboarding_variant"}, "compare needs --amount"},
		{[]string{"--demo", "--metric", "revenue", "--amount", "amount", "--variant-prop", "onboarding_variant", "--within", "1.5d", "--window-mode", "calendar"},
			"--window-mode calendar counts whole days"},
		{[]string{"--demo", "--metric", "repeat", "--variant-prop", "onboarding_variant"}, "which events are purchases?"},
	} {
		code, _, errOut := run(t, false, append([]string{"compare"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("compare %v: exit %d, stderr %q; want exit %d with %q", tt.args, code, errOut, ExitUsage, tt.stderr)
		}
	}
}

// --cuped on the continuous outcomes: the covariate is each user's active
// days before they entered, so activation anchored on a later signup
// event has one; revenue from each user's first event has none.
func TestCompareMeansCUPED(t *testing.T) {
	env := compareJSON(t, "--demo", "--metric", "activation", "--activation-event", "report_created", "--signup-event", "onboarding_completed",
		"--outcome", "ttv-capped", "--variant-prop", "onboarding_variant", "--cuped")
	plain := compareJSON(t, "--demo", "--metric", "activation", "--activation-event", "report_created", "--signup-event", "onboarding_completed",
		"--outcome", "ttv-capped", "--variant-prop", "onboarding_variant")
	want(t, env, map[string]any{"result.comparisons.0.test": "cuped_welch_t", "params.cuped": true,
		// the unadjusted difference is the plain comparison's
		"result.comparisons.0.cuped.unadjusted_diff.value":  mustNum(t, plain, "result.comparisons.0.diff.value"),
		"result.comparisons.0.cuped.unadjusted_diff.ci.low": mustNum(t, plain, "result.comparisons.0.diff.ci.low")})
	if th := mustNum(t, env, "result.comparisons.0.cuped.theta"); th == 0 {
		t.Errorf("theta = 0: the users had activity before onboarding_completed")
	}
	// the means' interval is narrower by the variance removed
	vr := mustNum(t, env, "result.comparisons.0.cuped.variance_reduction")
	w := mustNum(t, env, "result.comparisons.0.diff.ci.high") - mustNum(t, env, "result.comparisons.0.diff.ci.low")
	w0 := mustNum(t, plain, "result.comparisons.0.diff.ci.high") - mustNum(t, plain, "result.comparisons.0.diff.ci.low")
	if vr <= 0 || w >= w0 {
		t.Errorf("variance reduction %v, width %v against %v", vr, w, w0)
	}
	env = compareJSON(t, "--demo", "--metric", "revenue", "--amount", "amount", "--variant-prop", "onboarding_variant", "--cuped")
	want(t, env, map[string]any{"result.comparisons.0.test": "cuped_welch_t", "result.comparisons.0.cuped.theta": 0})
	if !warningCodes(env)["cuped_no_covariate"] {
		t.Errorf("revenue from exposure at the first event: warnings %v", env["warnings"])
	}
}

// A config item compares revenue per user as the command does, and
// check reads its figures.
func TestCompareMeansConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "uptake.yaml")
	if err := os.WriteFile(cfg, []byte(`input:
  demo: true
  amount: amount
metrics:
  - name: rev
    metric: compare
    compare: revenue
    variant-prop: onboarding_variant
    within: 14d
  - name: ttv
    metric: compare
    compare: activation
    activation-event: report_created
    outcome: ttv-capped
    variant-prop: onboarding_variant
checks:
  - metric: rev
    figure: variants[1].mean.mean
    min: 1
  - metric: ttv
    figure: comparisons[0].p_value
    min: 0.5
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for i, args := range [][]string{
		{"--demo", "--amount", "amount", "--metric", "revenue", "--variant-prop", "onboarding_variant", "--within", "14d"},
		{"--demo", "--metric", "activation", "--activation-event", "report_created", "--outcome", "ttv-capped", "--variant-prop", "onboarding_variant"},
	} {
		item, _ := jsonAt(rep, "result.metrics."+string(rune('0'+i)))
		own := compareJSON(t, args...)
		if d := cmp.Diff(own["result"], item.(map[string]any)["result"]); d != "" {
			t.Errorf("%v: results differ (-command +report)\n%s", args, d)
		}
	}
	// check: the first passes, the second fails (p is below 0.5)
	code, out, errOut = run(t, false, "check", "--config", cfg, "--format", "json")
	var got checkJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("check: exit %d %s %s", code, out, errOut)
	}
	if code != ExitError || len(got.Result.Checks) != 2 || got.Result.Checks[0].Status != "pass" || got.Result.Checks[1].Status != "fail" {
		t.Errorf("check: exit %d %+v", code, got.Result.Checks)
	}
	// HTML draws the intervals of both
	code, out, _ = run(t, false, "report", "--config", cfg, "--format", "html")
	if code != ExitOK || strings.Count(out, "Difference from control") < 2 || !strings.Contains(out, "(hours)") {
		t.Errorf("html: exit %d", code)
	}
}

// --help with --metric lists the metric's compare-only flags, and not the
// flags compare does not read.
func TestCompareOutcomeHelp(t *testing.T) {
	for _, tt := range []struct {
		metric      string
		has, hasNot []string
	}{
		{"activation", []string{"--outcome string", "(rate|ttv|ttv-capped)", "--within"}, nil},
		{"revenue", []string{"--within duration", "--entry-event event", "--order-event", "--window-mode"}, []string{"--clv ", "--period ", "--outcome "}},
		{"repeat", []string{"--mode ", "--within "}, []string{"--entry-event", "--outcome "}},
	} {
		code, out, _ := run(t, false, "compare", "--metric", tt.metric, "--help")
		for _, s := range tt.has {
			if code != ExitOK || !strings.Contains(out, s) {
				t.Errorf("compare --metric %s --help: exit %d, lacks %q", tt.metric, code, s)
			}
		}
		for _, s := range tt.hasNot {
			if strings.Contains(out, "\n      "+s) {
				t.Errorf("compare --metric %s --help lists %q", tt.metric, s)
			}
		}
	}
}
