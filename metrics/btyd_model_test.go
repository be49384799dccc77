package metrics

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// activeExpected is the posterior integral (posteriorExpected) for a
// customer, times P(alive): E[Y(t) | x, t_x, T] computed without the series.
func activeExpected(m BGNBD, c RFM, t float64) float64 {
	return m.PAlive(c) * posteriorExpected(m, c, t)
}

// The series form of the conditional expectation agrees with two
// independent computations: the posterior integral (everywhere, including
// a = 1, x = 200 and a horizon of 5,000 time units), and the textbook
// formula with gonum's 2F1 where that is usable: not near a = 1, where its
// (a+b+x−1)/(a−1) · [1 − …] cancels (at a = 1 + 1e-9 it is off by 1e-6,
// which is why the series form exists), nor at large x, where its 2F1
// overflows.
func TestConditionalExpectedForms(t *testing.T) {
	models := []BGNBD{
		{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426},
		{R: 0.5, Alpha: 5, A: 2.5, B: 4},
		{R: 3, Alpha: 30, A: 1, B: 1.5},
		{R: 0.1, Alpha: 0.5, A: 0.2, B: 0.7},
		{R: 1, Alpha: 2, A: 1 + 1e-9, B: 3},
	}
	custs := []RFM{{}, {X: 1, Tx: 2, T: 10}, {X: 5, Tx: 30, T: 39}, {X: 30, Tx: 38, T: 39}, {X: 200, Tx: 38, T: 40}}
	for _, m := range models {
		for _, c := range custs {
			for _, h := range []float64{1, 39, 52, 520, 5000} {
				name := fmt.Sprintf("%+v %+v t=%v", m, c, h)
				got := m.ConditionalExpected(c, h)
				if want := activeExpected(m, c, h); !(math.Abs(got-want) <= 1e-9*math.Max(want, 1e-3)) {
					t.Errorf("%s: %.15g, posterior integral %.15g", name, got, want)
				}
				if math.Abs(m.A-1) < 1e-3 || c.X > 10 || h > 100 {
					continue
				}
				z := h / (m.Alpha + c.T + h)
				bracket := 1 - math.Pow((m.Alpha+c.T)/(m.Alpha+c.T+h), m.R+c.X)*mathext.Hypergeo(m.R+c.X, m.B+c.X, m.A+m.B+c.X-1, z)
				want := (m.A + m.B + c.X - 1) / (m.A - 1) * bracket * m.PAlive(c)
				if !(math.Abs(got-want) <= 1e-8*math.Max(want, 1e-3)) {
					t.Errorf("%s: %.15g, closed form with 2F1 %.15g", name, got, want)
				}
			}
		}
	}
}

// At a = 1 the closed form is 0/0; the value there is the limit of its
// neighbours.
func TestConditionalExpectedAtAOne(t *testing.T) {
	c := RFM{X: 2, Tx: 20, T: 39}
	at := BGNBD{R: 0.5, Alpha: 5, A: 1, B: 2.5}
	lo, hi := at, at
	lo.A, hi.A = 1-1e-7, 1+1e-7
	got := at.ConditionalExpected(c, 52)
	within(t, "E[Y(52)] at a = 1", got, (lo.ConditionalExpected(c, 52)+hi.ConditionalExpected(c, 52))/2, 1e-9)
	within(t, "E[X(52)] at a = 1", at.ExpectedTransactions(52), (lo.ExpectedTransactions(52)+hi.ExpectedTransactions(52))/2, 1e-9)
}

func TestBGNBDPredictionEdges(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	c := RFM{X: 2, Tx: 30, T: 39}
	if v := m.ConditionalExpected(c, 0); v != 0 {
		t.Errorf("E[Y(0)] = %v, want 0", v)
	}
	if v := m.PAlive(RFM{T: 39}); v != 1 {
		t.Errorf("P(alive) without repeat purchases = %v, want 1", v)
	}
	// Hand value: 1/(1 + a/(b+1)·((α+39)/(α+30))^(r+2)).
	want := 1 / (1 + 0.793/3.426*math.Pow(43.414/34.414, 2.243))
	within(t, "P(alive)", m.PAlive(c), want, 1e-14)
	for _, bad := range []struct {
		c RFM
		t float64
	}{{c, -1}, {c, math.NaN()}, {c, math.Inf(1)}, {RFM{X: math.NaN()}, 1}, {RFM{X: 1, Tx: 5, T: 4}, 1}} {
		if v := m.ConditionalExpected(bad.c, bad.t); !math.IsNaN(v) {
			t.Errorf("E[Y(%v)] for %+v = %v, want NaN", bad.t, bad.c, v)
		}
	}
	if v := m.PAlive(RFM{X: -1}); !math.IsNaN(v) {
		t.Errorf("P(alive) of a negative frequency = %v, want NaN", v)
	}
	if v := m.LogLikelihood(RFM{X: 0.5, T: 1}); !math.IsNaN(v) {
		t.Errorf("log-likelihood of a fractional frequency = %v, want NaN", v)
	}
	// A horizon of a million ages is still a number, and increases.
	if a, b := m.ExpectedTransactions(1e5), m.ExpectedTransactions(1e6); !(b > a && a > 0) {
		t.Errorf("E[X(1e5)] = %v, E[X(1e6)] = %v", a, b)
	}
}

