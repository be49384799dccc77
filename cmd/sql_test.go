package cmd

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// sqlCase is one metric command line that uptake sql writes as a query:
// its text per dialect is a golden file, its result read back must be the
// command's own, and on each engine CI runs its rows must be the
// command's --format csv rows (docs/sql.md).
type sqlCase struct {
	name   string
	metric string
	args   []string
}

// sqlCases are every metric's cases; each metric's test file adds its own.
var sqlCases = []sqlCase{
	{"activation-7d", "activation", []string{"--activation-event", "report_created", "--within", "7d"}},
	{"activation-calendar-la", "activation", []string{"--activation-event", "report_created", "--signup-event", "signup",
		"--within", "7d", "--window-mode", "calendar", "--tz", "America/Los_Angeles", "--as-of", "2024-06-01"}},
	{"activation-two-events", "activation", []string{"--activation-event", "report_created,project_created", "--min-count", "2",
		"--signup-event", "onboarding_completed", "--within", "3d", "--from", "2024-02-01", "--to", "2024-05-01"}},
	{"activation-30m-since", "activation", []string{"--activation-event", "report_created", "--within", "30m", "--since", "2024-03-01"}},
	// cohorts: the --since cohort a warm-up, the last ones censored
	{"activation-cohorts-week-since", "activation", []string{"--activation-event", "report_created", "--within", "14d",
		"--cohort-period", "week", "--week-start", "sunday", "--since", "2024-02-07", "--tz", "America/New_York"}},
	{"activation-cohorts-month-asof", "activation", []string{"--activation-event", "report_created", "--signup-event", "signup",
		"--cohort-period", "month", "--as-of", "2024-06-20", "--from", "2024-03-01"}},
}

func TestSQLGolden(t *testing.T) {
	for _, c := range sqlCases {
		for _, d := range sqlgen.Names() {
			t.Run(c.name+"/"+d, func(t *testing.T) {
				args := append(append([]string{"sql", c.metric}, c.args...), "--dialect", d)
				code, out, errOut := run(t, false, args...)
				if code != ExitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				golden(t, filepath.Join("sql", c.name+"."+d), out)
			})
		}
	}
}

// TestSQLRoundTrip: the command's CSV rows, read back as a query's result,
// give the command's own result and warnings: the rows hold the whole
// result, and what a warehouse returns renders exactly as uptake would.
func TestSQLRoundTrip(t *testing.T) {
	for _, c := range sqlCases {
		t.Run(c.name, func(t *testing.T) {
			rows := runOK(t, append([]string{c.metric, "--demo", "--format", "csv", "--csv-raw"}, c.args...)...)
			path := filepath.Join(t.TempDir(), "result.csv")
			if err := os.WriteFile(path, []byte(rows), 0o644); err != nil {
				t.Fatal(err)
			}
			want := envelopeOf(t, runOK(t, append([]string{c.metric, "--demo", "--format", "json"}, c.args...)...))
			got := envelopeOf(t, runOK(t, append([]string{"sql", c.metric, "--dialect", "duckdb", "--from-result", path, "--format", "json"}, c.args...)...))
			notInRows(t, c.metric, got, want)
			sameResult(t, got, want)
		})
	}
}

// sqlLeavesOut are result fields a metric's query does not compute: they
// read back as null (engagement's active-days histogram).
var sqlLeavesOut = map[string][]string{"engagement": {"histogram", "intervals"}}

// notInRows checks that got holds null for the fields the query leaves out
// and drops them from want.
func notInRows(t *testing.T, metric string, got, want map[string]any) {
	t.Helper()
	g, _ := got["result"].(map[string]any)
	w, _ := want["result"].(map[string]any)
	for _, k := range sqlLeavesOut[metric] {
		if v, ok := g[k]; !ok || v != nil {
			t.Errorf("result.%s read back = %v, want null", k, v)
		}
		delete(g, k)
		delete(w, k)
	}
}

// sameResult compares two envelopes' result and warnings.
func sameResult(t *testing.T, got, want map[string]any) {
	t.Helper()
	for _, k := range []string{"result", "warnings"} {
		if !reflect.DeepEqual(got[k], want[k]) {
			g, _ := json.MarshalIndent(got[k], "", " ")
			w, _ := json.MarshalIndent(want[k], "", " ")
			t.Errorf("%s read back:\n%s\nthe command's:\n%s", k, g, w)
		}
	}
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, false, args...)
	if code != ExitOK {
		t.Fatalf("uptake %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func envelopeOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

// sameRows compares a query's rows with the command's CSV (whose interval
// columns the query leaves out, and which has no as_of column): the same
// columns in the same order, the
// same rows; numbers equal to 1e-9 relative (engines sum and interpolate
// in their own order), counts exactly; NULL and "" alike.
func sameRows(t *testing.T, gotCols []string, got [][]string, wantCSV string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(wantCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keep []int
	var wantCols []string
	for i, c := range recs[0] {
		if !strings.HasSuffix(c, "ci_low") && !strings.HasSuffix(c, "ci_high") {
			keep, wantCols = append(keep, i), append(wantCols, c)
		}
	}
	if !reflect.DeepEqual(gotCols, append(wantCols, metrics.AsOfColumn)) {
		t.Fatalf("columns:\n got %v\nwant %v", gotCols, wantCols)
	}
	if len(got) != len(recs)-1 {
		t.Errorf("%d rows, want %d", len(got), len(recs)-1)
	}
	for r := 0; r < len(got) && r+1 < len(recs); r++ {
		for j, i := range keep {
			g, w := got[r][j], recs[r+1][i]
			if !sameCell(g, w) {
				t.Errorf("row %d (%s) %s: got %q, want %q", r+1, strings.Join(recs[r+1][:min(2, len(recs[r+1]))], ","), wantCols[j], g, w)
			}
		}
	}
}

func sameCell(g, w string) bool {
	if g == w {
		return true
	}
	gf, e1 := strconv.ParseFloat(g, 64)
	wf, e2 := strconv.ParseFloat(w, 64)
	if e1 != nil || e2 != nil {
		return false
	}
	return math.Abs(gf-wf) <= 1e-9*math.Max(1, math.Abs(wf))
}

// TestSQLHelpAndDocs: every metric sql writes says in its --help what the
// query computes and refuses, and has its section in docs/sql.md.
func TestSQLHelpAndDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "sql.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics.Registry {
		if !m.HasSQL() {
			continue
		}
		info := m.About()
		if len(info.SQLHelp) < 40 {
			t.Errorf("%s: SQLHelp %q says too little", info.Name, info.SQLHelp)
		}
		if out := runOK(t, "sql", info.Name, "--help"); !strings.Contains(out, "As SQL: "+info.SQLHelp[:30]) {
			t.Errorf("sql %s --help does not say what the query computes", info.Name)
		}
		found := false
		for _, line := range strings.Split(string(doc), "\n") {
			if h, ok := strings.CutPrefix(line, "### "); ok && slices.Contains(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == ',' }), info.Name) {
				found = true
			}
		}
		if !found {
			t.Errorf("docs/sql.md has no section (### heading) for %s", info.Name)
		}
	}
}
