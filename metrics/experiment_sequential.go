package metrics

import (
	"fmt"
	"math"
)

// Sequential testing of two proportions (docs/metrics.md#sequential-testing).
//
// A fixed-horizon test is valid once, at a sample size chosen in advance.
// Looking every day and stopping at the first p < α inflates false
// positives several-fold. The mixture sequential probability ratio test
// (mSPRT: Robbins 1970; Johari, Koomen, Pekelis & Walsh, "Peeking at A/B
// tests", 2017, the method behind Optimizely's stats engine) instead gives
// p-values and confidence intervals that stay valid whenever one looks and
// stops.
//
// The difference of rates Δ̂ = p̂_B − p̂_A is treated as normal with
// variance s² = p̂_A q̂_A/n_A + p̂_B q̂_B/n_B (plugged in at each look, as
// Optimizely does). Mixing the likelihood ratio of Δ = θ against θ₀ over a
// normal prior θ ~ N(θ₀, τ²) gives in closed form
//
//	Λ = √(s²/(s² + τ²)) · exp( τ²(Δ̂ − θ₀)² / (2s²(s² + τ²)) ),
//
// a martingale under θ₀, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α.
// The always-valid p-value is the running minimum of min(1, 1/Λ(0)), and
// the confidence sequence at look n is the set of θ₀ with Λ(θ₀) < 1/α:
//
//	Δ̂ ± √( s²(s² + τ²)/τ² · (ln((s² + τ²)/s²) − 2 ln α) ),
//
// intersected with those of earlier looks, so the p-value is below α
// exactly when the interval leaves out 0.
//
// The mixing variance τ² says which effects the test is tuned for: the
// interval is narrowest around the sample size where s² ≈ τ²/8 (Howard et
// al. 2021), which for α = 0.05 and 80% power is about the planned size of
// a fixed test of the same effect. So τ is the minimum detectable effect in
// proportion units (SequentialTau2): the --mde, or by default a 10% relative
// change of the baseline rate. A τ far too small or too large costs power,
// never validity.

// DefaultSequentialMDE is the effect the mixture is tuned for when no --mde
// is given: 10% of the baseline rate.
var DefaultSequentialMDE = MDE{Value: 0.10, Relative: true}

// SequentialTau2 is the mixing variance for an MDE at a baseline rate: the
// square of the MDE in proportion units. 0 when the baseline is 0 (a
// relative MDE of nothing).
func SequentialTau2(m MDE, baseline float64) float64 {
	d := m.Delta(baseline)
	return d * d
}

// SequentialLook is the cumulative counts of both groups at one look.
type SequentialLook struct {
	A, B Counts
}

// SequentialStep is the state after one look: the difference, the
// always-valid p-value (never rising) and the confidence sequence (never
// widening; nil until a look has variance).
type SequentialStep struct {
	NA     int64     `json:"n_a"`
	NB     int64     `json:"n_b"`
	Diff   *float64  `json:"diff"`
	PValue float64   `json:"p_value"`
	CI     *Interval `json:"ci"`
}

// SequentialProportions runs the mSPRT over looks at cumulative counts
// (each look's counts at least the previous one's) with mixing variance
// tau2 and level alpha (the sequence's confidence is 1 − α). A look with no
// variance (a group empty, or both groups at 0% or 100%) adds no evidence.
func SequentialProportions(looks []SequentialLook, alpha, tau2 float64) ([]SequentialStep, error) {
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("sequential test: alpha %v must be between 0 and 1", alpha)
	}
	if !(tau2 > 0) || math.IsInf(tau2, 0) {
		return nil, fmt.Errorf("sequential test: the mixing variance %v must be positive", tau2)
	}
	out := make([]SequentialStep, 0, len(looks))
	p := 1.0
	var ci *Interval
	var prev SequentialLook
	for i, l := range looks {
		for _, c := range []struct{ now, before Counts }{{l.A, prev.A}, {l.B, prev.B}} {
			if c.now.X < 0 || c.now.X > c.now.N || c.now.N < c.before.N || c.now.X < c.before.X {
				return nil, fmt.Errorf("sequential test: look %d has %d/%d after %d/%d; looks must be cumulative counts", i+1, c.now.X, c.now.N, c.before.X, c.before.N)
			}
		}
		prev = l
		st := SequentialStep{NA: l.A.N, NB: l.B.N}
		if l.A.N > 0 && l.B.N > 0 {
			pa, pb := l.A.rate(), l.B.rate()
			d := pb - pa
			st.Diff = Ptr(d)
			s2 := pa*(1-pa)/float64(l.A.N) + pb*(1-pb)/float64(l.B.N)
			if s2 > 0 {
				p = math.Min(p, math.Min(1, math.Exp(-mixtureLogLR(d, s2, tau2))))
				half := math.Sqrt(s2 * (s2 + tau2) / tau2 * (math.Log1p(tau2/s2) - 2*math.Log(alpha)))
				lo, hi := math.Max(-1, d-half), math.Min(1, d+half)
				switch {
				case ci == nil:
					ci = &Interval{Low: lo, High: hi, Level: 1 - alpha, Method: "msprt"}
				case math.Max(ci.Low, lo) <= math.Min(ci.High, hi):
					ci = &Interval{Low: math.Max(ci.Low, lo), High: math.Min(ci.High, hi), Level: 1 - alpha, Method: "msprt"}
				}
				// An empty intersection keeps the last interval: it can only
				// happen after the sequence has already missed.
			}
		}
		st.PValue = p
		if ci != nil {
			c := *ci
			st.CI = &c
		}
		out = append(out, st)
	}
	return out, nil
}

// mixtureLogLR is ln Λ for an observed difference d (against 0) with
// variance s2 and mixing variance tau2.
func mixtureLogLR(d, s2, tau2 float64) float64 {
	return -0.5*math.Log1p(tau2/s2) + tau2*d*d/(2*s2*(s2+tau2))
}
