package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/uptake-dev/uptake/metrics/sqlgen"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// SurveyResult is a survey metric's figures F over a group of answers,
// with --period the same per period, and for the overall result the
// answers left out.
type SurveyResult[F any] struct {
	Figures  F
	Periods  []SurveyPeriod[F] // nil without --period
	Excluded *SurveyExcluded   // the overall result only
	Warnings []Warning
}

// SurveyPeriod is one period's figures.
type SurveyPeriod[F any] struct {
	Label   string
	Figures F
}

// MarshalJSON writes the figures' fields, then "excluded" and "periods"
// (each period as {"period": label, …its figures}) when there are.
func (g SurveyResult[F]) MarshalJSON() ([]byte, error) {
	var extra []any
	if g.Excluded != nil {
		extra = append(extra, "excluded", g.Excluded)
	}
	if g.Periods != nil {
		ps := make([]json.RawMessage, 0, len(g.Periods))
		for _, p := range g.Periods {
			b, err := spliceJSON(p.Figures, "period", p.Label)
			if err != nil {
				return nil, err
			}
			ps = append(ps, b)
		}
		extra = append(extra, "periods", ps)
	}
	return appendJSON(g.Figures, extra...)
}

// FigureField and FigureFields describe the JSON MarshalJSON writes, for
// figure paths (metrics/figure.go).
func (g SurveyResult[F]) FigureField(name string) (reflect.Type, bool) {
	switch name {
	case "excluded":
		return reflect.TypeOf(g.Excluded), true
	case "periods":
		return reflect.TypeOf(g.Periods), true
	}
	return fieldOf(reflect.TypeOf(g.Figures), name)
}

func (g SurveyResult[F]) FigureFields() []string {
	return append(fieldsOf(reflect.TypeOf(g.Figures)), "excluded", "periods")
}

func (p SurveyPeriod[F]) FigureField(name string) (reflect.Type, bool) {
	if name == "period" {
		return reflect.TypeOf(p.Label), true
	}
	return fieldOf(reflect.TypeOf(p.Figures), name)
}

func (p SurveyPeriod[F]) FigureFields() []string {
	return append([]string{"period"}, fieldsOf(reflect.TypeOf(p.Figures))...)
}

// spliceJSON writes obj's fields after a leading "key": value.
func spliceJSON(obj any, key string, value any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	k, _ := json.Marshal(key)
	v, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	buf.Write(k)
	buf.WriteByte(':')
	buf.Write(v)
	if len(b) > 2 {
		buf.WriteByte(',')
	}
	buf.Write(b[1:])
	return buf.Bytes(), nil
}