func TestFitErrors(t *testing.T) {
	noRepeat := make([]RFM, 10)
	for i := range noRepeat {
		noRepeat[i] = RFM{T: float64(i + 1)}
	}
	good := []RFM{{X: 1, Tx: 1, T: 3}, {T: 3}, {X: 2, Tx: 2, T: 3}, {T: 2}}
	bad := func(i int, c RFM) []RFM {
		out := append([]RFM(nil), good...)
		out[i] = c
		return out
	}
	for _, tc := range []struct {
		name  string
		cs    []RFM
		index int // of the customer an *RFMError names, or -1
		is    error
	}{
		{"none", nil, -1, nil},
		{"one customer", []RFM{{X: 1, Tx: 1, T: 2}}, -1, nil},
		{"three customers", good[:3], -1, nil},
		{"no repeat purchases", noRepeat, -1, ErrNoRepeat},
		{"NaN frequency", bad(2, RFM{X: math.NaN(), T: 3}), 2, nil},
		{"infinite age", bad(1, RFM{T: math.Inf(1)}), 1, nil},
		{"recency after age", bad(3, RFM{X: 1, Tx: 4, T: 3}), 3, nil},
		{"fractional frequency", bad(0, RFM{X: 1.5, Tx: 1, T: 3}), 0, nil},
		{"recency without repeats", bad(1, RFM{Tx: 1, T: 3}), 1, nil},
		{"negative age", bad(1, RFM{T: -1}), 1, nil},
	} {
		_, err := FitBGNBD(tc.cs)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		var re *RFMError
		if errors.As(err, &re) != (tc.index >= 0) || (re != nil && re.Index != tc.index) {
			t.Errorf("%s: %v, want an error naming customer %d", tc.name, err, tc.index)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.is)
		}
	}
}

// Data with no interior optimum still give a finite answer, not a panic,
// flagged as not converged: every repeat buyer bought at the very end (no
// sign of dropout, a → 0), or every customer is identical (parameters run
// to 0 and 1e10, where the series overflows and the posterior integral
// takes over).
func TestFitDegenerate(t *testing.T) {
	var atEnd, same []RFM
	for i := range 50 {
		atEnd = append(atEnd, RFM{X: float64(i%3 + 1), Tx: 30, T: 30}, RFM{T: 30})
		same = append(same, RFM{X: 1, Tx: 1, T: 2, Monetary: 10})
	}
	for name, cs := range map[string][]RFM{"at end": atEnd, "identical": same} {
		m, err := FitBGNBD(cs)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !finite(m.LogLik) || !(m.R > 0 && m.Alpha > 0 && m.A > 0 && m.B > 0) {
			t.Errorf("%s: %+v", name, m)
		}
		if m.Converged {
			t.Errorf("%s: converged at a boundary: %+v", name, m)
		}
		if v := m.ConditionalExpected(cs[0], 10); !(v >= 0) {
			t.Errorf("%s: E[Y(10)] = %v", name, v)
		}
	}
	g, err := FitGammaGamma(same)
	if err != nil || !finite(g.LogLik) {
		t.Errorf("identical spends: %+v, %v", g, err)
	}
}

func TestGammaGamma(t *testing.T) {
	g := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	// p(γ + m·x)/(px + q − 1) = 6.25 · (15.44 + 44.69) / (12.5 + 2.74).
	within(t, "E[M | x=2, m=22.345]", g.ConditionalExpectedValue(RFM{X: 2, Tx: 30, T: 39, Monetary: 22.345}), 375.8125/15.24, 1e-12)
	within(t, "E[M | x=0]", g.ConditionalExpectedValue(RFM{T: 39}), 6.25*15.44/2.74, 1e-12)
	for _, v := range []float64{g.ConditionalExpectedValue(RFM{X: -1}), g.ConditionalExpectedValue(RFM{X: 1, Tx: 1, T: 2, Monetary: -5}),
		GammaGamma{P: 1, Q: 0.9, Gamma: 1}.MeanValue()} {
		if !math.IsNaN(v) {
			t.Errorf("got %v, want NaN", v)
		}
	}

	cs := []RFM{{T: 5}, {X: 1, Tx: 1, T: 5, Monetary: 10}, {X: 2, Tx: 3, T: 5, Monetary: 12},
		{X: 1, Tx: 2, T: 5, Monetary: -3}, {X: 3, Tx: 4, T: 5, Monetary: 30}, {X: 1, Tx: 4, T: 5, Monetary: 0}}
	m, err := FitGammaGamma(cs)
	if err != nil {
		t.Fatal(err)
	}
	if m.N != 3 || m.Excluded != 2 {
		t.Errorf("N %d excluded %d, want 3 and 2", m.N, m.Excluded)
	}
	if _, err := FitGammaGamma(cs[:3]); err == nil {
		t.Error("two repeat customers: no error")
	}
	if _, err := FitGammaGamma([]RFM{{T: 1}, {T: 2}}); !errors.Is(err, ErrNoRepeat) {
		t.Errorf("no repeat customers: %v", err)
	}
	var re *RFMError
	if _, err := FitGammaGamma(append(cs, RFM{X: 1, Tx: 1, T: 2, Monetary: math.Inf(1)})); !errors.As(err, &re) || re.Index != 6 {
		t.Errorf("infinite spend: %v", err)
	}
}

