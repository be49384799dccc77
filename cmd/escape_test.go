package cmd

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/report"
)

// hostileCSV writes a small export whose event names, user ids, property
// names and values and file name carry terminal escapes, spreadsheet
// formulas and Markdown/HTML, and returns its path. badRow adds a row with
// a timestamp that does not parse.
func hostileCSV(t *testing.T, badRow bool) string {
	t.Helper()
	rows := [][]string{
		{"user_id", "event", "timestamp", "plan", "x\x1b[2Jprop"},
		{"u\x1b]0;title\x07", "signup", "2024-03-01T10:00:00Z", `=HYPERLINK("http://x")`, "1"},
		{"u2", "\x1b[2J", "2024-03-01T11:00:00Z", "a\nb", "1"},
		{"u3", "<img src=x onerror=alert(1)>", "2024-03-02T10:00:00Z", "+1", ""},
		{"u4", "[x](javascript:alert(1))", "2024-03-02T11:00:00Z", "-2", ""},
		{"u5", "a|b", "2024-03-03T10:00:00Z", "@SUM(A1)", ""},
		{"u6", "a\rb", "2024-03-03T11:00:00Z", "\tx", ""},
		{"u7", "nul\x00", "2024-03-04T10:00:00Z", "a\rb", ""},
		{"u8", "=1+2", "2024-03-04T11:00:00Z", "plain", ""},
	}
	if badRow {
		rows = append(rows, []string{"u9", "signup", "soon\x1b[2J", "plain", ""})
	}
	path := filepath.Join(t.TempDir(), "ev\x1b]0;t\x07.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	return path
}

// rawControls returns the control bytes in s other than newline, the only
// one a table or a message line may hold.
func rawControls(s string) []byte {
	var bad []byte
	for _, c := range []byte(s) {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			bad = append(bad, c)
		}
	}
	return bad
}

func TestHostileValuesInEverySink(t *testing.T) {
	path := hostileCSV(t, false)
	escName := report.Safe(path)
	for _, tt := range []struct {
		name     string
		tty      bool
		args     []string
		stdout   []string // must appear
		stderr   []string
		controls bool // raw control bytes allowed on stdout (CSV is data)
	}{
		{name: "pipe table", args: []string{"inspect", path},
			stdout: []string{`file:              ` + escName, "\n\\x1b[2J    ", `nul\x00`, `a\rb`, `x\x1b[2Jprop`, "<img src=x onerror=alert(1)>"}},
		{name: "tty table", tty: true, args: []string{"inspect", path},
			stdout: []string{`│ \x1b[2J `, `│ nul\x00 `, `│ a\rb `, `│ x\x1b[2Jprop `}},
		{name: "segments and warnings", args: []string{"retention", path, "--by", "plan"},
			stdout: []string{"plan = a\\nb\n", "plan = \\tx\n", `plan = =HYPERLINK("http://x")` + "\n"},
			stderr: []string{"warning: plan=a\\nb: 1 complete", "warning: plan=\\tx: 1 complete"}},
		{name: "markdown", args: []string{"inspect", path, "--format", "markdown"},
			stdout: []string{"| &lt;img src=x onerror=alert(1)&gt; |", `| \[x\](javascript:alert(1)) `, `| a\|b `, `| \\x1b\[2J `, `| x\\x1b\[2Jprop `}},
		{name: "csv", args: []string{"inspect", path, "--format", "csv"},
			stdout: []string{"\n'=1+2,1,1,0.125\n", "\n\\x1b[2J,1,1,0.125\n", "\na\\rb,1,1,0.125\n"}},
		{name: "csv segments", args: []string{"retention", path, "--by", "plan", "--format", "csv"},
			stdout: []string{"\n'+1,2024-02-26,1,0,1,1,1,", "\n'-2,2024-02-26,1,0,", "\n'@SUM(A1),", "\n\"'=HYPERLINK(\"\"http://x\"\")\",", "\n\\tx,", "\na\\nb,"}},
		{name: "csv raw", args: []string{"retention", path, "--by", "plan", "--format", "csv", "--csv-raw"}, controls: true,
			stdout: []string{"\n+1,2024-02-26,1,0,1,1,1,", "\n-2,2024-02-26,1,0,", "\n@SUM(A1),", "\n\"=HYPERLINK(\"\"http://x\"\")\",", "\n\"\tx\","}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.tty, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if bad := rawControls(out); len(bad) > 0 && !tt.controls {
				t.Errorf("raw control bytes %q on stdout:\n%q", bad, out)
			}
			if bad := rawControls(errOut); len(bad) > 0 {
				t.Errorf("raw control bytes %q on stderr:\n%q", bad, errOut)
			}
		})
	}
}

