package metrics

import (
	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// lifecycleSQL is Lifecycle as one query: each period's active users split
// into new (first seen then), returning (active the period before) and
// resurrecting, and the users who went dormant.
func lifecycleSQL(c *SQLContext, s *LifecycleSettings) (string, error) {
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	sun := sunday(s.WeekStart)
	c.activePeriods(q, s.Period, sun)
	q.With("first_seen", sqlgen.Lines("-- the "+s.Period+" of each user's first event of any kind",
		"SELECT user_id, "+c.period(s.Period, "min(ts)", sun)+" AS fp FROM ev GROUP BY user_id"))
	q.With("states", sqlgen.Lines(
		"SELECT a.user_id AS user_id, a.p AS p, a.nextp AS nextp,",
		"  CASE WHEN a.p = f.fp THEN 'new' WHEN b.p IS NOT NULL THEN 'returning' ELSE 'resurrecting' END AS state,",
		"  n.p IS NULL AS leaves",
		"FROM active_periods a",
		"JOIN first_seen f ON f.user_id = a.user_id",
		"LEFT JOIN active_periods b ON b.user_id = a.user_id AND b.p = a.prevp",
		"LEFT JOIN active_periods n ON n.user_id = a.user_id AND n.p = a.nextp"))
	c.periodSeries(q, "periods", s.Period, sun, 0, 1)
	warm := ""
	if c.Since != nil {
		warm = "WHEN " + d.DateText("p.p", false) + " <= " + d.Str(dayText(s.Calendar(s.Period, c.Loc), *c.Since)) + " THEN 'warm_up' "
	}
	q.With("counts", sqlgen.Lines(
		"SELECT p.p AS p, COALESCE(a.active, 0) AS active, COALESCE(a.nw, 0) AS nw, COALESCE(a.ret, 0) AS ret, COALESCE(a.res, 0) AS res, COALESCE(x.n, 0) AS dormant,",
		"  CASE "+warm+"WHEN NOT ("+c.Complete(c.periodEnd(s.Period, "p.p", "1"))+") THEN 'incomplete' ELSE 'complete' END AS status,",
		"  p.p = (SELECT "+sqlgen.AddPeriods(d, s.Period, "hi", "1")+" FROM period_span) AS after_data",
		"FROM periods p",
		"LEFT JOIN (SELECT p, count(*) AS active, "+d.CountIf("state = 'new'")+" AS nw, "+d.CountIf("state = 'returning'")+" AS ret, "+
			d.CountIf("state = 'resurrecting'")+" AS res FROM states GROUP BY p) a ON a.p = p.p",
		"LEFT JOIN (SELECT nextp AS p, count(*) AS n FROM states WHERE leaves GROUP BY nextp) x ON x.p = p.p",
		where(c.InRange(d.Midnight("p.p", c.TZ)))))
	warmNull := func(x string) string { return "CASE WHEN status = 'warm_up' THEN " + nullInt + " ELSE " + x + " END" }
	return c.Result(q, sqlgen.Lines(
		"SELECT "+c.periodLabel(s.Period, "p")+" AS period, active, "+warmNull("nw")+" AS "+d.Ident("new")+", "+warmNull("ret")+" AS returning, "+
			warmNull("res")+" AS resurrecting, "+warmNull("dormant")+" AS dormant,",
		"  CASE WHEN status = 'warm_up' THEN NULL ELSE "+d.Div("nw + res", "dormant")+" END AS pulse, status",
		"FROM counts",
		"-- the period after the data, with no one active and not over: nothing to say yet",
		"WHERE NOT (after_data AND active = 0 AND status = 'incomplete')",
		"ORDER BY p")), nil
}

// lifecycleFromRows rebuilds the periods.
func lifecycleFromRows(r *Run, s *LifecycleSettings, q *QueryRows) (LifecycleResult, error) {
	rd, err := q.Reader("period", "active", "new", "returning", "resurrecting", "dormant", "status")
	if err != nil {
		return LifecycleResult{}, err
	}
	res := lifecycleStart(r.Since)
	for rd.Next() {
		p := LifecyclePeriod{Period: rd.Str("period"), Active: rd.Count("active"), Status: rd.Str("status")}
		if p.Status != "warm_up" {
			p.New, p.Returning, p.Resurrecting, p.Dormant = rd.Count("new"), rd.Count("returning"), rd.Count("resurrecting"), rd.Count("dormant")
			if p.New+p.Returning+p.Resurrecting != p.Active {
				rd.fail("active", rd.Str("active"), "is not new + returning + resurrecting")
			}
			if p.Dormant > 0 {
				p.Pulse = Ptr(float64(p.New+p.Resurrecting) / float64(p.Dormant))
			}
		}
		res.Periods = append(res.Periods, p)
	}
	return res, rd.Err()
}

// lifecycleSQLHelp is what uptake sql lifecycle writes (its --help).
const lifecycleSQLHelp = `per calendar period in --tz: active users split into new,
returning and resurrecting, the dormant, the pulse, and each period's
status (the --since period warm_up, the one as_of cuts incomplete). Every
option is written into SQL.`
