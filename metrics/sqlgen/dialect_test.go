package sqlgen

import (
	"strings"
	"testing"
	"time"
)

// Names from flags reach the query as literals and identifiers: each
// dialect must escape them so that no name can end its literal early.
func TestQuoting(t *testing.T) {
	for _, tt := range []struct {
		d            Dialect
		str, ident   string
		strIn, idIn  string
		instantDay   string
		instantValue string
	}{
		{DuckDB{}, `'it''s \ x'`, `"a""b"`, `it's \ x`, `a"b`, "", "TIMESTAMPTZ '2024-03-10 10:00:00.000001+00'"},
		{Postgres{}, `'it''s \ x'`, `"a""b"`, `it's \ x`, `a"b`, "", "TIMESTAMPTZ '2024-03-10 10:00:00.000001+00'"},
		{Snowflake{}, `'it''s \ x'`, `"a""b"`, `it's \ x`, `a"b`, "", "TO_TIMESTAMP_TZ('2024-03-10 10:00:00.000001 +00:00')"},
		{ClickHouse{}, `'it\'s \\ x'`, "`a\\`b`", `it's \ x`, "a`b", "", "toDateTime64('2024-03-10 10:00:00.000001', 6, 'UTC')"},
		{BigQuery{}, `'it\'s \\ x'`, "`a\\`b`", `it's \ x`, "a`b", "", "TIMESTAMP '2024-03-10 10:00:00.000001+00'"},
	} {
		t.Run(tt.d.Name(), func(t *testing.T) {
			if got := tt.d.Str(tt.strIn); got != tt.str {
				t.Errorf("Str = %s, want %s", got, tt.str)
			}
			if got := tt.d.Ident(tt.idIn); got != tt.ident {
				t.Errorf("Ident = %s, want %s", got, tt.ident)
			}
			at := time.Date(2024, 3, 10, 10, 0, 0, 1000, time.UTC)
			if got := tt.d.Instant(at.In(time.FixedZone("x", 3600))); got != tt.instantValue {
				t.Errorf("Instant = %s, want %s", got, tt.instantValue)
			}
		})
	}
}

func TestLookupAndTable(t *testing.T) {
	if _, err := Lookup("oracle"); err == nil || !strings.Contains(err.Error(), "duckdb, clickhouse, postgres, bigquery, snowflake") {
		t.Errorf("Lookup(oracle) = %v", err)
	}
	d, _ := Lookup("postgres")
	if got := Table(d, "analytics.events"); got != `"analytics"."events"` {
		t.Errorf("Table = %s", got)
	}
	if got := In(d, "event", nil); got != "FALSE" {
		t.Errorf("In(nil) = %s", got)
	}
	if got := In(d, "event", []string{"a", "b'c"}); got != "event IN ('a', 'b''c')" {
		t.Errorf("In = %s", got)
	}
}

func TestQueryLayout(t *testing.T) {
	q := NewQuery(ClickHouse{})
	q.With("a", "SELECT 1 AS x\n")
	q.With("b", "SELECT x FROM a")
	want := "WITH a AS (\n  SELECT 1 AS x\n),\nb AS (\n  SELECT x FROM a\n)\nSELECT * FROM b\nSETTINGS join_use_nulls = 1, prefer_column_name_to_alias = 1;\n"
	if got := q.SQL("SELECT * FROM b"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !q.Has("a") || q.Has("c") {
		t.Error("Has")
	}
	if got := And("", "x", "", "y"); got != "x AND y" {
		t.Errorf("And = %s", got)
	}
	if got := And(); got != "TRUE" {
		t.Errorf("And() = %s", got)
	}
}

// Week starts are written as the date minus its offset from Monday (or
// Sunday): check the arithmetic on the ISO day numbers.
func TestWeekStartOffsets(t *testing.T) {
	got := WeekStart(Postgres{}, "d", true)
	if want := "(d + CAST(-((CAST(EXTRACT(ISODOW FROM d) AS INTEGER)) % (7)) AS INTEGER))"; got != want {
		t.Errorf("sunday week start:\n got %s\nwant %s", got, want)
	}
	got = WeekStart(Postgres{}, "d", false)
	if want := "(d + CAST(-(CAST(EXTRACT(ISODOW FROM d) AS INTEGER) - 1) AS INTEGER))"; got != want {
		t.Errorf("monday week start:\n got %s\nwant %s", got, want)
	}
}