// appendJSON writes obj's fields followed by key/value pairs.
func appendJSON(obj any, kv ...any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil || len(kv) == 0 {
		return b, err
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	for i := 0; i+1 < len(kv); i += 2 {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		v, err := json.Marshal(kv[i+1])
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// survey is what tells nps, csat and ces apart; surveyMetric makes the
// rest of their definitions alike.
type survey[S any, F any] struct {
	name, title, event, long, example, short string
	info                                     Info // the metric's own flags' help and groups
	defaults                                 func() S
	common                                   func(*S) *SurveySettings
	// scale is the declared scale and whether --scale gave it.
	scale func(*S) (Scale, bool, error)
	// figures computes a group's figures and their warnings.
	figures func(s *S, as []Answer, sc Scale, level float64) (F, []Warning)
	// params are the settings as the envelope spells them, on scale sc.
	params func(s *S, sc Scale) any
	// view says how figures read: summary lines, trend/segment columns
	// and cells, and the distribution.
	view surveyView[F]
	// outcome, when set, makes the metric comparable (Def.Outcome).
	outcome func(*Run, *S, OutcomeOptions, []int32) (Outcome, error)
	// sqlFigures are the columns of view.cols but the intervals as SQL over
	// the kept answers (a column score) on scale sc (survey_sql.go).
	sqlFigures func(d sqlgen.Dialect, sc Scale) []string
}

func surveyMetric[S any, F any](k survey[S, F]) *Def[S, SurveyResult[F]] {
	info := k.info
	info.Name, info.Use, info.Short, info.Example = k.name, "[FILE...]", k.short, k.example
	info.Long = k.long + `

Input is either a survey file — CSV or TSV, one row per answer — whose score
column is found by its name (or --score-col) and whose respondent id and time
columns are detected or given with --user-col/--time-col (without a time column
there is no trend; without an id every row is its own respondent), or survey
answers inside an event export: --event ` + k.event + ` --score-prop score
(--demo reads those from the built-in export).

One answer per respondent per period counts (--survey-dedupe latest|first|all).
Missing answers (empty, NA, N/A, null) are counted and left out; answers that are
not a whole number on the scale are rejected per --on-invalid, never clamped.
--period week|month adds a trend with an interval per period; --by FIELD repeats
everything per value of a column (survey files) or user property (events).`
	if info.FlagUsage == nil {
		info.FlagUsage = map[string]string{}
	}
	info.FlagUsage["score-col"] = "Survey file: the score `column`"
	info.FlagUsage["event"] = "Event export: the answer `event` (default with --demo: " + k.event + ")"
	info.Exclusive = append(info.Exclusive, []string{"score-col", "event"})
	info.SQLHelp = surveySQLHelp
	return &Def[S, SurveyResult[F]]{
		Info:     info,
		Defaults: k.defaults,
		Outcome:  k.outcome,
		Check: func(s *S) error {
			_, _, err := k.scale(s)
			return err
		},
		Needs: func(s *S) Needs {
			c := k.common(s)
			return Needs{Answers: &AnswerSource{Event: c.Event, DemoEvent: k.event, ScoreProp: c.ScoreProp, ScoreCol: c.ScoreCol, Kind: k.name}}
		},
		Prepare: func(r *Run, s *S) error {
			sc, given, _ := k.scale(s)
			c := k.common(s)
			return r.Answers.Check(sc, given, r.Range, c.Dedupe, c.Calendar(r.Loc))
		},
		Compute: func(r *Run, s *S, idx []int32) SurveyResult[F] {
			as := make([]Answer, len(idx))
			for i, j := range idx {
				as[i] = r.Answers.Valid[j]
			}
			var g SurveyResult[F]
			g.Figures, g.Warnings = k.figures(s, as, r.Answers.Scale, r.Level)
			if cal := k.common(s).Calendar(r.Loc); cal != nil {
				g.Periods = []SurveyPeriod[F]{}
				labels, groups, _ := SurveyPeriods(as, *cal)
				for i, l := range labels {
					f, ws := k.figures(s, groups[i], r.Answers.Scale, r.Level)
					g.Periods = append(g.Periods, SurveyPeriod[F]{Label: l, Figures: f})
					for _, w := range ws {
						g.Warnings = append(g.Warnings, Warning{Code: w.Code, Message: l + ": " + w.Message})
					}
				}
			}
			return g
		},
		Overall: func(r *Run, _ *S, g *SurveyResult[F]) {
			ex := r.Answers.Excluded
			g.Excluded = &ex
		},
		Warnings: func(g SurveyResult[F]) []Warning { return g.Warnings },
		Params:   func(r *Run, s *S) any { return k.params(s, r.Answers.Scale) },
		View: func(r *Run, s *S, res Segmented[SurveyResult[F]]) report.Doc {
			return k.view.doc(r, k.common(s), k.title, res)
		},
		Rows:     func(r *Run, _ *S, g SurveyResult[F]) report.Table { return k.view.rows(r.Answers.Scale, g) },
		SQL:      func(c *SQLContext, s *S) (string, error) { return surveySQL(k, c, s) },
		FromRows: func(r *Run, s *S, q *QueryRows) (SurveyResult[F], error) { return surveyFromRows(k, r, s, q) },
		Users:    func(r *Run, _ *S, idx []int32) report.Table { return answerRows(r.Answers, k.name == "nps", idx) },
	}
}

// answerRows are the answers behind the figures: the valid answers of idx
// (each counts once, in its group: promoter, passive or detractor for NPS,
// in_box or out_of_box for a rating), or, when idx is nil, the rows left
// out of every figure with their status (missing, invalid, out_of_scale,
// out_of_range, duplicate).
func answerRows(a *Answers, nps bool, idx []int32) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "respondent"}, {Key: "score", Kind: report.Int}, {Key: "raw_score"},
		{Key: "group"}, {Key: "time", Kind: report.Time}, {Key: "source"}, {Key: "status"}}}
	row := func(i int) {
		r := a.Rows[i]
		var resp, score, group, at any
		if r.Respondent != "" {
			resp = r.Respondent
		}
		if v, st, _ := ParseScore(r.Score, a.Scale); st == ScoreOK {
			score, group = v, "out_of_box"
			switch {
			case nps:
				group = npsGroup(v)
			case a.Scale.inBox(v):
				group = "in_box"
			}
		}
		if r.HasTime {
			at = nsTime(r.Time)
		}
		t.Rows = append(t.Rows, []any{resp, score, r.Score, group, at, r.Source, a.Status[i]})
	}
	if idx != nil {
		for _, j := range idx {
			row(a.Valid[j].Order)
		}
		return t
	}
	for i, st := range a.Status {
		if st != "valid" {
			row(i)
		}
	}
	return t
}

