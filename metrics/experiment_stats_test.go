package metrics

import (
	"errors"
	"math"
	"testing"
)

// Reference values: the worked examples V8 and V9 (docs/metrics.md) where named; the rest from
// SciPy 1.10 (scipy.stats.fisher_exact, scipy.stats.norm,
// scipy.stats.ttest_ind_from_stats(equal_var=False), scipy.stats.t.ppf),
// with the Wilson, Newcombe and Katz formulas written out in plain Python.

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func checkPtr(t *testing.T, name string, got *float64, want, tol float64) {
	t.Helper()
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s = %v, want null", name, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s = null, want %.15g", name, want)
		return
	}
	check(t, name, *got, want, tol)
}

func hasWarning(ws []Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestCompareProportions(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name          string
		a, b          Counts
		test          string
		wantTest      string
		z, p          float64 // z NaN = statistic null
		lo, hi        float64 // Newcombe
		lift, llo, lh float64 // NaN = null
		warn          string
	}{
		// V8: large counts, pooled z; Katz lift 0.25.
		{"V8", Counts{200, 2000}, Counts{250, 2000}, "", TestUsedZ, 2.50195541680267, 0.0123509477111914,
			0.00541033906700095, 0.0446236352376339, 0.25, 0.0490017977617259, 0.489511269984412, ""},
		// V8 with the unpooled z (SciPy norm): z = 0.025/√(.1·.9/2000 + .125·.875/2000).
		{"V8 unpooled", Counts{200, 2000}, Counts{250, 2000}, PropTestZUnpooled, TestUsedZUnpooled, 2.503915429180671, 0.012282738972377402,
			0.00541033906700095, 0.0446236352376339, 0.25, 0.0490017977617259, 0.489511269984412, ""},
		// V8 forced Fisher.
		{"V8 fisher", Counts{200, 2000}, Counts{250, 2000}, PropTestFisher, TestUsedFisher, nan, 0.0141387298714190,
			0.00541033906700095, 0.0446236352376339, 0.25, 0.0490017977617259, 0.489511269984412, ""},
		// V9: expected 3.5 < 5 → Fisher replaces z (z would say p = 0.019).
		{"V9", Counts{1, 10}, Counts{6, 10}, "", TestUsedFisher, nan, 0.0572755417956654,
			0.0815939754274432, 0.745936324910972, 5, -0.126512620707882, 40.2141043516562, ""},
		// V9's unpooled request also switches.
		{"V9 unpooled", Counts{1, 10}, Counts{6, 10}, PropTestZUnpooled, TestUsedFisher, nan, 0.0572755417956654,
			0.0815939754274432, 0.745936324910972, 5, -0.126512620707882, 40.2141043516562, ""},
		// V9 boundary: expected 5.5 keeps z; forced Fisher 0.0309503051438535.
		{"V9 boundary", Counts{2, 20}, Counts{9, 20}, "", TestUsedZ, 2.47874981128779, 0.0131843749748368,
			0.0721464628773229, 0.570072145798770, 3.5, 0.108335403339278, 17.2706425681154, ""},
		{"V9 boundary fisher", Counts{2, 20}, Counts{9, 20}, PropTestFisher, TestUsedFisher, nan, 0.0309503051438535,
			0.0721464628773229, 0.570072145798770, 3.5, 0.108335403339278, 17.2706425681154, ""},
		// Fisher at tiny counts, a drop (SciPy fisher_exact [[3,1],[1,3]] = 0.48571428571428565).
		{"3/4 vs 1/4", Counts{3, 4}, Counts{1, 4}, "", TestUsedFisher, nan, 0.48571428571428565,
			-0.7890832680847557, 0.13548840058295153, -2.0 / 3, -0.944301743401451, 0.9948759242494085, ""},
		// zero control: lift null, warning zero_control; Fisher 0.05628449442882433.
		{"zero control", Counts{0, 50}, Counts{5, 50}, "", TestUsedFisher, nan, 0.05628449442882433,
			0.008975448080590032, 0.21360231437479654, nan, nan, nan, "zero_control"},
		// zero treatment: lift −1, interval null; Fisher 0.0008918617614269787.
		{"zero treatment", Counts{7, 12}, Counts{0, 15}, "", TestUsedFisher, nan, 0.0008918617614269787,
			-0.8067396863412435, -0.24991098991328953, -1, nan, nan, "zero_count_lift_ci"},
		// both 0%: nothing varies; Fisher p = 1, statistic null.
		{"both 0%", Counts{0, 100}, Counts{0, 100}, "", TestUsedFisher, nan, 1,
			-0.03699349820698568, 0.03699349820698568, nan, nan, nan, "zero_control"},
		// both 100%: the same; the Katz interval collapses to [0, 0].
		{"both 100%", Counts{100, 100}, Counts{80, 80}, "", TestUsedFisher, nan, 1,
			-0.04581812953552711, 0.03699349820698572, 0, 0, 0, ""},
		// 0% against 100% at n = 10: expected 5 each keeps pooled z (= √20);
		// the unpooled z has SE 0 and gives way to Fisher (1.082508822446903e-05).
		{"0% vs 100%", Counts{0, 10}, Counts{10, 10}, "", TestUsedZ, math.Sqrt(20), 7.744216431044085e-06,
			0.6075093504305242, 1, nan, nan, nan, "zero_control"},
		{"0% vs 100% unpooled", Counts{0, 10}, Counts{10, 10}, PropTestZUnpooled, TestUsedFisher, nan, 1.082508822446903e-05,
			0.6075093504305242, 1, nan, nan, nan, "zero_control"},
		// pooled z = 10/100 vs 20/100: p̄ .15, SE √(.1275·.02), z 1.98029508595; unpooled z = 2 exactly.
		{"10/100 vs 20/100 unpooled", Counts{10, 100}, Counts{20, 100}, PropTestZUnpooled, TestUsedZUnpooled, 2, 0.04550026389635839,
			0.000149025118557633, 0.19947387007806955, 1, -0.013436793268217895, 3.0544791988046267, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := CompareProportions(tt.a, tt.b, ProportionSettings{Level: 0.95, Test: tt.test})
			if err != nil {
				t.Fatal(err)
			}
			if c.Test != tt.wantTest {
				t.Errorf("test = %q, want %q", c.Test, tt.wantTest)
			}
			checkPtr(t, "statistic", c.Statistic, tt.z, 1e-9)
			checkPtr(t, "p", c.PValue, tt.p, 1e-9)
			check(t, "diff", val(c.Diff.Value), tt.b.rate()-tt.a.rate(), 1e-12)
			check(t, "newcombe low", c.Diff.CI.Low, tt.lo, 1e-9)
			check(t, "newcombe high", c.Diff.CI.High, tt.hi, 1e-9)
			checkPtr(t, "lift", c.Lift.Value, tt.lift, 1e-9)
			if math.IsNaN(tt.llo) != (c.Lift.CI == nil) {
				t.Fatalf("lift ci = %+v, want low %v", c.Lift.CI, tt.llo)
			}
			if c.Lift.CI != nil {
				check(t, "katz low", c.Lift.CI.Low, tt.llo, 1e-9)
				check(t, "katz high", c.Lift.CI.High, tt.lh, 1e-9)
			}
			if tt.warn != "" && !hasWarning(c.Warnings, tt.warn) {
				t.Errorf("warnings %+v, want %s", c.Warnings, tt.warn)
			}
			if tt.warn == "" && len(c.Warnings) > 0 {
				t.Errorf("unexpected warnings %+v", c.Warnings)
			}
		})
	}
}

