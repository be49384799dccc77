package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every metric of a report is what its own command prints for the same
// settings: params and result, byte for byte once decoded (the report's
// JSON is one document, so only its indentation differs).
func TestReportEqualsEachCommand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "uptake.yaml")
	if err := os.WriteFile(cfg, demoConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	var rep struct {
		Result struct {
			Metrics []struct {
				Name, Metric   string
				Params, Result json.RawMessage
				Warnings       []struct{ Code, Message string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Result.Metrics) != 20 {
		t.Fatalf("%d metrics, want the config's 20", len(rep.Result.Metrics))
	}
	for _, m := range rep.Result.Metrics {
		if m.Metric == "compare" { // no --config: compare_test.go checks its items against the command
			continue
		}
		code, out, errOut := run(t, false, m.Metric, "--demo", "--config", cfg, "--metric", m.Name, "--format", "json")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", m.Name, code, errOut)
		}
		var own struct {
			Params, Result json.RawMessage
			Warnings       []struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(out), &own); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(compact(t, own.Params), compact(t, m.Params)); d != "" {
			t.Errorf("%s: params differ from %s's (-own +report)\n%s", m.Name, m.Metric, d)
		}
		if d := cmp.Diff(compact(t, own.Result), compact(t, m.Result)); d != "" {
			t.Errorf("%s: result differs from %s's (-own +report)\n%s", m.Name, m.Metric, d)
		}
		// the command's warnings are the input's and then the metric's
		if n := len(m.Warnings); n > len(own.Warnings) || (n > 0 && cmp.Diff(own.Warnings[len(own.Warnings)-n:], m.Warnings) != "") {
			t.Errorf("%s: warnings %v are not the end of the command's %v", m.Name, m.Warnings, own.Warnings)
		}
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Config mistakes are usage errors, every one at once with its line,
// before any data is read.
func TestReportConfigErrors(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	body := `input:
  assume-tz: Mars/Olympus
  colour: blue
metrics:
  - name: a
    metric: activaton
  - name: b
    metric: activation
    activation-event: report_created
    within: 7x
    windw-mode: calendar
  - name: c
    metric: retention
    where: "plan = pro"
    period: yearly
  - name: c
    metric: engagement
    since: 2024-02-01
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "--config", cfg)
	want := []string{
		cfg + `:16: a second metric named "c" (the first is at line 12): give each a name:`,
		cfg + `:3: input has no setting "colour" (it takes input flags, and reporting flags as every metric's default)`,
		cfg + `:6: no metric "activaton"; did you mean "activation"?`,
		cfg + `:10: --within "7x": want a duration such as 90s, 30m, 48h, 7d or 2w`,
		cfg + `:11: metric activation has no setting "windw-mode"; did you mean "window-mode"?`,
		cfg + `:14: where is an input flag, and the input is read once for every metric: put it under input:`,
		cfg + `:15: period "yearly": valid values are day, week, month`,
	}
	if code != ExitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

func TestReportGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{name: "report_demo_table", args: []string{"report", "--demo", "-q"}},
		{name: "report_demo_markdown", args: []string{"report", "--demo", "-q", "--format", "markdown"}},
	})
}

// -o writes the report to a file and nothing to stdout.
func TestReportOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.md")
	code, out, errOut := run(t, false, "report", "--demo", "-q", "--format", "markdown", "-o", path)
	if code != ExitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), "# uptake report: (built-in demo config) (20 metrics") {
		t.Errorf("%s: %v %.80q", path, err, b)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("%s: mode %v, %v; want -rw-r--r-- like a file the shell writes", path, fi.Mode(), err)
	}
}

// A key given twice in one item, or with no value, is an error; --since
// written in two zones for the same instant is one instant.
func TestReportConfigValues(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("metrics:\n  - metric: activation\n    activation-event: report_created\n    within: 7d\n    within: 2d\n    tz: ~\n")
	code, _, errOut := run(t, false, "report", "--demo", "--config", p)
	for _, want := range []string{p + ":5: within given twice (first at line 4)", p + ":6: tz: no value (leave the key out for the default)"} {
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}
	p = write("metrics:\n  - metric: activation\n    activation-event: report_created\n    since: 2024-03-01T00:00:00Z\n" +
		"  - metric: engagement\n    since: 2024-03-01T09:00:00+09:00\n")
	if code, _, errOut := run(t, false, "report", "--demo", "-q", "--config", p); code != ExitOK {
		t.Errorf("the same instant in two zones: exit %d: %s", code, errOut)
	}
}
