package metrics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// SQL: a metric with Def.SQL writes itself as one query (uptake sql) over
// a relation of user_id, event, ts and the property columns its settings
// name, returning the rows of its --format csv (the interval columns left
// out); Def.FromRows turns such rows back into its result, so that the
// intervals, warnings and views are the Go engine's (docs/sql.md).

// SQLContext is what a query is written against: the dialect, the
// relation, and the reporting settings every metric shares, as the Go
// engine applies them to a read.
type SQLContext struct {
	D     sqlgen.Dialect
	Table string // the relation, as given (schema.table)
	TZ    string // --tz: an IANA zone name
	Loc   *time.Location
	// From and To are the reporting range; Since and AsOf the observed
	// history (AsOf nil: just after the last event, computed by the query).
	From, To    *time.Time
	Since, AsOf *time.Time
	// ActiveEvents are --active-event; without them every event but the
	// Internal ones is activity.
	ActiveEvents []string
	Internal     []string
	// Exact drops rows whose user, event and time repeat (--dedup exact).
	Exact bool
	Level float64
	// resultAsOf, when set, is the as_of a result reports when --as-of is
	// not given, in place of the one computed from every event (a survey's
	// is just after its last answer, as uptake's).
	resultAsOf string
}

// Query starts a query: the steps "bounds" (the as_of and since in force)
// and "ev", the relation's rows within the observed history with a user,
// an event and a time — user_id, event, ts and the props columns —
// deduplicated as asked. Every metric reads ev.
func (c *SQLContext) Query(props ...string) (*sqlgen.Query, error) {
	d := c.D
	q := sqlgen.NewQuery(d)
	if c.Exact && len(props) > 0 {
		return nil, fmt.Errorf("--dedup exact keeps the first of the rows that repeat a user, event and time, and a table has no first row: deduplicate the table, or use --dedup off")
	}
	src := sqlgen.Table(d, c.Table)
	valid := sqlgen.And("user_id IS NOT NULL", d.Text("user_id")+" <> ''", "event IS NOT NULL", "ts IS NOT NULL")
	since := ""
	if c.Since != nil {
		since = "ts >= " + d.Instant(*c.Since)
	}
	if c.AsOf != nil {
		q.With("bounds", "SELECT "+d.Instant(*c.AsOf)+" AS as_of")
	} else {
		// dates only (every time a UTC midnight): the start of the day
		// after the last date, as uptake takes it for dates read in UTC
		midnight := d.Midnight(d.Day("ts", "UTC"), "UTC")
		nextDay := d.Midnight(d.AddDays(d.Day("max(ts)", "UTC"), "1"), "UTC")
		q.With("bounds", sqlgen.Lines(
			"-- as_of: just after the last event; with dates only, the day after the last date",
			"SELECT CASE WHEN "+d.CountIf("ts = "+midnight)+" = count(*) THEN "+nextDay+" ELSE "+d.AddMicros("max(ts)", 1)+" END AS as_of",
			"FROM "+src,
			"WHERE "+sqlgen.And(valid, since)))
	}
	cols := []string{d.Text("user_id") + " AS user_id", "event", "ts"}
	for _, p := range props {
		cols = append(cols, d.Ident(p))
	}
	sel := "SELECT "
	if c.Exact {
		sel = "SELECT DISTINCT "
	}
	q.With("ev", sqlgen.Lines(
		sel+strings.Join(cols, ", "),
		"FROM "+src,
		"WHERE "+sqlgen.And(valid, since, "ts < "+c.AsOfExpr())))
	return q, nil
}

// AsOfExpr is the as_of instant as an expression.
func (c *SQLContext) AsOfExpr() string {
	if c.AsOf != nil {
		return c.D.Instant(*c.AsOf)
	}
	return "(SELECT as_of FROM bounds)"
}

// Active is the condition that an event (the column ev) is activity.
func (c *SQLContext) Active(ev string) string {
	if len(c.ActiveEvents) > 0 {
		return sqlgen.In(c.D, ev, c.ActiveEvents)
	}
	if len(c.Internal) == 0 {
		return ""
	}
	return "NOT " + sqlgen.In(c.D, ev, c.Internal)
}

// InRange is the condition that instant t is in the reporting range.
func (c *SQLContext) InRange(t string) string {
	var conds []string
	if c.From != nil {
		conds = append(conds, t+" >= "+c.D.Instant(*c.From))
	}
	if c.To != nil {
		conds = append(conds, t+" < "+c.D.Instant(*c.To))
	}
	return strings.Join(conds, " AND ")
}

// AsOfColumn is the column every query adds after the metric's own: the
// as_of the query took (--as-of, or 1 µs after the last event) in whole
// microseconds since 1970-01-01 UTC, so that a result read back knows its
// as_of as the Go engine knows it from the read (views mark what as_of
// cuts, and the envelope names it).
const AsOfColumn = "as_of_unix_us"

