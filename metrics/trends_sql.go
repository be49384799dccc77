package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// trendsSQL is Trends as one query: each event's events and exact distinct
// users in every period of the range (zeros included), with its totals.
func trendsSQL(c *SQLContext, s *TrendsSettings) (string, error) {
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	sun := sunday(s.WeekStart)
	lo := c.period(s.Period, "min(ts)", sun) + " FROM ev"
	if c.From != nil { // the first period that starts at or after --from
		p := c.period(s.Period, d.Instant(*c.From), sun)
		lo = "CASE WHEN " + d.Midnight(p, c.TZ) + " < " + d.Instant(*c.From) + " THEN " + sqlgen.AddPeriods(d, s.Period, p, "1") + " ELSE " + p + " END"
	}
	end := c.AsOfExpr()
	if c.To != nil {
		end = "CASE WHEN " + d.Instant(*c.To) + " < " + end + " THEN " + d.Instant(*c.To) + " ELSE " + end + " END"
	}
	q.With("period_span", sqlgen.Lines("-- the periods listed: from the first event's (or --from's) to the one holding the end of the range",
		"SELECT (SELECT "+lo+") AS lo, "+c.period(s.Period, d.AddMicros(end, -1), sun)+" AS hi"))
	c.periodSeries(q, "periods", s.Period, sun, 0, 0)
	complete := c.Complete(c.periodEnd(s.Period, "p", "1"))
	if c.Since != nil {
		complete += " AND " + d.Midnight("p", c.TZ) + " >= " + d.Instant(*c.Since)
	}
	q.With("listed", "SELECT p, CASE WHEN "+complete+" THEN 'true' ELSE 'false' END AS complete FROM periods")
	q.With("counted", sqlgen.Lines("SELECT user_id, event, "+c.period(s.Period, "ts", sun)+" AS p FROM ev",
		"WHERE "+c.period(s.Period, "ts", sun)+" BETWEEN (SELECT lo FROM period_span) AND (SELECT hi FROM period_span)"))
	if len(s.Events) > 0 {
		var names []string
		for i, e := range slices.Compact(slices.Clone(s.Events)) {
			names = append(names, fmt.Sprintf("SELECT %s AS event, %d AS idx", d.Str(e), i))
		}
		q.With("names", strings.Join(names, "\nUNION ALL\n"))
	} else {
		q.With("names", sqlgen.Lines(
			fmt.Sprintf("-- the top %d events by count in the periods listed, internal ones left out (ties by name)", s.Top),
			"SELECT event, idx FROM (",
			"  SELECT event, row_number() OVER (ORDER BY count(*) DESC, "+d.Bytewise("event")+") - 1 AS idx",
			"  FROM counted"+sqlWhere(c.notInternal("event")),
			"  GROUP BY event",
			") t",
			fmt.Sprintf("WHERE idx < %d", s.Top)))
	}
	q.With("cells", "SELECT p, event, count(*) AS events, count(DISTINCT user_id) AS users FROM counted GROUP BY p, event")
	q.With("totals", "SELECT event, count(*) AS events, count(DISTINCT user_id) AS users FROM counted GROUP BY event")
	return c.Result(q, sqlgen.Lines(
		"SELECT "+c.periodLabel(s.Period, "l.p")+" AS period, n.event AS event, COALESCE(x.events, 0) AS events, COALESCE(x.users, 0) AS users, l.complete AS complete,",
		"  COALESCE(t.events, 0) AS total_events, COALESCE(t.users, 0) AS total_users",
		"FROM names n CROSS JOIN listed l",
		"LEFT JOIN cells x ON x.event = n.event AND x.p = l.p",
		"LEFT JOIN totals t ON t.event = n.event",
		"ORDER BY n.idx, l.p")), nil
}

// notInternal is the condition that an event is not internal (whatever
// --active-event says: trends counts events, not activity).
func (c *SQLContext) notInternal(col string) string {
	if len(c.Internal) == 0 {
		return ""
	}
	return "NOT " + sqlgen.In(c.D, col, c.Internal)
}

// trendsFromRows rebuilds the series and each event's totals.
func trendsFromRows(r *Run, s *TrendsSettings, q *QueryRows) (TrendsResult, error) {
	rd, err := q.Reader("period", "event", "events", "users", "complete", "total_events", "total_users")
	if err != nil {
		return TrendsResult{}, err
	}
	res := TrendsResult{Events: []TrendEvent{}, Series: []TrendPoint{}, names: []string{}}
	for rd.Next() {
		p := TrendPoint{Period: rd.Str("period"), Event: rd.Str("event"), Events: rd.Count("events"), Users: rd.Count("users")}
		rd.Part("users", "events", p.Users, p.Events)
		switch v := rd.Str("complete"); v {
		case "true", "t", "1":
			p.Complete = true
		case "false", "f", "0":
		default:
			rd.fail("complete", v, "not true or false")
		}
		if n := len(res.names); n == 0 || res.names[n-1] != p.Event {
			if slices.Contains(res.names, p.Event) {
				return res, fmt.Errorf("%s: row %d: event %s comes again after others", q.Source, rd.row+1, p.Event)
			}
			res.names = append(res.names, p.Event)
			res.Events = append(res.Events, TrendEvent{Event: p.Event, Events: rd.Count("total_events"), Users: rd.Count("total_users")})
		}
		if len(res.names) == 1 {
			res.periods = append(res.periods, reportPeriod{label: p.Period, complete: p.Complete})
		}
		res.Series = append(res.Series, p)
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	if len(res.Series) != len(res.names)*len(res.periods) {
		return res, fmt.Errorf("%s: %d rows for %d events and %d periods: want every period of every event", q.Source, len(res.Series), len(res.names), len(res.periods))
	}
	r.Prepared = res.names // params name the events counted
	return res, nil
}

// trendsSQLHelp is what uptake sql trends writes (its --help).
const trendsSQLHelp = `events and exact distinct users per event and period (zeros
included) with each event's totals, for the --top events by count (ties by
name in byte order) or the events given. Not in SQL: event selectors.`
