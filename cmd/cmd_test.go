package cmd

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest/demo"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// golden compares got with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// goldenCase is a command line whose stdout must match testdata/NAME.golden.
type goldenCase struct {
	name string
	args []string
	tty  bool // stdout is a colour terminal
}

func runGoldens(t *testing.T, cases []goldenCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := Test()
			ios.StdoutTTY, ios.NoColor = tt.tty, !tt.tty
			if code := Main(ios, tt.args); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tt.name, out.String())
		})
	}
}

// run executes uptake in-process.
func run(t *testing.T, tty bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := Test()
	ios.StdoutTTY = tty
	code = Main(ios, args)
	return code, out.String(), errOut.String()
}

func TestInspectOutput(t *testing.T) {
	for _, tt := range []struct {
		name string
		tty  bool
		args []string
	}{
		{"tty_table", true, nil},
		{"pipe_table", false, nil},
		{"csv", false, []string{"--format", "csv"}},
		{"markdown", false, []string{"--format", "markdown"}},
		{"json", false, []string{"--format", "json"}},
		{"json_tz", false, []string{"--format", "json", "--tz", "America/New_York", "--assume-tz", "Europe/Berlin"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"inspect"}, tt.args...), "testdata/events.csv")
			code, out, errOut := run(t, tt.tty, args...)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			golden(t, "inspect_"+tt.name, out)
			if tt.name == "pipe_table" {
				golden(t, "inspect_stderr", errOut)
			}
		})
	}
}

func TestInspectDemo(t *testing.T) {
	code, out, errOut := run(t, false, "inspect", "--demo", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "inspect_demo_json", out)
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown command", []string{"inspekt"}, ExitUsage,
			"uptake: unknown command \"inspekt\" for \"uptake\"\n\nDid you mean this?\n\tinspect\n\nRun 'uptake --help' for usage.\n"},
		{"unknown flag", []string{"inspect", "--bogus", "x.csv"}, ExitUsage,
			"uptake: unknown flag: --bogus\nRun 'uptake inspect --help' for usage.\n"},
		{"bad enum", []string{"inspect", "--format", "xml", "x.csv"}, ExitUsage,
			"uptake: invalid argument \"xml\" for \"--format\" flag: valid values are table, json, csv, markdown\nRun 'uptake inspect --help' for usage.\n"},
		{"no input", []string{"inspect"}, ExitUsage,
			"uptake: no input: give FILE... (- for stdin), or --demo for the built-in sample\nRun 'uptake inspect --help' for usage.\n"},
		{"demo and file", []string{"inspect", "--demo", "x.csv"}, ExitUsage,
			"uptake: --demo reads the built-in sample; give either --demo or files, not both\nRun 'uptake inspect --help' for usage.\n"},
		{"bad zone", []string{"inspect", "--assume-tz", "Mars/Base", "--demo"}, ExitUsage,
			"uptake: --assume-tz \"Mars/Base\": not an IANA zone name (such as UTC, Europe/Berlin, America/New_York)\nRun 'uptake inspect --help' for usage.\n"},
		{"bad source zone", []string{"inspect", "--source-tz", "PST", "--demo"}, ExitUsage,
			"uptake: --source-tz \"PST\": not an IANA zone name (such as UTC, Europe/Berlin, America/New_York)\nRun 'uptake inspect --help' for usage.\n"},
		{"legacy mixpanel", []string{"inspect", "../testdata/formats/mixpanel_legacy_la.jsonl", "--format", "csv"}, ExitOK,
			"warning: ../testdata/formats/mixpanel_legacy_la.jsonl: event times are a median 8h00m behind properties.mp_processing_time_ms (the vendor's receiving time, over 22 records): a Mixpanel project created before 2023 exports times in the project's zone; give that zone with --source-tz [time_offset_from_server_time]\n"},
		{"legacy mixpanel with its zone", []string{"inspect", "../testdata/formats/mixpanel_legacy_la.jsonl", "--source-tz", "America/Los_Angeles", "--format", "csv"}, ExitOK, ""},
		{"bad where", []string{"inspect", "--where", "plan", "--demo"}, ExitUsage,
			"uptake: --where \"plan\": want FIELD OP VALUE with OP one of = != < <= > >= ~ !~\nRun 'uptake inspect --help' for usage.\n"},
		{"amount on inspect", []string{"inspect", "--amount", "amount", "--demo"}, ExitUsage,
			"uptake: --amount: inspect reads no amounts (revenue, repeat and clv do)\nRun 'uptake inspect --help' for usage.\n"},
		{"amount on activation", []string{"activation", "--amount", "amount", "--activation-event", "report_created", "--demo"}, ExitUsage,
			"uptake: --amount: activation reads no amounts (revenue, repeat and clv do)\nRun 'uptake activation --help' for usage.\n"},
		{"bad amount", []string{"inspect", "--amount", "a*b*c", "--demo"}, ExitUsage,
			"uptake: --amount: inspect reads no amounts (revenue, repeat and clv do)\nRun 'uptake inspect --help' for usage.\n"},
		{"exclusive flags", []string{"inspect", "--event-col", "a", "--event-name", "b", "x.csv"}, ExitUsage,
			"uptake: if any flags in the group [event-col event-name] are set none of the others can be; [event-col event-name] were all set\nRun 'uptake inspect --help' for usage.\n"},
		{"demo args", []string{"demo", "extra"}, ExitUsage,
			"uptake: unknown command \"extra\" for \"uptake demo\"\nRun 'uptake demo --help' for usage.\n"},
		{"missing file", []string{"inspect", "nope.csv"}, ExitError,
			"uptake: open nope.csv: no such file or directory\n"},
		{"bad timestamp", []string{"inspect", "testdata/bad_ts.csv"}, ExitError,
			"uptake: testdata/bad_ts.csv:3: column \"timestamp\": \"yesterday\" is not a timestamp\n"},
		{"missing column", []string{"inspect", "testdata/missing_col.csv"}, ExitError,
			"uptake: testdata/missing_col.csv: no event column found (looked for event, event_name, event_type, action, activity, name, …; have user_id, timestamp); name it with --event-col, or give --event-name NAME when every row is one event (orders, survey answers)\n"},
		{"bom and case", []string{"inspect", "testdata/bom.csv", "--format", "csv"}, ExitOK, ""},
		{"skip", []string{"inspect", "testdata/bad_ts.csv", "--on-invalid", "skip", "--format", "csv"}, ExitOK,
			"warning: 1 invalid rows skipped (--on-invalid skip); first: testdata/bad_ts.csv:3: column \"timestamp\": \"yesterday\" is not a timestamp [skipped_rows]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, false, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if errOut != tt.stderr {
				t.Errorf("stderr\n got: %q\nwant: %q", errOut, tt.stderr)
			}
			if tt.code != ExitOK && out != "" {
				t.Errorf("stdout not empty on failure: %q", out)
			}
		})
	}
}

