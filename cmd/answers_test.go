package cmd

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
)

// newJob is a job of metric m with the command line args (its own flags and
// the reporting flags), as report would build one.
func newJob(t *testing.T, ios *IOStreams, m metrics.Metric, args ...string) (*job, *MetricOptions) {
	t.Helper()
	var opts *MetricOptions
	cmd := NewCmdMetric(ios, m, func(o *MetricOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if err := opts.Report.resolve(); err != nil {
		t.Fatal(err)
	}
	return &job{metric: m, settings: opts.Settings, report: &opts.Report}, opts
}

// One read serves an event metric and survey metrics alike: nps and csat
// take their answer events from the read that activation counts users in,
// and each result is the one its own command gives.
func TestEvaluateAnswersInOneRead(t *testing.T) {
	ios, _, _, _ := Test()
	act, opts := newJob(t, ios, metrics.ActivationMetric, "--demo", "--activation-event", "report_created", "--by", "plan")
	nps, _ := newJob(t, ios, metrics.NPSMetric, "--demo", "--by", "plan", "--period", "month")
	csat, _ := newJob(t, ios, metrics.CSATMetric, "--demo", "--by", "plan")
	if _, _, err := evaluate(ios, &opts.Input, &opts.Report, nil, []*job{act, nps, csat}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		j    *job
		args []string
	}{
		{act, []string{"activation", "--demo", "--activation-event", "report_created", "--by", "plan"}},
		{nps, []string{"nps", "--demo", "--by", "plan", "--period", "month"}},
		{csat, []string{"csat", "--demo", "--by", "plan"}},
	} {
		_, out, errOut := run(t, false, append(tt.args, "--format", "json")...)
		var env struct{ Result json.RawMessage }
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatalf("%v: %v %s", tt.args, err, errOut)
		}
		got, err := json.MarshalIndent(tt.j.result.Value, "  ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, env.Result) {
			t.Errorf("%s in one read:\n%s\nalone:\n%s", tt.args[0], got, env.Result)
		}
	}
	if n := nps.answers.Excluded.Duplicates; n != 0 || len(nps.answers.Valid) != 305 {
		t.Errorf("nps answers: %d valid, %d duplicates; want 305, 0", len(nps.answers.Valid), n)
	}
}

// Survey files hold one question's answers: a metric of users, or a second
// survey metric, cannot share them.
func TestEvaluateSurveyFileAlone(t *testing.T) {
	ios, _, _, _ := Test()
	nps, opts := newJob(t, ios, metrics.NPSMetric, "testdata/survey.csv")
	csat, _ := newJob(t, ios, metrics.CSATMetric, "testdata/survey.csv")
	act, _ := newJob(t, ios, metrics.ActivationMetric, "testdata/survey.csv", "--activation-event", "x")
	for _, jobs := range [][]*job{{nps, csat}, {act, nps}, {nps, act}} {
		_, _, err := evaluate(ios, &opts.Input, &opts.Report, []string{"testdata/survey.csv"}, jobs)
		if _, ok := err.(*usageError); !ok {
			t.Errorf("%s and %s on a survey file: %v, want a usage error", jobs[0].metric.About().Name, jobs[1].metric.About().Name, err)
		}
	}
}
