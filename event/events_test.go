package event

import (
	"slices"
	"testing"
)

// A list built event by event and one over a slice hold the same events,
// in order, at the same indexes, across block boundaries.
func TestEvents(t *testing.T) {
	for _, n := range []int{0, 1, eventBlock - 1, eventBlock, eventBlock + 1, 3*eventBlock + 7} {
		evs := make([]Event, n)
		var built Events
		for i := range evs {
			evs[i] = Event{Time: int64(i), User: int32(i % 7), Name: int32(i % 3)}
			built.Append(evs[i])
		}
		of := EventsOf(evs)
		for _, l := range []Events{built, of} {
			if l.Len() != n {
				t.Fatalf("n=%d: Len %d", n, l.Len())
			}
			var got []Event
			for i, e := range l.All() {
				if e != evs[i] || l.At(i) != e {
					t.Fatalf("n=%d: event %d is %v (At %v), want %v", n, i, e, l.At(i), evs[i])
				}
				got = append(got, e)
			}
			if !slices.Equal(got, evs) && n > 0 {
				t.Fatalf("n=%d: All gave %d events", n, len(got))
			}
			if flat := slices.Concat(l.Blocks()...); !slices.Equal(flat, evs) && n > 0 {
				t.Fatalf("n=%d: Blocks gave %d events", n, len(flat))
			}
		}
		if !built.Equal(of) || n > 0 && built.Equal(EventsOf(evs[:n/2])) {
			t.Fatalf("n=%d: Equal", n)
		}
		if n > 0 {
			built.Set(n-1, Event{Time: -1})
			if built.Equal(of) {
				t.Fatalf("n=%d: Equal after Set", n)
			}
			if built.At(n-1).Time != -1 {
				t.Fatalf("n=%d: Set", n)
			}
		}
	}
}