func TestCompareProportionsEdges(t *testing.T) {
	c, err := CompareProportions(Counts{0, 0}, Counts{3, 10}, ProportionSettings{Level: 0.95})
	if err != nil || c.PValue != nil || c.Diff.Value != nil || !hasWarning(c.Warnings, "empty_denominator") {
		t.Errorf("empty control: %+v %v", c, err)
	}
	_, err = CompareProportions(Counts{1, 10}, Counts{3, 10}, ProportionSettings{Level: 0.95, Test: "t"})
	var u *UsageError
	if !errors.As(err, &u) {
		t.Errorf("unknown test: %v, want a usage error", err)
	}
	// Zero settings are the defaults: 95%, pooled z, Newcombe (V8).
	c, _ = CompareProportions(Counts{200, 2000}, Counts{250, 2000}, ProportionSettings{})
	if c.Test != TestUsedZ || c.Diff.CI.Method != DiffCINewcombe || c.Diff.CI.Level != 0.95 {
		t.Errorf("defaults: %+v", c)
	}
	check(t, "default newcombe low", c.Diff.CI.Low, 0.00541033906700095, 1e-9)
	// V8 Wald interval on the unpooled SE.
	d := DiffCI(Counts{200, 2000}, Counts{250, 2000}, 0.95, DiffCIWald)
	check(t, "wald low", d.CI.Low, 0.00543100855465603, 1e-9)
	check(t, "wald high", d.CI.High, 0.0445689914453440, 1e-9)
	// V8 χ² without Yates equals z².
	z, _ := pooledZ(200, 2000, 250, 2000)
	check(t, "chi2", z*z, 6.25978090766823, 1e-9)
	// V9: the z test Fisher replaces.
	z, _ = pooledZ(1, 10, 6, 10)
	check(t, "V9 z", z, 2.34403615469248, 1e-9)
	check(t, "V9 z p", normalP(z), 0.0190763221017785, 1e-9)
	check(t, "V8 expected", MinExpected(Counts{200, 2000}, Counts{250, 2000}), 225, 1e-12)
	check(t, "V9 expected", MinExpected(Counts{1, 10}, Counts{6, 10}), 3.5, 1e-12)
}

