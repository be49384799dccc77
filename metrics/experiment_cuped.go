package metrics

import (
	"fmt"
	"math"
)

// CUPED (Deng, Xu, Kohavi & Walker, "Improving the sensitivity of online
// controlled experiments by utilizing pre-experiment data", WSDM 2013;
// docs/metrics.md#cuped): a per-user metric Y is adjusted with a covariate X
// measured before the experiment (the same metric in the weeks before
// exposure, say), which the treatment cannot have changed:
//
//	Y' = Y − θ·(X − X̄),   θ = cov(Y, X) / var(X),
//
// with θ from the within-group covariances pooled over both groups and X̄
// the mean of X over everyone. Since X is balanced between the groups by
// randomisation, E[Y'_B − Y'_A] = E[Y_B − Y_A]: the estimate stays unbiased,
// and its variance shrinks by the factor 1 − ρ², ρ the correlation of X
// and Y (ρ = 0.7 → 0.51). The difference, its Welch interval and test, and
// the delta-method lift are those of CompareMeans on Y'.

// CUPEDGroup is one group's per-user outcome Y and pre-experiment
// covariate X, in the same user order.
type CUPEDGroup struct {
	Y, X []float64
}

// CUPEDResult is the adjusted comparison with θ, the adjusted group means,
// the unadjusted difference for reference, and the share of the
// difference's variance the adjustment removed (about ρ²).
type CUPEDResult struct {
	Comparison
	Theta             float64    `json:"theta"`
	AdjustedMeans     []*float64 `json:"adjusted_means"` // null for an empty group
	Unadjusted        Estimate   `json:"unadjusted_diff"`
	VarianceReduction *float64   `json:"variance_reduction"`
}

// CUPED compares treatment b with control a after the adjustment. X and Y
// must have the same length in each group; a covariate with no variance
// gives θ = 0 (no adjustment).
func CUPED(a, b CUPEDGroup, level float64) (CUPEDResult, error) {
	for _, g := range []struct {
		name string
		g    CUPEDGroup
	}{{"control", a}, {"treatment", b}} {
		if len(g.g.Y) != len(g.g.X) {
			return CUPEDResult{}, fmt.Errorf("CUPED: the %s group has %d outcomes but %d covariate values", g.name, len(g.g.Y), len(g.g.X))
		}
	}
	var sxy, sxx, xsum float64
	for _, g := range []CUPEDGroup{a, b} {
		my, mx := mean(g.Y), mean(g.X)
		for i := range g.Y {
			sxy += (g.Y[i] - my) * (g.X[i] - mx)
			sxx += (g.X[i] - mx) * (g.X[i] - mx)
			xsum += g.X[i]
		}
	}
	r := CUPEDResult{}
	if sxx > 0 {
		r.Theta = sxy / sxx
	}
	n := len(a.X) + len(b.X)
	xbar := 0.0
	if n > 0 {
		xbar = xsum / float64(n)
	}
	adjust := func(g CUPEDGroup) []float64 {
		out := make([]float64, len(g.Y))
		for i := range g.Y {
			out[i] = g.Y[i] - r.Theta*(g.X[i]-xbar)
		}
		return out
	}
	ma, mb := MomentsOf(adjust(a)), MomentsOf(adjust(b))
	r.Comparison = CompareMeans(ma, mb, level)
	r.Comparison.Test = "cuped_welch_t"
	r.AdjustedMeans = []*float64{meanOrNil(ma), meanOrNil(mb)}
	ua, ub := MomentsOf(a.Y), MomentsOf(b.Y)
	r.Unadjusted = CompareMeans(ua, ub, level).Diff
	if ua.N >= 2 && ub.N >= 2 {
		before := ua.SD*ua.SD/float64(ua.N) + ub.SD*ub.SD/float64(ub.N)
		after := ma.SD*ma.SD/float64(ma.N) + mb.SD*mb.SD/float64(mb.N)
		if before > 0 {
			r.VarianceReduction = Ptr(1 - after/before)
		}
	}
	return r, nil
}

// meanOrNil is m's mean, nil for an empty sample.
func meanOrNil(m Moments) *float64 {
	if m.N == 0 {
		return nil
	}
	return Ptr(m.Mean)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
