package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// activationSQL is Activation as one query: the same anchors, the same
// inclusive window, the same censoring at as_of (docs/sql.md).
func activationSQL(c *SQLContext, s *ActivationSettings) (string, error) {
	if s.KM {
		return "", SQLUnsupported("--km", "the Kaplan–Meier estimate is computed by uptake only, not in SQL")
	}
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	events := slices.Compact(slices.Sorted(slices.Values(s.Events)))
	signup, what := "", "their first event"
	if s.SignupEvent != "" {
		signup, what = "WHERE event = "+d.Str(s.SignupEvent), "their first "+s.SignupEvent
	}
	q.With("anchor", sqlgen.Lines(
		"-- each user's signup: "+what,
		"SELECT user_id, min(ts) AS signup",
		"FROM ev", signup,
		"GROUP BY user_id"))
	q.With("hits", sqlgen.Lines(
		"-- activation events at or after the signup, numbered per user and event",
		"SELECT e.user_id AS user_id, e.event AS event, e.ts AS ts, row_number() OVER (PARTITION BY e.user_id, e.event ORDER BY e.ts) AS n",
		"FROM ev e JOIN anchor a ON e.user_id = a.user_id",
		"WHERE "+sqlgen.In(d, "e.event", events)+" AND e.ts >= a.signup"))
	q.With("met", sqlgen.Lines(
		fmt.Sprintf("-- when the criterion is met: the latest of each event's %d%s time, once every event got there", s.MinCount, ordinal(s.MinCount)),
		"SELECT user_id, max(ts) AS met",
		"FROM hits",
		fmt.Sprintf("WHERE n = %d", s.MinCount),
		"GROUP BY user_id",
		fmt.Sprintf("HAVING count(*) = %d", len(events))))
	end := c.windowEnd("a.signup", s.WindowSettings)
	cohort, sun := "", sunday(s.WeekStart)
	if s.CohortPeriod != "" {
		cohort = ", " + c.period(s.CohortPeriod, "a.signup", sun) + " AS p"
	}
	q.With("users", sqlgen.Lines(
		"-- each signup in the reporting range, its window's end and when it met the criterion",
		"SELECT a.user_id AS user_id, a.signup AS signup, m.met AS met, "+end+" AS window_end"+cohort,
		"FROM anchor a LEFT JOIN met m ON a.user_id = m.user_id",
		where(c.InRange("a.signup"))))
	q.With("before_anchor", sqlgen.Lines(
		"-- activation events before their user's signup (ignored, and counted)",
		"SELECT count(*) AS n",
		"FROM ev e JOIN users u ON e.user_id = u.user_id",
		"WHERE "+sqlgen.In(d, "e.event", events)+" AND e.ts < u.signup"))
	q.With("outcome", sqlgen.Lines(
		"SELECT user_id, "+c.Complete("window_end")+" AS eligible,",
		"  met IS NOT NULL AND met <= window_end AS activated,",
		"  "+d.Seconds("signup", "met")+" AS ttv"+map[bool]string{true: ", p", false: ""}[cohort != ""],
		"FROM users"))
	ttv := func(p float64) string {
		return d.Percentile("CASE WHEN eligible AND activated THEN ttv END", p)
	}
	eligible, activated := d.CountIf("eligible"), d.CountIf("eligible AND activated")
	head := []string{eligible + " AS eligible", activated + " AS activated", d.Div(activated, eligible) + " AS rate", d.CountIf("NOT eligible") + " AS censored"}
	all := append(slices.Clone(head), ttv(0.5)+" AS median_ttv_seconds",
		d.Min("CASE WHEN eligible AND activated THEN ttv END")+" AS min_ttv_seconds",
		ttv(0.25)+" AS p25_ttv_seconds",
		ttv(0.75)+" AS p75_ttv_seconds",
		ttv(0.9)+" AS p90_ttv_seconds",
		d.Max("CASE WHEN eligible AND activated THEN ttv END")+" AS max_ttv_seconds",
		"count(*) AS anchored",
		"(SELECT count(DISTINCT user_id) FROM ev) - (SELECT count(*) FROM anchor) AS no_anchor",
		"(SELECT n FROM before_anchor) AS events_before_anchor")
	if cohort == "" {
		return c.Result(q, "SELECT "+strings.Join(all, ",\n  ")+"\nFROM outcome"), nil
	}
	// the (all) row, then a row per signup cohort: its rate, censored users
	// and status (warm_up: first-seen cohorts up to --since's period)
	cols := []string{"cohort"}
	for _, f := range all {
		cols = append(cols, f[strings.LastIndex(f, " AS ")+4:])
	}
	noFloat := d.Div("0", "0")
	per := append(slices.Clone(head), noFloat, noFloat, noFloat, noFloat, noFloat, noFloat, nullInt, nullInt, nullInt)
	status := "CASE WHEN " + d.CountIf("NOT eligible") + " > 0 THEN 'incomplete' ELSE 'complete' END"
	if s.SignupEvent == "" && c.Since != nil {
		status = "CASE WHEN p <= " + c.period(s.CohortPeriod, d.Instant(*c.Since), sun) + " THEN 'warm_up' WHEN " + d.CountIf("NOT eligible") + " > 0 THEN 'incomplete' ELSE 'complete' END"
	}
	rows := sqlgen.Lines(
		"  SELECT 0 AS grp, NULL AS p, '(all)' AS cohort, "+strings.Join(all, ", ")+", NULLIF('', '') AS status",
		"  FROM outcome",
		"  UNION ALL",
		"  SELECT 1, p, "+c.periodLabel(s.CohortPeriod, "p")+", "+strings.Join(per, ", ")+", "+status,
		"  FROM outcome GROUP BY p")
	return c.Result(q, orderedBy(strings.Join(append(cols, "status"), ", "), rows, "grp, p")), nil
}

