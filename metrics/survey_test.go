package metrics

import (
	"errors"
	"testing"
	"time"
)

func answers(scores ...int) []Answer {
	out := make([]Answer, len(scores))
	for i, s := range scores {
		out[i] = Answer{Score: s, Order: i}
	}
	return out
}

func repeat(counts map[int]int) []Answer {
	var s []int
	for score := 0; score <= 10; score++ {
		for i := 0; i < counts[score]; i++ {
			s = append(s, score)
		}
	}
	return answers(s...)
}

// V2 — NPS, n = 200; V3 — NPS, small n.
func TestNPSVectors(t *testing.T) {
	r := NPS(repeat(map[int]int{10: 90, 7: 70, 5: 40}), 0.95, "adjusted_wald")
	if r.N != 200 || r.Promoters != 90 || r.Passives != 70 || r.Detractors != 40 || *r.NPS != 25 {
		t.Fatalf("V2 counts %+v", r)
	}
	check(t, "V2 se", *r.SE, 5.4198708471697, 1e-9)
	check(t, "V2 adj centre", r.CI.Centre, 24.6305418719212, 1e-9)
	check(t, "V2 adj se", r.CI.SE, 5.37791914975802, 1e-9)
	check(t, "V2 adj low", r.CI.Low, 14.0900140266272, 1e-9)
	check(t, "V2 adj high", r.CI.High, 35.1710697172152, 1e-9)
	w := NPS(repeat(map[int]int{10: 90, 7: 70, 5: 40}), 0.95, "wald")
	check(t, "V2 wald low", w.CI.Low, 14.3772483386888, 1e-9)
	check(t, "V2 wald high", w.CI.High, 35.6227516613112, 1e-9)
	check(t, "V2 share", *r.Shares["promoters"], 0.45, 1e-12)

	r = NPS(repeat(map[int]int{9: 12, 8: 4, 0: 4}), 0.95, "adjusted_wald")
	if *r.NPS != 40 {
		t.Fatalf("V3 nps %v", *r.NPS)
	}
	check(t, "V3 se", *r.SE, 17.8885438199983, 1e-9)
	check(t, "V3 adj centre", r.CI.Centre, 34.7826086956522, 1e-9)
	check(t, "V3 adj low", r.CI.Low, 2.09104655447407, 1e-9)
	check(t, "V3 adj high", r.CI.High, 67.4741708368303, 1e-9)
	w = NPS(repeat(map[int]int{9: 12, 8: 4, 0: 4}), 0.95, "wald")
	check(t, "V3 wald low", w.CI.Low, 4.93909837693674, 1e-9)
	check(t, "V3 wald high", w.CI.High, 75.0609016230633, 1e-9)
	if ws := SurveyWarnings("nps", r.N, nil); len(ws) != 1 || ws[0].Code != "small_sample" {
		t.Errorf("V3 warnings %+v", ws)
	}
	// the vendor samples' story (docs/formats.md#sample-files): 9, 6, 10, 7, 3, 8 → NPS 0
	if r := NPS(answers(9, 6, 10, 7, 3, 8), 0.95, "adjusted_wald"); *r.NPS != 0 {
		t.Errorf("story NPS %v", *r.NPS)
	}
	if r := NPS(nil, 0.95, "adjusted_wald"); r.NPS != nil || r.CI != nil {
		t.Errorf("empty NPS %+v", r)
	}
}

