package cmd

import (
	"encoding/json"
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// checkConfig is a config of the sample's metrics under every name the
// baseline (testdata/check_baseline.json) has, and the checks given.
func checkConfig(t *testing.T, checks string) string {
	t.Helper()
	act := "    metric: activation\n    activation-event: report_created\n    within: 7d\n"
	cfg := "input:\n  demo: true\nmetrics:\n"
	for _, name := range []string{"activation-740", "activation-800", "activation-600", "activation-null", "activation-missing"} {
		cfg += "  - name: " + name + "\n" + act
	}
	cfg += "  - name: nps\n    metric: nps\n    event: nps_response\n    score-prop: score\n"
	cfg += "  - name: csat\n    metric: csat\n    event: csat_response\n    score-prop: score\n"
	cfg += "  - name: onboarding\n    metric: onboarding\n    steps: onboarding_started,profile_completed\n"
	cfg += "checks:\n" + checks
	path := filepath.Join(t.TempDir(), "uptake.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type checkJSON struct {
	Result struct {
		Checks []checkResult `json:"checks"`
		Passed bool          `json:"passed"`
	} `json:"result"`
}

func TestCheckKinds(t *testing.T) {
	// the sample's activation is 719/1000 = 0.719; its NPS −11.148 (se
	// 4.731, n 305); its csat mean 3.7627 (sd 1.2776, n 59)
	for _, tt := range []struct {
		name, check string
		status      string
		why         string  // a part of the reason
		p           float64 // the change test's p-value, when one ran
	}{
		{"min pass", "metric: activation-740\n    figure: rate.value\n    min: 0.7", "pass", "", 0},
		{"min fail", "metric: activation-740\n    figure: rate.value\n    min: 0.75", "fail", "0.719 is below min 0.75", 0},
		{"max pass", "metric: activation-740\n    figure: rate.value\n    max: 0.72", "pass", "", 0},
		{"max fail", "metric: activation-740\n    figure: rate.numerator\n    max: 700", "fail", "719 is above max 700", 0},
		{"max-drop pass", "metric: activation-740\n    figure: rate.value\n    max-drop: 0.021", "pass", "", 0},
		{"max-drop fail", "metric: activation-740\n    figure: rate.value\n    max-drop: 0.02", "fail", "dropped 0.021 from 0.74 (max-drop 0.02)", 0},
		{"max-rise pass", "metric: activation-600\n    figure: rate.value\n    max-rise: 0.2", "pass", "", 0},
		{"max-rise fail", "metric: activation-600\n    figure: rate.value\n    max-rise: 0.1", "fail", "rose 0.119 from 0.6 (max-rise 0.1)", 0},
		// 719/1000 vs 740/1000: pooled z −1.05708, p 0.290475
		{"drop not significant", "metric: activation-740\n    figure: rate.value\n    max-drop: 0.01\n    significant: true", "pass", "but not significant (two-proportion z test p = 0.29", 0.29047490254352815},
		// 719/1000 vs 800/1000: z −4.23788, p 2.2564e-5
		{"drop significant", "metric: activation-800\n    figure: rate.value\n    max-drop: 0.05\n    significant: true", "fail", "significant (two-proportion z test p = 2.26e-05 < alpha 0.05)", 2.2564093043553994e-05},
		// NPS −11.148 (se 4.731) vs 0 (se 4): z −1.79935, p 0.0719641
		{"nps not significant", "metric: nps\n    figure: nps\n    max-drop: 5\n    significant: true", "pass", "NPS z test p = 0.072", 0.07196408682695946},
		{"nps significant at 0.1", "metric: nps\n    figure: nps\n    max-drop: 5\n    significant: true\n    alpha: 0.1", "fail", "p = 0.072 < alpha 0.1", 0.07196408682695946},
		// mean 3.7627 (sd 1.2776, n 59) vs 4.3 (1.2, 60): t −2.36374, df
		// 116.26, p 0.0197505 (the t density integrated numerically)
		{"welch", "metric: csat\n    figure: mean\n    max-drop: 0.1\n    significant: true", "fail", "Welch t test p = 0.0198", 0.019750453638611897},
		{"null figure", "metric: onboarding\n    figure: steps[0].pct_of_previous\n    min: 0", "error", "steps[0].pct_of_previous is null in the result", 0},
		{"null baseline", "metric: activation-null\n    figure: rate.value\n    max-drop: 0.1", "error", "rate.value is null in the baseline", 0},
		{"no baseline metric", "metric: activation-missing\n    figure: rate.value\n    max-drop: 0.1", "error", `the baseline has no metric "activation-missing"`, 0},
		{"no baseline figure", "metric: activation-800\n    figure: anchored\n    max-drop: 0.1", "error", "the baseline has no anchored", 0},
		{"no test", "metric: activation-740\n    figure: anchored\n    max-drop: -1\n    significant: true", "error", "no test applies to anchored", 0},
		{"no segments", "metric: activation-740\n    figure: segments[0].rate.value\n    min: 0", "error", "segments are there when the metric has by:", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := checkConfig(t, "  - "+tt.check+"\n")
			code, out, errOut := run(t, false, "check", "--config", path, "--baseline", "testdata/check_baseline.json", "--format", "json")
			var got checkJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("exit %d: %v\n%s", code, err, errOut)
			}
			c := got.Result.Checks[0]
			if c.Status != tt.status || !strings.Contains(c.Why, tt.why) {
				t.Errorf("got %s (%s), want %s (%s)", c.Status, c.Why, tt.status, tt.why)
			}
			want := ExitOK
			if tt.status != "pass" {
				want = ExitError
			}
			if code != want || got.Result.Passed != (want == ExitOK) {
				t.Errorf("exit %d, passed %v; stderr %s", code, got.Result.Passed, errOut)
			}
			if tt.p != 0 && (c.P == nil || math.Abs(*c.P-tt.p) > 1e-9) {
				t.Errorf("p = %v, want %v", c.P, tt.p)
			}
		})
	}
}

