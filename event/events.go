package event

import "iter"

// Events is a list of events held in blocks of a fixed size (64Ki events,
// 1 MiB): a read that keeps millions of events grows without copying them,
// and never holds a half-grown copy beside them. The zero value is empty.
type Events struct {
	blocks [][]Event // every block but the last holds eventBlock events
	n      int
}

const eventBlock = 1 << 16

// EventsOf is the events of evs, which it shares (no copy).
func EventsOf(evs []Event) Events {
	var l Events
	for lo := 0; lo < len(evs); lo += eventBlock {
		hi := min(lo+eventBlock, len(evs))
		l.blocks = append(l.blocks, evs[lo:hi:hi])
	}
	l.n = len(evs)
	return l
}

// Append adds e at the end.
func (l *Events) Append(e Event) {
	if l.n%eventBlock == 0 {
		l.blocks = append(l.blocks, make([]Event, 0, eventBlock))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, e)
	l.n++
}

// Len is the number of events.
func (l Events) Len() int { return l.n }

// At is event i.
func (l Events) At(i int) Event { return l.blocks[i/eventBlock][i%eventBlock] }

// Set replaces event i.
func (l Events) Set(i int, e Event) { l.blocks[i/eventBlock][i%eventBlock] = e }

// All yields the events in order, with their indexes.
func (l Events) All() iter.Seq2[int, Event] {
	return func(yield func(int, Event) bool) {
		i := 0
		for _, b := range l.blocks {
			for _, e := range b {
				if !yield(i, e) {
					return
				}
				i++
			}
		}
	}
}

// Blocks are the events, in order, as consecutive slices (for loops that
// must not pay a call per event). They share the list's memory.
func (l Events) Blocks() [][]Event { return l.blocks }

// Slice is a copy of the events in one slice.
func (l Events) Slice() []Event {
	out := make([]Event, 0, l.n)
	for _, b := range l.blocks {
		out = append(out, b...)
	}
	return out
}

// Equal reports whether l and o hold the same events in the same order
// (go-cmp compares lists with it).
func (l Events) Equal(o Events) bool {
	if l.n != o.n {
		return false
	}
	for i, e := range l.All() {
		if o.At(i) != e {
			return false
		}
	}
	return true
}
