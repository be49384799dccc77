package metrics

import (
	"fmt"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// churnSQL is Churn as one query: per complete period in range, the users
// active the period before, those active again, and the churned.
func churnSQL(c *SQLContext, s *ChurnSettings) (string, error) {
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	sun := sunday(s.WeekStart)
	c.activePeriods(q, s.Period, sun)
	c.periodSeries(q, "periods", s.Period, sun, 1, 1)
	q.With("counts", sqlgen.Lines("-- per period: active before, active again, active",
		"SELECT p.p AS p, COALESCE(b.n, 0) AS start_users, COALESCE(k.n, 0) AS retained, COALESCE(a.n, 0) AS active,",
		"  "+c.Complete(c.periodEnd(s.Period, "p.p", "1"))+" AS done, "+d.Midnight("p.p", c.TZ)+" < "+c.AsOfExpr()+" AS begun",
		"FROM periods p",
		"LEFT JOIN (SELECT nextp AS p, count(*) AS n FROM active_periods GROUP BY nextp) b ON b.p = p.p",
		"LEFT JOIN (SELECT x.p AS p, count(*) AS n FROM active_periods x JOIN active_periods y ON y.user_id = x.user_id AND y.p = x.prevp GROUP BY x.p) k ON k.p = p.p",
		"LEFT JOIN (SELECT p, count(*) AS n FROM active_periods GROUP BY p) a ON a.p = p.p",
		where(c.InRange(d.Midnight("p.p", c.TZ)))))
	label := c.periodLabel(s.Period, "p")
	return c.Result(q, sqlgen.Lines(
		"SELECT "+label+" AS period, start_users, retained, start_users - retained AS churned,",
		"  "+d.Div("start_users - retained", "start_users")+" AS churn_rate, "+d.Div("retained", "start_users")+" AS retention_rate, active,",
		"  (SELECT "+d.Min(label)+" FROM counts WHERE begun AND NOT done) AS incomplete_period",
		"FROM counts",
		"WHERE done",
		"ORDER BY p")), nil
}

// churnFromRows rebuilds the periods; the period as_of cut, which no row
// lists, comes from the incomplete_period column.
func churnFromRows(r *Run, s *ChurnSettings, q *QueryRows) (ChurnResult, error) {
	rd, err := q.Reader("period", "start_users", "retained", "churned", "active", "incomplete_period")
	if err != nil {
		return ChurnResult{}, err
	}
	res := ChurnResult{Periods: []ChurnPeriod{}, Basis: "activity", Warnings: []Warning{}}
	cut := ""
	for rd.Next() {
		p := ChurnPeriod{Period: rd.Str("period"), StartUsers: rd.Count("start_users"), Retained: rd.Count("retained"), Churned: rd.Count("churned"), Active: rd.Count("active")}
		rd.Part("retained", "start_users", p.Retained, p.StartUsers)
		if p.Churned != p.StartUsers-p.Retained {
			return res, fmt.Errorf("%s: row %d: churned %d is not start_users − retained", q.Source, rd.row+1, p.Churned)
		}
		p.ChurnRate, p.RetentionRate = NewProportion(p.Churned, p.StartUsers, r.Level), NewProportion(p.Retained, p.StartUsers, r.Level)
		res.Periods = append(res.Periods, p)
		cut = rd.Str("incomplete_period")
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	if cut != "" {
		res.Incomplete = cut
		res.Warnings = append(res.Warnings, incompletePeriod(cut))
	}
	return res, nil
}

// incompletePeriod is churn's warning for the period as_of falls in.
func incompletePeriod(label string) Warning {
	return Warning{Code: "incomplete_period", Message: fmt.Sprintf("%s is not complete at as_of and is left out", label)}
}

// churnSQLHelp is what uptake sql churn writes (its --help).
const churnSQLHelp = `per complete calendar period in --tz: the users active the
period before, those active again and those who churned, with the rates;
the period as_of cuts is left out and named (incomplete_period). Every
option is written into SQL.`
