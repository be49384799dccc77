package cmd

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// agreementData are the exports the agreement tests load into each
// engine, as uptake normalize writes them: demo data of several seeds for
// every case (sqlCases), the vendor samples (with their vendor's internal
// events) for sqlVendorCases, and the real data in testdata for
// sqlRealCases.
var agreementData = []struct {
	name   string
	file   string   // a file under ../testdata, or "" for demo data
	demo   []string // uptake demo's flags
	vendor string
	read   []string // input flags, for normalize and the command alike
	real   bool     // run sqlRealCases
}{
	{name: "demo"},
	{name: "seed3", demo: []string{"--seed", "3", "--users", "400"}},
	{name: "mixpanel", file: "formats/mixpanel.jsonl", vendor: "mixpanel"},
	{name: "amplitude", file: "formats/amplitude.json", vendor: "amplitude"},
	{name: "posthog", file: "formats/posthog_batch_export.jsonl", vendor: "posthog"},
	{name: "ga4", file: "formats/ga4.jsonl", vendor: "ga4"},
	{name: "segment", file: "formats/segment.jsonl", vendor: "segment"},
	// CDNOW: 18 months of purchases, dates only (as_of is the day after
	// the last date)
	{name: "cdnow", file: "cdnow/CDNOW_sample.txt.gz", real: true, read: []string{"--delimiter", "whitespace", "--header", "none",
		"--columns", "orig_id,customer_id,date,cds,amount", "--user-col", "customer_id", "--time-col", "date", "--event-name", "purchase"}},
	// Online Retail's first day, as README's recipe reads it
	{name: "online-retail", file: "online_retail_excerpt.csv", real: true, read: []string{"--event-name", "purchase", "--user-col", "CustomerID",
		"--where", "InvoiceNo !~ ^C", "--where", "Quantity > 0"}},
}

// sqlRealCases run on the real data: purchases only, no event names.
var sqlRealCases = []sqlCase{
	{"retention-month", "retention", []string{"--period", "month", "--periods", "12"}},
	{"retention-week-unbounded", "retention", []string{"--period", "week", "--periods", "8", "--mode", "unbounded"}},
	{"retention-day-elapsed", "retention", []string{"--period", "day", "--periods", "30", "--window-mode", "elapsed"}},
	{"churn-month", "churn", []string{"--period", "month"}},
	{"lifecycle-week", "lifecycle", []string{"--period", "week", "--week-start", "sunday"}},
	{"engagement", "engagement", nil},
	{"trends-month", "trends", []string{"--period", "month"}},
	{"activation-repeat-90d", "activation", []string{"--activation-event", "purchase", "--within", "90d"}},
	{"activation-calendar-30d", "activation", []string{"--activation-event", "purchase", "--within", "30d", "--window-mode", "calendar", "--tz", "America/New_York"}},
}

// sqlVendorCases name no event of the demo data: they run on the vendor
// samples too.
var sqlVendorCases []sqlCase

// TestSQLAgreement runs every case's query on each engine CI installs
// (skipped where an engine is absent) and checks its rows against the
// command's own CSV on the same data.
func TestSQLAgreement(t *testing.T) {
	for _, engine := range sqlgen.Tested {
		t.Run(engine, func(t *testing.T) {
			e := openSQLEngine(t, engine)
			for _, data := range agreementData {
				file, cases := data.file, sqlVendorCases
				switch {
				case file == "":
					file, cases = filepath.Join(t.TempDir(), data.name+".csv"), sqlCases
					if err := os.WriteFile(file, []byte(runOK(t, append([]string{"demo"}, data.demo...)...)), 0o644); err != nil {
						t.Fatal(err)
					}
				case data.real:
					file, cases = filepath.Join("..", "testdata", file), sqlRealCases
				default:
					file = filepath.Join("..", "testdata", file)
				}
				cols, rows := eventsTable(t, runOK(t, append([]string{"normalize", file, "--props", "all"}, data.read...)...))
				if err := e.Load("events", cols, rows); err != nil {
					t.Fatalf("load %s: %v", data.name, err)
				}
				for _, c := range cases {
					t.Run(data.name+"/"+c.name, func(t *testing.T) {
						want := runOK(t, slices.Concat([]string{c.metric, file, "--format", "csv", "--csv-raw"}, data.read, c.args)...)
						args := append([]string{"sql", c.metric, "--dialect", engine}, c.args...)
						if data.vendor != "" {
							args = append(args, "--vendor", data.vendor)
						}
						query := runOK(t, args...)
						gotCols, got, err := e.Query(query)
						if err != nil {
							t.Fatalf("%v\n%s", err, query)
						}
						sameRows(t, gotCols, got, want)
						env := envelopeOf(t, runOK(t, slices.Concat([]string{c.metric, file, "--format", "json"}, data.read, c.args)...))
						sameAsOf(t, &metrics.QueryRows{Columns: gotCols, Rows: got}, env, exactAsOf(c.args, env))
					})
				}
			}
		})
	}
}

// exactAsOf says whether a result's as_of is uptake's to the nanosecond:
// --as-of, or the day after the last date of dates-only data.
func exactAsOf(args []string, env map[string]any) bool {
	rule, _ := env["params"].(map[string]any)["as_of_rule"].(string)
	return slices.Contains(args, "--as-of") || strings.HasPrefix(rule, "start of the day after the last date")
}

