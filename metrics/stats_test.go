package metrics

import (
	"math"
	"testing"
)

// close reports |got−want| ≤ tol·max(1,|want|) (docs/metrics.md#statistics: 1e-9 for
// closed forms, 1e-7 when a t or chi-square quantile is involved).
func close(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func check(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !close(got, want, tol) {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestZ(t *testing.T) {
	check(t, "z(0.95)", Z(0.95), 1.959963984540054, 1e-12)
	check(t, "z(0.90)", Z(0.90), 1.6448536269514715, 1e-12)
}

// V1 — Wilson.
func TestWilsonV1(t *testing.T) {
	lo, hi := Wilson(45, 120, Z(0.95))
	check(t, "45/120 low", lo, 0.293524297864468, 1e-9)
	check(t, "45/120 high", hi, 0.464230493740208, 1e-9)
	lo, hi = Wilson(0, 10, Z(0.95))
	if lo != 0 {
		t.Errorf("0/10 low = %v, want exactly 0", lo)
	}
	check(t, "0/10 high", hi, 0.277532799862889, 1e-9)
	lo, hi = Wilson(10, 10, Z(0.95))
	check(t, "10/10 low", lo, 0.722467200137111, 1e-9)
	if hi != 1 {
		t.Errorf("10/10 high = %v, want exactly 1", hi)
	}
	lo, hi = Wilson(45, 120, Z(0.90))
	check(t, "90% low", lo, 0.305816244600501, 1e-9)
	check(t, "90% high", hi, 0.449696023586281, 1e-9)
}

func TestProportionEmpty(t *testing.T) {
	p := NewProportion(0, 0, 0.95)
	if p.Value != nil || p.CI != nil {
		t.Errorf("0/0 = %+v, want null value and ci", p)
	}
	p = NewProportion(3, 4, 0.95) // V6, W = 7d
	check(t, "3/4", p.Rate(), 0.75, 1e-12)
	check(t, "3/4 low", p.CI.Low, 0.300641842582402, 1e-9)
	check(t, "3/4 high", p.CI.High, 0.954412739190300, 1e-9)
	p = NewProportion(3, 6, 0.95) // V6, W = 48h
	check(t, "3/6 low", p.CI.Low, 0.187616306482651, 1e-9)
	check(t, "3/6 high", p.CI.High, 0.812383693517349, 1e-9)
}

// V4 — CES 2.0 mean; V5 — CES 1.0 mean clipped to the scale; V7 — CSAT mean.
func TestMeanVectors(t *testing.T) {
	m := NewMean([]float64{7, 6, 6, 5, 7, 4, 6, 5, 7, 3, 2, 6}, 0.95, 1, 7)
	check(t, "V4 mean", *m.Mean, 5.33333333333333, 1e-9)
	check(t, "V4 sd", *m.SD, 1.61432976992330, 1e-9)
	check(t, "V4 low", m.CI.Low, 4.30763713217267, 1e-7)
	check(t, "V4 high", m.CI.High, 6.35902953449399, 1e-7)
	check(t, "t(0.975,11)", TQuantile(0.975, 11), 2.20098516008295, 1e-7)

	m = NewMean([]float64{1, 2, 1, 3, 2, 5, 1, 2}, 0.95, 1, 5)
	check(t, "V5 mean", *m.Mean, 2.125, 1e-12)
	check(t, "V5 sd", *m.SD, 1.35620268186054, 1e-9)
	if m.CI.Low != 1 {
		t.Errorf("V5 low = %v, want clipped to 1", m.CI.Low)
	}
	check(t, "V5 high", m.CI.High, 3.25881381572644, 1e-7)

	var v []float64
	for score, n := range map[float64]int{5: 40, 4: 35, 3: 10, 2: 10, 1: 5} {
		for i := 0; i < n; i++ {
			v = append(v, score)
		}
	}
	m = NewMean(v, 0.95, 1, 5)
	check(t, "V7 mean", *m.Mean, 3.95, 1e-12)
	check(t, "V7 sd", *m.SD, 1.16666666666667, 1e-9)
	check(t, "V7 low", m.CI.Low, 3.71850802232399, 1e-7)
	check(t, "V7 high", m.CI.High, 4.18149197767601, 1e-7)

	if m := NewMean([]float64{4}, 0.95, 1, 5); m.CI != nil || *m.Mean != 4 {
		t.Errorf("n=1: %+v, want a mean and no interval", m)
	}
}

// V12 — TTV percentiles (type 7) and Kaplan–Meier.
func TestPercentileV12(t *testing.T) {
	h := []float64{0.5, 2, 3, 5, 8, 12, 24, 30, 72, 200}
	check(t, "p25", Percentile(h, 0.25), 3.5, 1e-12)
	check(t, "median", Percentile(h, 0.5), 10.0, 1e-12)
	check(t, "p75", Percentile(h, 0.75), 28.5, 1e-12)
	check(t, "p90", Percentile(h, 0.90), 84.8, 1e-9)
	check(t, "even median", Median([]float64{1, 2, 3, 4}), 2.5, 1e-12)
	check(t, "single", Percentile([]float64{7}, 0.9), 7, 0)
}

func TestKaplanMeierV12(t *testing.T) {
	obs := []Survival{{1, true}, {2, true}, {2, true}, {3, false}, {4, true}, {5, false}, {7, true}, {8, false}, {8, false}, {10, false}}
	steps := KaplanMeier(obs)
	want := []KMStep{{1, 10, 1, 0.9}, {2, 9, 2, 0.7}, {4, 6, 1, 0.583333333333333}, {7, 4, 1, 0.4375}}
	if len(steps) != len(want) {
		t.Fatalf("steps %+v", steps)
	}
	for i := range want {
		if steps[i].Time != want[i].Time || steps[i].AtRisk != want[i].AtRisk || steps[i].Events != want[i].Events || !close(steps[i].Survive, want[i].Survive, 1e-12) {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
	if m, ok := KMQuantile(steps, 0.5); !ok || m != 7 {
		t.Errorf("KM median = %v %v, want 7", m, ok)
	}
	for _, tt := range []struct {
		obs  []Survival
		want float64
		ok   bool
	}{
		{[]Survival{{2, true}, {5, true}, {6, true}, {9, true}}, 5.5, true},
		{[]Survival{{1, true}, {2, true}, {3, false}, {4, false}}, 2, true},
		{[]Survival{{1, true}, {5, false}, {5, false}, {6, false}}, 0, false},
	} {
		m, ok := KMQuantile(KaplanMeier(tt.obs), 0.5)
		if ok != tt.ok || (ok && m != tt.want) {
			t.Errorf("%v: median %v %v, want %v %v", tt.obs, m, ok, tt.want, tt.ok)
		}
	}
	// events before censorings at tied times
	steps = KaplanMeier([]Survival{{1, false}, {1, true}, {2, true}})
	if steps[0].AtRisk != 3 || !close(steps[0].Survive, 2.0/3, 1e-12) || steps[1].AtRisk != 1 {
		t.Errorf("tie handling: %+v", steps)
	}
}