// Result is the query q ending in final, a SELECT whose list ends at its
// first line that starts with FROM, with the AsOfColumn added to that
// list.
func (c *SQLContext) Result(q *sqlgen.Query, final string) string {
	i := strings.Index(final, "\nFROM ")
	if !strings.HasPrefix(final, "SELECT ") || i < 0 {
		panic("metrics: a query's final SELECT must list its columns before a line starting with FROM")
	}
	asOf := c.resultAsOf
	if asOf == "" || c.AsOf != nil {
		asOf = "(SELECT as_of FROM bounds)"
	}
	col := ",\n  " + c.D.DiffMicros(c.D.Instant(time.Unix(0, 0).UTC()), asOf) + " AS " + AsOfColumn
	return q.SQL(final[:i] + col + final[i:])
}

// AsOf is the as_of the rows carry in their AsOfColumn (ok false when they
// have none, or no rows, or it is NULL: the relation had no events).
func (q *QueryRows) AsOf() (t time.Time, ok bool, err error) {
	i := slices.Index(q.Columns, AsOfColumn)
	if i < 0 || len(q.Rows) == 0 {
		return time.Time{}, false, nil
	}
	for n, row := range q.Rows {
		v := ""
		if i < len(row) {
			v = strings.TrimSpace(row[i])
		}
		if v == "" || v == `\N` || strings.EqualFold(v, "null") {
			return time.Time{}, false, nil
		}
		us, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			return time.Time{}, false, fmt.Errorf("%s: row %d: %s %q: not a whole number of microseconds", q.Source, n+1, AsOfColumn, v)
		}
		if n == 0 {
			t = time.UnixMicro(us).UTC()
		} else if !t.Equal(time.UnixMicro(us)) {
			return time.Time{}, false, fmt.Errorf("%s: row %d: %s %s differs from the first row's", q.Source, n+1, AsOfColumn, v)
		}
	}
	return t, true, nil
}

// Complete is the condition that a window or period ending at instant end
// is complete at as_of.
func (c *SQLContext) Complete(end string) string { return end + " <= " + c.AsOfExpr() }

// SQLUnsupported is the usage error for a setting a metric's query cannot
// express: never a silently different query.
func SQLUnsupported(flag, why string) error {
	return &UsageError{Err: fmt.Errorf("%s: %s", flag, why)}
}

// QueryRows are a query's result as text, by column name; a NULL is "".
type QueryRows struct {
	Columns []string
	Rows    [][]string
	// Source names where the rows came from, for errors ("result.csv").
	Source string
}

// RowReader reads a QueryRows' rows by column name, keeping the first
// error, which names the row and column.
type RowReader struct {
	q   *QueryRows
	col map[string]int
	row int
	err error
}

// Reader checks that the rows have every column of want and reads them.
func (q *QueryRows) Reader(want ...string) (*RowReader, error) {
	r := &RowReader{q: q, col: map[string]int{}, row: -1}
	for i, c := range q.Columns {
		r.col[c] = i
	}
	for _, w := range want {
		if _, ok := r.col[w]; !ok {
			return nil, fmt.Errorf("%s: no column %q (it has %s): run the query uptake sql printed for the same flags", q.Source, w, strings.Join(q.Columns, ", "))
		}
	}
	return r, nil
}

// Next moves to the next row.
func (r *RowReader) Next() bool {
	if r.err != nil || r.row+1 >= len(r.q.Rows) {
		return false
	}
	r.row++
	return true
}

// Err is the first error.
func (r *RowReader) Err() error { return r.err }

func (r *RowReader) cell(name string) string {
	i, ok := r.col[name]
	if !ok {
		r.fail(name, "", "no such column")
		return ""
	}
	row := r.q.Rows[r.row]
	if i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func (r *RowReader) fail(name, v, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: row %d: %s %q: %s", r.q.Source, r.row+1, name, v, why)
	}
}

// Str is the row's text in column name ("" for NULL).
func (r *RowReader) Str(name string) string { return r.cell(name) }

// Int is the row's integer in column name (NULL is an error). Engines may
// print a count as a float ("12.0"); a whole float is taken.
func (r *RowReader) Int(name string) int64 {
	v := r.cell(name)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) {
		return int64(f)
	}
	r.fail(name, v, "not a whole number")
	return 0
}

// Count is the row's count in column name: a whole number, not negative.
func (r *RowReader) Count(name string) int64 {
	n := r.Int(name)
	if n < 0 {
		r.fail(name, r.cell(name), "a count cannot be negative")
		return 0
	}
	return n
}

// Part checks that the count part is at most whole, as a numerator and its
// denominator must be.
func (r *RowReader) Part(part, whole string, p, w int64) {
	if p > w {
		r.fail(part, strconv.FormatInt(p, 10), "more than "+whole+" ("+strconv.FormatInt(w, 10)+")")
	}
}

// OptFloat is the row's number in column name, or nil for NULL.
func (r *RowReader) OptFloat(name string) *float64 {
	v := r.cell(name)
	if v == "" || strings.EqualFold(v, "null") || v == `\N` {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(name, v, "not a number")
		return nil
	}
	return &f
}
