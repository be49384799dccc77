package metrics

import (
	"math"
	"strings"
	"testing"
)

func TestFigurePath(t *testing.T) {
	for _, tt := range []struct {
		m    Metric
		path string
		err  string // "" for a valid path
	}{
		{ActivationMetric, "rate.value", ""},
		{ActivationMetric, "rate.numerator", ""},
		{ActivationMetric, "cohorts[2].rate.value", ""},
		{ActivationMetric, "segments[0].rate.value", ""},
		{ActivationMetric, "rate.ci.low", ""},
		{NPSMetric, "nps", ""},
		{NPSMetric, "shares.promoters", ""},
		{CSATMetric, "mean", ""},
		{CSATMetric, "csat.value", ""},
		{CSATMetric, "periods[0].csat.value", ""},
		{CSATMetric, "periods[0].period", "is text"},
		{CESMetric, "excluded.missing", ""},
		{ActivationMetric, "rate", `rate is an object, not a number (its fields: numerator, denominator, value, ci)`},
		{ActivationMetric, "rate.valu", `rate has no field "valu"`},
		{ActivationMetric, "cohorts.rate", `cohorts is a list: name an item, cohorts[0].rate`},
		{ActivationMetric, "rate[0]", `rate is not a list`},
		{ActivationMetric, "cohorts[0].cohort", `cohorts[0].cohort is text, not a number`},
		{ActivationMetric, "segments[0]", `a segment is an object`},
		{ActivationMetric, "cohorts[x].size", `[x] is not an index`},
		{ActivationMetric, "rate..value", `a field name is missing`},
		{NPSMetric, "score", `the result has no field "score"`},
	} {
		err := tt.m.FigurePath(tt.path)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v", tt.path, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: got %v, want %q", tt.path, err, tt.err)
		}
	}
}

func TestChangeTests(t *testing.T) {
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("%s = %.12g, want %.12g", name, got, want)
		}
	}
	// 40/100 vs 60/100: pooled p .5, SE sqrt(.25·.02) = .0707107, z = −2.828427
	near("two-proportion", TwoProportionP(40, 100, 60, 100), 0.004677734981047265)
	near("two-proportion equal", TwoProportionP(30, 100, 30, 100), 1)
	// an A/B of large counts: 200/2000 vs 250/2000, pooled .1125, SE .00999218, z = 2.50195541680267
	near("two-proportion V8", TwoProportionP(250, 2000, 200, 2000), 0.0123509477111914)
	near("two-proportion no variance", TwoProportionP(0, 10, 0, 20), math.NaN())
	near("two-proportion empty", TwoProportionP(0, 0, 3, 20), math.NaN())
	// d 5 points, SEs 3 and 4: z = 1
	near("diff", DiffP(5, 3, 4), 0.31731050786291415)
	// 10 ± 2 (n 10) vs 12 ± 3 (n 12): t −1.865010, df 19.1905; p by
	// integrating the t density numerically
	if p := WelchP(10, 2, 10, 12, 3, 12); math.Abs(p-0.0775464386820591) > 1e-7 {
		t.Errorf("welch = %.12g", p)
	}
	near("welch n<2", WelchP(10, 2, 1, 12, 3, 12), math.NaN())
}
