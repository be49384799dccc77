package metrics

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// A survey metric's query reads answer events (--event E, the score in
// column --score-prop), sorts each answer into missing, invalid, out of
// range or valid as uptake does, keeps one per respondent (and period) by
// --survey-dedupe, and returns the figures with the score distribution and
// the answers left out: its --format csv.

// numberText is the text of a plain decimal number (what uptake reads as a
// score before it checks that it is whole and on the scale).
const numberText = "[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?"

// excludedCols are the counts of answers left out, at the end of a survey
// metric's CSV (on its overall row).
var excludedCols = []string{"excluded_not_answers", "excluded_missing", "excluded_invalid", "excluded_duplicates", "excluded_out_of_range"}

func surveySQL[S, F any](k survey[S, F], c *SQLContext, s *S) (string, error) {
	cs := k.common(s)
	switch {
	case cs.ScoreCol != "":
		return "", SQLUnsupported("--score-col", "survey files are read by uptake; sql reads answer events (--event E --score-prop P)")
	case cs.Event == "":
		return "", SQLUnsupported("--event", "name the answer event: sql reads answer events (--event "+k.event+" --score-prop score)")
	}
	sc, _, err := k.scale(s)
	if err != nil {
		return "", err
	}
	d := c.D
	q, err := c.Query(cs.ScoreProp)
	if err != nil {
		return "", err
	}
	raw := "TRIM(" + d.Text(d.Ident(cs.ScoreProp)) + ")"
	q.With("answers", sqlgen.Lines("-- the answers: "+cs.Event+" events, the score in "+cs.ScoreProp,
		"SELECT user_id, ts, "+raw+" AS raw, CASE WHEN "+d.FullMatch(raw, numberText)+" THEN "+d.TryDouble(raw)+" END AS v",
		"FROM ev WHERE event = "+d.Str(cs.Event)))
	c.resultAsOf = "(SELECT " + d.AddMicros("max(ts)", 1) + " FROM answers)"
	missing := []string{"", "na", "n/a", "nan", "null", "none", "-"}
	inRange := c.InRange("ts")
	if inRange == "" {
		inRange = "TRUE"
	}
	q.With("checked", sqlgen.Lines(
		fmt.Sprintf("-- missing, invalid (not a whole number on the %s scale), out of the range, or valid", sc.Name),
		"SELECT user_id, ts, CASE WHEN raw IS NULL OR "+sqlgen.In(d, "lower(raw)", missing)+" THEN 'missing'",
		fmt.Sprintf("  WHEN v IS NULL OR v <> floor(v) OR v < %d OR v > %d THEN 'invalid'", sc.Min, sc.Max),
		"  WHEN NOT ("+inRange+") THEN 'out_of_range' ELSE 'valid' END AS status,",
		fmt.Sprintf("  CASE WHEN v IS NOT NULL AND v = floor(v) AND v >= %d AND v <= %d THEN CAST(v AS INTEGER) END AS score", sc.Min, sc.Max),
		"FROM answers"))
	cal := cs.Calendar(c.Loc)
	per, part := "", "user_id"
	if cal != nil {
		per = ", " + c.period(cs.Period, "ts", sunday(cs.WeekStart)) + " AS p"
		part = "user_id, p"
	}
	q.With("valid", "SELECT user_id, ts, score"+per+" FROM checked WHERE status = 'valid'")
	switch cs.Dedupe {
	case "all":
		q.With("kept", "SELECT * FROM valid")
	default:
		order := "ts DESC, score DESC"
		if cs.Dedupe == "first" {
			order = "ts ASC, score ASC"
		}
		q.With("kept", sqlgen.Lines("-- one answer per respondent"+map[bool]string{true: " and " + cs.Period, false: ""}[cal != nil]+": the "+cs.Dedupe,
			"SELECT * FROM (SELECT v.*, row_number() OVER (PARTITION BY "+part+" ORDER BY "+order+") AS rn FROM valid v) x WHERE rn = 1"))
	}
	figs := k.sqlFigures(d, sc)
	for i := sc.Min; i <= sc.Max; i++ {
		figs = append(figs, d.CountIf(fmt.Sprintf("score = %d", i))+" AS count_"+strconv.Itoa(i))
	}
	ex := []string{"0", "(SELECT " + d.CountIf("status = 'missing'") + " FROM checked)", "(SELECT " + d.CountIf("status = 'invalid'") + " FROM checked)",
		"(SELECT count(*) FROM valid) - (SELECT count(*) FROM kept)", "(SELECT " + d.CountIf("status = 'out_of_range'") + " FROM checked)"}
	var all, nulls []string
	for i, e := range ex {
		all = append(all, e+" AS "+excludedCols[i])
		nulls = append(nulls, nullInt+" AS "+excludedCols[i])
	}
	if cal == nil {
		return c.Result(q, "SELECT "+strings.Join(append(figs, all...), ",\n  ")+"\nFROM kept"), nil
	}
	cols := []string{"period"}
	for _, f := range figs {
		cols = append(cols, f[strings.LastIndex(f, " AS ")+4:])
	}
	rows := sqlgen.Lines(
		"  SELECT 0 AS grp, NULL AS p, '(all)' AS period, "+strings.Join(append(figs, all...), ", "),
		"  FROM kept",
		"  UNION ALL",
		"  SELECT 1, p, "+c.periodLabel(cs.Period, "p")+", "+strings.Join(append(figs, nulls...), ", "),
		"  FROM kept GROUP BY p")
	return c.Result(q, orderedBy(strings.Join(append(cols, excludedCols...), ", "), rows, "grp, p")), nil
}

