package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// Scale is a survey question's answer scale (docs/metrics.md#csat, #ces).
type Scale struct {
	Name         string `json:"scale"`
	Min          int    `json:"min"`
	Max          int    `json:"max"`
	HigherBetter bool   `json:"higher_is_better"`
	BoxLow       int    `json:"positive_box_low"` // the good-end box, inclusive
	BoxHigh      int    `json:"positive_box_high"`
	Direction    string `json:"direction"`
}

// Scales by name. CSAT scales take their top two points as the positive
// box; CES scales their easy end.
var Scales = map[string]Scale{
	"nps":      {Name: "0-10", Min: 0, Max: 10, HigherBetter: true, BoxLow: 9, BoxHigh: 10},
	"1-5":      {Name: "1-5", Min: 1, Max: 5, HigherBetter: true, BoxLow: 4, BoxHigh: 5},
	"1-7":      {Name: "1-7", Min: 1, Max: 7, HigherBetter: true, BoxLow: 6, BoxHigh: 7},
	"1-10":     {Name: "1-10", Min: 1, Max: 10, HigherBetter: true, BoxLow: 9, BoxHigh: 10},
	"0-10":     {Name: "0-10", Min: 0, Max: 10, HigherBetter: true, BoxLow: 9, BoxHigh: 10},
	"7-agree":  {Name: "7-agree", Min: 1, Max: 7, HigherBetter: true, BoxLow: 5, BoxHigh: 7},
	"5-agree":  {Name: "5-agree", Min: 1, Max: 5, HigherBetter: true, BoxLow: 4, BoxHigh: 5},
	"5-effort": {Name: "5-effort", Min: 1, Max: 5, HigherBetter: false, BoxLow: 1, BoxHigh: 2},
	"7-effort": {Name: "7-effort", Min: 1, Max: 7, HigherBetter: false, BoxLow: 1, BoxHigh: 3},
	// Zendesk's satisfaction ratings: good (1) or bad (0); CSAT = good / (good + bad)
	"good-bad": {Name: "good-bad", Min: 0, Max: 1, HigherBetter: true, BoxLow: 1, BoxHigh: 1},
}

// ScaleNamed returns a scale with its direction spelled out.
func ScaleNamed(name string) (Scale, bool) {
	s, ok := Scales[name]
	s.Direction = "higher_is_better"
	if !s.HigherBetter {
		s.Direction = "lower_is_better"
	}
	return s, ok
}

// ScoreStatus is what a raw answer turned out to be.
type ScoreStatus int

// Score statuses.
const (
	ScoreOK         ScoreStatus = iota
	ScoreMissing                // empty, NA, N/A, null, -: no answer
	ScoreInvalid                // not a whole number: rejected
	ScoreOutOfScale             // a whole number off the scale: rejected, never clamped
)

// ParseScore reads a raw answer on a scale. "9.0" is 9; "9.5", "11", "0x9"
// and "nine" are invalid (with the reason in msg).
func ParseScore(raw string, s Scale) (v int, st ScoreStatus, msg string) {
	t := strings.TrimSpace(raw)
	switch strings.ToLower(t) {
	case "", "na", "n/a", "nan", "null", "none", "-":
		return 0, ScoreMissing, ""
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xXpP_") || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, ScoreInvalid, fmt.Sprintf("score %q is not a number", raw)
	}
	if f != math.Trunc(f) {
		return 0, ScoreInvalid, fmt.Sprintf("score %q is not a whole number on the %d–%d scale", raw, s.Min, s.Max)
	}
	if f < float64(s.Min) || f > float64(s.Max) {
		return 0, ScoreOutOfScale, fmt.Sprintf("score %q is outside the %d–%d scale", raw, s.Min, s.Max)
	}
	return int(f), ScoreOK, ""
}

// Answer is one valid survey answer.
type Answer struct {
	Respondent string // "" = anonymous: every row is its own respondent
	Time       int64  // Unix ns; meaningful when HasTime
	HasTime    bool
	Score      int
	Segment    string
	Order      int // input order, to break ties
}

