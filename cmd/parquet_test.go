package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptake-dev/uptake/ingest/demo"
	"github.com/uptake-dev/uptake/metrics"
)

// demoFiles writes the demo export as CSV and as Parquet (what `uptake demo`
// and `uptake demo --format parquet` write) into a temporary folder.
func demoFiles(t *testing.T) (csvPath, pqPath string) {
	t.Helper()
	dir := t.TempDir()
	csvPath, pqPath = filepath.Join(dir, "demo.csv"), filepath.Join(dir, "demo.parquet")
	for _, f := range []struct{ path, format string }{{csvPath, "csv"}, {pqPath, "parquet"}} {
		code, out, errOut := run(t, false, "demo", "--format", f.format)
		if code != ExitOK {
			t.Fatalf("demo --format %s: exit %d: %s", f.format, code, errOut)
		}
		if err := os.WriteFile(f.path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return csvPath, pqPath
}

// withoutFile drops what names the input file from a JSON envelope: its
// path and format. Everything else must be the same for the same events.
func withoutFile(t *testing.T, out string) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if in, ok := env["input"].(map[string]any); ok {
		delete(in, "files")
		delete(in, "format")
	}
	return env
}

// Every metric command gives on the demo as Parquet exactly its result on
// the demo as CSV: the same events, user properties (--by) and amounts,
// whatever the format they were read from.
func TestParquetMetricsMatchCSV(t *testing.T) {
	csvPath, pqPath := demoFiles(t)
	for _, m := range metrics.Registry {
		name := m.About().Name
		t.Run(name, func(t *testing.T) {
			tc, ok := csvCases[name]
			if !ok {
				t.Fatalf("no csvCase for %s: add one", name)
			}
			// --demo names the survey's answer events; a file needs them
			answers := map[string][]string{"nps": {"--event", "nps_response", "--score-prop", "score"},
				"csat": {"--event", "csat_response", "--score-prop", "score"}, "ces": {"--event", "ces_response", "--score-prop", "score"}}
			for _, by := range [][]string{nil, {"--by", "plan"}} {
				var got [2]map[string]any
				for i, path := range []string{csvPath, pqPath} {
					args := append(append(append(append([]string{name, path}, tc.args...), answers[name]...), by...), "--format", "json")
					code, out, errOut := run(t, false, args...)
					if code != ExitOK {
						t.Fatalf("%v: exit %d: %s", args, code, errOut)
					}
					got[i] = withoutFile(t, out)
				}
				if diff := cmp.Diff(got[0], got[1]); diff != "" {
					t.Errorf("%s %v: Parquet differs from CSV (-csv +parquet):\n%s", name, by, diff)
				}
			}
		})
	}
}

// inspect reads the same rows, users, events and properties from either;
// only how each file was read (its format, the time column's form) differs.
func TestParquetInspectMatchesCSV(t *testing.T) {
	csvPath, pqPath := demoFiles(t)
	var got [2]map[string]any
	for i, path := range []string{csvPath, pqPath} {
		code, out, errOut := run(t, false, "inspect", "--format", "json", path)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		got[i] = withoutFile(t, out)
		res := got[i]["result"].(map[string]any)
		delete(res, "format")
		delete(res, "files")
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("inspect: Parquet differs from CSV (-csv +parquet):\n%s", diff)
	}
}

// `uptake demo --format parquet` writes a Parquet file of the demo's rows.
func TestDemoParquet(t *testing.T) {
	code, out, errOut := run(t, false, "demo", "--format", "parquet", "--users", "20")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !bytes.HasPrefix([]byte(out), []byte("PAR1")) || !bytes.HasSuffix([]byte(out), []byte("PAR1")) {
		t.Fatalf("not a Parquet file: starts %q", out[:min(len(out), 8)])
	}
	csv := demo.CSV(20, demo.DefaultSeed)
	rows := bytes.Count(csv, []byte("\n")) - 1
	dir := t.TempDir()
	path := filepath.Join(dir, "d.parquet")
	os.WriteFile(path, []byte(out), 0o644)
	code, out, errOut = run(t, false, "inspect", "--format", "json", path)
	if code != ExitOK {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	var env struct {
		Input struct {
			Rows int `json:"rows"`
		} `json:"input"`
	}
	json.Unmarshal([]byte(out), &env)
	if env.Input.Rows != rows {
		t.Errorf("rows: got %d, want the CSV's %d", env.Input.Rows, rows)
	}
}
