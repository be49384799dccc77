package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// onboardingSQL is Onboarding as one query: the starters' and the signups'
// paths through the steps within the window, and the step table of the
// denominator in force, with the counts behind both completion rates.
func onboardingSQL(c *SQLContext, s *OnboardingSettings) (string, error) {
	steps := s.Steps.Names
	d := c.D
	q, err := c.stepQuery(steps)
	if err != nil {
		return "", err
	}
	n := len(steps)
	any := s.Order == "any"
	q.With("first_start", "SELECT user_id, min(ts) AS t0 FROM step_events WHERE event = "+d.Str(steps[0])+" GROUP BY user_id")
	end := func(t string) string { return c.windowEnd(t, s.WindowSettings) }
	q.With("starters", sqlgen.Lines("-- users whose first "+steps[0]+" is in the range, with their window",
		"SELECT user_id, t0, "+end("t0")+" AS wend FROM first_start", where(c.InRange("t0"))))
	signup, what := "", "their first event"
	if s.SignupEvent != "" {
		signup, what = " WHERE event = "+d.Str(s.SignupEvent), "their first "+s.SignupEvent
	}
	q.With("signups", sqlgen.Lines("-- users whose signup ("+what+") is in the range, with their window",
		"SELECT user_id, a, "+end("a")+" AS wend FROM (SELECT user_id, min(ts) AS a FROM ev"+signup+" GROUP BY user_id) x", where(c.InRange("a"))))
	q.With("signup_starts", sqlgen.Lines("-- each complete signup's first "+steps[0]+" in its window",
		"SELECT g.user_id AS user_id, g.wend AS wend, min(e.ts) AS t0",
		"FROM signups g JOIN step_events e ON e.user_id = g.user_id",
		"WHERE e.event = "+d.Str(steps[0])+" AND e.ts >= g.a AND e.ts <= g.wend AND "+c.Complete("g.wend"),
		"GROUP BY g.user_id, g.wend"))
	paths := func(name, from string) {
		prev := from
		for j := 1; j < n; j++ {
			src, since := from, "p.t0"
			if !any && j > 1 {
				src, since = prev, "p.t"
			}
			step := fmt.Sprintf("%s_%d", name, j)
			q.With(step, sqlgen.Lines(
				fmt.Sprintf("-- step %d, %s: its first time %s, in the window", j+1, steps[j], map[bool]string{true: "at or after the start", false: "at or after step " + fmt.Sprint(j)}[any]),
				"SELECT p.user_id AS user_id, p.wend AS wend, min(e.ts) AS t",
				"FROM "+src+" p JOIN step_events e ON e.user_id = p.user_id",
				"WHERE e.event = "+d.Str(steps[j])+" AND e.ts >= "+since+" AND e.ts <= p.wend",
				"GROUP BY p.user_id, p.wend"))
			prev = step
		}
		cols := []string{"a.user_id AS user_id", "a.t0 AS t0"}
		joins := []string{"FROM " + from + " a"}
		for j := 1; j < n; j++ {
			cols = append(cols, fmt.Sprintf("s%d.t AS t%d", j, j))
			joins = append(joins, fmt.Sprintf("LEFT JOIN %s_%d s%d ON s%d.user_id = a.user_id", name, j, j, j))
		}
		q.With(name, sqlgen.Lines("SELECT "+strings.Join(cols, ", "), strings.Join(joins, "\n")))
	}
	q.With("started", "SELECT user_id, t0, wend FROM starters WHERE "+c.Complete("wend"))
	paths("starter_paths", "started")
	paths("signup_paths", "signup_starts")
	last := fmt.Sprintf("t%d", n-1)
	if n == 1 {
		last = "t0"
	}
	counts := []string{
		"(SELECT count(*) FROM started) AS started",
		"(SELECT count(" + last + ") FROM starter_paths) AS completed",
		"(SELECT " + d.CountIf(c.Complete("wend")) + " FROM signups) AS signups",
		"(SELECT count(" + last + ") FROM signup_paths) AS signups_completed",
		"(SELECT " + d.CountIf("NOT ("+c.Complete("wend")+")") + " FROM starters) AS excluded_censored",
		"(SELECT " + d.CountIf("NOT ("+c.Complete("wend")+")") + " FROM signups) AS excluded_signups_censored",
		"(SELECT count(DISTINCT user_id) FROM step_events WHERE event = " + d.Str(steps[n-1]) + " AND user_id NOT IN (SELECT user_id FROM first_start)) AS excluded_completed_without_start",
	}
	if n == 1 {
		counts[6] = "0 AS excluded_completed_without_start"
	}
	// the step table: starters' steps, or the signup then the steps
	gap := func(j int) string {
		from := fmt.Sprintf("t%d", j-1)
		if any {
			from = "t0"
		}
		return d.Seconds(from, fmt.Sprintf("t%d", j))
	}
	var rows []string
	noGap := d.Div("0", "0") // a NULL double in every dialect
	table, labels, off := "starter_paths", steps, 0
	if s.Denominator == "signups" {
		table, labels, off = "signup_paths", append([]string{Anchor{Event: s.SignupEvent}.Name()}, steps...), 1
		rows = append(rows, "  SELECT 1 AS step, "+d.Str(labels[0])+" AS event, (SELECT "+d.CountIf(c.Complete("wend"))+" FROM signups) AS users, "+
			noGap+" AS median_gap, "+noGap+" AS avg_gap",
			fmt.Sprintf("  SELECT 2, %s, count(*), %s, %s FROM signup_paths p JOIN signups g ON g.user_id = p.user_id", d.Str(steps[0]),
				d.Percentile(d.Seconds("g.a", "p.t0"), 0.5), d.Div("sum("+d.Seconds("g.a", "p.t0")+")", "count(*)")))
	} else {
		rows = append(rows, "  SELECT 1 AS step, "+d.Str(steps[0])+" AS event, count(*) AS users, "+noGap+" AS median_gap, "+noGap+" AS avg_gap FROM starter_paths")
	}
	for j := 1; j < n; j++ {
		g := "CASE WHEN " + fmt.Sprintf("t%d", j) + " IS NOT NULL THEN " + gap(j) + " END"
		rows = append(rows, fmt.Sprintf("  SELECT %d, %s, count(t%d), %s, %s FROM %s", j+1+off, d.Str(steps[j]), j,
			d.Percentile(g, 0.5), d.Div("sum("+g+")", "count(t"+fmt.Sprint(j)+")"), table))
	}
	q.With("step_users", strings.Join(rows, "\n  UNION ALL\n"))
	if s.CohortPeriod == "" {
		return c.Result(q, stepTable(d, "step_users", counts)), nil
	}
	// cohorts of the denominator in force: starters by their start, signups
	// by their signup (first-seen ones up to --since's period warm-ups)
	sun := sunday(s.WeekStart)
	from, walked, at, warm := "starters", "starter_paths", "t0", ""
	if s.Denominator == "signups" {
		from, walked, at = "signups", "signup_paths", "a"
		if s.SignupEvent == "" && c.Since != nil {
			warm = "WHEN p <= " + c.period(s.CohortPeriod, d.Instant(*c.Since), sun) + " THEN 'warm_up' "
		}
	}
	q.With("cohort_users", sqlgen.Lines(
		"SELECT "+c.period(s.CohortPeriod, "u."+at, sun)+" AS p, "+c.Complete("u.wend")+" AS done, x."+last+" IS NOT NULL AS conv",
		"FROM "+from+" u LEFT JOIN "+walked+" x ON x.user_id = u.user_id"))
	q.With("cohorts", sqlgen.Lines(
		"SELECT p, "+d.CountIf("done")+" AS n, "+d.CountIf("done AND conv")+" AS x, "+d.CountIf("NOT done")+" AS censor,",
		"  CASE "+warm+"WHEN "+d.CountIf("NOT done")+" > 0 THEN 'incomplete' ELSE 'complete' END AS status",
		"FROM cohort_users GROUP BY p"))
	return c.Result(q, c.cohortStepTable(s.CohortPeriod, "step_users", counts, len(labels), labels[0], labels[len(labels)-1])), nil
}