// Fisher against exact enumeration of the hypergeometric in rationals for
// a few tables (SciPy fisher_exact agrees): p is symmetric in swapping the
// groups and in swapping successes for failures.
func TestFisherExactP(t *testing.T) {
	for _, tt := range []struct {
		a, b Counts
		want float64
	}{
		{Counts{1, 10}, Counts{6, 10}, 0.0572755417956654},
		{Counts{6, 10}, Counts{1, 10}, 0.0572755417956654},
		{Counts{9, 10}, Counts{4, 10}, 0.0572755417956654},
		{Counts{3, 4}, Counts{1, 4}, 34.0 / 70},                    // tables 4:1/70, 16, 36, 16, 1 → 1+16+16+1
		{Counts{0, 3}, Counts{3, 3}, 2.0 / 20},                     // C(6,3) = 20 tables, the two extremes
		{Counts{2, 4}, Counts{2, 4}, 1},                            // the mode
		{Counts{0, 1}, Counts{1, 1}, 1},                            // every table equally likely
		{Counts{200, 2000}, Counts{250, 2000}, 0.0141387298714190}, // V8
	} {
		check(t, "fisher", FisherExactP(tt.a, tt.b), tt.want, 1e-9)
	}
	if !math.IsNaN(FisherExactP(Counts{0, 0}, Counts{1, 2})) {
		t.Error("fisher of an empty group should be NaN")
	}
}

func TestCompareNPS(t *testing.T) {
	// V2 (P 90, D 40 of 200; SE 5.4198708471697) against V3 (P 12, D 4 of
	// 20; SE 17.8885438199983): diff 15, SE = hypot (SciPy norm for p).
	c := CompareNPS(NPSCounts{90, 40, 200}, NPSCounts{12, 4, 20}, 0.95)
	check(t, "diff", val(c.Diff.Value), 15, 1e-9)
	check(t, "z", val(c.Statistic), 0.8025005642584074, 1e-9)
	check(t, "p", val(c.PValue), 0.4222634621346365, 1e-9)
	check(t, "low", c.Diff.CI.Low, -21.63481507364287, 1e-9)
	check(t, "high", c.Diff.CI.High, 51.63481507364287, 1e-9)
	if c.Test != TestUsedNPSZ || !hasWarning(c.Warnings, "small_sample") || c.Lift.Value != nil {
		t.Errorf("V2 vs V3: %+v", c)
	}
	c = CompareNPS(NPSCounts{120, 60, 300}, NPSCounts{150, 50, 320}, 0.95)
	check(t, "diff 2", val(c.Diff.Value), 11.25, 1e-9)
	check(t, "z 2", val(c.Statistic), 1.89763896197971, 1e-9)
	check(t, "p 2", val(c.PValue), 0.05774365822362054, 1e-9)
	check(t, "low 2", c.Diff.CI.Low, -0.3694888847941815, 1e-9)
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %+v", c.Warnings)
	}
	// all promoters in both: SE 0, nothing to test
	c = CompareNPS(NPSCounts{40, 0, 40}, NPSCounts{35, 0, 35}, 0.95)
	if c.PValue != nil || c.Statistic != nil || val(c.Diff.Value) != 0 {
		t.Errorf("no variance: %+v", c)
	}
	if c := CompareNPS(NPSCounts{}, NPSCounts{1, 0, 3}, 0.95); c.Diff.Value != nil || !hasWarning(c.Warnings, "empty_denominator") {
		t.Errorf("empty: %+v", c)
	}
}