// V4 — CES 2.0; V5 — CES 1.0; V7 — CSAT.
func TestRatingVectors(t *testing.T) {
	s, _ := ScaleNamed("7-agree")
	r := Rating(answers(7, 6, 6, 5, 7, 4, 6, 5, 7, 3, 2, 6), s, 0.95, false)
	check(t, "V4 mean", *r.Mean, 5.33333333333333, 1e-9)
	check(t, "V4 mean low", r.MeanCI.Low, 4.30763713217267, 1e-7)
	if r.Box.Numerator != 9 || r.Box.Denominator != 12 {
		t.Errorf("V4 pct_easy %d/%d", r.Box.Numerator, r.Box.Denominator)
	}
	check(t, "V4 easy low", r.Box.CI.Low, 0.467694665066434, 1e-9)
	check(t, "V4 easy high", r.Box.CI.High, 0.911058331605945, 1e-9)
	ws := SurveyWarnings("ces", r.N, &r.Box)
	if len(ws) != 2 || ws[0].Code != "small_sample" || ws[1].Code != "sparse_counts" {
		t.Errorf("V4 warnings %+v", ws)
	}

	s, _ = ScaleNamed("5-effort")
	r = Rating(answers(1, 2, 1, 3, 2, 5, 1, 2), s, 0.95, true)
	check(t, "V5 mean", *r.Mean, 2.125, 1e-12)
	if r.MeanCI.Low != 1 || r.Box.Numerator != 6 || r.Box.Denominator != 8 || r.Scale.Direction != "lower_is_better" {
		t.Errorf("V5 %+v", r)
	}
	check(t, "V5 high", r.MeanCI.High, 3.25881381572644, 1e-7)
	check(t, "V5 ease", *r.Ease0100, 71.875, 1e-12)

	s, _ = ScaleNamed("1-5")
	var v []int
	for score, n := range map[int]int{5: 40, 4: 35, 3: 10, 2: 10, 1: 5} {
		for i := 0; i < n; i++ {
			v = append(v, score)
		}
	}
	r = Rating(answers(v...), s, 0.95, false)
	check(t, "V7 csat", r.Box.Rate(), 0.75, 1e-12)
	check(t, "V7 csat low", r.Box.CI.Low, 0.656955364519384, 1e-9)
	check(t, "V7 csat high", r.Box.CI.High, 0.824547886377123, 1e-9)
	check(t, "V7 mean low", r.MeanCI.Low, 3.71850802232399, 1e-7)
	check(t, "V7 mean high", r.MeanCI.High, 4.18149197767601, 1e-7)
	if r.Distribution[4] != (Count{5, 40}) || r.Distribution[0] != (Count{1, 5}) {
		t.Errorf("V7 distribution %+v", r.Distribution)
	}
	// docs/formats.md#sample-files: CSAT 5, 2, 5, 3, 1, 4 → 50%; CES 6, 3, 7, 4, 2, 5 → mean 4.5
	if r := Rating(answers(5, 2, 5, 3, 1, 4), s, 0.95, false); r.Box.Rate() != 0.5 {
		t.Errorf("story csat %v", r.Box.Rate())
	}
	s, _ = ScaleNamed("7-agree")
	if r := Rating(answers(6, 3, 7, 4, 2, 5), s, 0.95, false); *r.Mean != 4.5 {
		t.Errorf("story ces %v", *r.Mean)
	}
}

func TestParseScore(t *testing.T) {
	s := Scales["nps"]
	for raw, want := range map[string]ScoreStatus{"9": ScoreOK, " 10 ": ScoreOK, "0": ScoreOK, "9.0": ScoreOK, "NA": ScoreMissing, "": ScoreMissing,
		"n/a": ScoreMissing, "9.5": ScoreInvalid, "11": ScoreOutOfScale, "-1": ScoreOutOfScale, "nine": ScoreInvalid, "0x9": ScoreInvalid, "1e1": ScoreOK} {
		if _, st, _ := ParseScore(raw, s); st != want {
			t.Errorf("ParseScore(%q) = %v, want %v", raw, st, want)
		}
	}
	if _, _, msg := ParseScore("11", s); msg != `score "11" is outside the 0–10 scale` {
		t.Errorf("msg %q", msg)
	}
}