// stepTable is the final SELECT of a step table over rows (step, event,
// users, median_gap, avg_gap): shares of the first and previous steps and
// drop-off, then the extra columns.
func stepTable(d sqlgen.Dialect, rows string, extra []string) string {
	return stepSelect(d, rows, extra) + "\nORDER BY s.step"
}

func stepSelect(d sqlgen.Dialect, rows string, extra []string) string {
	first := "(SELECT users FROM " + rows + " WHERE step = 1)"
	return sqlgen.Lines(
		"SELECT s.step AS step, s.event AS event, s.users AS users, "+d.Div("s.users", first)+" AS pct_of_start,",
		"  CASE WHEN s.step > 1 THEN "+d.Div("s.users", "p.users")+" END AS pct_of_previous,",
		"  CASE WHEN s.step > 1 THEN p.users - s.users ELSE 0 END AS dropoff,",
		"  CASE WHEN s.step > 1 THEN 1 - "+d.Div("s.users", "p.users")+" END AS dropoff_pct,",
		"  s.median_gap AS median_seconds_from_previous, s.avg_gap AS avg_seconds_from_previous"+strings.Join(append([]string{""}, extra...), ",\n  "),
		"FROM "+rows+" s LEFT JOIN "+rows+" p ON p.step = s.step - 1")
}

