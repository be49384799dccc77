package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// SurveyOptions are the flags of `uptake nps`, `csat` and `ces`.
type SurveyOptions struct {
	IO           *IOStreams
	Kind         string // nps, csat, ces
	Input        InputFlags
	Report       ReportFlags
	ScoreCol     string
	Event        string
	ScoreProp    string
	Period       string
	WeekStart    string
	Dedupe       string
	NPSCI        string
	Scale        string
	SatisfiedMin int
	Normalize    bool
	Args         []string

	scaleSet   bool   // --scale given
	fixedScale string // the export's own scale
	notAnswers int64
	sameFiles  []ingest.SameFile
	renamed    []report.Warning // repeated headers of survey files
}

var surveyDefaults = map[string]struct {
	event, scale, short, long, example string
}{
	"nps": {"nps_response", "0-10", "Net Promoter Score with an adjusted-Wald interval",
		`Net Promoter Score: the share of promoters (9–10) minus the share of
detractors (0–6) among valid 0–10 answers, in points (−100…100), with the
adjusted-Wald interval (--nps-ci wald for plain Wald; docs/metrics.md#nps). The
adjusted interval is centred on a score shrunk towards 0; when that leaves
out the observed score (few answers, or nearly all at one end), the bound on
its side is moved out to the score, so the interval always holds it.`,
		`  uptake nps --demo --period month
  uptake nps survey.csv --score-col "How likely are you to recommend us?"
  uptake nps nps_survey.csv.gz                      # R-style file with NA answers
  uptake nps events.csv --event nps_response --score-prop score --by plan --format json | jq '.result.nps'`},
	"csat": {"csat_response", "1-5", "Customer satisfaction: top-2-box share and mean",
		`Customer satisfaction: the share of answers in the top two boxes (4–5 on the
default 1–5 scale) with a Wilson interval, and next to it the mean with a
t-interval — the two are never mixed up (docs/metrics.md#csat). --scale picks
1-5, 1-7, 1-10 or 0-10; --satisfied-min moves the box's lower edge.`,
		`  uptake csat --demo --by plan
  uptake csat olist_order_reviews_dataset.csv.gz --score-col review_score --period month
  uptake csat survey.csv --scale 1-7 --satisfied-min 5 --format json | jq '.result.csat.value'`},
	"ces": {"ces_response", "7-agree", "Customer effort score: mean and the share at the easy end",
		`Customer effort score: the mean with a t-interval and pct_easy, the share at the
easy end of the scale with a Wilson interval (docs/metrics.md#ces). The scale is
declared, never guessed from the data: --scale 7-agree (default: CES 2.0, "X made
it easy", 7 = easiest; easy = 5–7), 5-agree (easy = 4–5), 5-effort (CES 1.0,
1 = least effort; easy = 1–2) or 7-effort (easy = 1–3). --normalize adds
ease_0_100, the mean mapped to 0–100 with 100 at the easy end.`,
		`  uptake ces --demo --period month
  uptake ces typeform.csv --score-col "How easy was it?" --scale 7-agree
  uptake ces legacy.csv --scale 5-effort --normalize --format json | jq '.result.mean'`},
}