// NPSMetric is nps (docs/metrics.md#nps).
var NPSMetric = surveyMetric(survey[NPSSettings, NPSResult]{
	name: "nps", title: "NPS", event: "nps_response", short: "Net Promoter Score with an adjusted-Wald interval",
	long: `Net Promoter Score: the share of promoters (9–10) minus the share of
detractors (0–6) among valid 0–10 answers, in points (−100…100), with the
adjusted-Wald interval (--nps-ci wald for plain Wald; docs/metrics.md#nps). The
adjusted interval is centred on a score shrunk towards 0; when that leaves
out the observed score (few answers, or nearly all at one end), the bound on
its side is moved out to the score, so the interval always holds it.`,
	example: `  uptake nps --demo --period month
  uptake nps survey.csv --score-col "How likely are you to recommend us?"
  uptake nps nps_survey.csv.gz                      # R-style file with NA answers
  uptake nps events.csv --event nps_response --score-prop score --by plan --format json | jq '.result.nps'`,
	defaults: func() NPSSettings { return NPSSettings{SurveySettings: newSurveySettings(), NPSCI: "adjusted-wald"} },
	common:   func(s *NPSSettings) *SurveySettings { return &s.SurveySettings },
	scale: func(*NPSSettings) (Scale, bool, error) {
		s, _ := ScaleNamed("nps")
		return s, false, nil
	},
	figures: func(s *NPSSettings, as []Answer, _ Scale, level float64) (NPSResult, []Warning) {
		method := "adjusted_wald"
		if s.NPSCI == "wald" {
			method = "wald"
		}
		r := NPS(as, level, method)
		return r, SurveyWarnings("nps", r.N, nil)
	},
	outcome: npsOutcome,
	sqlFigures: func(d sqlgen.Dialect, _ Scale) []string {
		p, ps, dt := d.CountIf("score >= 9"), d.CountIf("score BETWEEN 7 AND 8"), d.CountIf("score <= 6")
		return []string{"count(*) AS n", "100 * " + d.Div(d.Double(p)+" - "+d.Double(dt), "count(*)") + " AS nps",
			p + " AS promoters", ps + " AS passives", dt + " AS detractors"}
	},
	params: func(s *NPSSettings, sc Scale) any {
		return struct {
			*NPSSettings
			Scale string `json:"scale"`
		}{s, sc.Name}
	},
	view: npsView,
})

