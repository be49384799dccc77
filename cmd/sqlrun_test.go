package cmd

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLRunClickHouseHTTP checks the request uptake sends to ClickHouse's
// HTTP interface and how it reads the answer, against a stand-in server
// that answers as ClickHouse does (CSVWithNames, \N for NULL).
func TestSQLRunClickHouseHTTP(t *testing.T) {
	var gotQuery, gotFormat, gotDB, gotUser, gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotQuery, gotFormat, gotDB = string(b), r.URL.Query().Get("default_format"), r.URL.Query().Get("database")
		gotUser, gotKey = r.Header.Get("X-ClickHouse-User"), r.Header.Get("X-ClickHouse-Key")
		io.WriteString(w, "eligible,activated,rate,censored,median_ttv_seconds,min_ttv_seconds,p25_ttv_seconds,p75_ttv_seconds,p90_ttv_seconds,max_ttv_seconds,anchored,no_anchor,events_before_anchor\n"+
			"10,4,0.4,2,3600,60,1800,7200,9000,10000,12,1,0\n")
	}))
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://analyst:s3cret@", 1) + "/?database=prod"
	code, out, errOut := run(t, false, "sql", "activation", "--activation-event", "report_created", "--dialect", "clickhouse", "--run", dsn, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(gotQuery, "WITH bounds AS") || strings.HasSuffix(gotQuery, ";") || !strings.Contains(gotQuery, "SETTINGS join_use_nulls = 1") {
		t.Errorf("query sent:\n%s", gotQuery)
	}
	if gotFormat != "CSVWithNames" || gotUser != "analyst" || gotKey != "s3cret" || gotDB != "prod" {
		t.Errorf("format %q user %q key %q database %q", gotFormat, gotUser, gotKey, gotDB)
	}
	env := envelopeOf(t, out)
	rate := env["result"].(map[string]any)["rate"].(map[string]any)
	if rate["numerator"] != 4.0 || rate["denominator"] != 10.0 || rate["ci"] == nil {
		t.Errorf("rate = %v", rate)
	}
	if strings.Contains(out, "s3cret") || strings.Contains(errOut, "s3cret") {
		t.Errorf("the password is printed: %s %s", out, errOut)
	}
}

func TestSQLRunErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Code: 60. DB::Exception: Unknown table expression identifier 'events'", http.StatusNotFound)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"server error", []string{"--dialect", "clickhouse", "--run", srv.URL}, ExitError, "Unknown table expression identifier"},
		{"wrong dialect", []string{"--dialect", "duckdb", "--run", srv.URL}, ExitUsage, "runs --dialect clickhouse"},
		{"other scheme", []string{"--dialect", "duckdb", "--run", "duckdb:///x.db"}, ExitUsage, "--from-result"},
		{"no dialect", nil, ExitUsage, "--dialect is required"},
		{"by", []string{"--dialect", "duckdb", "--by", "plan"}, ExitUsage, "--by"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, false, append([]string{"sql", "activation", "--activation-event", "report_created"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tt.code, tt.msg)
			}
		})
	}
}

// TestSQLFromResultBad: a result that is not the query's is an error that
// names the row and column, with nothing on stdout.
func TestSQLFromResultBad(t *testing.T) {
	head := "eligible,activated,rate,censored,median_ttv_seconds,min_ttv_seconds,p25_ttv_seconds,p75_ttv_seconds,p90_ttv_seconds,max_ttv_seconds,anchored,no_anchor,events_before_anchor\n"
	for _, tt := range []struct{ name, csv, msg string }{
		{"missing column", "eligible,activated\n1,1\n", `no column "censored"`},
		{"not a number", head + "10,four,0.4,2,3600,60,1800,7200,9000,10000,12,1,0\n", `row 1: activated "four": not a whole number`},
		{"negative", head + "10,4,0.4,-2,3600,60,1800,7200,9000,10000,12,1,0\n", `censored "-2": a count cannot be negative`},
		{"more than the whole", head + "10,14,1.4,2,3600,60,1800,7200,9000,10000,12,1,0\n", `activated "14": more than eligible (10)`},
		{"two rows", head + "10,4,0.4,2,3600,60,1800,7200,9000,10000,12,1,0\n10,4,0.4,2,3600,60,1800,7200,9000,10000,12,1,0\n", "2 rows"},
		{"empty", "", "empty"},
		{"bad csv", "a,\"b\n", "result.csv:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.csv")
			if err := os.WriteFile(path, []byte(tt.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run(t, false, "sql", "activation", "--activation-event", "e", "--dialect", "duckdb", "--from-result", path)
			if code != ExitError || out != "" || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, tt.msg)
			}
		})
	}
}

// TestSQLRefuses: a flag the query cannot express is a usage error that
// names it, with nothing on stdout — never a different query.
func TestSQLRefuses(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"activation", "--activation-event", "report_created", "--km"}, "--km"},
		{[]string{"activation", "--activation-event", "feature_used[feature = exports]"}, `--activation-event "feature_used[feature = exports]": event selectors`},
		{[]string{"activation", "--activation-event", "report_created", "--signup-event", "signup[plan = free]"}, `--signup-event "signup[plan = free]"`},
		{[]string{"retention", "--start-event", "feature_used[feature = exports]"}, "--start-event"},
		{[]string{"retention", "--return-event", "feature_used[feature != exports]"}, "--return-event"},
		{[]string{"engagement", "--active-event", "feature_used[feature = exports]"}, "--active-event"},
		{[]string{"trends", "--event", "feature_used[feature = exports]"}, "--event"},
		{[]string{"nps", "--event", "nps_response[plan = free]", "--score-prop", "score"}, "--event"},
		{[]string{"nps", "--score-col", "score"}, "--score-col"},
		{[]string{"onboarding", "--steps", "onboarding_started,feature_used[feature = exports]"}, "--steps"},
		{[]string{"onboarding", "--steps", "a,b,a"}, "a is a step twice"},
		{[]string{"funnel", "--steps", "a,b", "--order", "strict"}, "--order strict"},
		{[]string{"funnel", "--steps", "a,b", "--exclude", "c"}, "--exclude"},
		{[]string{"funnel", "--steps", "a,b", "--correlation"}, "--correlation"},
		{[]string{"retention", "--dedup", "exact", "--by", "plan"}, "--by"},
		{[]string{"retention", "--users-out", "u.csv"}, "--users-out"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, false, append(append([]string{"sql"}, tt.args...), "--dialect", "duckdb")...)
			if code != ExitUsage || !strings.Contains(errOut, tt.msg) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, tt.msg)
			}
		})
	}
}
