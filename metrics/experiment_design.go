package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// This file holds what surrounds the per-comparison statistics of an
// experiment (docs/metrics.md#comparing-groups-ab): the multiple-comparison
// adjustment, the sample-ratio check, planning (minimum detectable effect
// and the sample size per group), and the decision.

// The p-value adjustments for several treatments against one control
// (--adjust).
const (
	AdjustHolm       = "holm" // the default
	AdjustBonferroni = "bonferroni"
	AdjustNone       = "none"
)

// Holm is Holm's step-down adjustment of p-values: with the m defined
// p-values sorted ascending, the i-th (from 1) becomes the running maximum
// of (m − i + 1)·p₍ᵢ₎, capped at 1, so the adjusted values keep the order of
// the raw ones. NaN entries (comparisons that could not be tested) stay NaN
// and do not count in m. Rejecting where the adjusted p ≤ α is Holm's
// procedure at level α.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	var idx []int
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-rank)*p[i]))
		out[i] = running
	}
	return out
}

// Bonferroni multiplies each defined p-value by their number, capped at 1.
func Bonferroni(p []float64) []float64 {
	m := 0
	for _, v := range p {
		if !math.IsNaN(v) {
			m++
		}
	}
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.Min(1, float64(m)*v)
	}
	return out
}

// AdjustComparisons sets every comparison's PAdjusted by method ("" =
// Holm). Untested comparisons keep a nil PAdjusted.
func AdjustComparisons(cs []Comparison, method string) error {
	p := make([]float64, len(cs))
	for i, c := range cs {
		p[i] = math.NaN()
		if c.PValue != nil {
			p[i] = *c.PValue
		}
	}
	var adj []float64
	switch method {
	case "", AdjustHolm:
		adj = Holm(p)
	case AdjustBonferroni:
		adj = Bonferroni(p)
	case AdjustNone:
		adj = p
	default:
		return &UsageError{fmt.Errorf("unknown adjustment %q: use holm, bonferroni or none", method)}
	}
	for i := range cs {
		cs[i].PAdjusted = Ptr(adj[i])
	}
	return nil
}

// SRMAlpha is the p-value below which the sample-ratio check fails: the
// usual bar, strict because the check runs on every experiment.
const SRMAlpha = 0.001

// SRM is the sample-ratio mismatch check: a chi-square goodness-of-fit test
// of the users per group against the intended split. Chi2 and PValue are nil
// when there are no users at all (nothing to check; Passed stays true).
type SRM struct {
	Chi2     *float64  `json:"chi2"`
	DF       int       `json:"df"`
	PValue   *float64  `json:"p_value"`
	Passed   bool      `json:"passed"`
	Expected []float64 `json:"expected"`
}

// SRMCheck tests counts (users per group) against weights (the intended
// split, any positive scale: 50,50 or 1,1; nil means equal). The weights
// must match the groups in number and all be positive and finite;
// otherwise the error is a *UsageError.
func SRMCheck(counts []int64, weights []float64) (SRM, error) {
	k := len(counts)
	if k < 2 {
		return SRM{}, &UsageError{fmt.Errorf("the sample-ratio check needs at least 2 groups, got %d", k)}
	}
	if weights == nil {
		weights = make([]float64, k)
		for i := range weights {
			weights[i] = 1
		}
	}
	if len(weights) != k {
		return SRM{}, &UsageError{fmt.Errorf("--weights gives %d weights for %d groups", len(weights), k)}
	}
	var wsum float64
	for i, w := range weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return SRM{}, &UsageError{fmt.Errorf("--weights: weight %d is %v; every weight must be a positive number", i+1, w)}
		}
		wsum += w
	}
	var total int64
	for i, c := range counts {
		if c < 0 {
			return SRM{}, fmt.Errorf("group %d has a negative count %d", i+1, c)
		}
		total += c
	}
	s := SRM{DF: k - 1, Passed: true, Expected: make([]float64, k)}
	for i, w := range weights {
		s.Expected[i] = float64(total) * w / wsum
	}
	if total == 0 {
		return s, nil
	}
	var chi2 float64
	for i, c := range counts {
		d := float64(c) - s.Expected[i]
		chi2 += d * d / s.Expected[i]
	}
	p := distuv.ChiSquared{K: float64(k - 1)}.Survival(chi2)
	s.Chi2, s.PValue = Ptr(chi2), Ptr(p)
	s.Passed = !(p < SRMAlpha)
	return s, nil
}

