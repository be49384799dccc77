package metrics

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkActivity feeds an activity summary 4M events in time order, as
// the reader does (blocks of 4096): 100k users in sessions of a few events,
// about 0.22 active days per event, as in the demo export (10M events, 2.1M
// user-days); it reports ns per event, Finish included.
func BenchmarkActivity(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	evs := make([]Event, 0, 1<<22)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	t := t0
	var open []int32 // users in a session
	for len(evs) < cap(evs) {
		t += int64(2 * time.Second)
		if len(open) < 2000 {
			open = append(open, int32(rng.IntN(100000)))
		}
		k := rng.IntN(len(open))
		name := int32(rng.IntN(4))
		if rng.IntN(10) == 0 {
			name = int32(4 + rng.IntN(15))
		}
		evs = append(evs, Event{Time: t, User: open[k], Name: name})
		if rng.IntN(5) == 0 { // the session ends
			open[k] = open[len(open)-1]
			open = open[:len(open)-1]
		}
	}
	benchSink(b, evs, func() *Activity { return NewActivity(ActivityConfig{}) }, (*Activity).Events)
}

// benchSink feeds evs to a new sink in each iteration, as the reader does
// (20 names, blocks of 4096), finishes it, and reports ns per event.
func benchSink[S interface {
	NewName(int32, string, bool)
	Finish()
}](b *testing.B, evs []Event, newSink func() S, feed func(S, []Event)) {
	b.ResetTimer()
	for range b.N {
		s := newSink()
		for n := range int32(20) {
			s.NewName(n, "e", false)
		}
		for lo := 0; lo < len(evs); lo += 4096 {
			feed(s, evs[lo:min(lo+4096, len(evs))])
		}
		s.Finish()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