func TestCompareMeans(t *testing.T) {
	for _, tt := range []struct {
		a, b                 Moments
		tstat, p, df, lo, hi float64
		lift, liftLo, liftHi float64
	}{
		// SciPy ttest_ind_from_stats(12,3,12, 10,2,10, equal_var=False); t.ppf(0.975, df).
		{Moments{10, 10, 2}, Moments{12, 12, 3}, 1.8650096164806276, 0.07754643868205861, 19.190545987541217,
			-0.24301080516021534, 4.243010805160216, 0.2, -0.025693916538315487, 0.4256939165383154},
		// revenue per user, larger groups.
		{Moments{400, 52.3, 40.1}, Moments{380, 57.9, 44.7}, 1.83847267035656, 0.06638347576535887, 758.7686254886688,
			-0.3796015670971986, 11.579601567097201, 0.10707456978967489, -0.012525025462991696, 0.22667416504234147},
	} {
		c := CompareMeans(tt.a, tt.b, 0.95)
		check(t, "t", val(c.Statistic), tt.tstat, 1e-9)
		check(t, "p", val(c.PValue), tt.p, 1e-7)
		check(t, "df", val(c.DF), tt.df, 1e-9)
		check(t, "low", c.Diff.CI.Low, tt.lo, 1e-7)
		check(t, "high", c.Diff.CI.High, tt.hi, 1e-7)
		check(t, "lift", val(c.Lift.Value), tt.lift, 1e-9)
		check(t, "lift low", c.Lift.CI.Low, tt.liftLo, 1e-9)
		check(t, "lift high", c.Lift.CI.High, tt.liftHi, 1e-9)
		check(t, "WelchP agrees", WelchP(tt.b.Mean, tt.b.SD, tt.b.N, tt.a.Mean, tt.a.SD, tt.a.N), tt.p, 1e-7)
	}
	// From raw values (SciPy ttest_ind(B, A, equal_var=False)).
	a := MomentsOf([]float64{3.1, 0, 0, 12.5, 7.2, 0, 4.4, 9.9})
	b := MomentsOf([]float64{5.5, 0, 14.2, 8.8, 0, 11.1, 6.0, 3.3, 7.7})
	check(t, "sd A", a.SD, 4.825804892154557, 1e-9)
	c := CompareMeans(a, b, 0.95)
	check(t, "raw t", val(c.Statistic), 0.707409348448176, 1e-9)
	check(t, "raw p", val(c.PValue), 0.4903537338085048, 1e-7)

	if c := CompareMeans(Moments{5, 0, 3}, Moments{5, 2, 1}, 0.95); c.Lift.Value != nil || !hasWarning(c.Warnings, "zero_control") || c.PValue == nil {
		t.Errorf("zero control mean: %+v", c)
	}
	if c := CompareMeans(Moments{1, 3, 0}, Moments{5, 2, 1}, 0.95); c.Diff.Value != nil || !hasWarning(c.Warnings, "small_sample") {
		t.Errorf("n = 1: %+v", c)
	}
	if c := CompareMeans(Moments{4, 3, 0}, Moments{4, 3, 0}, 0.95); c.PValue != nil || val(c.Diff.Value) != 0 {
		t.Errorf("no variance: %+v", c)
	}
}
