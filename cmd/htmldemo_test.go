package cmd

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// demoReport is a report over the demo export with a chart of every kind:
// each metric's command line, computed in one read as `uptake report`
// does. scripts/html-shot.sh writes it to a file and screenshots it.
var demoReport = []struct{ name, args string }{
	{"Retention", "retention --period week --periods 8"},
	{"Lifecycle", "lifecycle --period month"},
	{"Activation", "activation --activation-event report_created --within 7d --by plan"},
	{"Onboarding", "onboarding --steps onboarding_started,profile_completed,project_created,teammate_invited,onboarding_completed"},
	{"Funnel", "funnel --steps signup,onboarding_started,project_created,report_created --within 14d"},
	{"Engagement", "engagement --from 2024-03-01 --to 2024-06-01"},
	{"Churn", "churn --period month"},
	{"NPS", "nps --period month"},
	{"CSAT", "csat --by plan"},
	{"CES", "ces"},
}

// demoSections computes demoReport's sections.
func demoSections(t *testing.T) []report.Section {
	t.Helper()
	ios, _, _, _ := Test()
	var jobs []*job
	var first *MetricOptions
	for _, d := range demoReport {
		args := strings.Fields(d.args)
		m, ok := metrics.Lookup(args[0])
		if !ok {
			t.Fatalf("no metric %s", args[0])
		}
		cmd, opts, prepare := newMetricCmd(ios, m)
		if err := cmd.ParseFlags(append(args[1:], "--demo")); err != nil {
			t.Fatalf("%s: %v", d.args, err)
		}
		if err := prepare(); err != nil {
			t.Fatalf("%s: %v", d.args, err)
		}
		if err := opts.Report.resolve(); err != nil {
			t.Fatalf("%s: %v", d.args, err)
		}
		if first == nil {
			first = opts
		}
		jobs = append(jobs, &job{metric: m, settings: opts.Settings, report: &opts.Report})
	}
	if _, _, err := evaluate(ios, &first.Input, &first.Report, nil, jobs); err != nil {
		t.Fatal(err)
	}
	secs := make([]report.Section, len(jobs))
	for i, j := range jobs {
		secs[i] = report.Section{Name: demoReport[i].name, Headline: j.result.Headline, Doc: j.result.Doc}
		for _, w := range j.result.Warnings {
			secs[i].Warnings = append(secs[i].Warnings, report.Warning(w))
		}
	}
	return secs
}

// TestDemoReportHTML renders the demo report as HTML: every section and
// chart is there, and the page is the same bytes twice. With
// UPTAKE_HTML_OUT=FILE it also writes the page there.
func TestDemoReportHTML(t *testing.T) {
	secs := demoSections(t)
	var a, b bytes.Buffer
	if err := report.WriteReport(&a, "uptake demo report", secs, report.FormatHTML, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteReport(&b, "uptake demo report", demoSections(t), report.FormatHTML, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the demo report's HTML differs between two runs")
	}
	page := a.String()
	charts := 0
	for _, s := range secs {
		if len(s.Doc.Charts) == 0 {
			t.Errorf("%s: no charts", s.Name)
		}
		charts += len(s.Doc.Charts)
	}
	if got := strings.Count(page, "<svg "); got != charts {
		t.Errorf("%d <svg> in the page, want %d", got, charts)
	}
	if out := os.Getenv("UPTAKE_HTML_OUT"); out != "" {
		if err := os.WriteFile(out, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