func TestCheckDemoPasses(t *testing.T) {
	code, out, errOut := run(t, false, "check", "--demo", "--format", "json")
	var got checkJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitOK || !got.Result.Passed {
		t.Fatalf("exit %d, %v: %s", code, err, errOut)
	}
	if len(got.Result.Checks) != 7 {
		t.Errorf("%d checks", len(got.Result.Checks))
	}
}

func TestCheckFailConfig(t *testing.T) {
	code, out, errOut := run(t, false, "check", "--config", "testdata/check_fail.yaml")
	if code != ExitError {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "uptake: 1 of 3 checks failed, 1 could not be evaluated\n" {
		t.Errorf("stderr %q", errOut)
	}
	golden(t, "check_fail_text", out)
}

func TestCheckConfigErrors(t *testing.T) {
	// every problem at once, with its line, before any data is read (the
	// files: do not exist)
	cfg := `input:
  files: [no-such-file.csv]
metrics:
  - name: activation-7d
    metric: activation
    activation-event: report_created
checks:
  - metric: activaton-7d
    figure: rate.value
    min: 0.5
  - metric: activation-7d
    figure: rate.vlue
    max: high
  - metric: activation-7d
    figure: rate
    mx: 3
  - metric: activation-7d
    figure: rate.value
    max-drop: 0.1
    alpha: 2
  - figure: rate.value
    significant: maybe
`
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "check", "--config", path)
	want := []string{
		`:8: metric "activaton-7d": the config has no metric of that name; did you mean "activation-7d"?`,
		`:12: figure "rate.vlue": rate has no field "vlue" (its fields: numerator, denominator, value, ci)`,
		`:13: max: "high" is not a number`,
		`:14: a check needs a bound: min, max, max-drop or max-rise`,
		`:15: figure "rate": rate is an object, not a number (its fields: numerator, denominator, value, ci)`,
		`:16: a check has no key "mx"; did you mean "max" or "min"?`,
		`:17: max-drop and max-rise compare with a baseline: give --baseline FILE (a saved uptake report --format json), or baseline: previous-period`,
		`:17: alpha: 2 is not between 0 and 1`,
		`:21: a check needs metric: (the name of one of the config's metrics)`,
		`:21: a check needs a bound: min, max, max-drop or max-rise`,
		`:22: significant: "maybe" is not true or false`,
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if _, rest, ok := strings.Cut(l, path); ok {
			got = append(got, rest)
		}
	}
	if code != ExitUsage || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%s", diff, errOut)
	}
}