// CSATMetric is csat (docs/metrics.md#csat).
var CSATMetric = surveyMetric(survey[CSATSettings, CSATFigures]{
	name: "csat", title: "CSAT", event: "csat_response", short: "Customer satisfaction: top-2-box share and mean",
	long: `Customer satisfaction: the share of answers in the top two boxes (4–5 on the
default 1–5 scale) with a Wilson interval, and next to it the mean with a
t-interval — the two are never mixed up (docs/metrics.md#csat). --scale picks
1-5, 1-7, 1-10 or 0-10; --satisfied-min moves the box's lower edge.`,
	example: `  uptake csat --demo --by plan
  uptake csat olist_order_reviews_dataset.csv.gz --score-col review_score --period month
  uptake csat survey.csv --scale 1-7 --satisfied-min 5 --format json | jq '.result.csat.value'`,
	defaults: func() CSATSettings {
		return CSATSettings{SurveySettings: newSurveySettings(), Scale: Choice{Value: "1-5"}}
	},
	common: func(s *CSATSettings) *SurveySettings { return &s.SurveySettings },
	scale: func(s *CSATSettings) (Scale, bool, error) {
		sc, err := s.scale()
		return sc, s.Scale.Given, err
	},
	figures: func(_ *CSATSettings, as []Answer, sc Scale, level float64) (CSATFigures, []Warning) {
		r := Rating(as, sc, level, false)
		return CSATFigures{N: r.N, CSAT: r.Box, Mean: r.Mean, MeanCI: r.MeanCI, SD: r.SD, Median: r.Median, Distribution: r.Distribution, Scale: r.Scale},
			SurveyWarnings("csat", r.N, &r.Box)
	},
	params: func(s *CSATSettings, sc Scale) any {
		return struct {
			*CSATSettings
			Scale        string `json:"scale"`
			SatisfiedMin int    `json:"satisfied_min"`
		}{s, sc.Name, sc.BoxLow}
	},
	view: csatView,
	sqlFigures: func(d sqlgen.Dialect, sc Scale) []string {
		return []string{"count(*) AS n", d.Div(d.CountIf(fmt.Sprintf("score BETWEEN %d AND %d", sc.BoxLow, sc.BoxHigh)), "count(*)") + " AS csat",
			d.Div("sum(score)", "count(*)") + " AS mean"}
	},
})

// CESMetric is ces (docs/metrics.md#ces).
var CESMetric = surveyMetric(survey[CESSettings, CESFigures]{
	name: "ces", title: "CES", event: "ces_response", short: "Customer effort score: mean and the share at the easy end",
	long: `Customer effort score: the mean with a t-interval and pct_easy, the share at the
easy end of the scale with a Wilson interval (docs/metrics.md#ces). The scale is
declared, never guessed from the data: --scale 7-agree (default: CES 2.0, "X made
it easy", 7 = easiest; easy = 5–7), 5-agree (easy = 4–5), 5-effort (CES 1.0,
1 = least effort; easy = 1–2) or 7-effort (easy = 1–3). --normalize adds
ease_0_100, the mean mapped to 0–100 with 100 at the easy end.`,
	example: `  uptake ces --demo --period month
  uptake ces typeform.csv --score-col "How easy was it?" --scale 7-agree
  uptake ces legacy.csv --scale 5-effort --normalize --format json | jq '.result.mean'`,
	defaults: func() CESSettings {
		return CESSettings{SurveySettings: newSurveySettings(), Scale: Choice{Value: "7-agree"}}
	},
	common: func(s *CESSettings) *SurveySettings { return &s.SurveySettings },
	scale: func(s *CESSettings) (Scale, bool, error) {
		sc, _ := ScaleNamed(s.Scale.Value)
		return sc, s.Scale.Given, nil
	},
	figures: func(s *CESSettings, as []Answer, sc Scale, level float64) (CESFigures, []Warning) {
		r := Rating(as, sc, level, s.Normalize)
		return CESFigures{N: r.N, Mean: r.Mean, MeanCI: r.MeanCI, SD: r.SD, Median: r.Median, PctEasy: r.Box, Ease0100: r.Ease0100, Distribution: r.Distribution, Scale: r.Scale},
			SurveyWarnings("ces", r.N, &r.Box)
	},
	params: func(s *CESSettings, sc Scale) any {
		return struct {
			*CESSettings
			Scale string `json:"scale"`
		}{s, sc.Name}
	},
	view: cesView,
	sqlFigures: func(d sqlgen.Dialect, sc Scale) []string {
		return []string{"count(*) AS n", d.Div("sum(score)", "count(*)") + " AS mean",
			d.Div(d.CountIf(fmt.Sprintf("score BETWEEN %d AND %d", sc.BoxLow, sc.BoxHigh)), "count(*)") + " AS pct_easy"}
	},
})

