package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// This file holds the statistics of comparing a treatment group with a
// control group (docs/metrics.md#comparing-groups-ab): tests and intervals
// for two proportions, two NPS scores and two means. Each comparison is
// "treatment B against control A": differences are B − A and lifts B/A − 1.

// Counts is x successes out of n users in one group.
type Counts struct {
	X, N int64
}

func (c Counts) rate() float64 { return float64(c.X) / float64(c.N) }

// Estimate is a point estimate with its interval; both nil when undefined
// (JSON null, never NaN).
type Estimate struct {
	Value *float64  `json:"value"`
	CI    *Interval `json:"ci"`
}

// Comparison is one treatment-versus-control comparison: the difference and
// the relative lift with their intervals, the test that was run (named, as
// the automatic switch to Fisher can change it), its statistic and p-value.
// Statistic and PValue are nil when nothing can be tested (an empty group, or
// no variance at all). PAdjusted is filled by AdjustComparisons.
type Comparison struct {
	Diff      Estimate  `json:"diff"`
	Lift      Estimate  `json:"lift"`
	Test      string    `json:"test"`
	Statistic *float64  `json:"statistic"`
	DF        *float64  `json:"df,omitempty"`
	PValue    *float64  `json:"p_value"`
	PAdjusted *float64  `json:"p_adjusted"`
	Warnings  []Warning `json:"warnings"`
}

// The two-proportion tests a user can ask for (--test), and the names the
// output gives the test actually run.
const (
	PropTestZ         = "z"          // pooled z test (the default)
	PropTestZUnpooled = "z-unpooled" // unpooled (Welch-style) z test
	PropTestFisher    = "fisher"     // Fisher's exact test, always

	TestUsedZ         = "z_pooled"
	TestUsedZUnpooled = "z_unpooled"
	TestUsedFisher    = "fisher_exact"
	TestUsedNPSZ      = "z_nps"
	TestUsedWelch     = "welch_t"
)

// TwoProportionTests are the values --test accepts.
var TwoProportionTests = []string{PropTestZ, PropTestZUnpooled, PropTestFisher}

// The intervals for a difference of two proportions (--diff-ci).
const (
	DiffCINewcombe = "newcombe" // hybrid score, Newcombe's method 10 (the default)
	DiffCIWald     = "wald"
)

// FisherMinExpected is Cochran's rule: when any expected cell of the 2×2
// table is below it, Fisher's exact test replaces the z test.
const FisherMinExpected = 5.0

// ProportionSettings choose the test and the difference interval; zero
// values mean the defaults (95%, pooled z, Newcombe).
type ProportionSettings struct {
	Level  float64 // confidence level of the intervals
	Test   string  // PropTestZ, PropTestZUnpooled or PropTestFisher
	DiffCI string  // DiffCINewcombe or DiffCIWald
}

// CompareProportions compares treatment b with control a: the difference
// in rates with its Newcombe (or Wald) interval, the relative lift with its
// Katz interval, and the test. An empty group gives nulls and the warning
// empty_denominator.
func CompareProportions(a, b Counts, s ProportionSettings) (Comparison, error) {
	c := Comparison{Warnings: []Warning{}}
	test, err := proportionTestName(s.Test)
	if err != nil {
		return c, err
	}
	c.Test = test
	if s.Level == 0 {
		s.Level = 0.95
	}
	if a.N <= 0 || b.N <= 0 {
		c.Warnings = append(c.Warnings, Warning{Code: "empty_denominator",
			Message: "a group has no users, so there is nothing to compare"})
		return c, nil
	}
	tr := TestProportions(a, b, s.Test)
	c.Test, c.Statistic, c.PValue = tr.Test, tr.Statistic, tr.PValue
	c.Diff = DiffCI(a, b, s.Level, s.DiffCI)
	var w []Warning
	c.Lift, w = KatzLift(a, b, s.Level)
	c.Warnings = append(c.Warnings, w...)
	return c, nil
}

// TestResult is the outcome of a two-proportion test: the test actually
// run, its statistic (z; nil for Fisher) and the two-sided p-value (nil
// when a group is empty).
type TestResult struct {
	Test      string
	Statistic *float64
	PValue    *float64
}

