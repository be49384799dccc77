package cmd

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/metrics"
)

// evaluate checks c against the metric's JSON result and, for a change,
// the baseline's (nil: the baseline has no such metric).
func (c check) evaluate(result, base any) checkResult {
	r := checkResult{Name: c.name, Metric: c.metric, Figure: c.figure, Bound: c.bound(), Status: checkPass}
	v, why := figure(result, c.steps, c.figure, "the result")
	if why != "" {
		r.Status, r.Why = checkError, why
		return r
	}
	r.Value = &v
	var fails []string
	if c.min != nil && v < *c.min {
		fails = append(fails, fmt.Sprintf("%s is below min %s", figText(v), figText(*c.min)))
	}
	if c.max != nil && v > *c.max {
		fails = append(fails, fmt.Sprintf("%s is above max %s", figText(v), figText(*c.max)))
	}
	if c.maxDrop != nil || c.maxRise != nil {
		if base == nil {
			r.Status, r.Why = checkError, fmt.Sprintf("the baseline has no metric %q", c.metric)
			return r
		}
		b, why := figure(base, c.steps, c.figure, "the baseline")
		if why != "" {
			r.Status, r.Why = checkError, why
			return r
		}
		r.Baseline = &b
		if change := c.change(v, b); change != "" {
			if !c.significant {
				fails = append(fails, change)
			} else {
				p, test := changeP(result, base, c.steps)
				if test == "" {
					r.Status, r.Why = checkError, change+", and no test applies to "+c.figure+" (significant: true needs a proportion's value, nps, or a mean with its n and sd)"
					return r
				}
				if math.IsNaN(p) {
					r.Status, r.Why = checkError, change+", and the "+test+" has nothing to test (too few units, or no variance)"
					return r
				}
				r.P = metrics.Ptr(p)
				if p < c.alpha {
					fails = append(fails, fmt.Sprintf("%s, significant (%s p = %.3g < alpha %s)", change, test, p, figText(c.alpha)))
				} else if len(fails) == 0 {
					r.Why = fmt.Sprintf("%s, but not significant (%s p = %.3g ≥ alpha %s)", change, test, p, figText(c.alpha))
				}
			}
		}
	}
	if len(fails) > 0 {
		r.Status, r.Why = checkFail, strings.Join(fails, "; ")
	}
	return r
}

// figure is the number at steps in a JSON result; why says why there is
// none (a null figure is never a pass).
func figure(result any, steps []metrics.PathStep, path, what string) (v float64, why string) {
	x, ok := lookup(result, steps)
	switch {
	case !ok && strings.HasPrefix(path, "segments["):
		return 0, fmt.Sprintf("%s has no %s (segments are there when the metric has by:, and as many as its values)", what, path)
	case !ok:
		return 0, fmt.Sprintf("%s has no %s", what, path)
	case x == nil:
		return 0, fmt.Sprintf("%s is null in %s (nothing to count: an empty denominator)", path, what)
	}
	f, ok := x.(float64)
	if !ok {
		return 0, fmt.Sprintf("%s is not a number in %s", path, what)
	}
	return f, ""
}

// change says how v moved from b past max-drop or max-rise ("" within).
func (c check) change(v, b float64) string {
	const eps = 1e-12 // a drop exactly at the bound passes, whatever the float rounding
	switch {
	case c.maxDrop != nil && b-v > *c.maxDrop+eps:
		return fmt.Sprintf("dropped %s from %s (max-drop %s)", figText(b-v), figText(b), figText(*c.maxDrop))
	case c.maxRise != nil && v-b > *c.maxRise+eps:
		return fmt.Sprintf("rose %s from %s (max-rise %s)", figText(v-b), figText(b), figText(*c.maxRise))
	}
	return ""
}

// changeP tests the change of the figure at steps between two results:
// a proportion's value by the two-proportion z test of its numerator and
// denominator, nps by the z test of its standard error (se), a mean by
// Welch's test of its n and sd, each read next to the figure. test names
// the test ("" when none applies).
func changeP(cur, base any, steps []metrics.PathStep) (p float64, test string) {
	parent, last := steps[:len(steps)-1], steps[len(steps)-1].Field
	a, _ := lookup(cur, parent)
	b, _ := lookup(base, parent)
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	nums := func(keys ...string) ([]float64, bool) {
		var out []float64
		for _, m := range []map[string]any{am, bm} {
			for _, k := range keys {
				f, ok := m[k].(float64)
				if !ok {
					return nil, false
				}
				out = append(out, f)
			}
		}
		return out, true
	}
	switch last {
	case "value":
		if x, ok := nums("numerator", "denominator"); ok {
			return metrics.TwoProportionP(int64(x[0]), int64(x[1]), int64(x[2]), int64(x[3])), "two-proportion z test"
		}
	case "nps":
		if x, ok := nums("nps", "se"); ok {
			return metrics.DiffP(x[0]-x[2], x[1], x[3]), "NPS z test"
		}
	case "mean":
		if x, ok := nums("mean", "sd", "n"); ok {
			return metrics.WelchP(x[0], x[1], int64(x[2]), x[3], x[4], int64(x[5])), "Welch t test"
		}
	}
	return math.NaN(), ""
}

// bound is the check's bounds, as a config would write them.
func (c check) bound() string {
	var out []string
	for _, b := range []struct {
		key string
		v   *float64
	}{{"min", c.min}, {"max", c.max}, {"max-drop", c.maxDrop}, {"max-rise", c.maxRise}} {
		if b.v != nil {
			out = append(out, b.key+" "+figText(*b.v))
		}
	}
	if c.significant {
		out = append(out, "significant at "+figText(c.alpha))
	}
	return strings.Join(out, ", ")
}

// figText is a figure for people: up to 4 significant digits.
func figText(v float64) string {
	if math.Abs(v) >= 1e4 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
