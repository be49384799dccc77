package metrics

import (
	"errors"
	"math"
	"sort"
	"strings"
	"testing"
)

func TestHolm(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		p    []float64
		want []float64
	}{
		// V11: sorted .01·3 = .03, .03·2 = .06, .04·1 → running max .06.
		{"V11", []float64{0.01, 0.04, 0.03}, []float64{0.03, 0.06, 0.06}},
		// monotone: .001·4 = .004, .03·3 = .09, .04·2 = .08 → .09, .2.
		{"monotone", []float64{0.04, 0.001, 0.03, 0.2}, []float64{0.09, 0.004, 0.09, 0.2}},
		// capped at 1: .5·2 = 1, then max(1, .6) = 1.
		{"capped", []float64{0.6, 0.5}, []float64{1, 1}},
		{"one", []float64{0.02}, []float64{0.02}},
		// untested comparisons stay NaN and do not count in m.
		{"NaN", []float64{0.01, nan, 0.04}, []float64{0.02, nan, 0.04}},
		{"ties", []float64{0.01, 0.01, 0.5}, []float64{0.03, 0.03, 0.5}},
	} {
		got := Holm(tt.p)
		for i := range tt.want {
			if math.IsNaN(tt.want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(got[i]) && !close(got[i], tt.want[i], 1e-12)) {
				t.Errorf("%s: Holm(%v) = %v, want %v", tt.name, tt.p, got, tt.want)
				break
			}
		}
	}
	// Adjusted p-values keep the order of the raw ones, and are never below them.
	p := []float64{0.3, 0.001, 0.049, 0.02, 0.0125, 0.9, 0.011}
	adj := Holm(p)
	idx := []int{0, 1, 2, 3, 4, 5, 6}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	for k := 1; k < len(idx); k++ {
		if adj[idx[k]] < adj[idx[k-1]] {
			t.Errorf("not monotone: %v → %v", p, adj)
		}
	}
	for i := range p {
		if adj[i] < p[i] || adj[i] > 1 {
			t.Errorf("adjusted %v out of [p, 1] for %v", adj[i], p[i])
		}
	}
	got := Bonferroni([]float64{0.01, 0.04, 0.5})
	for i, w := range []float64{0.03, 0.12, 1} {
		check(t, "bonferroni", got[i], w, 1e-12)
	}
}

func TestAdjustComparisons(t *testing.T) {
	cs := []Comparison{{PValue: Ptr(0.01)}, {PValue: Ptr(0.04)}, {}, {PValue: Ptr(0.03)}}
	if err := AdjustComparisons(cs, ""); err != nil {
		t.Fatal(err)
	}
	for i, w := range []float64{0.03, 0.06, math.NaN(), 0.06} {
		checkPtr(t, "p_adjusted", cs[i].PAdjusted, w, 1e-12)
	}
	if err := AdjustComparisons(cs, "none"); err != nil || val(cs[1].PAdjusted) != 0.04 {
		t.Errorf("none: %v %v", val(cs[1].PAdjusted), err)
	}
	var u *UsageError
	if err := AdjustComparisons(cs, "bh"); !errors.As(err, &u) {
		t.Errorf("unknown method: %v", err)
	}
}

// SRM reference values: V10, and scipy.stats.chisquare(obs, expected).
func TestSRMCheck(t *testing.T) {
	for _, tt := range []struct {
		counts  []int64
		weights []float64
		chi2, p float64
		passed  bool
	}{
		{[]int64{5000, 5200}, nil, 3.92156862745098, 0.0476703806561614, true},                  // V10
		{[]int64{5000, 5400}, []float64{50, 50}, 15.3846153846154, 8.76994237559714e-05, false}, // V10
		{[]int64{3400, 3300, 3300}, nil, 2, 0.36787944117144245, true},                          // 3 arms: p = e⁻¹
		{[]int64{5100, 2400, 2500}, []float64{50, 25, 25}, 6, 0.04978706836786395, true},
		{[]int64{520, 480, 1000}, []float64{1, 1, 2}, 1.6, 0.4493289641172217, true},
		{[]int64{600, 450, 950}, []float64{1, 1, 2}, 27.5, 1.0677040100347837e-06, false},
	} {
		s, err := SRMCheck(tt.counts, tt.weights)
		if err != nil {
			t.Fatal(err)
		}
		checkPtr(t, "chi2", s.Chi2, tt.chi2, 1e-9)
		checkPtr(t, "p", s.PValue, tt.p, 1e-7)
		if s.Passed != tt.passed || s.DF != len(tt.counts)-1 {
			t.Errorf("%v: passed %v df %d, want %v", tt.counts, s.Passed, s.DF, tt.passed)
		}
	}
	s, err := SRMCheck([]int64{0, 0}, nil)
	if err != nil || s.Chi2 != nil || !s.Passed {
		t.Errorf("no users: %+v %v", s, err)
	}
	for _, tt := range []struct {
		counts  []int64
		weights []float64
		msg     string
	}{
		{[]int64{10, 10}, []float64{50, 0}, "positive"},
		{[]int64{10, 10}, []float64{50, -50}, "positive"},
		{[]int64{10, 10}, []float64{50, math.NaN()}, "positive"},
		{[]int64{10, 10}, []float64{50, math.Inf(1)}, "positive"},
		{[]int64{10, 10, 10}, []float64{50, 50}, "2 weights for 3 groups"},
		{[]int64{10}, nil, "at least 2"},
	} {
		_, err := SRMCheck(tt.counts, tt.weights)
		var u *UsageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v %v: %v, want a usage error with %q", tt.counts, tt.weights, err, tt.msg)
		}
	}
}

