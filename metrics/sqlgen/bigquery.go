package sqlgen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BigQuery spells queries for BigQuery (GoogleSQL). ts is a TIMESTAMP.
// Checked as text only: no BigQuery runs in CI.
type BigQuery struct{}

func (BigQuery) Name() string          { return "bigquery" }
func (BigQuery) Ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }
func (BigQuery) Str(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
func (BigQuery) Instant(t time.Time) string { return "TIMESTAMP '" + instantText(t) + "+00'" }
func (BigQuery) AddMicros(ts string, n int64) string {
	return fmt.Sprintf("TIMESTAMP_ADD(%s, INTERVAL %d MICROSECOND)", ts, n)
}
func (BigQuery) Seconds(a, b string) string {
	return fmt.Sprintf("(TIMESTAMP_DIFF(%s, %s, MICROSECOND) / 1e6)", b, a)
}
func (b BigQuery) Day(ts, tz string) string { return fmt.Sprintf("DATE(%s, %s)", ts, b.Str(tz)) }
func (BigQuery) ISODow(d string) string {
	return "MOD(EXTRACT(DAYOFWEEK FROM " + d + ") + 5, 7) + 1"
}
func (BigQuery) MonthStart(d string) string { return "DATE_TRUNC(" + d + ", MONTH)" }
func (BigQuery) AddDays(d, n string) string {
	return fmt.Sprintf("DATE_ADD(%s, INTERVAL CAST(%s AS INT64) DAY)", d, n)
}
func (BigQuery) AddMonths(d, n string) string {
	return fmt.Sprintf("DATE_ADD(%s, INTERVAL CAST(%s AS INT64) MONTH)", d, n)
}
func (BigQuery) DiffDays(a, b string) string   { return fmt.Sprintf("DATE_DIFF(%s, %s, DAY)", b, a) }
func (BigQuery) DiffMonths(a, b string) string { return fmt.Sprintf("DATE_DIFF(%s, %s, MONTH)", b, a) }
func (b BigQuery) Midnight(d, tz string) string {
	return fmt.Sprintf("TIMESTAMP(%s, %s)", d, b.Str(tz))
}
func (b BigQuery) AddLocalDays(ts, tz string, n int64) string {
	return fmt.Sprintf("TIMESTAMP(DATETIME_ADD(DATETIME(%[1]s, %[2]s), INTERVAL %[3]d DAY), %[2]s)", ts, b.Str(tz), n)
}
func (BigQuery) DateText(d string, month bool) string {
	if month {
		return "FORMAT_DATE('%Y-%m', " + d + ")"
	}
	return "FORMAT_DATE('%Y-%m-%d', " + d + ")"
}
func (BigQuery) CountIf(cond string) string { return "COUNTIF(" + cond + ")" }

// Percentile: BigQuery has no exact percentile aggregate (PERCENTILE_CONT
// is analytic only, APPROX_QUANTILES approximate), so the type-7 formula
// is written out over the group's sorted values: with h = (n − 1)·p,
// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]).
func (BigQuery) Percentile(x string, p float64) string {
	h := fmt.Sprintf("((COUNT(%s) - 1) * %s)", x, strconv.FormatFloat(p, 'g', -1, 64))
	at := func(f string) string {
		return fmt.Sprintf("ARRAY_AGG(%s IGNORE NULLS ORDER BY %s)[SAFE_OFFSET(CAST(%s(%s) AS INT64))]", x, x, f, h)
	}
	return fmt.Sprintf("(%[1]s + (%[3]s - FLOOR(%[3]s)) * (%[2]s - %[1]s))", at("FLOOR"), at("CEIL"), h)
}
func (BigQuery) Double(x string) string { return "CAST(" + x + " AS FLOAT64)" }
func (BigQuery) Div(a, b string) string {
	return fmt.Sprintf("SAFE_DIVIDE(CAST(%s AS FLOAT64), %s)", a, b)
}
func (BigQuery) Text(x string) string { return "CAST(" + x + " AS STRING)" }
func (BigQuery) IntDiv(a, b string) string {
	return "DIV(" + a + ", " + b + ")"
}
func (BigQuery) Mod(a, b string) string { return "MOD(" + a + ", " + b + ")" }
func (BigQuery) Min(x string) string    { return "min(" + x + ")" }
func (BigQuery) Max(x string) string    { return "max(" + x + ")" }
func (BigQuery) Settings() string       { return "" }
func (BigQuery) Series(n int) string {
	return fmt.Sprintf("(SELECT k FROM UNNEST(GENERATE_ARRAY(0, %d)) AS k)", n-1)
}
func (BigQuery) DiffMicros(a, b string) string {
	return fmt.Sprintf("TIMESTAMP_DIFF(%s, %s, MICROSECOND)", b, a)
}
func (BigQuery) AddMicrosBy(ts, n string) string {
	return fmt.Sprintf("TIMESTAMP_ADD(%s, INTERVAL %s MICROSECOND)", ts, n)
}
func (BigQuery) DaySeries(span string) string {
	return "(SELECT day FROM " + span + ", UNNEST(GENERATE_DATE_ARRAY(lo, hi)) AS day)"
}
func (b BigQuery) FullMatch(x, re string) string {
	return "REGEXP_CONTAINS(" + x + ", " + b.Str("^("+re+")$") + ")"
}
func (BigQuery) TryDouble(x string) string { return "SAFE_CAST(" + x + " AS FLOAT64)" }
func (BigQuery) Bytewise(x string) string  { return x }