// Events dated before 2005 or after the run are counted and warned about
// (docs/formats.md#implausible-dates): here a column of day numbers read as epoch seconds,
// and a row from "next year" against a fixed clock.
func TestTimestampSanityWarnings(t *testing.T) {
	ios, in, out, errOut := Test()
	ios.Now = func() time.Time { return time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC) }
	in.WriteString("user_id,event,time\nu1,signup,1\nu2,signup,2\nu3,signup,1709290800\nu4,signup,1741000000\n")
	if code := Main(ios, []string{"inspect", "-", "--format", "csv"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "warning: 2 events are dated before 2005 (the earliest 1970-01-01T00:00:01Z): is the time column, its epoch unit or its zone right? inspect shows how it was read [timestamps_before_2005]\n" +
		"warning: 1 events are dated after the time of this run (the latest 2025-03-03T11:06:40Z): is the time column, its epoch unit or its zone right? inspect shows how it was read [timestamps_in_the_future]\n"
	if errOut.String() != want {
		t.Errorf("stderr\n got: %q\nwant: %q", errOut.String(), want)
	}
	if !strings.Contains(out.String(), "signup,4,4") {
		t.Errorf("stdout %q", out.String())
	}
}

func TestStdin(t *testing.T) {
	ios, in, out, errOut := Test()
	in.WriteString("user_id,event,timestamp\nu1,signup,2024-03-01T10:00:00Z\nu2,signup,2024-03-02T10:00:00Z\n")
	if code := Main(ios, []string{"inspect", "-", "--format", "csv"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := "name,count,users,share\nsignup,2,2,1\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}

func TestNewCmdInspectOptions(t *testing.T) {
	ios, _, _, _ := Test()
	var got *InspectOptions
	cmd := NewCmdInspect(ios, func(o *InspectOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--where", "plan = pro", "--where", "x > 1", "--user-col", "CustomerID", "--event-name", "purchase",
		"--dedup", "exact", "--on-invalid", "skip", "--assume-tz", "Europe/London", "-q", "--delimiter", "semicolon", "--header", "none", "--columns", "a,b", "a.csv", "b.csv.gz"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := InputFlags{InputFormat: "auto", UserCol: "CustomerID", EventName: "purchase", Where: []string{"plan = pro", "x > 1"},
		AssumeTZ: "Europe/London", OnInvalid: "skip", Dedup: "exact", Identity: "stitch", Quiet: true,
		Delimiter: ";", Header: "none", Columns: []string{"a", "b"}}
	if diff := cmp.Diff(want, got.Input, cmpopts.IgnoreUnexported(InputFlags{})); diff != "" {
		t.Errorf("input flags (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.csv", "b.csv.gz"}, got.Args); diff != "" {
		t.Errorf("args (-want +got)\n%s", diff)
	}
	if got.Out.Format != "table" || got.TZ != "UTC" {
		t.Errorf("defaults: format %q tz %q", got.Out.Format, got.TZ)
	}
}

// Every command's help must build (a duplicated shorthand panics here, not
// in a user's terminal) and carry an example.
func TestHelpForEveryCommand(t *testing.T) {
	ios, _, _, _ := Test()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		code, out, errOut := run(t, false, append(strings.Fields(c.CommandPath())[1:], "--help")...)
		if code != ExitOK || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: exit %d, %s", c.CommandPath(), code, errOut)
		}
		if c.Runnable() && c.Example == "" && c.Parent() != nil && c.Parent().Name() == "uptake" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(ios))
}

func TestGenDocs(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := run(t, false, "gen-docs", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md, err := os.ReadFile(filepath.Join(dir, "markdown", "uptake_inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("uptake inspect [FILE...] [flags]")) || bytes.Contains(md, []byte("Auto generated")) {
		t.Errorf("inspect markdown:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "uptake-inspect.1")); err != nil {
		t.Error(err)
	}
}

func TestCompletion(t *testing.T) {
	code, out, _ := run(t, false, "__complete", "inspect", "--dedup", "")
	if code != ExitOK || out != "auto\nexact\noff\n:4\n" {
		t.Errorf("completion: exit %d %q", code, out)
	}
	code, out, _ = run(t, false, "completion", "bash")
	if code != ExitOK || !strings.Contains(out, "bash completion") {
		t.Errorf("bash completion: exit %d", code)
	}
}

// The embedded export is exactly what the generator writes with the
// defaults, and `uptake demo` writes it byte for byte.
func TestDemoEmbedded(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(demo.Embedded))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(embedded, demo.CSV(demo.DefaultUsers, demo.DefaultSeed)) {
		t.Fatal("ingest/demo/demo.csv.gz is stale: run go generate ./ingest/demo")
	}
	code, out, errOut := run(t, false, "demo")
	if code != ExitOK || out != string(embedded) {
		t.Errorf("uptake demo: exit %d (%s), %d bytes, want the %d embedded bytes", code, errOut, len(out), len(embedded))
	}
	// other sizes are deterministic too
	_, a, _ := run(t, false, "demo", "--users", "30", "--seed", "9")
	_, b, _ := run(t, false, "demo", "--users", "30", "--seed", "9")
	if a != b || strings.Count(a, "\n") < 100 {
		t.Errorf("demo --users 30 not deterministic or too small (%d lines)", strings.Count(a, "\n"))
	}
}

// The online-retail recipe on a real excerpt; expected counts were computed
// independently with Python's csv module.
func TestInspectOnlineRetailExcerpt(t *testing.T) {
	code, out, errOut := run(t, false, "inspect", "../testdata/online_retail_excerpt.csv", "--event-name", "purchase",
		"--where", "InvoiceNo !~ ^C", "--where", "Quantity > 0", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env struct {
		Result InspectResult `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	r := env.Result
	got := []int64{r.Rows, r.Filtered, r.MissingUser, r.Kept, r.Users, r.NaiveTimestamps}
	if want := []int64{1199, 10, 1, 1188, 56, 1188}; !cmp.Equal(want, got) {
		t.Errorf("rows, filtered, missing_user, kept, users, naive = %v, want %v", got, want)
	}
	if *r.FirstTime != "2010-12-01T08:26:00Z" || *r.LastTime != "2010-12-01T13:21:00Z" {
		t.Errorf("time range %s → %s", *r.FirstTime, *r.LastTime)
	}
}
