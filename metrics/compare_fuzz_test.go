package metrics

import (
	"testing"
)

// FuzzParseCounts: --counts never panics, and what it accepts is at least
// two distinct groups of 0 ≤ x ≤ n, the control first.
func FuzzParseCounts(f *testing.F) {
	for _, s := range []string{"control=480/12000,guided=560/11800", "a=1/2,b=2/3,c=3/4", "a=1/2", "=1/2,b=1/1", "a=-1/2,b=0/0", "a=1/2,b=9223372036854775807/9223372036854775807"} {
		f.Add(s, "")
		f.Add(s, "b")
	}
	f.Fuzz(func(t *testing.T, s, control string) {
		arms, err := ParseCounts(s, control)
		if err != nil {
			return
		}
		if len(arms) < 2 || control != "" && arms[0].Name != control {
			t.Fatalf("%q: %v", s, arms)
		}
		seen := map[string]bool{}
		for _, a := range arms {
			if a.Name == "" || seen[a.Name] || a.X < 0 || a.X > a.N {
				t.Fatalf("%q: %v", s, arms)
			}
			seen[a.Name] = true
		}
		CompareArms(arms, CompareParams{Kind: OutcomeProportion, Design: DesignRandomized, Level: 0.95, Alpha: 0.05, Power: 0.8})
	})
}

// FuzzParseBehaviour: a behaviour --group reads back from its own
// spelling.
func FuzzParseBehaviour(f *testing.F) {
	for _, s := range []string{"report_created within 48h", "a within 7d of b", "x[y = 1] within 2w", "within within 1d", "a within 1.5d of  c ", "plan = pro"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, ok, err := ParseBehaviour(s)
		if !ok || err != nil {
			return
		}
		if b.Event == "" || b.Within.D <= 0 {
			t.Fatalf("%q: %+v", s, b)
		}
		again, ok, err := ParseBehaviour(b.String())
		if !ok || err != nil || again != b {
			t.Fatalf("%q → %q → %+v %v", s, b.String(), again, err)
		}
	})
}