func TestRequiredNPerArm(t *testing.T) {
	for _, tt := range []struct {
		p1, p2, alpha, power float64
		n                    int64
		raw                  float64
	}{
		// R power.prop.test(p1 = .5, p2 = .75, power = .9): 76.7 → 77 per arm.
		{0.5, 0.75, 0.05, 0.9, 77, 76.70692845177743},
		{0.10, 0.12, 0.05, 0.8, 3841, 3840.84748243628}, // V10
		{0.2, 0.22, 0.05, 0.8, 6510, 6509.466678513718},
		{0.2, 0.18, 0.01, 0.9, 11448, 11447.216442286612}, // a drop; SciPy norm quantiles
	} {
		n, raw, err := RequiredNPerArm(tt.p1, tt.p2, tt.alpha, tt.power)
		if err != nil || n != tt.n {
			t.Errorf("%v→%v: n = %d (%v), want %d", tt.p1, tt.p2, n, err, tt.n)
		}
		check(t, "raw n", raw, tt.raw, 1e-9)
	}
	for _, bad := range [][4]float64{{0.1, 0.1, 0.05, 0.8}, {0, 0.1, 0.05, 0.8}, {0.1, 1, 0.05, 0.8}, {0.1, 0.2, 0, 0.8}, {0.1, 0.2, 0.05, 1}} {
		if _, _, err := RequiredNPerArm(bad[0], bad[1], bad[2], bad[3]); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestParseMDE(t *testing.T) {
	for _, tt := range []struct {
		in       string
		value    float64
		relative bool
		str      string
		target   float64 // from a baseline of 0.2
		err      string
	}{
		{"2pp", 0.02, false, "2pp", 0.22, ""},
		{" 2.5 PP ", 0.025, false, "2.5pp", 0.225, ""},
		{"10%", 0.10, true, "10%", 0.22, ""},
		{"0.5%", 0.005, true, "0.5%", 0.201, ""},
		{"400%", 4, true, "400%", 1, "reaches 100%"},
		{"85pp", 0.85, false, "85pp", 1, "reaches 100%"},
		{"2", 0, false, "", 0, "write 2pp"},
		{"0.02", 0, false, "", 0, "write 2pp"},
		{"0pp", 0, false, "", 0, "positive"},
		{"-2pp", 0, false, "", 0, "positive"},
		{"NaN%", 0, false, "", 0, "positive"},
		{"infpp", 0, false, "", 0, "positive"},
		{"100pp", 0, false, "", 0, "below 100"},
		{"pp", 0, false, "", 0, "positive"},
		{"", 0, false, "", 0, "write 2pp"},
	} {
		m, err := ParseMDE(tt.in)
		if tt.err != "" && tt.value == 0 {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !close(m.Value, tt.value, 1e-12) || m.Relative != tt.relative || m.String() != tt.str {
			t.Errorf("%q = %+v %q (%v), want %v %v %q", tt.in, m, m.String(), err, tt.value, tt.relative, tt.str)
			continue
		}
		p2, err := m.Target(0.2)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q target: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		check(t, tt.in+" target", p2, tt.target, 1e-12)
	}
	for _, b := range []float64{0, 1, math.NaN()} {
		if _, err := (MDE{Value: 0.1, Relative: true}).Target(b); err == nil {
			t.Errorf("baseline %v: want an error", b)
		}
	}
}

func TestParseWeights(t *testing.T) {
	w, err := ParseWeights("50, 25,25")
	if err != nil || len(w) != 3 || w[0] != 50 || w[2] != 25 {
		t.Errorf("50,25,25 = %v %v", w, err)
	}
	for _, bad := range []string{"", "50", "50,", "50,0", "50,-1", "a,b", "50,NaN", "1,inf"} {
		if _, err := ParseWeights(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func FuzzParseMDE(f *testing.F) {
	for _, s := range []string{"2pp", "10%", "0.5 pp", "-1%", "1e308%", "pp", "%", "NaN pp", "99.9999pp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMDE(s)
		if err != nil {
			return
		}
		if !(m.Value > 0) || math.IsInf(m.Value, 0) || (!m.Relative && m.Value >= 1) {
			t.Fatalf("%q parsed to %+v", s, m)
		}
		back, err := ParseMDE(m.String())
		if err != nil || back.Relative != m.Relative || !close(back.Value, m.Value, 1e-12) {
			t.Fatalf("%q → %q → %+v %v", s, m.String(), back, err)
		}
		if p2, err := m.Target(0.3); err == nil && !(p2 > 0.3 && p2 < 1) {
			t.Fatalf("%q: target %v", s, p2)
		}
	})
}

func FuzzParseWeights(f *testing.F) {
	for _, s := range []string{"50,50", "1,1,2", "0.3, 0.7", ",", "1e400,1", "-0,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeights(s)
		if err != nil {
			return
		}
		counts := make([]int64, len(w))
		for i := range counts {
			counts[i] = int64(i * 7)
		}
		srm, err := SRMCheck(counts, w)
		if err != nil {
			t.Fatalf("%q parsed to %v but SRMCheck refused it: %v", s, w, err)
		}
		if srm.PValue != nil && (*srm.PValue < 0 || *srm.PValue > 1) {
			t.Fatalf("%q: p %v", s, *srm.PValue)
		}
	})
}

func TestDecide(t *testing.T) {
	cmp := func(p, lo, hi float64) Comparison {
		return Comparison{Test: TestUsedZ, PValue: Ptr(p), PAdjusted: Ptr(p), Diff: Estimate{Value: Ptr((lo + hi) / 2), CI: &Interval{Low: lo, High: hi}}}
	}
	ok := DecisionSettings{SRMPassed: true}
	for _, tt := range []struct {
		name    string
		c       Comparison
		s       DecisionSettings
		outcome string
		warn    string
		reason  string
	}{
		// V8: p .0124, Newcombe [.0054, .0446] → winner.
		{"V8 winner", cmp(0.0123509477111914, 0.00541033906700095, 0.0446236352376339), ok, DecisionWinner, "", "favourable"},
		{"loser", cmp(0.001, -0.05, -0.01), ok, DecisionLoser, "", "unfavourable"},
		{"a drop wins when lower is better", cmp(0.001, -0.05, -0.01), DecisionSettings{SRMPassed: true, LowerIsBetter: true}, DecisionWinner, "", "favourable"},
		{"a rise loses when lower is better", cmp(0.001, 0.01, 0.05), DecisionSettings{SRMPassed: true, LowerIsBetter: true}, DecisionLoser, "", "unfavourable"},
		{"no difference", cmp(0.4, -0.02, 0.03), ok, DecisionNoDifference, "", "includes 0"},
		// V9: Fisher p .057, Newcombe [.082, .746] excludes 0 → they disagree.
		{"V9 disagree", cmp(0.0572755417956654, 0.0815939754274432, 0.745936324910972), ok, DecisionInconclusive, WarnTestCIDisagree, "not significant"},
		{"significant but the interval crosses 0", cmp(0.04, -0.001, 0.05), ok, DecisionInconclusive, WarnTestCIDisagree, "includes 0"},
		{"SRM", cmp(0.001, 0.01, 0.05), DecisionSettings{SRMPassed: false}, DecisionInconclusive, WarnSampleRatio, "sample-ratio"},
		{"underpowered win", cmp(0.001, 0.01, 0.05), DecisionSettings{SRMPassed: true, Underpowered: true}, DecisionInconclusive, WarnUnderpowered, "planned size"},
		{"underpowered null", cmp(0.5, -0.01, 0.02), DecisionSettings{SRMPassed: true, Underpowered: true}, DecisionInconclusive, WarnUnderpowered, "could still be there"},
		{"alpha .01", cmp(0.02, 0.001, 0.05), DecisionSettings{SRMPassed: true, Alpha: 0.01}, DecisionInconclusive, WarnTestCIDisagree, "0.02"},
		{"untestable", Comparison{Diff: Estimate{CI: &Interval{}}}, ok, DecisionInconclusive, "", "nothing could be tested"},
	} {
		d := Decide(tt.c, tt.s)
		if d.Outcome != tt.outcome || !strings.Contains(d.Reason, tt.reason) || (tt.warn != "") != hasWarning(d.Warnings, tt.warn) || (tt.warn == "" && len(d.Warnings) > 0) {
			t.Errorf("%s: %+v, want %s (%s) with %q", tt.name, d, tt.outcome, tt.warn, tt.reason)
		}
	}
	// The adjusted p decides, not the raw one: raw .02, Holm .06 with the interval excluding 0.
	c := cmp(0.02, 0.001, 0.05)
	c.PAdjusted = Ptr(0.06)
	if d := Decide(c, ok); d.Outcome != DecisionInconclusive || !hasWarning(d.Warnings, WarnTestCIDisagree) {
		t.Errorf("adjusted p: %+v", d)
	}
}