func proportionTestName(test string) (string, error) {
	switch test {
	case "", PropTestZ:
		return TestUsedZ, nil
	case PropTestZUnpooled:
		return TestUsedZUnpooled, nil
	case PropTestFisher:
		return TestUsedFisher, nil
	}
	return "", &UsageError{fmt.Errorf("unknown test %q: use one of z, z-unpooled, fisher", test)}
}

// TestProportions runs the two-proportion test named by test ("" = pooled
// z). Either z test gives way to Fisher's exact test when any expected cell
// is below FisherMinExpected; that covers both groups at 0% or both at 100%
// (no variance: the statistic is nil and p = 1). The unpooled z test also
// gives way to Fisher when each group is all-or-nothing (its standard error
// is 0). An unknown test name is treated as the default.
func TestProportions(a, b Counts, test string) TestResult {
	name, err := proportionTestName(test)
	if err != nil {
		name = TestUsedZ
	}
	if a.N <= 0 || b.N <= 0 {
		return TestResult{Test: name}
	}
	if name != TestUsedFisher && MinExpected(a, b) < FisherMinExpected {
		name = TestUsedFisher
	}
	if name == TestUsedZUnpooled {
		z, ok := unpooledZ(a, b)
		if !ok {
			name = TestUsedFisher
		} else {
			return TestResult{Test: name, Statistic: Ptr(z), PValue: Ptr(normalP(z))}
		}
	}
	if name == TestUsedZ {
		if z, ok := pooledZ(a.X, a.N, b.X, b.N); ok {
			return TestResult{Test: name, Statistic: Ptr(z), PValue: Ptr(normalP(z))}
		}
		name = TestUsedFisher // no variance; MinExpected has caught this already
	}
	return TestResult{Test: name, PValue: Ptr(FisherExactP(a, b))}
}

// MinExpected is the smallest expected cell count of the 2×2 table of a and
// b under independence, row total × column total / grand total.
func MinExpected(a, b Counts) float64 {
	n := float64(a.N + b.N)
	k := float64(a.X + b.X)
	return float64(min(a.N, b.N)) * math.Min(k, n-k) / n
}

// pooledZ is the pooled two-proportion z statistic of (x2/n2 − x1/n1);
// ok is false when a size is 0 or the pooled rate is 0 or 1.
func pooledZ(x1, n1, x2, n2 int64) (float64, bool) {
	if n1 <= 0 || n2 <= 0 {
		return math.NaN(), false
	}
	p := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return math.NaN(), false
	}
	return (float64(x2)/float64(n2) - float64(x1)/float64(n1)) / se, true
}

// unpooledZ is (p_B − p_A) over the unpooled standard error; ok is false
// when that error is 0.
func unpooledZ(a, b Counts) (float64, bool) {
	pa, pb := a.rate(), b.rate()
	se := math.Sqrt(pa*(1-pa)/float64(a.N) + pb*(1-pb)/float64(b.N))
	if se == 0 {
		return math.NaN(), false
	}
	return (pb - pa) / se, true
}

// FisherExactP is the two-sided p-value of Fisher's exact test of the 2×2
// table (x_A, n_A − x_A; x_B, n_B − x_B): the total hypergeometric
// probability, given the margins, of every table no more likely than the
// observed one (within a relative 1e-7, the convention of R and SciPy that
// keeps floating-point ties together). Computed in log space; NaN when a
// group is empty.
func FisherExactP(a, b Counts) float64 {
	if a.N <= 0 || b.N <= 0 {
		return math.NaN()
	}
	n, k := a.N+b.N, a.X+b.X
	lo, hi := max(0, k-b.N), min(k, a.N)
	base := lchoose(n, a.N)
	logP := func(x int64) float64 { return lchoose(k, x) + lchoose(n-k, a.N-x) - base }
	limit := logP(a.X) + math.Log1p(1e-7)
	var sum float64
	for x := lo; x <= hi; x++ {
		if lp := logP(x); lp <= limit {
			sum += math.Exp(lp)
		}
	}
	return math.Min(1, sum)
}

