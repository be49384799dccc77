package metrics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The --counts calculator: groups given as x of n, no input.

// maxGroupCount bounds a group of --counts, far above any count of users and
// far below where sums of counts overflow.
const maxGroupCount = 1e12

// ParseCounts reads the calculator's groups, NAME=x/n,... (the first is
// the control unless control names another).
func ParseCounts(s, control string) ([]Arm, error) {
	var arms []Arm
	for _, item := range strings.Split(s, ",") {
		name, frac, ok := strings.Cut(strings.TrimSpace(item), "=")
		xs, ns, ok2 := strings.Cut(frac, "/")
		x, err1 := strconv.ParseInt(strings.TrimSpace(xs), 10, 64)
		n, err2 := strconv.ParseInt(strings.TrimSpace(ns), 10, 64)
		name = strings.TrimSpace(name)
		switch {
		case !ok || !ok2 || name == "" || err1 != nil || err2 != nil:
			return nil, fmt.Errorf("--counts %q: want NAME=x/n for each group, such as control=480/12000,guided=560/11800", item)
		case x < 0 || n < 0 || x > n:
			return nil, fmt.Errorf("--counts %q: want 0 ≤ x ≤ n", item)
		case n > maxGroupCount:
			return nil, fmt.Errorf("--counts %q: n above %d is no count of users", item, int64(maxGroupCount))
		case slices.ContainsFunc(arms, func(a Arm) bool { return a.Name == name }):
			return nil, fmt.Errorf("--counts: the group %q is given twice", name)
		}
		arms = append(arms, Arm{Name: name, X: x, N: n})
	}
	if len(arms) < 2 {
		return nil, fmt.Errorf("--counts %q: give at least two groups, the control first", s)
	}
	if control != "" {
		i := slices.IndexFunc(arms, func(a Arm) bool { return a.Name == control })
		if i < 0 {
			names := make([]string, len(arms))
			for j, a := range arms {
				names[j] = a.Name
			}
			return nil, fmt.Errorf("--control %q is not among the --counts groups (%s)", control, strings.Join(names, ", "))
		}
		arms[0], arms[i] = arms[i], arms[0]
		if i > 1 { // keep the treatments in the order given
			moved := arms[i]
			copy(arms[2:i+1], arms[1:i])
			arms[1] = moved
		}
	}
	return arms, nil
}

// CompareCounts is the calculator: groups given as counts, compared as a
// randomized experiment. The params are the envelope's.
func CompareCounts(s *CompareSettings, level float64) (CompareResult, map[string]any, error) {
	if err := s.check(); err != nil {
		return CompareResult{}, nil, &UsageError{err}
	}
	switch {
	case s.Sequential || s.CUPED:
		return CompareResult{}, nil, &UsageError{fmt.Errorf("--sequential and --cuped need each user's outcome: they do not work on --counts")}
	case s.VariantProp != "" || s.Group != "" || s.Offset != 0:
		return CompareResult{}, nil, &UsageError{fmt.Errorf("--counts gives the groups: --variant-prop, --group and --offset read an input")}
	}
	arms, err := ParseCounts(s.Counts, s.Control)
	if err != nil {
		return CompareResult{}, nil, &UsageError{err}
	}
	if s.weights != nil && len(s.weights) != len(arms) {
		return CompareResult{}, nil, &UsageError{fmt.Errorf("--weights %s gives %d weights for %d groups", s.Weights, len(s.weights), len(arms))}
	}
	r := &Run{Level: level, Loc: time.UTC}
	res := CompareArms(arms, s.compareParams(r, OutcomeProportion, DesignRandomized))
	res.Outcome, res.Groups = "x of n per group (--counts)", "--counts"
	params := s.params(DesignRandomized, arms[0].Name)
	params["conf"] = level
	return res, params, nil
}