// sameAsOf checks the as_of a query's rows carry: the command's --as-of,
// or else 1 µs after the last event where uptake takes 1 ns.
func sameAsOf(t *testing.T, rows *metrics.QueryRows, env map[string]any, given bool) {
	t.Helper()
	goAsOf, err := time.Parse(time.RFC3339Nano, env["as_of"].(string))
	if err != nil {
		t.Fatal(err)
	}
	want := goAsOf
	if !given {
		want = goAsOf.Add(-time.Nanosecond).Truncate(time.Microsecond).Add(time.Microsecond)
	}
	got, ok, err := rows.AsOf()
	if len(rows.Rows) == 0 {
		if ok || err != nil {
			t.Errorf("as_of of no rows: %v (%v, %v), want none", got, ok, err)
		}
		return
	}
	if err != nil || !ok || !got.Equal(want) {
		t.Errorf("as_of of the rows: %v (%v, %v), want %v", got, ok, err, want)
	}
}

// eventsTable reads uptake normalize's CSV: its columns and rows.
func eventsTable(t *testing.T, normalized string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(normalized)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

// TestSQLRunPostgres: --run on a real PostgreSQL gives the command's own
// result and warnings for the same events.
func TestSQLRunPostgres(t *testing.T) {
	dsn := os.Getenv("UPTAKE_TEST_POSTGRES")
	e := openSQLEngine(t, "postgres")
	cols, rows := eventsTable(t, runOK(t, "normalize", "--demo", "--props", "all"))
	if err := e.Load("run_events", cols, rows); err != nil {
		t.Fatal(err)
	}
	for _, c := range sqlCases {
		t.Run(c.name, func(t *testing.T) {
			want := envelopeOf(t, runOK(t, append([]string{c.metric, "--demo", "--format", "json"}, c.args...)...))
			got := envelopeOf(t, runOK(t, append([]string{"sql", c.metric, "--dialect", "postgres", "--table", "run_events", "--run", dsn, "--format", "json"}, c.args...)...))
			notInRows(t, c.metric, got, want)
			sameResult(t, got, want)
			// the tables too (but for the as_of a computed one shows), where
			// the query computes the whole result
			if _, partial := sqlLeavesOut[c.metric]; partial {
				return
			}
			text := func(args ...string) string {
				out := runOK(t, append(args, "--no-color")...)
				for _, env := range []map[string]any{got, want} {
					if a, ok := env["as_of"].(string); ok && a != "" {
						out = strings.ReplaceAll(out, a, "AS_OF")
					}
				}
				return out
			}
			gotText := text(append([]string{"sql", c.metric, "--dialect", "postgres", "--table", "run_events", "--run", dsn}, c.args...)...)
			if wantText := text(append([]string{c.metric, "--demo"}, c.args...)...); gotText != wantText {
				t.Errorf("the table read back:\n%s\nthe command's:\n%s", gotText, wantText)
			}
		})
	}
}

// TestSQLSurveyScores: the query sorts answers as uptake does — missing
// (empty, NA), invalid (not a whole number on the scale: 9.5, 11, abc),
// the latest per respondent — on every engine; and reading back a result
// with invalid answers fails as uptake fails on them.
func TestSQLSurveyScores(t *testing.T) {
	cols := []string{"user_id", "event", "ts", "score"}
	rows := [][]string{
		{"a", "nps_response", "2024-03-01T10:00:00Z", "3"},
		{"a", "nps_response", "2024-03-02T10:00:00Z", " 9 "}, // the latest of a's: counts
		{"b", "nps_response", "2024-03-01T10:00:00Z", "10.0"},
		{"c", "nps_response", "2024-03-01T10:00:00Z", "NA"},
		{"d", "nps_response", "2024-03-01T10:00:00Z", ""},
		{"e", "nps_response", "2024-03-01T10:00:00Z", "9.5"},
		{"f", "nps_response", "2024-03-01T10:00:00Z", "11"},
		{"g", "nps_response", "2024-03-01T10:00:00Z", "abc"},
		{"h", "page_viewed", "2024-03-01T10:00:00Z", "2"},
	}
	want := map[string]string{"n": "2", "promoters": "2", "count_9": "1", "count_10": "1", "count_3": "0",
		"excluded_missing": "2", "excluded_invalid": "3", "excluded_duplicates": "1"}
	for _, engine := range sqlgen.Tested {
		t.Run(engine, func(t *testing.T) {
			e := openSQLEngine(t, engine)
			if err := e.Load("events", cols, rows); err != nil {
				t.Fatal(err)
			}
			q := runOK(t, "sql", "nps", "--event", "nps_response", "--dialect", engine)
			gotCols, got, err := e.Query(q)
			if err != nil || len(got) != 1 {
				t.Fatalf("%v %v", err, got)
			}
			for i, c := range gotCols {
				if w, ok := want[c]; ok && got[0][i] != w {
					t.Errorf("%s = %s, want %s", c, got[0][i], w)
				}
			}
			path := filepath.Join(t.TempDir(), "result.csv")
			var b strings.Builder
			w := csv.NewWriter(&b)
			_ = w.Write(gotCols)
			_ = w.WriteAll(got)
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run(t, false, "sql", "nps", "--event", "nps_response", "--dialect", engine, "--from-result", path)
			if code != ExitError || out != "" || !strings.Contains(errOut, "3 answers are not whole numbers on the 0-10 scale") {
				t.Errorf("read back: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}
