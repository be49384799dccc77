package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// GammaGamma is a fitted Gamma-Gamma spend model (Fader, Hardie & Lee 2005,
// "RFM and CLV"; Fader & Hardie's note "The Gamma-Gamma Model of Monetary
// Value"). A customer's transaction values are Gamma(shape P, rate ν)
// around their own mean P/ν, and ν varies across customers as
// Gamma(shape Q, rate Gamma), so the mean value per transaction across
// customers is P·Gamma/(Q−1) (finite when Q > 1). Spend is assumed
// independent of purchase frequency. Gamma is in the currency's unit.
type GammaGamma struct {
	P     float64 `json:"p"`
	Q     float64 `json:"q"`
	Gamma float64 `json:"gamma"`
	// SE holds the standard errors of P, Q and Gamma (see BGNBD.SE).
	SE [3]float64 `json:"se"`
	// LogLik is the maximised log-likelihood of the customers' mean spends.
	LogLik float64 `json:"log_likelihood"`
	// N is the number of customers fitted: those with X > 0 and Monetary > 0.
	N int `json:"customers"`
	// Excluded counts customers with X > 0 left out because their mean
	// repeat spend is not positive (refunds outweighing purchases).
	Excluded   int  `json:"excluded"`
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
}

// ggCustomer is one fitted customer: x repeat transactions of mean value m.
type ggCustomer struct {
	xi   int
	x, m float64
	lnM  float64
}

type ggData struct {
	cs []ggCustomer
	freqs
	n float64
}

// eval returns the mean negative log-likelihood at phi = (ln p, ln q, ln γ)
// and, when grad is not nil, its gradient. Per customer, the density of
// the mean m of x values:
//
//	LL = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ+mx)
func (d *ggData) eval(phi, grad []float64) float64 {
	p, q, g := math.Exp(phi[0]), math.Exp(phi[1]), math.Exp(phi[2])
	lnG, lgq := math.Log(g), lgamma(q)
	var ll, gp, gq, gg float64
	psq := 0.0
	if grad != nil {
		psq = mathext.Digamma(q)
	}
	for i, x := range d.xs {
		w := d.xw[i]
		ll += w * (lgamma(p*x+q) - lgamma(p*x) - lgq + q*lnG + p*x*math.Log(x))
		if grad != nil {
			dpq := mathext.Digamma(p*x + q)
			gp += w * x * (dpq - mathext.Digamma(p*x) + math.Log(x))
			gq += w * (dpq - psq + lnG)
			gg += w * q / g
		}
	}
	for _, c := range d.cs {
		px := p * c.x
		l := math.Log(g + c.m*c.x)
		ll += (px-1)*c.lnM - (px+q)*l
		if grad != nil {
			gp += c.x * (c.lnM - l)
			gq -= l
			gg -= (px + q) / (g + c.m*c.x)
		}
	}
	if grad != nil {
		grad[0] = -gp * p / d.n
		grad[1] = -gq * q / d.n
		grad[2] = -gg * g / d.n
	}
	return -ll / d.n
}

// FitGammaGamma fits Gamma-Gamma by maximum likelihood to the customers
// with X > 0, from their X and Monetary (the mean value of the X repeat
// transactions); the others carry no spend information and are skipped,
// and so are those whose Monetary is not positive (counted in Excluded).
// The optimiser is that of FitBGNBD, with starts scaled to the mean spend.
//
// It returns an *RFMError for an unusable summary, ErrNoRepeat when no
// customer has X > 0 and Monetary > 0, and an error for fewer than 3 such
// customers.
func FitGammaGamma(cs []RFM) (GammaGamma, error) {
	d := &ggData{}
	excluded := 0
	var mean float64
	for i, c := range cs {
		if why := c.check(); why != "" {
			return GammaGamma{}, &RFMError{Index: i, Reason: why}
		}
		if c.X == 0 {
			continue
		}
		if c.Monetary <= 0 {
			excluded++
			continue
		}
		xi := d.add(c.X)
		d.cs = append(d.cs, ggCustomer{xi: xi, x: c.X, m: c.Monetary, lnM: math.Log(c.Monetary)})
		mean += c.Monetary
	}
	if len(d.cs) == 0 {
		return GammaGamma{}, ErrNoRepeat
	}
	if len(d.cs) < 3 {
		return GammaGamma{}, fmt.Errorf("Gamma-Gamma needs at least 3 customers with repeat transactions, got %d", len(d.cs))
	}
	d.n = float64(len(d.cs))
	mean /= d.n
	// Starts: (p, q) pairs with γ set so that pγ/(q−1) is the observed mean.
	var starts [][]float64
	for _, s := range [][2]float64{{1, 2}, {5, 4}, {0.5, 1.5}} {
		p, q := s[0], s[1]
		starts = append(starts, []float64{math.Log(p), math.Log(q), math.Log(mean * (q - 1) / p)})
	}
	res, err := fitMLE(d.eval, starts, d.n, nil)
	if err != nil {
		return GammaGamma{}, fmt.Errorf("Gamma-Gamma fit: %w", err)
	}
	m := GammaGamma{
		P: math.Exp(res.phi[0]), Q: math.Exp(res.phi[1]), Gamma: math.Exp(res.phi[2]),
		LogLik: -res.f * d.n, N: len(d.cs), Excluded: excluded,
		Iterations: res.iters, Converged: res.converged,
	}
	copy(m.SE[:], res.se)
	return m, nil
}

