package metrics

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mathext"
)

// BTYD ("buy till you die") models describe a non-contractual customer base,
// where nobody announces that they have left: BG/NBD for how often each
// customer buys and whether they are still active, Gamma-Gamma for how much
// they spend per transaction. Both are fitted by maximum likelihood on a
// calibration period summarised per customer as an RFM (docs/metrics.md#probabilistic-clv).

// RFM is one customer's calibration-period summary, the sufficient
// statistics of both models. Times are in a time unit of the caller's
// choice (week or day), counted from the customer's first purchase.
type RFM struct {
	// X is the number of repeat transactions (transactions after the
	// first), a whole number.
	X float64 `json:"frequency"`
	// Tx is the recency: the time of the last repeat transaction; 0 when X = 0.
	Tx float64 `json:"recency"`
	// T is the age: the time from the first purchase to the end of the
	// calibration period.
	T float64 `json:"age"`
	// Monetary is the mean value of the repeat transactions (the first
	// purchase is left out); 0 when X = 0. Only Gamma-Gamma uses it.
	Monetary float64 `json:"monetary"`
}

// RFMError names the customer (index into the slice given) whose summary
// cannot be used, and why.
type RFMError struct {
	Index  int
	Reason string
}

func (e *RFMError) Error() string { return fmt.Sprintf("customer %d: %s", e.Index, e.Reason) }

// ErrNoRepeat is returned by the fits when no customer has a repeat
// transaction: the data then carry no information on the purchase rate
// beyond "low", and the likelihood has no maximum.
var ErrNoRepeat = errors.New("no customer made a repeat transaction: the model cannot be fitted")

// check returns why c cannot be used by BG/NBD, or "".
func (c RFM) check() string {
	switch {
	case !finite(c.X) || !finite(c.Tx) || !finite(c.T) || !finite(c.Monetary):
		return "frequency, recency, age and monetary value must be finite numbers"
	case c.X < 0 || c.X != math.Trunc(c.X) || c.X > 1e9:
		return fmt.Sprintf("frequency %v is not a whole number of repeat transactions", c.X)
	case c.T < 0 || c.Tx < 0 || c.Tx > c.T:
		return fmt.Sprintf("recency %v and age %v must satisfy 0 ≤ recency ≤ age", c.Tx, c.T)
	case c.X == 0 && c.Tx != 0:
		return fmt.Sprintf("recency is %v but a customer without repeat transactions has recency 0", c.Tx)
	}
	return ""
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// BGNBD is a fitted BG/NBD model (Fader, Hardie & Lee 2005). While active,
// a customer buys as a Poisson process of rate λ; after each repeat
// purchase they become inactive for good with probability p. Across
// customers λ ~ Gamma(shape R, rate Alpha) and p ~ Beta(A, B). Alpha is in
// the time unit of the data (7 times larger in days than in weeks); R, A and
// B do not depend on it.
type BGNBD struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
	// SE holds the standard errors of R, Alpha, A and B, from the inverse of
	// the observed information (the Hessian of −LogLik at the optimum); NaN
	// when that matrix is not positive definite.
	SE [4]float64 `json:"se"`
	// LogLik is the maximised log-likelihood (its value depends on the time
	// unit; differences between fits of the same data do not).
	LogLik float64 `json:"log_likelihood"`
	// N is the number of customers fitted.
	N int `json:"customers"`
	// Iterations counts the optimiser's major iterations over all starts.
	Iterations int `json:"iterations"`
	// Converged reports that the best start ended at an interior maximum:
	// the gradient of the mean log-likelihood vanishes there (every
	// component below 1e-5), every parameter is inside [e^-20, e^20], and
	// the observed information is positive definite (SE is finite). Data
	// without an interior maximum (no sign of dropout, say) give a fit that
	// is not converged: its parameters head for 0 or infinity.
	Converged bool `json:"converged"`
}

// bgPattern is a distinct (x, t_x, T) with its count of customers.
type bgPattern struct {
	xi    int // index into bgData.xs
	x     float64
	tx, t float64
	w     float64
}

// freqs are the distinct frequencies x of the customers fitted, with how
// many customers have each: the terms that depend on x alone are computed
// once per distinct x.
type freqs struct {
	xs  []float64 // distinct x
	xw  []float64 // customers per distinct x
	xat map[float64]int
}

