// Package metrics computes product metrics from normalized events: pure
// functions and types, with no I/O, no flags and no printing. Every result
// carries its counts, and every rate a confidence interval (docs/metrics.md#statistics).
// Results are deterministic: ties are broken by time, then by name.
package metrics

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a confidence interval.
type Interval struct {
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Level  float64 `json:"level"`
	Method string  `json:"method"`
}

// Proportion is x out of n with a Wilson interval. Value and CI are nil
// when n = 0 (JSON null, never 0 or NaN).
type Proportion struct {
	Numerator   int64     `json:"numerator"`
	Denominator int64     `json:"denominator"`
	Value       *float64  `json:"value"`
	CI          *Interval `json:"ci"`
}

// NewProportion returns x/n with a Wilson score interval at level.
func NewProportion(x, n int64, level float64) Proportion {
	p := Proportion{Numerator: x, Denominator: n}
	if n <= 0 {
		return p
	}
	v := float64(x) / float64(n)
	lo, hi := Wilson(x, n, Z(level))
	p.Value = &v
	p.CI = &Interval{Low: lo, High: hi, Level: level, Method: "wilson"}
	return p
}

// Rate returns the value, or NaN when n = 0.
func (p Proportion) Rate() float64 {
	if p.Value == nil {
		return math.NaN()
	}
	return *p.Value
}

// Z is the two-sided standard-normal quantile for a confidence level
// (0.95 → 1.959963984540054).
func Z(level float64) float64 {
	q := 1 - (1-level)/2
	return math.Sqrt2 * math.Erfinv(2*q-1)
}

// Wilson is the Wilson score interval, with the bounds
// forced to exactly 0 at x = 0 and 1 at x = n.
func Wilson(x, n int64, z float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	nf, xf := float64(n), float64(x)
	z2 := z * z
	centre := (xf + z2/2) / (nf + z2)
	half := z / (nf + z2) * math.Sqrt(xf*(nf-xf)/nf+z2/4)
	lo, hi = centre-half, centre+half
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return math.Max(0, lo), math.Min(1, hi)
}

// TQuantile is the quantile p of Student's t with df degrees of freedom.
func TQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// Mean is a sample mean with its t-interval.
type Mean struct {
	N    int64     `json:"n"`
	Mean *float64  `json:"mean"`
	SD   *float64  `json:"sd"`
	CI   *Interval `json:"ci"`
}

// NewMean summarises values; the interval needs n ≥ 2 and is clipped to
// [lo, hi] (the scale bounds; pass ±Inf for none).
func NewMean(values []float64, level, lo, hi float64) Mean {
	m := Mean{N: int64(len(values))}
	if len(values) == 0 {
		return m
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(len(values))
	m.Mean = &mean
	if len(values) < 2 {
		return m
	}
	var ss float64
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(values)-1))
	m.SD = &sd
	t := TQuantile(1-(1-level)/2, float64(len(values)-1))
	half := t * sd / math.Sqrt(float64(len(values)))
	m.CI = &Interval{Low: math.Max(lo, mean-half), High: math.Min(hi, mean+half), Level: level, Method: "t"}
	return m
}

// Percentile is the Hyndman–Fan type 7 percentile (R, NumPy "linear",
// Excel PERCENTILE.INC) of sorted values, q in [0, 1].
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= n {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Median of sorted values (type 7: the mean of the middle two for even n).
func Median(sorted []float64) float64 { return Percentile(sorted, 0.5) }

// Survival is one observation for Kaplan–Meier: a time and whether the event
// happened then (true) or the observation was censored (false).
type Survival struct {
	Time  float64
	Event bool
}

// KMStep is the survival curve after one distinct event time.
type KMStep struct {
	Time    float64 `json:"time"`
	AtRisk  int     `json:"at_risk"`
	Events  int     `json:"events"`
	Survive float64 `json:"survival"`
}

// KaplanMeier estimates the survival curve; at tied times events are
// processed before censorings.
func KaplanMeier(obs []Survival) []KMStep {
	o := append([]Survival(nil), obs...)
	sort.SliceStable(o, func(i, j int) bool {
		if o[i].Time != o[j].Time {
			return o[i].Time < o[j].Time
		}
		return o[i].Event && !o[j].Event
	})
	var steps []KMStep
	s := 1.0
	atRisk := len(o)
	for i := 0; i < len(o); {
		t := o[i].Time
		d, c := 0, 0
		for ; i < len(o) && o[i].Time == t; i++ {
			if o[i].Event {
				d++
			} else {
				c++
			}
		}
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			steps = append(steps, KMStep{Time: t, AtRisk: atRisk, Events: d, Survive: s})
		}
		atRisk -= d + c
	}
	return steps
}

// KMQuantile is the time at which the survival curve falls below 1−q (q =
// 0.5 for the median): the smallest event time with S(t) < 1−q, or, when S
// equals 1−q exactly on a stretch, the midpoint between that stretch's start
// and the next event time (R survival's convention); if S stays at exactly
// 1−q, that time. ok is false when S never reaches 1−q ("not reached").
func KMQuantile(steps []KMStep, q float64) (t float64, ok bool) {
	target := 1 - q
	const eps = 1e-12
	for i, st := range steps {
		if math.Abs(st.Survive-target) <= eps {
			if i+1 < len(steps) {
				return (st.Time + steps[i+1].Time) / 2, true
			}
			return st.Time, true
		}
		if st.Survive < target {
			return st.Time, true
		}
	}
	return math.NaN(), false
}

// Ptr returns a pointer to v, or nil when v is NaN (for JSON null).
func Ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// TwoProportionP is the two-sided p-value of the pooled two-proportion z
// test of x1/n1 against x2/n2; NaN when either n is 0 or the pooled rate is
// 0 or 1 (no variance: nothing to test). CompareProportions is the full
// comparison, with the switch to Fisher's exact test at small counts.
func TwoProportionP(x1, n1, x2, n2 int64) float64 {
	z, ok := pooledZ(x1, n1, x2, n2)
	if !ok {
		return math.NaN()
	}
	return normalP(z)
}

// DiffP is the two-sided p-value of the z test of a difference d of two
// independent estimates with standard errors se1 and se2 (NPS between two
// periods, with each one's Wald SE); NaN when both are 0.
func DiffP(d, se1, se2 float64) float64 {
	se := math.Hypot(se1, se2)
	if se == 0 || math.IsNaN(se) {
		return math.NaN()
	}
	return normalP(d / se)
}

// WelchP is the two-sided p-value of Welch's t test of two means with
// their standard deviations and sizes; NaN when a size is below 2 or both
// variances are 0.
func WelchP(m1, sd1 float64, n1 int64, m2, sd2 float64, n2 int64) float64 {
	_, t, df, ok := welch(m1, sd1, n1, m2, sd2, n2)
	if !ok {
		return math.NaN()
	}
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(t))
}

// normalP is the two-sided standard-normal p-value of z.
func normalP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }
