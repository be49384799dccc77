package metrics

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// covered is one reported figure with its interval, as the output carries
// them: nil point and nil interval mean JSON null.
type covered struct {
	name     string
	n        int64
	point    *float64
	lo, hi   *float64
	min, max float64 // the metric's range
	needsTwo bool    // a t-interval: none below 2 values
}

func npsCovered(name string, r NPSResult) covered {
	c := covered{name: name, n: r.N, point: r.NPS, min: -100, max: 100}
	if r.CI != nil {
		c.lo, c.hi = &r.CI.Low, &r.CI.High
	}
	return c
}

func propCovered(name string, p Proportion) covered {
	c := covered{name: name, n: p.Denominator, point: p.Value, min: 0, max: 1}
	if p.CI != nil {
		c.lo, c.hi = &p.CI.Low, &p.CI.High
	}
	return c
}

func meanCovered(name string, r RatingResult) covered {
	c := covered{name: name, n: r.N, point: r.Mean, min: float64(r.Scale.Min), max: float64(r.Scale.Max), needsTwo: true}
	if r.MeanCI != nil {
		c.lo, c.hi = &r.MeanCI.Low, &r.MeanCI.High
	}
	return c
}

// verify checks the contract every interval keeps: n = 0 gives a null point
// and a null interval; otherwise the point is in the metric's range and
// inside its interval, low ≤ high, both in the range, none NaN; only a
// t-interval may be missing, and only below 2 values.
func (c covered) verify(t *testing.T) {
	t.Helper()
	if c.n == 0 {
		if c.point != nil || c.lo != nil {
			t.Errorf("%s: n = 0 gives point %v, interval %v; want both null", c.name, c.point, c.lo)
		}
		return
	}
	if c.point == nil || math.IsNaN(*c.point) || *c.point < c.min || *c.point > c.max {
		t.Errorf("%s: point %v, want a number in [%g, %g]", c.name, c.point, c.min, c.max)
		return
	}
	if c.lo == nil {
		if !c.needsTwo || c.n >= 2 {
			t.Errorf("%s: point %g has no interval", c.name, *c.point)
		}
		return
	}
	if c.needsTwo && c.n < 2 {
		t.Errorf("%s: a t-interval [%g, %g] from one value", c.name, *c.lo, *c.hi)
	}
	lo, hi, p := *c.lo, *c.hi, *c.point
	if !(lo <= p && p <= hi) || lo < c.min || hi > c.max {
		t.Errorf("%s: point %g, interval [%g, %g], range [%g, %g]", c.name, p, lo, hi, c.min, c.max)
	}
}

// scores returns n answers cycling through pattern.
func scores(n int, pattern ...int) []Answer {
	s := make([]int, n)
	for i := range s {
		s[i] = pattern[i%len(pattern)]
	}
	return answers(s...)
}

// TestIntervalsCoverTheirPoint runs every interval the package reports over
// small n (0, 1, 2, 3, 10, and 1000 for contrast), every split into shares
// for NPS and proportions (all at 0%, all at 100%, and every mix), and
// rating answers at the scale's ends, its middle and mixes of them.
func TestIntervalsCoverTheirPoint(t *testing.T) {
	var cases []covered
	for _, level := range []float64{0.8, 0.95, 0.99, 0.999} {
		for _, n := range []int64{0, 1, 2, 3, 10, 1000} {
			// proportions: every x at small n, the edges at large n
			xs := []int64{0, 1, 2, n / 2, n - 2, n - 1, n}
			if n <= 10 {
				xs = nil
				for x := int64(0); x <= n; x++ {
					xs = append(xs, x)
				}
			}
			for _, x := range xs {
				if x >= 0 && x <= n {
					cases = append(cases, propCovered(fmt.Sprintf("wilson %d/%d @%g", x, n, level), NewProportion(x, n, level)))
				}
			}
			// NPS: every (promoters, detractors) split
			for _, pr := range xs {
				for _, de := range xs {
					if pr < 0 || de < 0 || pr+de > n {
						continue
					}
					as := slices.Concat(scores(int(pr), 10), scores(int(de), 0), scores(int(n-pr-de), 8))
					for _, m := range []string{"adjusted_wald", "wald"} {
						cases = append(cases, npsCovered(fmt.Sprintf("nps %s P=%d D=%d n=%d @%g", m, pr, de, n, level), NPS(as, level, m)))
					}
				}
			}
			// ratings: every scale, answers at the ends, the middle and mixes
			for _, name := range slices.Sorted(func(yield func(string) bool) {
				for k := range Scales {
					if !yield(k) {
						return
					}
				}
			}) {
				s, _ := ScaleNamed(name)
				mid := (s.Min + s.Max) / 2
				for _, pat := range [][]int{{s.Min}, {s.Max}, {mid}, {s.Min, s.Max}, {s.Max, s.Max, s.Min}, {s.Min, mid, s.Max}} {
					r := Rating(scores(int(n), pat...), s, level, true)
					what := fmt.Sprintf("%s %v n=%d @%g", name, pat, n, level)
					cases = append(cases, meanCovered("mean "+what, r), propCovered("box "+what, r.Box))
				}
			}
		}
	}
	for _, c := range cases {
		c.verify(t)
	}
	if len(cases) < 3000 {
		t.Fatalf("only %d cases", len(cases))
	}
}