// JSON stays JSON: the values come back byte for byte.
func TestHostileValuesInJSON(t *testing.T) {
	path := hostileCSV(t, false)
	code, out, errOut := run(t, false, "inspect", path, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env struct {
		Input  report.Input
		Result struct{ Events []struct{ Name string } }
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range env.Result.Events {
		names = append(names, e.Name)
	}
	for _, want := range []string{"\x1b[2J", "nul\x00", "a\rb", "<img src=x onerror=alert(1)>", "=1+2"} {
		if !slices.Contains(names, want) {
			t.Errorf("no event %q in %q", want, names)
		}
	}
	if !slices.Equal(env.Input.Files, []string{path}) {
		t.Errorf("files %q, want %q", env.Input.Files, path)
	}
}

func TestHostileValuesInErrors(t *testing.T) {
	path := hostileCSV(t, true)
	dir := filepath.Dir(path)
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string // exact
	}{
		{"missing file", []string{"inspect", filepath.Join(dir, "no\x1b[2J\nfile.csv")}, ExitError,
			"uptake: open " + dir + "/no\\x1b[2J\\nfile.csv: no such file or directory\n"},
		{"bad row", []string{"inspect", path}, ExitError,
			"uptake: " + dir + "/ev\\x1b]0;t\\x07.csv:11: column \"timestamp\": \"soon\\x1b[2J\" is not a timestamp\n"},
		{"unknown flag", []string{"inspect", "--x\x1b[2J\n", path}, ExitUsage,
			"uptake: unknown flag: --x\\x1b[2J\\n\nRun 'uptake inspect --help' for usage.\n"},
		{"unknown command", []string{"inspct\x07"}, ExitUsage,
			"uptake: unknown command \"inspct\\a\" for \"uptake\"\n\nDid you mean this?\n\tinspect\n\nRun 'uptake --help' for usage.\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, false, tt.args...)
			if code != tt.code || errOut != tt.stderr || out != "" {
				t.Errorf("exit %d, stdout %q, stderr\n%q\nwant exit %d, stderr\n%q", code, out, errOut, tt.code, tt.stderr)
			}
		})
	}
	// a skipped row's warning quotes the file name
	code, _, errOut := run(t, false, "inspect", path, "--on-invalid", "skip")
	if want := "warning: 1 invalid rows skipped (--on-invalid skip); first: " + dir + "/ev\\x1b]0;t\\x07.csv:11:"; code != ExitOK || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr\n%q\nwant %q", code, errOut, want)
	}
	if bad := rawControls(errOut); len(bad) > 0 {
		t.Errorf("raw control bytes %q on stderr:\n%q", bad, errOut)
	}
}

// The progress line names the file being read.
func TestProgressLineEscapes(t *testing.T) {
	p := &ingest.Progress{}
	name := "a\x1b[2J\rb.csv"
	p.File.Store(&name)
	if got := progressLine(p, time.Second); !strings.HasPrefix(got, `reading a\x1b[2J\rb.csv: 0.0 MB`) {
		t.Errorf("progress line %q", got)
	}
}

// A panic anywhere in a command is an internal error: exit 1, a request to
// report it, the stack only with UPTAKE_DEBUG, and nothing on stdout, also
// when the panic strikes while a result is being rendered.
func TestPanicIsInternalError(t *testing.T) {
	rows := make([][]any, 3000)
	for i := range rows {
		rows[i] = []any{"event", i}
	}
	rows = append(rows, []any{"one cell too many", 1, 2}) // the renderer indexes columns by cell
	cases := map[string]func(ios *IOStreams) error{
		"in a command": func(*IOStreams) error { panic("boom \x1b[2J") },
		"on a parsing goroutine": func(*IOStreams) error {
			return fmt.Errorf("x.csv: %w", &ingest.Panic{Value: "boom", Stack: []byte("goroutine 9 [running]:\n")})
		},
	}
	for _, f := range []string{"table", "markdown"} {
		cases["rendering "+f] = func(ios *IOStreams) error {
			doc := report.Doc{Tables: []report.Table{{Columns: []report.Column{{Key: "event"}, {Key: "n", Kind: report.Int}}, Rows: rows}}}
			return (&output{Format: f}).write(ios, report.Envelope{}, doc, time.UTC)
		}
	}
	for name, runE := range cases {
		for _, debug := range []bool{false, true} {
			ios, _, out, errOut := Test()
			ios.Debug = debug
			root := NewRootCmd(ios)
			root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { return runE(ios) }})
			code := execute(ios, root, []string{"boom"})
			lines := strings.SplitN(errOut.String(), "\n", 3)
			if code != ExitError || out.Len() != 0 || len(lines) < 2 || !strings.HasPrefix(lines[0], "uptake: internal error: ") {
				t.Fatalf("%s: exit %d, stdout %d bytes, stderr\n%s", name, code, out.Len(), errOut)
			}
			if !strings.Contains(lines[1], "Please report it at "+IssuesURL+" with the command line you ran") {
				t.Errorf("%s: no request to report: %q", name, lines[1])
			}
			if hasStack := strings.Contains(errOut.String(), "goroutine "); hasStack != debug {
				t.Errorf("%s: UPTAKE_DEBUG %v, stack trace printed %v", name, debug, hasStack)
			}
		}
	}
	ios, _, _, errOut := Test()
	root := NewRootCmd(ios)
	root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { panic("boom \x1b[2J") }})
	execute(ios, root, []string{"boom"})
	if line, _, _ := strings.Cut(errOut.String(), "\n"); line != `uptake: internal error: boom \x1b[2J` {
		t.Errorf("first line %q", line)
	}
}