// Dedupe keeps one answer per respondent per period (per whole range when
// cal is nil): the latest or the first by time, then input order; "all"
// keeps everything. It returns the kept answers and how many were dropped.
func Dedupe(answers []Answer, mode string, cal *Calendar) ([]Answer, int64) {
	if mode == "all" {
		return answers, 0
	}
	type key struct {
		r string
		p int
	}
	best := make(map[key]int, len(answers))
	later := func(a, b Answer) bool { // a after b
		if a.HasTime && b.HasTime && a.Time != b.Time {
			return a.Time > b.Time
		}
		return a.Order > b.Order
	}
	out := make([]Answer, 0, len(answers))
	for i, a := range answers {
		if a.Respondent == "" {
			out = append(out, a)
			continue
		}
		k := key{r: a.Respondent}
		if cal != nil && a.HasTime {
			k.p = cal.Index(a.Time)
		}
		j, ok := best[k]
		if !ok {
			best[k] = i
			continue
		}
		if (mode == "latest") == later(a, answers[j]) {
			best[k] = i
		}
	}
	idx := make([]int, 0, len(best))
	for _, i := range best {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		out = append(out, answers[i])
	}
	slices.SortStableFunc(out, func(a, b Answer) int { return a.Order - b.Order })
	return out, int64(len(answers) - len(out))
}

// Count is the number of answers at one scale point.
type Count struct {
	Score int   `json:"score"`
	Count int64 `json:"count"`
}

func distribution(answers []Answer, s Scale) []Count {
	out := make([]Count, s.Max-s.Min+1)
	for i := range out {
		out[i].Score = s.Min + i
	}
	for _, a := range answers {
		out[a.Score-s.Min].Count++
	}
	return out
}

// NPSCI is an NPS interval in points.
type NPSCI struct {
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Level  float64 `json:"level"`
	Method string  `json:"method"`
	Centre float64 `json:"centre"`
	SE     float64 `json:"se"`
}

// NPSResult is a Net Promoter Score.
type NPSResult struct {
	NPS          *float64            `json:"nps"`
	N            int64               `json:"n"`
	Promoters    int64               `json:"promoters"`
	Passives     int64               `json:"passives"`
	Detractors   int64               `json:"detractors"`
	Shares       map[string]*float64 `json:"shares"`
	SE           *float64            `json:"se"`
	CI           *NPSCI              `json:"ci"`
	Distribution []Count             `json:"distribution"`
}

// NPSWald is the Wald or adjusted-Wald interval (docs/metrics.md#nps-intervals) for P
// promoters and D detractors out of n, in points, clipped to ±100; nil when
// n = 0.
//
// The adjusted-Wald interval is centred on the shrunken score of
// (P+¾, D+¾)/(n+3), while the score reported with it is the observed NPS.
// With few answers or shares near 0% or 100% the shrinkage moves the centre
// further than the half-width (one promoter: score 100, centre 25 ± 73.5),
// and the interval would leave out the very score it goes with. The bound
// on the score's side is then moved out to the score. The interval only
// grows, so it covers at least as often as the method does; Centre and SE
// stay as computed; and an interval that already holds the score (every
// large-n case) is unchanged. Clamping the score into the interval instead
// would report a number that is not the observed NPS, and re-centring on
// the score would throw the adjustment away.
func NPSWald(p, d, n int64, z float64, adjusted bool) *NPSCI {
	if n <= 0 {
		return nil
	}
	score := 100 * float64(p-d) / float64(n)
	nf, pf, df := float64(n), float64(p), float64(d)
	method := "wald"
	if adjusted {
		nf, pf, df, method = nf+3, pf+0.75, df+0.75, "adjusted_wald"
	}
	ps, ds := pf/nf, df/nf
	centre := 100 * (ps - ds)
	se := 100 * math.Sqrt(math.Max(0, ps+ds-(ps-ds)*(ps-ds))/nf)
	lo := math.Min(score, math.Max(-100, centre-z*se))
	hi := math.Max(score, math.Min(100, centre+z*se))
	return &NPSCI{Low: lo, High: hi, Method: method, Centre: centre, SE: se}
}