// surveyView says how a survey metric's figures F read.
type surveyView[F any] struct {
	head func(F, Scale) [][2]string // the summary lines
	cols []report.Column            // the columns of a period or segment row
	row  func(F) []any              // its cells
	dist func(F) ([]Count, int64)   // the distribution and its n
	// groups are the parts of the scale the distribution's bars are
	// coloured by; score is the figure drawn with its interval.
	groups func(Scale) []scoreGroup
	score  func(F) (string, report.Kind, report.Estimate)
}

// scoreGroup is the scores lo..hi, which read as tone.
type scoreGroup struct {
	name   string
	lo, hi int
	tone   report.Tone
}

// boxGroups are a scale's positive box and the rest of it.
func boxGroups(box string) func(Scale) []scoreGroup {
	return func(s Scale) []scoreGroup {
		in := scoreGroup{fmt.Sprintf("%s (%d–%d)", box, s.BoxLow, s.BoxHigh), s.BoxLow, s.BoxHigh, report.ToneGood}
		if s.BoxLow == s.Min {
			return []scoreGroup{in, {"other", s.BoxHigh + 1, s.Max, report.ToneNeutral}}
		}
		return []scoreGroup{{"other", s.Min, s.BoxLow - 1, report.ToneNeutral}, in}
	}
}

// charts are the distribution, its bars coloured by group, and the score
// with its interval overall, per segment and per period.
func (v surveyView[F]) charts(a *Answers, res Segmented[SurveyResult[F]]) []report.Chart {
	counts, _ := v.dist(res.Overall.Figures)
	dist := report.Chart{Kind: report.BarChart, Stacked: true, Title: "Answers by score", Unit: report.Int}
	for _, g := range v.groups(a.Scale) {
		se := report.Series{Name: g.name, Tone: g.tone}
		for _, c := range counts {
			n := math.NaN()
			if c.Score >= g.lo && c.Score <= g.hi {
				n = float64(c.Count)
			}
			se.Values = append(se.Values, n)
		}
		dist.Series = append(dist.Series, se)
	}
	for _, c := range counts {
		dist.Labels = append(dist.Labels, strconv.Itoa(c.Score))
	}
	name, unit, e := v.score(res.Overall.Figures)
	score := report.Chart{Kind: report.IntervalChart, Title: name, Unit: unit, Labels: []string{"all"}, Estimates: []report.Estimate{e}}
	for _, sg := range res.Segments {
		_, _, e := v.score(sg.Result.Figures)
		score.Labels, score.Estimates = append(score.Labels, res.By+" = "+sg.Name), append(score.Estimates, e)
	}
	out := []report.Chart{dist, score}
	if ps := res.Overall.Periods; ps != nil {
		trend := score
		trend.Title, trend.Labels, trend.Estimates = name+" by period", nil, nil
		for _, p := range ps {
			_, _, e := v.score(p.Figures)
			trend.Labels, trend.Estimates = append(trend.Labels, p.Label), append(trend.Estimates, e)
		}
		out = append(out, trend)
	}
	return out
}

