package cmd

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// agreementData are the exports the agreement tests load into each
// engine: demo data of several seeds.
var agreementData = []struct {
	name string
	args []string
}{
	{"demo", nil},
	{"seed3", []string{"--seed", "3", "--users", "400"}},
}

// TestSQLAgreement runs every case's query on each engine CI installs
// (skipped where an engine is absent) and checks its rows against the
// command's own CSV on the same data.
func TestSQLAgreement(t *testing.T) {
	for _, engine := range sqlgen.Tested {
		t.Run(engine, func(t *testing.T) {
			e := openSQLEngine(t, engine)
			for _, data := range agreementData {
				file := filepath.Join(t.TempDir(), data.name+".csv")
				if err := os.WriteFile(file, []byte(runOK(t, append([]string{"demo"}, data.args...)...)), 0o644); err != nil {
					t.Fatal(err)
				}
				cols, rows := eventsTable(t, file)
				if err := e.Load("events", cols, rows); err != nil {
					t.Fatalf("load %s: %v", data.name, err)
				}
				for _, c := range sqlCases {
					t.Run(data.name+"/"+c.name, func(t *testing.T) {
						want := runOK(t, append([]string{c.metric, file, "--format", "csv", "--csv-raw"}, c.args...)...)
						query := runOK(t, append([]string{"sql", c.metric, "--dialect", engine}, c.args...)...)
						gotCols, got, err := e.Query(query)
						if err != nil {
							t.Fatalf("%v\n%s", err, query)
						}
						sameRows(t, gotCols, got, want)
					})
				}
			}
		})
	}
}

// eventsTable reads a demo export as the relation uptake sql reads:
// user_id, event, ts, then the properties, as text.
func eventsTable(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := append([]string{}, recs[0]...)
	for i, c := range cols {
		if c == "timestamp" {
			cols[i] = "ts"
		}
	}
	return cols, recs[1:]
}

// sqlEngine is a database the agreement tests run queries on.
type sqlEngine interface {
	// Load replaces table name with rows of text columns (ts: an instant).
	Load(name string, cols []string, rows [][]string) error
	Query(sql string) ([]string, [][]string, error)
}

// openSQLEngine opens engine, or skips the test when it is not installed.
func openSQLEngine(t *testing.T, engine string) sqlEngine {
	t.Helper()
	dir := os.Getenv("UPTAKE_NODE_MODULES")
	if engine != "duckdb" || dir == "" {
		t.Skipf("%s is not installed here (.ci/run installs it)", engine)
	}
	return &nodeDuck{t: t, modules: dir}
}

// nodeDuck runs DuckDB through its Node.js package, one process a query.
type nodeDuck struct {
	t       *testing.T
	modules string
	csv     string
}

func (n *nodeDuck) Load(_ string, cols []string, rows [][]string) error {
	n.csv = filepath.Join(n.t.TempDir(), "events.csv")
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(cols)
	_ = w.WriteAll(rows)
	return os.WriteFile(n.csv, []byte(b.String()), 0o644)
}

func (n *nodeDuck) Query(sql string) ([]string, [][]string, error) {
	return runNodeDuck(n.t, n.modules, n.csv, sql)
}
