package metrics

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestElapsedRetentionFromSpans: elapsed brackets read from return spans
// (the first and last return of each stretch of the bracket's length) are
// those of every return time, counted one by one — for random users whose
// events arrive out of order, around 1970-01-01, merged by identity
// stitching, in days, weeks and 30-day months.
func TestElapsedRetentionFromSpans(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, per := range []Period{Day, Week, Month} {
		unit := elapsedUnit(per)
		for trial := 0; trial < 40; trial++ {
			const users = 30
			a := NewActivity(ActivityConfig{StartEvent: "start", ElapsedUnit: unit})
			a.NewName(0, "start", false)
			a.NewName(1, "visit", false)
			base := int64(-3 * 24 * time.Hour) // some events before 1970
			if trial%2 == 1 {
				base = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano()
			}
			times := make([][]int64, users) // every event, start or visit
			starts := make([]int64, users)
			for u := range users {
				starts[u] = base + rng.Int64N(int64(10*24*time.Hour))
				a.Event(int32(u), 0, starts[u])
				times[u] = append(times[u], starts[u])
				for range rng.IntN(40) {
					// returns up to 12 units after (and some before) the start,
					// many within a few hours of one another
					t := starts[u] + rng.Int64N(12*unit) - unit
					if rng.IntN(3) == 0 && len(times[u]) > 0 {
						t = times[u][rng.IntN(len(times[u]))] + rng.Int64N(int64(3*time.Hour)) - int64(time.Hour)
					}
					a.Event(int32(u), 1, t)
					times[u] = append(times[u], t)
				}
			}
			// stitch users 2k and 2k+1 into k on every third trial
			n := users
			if trial%3 == 1 {
				to := make([]int32, users)
				for u := range to {
					to[u] = int32(u / 2)
				}
				a.Remap(to, users/2)
				n = users / 2
				merged := make([][]int64, n)
				for u := range times {
					merged[u/2] = append(merged[u/2], times[u]...)
				}
				times = merged
			}
			const periods = 10
			p := RetentionParams{Cal: Calendar{Period: per, Loc: time.UTC}, Periods: periods, Elapsed: true,
				Range: Range{AsOf: 1 << 62}, Level: 0.95}
			got := map[int32][]int8{}
			p.each = func(o retentionUser) { got[o.user] = o.offsets }
			all := make([]int32, n)
			for u := range all {
				all[u] = int32(u)
			}
			Retention(a, all, p)
			for u := range n {
				startT := starts[u] // the anchor: the first start event
				if n < users {
					startT = min(starts[2*u], starts[2*u+1])
				}
				want := make([]int8, periods+1)
				for _, t := range times[u] {
					if t < startT {
						continue
					}
					if k := int((t - startT) / unit); k <= periods {
						want[k] = 1
					}
				}
				if !slices.Equal(got[int32(u)], want) {
					t.Fatalf("%s trial %d user %d: offsets %v, want %v", per, trial, u, got[int32(u)], want)
				}
			}
		}
	}
}