// The reproducer and its cousins, by hand: one answer, and every
// answer at one end. Adjusted-Wald centres these on (P+¾, D+¾)/(n+3) and
// moves the bound on the score's side out to the score.
func TestNPSSmallSampleIntervals(t *testing.T) {
	for _, tt := range []struct {
		answers      []Answer
		method       string
		lo, hi, cent float64
	}{
		// n = 1, a promoter: n' = 4, p' = 0.4375, d' = 0.1875, centre 25,
		// SE = 100·√((0.625 − 0.0625)/4) = 37.5, 25 ± 1.96·37.5 = [−48.5, 98.5]
		// leaves out 100: the high bound moves out to it
		{answers(10), "adjusted_wald", -48.498649420252, 100, 25},
		{answers(0), "adjusted_wald", -100, 48.498649420252, -25},
		// a passive: centre 0, SE = 100·√(0.375/4) = 30.6186, the score 0 inside
		{answers(7), "adjusted_wald", -60.0113959544414, 60.0113959544414, 0},
		// n = 2 promoters: n' = 5, p' = 0.55, d' = 0.15, centre 40,
		// SE = 100·√((0.7 − 0.16)/5) = 32.8634, high 104.4 clipped to 100
		{answers(9, 10), "adjusted_wald", -24.4109891738177, 100, 40},
		// 10 promoters: n' = 13, p' = 10.75/13, d' = 0.75/13, centre 76.9231,
		// SE = 15.0102, [47.5, 106.3] clipped to 100
		{scores(10, 10), "adjusted_wald", 47.5035515447902, 100, 76.9230769230769},
		// Wald: the SE of one answer is 0, so the interval is the point
		{answers(10), "wald", 100, 100, 100},
		{answers(0), "wald", -100, -100, -100},
	} {
		r := NPS(tt.answers, 0.95, tt.method)
		name := fmt.Sprintf("%s %d answers NPS %g", tt.method, r.N, *r.NPS)
		check(t, name+" low", r.CI.Low, tt.lo, 1e-9)
		check(t, name+" high", r.CI.High, tt.hi, 1e-9)
		check(t, name+" centre", r.CI.Centre, tt.cent, 1e-9)
	}
}

func TestSurveyWarningWording(t *testing.T) {
	box := NewProportion(1, 1, 0.95)
	for _, tt := range []struct {
		what string
		n    int64
		box  *Proportion
		want string
	}{
		{"nps", 0, nil, "nps: no valid answers"},
		{"nps", 1, nil, "nps: n = 1 is below 30; read the interval, not the score"},
		{"nps", 29, nil, "nps: n = 29 is below 30; read the interval, not the score"},
		{"csat", 1, &box, "csat: n = 1; the mean has no interval (it needs at least 2 answers)"},
		{"ces", 2, &box, "ces: n = 2 is below 30; read the interval, not the point"},
	} {
		ws := SurveyWarnings(tt.what, tt.n, tt.box)
		if len(ws) == 0 || ws[0].Message != tt.want {
			t.Errorf("%s n=%d: %+v, want %q", tt.what, tt.n, ws, tt.want)
		}
	}
	if ws := SurveyWarnings("nps", 30, nil); len(ws) != 0 {
		t.Errorf("nps n=30: %+v", ws)
	}
}