// ParseWeights reads an intended split such as "50,50" or "1,1,2".
func ParseWeights(s string) ([]float64, error) {
	fields := strings.Split(s, ",")
	if len(fields) < 2 {
		return nil, fmt.Errorf("weights %q: give one positive number per group, comma-separated (50,50)", s)
	}
	out := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("weights %q: %q is not a positive number", s, strings.TrimSpace(f))
		}
		out[i] = v
	}
	return out, nil
}

// MDE is a minimum detectable effect: absolute (in points, "2pp" = 0.02)
// or relative to the baseline rate ("10%" = 0.10).
type MDE struct {
	Value    float64
	Relative bool
}

// ParseMDE reads "2pp" (absolute percentage points) or "10%" (relative to
// the baseline). A bare number is refused, as it would be ambiguous.
func ParseMDE(s string) (MDE, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	var m MDE
	var num string
	switch {
	case strings.HasSuffix(t, "pp"):
		num = strings.TrimSuffix(t, "pp")
	case strings.HasSuffix(t, "%"):
		num, m.Relative = strings.TrimSuffix(t, "%"), true
	default:
		return m, fmt.Errorf("MDE %q: write 2pp for an absolute change of 2 points or 10%% for a change of 10%% of the baseline rate", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return MDE{}, fmt.Errorf("MDE %q: the size must be a positive number", s)
	}
	if !m.Relative && v >= 100 {
		return MDE{}, fmt.Errorf("MDE %q: an absolute change must be below 100 points", s)
	}
	m.Value = v / 100
	return m, nil
}

// String is the MDE as a user writes it.
func (m MDE) String() string {
	unit := "pp"
	if m.Relative {
		unit = "%"
	}
	return strconv.FormatFloat(m.Value*100, 'g', -1, 64) + unit
}

// Delta is the MDE in proportion units for a baseline rate.
func (m MDE) Delta(baseline float64) float64 {
	if m.Relative {
		return m.Value * baseline
	}
	return m.Value
}

// Target is the rate the treatment must reach for the MDE from baseline;
// an error when the baseline is not strictly between 0 and 1 or the target
// would reach 100%.
func (m MDE) Target(baseline float64) (float64, error) {
	if !(baseline > 0 && baseline < 1) {
		return math.NaN(), fmt.Errorf("baseline rate %v: planning needs a rate strictly between 0 and 1", baseline)
	}
	p2 := baseline + m.Delta(baseline)
	if p2 >= 1 {
		return math.NaN(), fmt.Errorf("a baseline of %.4g plus an MDE of %s reaches 100%%", baseline, m)
	}
	return p2, nil
}

// RequiredNPerArm is the sample size per group to detect p1 → p2 with a
// two-sided test at alpha with the given power (the formula of R's
// power.prop.test): n = [z(1−α/2)·√(2p̄q̄) + z(power)·√(p1q1 + p2q2)]² / (p2 −
// p1)², p̄ = (p1 + p2)/2, returned raw and rounded up.
func RequiredNPerArm(p1, p2, alpha, power float64) (int64, float64, error) {
	for _, v := range []float64{p1, p2, alpha, power} {
		if !(v > 0 && v < 1) {
			return 0, math.NaN(), errors.New("planning needs rates, alpha and power strictly between 0 and 1")
		}
	}
	if p1 == p2 {
		return 0, math.NaN(), errors.New("planning needs two different rates")
	}
	za := Z(1 - alpha)
	zb := math.Sqrt2 * math.Erfinv(2*power-1)
	pbar := (p1 + p2) / 2
	num := za*math.Sqrt(2*pbar*(1-pbar)) + zb*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	raw := num * num / ((p2 - p1) * (p2 - p1))
	return int64(math.Ceil(raw)), raw, nil
}

// The decisions of an experiment's comparison.
const (
	DecisionWinner       = "winner"
	DecisionLoser        = "loser"
	DecisionNoDifference = "no_significant_difference"
	DecisionInconclusive = "inconclusive"
	WarnTestCIDisagree   = "test_and_interval_disagree"
	WarnSampleRatio      = "sample_ratio_mismatch"
	WarnUnderpowered     = "underpowered"
)

const (
	defaultDecisionAlpha  = 0.05
	decisionPrintedDigits = 4 // significant digits of p and bounds in a reason
)

// DecisionSettings are what the decision needs besides the comparison.
type DecisionSettings struct {
	Alpha         float64 // test threshold; 0 means 0.05
	SRMPassed     bool    // the sample-ratio check passed
	Underpowered  bool    // some group is below the planned size (--mde)
	LowerIsBetter bool    // a drop is the good direction (time to value, tickets)
}

// Decision is the verdict on one comparison, with the reason in words.
type Decision struct {
	Outcome  string    `json:"outcome"`
	Reason   string    `json:"reason"`
	Warnings []Warning `json:"warnings"`
}

// Decide applies the decision rule to a comparison: winner (or loser) only
// when the sample-ratio check passes, the adjusted p-value (the raw one if
// none) is below α, the difference interval lies wholly on the favourable
// (unfavourable) side of 0, and the groups have their planned size. When
// the test and the interval disagree the outcome is inconclusive with the
// warning test_and_interval_disagree. A clear non-result with enough sample
// is no_significant_difference; everything else is inconclusive.
func Decide(c Comparison, s DecisionSettings) Decision {
	alpha := s.Alpha
	if alpha == 0 {
		alpha = defaultDecisionAlpha
	}
	d := Decision{Outcome: DecisionInconclusive, Warnings: []Warning{}}
	p := c.PAdjusted
	if p == nil {
		p = c.PValue
	}
	if p == nil || c.Diff.CI == nil {
		d.Reason = "nothing could be tested: a group is empty or shows no variation"
		return d
	}
	sig := *p < alpha
	ci := c.Diff.CI
	above, below := ci.Low > 0, ci.High < 0
	pText := strconv.FormatFloat(*p, 'g', decisionPrintedDigits, 64)
	ciText := fmt.Sprintf("[%.*g, %.*g]", decisionPrintedDigits, ci.Low, decisionPrintedDigits, ci.High)
	if !s.SRMPassed {
		d.Warnings = append(d.Warnings, Warning{Code: WarnSampleRatio,
			Message: "the groups' sizes do not match the intended split; find out why before reading any result"})
		d.Reason = "sample-ratio mismatch: the assignment looks broken, so the comparison cannot be trusted"
		return d
	}
	if sig != (above || below) {
		d.Warnings = append(d.Warnings, Warning{Code: WarnTestCIDisagree,
			Message: fmt.Sprintf("%s gives p = %s but the difference interval is %s", c.Test, pText, ciText)})
		if sig {
			d.Reason = fmt.Sprintf("the test is significant (p = %s < %g) but the difference interval %s includes 0", pText, alpha, ciText)
		} else {
			d.Reason = fmt.Sprintf("the difference interval %s excludes 0 but the test is not significant (p = %s ≥ %g)", ciText, pText, alpha)
		}
		return d
	}
	if s.Underpowered {
		d.Warnings = append(d.Warnings, Warning{Code: WarnUnderpowered,
			Message: "some group has fewer users than the planned sample size"})
		if sig {
			d.Reason = fmt.Sprintf("significant (p = %s) but the groups are below the planned size; an early result overstates the effect", pText)
		} else {
			d.Reason = fmt.Sprintf("not significant (p = %s) with the groups below the planned size: an effect of the planned size could still be there", pText)
		}
		return d
	}
	if !sig {
		d.Outcome = DecisionNoDifference
		d.Reason = fmt.Sprintf("not significant (p = %s ≥ %g) and the difference interval %s includes 0", pText, alpha, ciText)
		return d
	}
	good := above != s.LowerIsBetter
	d.Outcome = DecisionLoser
	if good {
		d.Outcome = DecisionWinner
	}
	d.Reason = fmt.Sprintf("significant (p = %s < %g) and the difference interval %s lies on the %s side of 0",
		pText, alpha, ciText, map[bool]string{true: "favourable", false: "unfavourable"}[good])
	return d
}