// cohortStepTable is the final SELECT of a step table with --cohort-period:
// the step table (stepTable's) as cohort "(all)", then each cohort's first
// and last step — its entries and its conversions, which is all a cohort
// counts — with its censored users and status, from the step cohorts (p,
// n entered, x converted, censor, status). The extra columns are counts,
// NULL on the cohort rows.
func (c *SQLContext) cohortStepTable(period, rows string, extra []string, n int, first, last string) string {
	d := c.D
	noFloat := d.Div("0", "0")
	var names, nulls []string
	for _, e := range extra {
		names = append(names, e[strings.LastIndex(e, " AS ")+4:])
		nulls = append(nulls, nullInt)
	}
	cols := append([]string{"cohort", "step", "event", "users", "pct_of_start", "pct_of_previous", "dropoff", "dropoff_pct",
		"median_seconds_from_previous", "avg_seconds_from_previous", "censored", "status"}, names...)
	cohort := func(step int, event, users, share string) string {
		return strings.Join(append([]string{fmt.Sprintf("  SELECT 1, p, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s", c.periodLabel(period, "p"), step, d.Str(event), users, share,
			noFloat, nullInt, noFloat, noFloat, noFloat)}, append(nulls, "censor, status FROM cohorts")...), ", ")
	}
	all := sqlgen.Lines(
		"  SELECT 0 AS grp, NULL AS p, '(all)' AS cohort, a.*, "+nullInt+" AS censored, NULLIF('', '') AS status",
		"  FROM (\n"+stepSelect(d, rows, extra)+"\n  ) a",
		"  UNION ALL",
		cohort(1, first, "n", "CASE WHEN n > 0 THEN "+d.Double("1")+" END"),
		"  UNION ALL",
		cohort(n, last, "x", d.Div("x", "n")))
	return orderedBy(strings.Join(cols, ", "), all, "grp, p, step")
}

// distinctSteps refuses a step named twice: uptake tells the two apart by
// the events' order in the file, which a table does not have.
func distinctSteps(steps []string) error {
	for i, st := range steps {
		if slices.Contains(steps[:i], st) {
			return SQLUnsupported("--steps", fmt.Sprintf("%s is a step twice: sql tells steps apart by their event names", st))
		}
	}
	return nil
}

// onboardingExtra are the counts behind both completion rates, at the end
// of onboarding's CSV (on every step row).
var onboardingExtra = []string{"started", "completed", "signups", "signups_completed", "excluded_censored", "excluded_signups_censored", "excluded_completed_without_start"}

// onboardingFromRows rebuilds the step table and both completion rates.
func onboardingFromRows(r *Run, s *OnboardingSettings, q *QueryRows) (OnboardingResult, error) {
	p := onboardingParams(r, s)
	res := OnboardingResult{Denominator: "started", Cohorts: []FunnelCohort{}, Steps: []StepStat{}}
	if p.Signups {
		res.Denominator = "signups"
	}
	steps := len(s.Steps.Names) + map[bool]int{true: 1}[p.Signups]
	t, err := readStepTable(q, s.CohortPeriod != "", steps, r.Level, false, onboardingExtra, func(rd *RowReader) {
		res.Started, res.Signups = rd.Count("started"), rd.Count("signups")
		completed, signCompleted := rd.Count("completed"), rd.Count("signups_completed")
		rd.Part("completed", "started", completed, res.Started)
		rd.Part("signups_completed", "signups", signCompleted, res.Signups)
		res.Completion = NewProportion(completed, res.Started, r.Level)
		res.CompletionOfSignups = NewProportion(signCompleted, res.Signups, r.Level)
		res.Excluded = OnboardingExcluded{Censored: rd.Count("excluded_censored"), SignupsCensored: rd.Count("excluded_signups_censored"),
			CompletedWithoutStart: rd.Count("excluded_completed_without_start")}
	})
	if err != nil {
		return res, err
	}
	res.Steps = t.steps
	res.Cohorts = append(res.Cohorts, t.cohorts.list...)
	res.Warnings = onboardingWarnings(res, p, &t.cohorts.rows)
	return res, nil
}

// stepTableRows are a step table read back: its steps, the users reaching
// each, and its cohorts.
type stepTableRows struct {
	steps   []StepStat
	reached []int64
	cohorts *cohortSteps
}