// lchoose is log C(n, k).
func lchoose(n, k int64) float64 {
	a, _ := math.Lgamma(float64(n) + 1)
	b, _ := math.Lgamma(float64(k) + 1)
	c, _ := math.Lgamma(float64(n-k) + 1)
	return a - b - c
}

// DiffCI is the difference of rates p_B − p_A with its interval at level:
// Newcombe's hybrid score interval (method 10, built from the two Wilson
// intervals; the default) or Wald's (unpooled SE). Nulls when a group is
// empty.
func DiffCI(a, b Counts, level float64, method string) Estimate {
	if a.N <= 0 || b.N <= 0 {
		return Estimate{}
	}
	z := Z(level)
	pa, pb := a.rate(), b.rate()
	d := pb - pa
	var lo, hi float64
	if method == DiffCIWald {
		half := z * math.Sqrt(pa*(1-pa)/float64(a.N)+pb*(1-pb)/float64(b.N))
		lo, hi = d-half, d+half
	} else {
		method = DiffCINewcombe
		la, ua := Wilson(a.X, a.N, z)
		lb, ub := Wilson(b.X, b.N, z)
		lo = d - math.Hypot(pb-lb, ua-pa)
		hi = d + math.Hypot(ub-pb, pa-la)
	}
	return Estimate{Value: Ptr(d), CI: &Interval{Low: math.Max(-1, lo), High: math.Min(1, hi), Level: level, Method: method}}
}

// KatzLift is the relative lift p_B/p_A − 1 with the Katz log interval
// exp(ln(p_B/p_A) ± z·√(1/x_B − 1/n_B + 1/x_A − 1/n_A)) − 1. With no
// conversions in control the lift is undefined (nulls, warning
// zero_control); with none in the treatment the lift is −1 and the log
// interval undefined (interval null, warning zero_count_lift_ci). There is
// no 0.5 correction: it would give an interval that leaves out its own
// point estimate.
func KatzLift(a, b Counts, level float64) (Estimate, []Warning) {
	if a.N <= 0 || b.N <= 0 {
		return Estimate{}, nil
	}
	if a.X == 0 {
		return Estimate{}, []Warning{{Code: "zero_control",
			Message: "the control group has no conversions, so a relative lift is undefined; read the difference in points"}}
	}
	ratio := b.rate() / a.rate()
	if b.X == 0 {
		return Estimate{Value: Ptr(ratio - 1)}, []Warning{{Code: "zero_count_lift_ci",
			Message: "the treatment group has no conversions: the lift is −100% and has no log interval; read the difference interval"}}
	}
	se := math.Sqrt(1/float64(b.X) - 1/float64(b.N) + 1/float64(a.X) - 1/float64(a.N))
	z := Z(level)
	l := math.Log(ratio)
	return Estimate{Value: Ptr(ratio - 1), CI: &Interval{
		Low: math.Exp(l-z*se) - 1, High: math.Exp(l+z*se) - 1, Level: level, Method: "katz_log"}}, nil
}

// NPSCounts are the promoters and detractors among n answers.
type NPSCounts struct {
	Promoters, Detractors, N int64
}

// CompareNPS compares treatment b's NPS with control a's, in points: the
// difference, its Wald interval with SE = √(SE_A² + SE_B²) from each
// group's own trinomial SE, and the z test on it. There is no lift (a
// score can be 0 or negative). Nulls and empty_denominator when a group has
// no answers; statistic and p nil when both SEs are 0.
func CompareNPS(a, b NPSCounts, level float64) Comparison {
	c := Comparison{Test: TestUsedNPSZ, Warnings: []Warning{}}
	if a.N <= 0 || b.N <= 0 {
		c.Warnings = append(c.Warnings, Warning{Code: "empty_denominator",
			Message: "a group has no answers, so there is nothing to compare"})
		return c
	}
	z := Z(level)
	sa := NPSWald(a.Promoters, a.Detractors, a.N, z, false)
	sb := NPSWald(b.Promoters, b.Detractors, b.N, z, false)
	d := 100 * (float64(b.Promoters-b.Detractors)/float64(b.N) - float64(a.Promoters-a.Detractors)/float64(a.N))
	se := math.Hypot(sa.SE, sb.SE)
	c.Diff.Value = Ptr(d)
	c.Diff.CI = &Interval{Low: math.Max(-200, d-z*se), High: math.Min(200, d+z*se), Level: level, Method: "wald"}
	if se > 0 {
		c.Statistic = Ptr(d / se)
		c.PValue = Ptr(DiffP(d, sa.SE, sb.SE))
	}
	for _, g := range []NPSCounts{a, b} {
		if g.N < 30 {
			c.Warnings = append(c.Warnings, Warning{Code: "small_sample",
				Message: fmt.Sprintf("a group has %d answers; the z test on NPS wants at least 30 per group", g.N)})
			break
		}
	}
	return c
}

