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
	if s.CohortPeriod != "" {
		return "", SQLUnsupported("--cohort-period", "onboarding's cohort rows are not written as SQL yet")
	}
	if err := distinctSteps(steps); err != nil {
		return "", err
	}
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	n := len(steps)
	any := s.Order == "any"
	q.With("step_events", "SELECT user_id, event, ts FROM ev WHERE "+sqlgen.In(d, "event", steps))
	q.With("first_start", "SELECT user_id, min(ts) AS t0 FROM step_events WHERE event = "+d.Str(steps[0])+" GROUP BY user_id")
	end := func(t string) string {
		if s.WindowMode == "calendar" {
			return d.AddLocalDays(t, c.TZ, int64(s.Within.D.Hours()/24))
		}
		return d.AddMicros(t, s.Within.D.Microseconds())
	}
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
	return c.Result(q, stepTable(d, "step_users", counts)), nil
}

// stepTable is the final SELECT of a step table over rows (step, event,
// users, median_gap, avg_gap): shares of the first and previous steps and
// drop-off, then the extra columns.
func stepTable(d sqlgen.Dialect, rows string, extra []string) string {
	first := "(SELECT users FROM " + rows + " WHERE step = 1)"
	return sqlgen.Lines(
		"SELECT s.step AS step, s.event AS event, s.users AS users, "+d.Div("s.users", first)+" AS pct_of_start,",
		"  CASE WHEN s.step > 1 THEN "+d.Div("s.users", "p.users")+" END AS pct_of_previous,",
		"  CASE WHEN s.step > 1 THEN p.users - s.users ELSE 0 END AS dropoff,",
		"  CASE WHEN s.step > 1 THEN 1 - "+d.Div("s.users", "p.users")+" END AS dropoff_pct,",
		"  s.median_gap AS median_seconds_from_previous, s.avg_gap AS avg_seconds_from_previous"+strings.Join(append([]string{""}, extra...), ",\n  "),
		"FROM "+rows+" s LEFT JOIN "+rows+" p ON p.step = s.step - 1",
		"ORDER BY s.step")
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
	if s.CohortPeriod != "" {
		return OnboardingResult{}, fmt.Errorf("onboarding with --cohort-period is not read from SQL rows")
	}
	rd, err := q.Reader(append([]string{"step", "event", "users", "dropoff", "median_seconds_from_previous", "avg_seconds_from_previous"}, onboardingExtra...)...)
	if err != nil {
		return OnboardingResult{}, err
	}
	p := onboardingParams(r, s)
	res := OnboardingResult{Denominator: "started", Cohorts: []FunnelCohort{}, Steps: []StepStat{}}
	if p.Signups {
		res.Denominator = "signups"
	}
	var reached []int64
	var gaps []stepGaps
	for rd.Next() {
		if int(rd.Int("step")) != len(reached)+1 {
			return res, fmt.Errorf("%s: row %d: step %s out of order", q.Source, rd.row+1, rd.Str("step"))
		}
		reached = append(reached, rd.Count("users"))
		gaps = append(gaps, stepGaps{median: rd.OptFloat("median_seconds_from_previous"), avg: rd.OptFloat("avg_seconds_from_previous")})
		res.Steps = append(res.Steps, StepStat{Event: rd.Str("event")})
		res.Started, res.Signups = rd.Count("started"), rd.Count("signups")
		completed, signCompleted := rd.Count("completed"), rd.Count("signups_completed")
		rd.Part("completed", "started", completed, res.Started)
		rd.Part("signups_completed", "signups", signCompleted, res.Signups)
		res.Completion = NewProportion(completed, res.Started, r.Level)
		res.CompletionOfSignups = NewProportion(signCompleted, res.Signups, r.Level)
		res.Excluded = OnboardingExcluded{Censored: rd.Count("excluded_censored"), SignupsCensored: rd.Count("excluded_signups_censored"),
			CompletedWithoutStart: rd.Count("excluded_completed_without_start")}
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	if want := len(s.Steps.Names) + map[bool]int{true: 1}[p.Signups]; len(reached) != want {
		return res, fmt.Errorf("%s: %d step rows, want %d", q.Source, len(reached), want)
	}
	res.Steps = stepsFrom(res.Steps, reached, gaps)
	res.Warnings = onboardingWarnings(res, p, nil)
	return res, nil
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
either --denominator with the counts behind both completion rates. Not in
SQL: --cohort-period, a step named twice, event selectors.`
