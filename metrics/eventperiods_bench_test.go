package metrics

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkEventPeriods counts 4M events in time order, of 100k users
// drawn at random (so about one event per user and day: the worst case for
// the per-user current period), on one goroutine; it reports ns per event.
func BenchmarkEventPeriods(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	evs := make([]Event, 1<<22)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for i := range evs {
		name := int32(rng.IntN(4))
		if rng.IntN(10) == 0 {
			name = int32(4 + rng.IntN(15))
		}
		evs[i] = Event{Time: t0 + int64(i)*int64(4*time.Second), User: int32(rng.IntN(100000)), Name: name}
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	benchSink(b, evs, func() *EventPeriods { return NewEventPeriods(NewCalendar(Day, "monday", la), la) }, (*EventPeriods).events)
}