func TestCLV(t *testing.T) {
	bg := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	c := RFM{X: 2, Tx: 30, T: 39, Monetary: 22.345}
	value := gg.ConditionalExpectedValue(c)
	e := func(h float64) float64 { return bg.ConditionalExpected(c, h) }
	within(t, "undiscounted", CLV(bg, gg, c, CLVHorizon{Periods: 12, Length: 52.0 / 12}), value*e(52), 1e-12)
	within(t, "one period", CLV(bg, gg, c, CLVHorizon{Periods: 1, Length: 52, Discount: 0.1}), value*e(52)/1.1, 1e-12)
	within(t, "two periods", CLV(bg, gg, c, CLVHorizon{Periods: 2, Length: 26, Discount: 0.05}),
		value*(e(26)/1.05+(e(52)-e(26))/1.05/1.05), 1e-12)
	if d, u := CLV(bg, gg, c, CLVHorizon{Periods: 12, Length: 4, Discount: 0.01}), CLV(bg, gg, c, CLVHorizon{Periods: 12, Length: 4}); !(d < u && d > u/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01) {
		t.Errorf("discounted %v, undiscounted %v", d, u)
	}
	for _, h := range []CLVHorizon{{}, {Periods: 1}, {Periods: 1, Length: math.Inf(1)}, {Periods: 1, Length: 1, Discount: -1}, {Periods: 1, Length: math.NaN()}} {
		if v := CLV(bg, gg, c, h); !math.IsNaN(v) {
			t.Errorf("CLV over %+v = %v, want NaN", h, v)
		}
	}
}

func TestSummarizeRFM(t *testing.T) {
	split := RFMSplit{CalibrationEnd: 100, HoldoutEnd: 130, Unit: Day}
	ps := []Purchase{{110, 7}, {10, 5}, {40, 2}, {10, 1}, {100, 4}, {40, -1}, {131, 50}, {130, 3}}
	c, ok, err := SummarizeRFM(ps, split)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Days 10 (first), 40 (2 − 1), 100 (4): two repeats, the last on the
	// calibration's last day; 110 and 130 in the holdout, 131 after it.
	want := CustomerRFM{RFM: RFM{X: 2, Tx: 90, T: 90, Monetary: 2.5}, First: 10, Holdout: 2, HoldoutValue: 10}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if ps[0].Day != 110 {
		t.Error("the input was reordered")
	}
	weeks := split
	weeks.Unit = Week
	if c, _, _ := SummarizeRFM(ps, weeks); c.T != 90.0/7 || c.Tx != 90.0/7 {
		t.Errorf("weeks: %+v", c)
	}
	within(t, "holdout length in weeks", weeks.HoldoutLength(), 30.0/7, 1e-15)
	within(t, "no holdout", RFMSplit{CalibrationEnd: 100, HoldoutEnd: 100, Unit: Day}.HoldoutLength(), 0, 0)

	for _, tc := range []struct {
		name string
		ps   []Purchase
		s    RFMSplit
	}{
		{"no purchases", nil, split},
		{"first purchase after the calibration", []Purchase{{101, 1}, {105, 1}}, split},
	} {
		if _, ok, err := SummarizeRFM(tc.ps, tc.s); ok || err != nil {
			t.Errorf("%s: ok %v, %v", tc.name, ok, err)
		}
	}
	if _, _, err := SummarizeRFM([]Purchase{{1, 1}, {2, math.NaN()}}, split); err == nil {
		t.Error("NaN amount: no error")
	}
	if _, _, err := SummarizeRFM([]Purchase{{1, 1}}, RFMSplit{CalibrationEnd: 10, Unit: Month}); err == nil {
		t.Error("month unit: no error")
	}
	// One purchase day: no repeats, recency 0.
	c, ok, _ = SummarizeRFM([]Purchase{{100, 3}, {100, 4}}, split)
	if !ok || c.RFM != (RFM{T: 0}) {
		t.Errorf("single day: %+v", c)
	}
}