// NPS scores 0–10 answers: promoters 9–10, passives 7–8, detractors 0–6.
func NPS(answers []Answer, level float64, method string) NPSResult {
	s := Scales["nps"]
	r := NPSResult{N: int64(len(answers)), Distribution: distribution(answers, s), Shares: map[string]*float64{}}
	for _, a := range answers {
		switch npsGroup(a.Score) {
		case promoter:
			r.Promoters++
		case passive:
			r.Passives++
		default:
			r.Detractors++
		}
	}
	r.Shares["promoters"] = ratio(r.Promoters, r.N)
	r.Shares["passives"] = ratio(r.Passives, r.N)
	r.Shares["detractors"] = ratio(r.Detractors, r.N)
	if r.N == 0 {
		return r
	}
	nps := 100 * float64(r.Promoters-r.Detractors) / float64(r.N)
	r.NPS = &nps
	r.SE = Ptr(NPSWald(r.Promoters, r.Detractors, r.N, Z(level), false).SE)
	r.CI = NPSWald(r.Promoters, r.Detractors, r.N, Z(level), method != "wald")
	r.CI.Level = level
	return r
}

// NPS groups.
const (
	promoter  = "promoter"
	passive   = "passive"
	detractor = "detractor"
)

// npsGroup is the group a 0–10 score counts in.
func npsGroup(score int) string {
	switch {
	case score >= 9:
		return promoter
	case score >= 7:
		return passive
	}
	return detractor
}

// inBox reports whether a score counts in the scale's positive box.
func (s Scale) inBox(score int) bool { return score >= s.BoxLow && score <= s.BoxHigh }

// RatingResult is a CSAT or CES summary: the positive-box share (top-2-box
// for CSAT, the easy end for CES), the mean with its t-interval, and the
// distribution.
type RatingResult struct {
	N            int64      `json:"n"`
	Box          Proportion `json:"box"`
	Mean         *float64   `json:"mean"`
	MeanCI       *Interval  `json:"mean_ci"`
	SD           *float64   `json:"sd"`
	Median       *float64   `json:"median"`
	Ease0100     *float64   `json:"ease_0_100,omitempty"`
	Distribution []Count    `json:"distribution"`
	Scale        Scale      `json:"scale"`
}

// Rating summarises answers on a scale; normalize adds ease_0_100 (the mean
// mapped to 0–100 with 100 at the good end).
func Rating(answers []Answer, s Scale, level float64, normalize bool) RatingResult {
	r := RatingResult{N: int64(len(answers)), Distribution: distribution(answers, s), Scale: s}
	vals := make([]float64, len(answers))
	var box int64
	for i, a := range answers {
		vals[i] = float64(a.Score)
		if s.inBox(a.Score) {
			box++
		}
	}
	r.Box = NewProportion(box, r.N, level)
	// sorted first: the mean and SD are then the same to the last bit
	// whatever order the answers came in (and from a distribution's counts)
	slices.Sort(vals)
	m := NewMean(vals, level, float64(s.Min), float64(s.Max))
	r.Mean, r.SD, r.MeanCI = m.Mean, m.SD, m.CI
	if len(vals) > 0 {
		r.Median = Ptr(Median(vals))
		if normalize {
			span := float64(s.Max - s.Min)
			e := (*r.Mean - float64(s.Min)) / span * 100
			if !s.HigherBetter {
				e = (float64(s.Max) - *r.Mean) / span * 100
			}
			r.Ease0100 = &e
		}
	}
	return r
}

