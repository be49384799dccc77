package metrics

import (
	"fmt"
	"time"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// Pieces several metrics' queries share.

// period is the first local day of ts's calendar period, as a date.
func (c *SQLContext) period(period, ts string, sunday bool) string {
	return sqlgen.PeriodStart(c.D, period, c.D.Day(ts, c.TZ), sunday)
}

// periodLabel is a period's label as uptake writes it: YYYY-MM-DD for days
// and weeks (the first day), YYYY-MM for months.
func (c *SQLContext) periodLabel(period, start string) string {
	return c.D.DateText(start, period == "month")
}

// periodEnd is the instant period start + n periods begins (n an integer
// expression): the end of the n−1'th period after it.
func (c *SQLContext) periodEnd(period, start, n string) string {
	return c.D.Midnight(sqlgen.AddPeriods(c.D, period, start, n), c.TZ)
}

// dayText is an instant's local period start as YYYY-MM-DD, computed here:
// to compare with periodLabel-like dates in the query.
func dayText(cal Calendar, t time.Time) string {
	return cal.Start(t.UnixNano()).Format("2006-01-02")
}

// sqlEvent is the condition that ev's row is event name, or activity when
// name is "".
func (c *SQLContext) sqlEvent(col, name string) string {
	if name == "" {
		return c.Active(col)
	}
	return col + " = " + c.D.Str(name)
}

// nullInt is an integer NULL every dialect types alike in a UNION.
const nullInt = "NULLIF(0, 0)"

// sunday says whether weeks start on Sunday.
func sunday(weekStart string) bool { return weekStart == "sunday" }

// periodMicros is an elapsed bracket's length for period, in microseconds
// (a day 24 h, a week 7 d, a month 30 d).
func periodMicros(period string) int64 {
	unit := 24 * time.Hour
	switch period {
	case "week":
		unit *= 7
	case "month":
		unit *= 30
	}
	return unit.Microseconds()
}

// orderedBy wraps rows in a SELECT of cols ordered by keys: a union's rows
// in uptake's order, by columns the output leaves out.
func orderedBy(cols, rows, keys string) string {
	return fmt.Sprintf("SELECT %s\nFROM (\n%s\n) t\nORDER BY %s", cols, rows, keys)
}

// activePeriods adds the steps active_periods (each user's calendar
// periods with activity, with the periods before and after: prevp, nextp)
// and period_span (their first and last, lo and hi).
func (c *SQLContext) activePeriods(q *sqlgen.Query, period string, sun bool) {
	d := c.D
	q.With("active_periods", sqlgen.Lines("-- each user's "+period+"s with activity",
		"SELECT user_id, p, "+sqlgen.AddPeriods(d, period, "p", "-1")+" AS prevp, "+sqlgen.AddPeriods(d, period, "p", "1")+" AS nextp",
		"FROM (SELECT DISTINCT user_id, "+c.period(period, "ts", sun)+" AS p FROM ev"+sqlWhere(c.Active("event"))+") a"))
	q.With("period_span", "SELECT min(p) AS lo, max(p) AS hi FROM active_periods")
}

// periodSeries adds the step name: the first day p of every period from
// period_span's lo + from periods to its hi + to periods.
func (c *SQLContext) periodSeries(q *sqlgen.Query, name, period string, sun bool, from, to int) {
	d := c.D
	q.With(name+"_span", "SELECT "+sqlgen.AddPeriods(d, period, "lo", fmt.Sprint(from))+" AS lo, "+
		sqlgen.AddPeriods(d, period, "hi", fmt.Sprint(to))+" AS hi FROM period_span WHERE lo IS NOT NULL")
	q.With(name, sqlgen.Lines("-- every "+period+" of the span",
		"SELECT day AS p FROM "+d.DaySeries(name+"_span")+" s",
		"WHERE "+sqlgen.PeriodStart(d, period, "day", sun)+" = day"))
}

// sqlWhere is " WHERE cond", or nothing for "".
func sqlWhere(cond string) string {
	if cond == "" {
		return ""
	}
	return " WHERE " + cond
}

// windowEnd is the end of window w from instant t: w's microseconds later,
// or with --window-mode calendar the same local time w's days later in
// --tz.
func (c *SQLContext) windowEnd(t string, w WindowSettings) string {
	if w.WindowMode == "calendar" {
		return c.D.AddLocalDays(t, c.TZ, int64(w.Within.D.Hours()/24))
	}
	return c.D.AddMicros(t, w.Within.D.Microseconds())
}

// stepQuery starts the query of a metric of steps (funnel, onboarding):
// the steps, each named once, and step_events, their events.
func (c *SQLContext) stepQuery(steps []string) (*sqlgen.Query, error) {
	if err := distinctSteps(steps); err != nil {
		return nil, err
	}
	q, err := c.Query()
	if err != nil {
		return nil, err
	}
	q.With("step_events", "SELECT user_id, event, ts FROM ev WHERE "+sqlgen.In(c.D, "event", steps))
	return q, nil
}
