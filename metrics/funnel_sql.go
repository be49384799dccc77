package metrics

import (
	"fmt"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// funnelSQL is Funnel as one query: every attempt (a first step in the
// range; with --order any, any step) whose window is complete, walked
// through the steps; each user's best attempt (the most steps, then the
// earliest) counts in the step table.
func funnelSQL(c *SQLContext, s *FunnelSettings) (string, error) {
	steps := s.Steps.Names
	switch {
	case s.Order == string(Strict):
		return "", SQLUnsupported("--order strict", "\"the very next event\" needs the events' order in the file; a table orders events only by time (use --order ordered)")
	case len(s.Excludes) > 0:
		return "", SQLUnsupported("--exclude", "exclusions are uptake's")
	case s.Correlation || len(s.CorrelationProps) > 0:
		return "", SQLUnsupported("--correlation", "funnel correlation is computed by uptake only")
	}
	d := c.D
	q, err := c.stepQuery(steps)
	if err != nil {
		return "", err
	}
	n := len(steps)
	any := s.Order == string(Any)
	end := c.windowEnd("ts", s.WindowSettings)
	starts := "event = " + d.Str(steps[0])
	if any {
		starts = ""
	}
	q.With("attempts", sqlgen.Lines("-- every attempt: a "+map[bool]string{true: "step event", false: steps[0]}[any]+" in the range, with its window",
		"SELECT DISTINCT user_id, ts AS t0, "+end+" AS wend FROM step_events",
		where(sqlgen.And(starts, c.InRange("ts")))))
	q.With("complete_attempts", "SELECT user_id, t0, wend FROM attempts WHERE "+c.Complete("wend"))
	// The first time of every step at or after each step event's time: a
	// window over the user's step events, latest first, whose frame is every
	// event at or after this one (ties included). Each attempt then looks its
	// steps up by equality, with no join over pairs of events.
	nexts := []string{"user_id", "ts"}
	for k, st := range steps {
		nexts = append(nexts, fmt.Sprintf("min(CASE WHEN event = %s THEN ts END) OVER (PARTITION BY user_id ORDER BY ts DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n_%d", d.Str(st), k))
	}
	cols := []string{"user_id", "ts"}
	for k := range steps {
		cols = append(cols, fmt.Sprintf("n_%d", k))
	}
	q.With("next_steps", sqlgen.Lines("-- from each step event's time, the first time of every step at or after it",
		"SELECT DISTINCT "+strings.Join(cols, ", ")+" FROM (SELECT "+strings.Join(nexts, ",\n  ")+"\nFROM step_events) x"))
	// at looks step k up from the time in p.<col>, inside p's window.
	at := func(from, col string, k int) string {
		return sqlgen.Lines(
			fmt.Sprintf("SELECT p.user_id AS user_id, p.t0 AS t0, p.wend AS wend, CASE WHEN x.n_%d <= p.wend THEN x.n_%d END AS t", k, k),
			"FROM "+from+" p JOIN next_steps x ON x.user_id = p.user_id AND x.ts = p."+col)
	}
	var gaps []string
	if !any {
		prev, col := "complete_attempts", "t0"
		for j := 1; j < n; j++ {
			q.With(fmt.Sprintf("step_%d", j), sqlgen.Lines(fmt.Sprintf("-- step %d, %s: its first time at or after step %d, in the window", j+1, steps[j], j), at(prev, col, j)))
			prev, col = fmt.Sprintf("step_%d", j), "t"
		}
		cols, joins := []string{"a.user_id AS user_id", "a.t0 AS t0", "a.t0 AS t_0"}, []string{"FROM complete_attempts a"}
		reached := "1"
		for j := 1; j < n; j++ {
			cols = append(cols, fmt.Sprintf("s%d.t AS t_%d", j, j))
			joins = append(joins, fmt.Sprintf("LEFT JOIN step_%d s%d ON s%d.user_id = a.user_id AND s%d.t0 = a.t0", j, j, j, j))
			reached += fmt.Sprintf(" + CASE WHEN s%d.t IS NULL THEN 0 ELSE 1 END", j)
		}
		q.With("paths", sqlgen.Lines("-- each attempt's steps in order: the first of each at or after the one before, in the window",
			"SELECT "+strings.Join(append(cols, reached+" AS r"), ", "), strings.Join(joins, "\n")))
	} else {
		var ns, hits []string
		for k := range steps {
			ns = append(ns, fmt.Sprintf("x.n_%d AS n_%d", k, k))
			hits = append(hits, fmt.Sprintf("SELECT user_id, t0, n_%d AS t FROM reach WHERE n_%d <= wend", k, k))
		}
		q.With("reach", sqlgen.Lines("-- each attempt with the first time of every step from its start",
			"SELECT p.user_id AS user_id, p.t0 AS t0, p.wend AS wend, "+strings.Join(ns, ", "),
			"FROM complete_attempts p JOIN next_steps x ON x.user_id = p.user_id AND x.ts = p.t0"))
		q.With("hits", sqlgen.Lines("-- each step's first time in the attempt's window, ranked: the k-th step reached",
			"SELECT user_id, t0, t, row_number() OVER (PARTITION BY user_id, t0 ORDER BY t) - 1 AS k",
			"FROM (\n"+strings.Join(hits, "\nUNION ALL\n")+"\n) h"))
		cols := []string{"user_id", "t0"}
		for j := 0; j < n; j++ {
			cols = append(cols, fmt.Sprintf("min(CASE WHEN k = %d THEN t END) AS t_%d", j, j))
		}
		q.With("paths", sqlgen.Lines("-- each attempt's steps in the order it reached them",
			"SELECT "+strings.Join(append(cols, "count(*) AS r"), ", "), "FROM hits GROUP BY user_id, t0"))
	}
	for j := 1; j < n; j++ {
		gaps = append(gaps, d.Seconds(fmt.Sprintf("t_%d", j-1), fmt.Sprintf("t_%d", j)))
	}
	q.With("best", sqlgen.Lines("-- each user's best attempt: the most steps, then the earliest",
		"SELECT * FROM (SELECT p.*, row_number() OVER (PARTITION BY user_id ORDER BY r DESC, t0) AS rn FROM paths p) b WHERE rn = 1"))
	noGap := d.Div("0", "0")
	rows := []string{"  SELECT 1 AS step, " + d.Str(funnelLabel(s, 0)) + " AS event, count(*) AS users, " + noGap + " AS median_gap, " + noGap + " AS avg_gap FROM best"}
	for j := 1; j < n; j++ {
		g := fmt.Sprintf("CASE WHEN r > %d THEN %s END", j, gaps[j-1])
		rows = append(rows, fmt.Sprintf("  SELECT %d, %s, %s, %s, %s FROM best", j+1, d.Str(funnelLabel(s, j)), d.CountIf(fmt.Sprintf("r > %d", j)),
			d.Percentile(g, 0.5), d.Div("sum("+g+")", d.CountIf(fmt.Sprintf("r > %d", j)))))
	}
	q.With("step_users", strings.Join(rows, "\n  UNION ALL\n"))
	q.With("censored_users", sqlgen.Lines("-- users with attempts, none of them complete: the first one's time",
		"SELECT user_id, min(t0) AS t0 FROM attempts GROUP BY user_id HAVING "+d.CountIf(c.Complete("wend"))+" = 0"))
	extra := []string{"(SELECT count(*) FROM censored_users) AS censored_users", "0 AS exclusions"}
	if s.CohortPeriod == "" {
		return c.Result(q, stepTable(d, "step_users", extra)), nil
	}
	// cohorts: a counted user by their best attempt, a censored one by
	// their first
	sun := sunday(s.WeekStart)
	q.With("cohort_users", sqlgen.Lines(
		fmt.Sprintf("SELECT %s AS p, CASE WHEN r = %d THEN 1 ELSE 0 END AS conv, 0 AS cens FROM best", c.period(s.CohortPeriod, "t0", sun), n),
		"UNION ALL",
		"SELECT "+c.period(s.CohortPeriod, "t0", sun)+", 0, 1 FROM censored_users"))
	q.With("cohorts", sqlgen.Lines(
		"SELECT p, "+d.CountIf("cens = 0")+" AS n, "+d.CountIf("conv = 1")+" AS x, "+d.CountIf("cens = 1")+" AS censor,",
		"  CASE WHEN "+d.CountIf("cens = 1")+" > 0 THEN 'incomplete' ELSE 'complete' END AS status",
		"FROM cohort_users GROUP BY p"))
	return c.Result(q, c.cohortStepTable(s.CohortPeriod, "step_users", extra, n, funnelLabel(s, 0), funnelLabel(s, n-1))), nil
}

// funnelLabel is step j's label: its event, or "any j of n".
func funnelLabel(s *FunnelSettings, j int) string {
	if s.Order == string(Any) {
		return fmt.Sprintf("any %d of %d", j+1, len(s.Steps.Names))
	}
	return s.Steps.Names[j]
}

// funnelFromRows rebuilds the step table, the conversion and the users
// left out.
func funnelFromRows(r *Run, s *FunnelSettings, q *QueryRows) (FunnelResult, error) {
	if s.Correlation || len(s.CorrelationProps) > 0 {
		return FunnelResult{}, fmt.Errorf("funnel with correlation is not read from SQL rows")
	}
	res := FunnelResult{Cohorts: []FunnelCohort{}}
	t, err := readStepTable(q, s.CohortPeriod != "", len(s.Steps.Names), r.Level, true, []string{"censored_users", "exclusions"}, func(rd *RowReader) {
		res.Excluded = FunnelExcluded{Censored: rd.Count("censored_users"), Exclusions: rd.Count("exclusions")}
	})
	if err != nil {
		return res, err
	}
	res.Steps = t.steps
	res.Conversion = NewProportion(t.reached[len(t.reached)-1], t.reached[0], r.Level)
	res.Cohorts = append(res.Cohorts, t.cohorts.list...)
	res.Warnings = funnelWarnings(res, funnelParams(r, s))
	return res, nil
}

// funnelSQLHelp is what uptake sql funnel writes (its --help).
const funnelSQLHelp = `every attempt (a first step in the range; with --order any,
any step) whose window is complete at as_of, its steps in order (ordered)
or as reached (any), each user's best attempt, and the step table with the
users left out as censored; with --cohort-period, each cohort's entries and
conversions. Not in SQL: --order strict (a table orders events only by
time), --exclude, --correlation, a step named twice, event selectors.`