// SurveyWarnings are the small-sample warnings for a survey
// figure named what. box is a rating's positive-box share; it is nil for
// NPS, whose score is not a mean and whose interval needs no second answer.
func SurveyWarnings(what string, n int64, box *Proportion) []Warning {
	var ws []Warning
	point := "the score"
	if box != nil {
		point = "the point"
	}
	switch {
	case n == 0:
		ws = append(ws, Warning{Code: "empty_denominator", Message: what + ": no valid answers"})
	case n < 2 && box != nil:
		ws = append(ws, Warning{Code: "small_sample", Message: fmt.Sprintf("%s: n = %d; the mean has no interval (it needs at least 2 answers)", what, n)})
	case n < 30:
		ws = append(ws, Warning{Code: "small_sample", Message: fmt.Sprintf("%s: n = %d is below 30; read the interval, not %s", what, n, point)})
	}
	if box != nil && n > 0 && (box.Numerator < 5 || n-box.Numerator < 5) {
		ws = append(ws, Warning{Code: "sparse_counts", Message: fmt.Sprintf("%s: %d of %d in the positive box; fewer than 5 on one side", what, box.Numerator, n)})
	}
	return ws
}

// SurveyPeriods groups answers by calendar period; answers without a time
// cannot be placed and are counted apart.
func SurveyPeriods(answers []Answer, cal Calendar) (labels []string, groups [][]Answer, untimed int64) {
	starts := map[int]time.Time{}
	byKey := map[int][]Answer{}
	for _, a := range answers {
		if !a.HasTime {
			untimed++
			continue
		}
		k := cal.Index(a.Time)
		if _, ok := starts[k]; !ok {
			starts[k] = cal.Start(a.Time)
		}
		byKey[k] = append(byKey[k], a)
	}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		labels = append(labels, cal.Label(starts[k]))
		groups = append(groups, byKey[k])
	}
	return labels, groups, untimed
}

// AnswerSource says where a metric's survey answers are read from
// (Needs.Answers): the Event events of an event export (DemoEvent with the
// built-in sample when Event is ""), whose ScoreProp holds the score; or,
// when there is no event, survey files of one answer per row, whose score
// column is ScoreCol or is found by the header names of Kind (nps, csat,
// ces).
type AnswerSource struct {
	Event, DemoEvent, ScoreProp string
	ScoreCol, Kind              string
}

// RawAnswer is one answer as read: the score is still text, so that a
// metric can tell missing from invalid on its own scale and name the line.
type RawAnswer struct {
	Respondent string // "" = anonymous: its own respondent
	Score      string
	Segment    string // the --by value: the file's column, or the user's property
	Source     string // where it was read, for errors: "file:line…"
	Time       int64  // Unix ns; meaningful when HasTime
	HasTime    bool
}

// Answers are a metric's survey answers (Run.Answers). The read fills the
// first fields; the metric's Prepare checks the scores into the rest.
type Answers struct {
	Rows        []RawAnswer // in input order, within --since and --as-of
	Files       bool        // read from survey files, not answer events
	Fixed       string      // the scale the export itself fixes, or ""
	NotAnswers  int64       // rows that are not answers: partial, preview, unrated
	SkipSamples []string    // rows skipped by --on-invalid skip, the first few
	SkipInvalid bool        // --on-invalid skip: count invalid scores instead of failing

	Scale    Scale    // the scale in force
	Valid    []Answer // the answers counted, one per respondent and period (--survey-dedupe)
	Excluded SurveyExcluded
	// Status is each row's fate: valid (in Valid), missing, invalid,
	// out_of_scale (both counted as invalid), out_of_range, duplicate.
	Status []string
}

// SurveyExcluded counts answers left out.
type SurveyExcluded struct {
	NotAnswers int64 `json:"not_answers"` // partial/preview responses, unrated conversations, offered ratings
	Missing    int64 `json:"missing"`
	Invalid    int64 `json:"invalid"`
	Duplicates int64 `json:"duplicates"`
	OutOfRange int64 `json:"out_of_range"`
}

