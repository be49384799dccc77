package cmd

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// checkRun is an evaluated config, for the output formats.
type checkRun struct {
	path   string
	asOf   string
	checks []checkResult
}

func (r checkRun) count(status string) int {
	n := 0
	for _, c := range r.checks {
		if c.Status == status {
			n++
		}
	}
	return n
}

func (r checkRun) passed() bool { return r.count(checkPass) == len(r.checks) }

// tally is the run in a line: "2 of 5 checks failed, 1 could not be evaluated".
func (r checkRun) tally() string {
	fail, errs := r.count(checkFail), r.count(checkError)
	if fail+errs == 0 {
		return fmt.Sprintf("all %d checks passed", len(r.checks))
	}
	s := fmt.Sprintf("%d of %d checks failed", fail, len(r.checks))
	if errs > 0 {
		s += fmt.Sprintf(", %d could not be evaluated", errs)
	}
	return s
}

// doc is the run for people: a row per check.
func (r checkRun) doc() report.Doc {
	t := report.Table{Columns: []report.Column{{Key: "check"}, {Key: "metric"}, {Key: "figure"}, {Key: "value"}, {Key: "baseline"}, {Key: "bound"}, {Key: "status"}, {Key: "why"}}}
	for _, c := range r.checks {
		t.Rows = append(t.Rows, []any{c.Name, c.Metric, c.Figure, optNum(c.Value), optNum(c.Baseline), c.Bound, c.Status, c.Why})
	}
	return report.Doc{Title: fmt.Sprintf("uptake check: %s (as of %s): %s", r.path, r.asOf, r.tally()), Tables: []report.Table{t}}
}

func optNum(v *float64) string {
	if v == nil {
		return "—"
	}
	return figText(*v)
}

// message is a check's outcome in a sentence.
func (c checkResult) message() string {
	s := fmt.Sprintf("%s %s = %s", c.Metric, c.Figure, optNum(c.Value))
	if c.Baseline != nil {
		s += " (baseline " + figText(*c.Baseline) + ")"
	}
	s += "; " + c.Bound + ": " + c.Status
	if c.Why != "" {
		s += ": " + c.Why
	}
	return s
}

// JUnit XML as CI test reporters (GitLab, Jenkins, GitHub actions) read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes one test suite (the config) of one test case per check.
func writeJUnit(b *strings.Builder, r checkRun) error {
	s := junitSuite{Name: "uptake check " + r.path, Tests: len(r.checks), Failures: r.count(checkFail), Errors: r.count(checkError)}
	for _, c := range r.checks {
		tc := junitCase{Name: c.Name, Classname: "uptake." + c.Metric, SystemOut: xmlSafe(c.message())}
		p := &junitProblem{Message: xmlSafe(c.Why), Type: c.Status, Text: xmlSafe(c.message())}
		switch c.Status {
		case checkFail:
			tc.Failure = p
		case checkError:
			tc.Error = p
		}
		tc.Name = xmlSafe(tc.Name)
		tc.Classname = xmlSafe(tc.Classname)
		s.Cases = append(s.Cases, tc)
	}
	all := junitSuites{Name: "uptake check", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Suites: []junitSuite{s}}
	out, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	b.WriteString(xml.Header)
	b.Write(out)
	b.WriteByte('\n')
	return nil
}

// xmlSafe escapes the control characters XML 1.0 cannot hold at all
// (encoding/xml would write U+FFFD): they come from the data's names.
func xmlSafe(s string) string { return report.Safe(s) }

// writeGitHub writes a workflow command per check: ::error for a failure
// or an error, ::notice for a pass.
func writeGitHub(b *strings.Builder, r checkRun) {
	for _, c := range r.checks {
		cmd := "notice"
		if c.Status != checkPass {
			cmd = "error"
		}
		fmt.Fprintf(b, "::%s title=%s::%s\n", cmd, ghProperty("uptake check: "+c.Name), ghData(c.message()))
	}
}

// ghData escapes a workflow command's message: %, CR and LF as GitHub
// reads them, and other control characters as for people (report.Safe), so
// a name cannot write to the terminal of whoever reads the log.
func ghData(s string) string {
	s = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
	return report.Safe(s)
}

// ghProperty escapes a workflow command's property value: as its message,
// and : and , too.
func ghProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(ghData(s))
}

// appendSummary appends the run as Markdown to GitHub's job summary file.
func appendSummary(path string, r checkRun) error {
	var b strings.Builder
	if err := report.Write(&b, r.doc(), report.FormatMarkdown, report.Options{}); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("$GITHUB_STEP_SUMMARY: %w", err)
	}
	_, err = f.WriteString(b.String() + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