// doc is a survey result for people: the summary, the distribution, and
// the trend or the segments (the last of which is the CSV).
func (v surveyView[F]) doc(r *Run, c *SurveySettings, title string, res Segmented[SurveyResult[F]]) report.Doc {
	a := r.Answers
	ex := a.Excluded
	doc := report.Doc{Title: fmt.Sprintf("%s (%s scale)", title, a.Scale.Name)}
	for _, kv := range v.head(res.Overall.Figures, a.Scale) {
		doc.Add(kv[0], kv[1])
	}
	left := fmt.Sprintf("%s missing (empty/NA), %s invalid, %s repeat answers (%s per respondent), %s outside --from/--to",
		report.Thousands(ex.Missing), report.Thousands(ex.Invalid), report.Thousands(ex.Duplicates), c.Dedupe, report.Thousands(ex.OutOfRange))
	if ex.NotAnswers > 0 {
		left += fmt.Sprintf("; %s rows that are not answers (partial, preview, unrated)", report.Thousands(ex.NotAnswers))
	}
	doc.Add("left out", left)
	dist := report.Table{Title: "Distribution", Columns: []report.Column{{Key: "score", Kind: report.Int}, {Key: "count", Kind: report.Int},
		{Key: "share", Kind: report.Percent}, {Key: "bar", Header: ""}}}
	counts, n := v.dist(res.Overall.Figures)
	var maxc int64
	for _, c := range counts {
		maxc = max(maxc, c.Count)
	}
	for _, c := range counts {
		bar := ""
		if maxc > 0 {
			bar = strings.Repeat("█", int((c.Count*30+maxc-1)/maxc))
		}
		dist.Rows = append(dist.Rows, []any{c.Score, c.Count, ratio(c.Count, n), bar})
	}
	doc.Tables = append(doc.Tables, dist)
	doc.Charts = v.charts(a, res)
	if res.Overall.Periods != nil {
		t := report.Table{Title: "By " + c.Period, Columns: append([]report.Column{{Key: "period"}}, v.cols...)}
		for _, p := range res.Overall.Periods {
			t.Rows = append(t.Rows, append([]any{p.Label}, v.row(p.Figures)...))
		}
		doc.Tables = append(doc.Tables, t)
	}
	if len(res.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}}, v.cols...)}
		for _, sg := range res.Segments {
			t.Rows = append(t.Rows, append([]any{sg.Name}, v.row(sg.Result.Figures)...))
		}
		doc.Tables = append(doc.Tables, t)
	}
	return doc
}

// rows are a group's figures and its count of each score on scale sc (the
// distribution) in one row; with --period, under a period column, the
// whole range as "(all)" and then each period.
func (v surveyView[F]) rows(sc Scale, g SurveyResult[F]) report.Table {
	t := report.Table{Columns: v.cols[:len(v.cols):len(v.cols)]}
	for score := sc.Min; score <= sc.Max; score++ {
		t.Columns = append(t.Columns, report.Column{Key: "count_" + strconv.Itoa(score), Kind: report.Int})
	}
	row := func(f F) []any {
		counts, _ := v.dist(f)
		out := v.row(f)
		for score := sc.Min; score <= sc.Max; score++ {
			var n int64
			for _, c := range counts {
				if c.Score == score {
					n = c.Count
				}
			}
			out = append(out, n)
		}
		return out
	}
	for _, k := range excludedCols {
		t.Columns = append(t.Columns, report.Column{Key: k, Kind: report.Int})
	}
	excluded := func(e *SurveyExcluded) []any {
		if e == nil {
			return make([]any, len(excludedCols))
		}
		return []any{e.NotAnswers, e.Missing, e.Invalid, e.Duplicates, e.OutOfRange}
	}
	t.Rows = [][]any{append(row(g.Figures), excluded(g.Excluded)...)}
	if g.Periods == nil {
		return t
	}
	t.Columns = append([]report.Column{{Key: "period"}}, t.Columns...)
	t.Rows[0] = append([]any{"(all)"}, t.Rows[0]...)
	for _, p := range g.Periods {
		t.Rows = append(t.Rows, append(append([]any{p.Label}, row(p.Figures)...), excluded(nil)...))
	}
	return t
}