// Check reads the scores on scale s (or on the export's own, unless
// given), leaves out missing answers, invalid ones (an error naming the
// line unless SkipInvalid) and those outside rng, then keeps one answer
// per respondent and period of cal (mode: latest, first, all).
func (a *Answers) Check(s Scale, given bool, rng Range, mode string, cal *Calendar) error {
	if a.Fixed != "" && !given {
		s, _ = ScaleNamed(a.Fixed) // Zendesk: good/bad
	}
	a.Scale = s
	if cal != nil && len(a.Rows) > 0 && !slices.ContainsFunc(a.Rows, func(r RawAnswer) bool { return r.HasTime }) {
		return &UsageError{fmt.Errorf("--period needs a time column; none was found (name it with --time-col)")}
	}
	ex := SurveyExcluded{NotAnswers: a.NotAnswers}
	kept := make([]Answer, 0, len(a.Rows))
	a.Status = make([]string, len(a.Rows))
	for i, r := range a.Rows {
		v, st, msg := ParseScore(r.Score, s)
		switch st {
		case ScoreMissing:
			ex.Missing++
			a.Status[i] = "missing"
			continue
		case ScoreInvalid, ScoreOutOfScale:
			e := fmt.Errorf("%s: %s", r.Source, msg)
			if !a.SkipInvalid {
				return e
			}
			ex.Invalid++
			if len(a.SkipSamples) < 5 {
				a.SkipSamples = append(a.SkipSamples, e.Error())
			}
			a.Status[i] = "invalid"
			if st == ScoreOutOfScale {
				a.Status[i] = "out_of_scale"
			}
			continue
		}
		if r.HasTime && !rng.Contains(r.Time) || !r.HasTime && (rng.From != nil || rng.To != nil) {
			ex.OutOfRange++
			a.Status[i] = "out_of_range"
			continue
		}
		a.Status[i] = "duplicate" // unless Dedupe keeps it
		kept = append(kept, Answer{Respondent: r.Respondent, Time: r.Time, HasTime: r.HasTime, Score: v, Segment: r.Segment, Order: i})
	}
	a.Valid, ex.Duplicates = Dedupe(kept, mode, cal)
	for _, v := range a.Valid {
		a.Status[v.Order] = "valid"
	}
	a.Excluded = ex
	return nil
}

// Units are the valid answers as a metric's units: all of them, and with
// --by their segments.
func (a *Answers) Units(by string) ([]int32, []Segment) {
	all := AllUsers(len(a.Valid))
	if by == "" {
		return all, nil
	}
	vals := make([]string, len(a.Valid))
	for i, v := range a.Valid {
		vals[i] = v.Segment
	}
	return all, Segments(vals)
}

// Respondents counts the distinct respondents of the valid answers (the
// anonymous ones as one).
func (a *Answers) Respondents() int64 {
	seen := map[string]bool{}
	for _, v := range a.Valid {
		seen[v.Respondent] = true
	}
	return int64(len(seen))
}

// Last is the time of the latest answer read, if any has one.
func (a *Answers) Last() (int64, bool) {
	var last int64
	ok := false
	for _, r := range a.Rows {
		if r.HasTime && (!ok || r.Time > last) {
			last, ok = r.Time, true
		}
	}
	return last, ok
}

// Warnings are the caveats of the answers left out.
func (a *Answers) Warnings() []Warning {
	var ws []Warning
	if ex := a.Excluded; ex.Invalid > 0 {
		ws = append(ws, Warning{Code: "invalid_scores", Message: fmt.Sprintf("%s answers were not whole numbers on the %s scale and were skipped; first: %s",
			report.Thousands(ex.Invalid), a.Scale.Name, a.SkipSamples[0])})
	} else if len(a.SkipSamples) > 0 {
		ws = append(ws, Warning{Code: "skipped_rows", Message: fmt.Sprintf("rows skipped (--on-invalid skip); first: %s", a.SkipSamples[0])})
	}
	if n := a.Excluded.Missing; n > 0 {
		ws = append(ws, Warning{Code: "missing_answers", Message: fmt.Sprintf("%s rows had no answer (empty or NA) and were left out", report.Thousands(n))})
	}
	return ws
}

