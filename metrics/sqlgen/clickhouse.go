package sqlgen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ClickHouse spells queries for ClickHouse (and chDB). ts is a
// DateTime64(6, 'UTC'); zones are named in every call.
type ClickHouse struct{}

func (ClickHouse) Name() string          { return "clickhouse" }
func (ClickHouse) Ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }

// Str escapes backslashes too: ClickHouse reads them as escapes.
func (ClickHouse) Str(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
func (ClickHouse) Instant(t time.Time) string {
	return "toDateTime64('" + instantText(t) + "', 6, 'UTC')"
}
func (ClickHouse) AddMicros(ts string, n int64) string {
	return fmt.Sprintf("addMicroseconds(%s, %d)", ts, n)
}
func (ClickHouse) Seconds(a, b string) string {
	return fmt.Sprintf("(toFloat64(toUnixTimestamp64Micro(%s) - toUnixTimestamp64Micro(%s)) / 1e6)", b, a)
}
func (c ClickHouse) Day(ts, tz string) string { return fmt.Sprintf("toDate(%s, %s)", ts, c.Str(tz)) }
func (ClickHouse) ISODow(d string) string     { return "toDayOfWeek(" + d + ")" }
func (ClickHouse) MonthStart(d string) string { return "toStartOfMonth(" + d + ")" }
func (ClickHouse) AddDays(d, n string) string { return fmt.Sprintf("addDays(%s, %s)", d, n) }
func (ClickHouse) AddMonths(d, n string) string {
	return fmt.Sprintf("addMonths(%s, %s)", d, n)
}
func (ClickHouse) DiffDays(a, b string) string { return fmt.Sprintf("dateDiff('day', %s, %s)", a, b) }
func (ClickHouse) DiffMonths(a, b string) string {
	return fmt.Sprintf("dateDiff('month', %s, %s)", a, b)
}
func (c ClickHouse) Midnight(d, tz string) string {
	return fmt.Sprintf("toDateTime64(toDateTime(%s, %s), 6, 'UTC')", d, c.Str(tz))
}
func (c ClickHouse) AddLocalDays(ts, tz string, n int64) string {
	return fmt.Sprintf("toDateTime64(addDays(toTimeZone(%s, %s), %d), 6, 'UTC')", ts, c.Str(tz), n)
}
func (ClickHouse) DateText(d string, month bool) string {
	if month {
		return "formatDateTime(" + d + ", '%Y-%m')"
	}
	return "formatDateTime(" + d + ", '%Y-%m-%d')"
}
func (ClickHouse) CountIf(cond string) string { return "countIf(" + cond + ")" }
func (ClickHouse) Percentile(x string, p float64) string {
	return fmt.Sprintf("quantileExactInclusiveOrNull(%s)(%s)", strconv.FormatFloat(p, 'g', -1, 64), x)
}
func (ClickHouse) Double(x string) string { return "toFloat64(" + x + ")" }
func (ClickHouse) Div(a, b string) string {
	return fmt.Sprintf("if((%[2]s) = 0, NULL, toFloat64(%[1]s) / (%[2]s))", a, b)
}
func (ClickHouse) Text(x string) string      { return "toString(" + x + ")" }
func (ClickHouse) IntDiv(a, b string) string { return "intDiv(" + a + ", " + b + ")" }
func (ClickHouse) Mod(a, b string) string    { return "modulo(" + a + ", " + b + ")" }
func (ClickHouse) Min(x string) string       { return "minOrNull(" + x + ")" }
func (ClickHouse) Max(x string) string       { return "maxOrNull(" + x + ")" }
func (ClickHouse) Settings() string {
	// standard SQL: a LEFT JOIN miss is NULL, and a name in an expression
	// is the column, not a select-list alias of the same name
	return "SETTINGS join_use_nulls = 1, prefer_column_name_to_alias = 1"
}
func (ClickHouse) Series(n int) string {
	return fmt.Sprintf("(SELECT toInt64(number) AS k FROM numbers(%d))", n)
}
func (ClickHouse) DiffMicros(a, b string) string {
	return fmt.Sprintf("(toUnixTimestamp64Micro(%s) - toUnixTimestamp64Micro(%s))", b, a)
}
func (ClickHouse) AddMicrosBy(ts, n string) string {
	return fmt.Sprintf("addMicroseconds(%s, %s)", ts, n)
}
func (ClickHouse) DaySeries(span string) string {
	return "(SELECT addDays(lo, arrayJoin(range(toUInt64(greatest(dateDiff('day', lo, hi) + 1, 0))))) AS day FROM " + span + " WHERE lo IS NOT NULL)"
}
func (c ClickHouse) FullMatch(x, re string) string {
	return "match(" + x + ", " + c.Str("^("+re+")$") + ")"
}
func (ClickHouse) TryDouble(x string) string { return "toFloat64OrNull(" + x + ")" }
func (ClickHouse) Bytewise(x string) string  { return x }