// npsView: the score with its interval, and the three groups.
var npsView = surveyView[NPSResult]{
	head: func(r NPSResult, _ Scale) [][2]string {
		ci := "–"
		if r.CI != nil {
			ci = fmt.Sprintf("[%.1f, %.1f] (%s %s)", r.CI.Low, r.CI.High, strings.ReplaceAll(r.CI.Method, "_", "-"), report.Pct(r.CI.Level))
		}
		share := func(k string) string {
			if v := r.Shares[k]; v != nil {
				return report.Pct(*v)
			}
			return "–"
		}
		return [][2]string{{"NPS", oneDecimal(r.NPS) + " " + ci}, {"answers", report.Thousands(r.N)},
			{"promoters (9–10)", report.Thousands(r.Promoters) + " (" + share("promoters") + ")"},
			{"passives (7–8)", report.Thousands(r.Passives) + " (" + share("passives") + ")"},
			{"detractors (0–6)", report.Thousands(r.Detractors) + " (" + share("detractors") + ")"}}
	},
	cols: []report.Column{{Key: "n", Kind: report.Int}, {Key: "nps", Kind: report.Points}, {Key: "ci_low", Header: "ci low", Kind: report.Points},
		{Key: "ci_high", Header: "ci high", Kind: report.Points}, {Key: "promoters", Kind: report.Int}, {Key: "passives", Kind: report.Int},
		{Key: "detractors", Kind: report.Int}},
	row: func(r NPSResult) []any {
		var lo, hi *float64
		if r.CI != nil {
			lo, hi = &r.CI.Low, &r.CI.High
		}
		return []any{r.N, r.NPS, lo, hi, r.Promoters, r.Passives, r.Detractors}
	},
	dist: func(r NPSResult) ([]Count, int64) { return r.Distribution, r.N },
	groups: func(Scale) []scoreGroup {
		return []scoreGroup{{"detractors (0–6)", 0, 6, report.ToneBad}, {"passives (7–8)", 7, 8, report.ToneNeutral}, {"promoters (9–10)", 9, 10, report.ToneGood}}
	},
	score: func(r NPSResult) (string, report.Kind, report.Estimate) {
		e := report.Estimate{Value: report.Val(r.NPS), Low: math.NaN(), High: math.NaN(), Text: oneDecimal(r.NPS)}
		if r.CI != nil {
			e.Low, e.High = r.CI.Low, r.CI.High
			e.Text += fmt.Sprintf(" [%.1f, %.1f] (n = %s)", r.CI.Low, r.CI.High, report.Thousands(r.N))
		}
		return "NPS (points)", report.Points, e
	},
}

// csatView: the top-box share, then the mean.
var csatView = surveyView[CSATFigures]{
	head: func(r CSATFigures, s Scale) [][2]string {
		return [][2]string{{"CSAT", fmt.Sprintf("%s of answers at %d–%d", PropText(r.CSAT), s.BoxLow, s.BoxHigh)},
			{"mean", meanText(r.Mean, r.MeanCI, r.N)}}
	},
	cols: append(append([]report.Column{{Key: "n", Kind: report.Int}}, CICols("csat")...), report.Column{Key: "mean", Kind: report.Float}),
	row: func(r CSATFigures) []any {
		return append(append([]any{r.N}, CIVals(r.CSAT)...), r.Mean)
	},
	dist:   func(r CSATFigures) ([]Count, int64) { return r.Distribution, r.N },
	groups: boxGroups("satisfied"),
	score: func(r CSATFigures) (string, report.Kind, report.Estimate) {
		return "CSAT (share satisfied)", report.Percent, propEstimate(r.CSAT)
	},
}

// cesView: the mean and its direction, then the easy-end share.
var cesView = surveyView[CESFigures]{
	head: func(r CESFigures, s Scale) [][2]string {
		out := [][2]string{{"mean", meanText(r.Mean, r.MeanCI, r.N) + ", " + strings.ReplaceAll(s.Direction, "_", " ")},
			{"easy", fmt.Sprintf("%s of answers at %d–%d", PropText(r.PctEasy), s.BoxLow, s.BoxHigh)}}
		if r.Ease0100 != nil {
			out = append(out, [2]string{"ease 0–100", strconv.FormatFloat(*r.Ease0100, 'f', 1, 64)})
		}
		return out
	},
	cols: append([]report.Column{{Key: "n", Kind: report.Int}, {Key: "mean", Kind: report.Float}}, CICols("pct_easy")...),
	row: func(r CESFigures) []any {
		return append([]any{r.N, r.Mean}, CIVals(r.PctEasy)...)
	},
	dist:   func(r CESFigures) ([]Count, int64) { return r.Distribution, r.N },
	groups: boxGroups("easy"),
	score: func(r CESFigures) (string, report.Kind, report.Estimate) {
		return "Share at the easy end", report.Percent, propEstimate(r.PctEasy)
	},
}

// oneDecimal writes v with one decimal, or – for none.
func oneDecimal(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// meanText writes a mean with its t-interval.
func meanText(m *float64, ci *Interval, n int64) string {
	if m == nil {
		return "– (no answers)"
	}
	if ci == nil {
		return fmt.Sprintf("%.2f (n = %d: no interval)", *m, n)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f] (t, %s)", *m, ci.Low, ci.High, report.Pct(ci.Level))
}