// activationExtra are the columns of activation's CSV beyond its table's:
// the rest of time to value and the users no figure counts, so that the
// rows hold the whole result.
var activationExtra = []string{"min_ttv_seconds", "p25_ttv_seconds", "p75_ttv_seconds", "p90_ttv_seconds", "max_ttv_seconds",
	"anchored", "no_anchor", "events_before_anchor"}

// activationFromRows rebuilds the result from its CSV rows: the overall
// row, then with --cohort-period a row per signup cohort.
func activationFromRows(r *Run, s *ActivationSettings, q *QueryRows) (ActivationResult, error) {
	if s.KM {
		return ActivationResult{}, fmt.Errorf("activation with --km is not read from SQL rows")
	}
	want := append([]string{"eligible", "activated", "censored", "median_ttv_seconds"}, activationExtra...)
	if s.CohortPeriod != "" {
		want = append(want, "cohort", "status")
	}
	rd, err := q.Reader(want...)
	if err != nil {
		return ActivationResult{}, err
	}
	res := ActivationResult{Cohorts: []ActivationCohort{}, Warnings: []Warning{}}
	if len(q.Rows) == 0 || (s.CohortPeriod == "" && len(q.Rows) != 1) {
		return res, fmt.Errorf("%s: %d rows: activation's query returns one, then one per cohort with --cohort-period", q.Source, len(q.Rows))
	}
	var cohorts *cohortRows
	for rd.Next() {
		eligible, activated := rd.Count("eligible"), rd.Count("activated")
		rd.Part("activated", "eligible", activated, eligible)
		rate := NewProportion(activated, eligible, r.Level)
		if rd.row > 0 {
			// a signup cohort
			c := ActivationCohort{Cohort: rd.Str("cohort"), Rate: rate, Censored: rd.Count("censored"), Status: rd.Str("status")}
			c.Size = eligible + c.Censored
			switch c.Status {
			case "warm_up":
				cohorts = &cohortRows{warmed: c.Cohort}
			case "complete", "incomplete":
			default:
				rd.fail("status", c.Status, "not a cohort's status (complete, incomplete or warm_up)")
			}
			res.Cohorts = append(res.Cohorts, c)
			continue
		}
		if s.CohortPeriod != "" && rd.Str("cohort") != "(all)" {
			rd.fail("cohort", rd.Str("cohort"), "the first row is the overall one, (all)")
		}
		res.Rate = rate
		res.Excluded.Censored = rd.Count("censored")
		res.Anchored = rd.Count("anchored")
		res.NoAnchor = rd.Count("no_anchor")
		res.BeforeAnc = rd.Count("events_before_anchor")
		res.TTV = TTV{Reached: activated, NotReached: eligible - activated, PctReached: res.Rate,
			PercentileMethod: "type7", Basis: "conditional",
			MinSeconds: rd.OptFloat("min_ttv_seconds"), P25Seconds: rd.OptFloat("p25_ttv_seconds"),
			MedianSeconds: rd.OptFloat("median_ttv_seconds"), P75Seconds: rd.OptFloat("p75_ttv_seconds"),
			P90Seconds: rd.OptFloat("p90_ttv_seconds"), MaxSeconds: rd.OptFloat("max_ttv_seconds")}
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	res.Warnings = activationWarnings(res, activationParams(r, s), cohorts)
	return res, nil
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

// where is a WHERE clause of cond, or nothing when cond is "".
func where(cond string) string {
	if cond == "" {
		return ""
	}
	return "WHERE " + cond
}

// activationSQLHelp is what uptake sql activation writes (its --help).
const activationSQLHelp = `the signups in the range (each user's first event, or first
--signup-event), activated when an --activation-event falls in the window
(end included), censored when the window is not over at as_of, and time to
value's minimum, quartiles, 90th percentile and maximum (exact percentiles,
interpolated as uptake does); with --cohort-period a row per signup
cohort (warm_up, incomplete or complete). Not in SQL: --km.`
