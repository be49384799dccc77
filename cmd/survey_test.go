package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
)

func TestSurveyGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{"nps_demo_table", []string{"nps", "--demo", "--period", "month"}, false},
		{"nps_demo_by_plan_json", []string{"nps", "--demo", "--by", "plan", "--format", "json"}, false},
		{"csat_demo_by_plan_month_json", []string{"csat", "--demo", "--by", "plan", "--period", "month", "--format", "json"}, false},
		{"ces_demo_table", []string{"ces", "--demo", "--normalize"}, false},
		{"nps_file_table", []string{"nps", "testdata/survey.csv", "--by", "Plan"}, false},
		{"nps_file_csv", []string{"nps", "testdata/survey.csv", "--period", "month", "--format", "csv"}, false},
		{"ces_v5_json", []string{"ces", "testdata/ces_v5.csv", "--scale", "5-effort", "--normalize", "--format", "json"}, false},
	})
}

// Hand-computed: survey.csv has r1 twice (9, then 10: latest wins), r2 6, r3
// NA, r4 7, r5 empty, r6 3 → answers 10, 6, 7, 3: 1 promoter, 2 detractors,
// NPS = 100·(1−2)/4 = −25.
func TestNPSSurveyFile(t *testing.T) {
	code, out, errOut := run(t, false, "nps", "testdata/survey.csv", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env struct {
		Result struct {
			NPS        float64 `json:"nps"`
			N          int64   `json:"n"`
			Promoters  int64   `json:"promoters"`
			Passives   int64   `json:"passives"`
			Detractors int64   `json:"detractors"`
			CI         struct{ Low, High float64 }
			Excluded   metrics.SurveyExcluded `json:"excluded"`
		} `json:"result"`
		Input struct{ Users int64 }
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	r := env.Result
	if r.NPS != -25 || r.N != 4 || r.Promoters != 1 || r.Passives != 1 || r.Detractors != 2 {
		t.Errorf("result %+v", r)
	}
	if r.Excluded != (metrics.SurveyExcluded{Missing: 2, Duplicates: 1}) || env.Input.Users != 4 {
		t.Errorf("excluded %+v users %d", r.Excluded, env.Input.Users)
	}
	if !strings.Contains(errOut, "2 rows had no answer") || !strings.Contains(errOut, "small_sample") {
		t.Errorf("stderr %q", errOut)
	}
	// first instead of latest keeps r1's 9
	_, out, _ = run(t, false, "nps", "testdata/survey.csv", "--survey-dedupe", "first", "--format", "json")
	if !strings.Contains(out, `"nps": -25,`) || !strings.Contains(out, `"promoters": 1,`) {
		t.Errorf("--survey-dedupe first: %s", out[:200])
	}
	_, out, _ = run(t, false, "nps", "testdata/survey.csv", "--survey-dedupe", "all", "--format", "json")
	if !strings.Contains(out, `"n": 5,`) {
		t.Errorf("--survey-dedupe all should keep 5 answers")
	}
}

func TestSurveyErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"csat", "testdata/csat_bad.csv"}, ExitError, "uptake: testdata/csat_bad.csv:4: column \"score\": score \"4.5\" is not a whole number on the 1–5 scale\n"},
		{[]string{"nps", "testdata/csat_bad.csv"}, ExitError, "uptake: testdata/csat_bad.csv:4: column \"score\": score \"4.5\" is not a whole number on the 0–10 scale\n"},
		{[]string{"csat", "testdata/csat_bad.csv", "--period", "month"}, ExitUsage, "uptake: --period needs a time column; none was found (name it with --time-col)\n"},
		{[]string{"nps", "testdata/events.csv"}, ExitError, "uptake: testdata/events.csv: this looks like an event export (it has an \"event\" column), not a survey file: give --event (the answer event) and --score-prop, or --score-col to read it as one answer per row\n"},
		{[]string{"nps", "testdata/bom.csv", "--score-col", "Event"}, ExitError, "uptake: testdata/bom.csv:2: column \"Event\": score \"signup\" is not a number\n"},
		{[]string{"nps", "testdata/missing_col.csv", "--score-col", "nope"}, ExitError, "uptake: testdata/missing_col.csv: no column \"nope\" (named with --score-col; have user_id, timestamp)\n"},
		{[]string{"csat", "--demo", "--satisfied-min", "1"}, ExitUsage, "uptake: --satisfied-min 1: want a score above 1 and at most 5 on the 1-5 scale\n"},
		{[]string{"nps", "--demo", "--event", "nope"}, ExitError, "uptake: --event: no event \"nope\" in the input\n"},
		{[]string{"nps", "--demo", "--event", "nope", "--allow-missing"}, ExitError, "uptake: no \"nope\" events in the input (see 'uptake inspect' for the event names)\n"},
		{[]string{"nps", "testdata/events_bad_score.csv", "--event", "nps_response"}, ExitError, "uptake: testdata/events_bad_score.csv:3: score \"11\" is outside the 0–10 scale\n"},
	} {
		code, out, errOut := run(t, false, tt.args...)
		first := strings.SplitN(errOut, "\n", 2)[0] + "\n"
		want := tt.stderr
		if strings.HasSuffix(want, "…") {
			first, want = first[:min(len(first), len(want)-3)], want[:len(want)-3]
		}
		if code != tt.code || first != want || out != "" {
			t.Errorf("%v: exit %d stderr %q, want %d %q", tt.args, code, errOut, tt.code, tt.stderr)
		}
	}
}

// With --on-invalid skip the bad answer is counted, not clamped: 5, 4, 9 are
// invalid on 1–5 only for 9 and 4.5 → CSAT of {5, 4} = 100%.
func TestSurveySkipInvalid(t *testing.T) {
	code, out, errOut := run(t, false, "csat", "testdata/csat_bad.csv", "--on-invalid", "skip", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"invalid": 2,`) || !strings.Contains(out, `"numerator": 2,`) || !strings.Contains(out, `"denominator": 2,`) {
		t.Errorf("out %s", out)
	}
	if !strings.Contains(errOut, "invalid_scores") {
		t.Errorf("stderr %q", errOut)
	}
}
