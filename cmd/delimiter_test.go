package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const cdnowSample = "../testdata/cdnow/CDNOW_sample.txt.gz"

var cdnowFlags = []string{"--delimiter", "whitespace", "--header", "none", "--columns", "orig_id,customer_id,date,cds,amount",
	"--user-col", "customer_id", "--time-col", "date", "--event-name", "purchase"}

// The CDNOW sample (no header, blanks between and before the fields, CRLF)
// as docs/formats.md reads it. The counts were taken with awk: 6,919
// non-blank lines, 2,357 distinct values of field 2, dates 19970101 to
// 19980630.
func TestInspectCDNOWSample(t *testing.T) {
	code, out, errOut := run(t, false, append([]string{"inspect", cdnowSample, "--format", "json"}, cdnowFlags...)...)
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
	got := []int64{r.Rows, r.Kept, r.Skipped, r.Users}
	if want := []int64{6919, 6919, 0, 2357}; !cmp.Equal(want, got) {
		t.Errorf("rows, kept, skipped, users = %v, want %v", got, want)
	}
	if r.FirstTime == nil || *r.FirstTime != "1997-01-01T00:00:00Z" || *r.LastTime != "1998-06-30T00:00:00Z" {
		t.Errorf("time range %v → %v", r.FirstTime, r.LastTime)
	}
	if len(r.Events) != 1 || r.Events[0].Name != "purchase" || r.Events[0].Count != 6919 {
		t.Errorf("events %+v", r.Events)
	}
	f := r.Files[0]
	if f.Format != "whitespace" || f.Delimiter != "whitespace" || f.Header != "none" || f.Compression != "gzip" {
		t.Errorf("file %+v", f)
	}
	// and for people
	code, out, _ = run(t, false, append([]string{"inspect", cdnowSample}, cdnowFlags...)...)
	if want := "CDNOW_sample.txt.gz — whitespace-separated text, no header row (--columns), gzip, generic"; code != ExitOK || !strings.Contains(out, want) {
		t.Errorf("exit %d; output lacks %q:\n%s", code, want, out)
	}
}

// A config spells the flags by their names: a list or a comma-separated
// value for columns:.
func TestCDNOWConfig(t *testing.T) {
	abs, err := filepath.Abs(cdnowSample)
	if err != nil {
		t.Fatal(err)
	}
	for _, cols := range []string{"[orig_id, customer_id, date, cds, amount]", "orig_id,customer_id,date,cds,amount"} {
		cfg := filepath.Join(t.TempDir(), "cdnow.yaml")
		body := "input:\n  files: [" + abs + "]\n  delimiter: whitespace\n  header: none\n  columns: " + cols +
			"\n  event-name: purchase\nmetrics:\n  - name: lifecycle\n    metric: lifecycle\n    period: month\n"
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, false, "lifecycle", "--config", cfg, "--format", "json")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", cols, code, errOut)
		}
		var env struct {
			Input struct{ Rows, Users int64 }
		}
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		if env.Input.Rows != 6919 || env.Input.Users != 2357 {
			t.Errorf("%s: input %+v, want 6919 rows of 2357 users", cols, env.Input)
		}
	}
}

// Bad values of the new input flags are usage errors; what only the file
// can tell (JSON under --delimiter) is a data error naming the file.
func TestDelimiterAndHeaderErrors(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "e.jsonl")
	os.WriteFile(jsonl, []byte(`{"user_id":"u1","event":"e","timestamp":"2024-03-01"}`+"\n"), 0o644)
	survey := filepath.Join(dir, "s.csv")
	os.WriteFile(survey, []byte("respondent_id,nps\nr1,9\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown delimiter", []string{"inspect", "--demo", "--delimiter", "xx"}, ExitUsage,
			`invalid argument "xx" for "--delimiter" flag: valid values are auto, "," (comma), tab, ";" (semicolon), "|" (pipe) and whitespace`},
		{"unknown header", []string{"inspect", "--demo", "--header", "auto"}, ExitUsage, `invalid argument "auto" for "--header" flag: valid values are first, none`},
		{"--header none without --columns", []string{"inspect", "--demo", "--header", "none"}, ExitUsage, "--header none: name the columns with --columns a,b,c"},
		{"--columns without --header none", []string{"inspect", "--demo", "--columns", "a,b"}, ExitUsage,
			"--columns names the columns of a file without a header row: give --header none too"},
		{"an empty column name", []string{"inspect", "--demo", "--header", "none", "--columns", "a,,b"}, ExitUsage, "--columns: column 2 has no name (every column needs one)"},
		{"a column named twice", []string{"inspect", "--demo", "--header", "none", "--columns", "a,b,a"}, ExitUsage, `--columns: "a" names columns 1 and 3 (each name once)`},
		{"--delimiter with JSON forced", []string{"inspect", "--demo", "--delimiter", "tab", "--input-format", "jsonl"}, ExitUsage,
			"--delimiter is for delimited text, and --input-format jsonl is JSON: leave one of them out"},
		{"--delimiter against tsv", []string{"inspect", "--demo", "--delimiter", ";", "--input-format", "tsv"}, ExitUsage,
			"--input-format tsv --delimiter ;: these disagree; --delimiter alone is enough"},
		{"--header none with JSON forced", []string{"inspect", "--demo", "--header", "none", "--columns", "a", "--input-format", "json"}, ExitUsage,
			"--header none is for delimited text, and --input-format json is JSON"},
		{"--delimiter on a JSON file", []string{"inspect", jsonl, "--delimiter", "whitespace"}, ExitError,
			"uptake: " + jsonl + ": --delimiter whitespace: this is JSON, which has no delimiter; leave --delimiter out for it\n"},
		{"--header none on a JSON file", []string{"inspect", jsonl, "--header", "none", "--columns", "a,b"}, ExitError,
			"uptake: " + jsonl + ": --header none: this is JSON, whose records name their own fields; leave --header and --columns out for it\n"},
		{"--delimiter on a survey file", []string{"nps", survey, "--score-col", "nps", "--delimiter", ","}, ExitUsage,
			"--delimiter and --header none are for event exports"},
		{"the wrong delimiter", []string{"inspect", "--demo", "--delimiter", "pipe"}, ExitError,
			`the first line is one column when split on --delimiter "|": is that the file's separator?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, false, tt.args...)
			if code != tt.code || out != "" || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

// The spellings of a separator all read the file alike.
func TestDelimiterSpellings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.txt")
	os.WriteFile(path, []byte("user_id\tevent\ttimestamp,a,b,c\nu1\tsignup\t2024-03-01T10:00:00Z\n"), 0o644)
	for _, sep := range []string{"tab", "TAB", "\t", `\t`} {
		code, out, errOut := run(t, false, "inspect", path, "--delimiter", sep, "--time-col", "timestamp,a,b,c", "--format", "json")
		var env struct {
			Result InspectResult `json:"result"`
		}
		if code != ExitOK || json.Unmarshal([]byte(out), &env) != nil {
			t.Fatalf("--delimiter %q: exit %d: %s", sep, code, errOut)
		}
		if f := env.Result.Files[0]; f.Format != "tsv" || env.Result.Kept != 1 {
			t.Errorf("--delimiter %q: format %q, %d kept", sep, f.Format, env.Result.Kept)
		}
	}
}
