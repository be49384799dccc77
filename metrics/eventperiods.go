package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// EventPeriods is a Summary of a read for trends: per user, how many
// events of each name fell in each calendar period. It keeps a few bytes
// per (user, period, event name) that occurs, not per event, so a year of
// ten million events costs a few megabytes rather than the Log's 12 bytes
// an event, and distinct users per period stay exact under --by and
// identity stitching (a user's entries follow them when users merge).
type EventPeriods struct {
	cal      Calendar
	Names    []string
	Internal []bool // by name id: the reader marks it not user activity
	users    []userPeriods
	big      []bigEntry // entries whose name id does not fit a packed entry
	bigBy    map[int32][]bigEntry
	zone     zoneDays
	// the last event's local day lasts over [dayLo, dayHi) and lies in
	// period lastPer: most events repeat it
	dayLo, dayHi int64
	lastDay      int32
	lastPer      int32
	lo, hi       int32 // the span of periods with any event
	any          bool
	warmed       uint64
	mu           sync.Mutex
	tops         map[[2]int32][]int32 // cached TopNames by span
	// the batches Events hands to the goroutine that counts them
	work     chan []Event // a nil batch ends the goroutine
	free     chan []Event
	done     sync.WaitGroup
	panicked any
}

// userPeriods are a user's entries: packed period, name and count, with
// the entries of the user's current period from cur on (most events fall
// in it, and only bump a count there).
type userPeriods struct {
	e   []uint64
	cur int32
}

// An entry packs period<<32 | name<<countBits | count. A count that would
// overflow starts another entry of the same period and name; readers add
// them up (and count a user once per cell however many entries it has).
const (
	countBits = 12
	maxCount  = 1<<countBits - 1
	maxName   = 1<<(32-countBits) - 1
)

type bigEntry struct {
	user, period, name int32
	count              int64
}

func packEntry(period, name int32, count uint64) uint64 {
	return uint64(uint32(period))<<32 | uint64(name)<<countBits | count
}

func unpackEntry(e uint64) (period, name int32, count int64) {
	return int32(uint32(e >> 32)), int32(uint32(e) >> countBits), int64(e & maxCount)
}

// EventPeriodsNeed asks for the EventPeriods of calendar cal (its zone is
// the run's).
func EventPeriodsNeed(cal Calendar) *SummaryNeed {
	return &SummaryNeed{
		Key: fmt.Sprintf("event periods %s/%v", cal.Period, cal.WeekStart),
		New: func(loc *time.Location) Summary { return NewEventPeriods(cal, loc) },
	}
}

// NewEventPeriods returns an empty summary of periods of cal in loc.
func NewEventPeriods(cal Calendar, loc *time.Location) *EventPeriods {
	if loc == nil {
		loc = time.UTC
	}
	cal.Loc = loc
	return &EventPeriods{cal: cal, zone: zoneDays{loc: loc}}
}

// Calendar is the summary's calendar.
func (p *EventPeriods) Calendar() Calendar { return p.cal }

// NewName implements event.Sink.
func (p *EventPeriods) NewName(id int32, name string, internal bool) {
	for int(id) >= len(p.Names) {
		p.Names = append(p.Names, "")
		p.Internal = append(p.Internal, false)
	}
	p.Names[id], p.Internal[id] = name, internal
}

// Events implements event.Sink. It copies the batch for a goroutine of its
// own to count, so that the reader's consumer, which every event passes
// through, does not wait for it: on two cores this hides nearly all of the
// summary's cost. Remap and Finish wait for it.
func (p *EventPeriods) Events(evs []Event) {
	if p.work == nil {
		p.work, p.free = make(chan []Event, 8), make(chan []Event, 10)
		p.done.Add(1)
		go p.count()
	}
	var buf []Event
	select {
	case buf = <-p.free:
	default:
	}
	p.work <- append(buf[:0], evs...)
}

// count counts the batches Events hands over, until wait's nil batch.
func (p *EventPeriods) count() {
	defer p.done.Done()
	defer func() {
		if v := recover(); v != nil {
			p.panicked = v // raised again by wait, on a goroutine that recovers it
			for evs := range p.work {
				if evs == nil {
					return
				}
			}
		}
	}()
	for evs := range p.work {
		if evs == nil {
			return
		}
		p.events(evs)
		select {
		case p.free <- evs:
		default:
		}
	}
}

// Abort ends the counting goroutine of a read that failed (nothing will
// Finish the summary).
func (p *EventPeriods) Abort() {
	defer func() { _ = recover() }() // a panic in the counting is the failed read's to report, if anyone's
	p.wait()
}

// wait lets the counting goroutine finish the batches handed to it.
func (p *EventPeriods) wait() {
	if p.work == nil {
		return
	}
	p.work <- nil
	p.done.Wait()
	p.work = nil
	if v := p.panicked; v != nil {
		p.panicked = nil
		panic(v)
	}
}

// events counts a batch. As Activity's, each block first touches its users'
// state, so that the cache misses of a block overlap.
func (p *EventPeriods) events(evs []Event) {
	const block = 256
	for lo := 0; lo < len(evs); lo += block {
		blk := evs[lo:min(lo+block, len(evs))]
		for _, e := range blk {
			if int(e.User) < len(p.users) {
				if u := &p.users[e.User]; int(u.cur) < len(u.e) {
					p.warmed ^= u.e[u.cur]
				}
			}
		}
		for _, e := range blk {
			p.Event(e.User, e.Name, e.Time)
		}
	}
}

// Event adds one event (on the caller's goroutine: not with Events).
func (p *EventPeriods) Event(user, name int32, t int64) {
	for int(user) >= len(p.users) {
		p.users = append(p.users, userPeriods{})
	}
	if t < p.dayLo || t >= p.dayHi {
		var d int32
		d, p.dayLo, p.dayHi = p.zone.span(t)
		if d != p.lastDay || !p.any {
			p.lastDay, p.lastPer = d, int32(p.cal.DayPeriod(d))
		}
	}
	per := p.lastPer
	switch {
	case !p.any:
		p.lo, p.hi, p.any = per, per, true
	case per < p.lo:
		p.lo = per
	case per > p.hi:
		p.hi = per
	}
	if name > maxName {
		p.big = append(p.big, bigEntry{user: user, period: per, name: name, count: 1})
		return
	}
	u := &p.users[user]
	key := packEntry(per, name, 0)
	if n := int32(len(u.e)); n == u.cur || u.e[u.cur]>>32 != key>>32 {
		u.cur = n // a new current period (or a late event of an earlier one)
	} else {
		for i := u.cur; i < n; i++ {
			if e := u.e[i]; e&^maxCount == key && e&maxCount < maxCount {
				u.e[i]++
				return
			}
		}
	}
	u.e = append(u.e, key|1)
}

// Remap implements event.Sink: identity stitching merged users.
func (p *EventPeriods) Remap(to []int32, n int) {
	p.wait()
	users := make([]userPeriods, n)
	for old, u := range p.users {
		nu := &users[to[old]]
		nu.e = append(nu.e, u.e...)
		nu.cur = int32(len(nu.e)) // no current period: the next event starts one
	}
	for i := range p.big {
		p.big[i].user = to[p.big[i].user]
	}
	p.users = users
}

// Finish implements Summary.
func (p *EventPeriods) Finish() {
	p.wait()
	if len(p.big) > 0 && p.bigBy == nil {
		p.bigBy = map[int32][]bigEntry{}
		for _, b := range p.big {
			p.bigBy[b.user] = append(p.bigBy[b.user], b)
		}
	}
}

// Span is the range of periods with any event of the read.
func (p *EventPeriods) Span() (lo, hi int, ok bool) { return int(p.lo), int(p.hi), p.any }

// entries are user u's packed entries (entries of the same period and name
// may repeat; names past maxName are in bigBy).
func (p *EventPeriods) entries(u int32) []uint64 {
	if int(u) < len(p.users) {
		return p.users[u].e
	}
	return nil
}

// TopNames are the n non-internal names with the most events in periods
// [lo, hi] over every user, most first (ties by name).
func (p *EventPeriods) TopNames(n int, lo, hi int) []int32 {
	key := [2]int32{int32(lo), int32(hi)}
	p.mu.Lock()
	defer p.mu.Unlock()
	if top, ok := p.tops[key]; ok {
		return top[:min(n, len(top))]
	}
	counts := make([]int64, len(p.Names))
	for _, u := range p.users {
		for _, x := range u.e {
			if per, name, c := unpackEntry(x); int(per) >= lo && int(per) <= hi {
				counts[name] += c
			}
		}
	}
	for _, b := range p.big {
		if int(b.period) >= lo && int(b.period) <= hi {
			counts[b.name] += b.count
		}
	}
	var ids []int32
	for id, c := range counts {
		if c > 0 && !p.Internal[id] {
			ids = append(ids, int32(id))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(p.Names[a], p.Names[b])
	})
	if p.tops == nil {
		p.tops = map[[2]int32][]int32{}
	}
	p.tops[key] = ids
	return ids[:min(n, len(ids))]
}

// zoneDays turns instants into local day numbers (days since 1970-01-01 in
// the zone) from the zone's offset, which it keeps for as long as the
// offset holds (between two daylight-saving changes): events in any order
// cost no zone arithmetic.
type zoneDays struct {
	loc    *time.Location
	lo, hi int64 // the offset holds in [lo, hi)
	off    int64 // seconds east of UTC
	valid  bool
}

const nsDay = 86400 * int64(time.Second)

func (z *zoneDays) day(t int64) int32 {
	d, _, _ := z.span(t)
	return d
}

// span is t's local day, and the instants [lo, hi) around t over which the
// local day and the zone's offset stay the same.
func (z *zoneDays) span(t int64) (day int32, lo, hi int64) {
	if !z.valid || t < z.lo || t >= z.hi {
		lt := time.Unix(0, t).In(z.loc)
		_, off := lt.Zone()
		s, e := lt.ZoneBounds()
		z.lo, z.hi, z.off, z.valid = int64(math.MinInt64), int64(math.MaxInt64), int64(off), true
		if !s.IsZero() {
			z.lo = unixNS(s)
		}
		if !e.IsZero() {
			z.hi = unixNS(e)
		}
	}
	// floor((t + off) / day) without overflow near the ends of int64; r
	// ends as t's local time of day
	q, r := t/nsDay, t%nsDay
	if r < 0 {
		q, r = q-1, r+nsDay
	}
	r += z.off * int64(time.Second)
	switch {
	case r >= nsDay:
		q, r = q+1, r-nsDay
	case r < 0:
		q, r = q-1, r+nsDay
	}
	lo, hi = z.lo, z.hi
	if s := t - r; s <= t { // not wrapped round
		lo = max(lo, s)
		if e := s + nsDay; e > s {
			hi = min(hi, e)
		}
	}
	return int32(q), lo, hi
}
