// Package sqlgen is the small per-dialect function table that uptake sql
// writes its queries with: quoting, instants, elapsed and calendar
// arithmetic in a zone, conditional counts, exact percentiles. It is not a
// transpiler: each metric writes its query once, in terms of these
// functions, and each dialect spells them (docs/sql.md).
package sqlgen

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Dialect spells the pieces of a query that differ between engines. Every
// method takes and returns SQL expressions as text.
//
// Types: an instant is the engine's timestamp with a zone (the relation's
// ts, in UTC); a date is a calendar DATE.
type Dialect interface {
	// Name is the --dialect value.
	Name() string
	// Ident quotes an identifier (a column or table name part).
	Ident(name string) string
	// Str is a string literal.
	Str(s string) string
	// Instant is an instant literal (microsecond precision).
	Instant(t time.Time) string
	// AddMicros is instant ts moved by n microseconds (elapsed time).
	AddMicros(ts string, n int64) string
	// Seconds is the elapsed time from instant a to instant b, in seconds,
	// as a double (microsecond precision).
	Seconds(a, b string) string
	// Day is the local calendar date of instant ts in zone tz.
	Day(ts, tz string) string
	// ISODow is the ISO day of the week of date d: 1 Monday … 7 Sunday.
	ISODow(d string) string
	// MonthStart is the first day of date d's month.
	MonthStart(d string) string
	// AddDays and AddMonths move date d by n days or months (n an
	// integer expression).
	AddDays(d, n string) string
	AddMonths(d, n string) string
	// DiffDays is the number of days from date a to date b; DiffMonths the
	// number of month boundaries.
	DiffDays(a, b string) string
	DiffMonths(a, b string) string
	// Midnight is the instant the local date d starts in zone tz.
	Midnight(d, tz string) string
	// AddLocalDays is instant ts moved by n local calendar days in zone tz
	// (the same wall-clock time n dates later).
	AddLocalDays(ts, tz string, n int64) string
	// DateText is date d as text: YYYY-MM-DD, or YYYY-MM with month.
	DateText(d string, month bool) string
	// CountIf counts the rows where cond holds.
	CountIf(cond string) string
	// Percentile is the exact type-7 (linear) percentile p of x over the
	// group, as an aggregate.
	Percentile(x string, p float64) string
	// Double casts x to a double.
	Double(x string) string
	// Div is a / b as a double, NULL when b is 0.
	Div(a, b string) string
	// Text casts x to text.
	Text(x string) string
	// IntDiv is the integer quotient a / b; Mod the remainder a % b
	// (a ≥ 0, b > 0).
	IntDiv(a, b string) string
	Mod(a, b string) string
	// Min and Max are the aggregates, NULL over no values.
	Min(x string) string
	Max(x string) string
	// Series is a relation of one column k holding 0 … n−1.
	Series(n int) string
	// DiffMicros is the elapsed time from instant a to instant b in whole
	// microseconds (an integer).
	DiffMicros(a, b string) string
	// AddMicrosBy is instant ts moved by an integer expression of
	// microseconds.
	AddMicrosBy(ts, n string) string
	// DaySeries is a relation of one column day holding every date from lo
	// to hi, the columns of the one-row relation span.
	DaySeries(span string) string
	// FullMatch is whether text x matches the regular expression re whole
	// (re is written for RE2 and POSIX alike, without backslashes).
	FullMatch(x, re string) string
	// TryDouble is text x as a double, or NULL when it is not a number.
	TryDouble(x string) string
	// Bytewise is text x ordered by its bytes, whatever the collation
	// (ties broken by name sort as uptake sorts them).
	Bytewise(x string) string
	// Settings end every query (ClickHouse: LEFT JOIN misses are NULL and
	// names are columns before aliases, as in standard SQL).
	Settings() string
}

// Dialects are the --dialect values, in the order help lists them.
var Dialects = []Dialect{DuckDB{}, ClickHouse{}, Postgres{}, BigQuery{}, Snowflake{}}

// Names are the dialects' names.
func Names() []string {
	var out []string
	for _, d := range Dialects {
		out = append(out, d.Name())
	}
	return out
}

// Lookup returns the dialect called name.
func Lookup(name string) (Dialect, error) {
	for _, d := range Dialects {
		if d.Name() == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("--dialect %q: want one of %s", name, strings.Join(Names(), ", "))
}

// Tested are the dialects whose queries CI runs on a real engine; the
// others are checked as text only.
var Tested = []string{"duckdb", "clickhouse", "postgres"}

// IsTested says whether d's queries run in CI.
func IsTested(d Dialect) bool { return slices.Contains(Tested, d.Name()) }

// Table quotes a table name, qualified or not (schema.table): each part
// is quoted as an identifier.
func Table(d Dialect, name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = d.Ident(p)
	}
	return strings.Join(parts, ".")
}

// In is "x IN (v1, v2…)" with the values as string literals; with no
// values, FALSE.
func In(d Dialect, x string, values []string) string {
	if len(values) == 0 {
		return "FALSE"
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = d.Str(v)
	}
	return x + " IN (" + strings.Join(q, ", ") + ")"
}

// WeekStart is the first day of date d's week, which starts on Monday or,
// with sunday, on Sunday.
func WeekStart(d Dialect, date string, sunday bool) string {
	back := "(" + d.ISODow(date) + " - 1)"
	if sunday {
		back = d.Mod(d.ISODow(date), "7")
	}
	return d.AddDays(date, "-"+back)
}

// PeriodStart is the first day of date's day, week or month.
func PeriodStart(d Dialect, period, date string, sunday bool) string {
	switch period {
	case "week":
		return WeekStart(d, date, sunday)
	case "month":
		return d.MonthStart(date)
	}
	return date
}

// AddPeriods moves date, a period's first day, by n periods.
func AddPeriods(d Dialect, period, date, n string) string {
	switch period {
	case "week":
		return d.AddDays(date, "7 * ("+n+")")
	case "month":
		return d.AddMonths(date, n)
	}
	return d.AddDays(date, n)
}

// PeriodsBetween is the number of periods from a to b, both periods' first
// days.
func PeriodsBetween(d Dialect, period, a, b string) string {
	switch period {
	case "week":
		return d.IntDiv(d.DiffDays(a, b), "7")
	case "month":
		return d.DiffMonths(a, b)
	}
	return d.DiffDays(a, b)
}

// instantText is the text of an instant literal: UTC, six decimals.
func instantText(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

// strQuote is a standard SQL string literal: single quotes doubled.
func strQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// identQuote is a standard SQL identifier: double quotes doubled.
func identQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
