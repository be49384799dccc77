package metrics

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// objective is a mean negative log-likelihood in log-parameters; it fills
// grad when grad is not nil.
type objective func(phi, grad []float64) float64

// mleResult is the best optimum over the starts.
type mleResult struct {
	phi       []float64 // log-parameters
	f         float64   // mean negative log-likelihood
	se        []float64 // standard errors of the parameters (not their logs)
	iters     int
	converged bool
}

const (
	// gradTol is the largest gradient component of the mean log-likelihood
	// (in log-parameters) at which a fit counts as converged.
	gradTol = 1e-5
	// phiBound: a log-parameter beyond ±20 means the parameter ran off to 0
	// or infinity (no interior optimum).
	phiBound = 20
	// subsampleAbove: with more distinct patterns than this, the starts
	// race on a systematic subsample and only the winner is refined on
	// all the data.
	subsampleAbove = 20_000
)

// fitMLE minimises obj from each start and keeps the lowest optimum. When
// sub is not nil (a large data set) the starts run on sub, a cheap
// subsample objective, and the best is then refined on obj. n is the
// number of customers, for the standard errors.
func fitMLE(obj objective, starts [][]float64, n float64, sub objective) (mleResult, error) {
	race := obj
	if sub != nil {
		race = sub
	}
	var best mleResult
	best.f = math.Inf(1)
	iters := 0
	var firstErr error
	for _, s := range starts {
		r, err := minimizeFrom(race, s)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		iters += r.iters
		if r.f < best.f {
			best = r
		}
	}
	if math.IsInf(best.f, 1) {
		if firstErr == nil {
			firstErr = errors.New("the likelihood is not finite at any starting point")
		}
		return mleResult{}, firstErr
	}
	if sub != nil {
		r, err := polish(obj, sub, best.phi)
		if err != nil {
			return mleResult{}, err
		}
		iters += r.iters
		best = r
	}
	best.iters = iters
	grad := make([]float64, len(best.phi))
	best.f = obj(best.phi, grad)
	if !finite(best.f) {
		return mleResult{}, errors.New("the likelihood is not finite at the optimum")
	}
	best.converged = floats.Norm(grad, math.Inf(1)) <= gradTol
	for _, v := range best.phi {
		if math.Abs(v) >= phiBound {
			best.converged = false
		}
	}
	best.se = standardErrors(obj, best.phi, n)
	for _, v := range best.se {
		if math.IsNaN(v) {
			best.converged = false
		}
	}
	return best, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// minimizeFrom runs BFGS from x0. The objective is evaluated once per
// point for both value and gradient: gonum asks for them separately.
func minimizeFrom(obj objective, x0 []float64) (mleResult, error) {
	dim := len(x0)
	lastX := make([]float64, dim)
	lastG := make([]float64, dim)
	lastF := math.NaN()
	eval := func(x []float64) {
		if !math.IsNaN(lastF) && slices.Equal(x, lastX) {
			return
		}
		copy(lastX, x)
		lastF = obj(x, lastG)
		if !finite(lastF) {
			lastF = math.Inf(1)
		}
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { eval(x); return lastF },
		Grad: func(g, x []float64) { eval(x); copy(g, lastG) },
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-10,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-14, Iterations: 25},
		MajorIterations:   1000,
	}
	res, err := optimize.Minimize(p, x0, settings, &optimize.BFGS{})
	if res == nil {
		return mleResult{}, err
	}
	// A line search that can no longer improve (at the optimum, within
	// rounding) ends with an error but a good location: keep it and let
	// the gradient test judge convergence.
	if !finite(res.F) {
		if err == nil {
			err = errors.New("the likelihood is not finite")
		}
		return mleResult{}, err
	}
	return mleResult{phi: slices.Clone(res.X), f: res.F, iters: res.MajorIterations}, nil
}

// polish minimises obj from phi0, the optimum of the subsample objective
// sub. BFGS starts from the identity as its inverse Hessian, a poor guess
// when the parameters' scales differ, so it runs in coordinates where the
// subsample's Hessian at phi0 is the identity, y = Lᵀ(φ − φ0) with H = LLᵀ:
// there the full optimum is a few near-Newton steps away.
func polish(obj, sub objective, phi0 []float64) (mleResult, error) {
	h := hessian(sub, phi0)
	var ch mat.Cholesky
	if h == nil || !ch.Factorize(h) {
		return minimizeFrom(obj, phi0)
	}
	var l mat.TriDense
	ch.LTo(&l)
	dim := len(phi0)
	toPhi := func(y []float64) []float64 {
		// φ = φ0 + L⁻ᵀ y
		v := mat.NewVecDense(dim, slices.Clone(y))
		if err := v.SolveVec(l.T(), v); err != nil {
			return nil
		}
		out := slices.Clone(phi0)
		for i := range out {
			out[i] += v.AtVec(i)
		}
		return out
	}
	g := make([]float64, dim)
	pre := func(y, grad []float64) float64 {
		phi := toPhi(y)
		if phi == nil {
			return math.Inf(1)
		}
		if grad == nil {
			return obj(phi, nil)
		}
		f := obj(phi, g)
		// ∂f/∂y = L⁻¹ ∇f
		v := mat.NewVecDense(dim, grad)
		if err := v.SolveVec(&l, mat.NewVecDense(dim, slices.Clone(g))); err != nil {
			return math.Inf(1)
		}
		return f
	}
	r, err := minimizeFrom(pre, make([]float64, dim))
	if err != nil {
		return mleResult{}, err
	}
	r.phi = toPhi(r.phi)
	if r.phi == nil {
		return mleResult{}, errors.New("singular Hessian")
	}
	return r, nil
}

// hessian returns the Hessian of obj at phi by central differences of its
// gradient, symmetrised; nil if an entry is not finite.
func hessian(obj objective, phi []float64) *mat.SymDense {
	dim := len(phi)
	const h = 1e-5
	gp, gm := make([]float64, dim), make([]float64, dim)
	x := slices.Clone(phi)
	cols := make([][]float64, dim)
	for j := range dim {
		x[j] = phi[j] + h
		obj(x, gp)
		x[j] = phi[j] - h
		obj(x, gm)
		x[j] = phi[j]
		cols[j] = make([]float64, dim)
		for i := range dim {
			cols[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	hess := mat.NewSymDense(dim, nil)
	for i := range dim {
		for j := i; j < dim; j++ {
			v := (cols[i][j] + cols[j][i]) / 2
			if !finite(v) {
				return nil
			}
			hess.SetSym(i, j, v)
		}
	}
	return hess
}

// standardErrors returns the standard errors of exp(phi) from the observed
// information: the Hessian of the total negative log-likelihood, n times
// that of the mean obj, in log-parameters, is inverted, and the delta
// method (∂θ/∂φ = θ) turns log-scale errors into parameter-scale ones. NaN
// entries when the Hessian is not positive definite.
func standardErrors(obj objective, phi []float64, n float64) []float64 {
	se := make([]float64, len(phi))
	for i := range se {
		se[i] = math.NaN()
	}
	h := hessian(obj, phi)
	var ch mat.Cholesky
	if h == nil || !ch.Factorize(h) {
		return se
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return se
	}
	for i := range se {
		if v := inv.At(i, i) / n; v > 0 {
			se[i] = math.Exp(phi[i]) * math.Sqrt(v)
		}
	}
	return se
}
