package metrics

import (
	"slices"

	"github.com/uptake-dev/uptake/event"
)

// Event is the event package's (an alias: metrics and its callers name it
// metrics.Event throughout).
type Event = event.Event

// Log is events grouped by user, each user's events sorted by time (input
// order breaks ties, so "equal timestamps count as in order").
type Log struct {
	Users []string
	Names []string
	// FirstSeen is each user's earliest event over everything read, kept or
	// not: the default signup anchor.
	FirstSeen []int64
	start     []int32 // user u's events are [start[u], start[u+1])
	derived   []bool  // by name id: an event selector's (see MarkDerived)
	internal  []bool  // by name id: not user activity (see MarkInternal)
	times     []int64
	names     []int32
	det       []int32 // per event, its details' index (see Details), or nil
	amounts   []float64
	props     map[string][]string
}

// Details are the per-event values some metrics read beside an event's
// time and name (an order's amount, a feature's name): Index is per event
// of the read the index of its values in Amounts and Props' lists, or -1
// for an event without (nil Index: they run parallel to the events).
type Details struct {
	Index   []int32
	Amounts []float64           // NaN: the event carries no amount
	Props   map[string][]string // per property name
}

// NewLog groups events by user with a counting sort (O(n), stable) and
// sorts each user's events by time, stably.
func NewLog(users, names []string, events []Event, firstSeen []int64) *Log {
	return NewLogDetails(users, names, events, firstSeen, nil)
}

// NewLogDetails is NewLog keeping each event's details (nil: none).
func NewLogDetails(users, names []string, events []Event, firstSeen []int64, det *Details) *Log {
	return NewLogEvents(users, names, event.EventsOf(events), firstSeen, det)
}

// NewLogEvents is NewLogDetails of a read's list of events.
func NewLogEvents(users, names []string, events event.Events, firstSeen []int64, det *Details) *Log {
	l := &Log{Users: users, Names: names, FirstSeen: firstSeen}
	n := len(users)
	l.start = make([]int32, n+1)
	for _, b := range events.Blocks() {
		for _, e := range b {
			l.start[e.User+1]++
		}
	}
	for u := 0; u < n; u++ {
		l.start[u+1] += l.start[u]
	}
	l.times = make([]int64, events.Len())
	l.names = make([]int32, events.Len())
	if det != nil {
		l.det = make([]int32, events.Len())
		l.amounts, l.props = det.Amounts, det.Props
	}
	next := slices.Clone(l.start[:n])
	k := 0 // the event's index in the read
	for _, b := range events.Blocks() {
		for _, e := range b {
			i := next[e.User]
			next[e.User]++
			l.times[i] = e.Time
			l.names[i] = e.Name
			if det != nil {
				if det.Index != nil {
					l.det[i] = det.Index[k]
				} else {
					l.det[i] = int32(k)
				}
			}
			k++
		}
	}
	for u := 0; u < n; u++ {
		lo, hi := l.start[u], l.start[u+1]
		ts := l.times[lo:hi]
		if slices.IsSorted(ts) {
			continue
		}
		idx := make([]int32, len(ts))
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int {
			switch {
			case ts[a] < ts[b]:
				return -1
			case ts[a] > ts[b]:
				return 1
			}
			return 0
		})
		nt := make([]int64, len(ts))
		nn := make([]int32, len(ts))
		for i, j := range idx {
			nt[i] = ts[j]
			nn[i] = l.names[lo+j]
		}
		copy(ts, nt)
		copy(l.names[lo:hi], nn)
		if l.det != nil {
			nd := make([]int32, len(ts))
			for i, j := range idx {
				nd[i] = l.det[lo+j]
			}
			copy(l.det[lo:hi], nd)
		}
	}
	return l
}

// Details returns, parallel to Events(u), each event's index for Amount
// and Prop (-1: it has none), or nil when the log keeps no details.
func (l *Log) Details(u int32) []int32 {
	if l.det == nil {
		return nil
	}
	return l.det[l.start[u]:l.start[u+1]]
}

// Amount is the amount of the event whose details are at d (Details), and
// whether it carries one.
func (l *Log) Amount(d int32) (float64, bool) {
	if d < 0 || int(d) >= len(l.amounts) {
		return 0, false
	}
	if v := l.amounts[d]; v == v { // NaN: none
		return v, true
	}
	return 0, false
}

// Prop is property name's value on the event whose details are at d, or "".
func (l *Log) Prop(name string, d int32) string {
	vs := l.props[name]
	if d < 0 || int(d) >= len(vs) {
		return ""
	}
	return vs[d]
}

// MarkDerived marks the names that are event selectors': their events
// stand beside the rows they come from, so "the very next event" (a strict
// funnel) looks past them.
func (l *Log) MarkDerived(names []string) {
	l.derived = make([]bool, len(l.Names))
	for i, n := range l.Names {
		l.derived[i] = slices.Contains(names, n)
	}
}

// MarkInternal marks the names the reader found not to be user activity
// (identity calls, engagement pings: docs/formats.md#internal-events).
func (l *Log) MarkInternal(names []string) {
	l.internal = make([]bool, len(l.Names))
	for i, n := range l.Names {
		l.internal[i] = slices.Contains(names, n)
	}
}

// Behaviour reports whether events of name id are something a user did:
// neither internal (MarkInternal) nor an event selector's copy of a row
// (MarkDerived), which stands beside the row it came from.
func (l *Log) Behaviour(id int32) bool {
	if int(id) < len(l.internal) && l.internal[id] {
		return false
	}
	return int(id) >= len(l.derived) || !l.derived[id]
}

// Events returns user u's event times and name ids, sorted by time.
func (l *Log) Events(u int32) (times []int64, names []int32) {
	lo, hi := l.start[u], l.start[u+1]
	return l.times[lo:hi], l.names[lo:hi]
}

// NameID returns the id of an event name, or -1 when the input has none.
func (l *Log) NameID(name string) int32 {
	for i, n := range l.Names {
		if n == name {
			return int32(i)
		}
	}
	return -1
}

// NameIDs returns the ids of event names (-1 for a name the input lacks).
func (l *Log) NameIDs(names []string) []int32 {
	ids := make([]int32, len(names))
	for i, n := range names {
		ids[i] = l.NameID(n)
	}
	return ids
}

// AllUsers lists every user id 0..n-1.
func (l *Log) AllUsers() []int32 { return AllUsers(len(l.Users)) }

// AllUsers lists the user ids 0..n-1.
func AllUsers(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// firstOf returns the time of the first event named id in times/names at
// or after from, and its index, or -1.
func firstOf(times []int64, names []int32, id int32, from int64, startAt int) (int64, int) {
	for i := startAt; i < len(times); i++ {
		if names[i] == id && times[i] >= from {
			return times[i], i
		}
	}
	return 0, -1
}