// add counts a customer of frequency x and returns x's index.
func (f *freqs) add(x float64) int {
	if f.xat == nil {
		f.xat = map[float64]int{}
	}
	i, ok := f.xat[x]
	if !ok {
		i = len(f.xs)
		f.xat[x] = i
		f.xs = append(f.xs, x)
		f.xw = append(f.xw, 0)
	}
	f.xw[i]++
	return i
}

// bgData is the fitting data: distinct patterns and distinct frequencies.
type bgData struct {
	pats []bgPattern
	freqs
	n float64
	// per-evaluation scratch, per distinct x
	c4, rx []float64
}

func newBGData(cs []RFM) (*bgData, error) {
	d := &bgData{}
	type key struct{ x, tx, t float64 }
	at := map[key]int{}
	repeat := false
	for i, c := range cs {
		if why := c.check(); why != "" {
			return nil, &RFMError{Index: i, Reason: why}
		}
		repeat = repeat || c.X > 0
		xi := d.add(c.X)
		k := key{c.X, c.Tx, c.T}
		j, ok := at[k]
		if !ok {
			j = len(d.pats)
			at[k] = j
			d.pats = append(d.pats, bgPattern{xi: xi, x: c.X, tx: c.Tx, t: c.T})
		}
		d.pats[j].w++
	}
	d.n = float64(len(cs))
	if !repeat {
		return nil, ErrNoRepeat
	}
	d.c4 = make([]float64, len(d.xs))
	d.rx = make([]float64, len(d.xs))
	return d, nil
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// eval returns the mean negative log-likelihood at log-parameters phi =
// (ln r, ln α, ln a, ln b) and, when grad is not nil, its gradient in phi.
//
// Per customer (Fader, Hardie & Lee's worksheet form):
//
//	LL = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
//	   + ln( e^B3 + [x>0] e^B4 )
//	B3 = −(r+x) ln(α+T)
//	B4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
//
// with the log of the sum taken around its larger term, so that neither
// exponential underflows for large x.
func (d *bgData) eval(phi, grad []float64) float64 {
	r, al, a, b := math.Exp(phi[0]), math.Exp(phi[1]), math.Exp(phi[2]), math.Exp(phi[3])
	lnAl, lnA := math.Log(al), math.Log(a)
	lgr, lgab, lgb := lgamma(r), lgamma(a+b), lgamma(b)
	var s bgSums
	var psr, psab, psb float64
	if grad != nil {
		psr, psab, psb = mathext.Digamma(r), mathext.Digamma(a+b), mathext.Digamma(b)
	}
	for i, x := range d.xs {
		w := d.xw[i]
		s.ll += w * (lgamma(r+x) - lgr + r*lnAl + lgab + lgamma(b+x) - lgb - lgamma(a+b+x))
		d.rx[i] = r + x
		if x > 0 {
			d.c4[i] = lnA - math.Log(b+x-1)
		}
		if grad != nil {
			s.r += w * (mathext.Digamma(r+x) - psr + lnAl)
			s.al += w * r / al
			dab := mathext.Digamma(a + b + x)
			s.a += w * (psab - dab)
			s.b += w * (psab + mathext.Digamma(b+x) - psb - dab)
		}
	}
	// The patterns' terms, in a fixed number of chunks summed in a fixed
	// order (the result does not depend on the machine), side by side
	// when there are many.
	const chunks = 4
	var part [chunks]bgSums
	size := (len(d.pats) + chunks - 1) / chunks
	run := func(k int) {
		lo := min(k*size, len(d.pats))
		part[k] = d.patternSums(d.pats[lo:min(lo+size, len(d.pats))], al, a, b, grad != nil)
	}
	if len(d.pats) < 20_000 {
		for k := range chunks {
			run(k)
		}
	} else {
		var wg sync.WaitGroup
		for k := range chunks {
			wg.Go(func() { run(k) })
		}
		wg.Wait()
	}
	for _, p := range part {
		s.ll += p.ll
		s.r += p.r
		s.al += p.al
		s.a += p.a
		s.b += p.b
	}
	if grad != nil {
		grad[0] = -s.r * r / d.n
		grad[1] = -s.al * al / d.n
		grad[2] = -s.a * a / d.n
		grad[3] = -s.b * b / d.n
	}
	return -s.ll / d.n
}

// bgSums accumulates the log-likelihood and its derivatives in r, α, a, b.
type bgSums struct{ ll, r, al, a, b float64 }

// patternSums adds up the pattern-dependent terms of eval; d.rx and d.c4
// hold r+x and ln a − ln(b+x−1) per distinct x.
func (d *bgData) patternSums(pats []bgPattern, al, a, b float64, grad bool) bgSums {
	var s bgSums
	for _, p := range pats {
		rx := d.rx[p.xi]
		lT := math.Log(al + p.t)
		b3 := -rx * lT
		if p.x == 0 {
			s.ll += p.w * b3
			s.r -= p.w * lT
			s.al -= p.w * rx / (al + p.t)
			continue
		}
		ltx := math.Log(al + p.tx)
		b4 := d.c4[p.xi] - rx*ltx
		// pi is the posterior probability of "dropped out at t_x" (the B4 term).
		var pi float64
		if b4 > b3 {
			e := math.Exp(b3 - b4)
			s.ll += p.w * (b4 + math.Log1p(e))
			pi = 1 / (1 + e)
		} else {
			e := math.Exp(b4 - b3)
			s.ll += p.w * (b3 + math.Log1p(e))
			pi = e / (1 + e)
		}
		if grad {
			s.r -= p.w * ((1-pi)*lT + pi*ltx)
			s.al -= p.w * rx * ((1-pi)/(al+p.t) + pi/(al+p.tx))
			s.a += p.w * pi / a
			s.b -= p.w * pi / (b + p.x - 1)
		}
	}
	return s
}

// FitBGNBD fits BG/NBD to the customers' (X, Tx, T) by maximum likelihood.
// The optimiser (BFGS with the analytic gradient, in log-parameter space so
// that every parameter stays positive) runs from several starting points
// scaled to the data's purchase rate, and the best optimum is kept; see
// BGNBD.Converged. Customers with the same (X, Tx, T) are evaluated once.
//
// It returns an *RFMError for an unusable summary, ErrNoRepeat when no
// customer has X > 0, and an error for fewer than 4 customers (one per
// parameter).
func FitBGNBD(cs []RFM) (BGNBD, error) {
	if len(cs) < 4 {
		return BGNBD{}, fmt.Errorf("BG/NBD needs at least 4 customers, got %d", len(cs))
	}
	d, err := newBGData(cs)
	if err != nil {
		return BGNBD{}, err
	}
	// The mean purchase rate of an active customer, roughly r/α.
	var sx, st float64
	for _, c := range cs {
		sx += c.X
		st += c.T
	}
	rate := sx / math.Max(st, 1e-12)
	var starts [][]float64
	for _, s := range [][3]float64{{1, 1, 3}, {0.25, 0.5, 1}, {3, 2, 8}} {
		r := s[0]
		starts = append(starts, []float64{math.Log(r), math.Log(r / rate), math.Log(s[1]), math.Log(s[2])})
	}
	res, err := fitMLE(d.eval, starts, d.n, samplerBG(cs, d))
	if err != nil {
		return BGNBD{}, fmt.Errorf("BG/NBD fit: %w", err)
	}
	m := BGNBD{
		R: math.Exp(res.phi[0]), Alpha: math.Exp(res.phi[1]),
		A: math.Exp(res.phi[2]), B: math.Exp(res.phi[3]),
		LogLik: -res.f * d.n, N: len(cs), Iterations: res.iters, Converged: res.converged,
	}
	copy(m.SE[:], res.se)
	return m, nil
}

// LogLikelihood returns customer c's log-likelihood under the model (a
// summand of LogLik), or NaN for an unusable summary.
func (m BGNBD) LogLikelihood(c RFM) float64 {
	if c.check() != "" {
		return math.NaN()
	}
	d := &bgData{pats: []bgPattern{{x: c.X, tx: c.Tx, t: c.T, w: 1}}, freqs: freqs{xs: []float64{c.X}, xw: []float64{1}},
		n: 1, c4: make([]float64, 1), rx: make([]float64, 1)}
	return -d.eval([]float64{math.Log(m.R), math.Log(m.Alpha), math.Log(m.A), math.Log(m.B)}, nil)
}

// PAlive is the probability that customer c is still active at the end of
// the calibration period (Fader, Hardie & Lee's 2008 note):
//
//	P(alive) = 1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
//
// which is 1 for a customer without repeat transactions (the model lets
// customers drop out only right after a repeat purchase). NaN for an
// unusable summary.
func (m BGNBD) PAlive(c RFM) float64 {
	if c.check() != "" {
		return math.NaN()
	}
	if c.X == 0 {
		return 1
	}
	return 1 / (1 + math.Exp(m.deathLogOdds(c)))
}

// deathLogOdds is ln( a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) ), for x > 0.
func (m BGNBD) deathLogOdds(c RFM) float64 {
	return math.Log(m.A) - math.Log(m.B+c.X-1) + (m.R+c.X)*math.Log1p((c.T-c.Tx)/(m.Alpha+c.Tx))
}

// ExpectedTransactions is E[X(t)], the expected number of repeat
// transactions of a new customer in the first t time units after their
// first purchase (FHL 2005, eq. 9):
//
//	E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]
//
// It is ConditionalExpected for a customer with x = t_x = T = 0.
func (m BGNBD) ExpectedTransactions(t float64) float64 {
	return m.ConditionalExpected(RFM{}, t)
}

// ConditionalExpected is E[Y(t) | x, t_x, T], the expected number of
// transactions customer c makes in the t time units after the end of the
// calibration period (FHL 2005, eq. 10):
//
//	E[Y(t)|…] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)]
//	            / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)),     z = t/(α+T+t)
//
// It is computed in a form that is finite and accurate for every a > 0
// (including a = 1, where the two factors are 0/0) and for large x (where
// the 2F1 above overflows): Euler's transformation turns the bracket into
// 1 − (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose series has
// bounded terms and whose a−1 factor divides out exactly. For horizons
// beyond 2,000 times α+T, or parameters that overflow the series, it is
// the equivalent integral over the posterior of the dropout probability
// (posteriorExpected). NaN for an unusable summary or t < 0.
func (m BGNBD) ConditionalExpected(c RFM, t float64) float64 {
	if c.check() != "" || !(t >= 0) || math.IsInf(t, 1) {
		return math.NaN()
	}
	if t == 0 {
		return 0
	}
	// The series needs about 37·(1+k) terms for k = t/(α+T); past 2,000
	// the posterior integral (770 terms) is quicker. Extreme parameters (a
	// fit that ran off) can also overflow the series.
	v := math.NaN()
	if k := t / (m.Alpha + c.T); k <= seriesMaxK {
		v = aliveExpected(m.A-1, m.A+m.B-1-m.R, m.A+m.B+c.X-1, k)
	}
	if !(v >= 0) || math.IsInf(v, 1) {
		v = posteriorExpected(m, c, t)
	}
	if c.X == 0 {
		return v
	}
	return v / (1 + math.Exp(m.deathLogOdds(c)))
}

// posteriorExpected is the expected number of transactions in t of an
// active customer with history c, from its definition: one with rate λ and
// dropout probability p buys (1 − e^(−λpt))/p times in t; given the history
// and being active, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x), and averaging
// over λ leaves (1 − (1 + pt/(α+T))^(−(r+x)))/p, integrated here over p by
// the tanh-sinh rule (which copes with the Beta density's endpoint
// singularities). Slower than the series, and accurate to about 1e-10.
func posteriorExpected(m BGNBD, c RFM, t float64) float64 {
	s, k := m.R+c.X, t/(m.Alpha+c.T)
	lb := mathext.Lbeta(m.A, m.B+c.X)
	// The integrand tends to f0 = s·k as p → 0. It is integrated less f0,
	// which the posterior's total mass of 1 adds back exactly: a posterior
	// with a tiny a piles nearly all its mass closer to 0 than any node.
	f0 := s * k
	const step = 1.0 / 64
	sum := 0.0
	for i := -6 * 64; i <= 6*64; i++ {
		tau := float64(i) * step
		h := math.Pi / 2 * math.Sinh(tau)
		p := 1 / (1 + math.Exp(-2*h)) // (1 + tanh h)/2, and 1 − p without cancellation:
		q := 1 / (1 + math.Exp(2*h))
		w := math.Pi / 2 * math.Cosh(tau) / (2 * math.Cosh(h) * math.Cosh(h))
		if p == 0 || q == 0 || w == 0 {
			continue
		}
		f := -math.Expm1(-s*math.Log1p(p*k))/p - f0
		sum += w * f * math.Exp((m.A-1)*math.Log(p)+(m.B+c.X-1)*math.Log(q)-lb)
	}
	return f0 + sum*step
}

// aliveExpected returns, for k = t/(α+T) > 0, z = k/(1+k), ε = a−1,
// p = a+b−1−r and c = a+b+x−1,
//
//	c/ε · [1 − (1−z)^ε · 2F1(p, ε; c; z)]
//
// Writing (ε)_n = ε·(1+ε)_{n−1}, 2F1(p, ε; c; z) = 1 + ε·S/c with
// S = Σ_{n≥1} (p)_n (1+ε)_{n−1} / ((c+1)_{n−1} n!) zⁿ, so the value is
//
//	c · (1 − (1−z)^ε)/ε − (1−z)^ε · S
//
// which has no 0/0 at ε = 0 (the first term tends to −c·ln(1−z)) and no
// pole at c = 0.
func aliveExpected(eps, p, c, k float64) float64 {
	lz := -math.Log1p(k) // ln(1−z)
	z := k / (1 + k)
	var first float64
	if eps == 0 {
		first = -c * lz
	} else {
		first = -c * math.Expm1(eps*lz) / eps
	}
	return first - math.Exp(eps*lz)*btydSeries(p, eps, c, z)
}

// seriesMaxK is the largest t/(α+T) given to the series (1 − z above
// 1/2001), and seriesMaxTerms bounds its terms: a few times what such z
// need, for parameters whose terms rise before they fall.
const (
	seriesMaxK     = 2000
	seriesMaxTerms = 1_000_000
)

// btydSeries returns S = Σ_{n≥1} uₙ, u₁ = p·z, u_{n+1} = uₙ·(p+n)(ε+n)z/((c+n)(n+1)),
// for 0 ≤ z < 1, ε > −1 and c > −1. The terms behave like n^(p+ε−c−1)·zⁿ,
// so the sum converges for every z < 1 but slowly as z nears 1. It stops
// once a bound ρ < 1 holds on every later ratio and the geometric bound on
// the rest, |u|·ρ/(1−ρ), is below 1e-16 of the sum. NaN if that takes more
// than seriesMaxTerms terms.
func btydSeries(p, eps, c, z float64) float64 {
	if z == 0 || p == 0 {
		return 0
	}
	u := p * z
	s := u
	for n := 1.0; n < seriesMaxTerms; n++ {
		ratio := (p + n) * (eps + n) * z / ((c + n) * (n + 1))
		u *= ratio
		s += u
		// Every later ratio is at most rho: |p+m|/(c+m) and |ε+m|/(m+1)
		// move monotonically towards 1 as m grows, so neither exceeds the
		// larger of its value now and 1. Once rho < 1 the rest is bounded
		// by a geometric series, however large p and c are (a fit that ran
		// off to b ~ 10⁶ needs a few dozen terms, not a million).
		rho := z * math.Max(math.Abs(p+n)/(c+n), 1) * math.Max(math.Abs(eps+n)/(n+1), 1)
		if u == 0 || (rho < 1 && math.Abs(u)*rho/(1-rho) <= 1e-16*math.Abs(s)) {
			return s
		}
	}
	return math.NaN()
}

// samplerBG returns the objective on every k-th customer when there are
// more than subsampleAbove distinct patterns, or nil.
func samplerBG(cs []RFM, d *bgData) objective {
	if len(d.pats) <= subsampleAbove {
		return nil
	}
	k := (len(d.pats) + subsampleAbove - 1) / subsampleAbove
	sub := make([]RFM, 0, len(cs)/k+1)
	for i := 0; i < len(cs); i += k {
		sub = append(sub, cs[i])
	}
	s, err := newBGData(sub)
	if err != nil {
		return nil
	}
	return s.eval
}