// NewCmdSurvey builds `uptake nps`, `uptake csat` or `uptake ces`.
func NewCmdSurvey(ios *IOStreams, kind string, runF func(*SurveyOptions) error) *cobra.Command {
	opts := &SurveyOptions{IO: ios, Kind: kind}
	def := surveyDefaults[kind]
	cmd := &cobra.Command{
		Use:   kind + " [FILE...]",
		Short: def.short,
		Long: def.long + `

Input is either a survey file — CSV or TSV, one row per answer — whose score
column is found by its name (or --score-col) and whose respondent id and time
columns are detected or given with --user-col/--time-col (without a time column
there is no trend; without an id every row is its own respondent), or survey
answers inside an event export: --event ` + def.event + ` --score-prop score
(--demo reads those from the built-in export).

One answer per respondent per period counts (--survey-dedupe latest|first|all).
Missing answers (empty, NA, N/A, null) are counted and left out; answers that are
not a whole number on the scale are rejected per --on-invalid, never clamped.
--period week|month adds a trend with an interval per period; --by FIELD repeats
everything per value of a column (survey files) or user property (events).`,
		Example: def.example,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			opts.scaleSet = cmd.Flags().Changed("scale")
			if runF != nil {
				return runF(opts)
			}
			return runSurvey(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, false)
	f := cmd.Flags()
	f.StringVar(&opts.ScoreCol, "score-col", "", "Survey file: the score `column`")
	f.StringVar(&opts.Event, "event", "", "Event export: the answer `event` (default with --demo: "+def.event+")")
	f.StringVar(&opts.ScoreProp, "score-prop", "score", "Event export: the property holding the score")
	enumFlag(cmd, &opts.Period, "period", "", []string{"", "week", "month"}, "Add a trend: one row per period")
	enumFlag(cmd, &opts.WeekStart, "week-start", "monday", []string{"monday", "sunday"}, "First day of a week")
	enumFlag(cmd, &opts.Dedupe, "survey-dedupe", "latest", []string{"latest", "first", "all"}, "Answers kept per respondent per period")
	switch kind {
	case "nps":
		enumFlag(cmd, &opts.NPSCI, "nps-ci", "adjusted-wald", []string{"adjusted-wald", "wald"}, "Interval method")
	case "csat":
		enumFlag(cmd, &opts.Scale, "scale", "1-5", []string{"1-5", "1-7", "1-10", "0-10"}, "Answer scale")
		f.IntVar(&opts.SatisfiedMin, "satisfied-min", 0, "Lowest satisfied score (default: the top two points)")
	case "ces":
		enumFlag(cmd, &opts.Scale, "scale", "7-agree", []string{"7-agree", "5-agree", "5-effort", "7-effort"}, "Answer scale and direction")
		f.BoolVar(&opts.Normalize, "normalize", false, "Add ease_0_100 (the mean on 0–100, 100 = easiest)")
	}
	cmd.MarkFlagsMutuallyExclusive("score-col", "event")
	return cmd
}

// surveyExcluded counts answers left out.
type surveyExcluded struct {
	NotAnswers int64 `json:"not_answers"` // partial/preview responses, unrated conversations, offered ratings
	Missing    int64 `json:"missing"`
	Invalid    int64 `json:"invalid"`
	Duplicates int64 `json:"duplicates"`
	OutOfRange int64 `json:"out_of_range"`
}

// surveyGroup is one group's figures (all answers, a segment or a period),
// written as the figures' own fields plus "periods" when there is a trend.
type surveyGroup struct {
	Figures  any
	Warnings []metrics.Warning
	Periods  []labeled
	trend    bool
	excluded *surveyExcluded
	n        int64
}

type labeled struct {
	Label   string
	Figures any
}

func (g surveyGroup) MarshalJSON() ([]byte, error) {
	var extra []any
	if g.excluded != nil {
		extra = append(extra, "excluded", g.excluded)
	}
	if g.trend {
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

// CSATFigures are the JSON figures of csat.
type CSATFigures struct {
	N            int64              `json:"n"`
	CSAT         metrics.Proportion `json:"csat"`
	Mean         *float64           `json:"mean"`
	MeanCI       *metrics.Interval  `json:"mean_ci"`
	SD           *float64           `json:"sd"`
	Median       *float64           `json:"median"`
	Distribution []metrics.Count    `json:"distribution"`
	Scale        metrics.Scale      `json:"scale"`
}

// CESFigures are the JSON figures of ces.
type CESFigures struct {
	N            int64              `json:"n"`
	Mean         *float64           `json:"mean"`
	MeanCI       *metrics.Interval  `json:"mean_ci"`
	SD           *float64           `json:"sd"`
	Median       *float64           `json:"median"`
	PctEasy      metrics.Proportion `json:"pct_easy"`
	Ease0100     *float64           `json:"ease_0_100,omitempty"`
	Distribution []metrics.Count    `json:"distribution"`
	Scale        metrics.Scale      `json:"scale"`
}

// scale returns the declared scale of a survey command.
func (o *SurveyOptions) scale() (metrics.Scale, error) {
	name := o.Scale
	if o.Kind == "nps" {
		name = "nps"
	}
	s, _ := metrics.ScaleNamed(name)
	if o.Kind == "nps" {
		s.Name = "0-10"
	}
	if o.SatisfiedMin != 0 {
		if o.SatisfiedMin <= s.Min || o.SatisfiedMin > s.Max {
			return s, usageErrorf("--satisfied-min %d: want a score above %d and at most %d on the %s scale", o.SatisfiedMin, s.Min, s.Max, s.Name)
		}
		s.BoxLow = o.SatisfiedMin
		s.BoxHigh = s.Max
	}
	return s, nil
}

// compute returns one group's figures and warnings.
func (o *SurveyOptions) compute(as []metrics.Answer, s metrics.Scale, level float64) (any, []metrics.Warning, int64) {
	switch o.Kind {
	case "nps":
		method := "adjusted_wald"
		if o.NPSCI == "wald" {
			method = "wald"
		}
		r := metrics.NPS(as, level, method)
		return r, metrics.SurveyWarnings("nps", r.N, nil), r.N
	case "csat":
		r := metrics.Rating(as, s, level, false)
		return CSATFigures{N: r.N, CSAT: r.Box, Mean: r.Mean, MeanCI: r.MeanCI, SD: r.SD, Median: r.Median, Distribution: r.Distribution, Scale: r.Scale},
			metrics.SurveyWarnings("csat", r.N, &r.Box), r.N
	default:
		r := metrics.Rating(as, s, level, o.Normalize)
		return CESFigures{N: r.N, Mean: r.Mean, MeanCI: r.MeanCI, SD: r.SD, Median: r.Median, PctEasy: r.Box, Ease0100: r.Ease0100, Distribution: r.Distribution, Scale: r.Scale},
			metrics.SurveyWarnings("ces", r.N, &r.Box), r.N
	}
}

func (o *SurveyOptions) group(as []metrics.Answer, s metrics.Scale, level float64, cal *metrics.Calendar) surveyGroup {
	fig, ws, n := o.compute(as, s, level)
	g := surveyGroup{Figures: fig, Warnings: ws, trend: cal != nil, Periods: []labeled{}, n: n}
	if cal != nil {
		labels, groups, _ := metrics.SurveyPeriods(as, *cal)
		for i, l := range labels {
			f, pw, _ := o.compute(groups[i], s, level)
			g.Periods = append(g.Periods, labeled{Label: l, Figures: f})
			g.Warnings = append(g.Warnings, prefixWarnings(pw, l)...)
		}
	}
	return g
}

// rawAnswer is an answer before its score is checked.
type rawAnswer struct {
	respondent, score, segment, source string
	t                                  int64
	hasTime                            bool
}

func runSurvey(opts *SurveyOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	scale, err := opts.scale()
	if err != nil {
		return err
	}
	if len(opts.Input.Where) > 0 && opts.Event == "" && !opts.Input.Demo {
		return usageErrorf("--where filters event exports; for a survey file, filter it first (or use --by)")
	}
	cal := periodFlags{Period: opts.Period, WeekStart: opts.WeekStart}.optional(r.loc)
	raws, in, skipSamples, naive, err := opts.readAnswers()
	if err != nil {
		return err
	}
	if opts.fixedScale != "" && !opts.scaleSet {
		scale, _ = metrics.ScaleNamed(opts.fixedScale) // the export fixes it (Zendesk: good/bad)
	}
	if cal != nil && len(raws) > 0 && !raws[0].hasTime && !slices.ContainsFunc(raws, func(a rawAnswer) bool { return a.hasTime }) {
		return usageErrorf("--period needs a time column; none was found (name it with --time-col)")
	}
	var ex surveyExcluded
	var answers []metrics.Answer
	rng := r.rng(0)
	for i, a := range raws {
		v, st, msg := metrics.ParseScore(a.score, scale)
		switch st {
		case metrics.ScoreMissing:
			ex.Missing++
			continue
		case metrics.ScoreInvalid:
			e := fmt.Errorf("%s: %s", a.source, msg)
			if opts.Input.OnInvalid != "skip" {
				return e
			}
			ex.Invalid++
			if len(skipSamples) < 5 {
				skipSamples = append(skipSamples, e.Error())
			}
			continue
		}
		if a.hasTime && !rng.Contains(a.t) || !a.hasTime && (r.from != nil || r.to != nil) {
			ex.OutOfRange++
			continue
		}
		answers = append(answers, metrics.Answer{Respondent: a.respondent, Time: a.t, HasTime: a.hasTime, Score: v, Segment: a.segment, Order: i})
	}
	answers, ex.Duplicates = metrics.Dedupe(answers, opts.Dedupe, cal)
	ex.NotAnswers = opts.notAnswers
	in.Duplicates = ex.Duplicates
	respondents := map[string]bool{}
	for _, a := range answers {
		respondents[a.Respondent] = true
	}
	in.Users = int64(len(respondents))
	var segVals []string // each answer's --by value
	if r.By != "" {
		for _, a := range answers {
			segVals = append(segVals, a.Segment)
		}
	}
	all := make([]int32, len(answers))
	for i := range all {
		all[i] = int32(i)
	}
	res, warnings := bySegment(all, r.By, segments(segVals),
		func(idx []int32) surveyGroup {
			as := make([]metrics.Answer, len(idx))
			for i, j := range idx {
				as[i] = answers[j]
			}
			return opts.group(as, scale, r.Conf, cal)
		},
		func(g surveyGroup) []metrics.Warning { return g.Warnings })
	res.Overall.excluded = &ex
	ws := append(naiveWarning(naive, opts.Input.AssumeTZ), opts.Input.missing...)
	ws = append(ws, opts.renamed...)
	if ex.Invalid > 0 {
		ws = append(ws, report.Warning{Code: "invalid_scores", Message: fmt.Sprintf("%s answers were not whole numbers on the %s scale and were skipped; first: %s", report.Thousands(ex.Invalid), scale.Name, skipSamples[0])})
	} else if len(skipSamples) > 0 {
		ws = append(ws, report.Warning{Code: "skipped_rows", Message: fmt.Sprintf("rows skipped (--on-invalid skip); first: %s", skipSamples[0])})
	}
	if ex.Missing > 0 {
		ws = append(ws, report.Warning{Code: "missing_answers", Message: fmt.Sprintf("%s rows had no answer (empty or NA) and were left out", report.Thousands(ex.Missing))})
	}
	ws = append(ws, sameFileWarnings(opts.sameFiles, "answers")...)
	for _, w := range warnings {
		ws = append(ws, report.Warning{Code: w.Code, Message: w.Message})
	}
	params := map[string]any{"score_col": opts.ScoreCol, "event": opts.Event, "score_prop": opts.ScoreProp, "period": opts.Period,
		"week_start": opts.WeekStart, "survey_dedupe": opts.Dedupe, "scale": scale.Name, "tz": r.TZ, "conf": r.Conf, "by": r.By,
		"from": nullable(r.from), "to": nullable(r.to), "since": nullable(r.sinc), "as_of": nil}
	switch opts.Kind {
	case "nps":
		params["nps_ci"] = opts.NPSCI
	case "csat":
		params["satisfied_min"] = scale.BoxLow
	case "ces":
		params["normalize"] = opts.Normalize
	}
	asOf := ""
	if r.asOf != nil {
		asOf = r.asOf.Format(time.RFC3339Nano)
		params["as_of"] = r.asOf.UTC().Format(time.RFC3339Nano)
	} else if t, ok := lastTime(raws); ok {
		asOf = time.Unix(0, t+1).In(r.loc).Format(time.RFC3339Nano)
		params["as_of"] = time.Unix(0, t+1).UTC().Format(time.RFC3339Nano)
	}
	env := report.Envelope{Metric: opts.Kind, Params: params, Input: in, AsOf: asOf, TZ: r.TZ, Result: res, Warnings: ws}
	return r.Out.write(opts.IO, env, opts.doc(res, ex, scale), r.loc)
}

func lastTime(raws []rawAnswer) (int64, bool) {
	var last int64
	ok := false
	for _, a := range raws {
		if a.hasTime && (!ok || a.t > last) {
			last, ok = a.t, true
		}
	}
	return last, ok
}

// readAnswers reads survey files, or the answer events of an event export.
func (o *SurveyOptions) readAnswers() ([]rawAnswer, report.Input, []string, int64, error) {
	r := &o.Report
	event := o.Event
	if event == "" && o.Input.Demo {
		event = surveyDefaults[o.Kind].event
	}
	if event != "" {
		need := ingest.Need{Events: []string{event}, EventProps: []string{o.ScoreProp}, EventSources: true}
		o.Input.refer("--event", eventRef, event)
		o.Input.refer("--score-prop", propertyRef, o.ScoreProp)
		d, _, err := r.read(o.IO, &o.Input, o.Args, need)
		if err != nil {
			return nil, report.Input{}, nil, 0, err
		}
		scores := d.EventProps[o.ScoreProp]
		out := make([]rawAnswer, len(d.Events))
		for i, e := range d.Events {
			out[i] = rawAnswer{respondent: d.Users[e.User], score: scores[i], t: e.Time, hasTime: true, source: d.EventSources[i]}
			if r.By != "" {
				out[i].segment = d.UserProps[r.By][e.User]
			}
		}
		if len(out) == 0 {
			return nil, report.Input{}, nil, 0, fmt.Errorf("no %q events in the input (see 'uptake inspect' for the event names)", event)
		}
		o.sameFiles = d.Stats.SameFiles()
		return out, inputSummary(d), d.Stats.SkipSamples, d.Stats.Naive, nil
	}
	ins, err := o.Input.inputs(o.Args, o.IO.In)
	if err != nil {
		return nil, report.Input{}, nil, 0, err
	}
	loc, err := loadZone(o.Input.AssumeTZ, "--assume-tz")
	if err != nil {
		return nil, report.Input{}, nil, 0, err
	}
	s, err := ingest.ReadSurvey(ins, ingest.SurveyOptions{Metric: o.Kind, ScoreCol: o.ScoreCol, UserCol: o.Input.UserCol,
		TimeCol: o.Input.TimeCol, SegmentCol: r.By, AssumeTZ: loc, SkipInvalid: o.Input.OnInvalid == "skip"})
	if err != nil {
		return nil, report.Input{}, nil, 0, err
	}
	in := report.Input{Files: []string{}, Format: "csv", Vendor: "generic"}
	var out []rawAnswer
	for i, f := range s.Files {
		in.Files = append(in.Files, f.Name)
		in.Rows += f.Rows
		in.Skipped += f.Skipped
		o.notAnswers += f.NotAnswers
		o.renamed = append(o.renamed, renameWarnings(f.Name, f.Renamed)...)
		if i == 0 {
			in.Vendor = f.Vendor
		}
	}
	o.fixedScale = s.Scale
	o.sameFiles = s.SameFiles()
	for _, row := range s.Rows {
		if row.HasTime && ((r.sinc != nil && row.Time < r.sinc.UnixNano()) || (r.asOf != nil && row.Time >= r.asOf.UnixNano())) {
			continue
		}
		out = append(out, rawAnswer{respondent: row.Respondent, score: row.Score, segment: row.Segment, t: row.Time, hasTime: row.HasTime, source: row.Source + ": column \"" + s.Files[0].Score.Column() + "\""})
	}
	return out, in, s.SkipSamples, s.Naive, nil
}

// doc renders a survey result for people.
func (o *SurveyOptions) doc(res segmented[surveyGroup], ex surveyExcluded, s metrics.Scale) report.Doc {
	title := map[string]string{"nps": "NPS", "csat": "CSAT", "ces": "CES"}[o.Kind]
	doc := report.Doc{Title: fmt.Sprintf("%s (%s scale)", title, s.Name)}
	head, cols, row := o.figureRow(s)
	for _, kv := range head(res.Overall.Figures) {
		doc.Add(kv[0], kv[1])
	}
	doc.Add("left out", fmt.Sprintf("%s missing (empty/NA), %s invalid, %s repeat answers (%s per respondent), %s outside --from/--to",
		report.Thousands(ex.Missing), report.Thousands(ex.Invalid), report.Thousands(ex.Duplicates), o.Dedupe, report.Thousands(ex.OutOfRange)))
	if ex.NotAnswers > 0 {
		doc.Summary[len(doc.Summary)-1][1] += fmt.Sprintf("; %s rows that are not answers (partial, preview, unrated)", report.Thousands(ex.NotAnswers))
	}
	dist := report.Table{Title: "Distribution", Columns: []report.Column{{Key: "score", Kind: report.Int}, {Key: "count", Kind: report.Int},
		{Key: "share", Kind: report.Percent}, {Key: "bar", Header: ""}}}
	var counts []metrics.Count
	var n int64
	switch f := res.Overall.Figures.(type) {
	case metrics.NPSResult:
		counts, n = f.Distribution, f.N
	case CSATFigures:
		counts, n = f.Distribution, f.N
	case CESFigures:
		counts, n = f.Distribution, f.N
	}
	var maxc int64
	for _, c := range counts {
		maxc = max(maxc, c.Count)
	}
	for _, c := range counts {
		bar := ""
		if maxc > 0 {
			bar = strings.Repeat("█", int((c.Count*30+maxc-1)/maxc))
		}
		dist.Rows = append(dist.Rows, []any{c.Score, c.Count, frac(c.Count, n), bar})
	}
	doc.Tables = append(doc.Tables, dist)
	csvCols := []report.Column{{Key: "score", Kind: report.Int}, {Key: "count", Kind: report.Int}, {Key: "share", Kind: report.Percent}}
	csvTable := report.Table{Columns: csvCols}
	for _, r := range dist.Rows {
		csvTable.Rows = append(csvTable.Rows, r[:3])
	}
	doc.CSV = &csvTable
	if res.Overall.trend {
		t := report.Table{Title: "By " + o.Period, Columns: append([]report.Column{{Key: "period"}}, cols...)}
		for _, p := range res.Overall.Periods {
			t.Rows = append(t.Rows, append([]any{p.Label}, row(p.Figures)...))
		}
		doc.Tables = append(doc.Tables, t)
		doc.CSV = &t
	}
	if len(res.Segments) > 0 {
		t := report.Table{Title: "By " + o.Report.By, Columns: append([]report.Column{{Key: "segment"}}, cols...)}
		for _, sg := range res.Segments {
			t.Rows = append(t.Rows, append([]any{sg.Name}, row(sg.Result.Figures)...))
		}
		doc.Tables = append(doc.Tables, t)
		doc.CSV = &t
	}
	return doc
}

// figureRow returns how a group's figures read: summary lines, table
// columns, and a table row.
func (o *SurveyOptions) figureRow(s metrics.Scale) (func(any) [][2]string, []report.Column, func(any) []any) {
	pts := func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	switch o.Kind {
	case "nps":
		cols := []report.Column{{Key: "n", Kind: report.Int}, {Key: "nps", Kind: report.Points}, {Key: "ci_low", Header: "ci low", Kind: report.Points},
			{Key: "ci_high", Header: "ci high", Kind: report.Points}, {Key: "promoters", Kind: report.Int}, {Key: "passives", Kind: report.Int},
			{Key: "detractors", Kind: report.Int}}
		row := func(f any) []any {
			r := f.(metrics.NPSResult)
			var lo, hi *float64
			if r.CI != nil {
				lo, hi = &r.CI.Low, &r.CI.High
			}
			return []any{r.N, r.NPS, lo, hi, r.Promoters, r.Passives, r.Detractors}
		}
		head := func(f any) [][2]string {
			r := f.(metrics.NPSResult)
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
			return [][2]string{{"NPS", pts(r.NPS) + " " + ci}, {"answers", report.Thousands(r.N)},
				{"promoters (9–10)", report.Thousands(r.Promoters) + " (" + share("promoters") + ")"},
				{"passives (7–8)", report.Thousands(r.Passives) + " (" + share("passives") + ")"},
				{"detractors (0–6)", report.Thousands(r.Detractors) + " (" + share("detractors") + ")"}}
		}
		return head, cols, row
	case "csat":
		cols := append(append([]report.Column{{Key: "n", Kind: report.Int}}, metrics.CICols("csat")...), report.Column{Key: "mean", Kind: report.Float})
		row := func(f any) []any {
			r := f.(CSATFigures)
			return append(append([]any{r.N}, metrics.CIVals(r.CSAT)...), r.Mean)
		}
		head := func(f any) [][2]string {
			r := f.(CSATFigures)
			return [][2]string{{"CSAT", fmt.Sprintf("%s of answers at %d–%d", metrics.PropText(r.CSAT), s.BoxLow, s.BoxHigh)},
				{"mean", meanText(r.Mean, r.MeanCI, r.N)}}
		}
		return head, cols, row
	default:
		cols := append([]report.Column{{Key: "n", Kind: report.Int}, {Key: "mean", Kind: report.Float}}, metrics.CICols("pct_easy")...)
		row := func(f any) []any {
			r := f.(CESFigures)
			return append([]any{r.N, r.Mean}, metrics.CIVals(r.PctEasy)...)
		}
		head := func(f any) [][2]string {
			r := f.(CESFigures)
			out := [][2]string{{"mean", meanText(r.Mean, r.MeanCI, r.N) + ", " + strings.ReplaceAll(s.Direction, "_", " ")},
				{"easy", fmt.Sprintf("%s of answers at %d–%d", metrics.PropText(r.PctEasy), s.BoxLow, s.BoxHigh)}}
			if r.Ease0100 != nil {
				out = append(out, [2]string{"ease 0–100", strconv.FormatFloat(*r.Ease0100, 'f', 1, 64)})
			}
			return out
		}
		return head, cols, row
	}
}

func meanText(m *float64, ci *metrics.Interval, n int64) string {
	if m == nil {
		return "– (no answers)"
	}
	if ci == nil {
		return fmt.Sprintf("%.2f (n = %d: no interval)", *m, n)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f] (t, %s)", *m, ci.Low, ci.High, report.Pct(ci.Level))
}