func TestCheckJUnit(t *testing.T) {
	code, out, _ := run(t, false, "check", "--config", "testdata/check_fail.yaml", "--format", "junit")
	if code != ExitError || !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	type problem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	var got struct {
		XMLName xml.Name
		Tests   int `xml:"tests,attr"`
		Suites  []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Cases    []struct {
				Name      string   `xml:"name,attr"`
				Classname string   `xml:"classname,attr"`
				Failure   *problem `xml:"failure"`
				Error     *problem `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.XMLName.Local != "testsuites" || got.Tests != 3 || len(got.Suites) != 1 {
		t.Fatalf("%+v", got)
	}
	s := got.Suites[0]
	if s.Name != "uptake check testdata/check_fail.yaml" || s.Tests != 3 || s.Failures != 1 || s.Errors != 1 || len(s.Cases) != 3 {
		t.Fatalf("suite %+v", s)
	}
	c := s.Cases
	if c[0].Name != "activation floor" || c[0].Classname != "uptake.activation-7d" || c[0].Failure == nil || c[0].Failure.Message != "0.719 is below min 0.8" || c[0].Error != nil {
		t.Errorf("case 0 %+v", c[0])
	}
	if c[1].Failure != nil || c[1].Error != nil {
		t.Errorf("case 1 passes: %+v", c[1])
	}
	if c[2].Error == nil || !strings.Contains(c[2].Error.Message, "is null") {
		t.Errorf("case 2 %+v", c[2])
	}
}

func TestCheckGitHub(t *testing.T) {
	ios, _, out, _ := Test()
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios.Getenv = func(k string) string {
		if k == "GITHUB_STEP_SUMMARY" {
			return summary
		}
		return ""
	}
	if code := Main(ios, []string{"check", "--config", "testdata/check_fail.yaml", "--format", "github"}); code != ExitError {
		t.Fatalf("exit %d", code)
	}
	golden(t, "check_github", out.String())
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "earlier step\n") || !strings.Contains(string(md), "| activation floor         | activation-7d | rate.value                 | 0.719 |") {
		t.Errorf("summary:\n%s", md)
	}
}

func TestGitHubEscapes(t *testing.T) {
	for _, tt := range []struct{ in, data, prop string }{
		{"50% a\r\nb: c, d", "50%25 a%0D%0Ab: c, d", "50%25 a%0D%0Ab%3A c%2C d"},
		{"50% drop\nnext", "50%25 drop%0Anext", "50%25 drop%0Anext"},
		{"a: b, c", "a: b, c", "a%3A b%2C c"},
		{"x\x1b]0;t\x07", `x\x1b]0;t\x07`, `x\x1b]0;t\x07`},
	} {
		if d, p := ghData(tt.in), ghProperty(tt.in); d != tt.data || p != tt.prop {
			t.Errorf("%q: data %q, property %q; want %q, %q", tt.in, d, p, tt.data, tt.prop)
		}
	}
}

func TestPreviousPeriod(t *testing.T) {
	utc := time.UTC
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, utc) }
	for _, tt := range []struct{ from, to, wantFrom time.Time }{
		{d(2024, 6, 1), d(2024, 7, 1), d(2024, 5, 1)},   // a month: the month before (31 days, not 30)
		{d(2024, 1, 1), d(2024, 3, 1), d(2023, 11, 1)},  // two months, across a year
		{d(2024, 3, 4), d(2024, 3, 11), d(2024, 2, 26)}, // a week: 7 days back
		{d(2024, 3, 1), d(2024, 3, 15), d(2024, 2, 16)}, // not month to month: 14 days back
	} {
		from, to := previousPeriod(tt.from, tt.to)
		if !from.Equal(tt.wantFrom) || !to.Equal(tt.from) {
			t.Errorf("before [%s, %s): [%s, %s), want [%s, %s)", tt.from.Format(time.DateOnly), tt.to.Format(time.DateOnly),
				from.Format(time.DateOnly), to.Format(time.DateOnly), tt.wantFrom.Format(time.DateOnly), tt.from.Format(time.DateOnly))
		}
	}
}

// baseline: previous-period compares a metric with itself on the period
// before its range, from the same read: June's activation (161/214) against
// May's (153/220, what activation --from 2024-05-01 --to 2024-06-01 prints).
// The rise of 5.7 points fails max-rise 0.01 unless it must be significant:
// two-proportion z test, pooled 314/434, z = 1.325, p = 0.185.
func TestCheckPreviousPeriod(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	body := "metrics:\n  - name: june\n    metric: activation\n    activation-event: report_created\n    from: 2024-06-01\n    to: 2024-07-01\n" +
		"  - name: all\n    metric: activation\n    activation-event: report_created\n" +
		"checks:\n  - name: rise\n    metric: june\n    figure: rate.value\n    max-rise: 0.01\n    baseline: previous-period\n" +
		"  - name: rise significant\n    metric: june\n    figure: rate.value\n    max-rise: 0.01\n    significant: true\n    baseline: previous-period\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "check", "--demo", "-q", "--config", cfg, "--format", "json")
	if code != ExitError {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env struct {
		Result struct {
			Checks []struct {
				Name, Status    string
				Value, Baseline float64
				P               *float64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	c := env.Result.Checks
	if len(c) != 2 || c[0].Status != "fail" || c[1].Status != "pass" ||
		math.Abs(c[0].Value-161.0/214) > 1e-12 || math.Abs(c[0].Baseline-153.0/220) > 1e-12 ||
		c[1].P == nil || math.Abs(*c[1].P-0.1853) > 5e-4 {
		t.Errorf("checks %+v", c)
	}
	// a metric with no range has no previous period
	os.WriteFile(cfg, []byte(strings.Replace(body, "metric: june\n    figure: rate.value\n    max-rise: 0.01\n    baseline", "metric: all\n    figure: rate.value\n    max-rise: 0.01\n    baseline", 1)), 0o644)
	if code, _, errOut := run(t, false, "check", "--demo", "-q", "--config", cfg); code != ExitUsage || !strings.Contains(errOut, "baseline: previous-period needs the metric's reporting range: give all from: and to:") {
		t.Errorf("no range: exit %d, %s", code, errOut)
	}
}
