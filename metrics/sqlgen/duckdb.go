package sqlgen

import (
	"fmt"
	"strconv"
	"time"
)

// DuckDB spells queries for DuckDB (with its ICU time zones, built in).
// ts is a TIMESTAMPTZ; zones are always named, never the session's.
type DuckDB struct{}

func (DuckDB) Name() string               { return "duckdb" }
func (DuckDB) Ident(s string) string      { return identQuote(s) }
func (DuckDB) Str(s string) string        { return strQuote(s) }
func (DuckDB) Instant(t time.Time) string { return "TIMESTAMPTZ '" + instantText(t) + "+00'" }
func (DuckDB) AddMicros(ts string, n int64) string {
	return fmt.Sprintf("(%s + to_microseconds(CAST(%d AS BIGINT)))", ts, n)
}
func (DuckDB) Seconds(a, b string) string {
	return fmt.Sprintf("(CAST(epoch_us(%s) - epoch_us(%s) AS DOUBLE) / 1e6)", b, a)
}
func (DuckDB) Day(ts, tz string) string {
	return fmt.Sprintf("CAST(timezone(%s, %s) AS DATE)", strQuote(tz), ts)
}
func (DuckDB) ISODow(d string) string     { return "isodow(" + d + ")" }
func (DuckDB) MonthStart(d string) string { return "CAST(date_trunc('month', " + d + ") AS DATE)" }
func (DuckDB) AddDays(d, n string) string {
	return fmt.Sprintf("CAST(%s + to_days(CAST(%s AS INTEGER)) AS DATE)", d, n)
}
func (DuckDB) AddMonths(d, n string) string {
	return fmt.Sprintf("CAST(%s + to_months(CAST(%s AS INTEGER)) AS DATE)", d, n)
}
func (DuckDB) DiffDays(a, b string) string   { return fmt.Sprintf("date_diff('day', %s, %s)", a, b) }
func (DuckDB) DiffMonths(a, b string) string { return fmt.Sprintf("date_diff('month', %s, %s)", a, b) }
func (DuckDB) Midnight(d, tz string) string {
	return fmt.Sprintf("timezone(%s, CAST(%s AS TIMESTAMP))", strQuote(tz), d)
}
func (DuckDB) AddLocalDays(ts, tz string, n int64) string {
	return fmt.Sprintf("timezone(%[1]s, timezone(%[1]s, %[2]s) + to_days(%[3]d))", strQuote(tz), ts, n)
}
func (DuckDB) DateText(d string, month bool) string {
	if month {
		return "strftime(" + d + ", '%Y-%m')"
	}
	return "strftime(" + d + ", '%Y-%m-%d')"
}
func (DuckDB) CountIf(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" }
func (DuckDB) Percentile(x string, p float64) string {
	return fmt.Sprintf("quantile_cont(%s, %s)", x, strconv.FormatFloat(p, 'g', -1, 64))
}
func (DuckDB) Double(x string) string { return "CAST(" + x + " AS DOUBLE)" }
func (DuckDB) Div(a, b string) string {
	return fmt.Sprintf("CAST(%s AS DOUBLE) / NULLIF(%s, 0)", a, b)
}
func (DuckDB) Text(x string) string      { return "CAST(" + x + " AS VARCHAR)" }
func (DuckDB) IntDiv(a, b string) string { return "(" + a + ") // (" + b + ")" }
func (DuckDB) Mod(a, b string) string    { return "((" + a + ") % (" + b + "))" }
func (DuckDB) Min(x string) string       { return "min(" + x + ")" }
func (DuckDB) Max(x string) string       { return "max(" + x + ")" }
func (DuckDB) Settings() string          { return "" }
func (DuckDB) Series(n int) string {
	return fmt.Sprintf("(SELECT CAST(range AS BIGINT) AS k FROM range(0, %d))", n)
}
func (DuckDB) DiffMicros(a, b string) string {
	return fmt.Sprintf("(epoch_us(%s) - epoch_us(%s))", b, a)
}
func (DuckDB) AddMicrosBy(ts, n string) string {
	return fmt.Sprintf("(%s + to_microseconds(CAST(%s AS BIGINT)))", ts, n)
}
func (DuckDB) DaySeries(span string) string {
	return "(SELECT CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day FROM " + span + ")"
}
func (DuckDB) FullMatch(x, re string) string {
	return "regexp_full_match(" + x + ", " + strQuote(re) + ")"
}
func (DuckDB) TryDouble(x string) string { return "TRY_CAST(" + x + " AS DOUBLE)" }
func (DuckDB) Bytewise(x string) string  { return x }