// readStepTable reads the rows of stepTable (or, with cohorts,
// cohortStepTable): steps 1 … n in order with their users and times from
// the previous step (at most the previous step's users when monotone),
// each also handed to row for the metric's own columns (extra), then the
// cohorts' rows.
func readStepTable(q *QueryRows, cohorts bool, n int, level float64, monotone bool, extra []string, row func(*RowReader)) (stepTableRows, error) {
	want := append([]string{"step", "event", "users", "median_seconds_from_previous", "avg_seconds_from_previous"}, extra...)
	if cohorts {
		want = append(want, "cohort", "censored", "status")
	}
	t := stepTableRows{cohorts: &cohortSteps{last: n, level: level}}
	rd, err := q.Reader(want...)
	if err != nil {
		return t, err
	}
	var gaps []stepGaps
	for rd.Next() {
		if cohorts && rd.Str("cohort") != "(all)" {
			t.cohorts.add(rd)
			continue
		}
		if len(t.cohorts.list) > 0 {
			return t, fmt.Errorf("%s: row %d: an (all) row after the cohorts' rows", q.Source, rd.row+1)
		}
		if int(rd.Int("step")) != len(t.reached)+1 {
			return t, fmt.Errorf("%s: row %d: step %s out of order", q.Source, rd.row+1, rd.Str("step"))
		}
		t.reached = append(t.reached, rd.Count("users"))
		if k := len(t.reached); monotone && k > 1 {
			rd.Part("users", "the previous step's", t.reached[k-1], t.reached[k-2])
		}
		gaps = append(gaps, stepGaps{median: rd.OptFloat("median_seconds_from_previous"), avg: rd.OptFloat("avg_seconds_from_previous")})
		t.steps = append(t.steps, StepStat{Event: rd.Str("event")})
		row(rd)
	}
	if err := rd.Err(); err != nil {
		return t, err
	}
	if err := t.cohorts.done(q); err != nil {
		return t, err
	}
	if len(t.reached) != n || n == 0 {
		return t, fmt.Errorf("%s: %d step rows, want %d", q.Source, len(t.reached), n)
	}
	t.steps = stepsFrom(t.steps, t.reached, gaps)
	return t, nil
}

// cohortSteps reads a step table's cohort rows (cohortStepTable's): each
// cohort's first step (its entries), then its last (its conversions).
type cohortSteps struct {
	last  int // the last step's number
	level float64
	list  []FunnelCohort
	open  bool // the last cohort's conversion row is still to come
	rows  cohortRows
}

// add reads the row at rd, a cohort's.
func (c *cohortSteps) add(rd *RowReader) {
	step, users := int(rd.Int("step")), rd.Count("users")
	if !c.open && step == 1 {
		co := FunnelCohort{Cohort: rd.Str("cohort"), Entered: users, Censored: rd.Count("censored"), Status: rd.Str("status")}
		switch co.Status {
		case "warm_up":
			c.rows.warmed = co.Cohort
		case "complete", "incomplete":
		default:
			rd.fail("status", co.Status, "not a cohort's status (complete, incomplete or warm_up)")
		}
		c.list, c.open = append(c.list, co), true
		return
	}
	if k := len(c.list) - 1; c.open && step == c.last && rd.Str("cohort") == c.list[k].Cohort {
		rd.Part("users", "the cohort's entries", users, c.list[k].Entered)
		c.list[k].Conversion = NewProportion(users, c.list[k].Entered, c.level)
		c.open = false
		return
	}
	rd.fail("step", rd.Str("step"), fmt.Sprintf("a cohort's rows are its step 1, then its step %d", c.last))
}

// done checks that the last cohort has its conversion row.
func (c *cohortSteps) done(q *QueryRows) error {
	if c.open {
		return fmt.Errorf("%s: cohort %s has no step %d row", q.Source, c.list[len(c.list)-1].Cohort, c.last)
	}
	return nil
}

// stepGaps are a step's median and mean time from the previous one.
type stepGaps struct{ median, avg *float64 }

// stepsFrom fills step rows from the users reaching each step and their
// times from the previous, as stepStats does from the users' times.
func stepsFrom(steps []StepStat, reached []int64, gaps []stepGaps) []StepStat {
	labels := make([]string, len(steps))
	for j := range steps {
		labels[j] = steps[j].Event
	}
	out := stepStats(labels, reached, make([][]float64, len(steps)))
	for j := range out {
		if j > 0 {
			out[j].MedianSecondsFromPrevious, out[j].AvgSecondsFromPrevious = gaps[j].median, gaps[j].avg
		}
	}
	return out
}

// onboardingSQLHelp is what uptake sql onboarding writes (its --help).
const onboardingSQLHelp = `the starters (first step in the range) and the signups, each
one's path through the steps within the window (--order ordered or any,
elapsed or calendar windows), censored at as_of, and the step table of
either --denominator with the counts behind both completion rates (and
with --cohort-period, each cohort's entries and completions). Not in SQL:
a step named twice, event selectors.`