func TestDedupe(t *testing.T) {
	day := func(d int) int64 { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC).UnixNano() }
	in := []Answer{
		{Respondent: "a", Time: day(5), HasTime: true, Score: 1, Order: 0},
		{Respondent: "a", Time: day(3), HasTime: true, Score: 2, Order: 1},
		{Respondent: "a", Time: day(20), HasTime: true, Score: 3, Order: 2},
		{Respondent: "", Score: 4, Order: 3},
		{Respondent: "", Score: 5, Order: 4},
		{Respondent: "b", Score: 6, Order: 5},
		{Respondent: "b", Score: 7, Order: 6},
	}
	scores := func(as []Answer) []int {
		var o []int
		for _, a := range as {
			o = append(o, a.Score)
		}
		return o
	}
	got, dropped := Dedupe(in, "latest", nil)
	if want := []int{3, 4, 5, 7}; !equalInts(scores(got), want) || dropped != 3 {
		t.Errorf("latest: %v dropped %d, want %v", scores(got), dropped, want)
	}
	got, _ = Dedupe(in, "first", nil)
	if want := []int{2, 4, 5, 6}; !equalInts(scores(got), want) {
		t.Errorf("first: %v, want %v", scores(got), want)
	}
	cal := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	got, _ = Dedupe(in, "latest", &cal)
	// weeks: Jan 3 (Wed) and Jan 5 (Fri) share the week of Jan 1; Jan 20 is another
	if want := []int{1, 3, 4, 5, 7}; !equalInts(scores(got), want) {
		t.Errorf("latest per week: %v, want %v", scores(got), want)
	}
	if got, d := Dedupe(in, "all", nil); len(got) != 7 || d != 0 {
		t.Errorf("all: %d %d", len(got), d)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Check on six answers read: a's two (5 then 4: latest keeps 4), b's NA, c's
// "4.5" (invalid on 1–5), d's 3 before --from, and an anonymous 2 →
// valid {a 4, e 2}; missing 1, invalid 1, out of range 1, duplicates 1.
func TestAnswersCheck(t *testing.T) {
	day := func(d int) int64 { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC).UnixNano() }
	read := func() *Answers {
		return &Answers{SkipInvalid: true, Rows: []RawAnswer{
			{Respondent: "a", Score: "5", Time: day(2), HasTime: true, Source: "f:2"},
			{Respondent: "a", Score: "4", Time: day(3), HasTime: true, Source: "f:3"},
			{Respondent: "b", Score: "NA", Time: day(3), HasTime: true, Source: "f:4"},
			{Respondent: "c", Score: "4.5", Time: day(3), HasTime: true, Source: "f:5"},
			{Respondent: "d", Score: "3", Time: day(1), HasTime: true, Source: "f:6"},
			{Respondent: "", Score: "2", Time: day(4), HasTime: true, Source: "f:7", Segment: "x"},
		}}
	}
	from := day(2)
	rng := Range{From: &from}
	s, _ := ScaleNamed("1-5")
	a := read()
	if err := a.Check(s, false, rng, "latest", nil); err != nil {
		t.Fatal(err)
	}
	if want := (SurveyExcluded{Missing: 1, Invalid: 1, OutOfRange: 1, Duplicates: 1}); a.Excluded != want {
		t.Errorf("excluded %+v, want %+v", a.Excluded, want)
	}
	if len(a.Valid) != 2 || a.Valid[0].Score != 4 || a.Valid[1].Score != 2 || a.Respondents() != 2 {
		t.Errorf("valid %+v", a.Valid)
	}
	if all, segs := a.Units("plan"); len(all) != 2 || len(segs) != 2 || segs[0].Name != "x" || segs[1].Name != "(none)" {
		t.Errorf("units %v %+v", all, segs)
	}
	if last, ok := a.Last(); !ok || last != day(4) {
		t.Errorf("last %v %v", last, ok)
	}
	ws := a.Warnings()
	if len(ws) != 2 || ws[0].Code != "invalid_scores" || ws[1].Code != "missing_answers" ||
		ws[0].Message != `1 answers were not whole numbers on the 1-5 scale and were skipped; first: f:5: score "4.5" is not a whole number on the 1–5 scale` {
		t.Errorf("warnings %+v", ws)
	}

	// failing on the invalid answer names its line
	a = read()
	a.SkipInvalid = false
	if err := a.Check(s, false, rng, "latest", nil); err == nil || err.Error() != `f:5: score "4.5" is not a whole number on the 1–5 scale` {
		t.Errorf("fail: %v", err)
	}
	// the export's own scale counts unless --scale gave one: on good-bad
	// (0–1) every score above 1 is invalid
	a = read()
	a.Fixed = "good-bad"
	if err := a.Check(s, false, Range{}, "all", nil); err != nil || a.Scale.Name != "good-bad" || a.Excluded.Invalid != 5 {
		t.Errorf("fixed scale: %v %s %+v", err, a.Scale.Name, a.Excluded)
	}
	a = read()
	a.Fixed = "good-bad"
	if err := a.Check(s, true, Range{}, "all", nil); err != nil || a.Scale.Name != "1-5" || len(a.Valid) != 4 {
		t.Errorf("given scale: %v %s %d", err, a.Scale.Name, len(a.Valid))
	}
	// a trend needs times
	a = &Answers{Rows: []RawAnswer{{Score: "3"}}}
	cal := NewCalendar(Period("month"), "monday", time.UTC)
	var ue *UsageError
	if err := a.Check(s, false, Range{}, "latest", &cal); err == nil || !errors.As(err, &ue) {
		t.Errorf("--period without times: %v, want a usage error", err)
	}
}
