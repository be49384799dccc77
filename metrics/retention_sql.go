package metrics

import (
	"fmt"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// retentionSQL is Retention as one query: cohorts by the first start event
// (or one per period with one, recurring), returns per calendar period or
// elapsed bracket, cells censored at as_of as uptake censors them.
func retentionSQL(c *SQLContext, s *RetentionSettings) (string, error) {
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	sun := sunday(s.WeekStart)
	elapsed, recurring, unbounded := s.WindowMode == "elapsed", s.Cohort == "recurring", s.Mode == "unbounded"
	q.With("starts", sqlgen.Lines("-- start events: "+s.start(), "SELECT user_id, ts FROM ev", where(c.sqlEvent("event", s.StartEvent))))
	q.With("returns", sqlgen.Lines("-- returns: "+s.returns(), "SELECT user_id, ts FROM ev", where(c.sqlEvent("event", s.ReturnEvent))))
	if recurring {
		ps := c.period(s.Period, "ts", sun)
		q.With("entries", sqlgen.Lines(
			"-- a cohort entry per "+s.Period+" with a start event: its first",
			"SELECT user_id, "+ps+" AS cstart, min(ts) AS anchor",
			"FROM starts",
			"GROUP BY user_id, "+ps))
	} else {
		q.With("entries", sqlgen.Lines(
			"-- each user's cohort: the "+s.Period+" of their first start event",
			"SELECT user_id, "+c.period(s.Period, "min(ts)", sun)+" AS cstart, min(ts) AS anchor",
			"FROM starts",
			"GROUP BY user_id"))
	}
	q.With("members", sqlgen.Lines("-- the cohort entries in the reporting range",
		"SELECT user_id, cstart, anchor FROM entries", where(c.InRange("anchor"))))
	if elapsed {
		q.With("hits", sqlgen.Lines(
			fmt.Sprintf("-- the brackets with a return: k = whole %ss (%d µs) from the start", s.Period, periodMicros(s.Period)),
			"SELECT DISTINCT m.user_id AS user_id, m.cstart AS cstart, "+d.IntDiv(d.DiffMicros("m.anchor", "r.ts"), fmt.Sprint(periodMicros(s.Period)))+" AS k",
			"FROM members m JOIN returns r ON r.user_id = m.user_id",
			"WHERE r.ts >= m.anchor"))
	} else {
		q.With("return_periods", sqlgen.Lines("-- the "+s.Period+"s with a return",
			"SELECT DISTINCT user_id, "+c.period(s.Period, "ts", sun)+" AS p FROM returns"))
		q.With("hits", sqlgen.Lines(
			"-- the periods with a return, counted from the cohort's (an earlier one in the cohort's period counts as 0)",
			"SELECT user_id, cstart, k FROM (",
			"  SELECT m.user_id AS user_id, m.cstart AS cstart, "+sqlgen.PeriodsBetween(d, s.Period, "m.cstart", "r.p")+" AS k",
			"  FROM members m JOIN return_periods r ON r.user_id = m.user_id",
			") h",
			"WHERE k >= 0"))
	}
	end := c.periodEnd(s.Period, "m.cstart", "s.k + 1")
	if elapsed {
		end = d.AddMicrosBy("m.anchor", fmt.Sprintf("(s.k + 1) * %d", periodMicros(s.Period)))
	}
	hit := "h.k IS NOT NULL"
	join := "LEFT JOIN hits h ON h.user_id = m.user_id AND h.cstart = m.cstart AND h.k = s.k"
	if unbounded {
		q.With("last_hit", "SELECT user_id, cstart, max(k) AS last FROM hits GROUP BY user_id, cstart")
		hit = "h.last IS NOT NULL AND h.last >= s.k"
		join = "LEFT JOIN last_hit h ON h.user_id = m.user_id AND h.cstart = m.cstart"
	}
	q.With("cells", sqlgen.Lines(
		fmt.Sprintf("-- each member at each offset 0..%d: whether the cell's end has passed, and whether they returned", s.Periods),
		"SELECT m.user_id AS user_id, m.cstart AS cstart, s.k AS k, "+c.Complete(end)+" AS done, "+hit+" AS hit",
		"FROM members m CROSS JOIN "+d.Series(s.Periods+1)+" s",
		join))
	eligible, retained := "count(*)", d.CountIf("hit")
	if elapsed { // a bracket not over yet is not observed: that member is not eligible
		eligible, retained = d.CountIf("done"), d.CountIf("done AND hit")
	}
	warm := ""
	if c.Since != nil && !recurring {
		warm = "WHEN " + d.DateText("cstart", false) + " <= " + d.Str(dayText(s.Calendar(s.Period, c.Loc), *c.Since)) + " THEN 'warm_up' "
	}
	q.With("cohort_cells", sqlgen.Lines(
		"SELECT cstart, k, count(*) AS size, "+eligible+" AS eligible, "+retained+" AS retained,",
		"  CASE "+warm+"WHEN "+d.CountIf("NOT done")+" > 0 THEN 'incomplete' ELSE 'complete' END AS status",
		"FROM cells",
		"GROUP BY cstart, k"))
	q.With("summary", sqlgen.Lines(
		"-- the summary row: complete cells only",
		"SELECT s.k AS k, "+sumIf(d, "c.eligible", "c.status = 'complete'")+" AS eligible, "+sumIf(d, "c.retained", "c.status = 'complete'")+" AS retained",
		"FROM "+d.Series(s.Periods+1)+" s LEFT JOIN cohort_cells c ON c.k = s.k",
		"GROUP BY s.k"))
	off := d.Ident("offset")
	rows := strings.Join([]string{
		"  SELECT 0 AS grp, " + c.periodLabel(s.Period, "cstart") + " AS cohort, size, k, eligible, retained, status, " + nullInt + " AS no_start_event FROM cohort_cells",
		"  UNION ALL",
		"  SELECT 1, '(all)', " + nullInt + ", k, eligible, retained, CASE WHEN eligible = 0 THEN 'incomplete' ELSE 'complete' END,",
		"    (SELECT count(DISTINCT user_id) FROM ev) - (SELECT count(DISTINCT user_id) FROM starts) FROM summary",
	}, "\n")
	return c.Result(q, orderedBy("cohort, size, k AS "+off+", eligible, retained, "+d.Div("retained", "eligible")+" AS rate, status, no_start_event",
		rows, "grp, cohort, k")), nil
}

// sumIf sums x over the rows where cond holds (0 over none).
func sumIf(d sqlgen.Dialect, x, cond string) string {
	return "COALESCE(sum(CASE WHEN " + cond + " THEN " + x + " ELSE 0 END), 0)"
}

// retentionFromRows rebuilds the cohort table and its summary from the
// rows: a cohort's cells, then the (all) summary cells with the users who
// never started.
func retentionFromRows(r *Run, s *RetentionSettings, q *QueryRows) (RetentionResult, error) {
	p := retentionParams(r, s)
	n := s.Periods + 1
	rd, err := q.Reader("cohort", "size", "offset", "eligible", "retained", "status", "no_start_event")
	if err != nil {
		return RetentionResult{}, err
	}
	res := RetentionResult{Cohorts: []RetentionCohort{}, Warnings: []Warning{}}
	for k := 0; k < n; k++ {
		res.Columns = append(res.Columns, RetentionColumn{Offset: k, Window: p.column(k)})
	}
	for rd.Next() {
		cohort, k := rd.Str("cohort"), int(rd.Int("offset"))
		e, x := rd.Count("eligible"), rd.Count("retained")
		rd.Part("retained", "eligible", x, e)
		cell := RetentionCell{Offset: k, Eligible: e, Retained: x, Rate: NewProportion(x, e, r.Level), Status: rd.Str("status")}
		if cohort == "(all)" {
			if k != len(res.Summary) {
				return res, fmt.Errorf("%s: row %d: summary offset %d out of order", q.Source, rd.row+1, k)
			}
			res.Summary = append(res.Summary, cell)
			res.NoStart = rd.Count("no_start_event")
			continue
		}
		if len(res.Summary) > 0 {
			return res, fmt.Errorf("%s: row %d: cohort %s after the summary rows", q.Source, rd.row+1, cohort)
		}
		if k == 0 {
			res.Cohorts = append(res.Cohorts, RetentionCohort{Cohort: cohort, Size: rd.Count("size"), Status: "complete"})
		}
		last := len(res.Cohorts) - 1
		if last < 0 || res.Cohorts[last].Cohort != cohort || k != len(res.Cohorts[last].Periods) || k >= n {
			return res, fmt.Errorf("%s: row %d: cohort %s offset %d out of order (want offsets 0..%d per cohort)", q.Source, rd.row+1, cohort, k, s.Periods)
		}
		row := &res.Cohorts[last]
		if !p.Elapsed {
			c0, err := p.Cal.ParseLabel(cohort)
			if err != nil {
				return res, fmt.Errorf("%s: row %d: cohort: %v", q.Source, rd.row+1, err)
			}
			cell.NotStarted = unixNS(p.Cal.PeriodStart(c0+k)) >= p.Range.AsOf
		}
		switch cell.Status {
		case "warm_up":
			row.Status = "warm_up"
		case "incomplete":
			if row.Status != "warm_up" {
				row.Status = "incomplete"
			}
		}
		row.Periods = append(row.Periods, cell)
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	if len(res.Summary) != n {
		return res, fmt.Errorf("%s: %d summary rows, want %d (offsets 0..%d)", q.Source, len(res.Summary), n, s.Periods)
	}
	for _, c := range res.Cohorts {
		if len(c.Periods) != n {
			return res, fmt.Errorf("%s: cohort %s has %d offsets, want %d", q.Source, c.Cohort, len(c.Periods), n)
		}
	}
	res.Warnings = retentionWarnings(res, p)
	return res, nil
}

// retentionSQLHelp is what uptake sql retention writes (its --help).
const retentionSQLHelp = `the whole cohort table and its summary row: first-time or
recurring cohorts, exact or unbounded returns, calendar periods in --tz
(both week starts) or elapsed brackets, cells censored at as_of and the
--since warm-up, as uptake counts them. Every option is written into SQL.`