// Moments are a sample's size, mean and standard deviation (divisor n − 1).
type Moments struct {
	N        int64
	Mean, SD float64
}

// MomentsOf summarises values.
func MomentsOf(values []float64) Moments {
	m := NewMean(values, 0.95, math.Inf(-1), math.Inf(1))
	out := Moments{N: m.N}
	if m.Mean != nil {
		out.Mean = *m.Mean
	}
	if m.SD != nil {
		out.SD = *m.SD
	}
	return out
}

// welch is Welch's t test of mean2 − mean1: the difference's standard
// error, t and the Welch–Satterthwaite degrees of freedom; ok is false when
// a size is below 2 or both variances are 0.
func welch(m1, sd1 float64, n1 int64, m2, sd2 float64, n2 int64) (se, t, df float64, ok bool) {
	if n1 < 2 || n2 < 2 {
		return math.NaN(), math.NaN(), math.NaN(), false
	}
	a, b := sd1*sd1/float64(n1), sd2*sd2/float64(n2)
	if a+b == 0 {
		return 0, math.NaN(), math.NaN(), false
	}
	se = math.Sqrt(a + b)
	df = (a + b) * (a + b) / (a*a/float64(n1-1) + b*b/float64(n2-1))
	return se, (m2 - m1) / se, df, true
}

// CompareMeans compares treatment b's mean with control a's (revenue per
// user, time to value): the difference with Welch's t interval and test,
// and the lift b/a − 1 with a delta-method normal interval,
// SE² = Var(b̄)/ā² + b̄²·Var(ā)/ā⁴. Fewer than 2 values in a group gives
// nulls (warning small_sample); a control mean of 0 gives a null lift
// (warning zero_control).
func CompareMeans(a, b Moments, level float64) Comparison {
	c := Comparison{Test: TestUsedWelch, Warnings: []Warning{}}
	if a.N < 2 || b.N < 2 {
		c.Warnings = append(c.Warnings, Warning{Code: "small_sample",
			Message: "a group has fewer than 2 values, so the means cannot be compared"})
		return c
	}
	d := b.Mean - a.Mean
	c.Diff.Value = Ptr(d)
	se, t, df, ok := welch(a.Mean, a.SD, a.N, b.Mean, b.SD, b.N)
	if !ok {
		c.Warnings = append(c.Warnings, Warning{Code: "no_variance",
			Message: "every value of both groups is the same, so there is no variance to test the difference against"})
	}
	if ok {
		half := TQuantile(1-(1-level)/2, df) * se
		c.Diff.CI = &Interval{Low: d - half, High: d + half, Level: level, Method: "welch_t"}
		c.Statistic, c.DF = Ptr(t), Ptr(df)
		c.PValue = Ptr(2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(t)))
	}
	if a.Mean == 0 {
		c.Warnings = append(c.Warnings, Warning{Code: "zero_control",
			Message: "the control mean is 0, so a relative lift is undefined; read the difference"})
		return c
	}
	va, vb := a.SD*a.SD/float64(a.N), b.SD*b.SD/float64(b.N)
	lift := b.Mean/a.Mean - 1
	seLift := math.Sqrt(vb/(a.Mean*a.Mean) + b.Mean*b.Mean*va/math.Pow(a.Mean, 4))
	z := Z(level)
	c.Lift = Estimate{Value: Ptr(lift), CI: &Interval{Low: lift - z*seLift, High: lift + z*seLift, Level: level, Method: "delta"}}
	return c
}
