package sqlgen

import (
	"fmt"
	"strconv"
	"time"
)

// Postgres spells queries for PostgreSQL. ts is a timestamptz; zones are
// always named (AT TIME ZONE), never the session's TimeZone, and elapsed
// arithmetic uses fixed units (an interval of days would follow the
// session's daylight-saving changes).
type Postgres struct{}

func (Postgres) Name() string               { return "postgres" }
func (Postgres) Ident(s string) string      { return identQuote(s) }
func (Postgres) Str(s string) string        { return strQuote(s) }
func (Postgres) Instant(t time.Time) string { return "TIMESTAMPTZ '" + instantText(t) + "+00'" }
func (Postgres) AddMicros(ts string, n int64) string {
	return fmt.Sprintf("(%s + %d * INTERVAL '1 microsecond')", ts, n)
}
func (Postgres) Seconds(a, b string) string {
	return fmt.Sprintf("CAST(EXTRACT(EPOCH FROM (%s) - (%s)) AS DOUBLE PRECISION)", b, a)
}
func (Postgres) Day(ts, tz string) string {
	return fmt.Sprintf("CAST((%s) AT TIME ZONE %s AS DATE)", ts, strQuote(tz))
}
func (Postgres) ISODow(d string) string { return "CAST(EXTRACT(ISODOW FROM " + d + ") AS INTEGER)" }
func (Postgres) MonthStart(d string) string {
	return "CAST(date_trunc('month', " + d + ") AS DATE)"
}
func (Postgres) AddDays(d, n string) string { return fmt.Sprintf("(%s + CAST(%s AS INTEGER))", d, n) }
func (Postgres) AddMonths(d, n string) string {
	return fmt.Sprintf("CAST(%s + CAST(%s AS INTEGER) * INTERVAL '1 month' AS DATE)", d, n)
}
func (Postgres) DiffDays(a, b string) string { return fmt.Sprintf("(%s - %s)", b, a) }
func (Postgres) DiffMonths(a, b string) string {
	return fmt.Sprintf("(CAST((EXTRACT(YEAR FROM %[2]s) - EXTRACT(YEAR FROM %[1]s)) * 12 + EXTRACT(MONTH FROM %[2]s) - EXTRACT(MONTH FROM %[1]s) AS INTEGER))", a, b)
}
func (Postgres) Midnight(d, tz string) string {
	return fmt.Sprintf("(CAST(%s AS TIMESTAMP) AT TIME ZONE %s)", d, strQuote(tz))
}
func (Postgres) AddLocalDays(ts, tz string, n int64) string {
	return fmt.Sprintf("(((%[2]s) AT TIME ZONE %[1]s + %[3]d * INTERVAL '1 day') AT TIME ZONE %[1]s)", strQuote(tz), ts, n)
}
func (Postgres) DateText(d string, month bool) string {
	if month {
		return "to_char(" + d + ", 'YYYY-MM')"
	}
	return "to_char(" + d + ", 'YYYY-MM-DD')"
}
func (Postgres) CountIf(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" }
func (Postgres) Percentile(x string, p float64) string {
	return fmt.Sprintf("percentile_cont(%s) WITHIN GROUP (ORDER BY %s)", strconv.FormatFloat(p, 'g', -1, 64), x)
}
func (Postgres) Double(x string) string { return "CAST(" + x + " AS DOUBLE PRECISION)" }
func (Postgres) Div(a, b string) string {
	return fmt.Sprintf("CAST(%s AS DOUBLE PRECISION) / NULLIF(%s, 0)", a, b)
}
func (Postgres) Text(x string) string      { return "CAST(" + x + " AS TEXT)" }
func (Postgres) IntDiv(a, b string) string { return "((" + a + ") / (" + b + "))" }
func (Postgres) Mod(a, b string) string    { return "((" + a + ") % (" + b + "))" }
func (Postgres) Min(x string) string       { return "min(" + x + ")" }
func (Postgres) Max(x string) string       { return "max(" + x + ")" }
func (Postgres) Settings() string          { return "" }
func (Postgres) Series(n int) string {
	return fmt.Sprintf("(SELECT CAST(k AS BIGINT) AS k FROM generate_series(0, %d) AS s(k))", n-1)
}
func (Postgres) DiffMicros(a, b string) string {
	return fmt.Sprintf("CAST(EXTRACT(EPOCH FROM (%s) - (%s)) * 1000000 AS BIGINT)", b, a)
}
func (Postgres) AddMicrosBy(ts, n string) string {
	return fmt.Sprintf("(%s + (%s) * INTERVAL '1 microsecond')", ts, n)
}
func (Postgres) DaySeries(span string) string {
	return "(SELECT CAST(g AS DATE) AS day FROM " + span + ", generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL '1 day') AS g)"
}
func (Postgres) FullMatch(x, re string) string { return "(" + x + " ~ " + strQuote("^("+re+")$") + ")" }
func (p Postgres) TryDouble(x string) string {
	return "CASE WHEN " + p.FullMatch(x, "[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?") + " THEN CAST(" + x + " AS DOUBLE PRECISION) END"
}
func (Postgres) Bytewise(x string) string { return x + ` COLLATE "C"` }