// MeanValue is the mean value per transaction across customers,
// P·Gamma/(Q−1); NaN when Q ≤ 1 (the mean is then infinite).
func (g GammaGamma) MeanValue() float64 {
	if !(g.Q > 1) {
		return math.NaN()
	}
	return g.P * g.Gamma / (g.Q - 1)
}

// ConditionalExpectedValue is the expected value of customer c's future
// transactions given their X repeat transactions of mean value Monetary:
//
//	E[M | x, m] = p(γ + m·x) / (px + q − 1)
//	            = w·m + (1 − w)·pγ/(q−1),    w = px/(px+q−1)
//
// a weighted average of their own mean and the population's, leaning on
// their own the more transactions they have. For X = 0 it is MeanValue.
// NaN for an unusable summary, for a customer with X > 0 whose Monetary is
// not positive (the model has no place for them: FitGammaGamma leaves
// them out), or when Q ≤ 1 makes the result undefined.
func (g GammaGamma) ConditionalExpectedValue(c RFM) float64 {
	if c.check() != "" || (c.X > 0 && !(c.Monetary > 0)) {
		return math.NaN()
	}
	if c.X == 0 {
		return g.MeanValue()
	}
	den := g.P*c.X + g.Q - 1
	if !(den > 0) {
		return math.NaN()
	}
	return g.P * (g.Gamma + c.Monetary*c.X) / den
}

// CLVHorizon says over what future, and how discounted, CLV is counted.
// The future starts at the end of the calibration period and is cut into
// Periods periods of Length time units each (the unit of the data: for a
// year in weeks, 12 periods of 52/12 weeks, or 52 of 1).
type CLVHorizon struct {
	Periods int
	Length  float64
	// Discount is the discount rate per period (0.01 a month is about
	// 12.7% a year); 0 for an undiscounted value.
	Discount float64
}

// CLV is customer c's expected value over the horizon: the expected
// transactions of each period times the expected value per transaction,
// discounted at the period's end,
//
//	CLV = E[M | x, m] · Σ_{k=1..K} (E[Y(kL)] − E[Y((k−1)L)]) / (1+d)^k
//
// with E[Y(t)] = bg.ConditionalExpected(c, t) and E[M | x, m] =
// gg.ConditionalExpectedValue(c). Undiscounted (d = 0) it is
// E[M | x, m] · E[Y(K·L)]. NaN when the horizon is not positive and finite
// or d ≤ −1, or for an unusable summary.
func CLV(bg BGNBD, gg GammaGamma, c RFM, h CLVHorizon) float64 {
	if h.Periods <= 0 || !(h.Length > 0) || math.IsInf(h.Length, 1) || !(h.Discount > -1) || math.IsInf(h.Discount, 1) {
		return math.NaN()
	}
	value := gg.ConditionalExpectedValue(c)
	if h.Discount == 0 {
		return value * bg.ConditionalExpected(c, float64(h.Periods)*h.Length)
	}
	var sum, prev float64
	disc := 1.0
	for k := 1; k <= h.Periods; k++ {
		cur := bg.ConditionalExpected(c, float64(k)*h.Length)
		disc /= 1 + h.Discount
		sum += (cur - prev) * disc
		prev = cur
	}
	return value * sum
}