// surveyFromRows rebuilds the figures from each row's distribution — the
// answers' scores, whose figures the Go engine computes — and the answers
// left out from the overall row.
func surveyFromRows[S, F any](k survey[S, F], r *Run, s *S, q *QueryRows) (SurveyResult[F], error) {
	cs := k.common(s)
	sc, _, err := k.scale(s)
	if err != nil {
		return SurveyResult[F]{}, err
	}
	want := append([]string{"n"}, excludedCols...)
	if cs.Period != "" {
		want = append(want, "period")
	}
	rd, err := q.Reader(want...)
	if err != nil {
		return SurveyResult[F]{}, err
	}
	var g SurveyResult[F]
	var ws []Warning
	found := false
	for rd.Next() {
		var as []Answer
		for score := sc.Min; score <= sc.Max; score++ {
			for n := rd.Count("count_" + strconv.Itoa(score)); n > 0 && rd.Err() == nil; n-- {
				as = append(as, Answer{Score: score})
			}
		}
		if n := rd.Count("n"); rd.Err() == nil && n != int64(len(as)) {
			rd.fail("n", strconv.FormatInt(n, 10), fmt.Sprintf("is not the sum of the counts (%d)", len(as)))
		}
		f, fw := k.figures(s, as, sc, r.Level)
		label := "(all)"
		if cs.Period != "" {
			label = rd.Str("period")
		}
		if label != "(all)" {
			if !found {
				return g, fmt.Errorf("%s: row %d: period %s before the (all) row", q.Source, rd.row+1, label)
			}
			g.Periods = append(g.Periods, SurveyPeriod[F]{Label: label, Figures: f})
			for _, w := range fw {
				ws = append(ws, Warning{Code: w.Code, Message: label + ": " + w.Message})
			}
			continue
		}
		found = true
		g.Figures = f
		ex := SurveyExcluded{NotAnswers: rd.Count("excluded_not_answers"), Missing: rd.Count("excluded_missing"), Invalid: rd.Count("excluded_invalid"),
			Duplicates: rd.Count("excluded_duplicates"), OutOfRange: rd.Count("excluded_out_of_range")}
		g.Excluded = &ex
		if ex.Invalid > 0 {
			return g, fmt.Errorf("%s: %d answers are not whole numbers on the %s scale: uptake stops at such an answer; find them with the query's checked step, fix them or leave them out of the table", q.Source, ex.Invalid, sc.Name)
		}
		ws = append(fw, ws...)
	}
	if err := rd.Err(); err != nil {
		return g, err
	}
	if !found {
		return g, fmt.Errorf("%s: no overall row", q.Source)
	}
	if cs.Period != "" && g.Periods == nil {
		g.Periods = []SurveyPeriod[F]{}
	}
	a := &Answers{Excluded: *g.Excluded, Scale: sc}
	r.Answers = a // what the views read of the answers: the scale and those left out
	g.Warnings = append(a.Warnings(), ws...)
	return g, nil
}

// surveySQLHelp is what uptake sql nps, csat and ces write (their --help).
const surveySQLHelp = `answer events only (--event E --score-prop P; survey files
are read by uptake): missing, invalid and out-of-range answers counted as
uptake counts them, one answer per respondent (and period) by
--survey-dedupe, the figures and the score distribution, per --period too.
An invalid answer in the result makes the read-back fail, as uptake
stops at one: fix such answers or leave them out of the relation. Not in
SQL: --score-col, event selectors.`
