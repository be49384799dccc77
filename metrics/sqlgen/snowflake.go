package sqlgen

import (
	"fmt"
	"strconv"
	"time"
)

// Snowflake spells queries for Snowflake. ts is a TIMESTAMP_TZ (or an
// NTZ holding UTC). Checked as text only: no Snowflake runs in CI.
type Snowflake struct{}

func (Snowflake) Name() string          { return "snowflake" }
func (Snowflake) Ident(s string) string { return identQuote(s) }
func (Snowflake) Str(s string) string   { return strQuote(s) }
func (Snowflake) Instant(t time.Time) string {
	return "TO_TIMESTAMP_TZ('" + instantText(t) + " +00:00')"
}
func (Snowflake) AddMicros(ts string, n int64) string {
	return fmt.Sprintf("DATEADD(microsecond, %d, %s)", n, ts)
}
func (Snowflake) Seconds(a, b string) string {
	return fmt.Sprintf("(DATEDIFF(microsecond, %s, %s) / 1e6)", a, b)
}
func (Snowflake) Day(ts, tz string) string {
	return fmt.Sprintf("CAST(CONVERT_TIMEZONE(%s, %s) AS DATE)", strQuote(tz), ts)
}
func (Snowflake) ISODow(d string) string     { return "DAYOFWEEKISO(" + d + ")" }
func (Snowflake) MonthStart(d string) string { return "DATE_TRUNC('month', " + d + ")" }
func (Snowflake) AddDays(d, n string) string { return fmt.Sprintf("DATEADD(day, %s, %s)", n, d) }
func (Snowflake) AddMonths(d, n string) string {
	return fmt.Sprintf("DATEADD(month, %s, %s)", n, d)
}
func (Snowflake) DiffDays(a, b string) string   { return fmt.Sprintf("DATEDIFF(day, %s, %s)", a, b) }
func (Snowflake) DiffMonths(a, b string) string { return fmt.Sprintf("DATEDIFF(month, %s, %s)", a, b) }
func (Snowflake) Midnight(d, tz string) string {
	return fmt.Sprintf("CONVERT_TIMEZONE(%s, 'UTC', CAST(%s AS TIMESTAMP_NTZ))", strQuote(tz), d)
}
func (Snowflake) AddLocalDays(ts, tz string, n int64) string {
	return fmt.Sprintf("CONVERT_TIMEZONE(%[2]s, 'UTC', DATEADD(day, %[3]d, CAST(CONVERT_TIMEZONE(%[2]s, %[1]s) AS TIMESTAMP_NTZ)))", ts, strQuote(tz), n)
}
func (Snowflake) DateText(d string, month bool) string {
	if month {
		return "TO_CHAR(" + d + ", 'YYYY-MM')"
	}
	return "TO_CHAR(" + d + ", 'YYYY-MM-DD')"
}
func (Snowflake) CountIf(cond string) string { return "COUNT_IF(" + cond + ")" }
func (Snowflake) Percentile(x string, p float64) string {
	return fmt.Sprintf("PERCENTILE_CONT(%s) WITHIN GROUP (ORDER BY %s)", strconv.FormatFloat(p, 'g', -1, 64), x)
}
func (Snowflake) Double(x string) string { return "CAST(" + x + " AS DOUBLE)" }
func (Snowflake) Div(a, b string) string {
	return fmt.Sprintf("CAST(%s AS DOUBLE) / NULLIF(%s, 0)", a, b)
}
func (Snowflake) Text(x string) string      { return "CAST(" + x + " AS VARCHAR)" }
func (Snowflake) IntDiv(a, b string) string { return "FLOOR((" + a + ") / (" + b + "))" }
func (Snowflake) Mod(a, b string) string    { return "MOD(" + a + ", " + b + ")" }
func (Snowflake) Min(x string) string       { return "min(" + x + ")" }
func (Snowflake) Max(x string) string       { return "max(" + x + ")" }
func (Snowflake) Settings() string          { return "" }
func (Snowflake) Series(n int) string {
	return fmt.Sprintf("(SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS k FROM TABLE(GENERATOR(ROWCOUNT => %d)))", n)
}
func (Snowflake) DiffMicros(a, b string) string {
	return fmt.Sprintf("DATEDIFF(microsecond, %s, %s)", a, b)
}
func (Snowflake) AddMicrosBy(ts, n string) string {
	return fmt.Sprintf("DATEADD(microsecond, %s, %s)", n, ts)
}
func (Snowflake) DaySeries(span string) string {
	return "(SELECT DATEADD(day, g.k, s.lo) AS day FROM " + span + " s, (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS k FROM TABLE(GENERATOR(ROWCOUNT => 100000))) g WHERE g.k <= DATEDIFF(day, s.lo, s.hi))"
}
func (Snowflake) FullMatch(x, re string) string {
	return "REGEXP_LIKE(" + x + ", " + strQuote(re) + ")"
}
func (Snowflake) TryDouble(x string) string { return "TRY_TO_DOUBLE(" + x + ")" }
func (Snowflake) Bytewise(x string) string  { return "COLLATE(" + x + ", '')" }