// SurveySettings are the settings nps, csat and ces share (their
// definitions and views: survey_view.go).
type SurveySettings struct {
	ScoreCol  string `flag:"score-col" json:"score_col"`
	Event     string `flag:"event" json:"event"`
	ScoreProp string `flag:"score-prop" usage:"Event export: the property holding the score" json:"score_prop"`
	Period    string `flag:"period" enum:",week,month" usage:"Add a trend: one row per period" json:"period"`
	WeekStart string `flag:"week-start" enum:"monday,sunday" usage:"First day of a week" json:"week_start"`
	Dedupe    string `flag:"survey-dedupe" enum:"latest,first,all" usage:"Answers kept per respondent per period" json:"survey_dedupe"`
}

func newSurveySettings() SurveySettings {
	return SurveySettings{ScoreProp: "score", WeekStart: "monday", Dedupe: "latest"}
}

// Calendar is the trend's calendar in loc, or nil with no --period.
func (s *SurveySettings) Calendar(loc *time.Location) *Calendar {
	if s.Period == "" {
		return nil
	}
	cal := NewCalendar(Period(s.Period), s.WeekStart, loc)
	return &cal
}

// NPSSettings are nps's flags and config keys.
type NPSSettings struct {
	SurveySettings
	NPSCI string `flag:"nps-ci" enum:"adjusted-wald,wald" usage:"Interval method" json:"nps_ci"`
}

// CSATSettings are csat's flags and config keys.
type CSATSettings struct {
	SurveySettings
	Scale        Choice `flag:"scale" enum:"1-5,1-7,1-10,0-10" usage:"Answer scale" json:"-"`
	SatisfiedMin int    `flag:"satisfied-min" usage:"Lowest satisfied score (default: the top two points)" json:"-"`
}

// CESSettings are ces's flags and config keys.
type CESSettings struct {
	SurveySettings
	Scale     Choice `flag:"scale" enum:"7-agree,5-agree,5-effort,7-effort" usage:"Answer scale and direction" json:"-"`
	Normalize bool   `flag:"normalize" usage:"Add ease_0_100 (the mean on 0–100, 100 = easiest)" json:"normalize"`
}

// scale is the declared CSAT scale, its box moved by --satisfied-min.
func (s *CSATSettings) scale() (Scale, error) {
	sc, _ := ScaleNamed(s.Scale.Value)
	if m := s.SatisfiedMin; m != 0 {
		if m <= sc.Min || m > sc.Max {
			return sc, fmt.Errorf("--satisfied-min %d: want a score above %d and at most %d on the %s scale", m, sc.Min, sc.Max, sc.Name)
		}
		sc.BoxLow, sc.BoxHigh = m, sc.Max
	}
	return sc, nil
}

// CSATFigures are csat's figures.
type CSATFigures struct {
	N            int64      `json:"n"`
	CSAT         Proportion `json:"csat"`
	Mean         *float64   `json:"mean"`
	MeanCI       *Interval  `json:"mean_ci"`
	SD           *float64   `json:"sd"`
	Median       *float64   `json:"median"`
	Distribution []Count    `json:"distribution"`
	Scale        Scale      `json:"scale"`
}

// CESFigures are ces's figures.
type CESFigures struct {
	N            int64      `json:"n"`
	Mean         *float64   `json:"mean"`
	MeanCI       *Interval  `json:"mean_ci"`
	SD           *float64   `json:"sd"`
	Median       *float64   `json:"median"`
	PctEasy      Proportion `json:"pct_easy"`
	Ease0100     *float64   `json:"ease_0_100,omitempty"`
	Distribution []Count    `json:"distribution"`
	Scale        Scale      `json:"scale"`
}
