package metrics

import (
	"fmt"
	"slices"
	"time"
)

// ActivityConfig says which events are activity, which start a user's
// cohort and which count as a return.
type ActivityConfig struct {
	Loc *time.Location // zone of local days
	// ActiveEvents, when set, are the only activity (--active-event);
	// otherwise every event the reader does not mark internal is.
	ActiveEvents []string
	// StartEvent anchors a user's cohort (default: the first activity).
	StartEvent string
	// ReturnEvent is what counts as a return (default: any activity).
	ReturnEvent string
	// KeepTimes keeps each user's return-event times, for elapsed windows.
	KeepTimes bool
	// StartPeriods keeps the first start event per calendar period, for
	// recurring cohorts. Its periods are in Loc (NewActivity sets its zone),
	// so that a metric can ask for it before the zone is known.
	StartPeriods *Calendar
}

// Key identifies what an Activity built with c holds: metrics whose
// configurations have the same key can share one (a report's weekly and
// monthly retention and its engagement read one summary, not three).
func (c ActivityConfig) Key() string {
	loc := "UTC"
	if c.Loc != nil {
		loc = c.Loc.String()
	}
	per := ""
	if c.StartPeriods != nil {
		per = fmt.Sprintf("%s/%v", c.StartPeriods.Period, c.StartPeriods.WeekStart)
	}
	return fmt.Sprintf("%q %q %q %v %q %q", loc, c.ActiveEvents, c.StartEvent, c.KeepTimes, c.ReturnEvent, per)
}

// Activity accumulates, per user, what activity metrics need: the local days
// with activity (and how many events on each), the days with a return event,
// the anchor, and optionally return times. It implements event.Sink, so
// memory grows with users and their active days, not with events.
type Activity struct {
	cfg    ActivityConfig
	active []bool // by name id
	start  []bool
	ret    []bool
	Names  []string
	Users  int
	// hot per-user state, one cache line per event: most events fall on the
	// user's current day and only bump its count
	state    []userState
	days     [][]int32 // active days, unpacked from state by Finish
	counts   [][]uint16
	retDays  [][]int32
	times    [][]int64
	startPer []map[int]int64
	// FirstSeen is each user's first event of any kind (valid after Finish).
	FirstSeen []int64
	day       dayCache
	finished  bool
	warmed    int64 // see Events
}

type userState struct {
	first  int64
	anchor int64
	day    int32 // current active day, or noDay
	count  uint16
	// finished days, packed day<<16 | count, in the same cache line as the
	// rest, so a day change costs one append
	packed []uint64
}

func pack(d int32, n uint16) uint64   { return uint64(uint32(d))<<16 | uint64(n) }
func unpack(p uint64) (int32, uint16) { return int32(uint32(p >> 16)), uint16(p) }

const noDay = int32(-1 << 31)

// NewActivity returns an empty accumulator.
func NewActivity(cfg ActivityConfig) *Activity {
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	if cfg.StartPeriods != nil {
		cal := *cfg.StartPeriods
		cal.Loc = cfg.Loc
		cfg.StartPeriods = &cal
	}
	return &Activity{cfg: cfg, day: dayCache{loc: cfg.Loc}}
}

// NewName implements event.Sink: internal events (identity calls,
// engagement pings) are not activity unless named with ActiveEvents.
func (a *Activity) NewName(id int32, name string, internal bool) {
	for int(id) >= len(a.Names) {
		a.Names = append(a.Names, "")
		a.active = append(a.active, false)
		a.start = append(a.start, false)
		a.ret = append(a.ret, false)
	}
	a.Names[id] = name
	act := !internal
	if len(a.cfg.ActiveEvents) > 0 {
		act = slices.Contains(a.cfg.ActiveEvents, name)
	}
	a.active[id] = act
	a.start[id] = act
	if a.cfg.StartEvent != "" {
		a.start[id] = name == a.cfg.StartEvent
	}
	a.ret[id] = act
	if a.cfg.ReturnEvent != "" {
		a.ret[id] = name == a.cfg.ReturnEvent
	}
}

const noTime = int64(1<<63 - 1)

// Events implements event.Sink. Users' state is spread over megabytes at
// 100k+ users, so each block of events first loads the state of its users
// (loads that overlap), then applies the events in order.
func (a *Activity) Events(evs []Event) {
	const block = 256
	for lo := 0; lo < len(evs); lo += block {
		blk := evs[lo:min(lo+block, len(evs))]
		for _, e := range blk {
			if int(e.User) < len(a.state) {
				a.warmed ^= a.state[e.User].first
			}
		}
		for _, e := range blk {
			a.Event(e.User, e.Name, e.Time)
		}
	}
}

// Event adds one event.
func (a *Activity) Event(user, name int32, t int64) {
	u := int(user)
	for u >= a.Users {
		a.state = append(a.state, userState{first: noTime, anchor: noTime, day: noDay})
		a.retDays = append(a.retDays, nil)
		if a.cfg.KeepTimes {
			a.times = append(a.times, nil)
		}
		if a.cfg.StartPeriods != nil {
			a.startPer = append(a.startPer, nil)
		}
		a.Users++
	}
	st := &a.state[u]
	if t < st.first {
		st.first = t
	}
	if !a.active[name] && !a.start[name] && !a.ret[name] {
		return
	}
	d := a.day.index(t)
	if a.active[name] {
		switch {
		case d == st.day:
			if st.count < 65535 {
				st.count++
			}
		case st.day == noDay || d > st.day:
			if st.day != noDay {
				st.packed = append(st.packed, pack(st.day, st.count))
			}
			st.day, st.count = d, 1
		default: // an earlier day arriving late: sorted out in Finish
			st.packed = append(st.packed, pack(d, 1))
		}
	}
	if a.ret[name] && a.cfg.ReturnEvent != "" {
		a.retDays[u] = addDay(a.retDays[u], d)
	}
	if a.ret[name] && a.cfg.KeepTimes {
		a.times[u] = append(a.times[u], t)
	}
	if a.start[name] {
		if t < st.anchor {
			st.anchor = t
		}
		if a.cfg.StartPeriods != nil {
			if a.startPer[u] == nil {
				a.startPer[u] = map[int]int64{}
			}
			k := a.cfg.StartPeriods.Index(t)
			if old, ok := a.startPer[u][k]; !ok || t < old {
				a.startPer[u][k] = t
			}
		}
	}
}

// Remap implements event.Sink: identity stitching merged users, user u
// is now to[u] of n. Runs before Finish.
func (a *Activity) Remap(to []int32, n int) {
	if a.finished {
		panic("metrics: Activity.Remap after Finish")
	}
	state := make([]userState, n)
	set := make([]bool, n)
	retDays := make([][]int32, n)
	var times [][]int64
	if a.cfg.KeepTimes {
		times = make([][]int64, n)
	}
	var startPer []map[int]int64
	if a.cfg.StartPeriods != nil {
		startPer = make([]map[int]int64, n)
	}
	for old := 0; old < a.Users; old++ {
		u := to[old]
		st := a.state[old]
		if st.day != noDay {
			st.packed = append(st.packed, pack(st.day, st.count))
			st.day = noDay
		}
		if !set[u] {
			state[u], set[u] = st, true
		} else {
			m := &state[u]
			m.first = min(m.first, st.first)
			m.anchor = min(m.anchor, st.anchor)
			m.packed = append(m.packed, st.packed...) // sorted and merged in Finish
		}
		for _, d := range a.retDays[old] {
			retDays[u] = addDay(retDays[u], d)
		}
		if times != nil {
			times[u] = append(times[u], a.times[old]...)
		}
		if startPer != nil {
			for k, t := range a.startPer[old] {
				if startPer[u] == nil {
					startPer[u] = map[int]int64{}
				}
				if cur, ok := startPer[u][k]; !ok || t < cur {
					startPer[u][k] = t
				}
			}
		}
	}
	a.state, a.retDays, a.times, a.startPer, a.Users = state, retDays, times, startPer, n
}

// Finish folds each user's current day into their day list. Accessors call
// it; it is idempotent.
func (a *Activity) Finish() {
	if a.finished {
		return
	}
	a.finished = true
	a.FirstSeen = make([]int64, a.Users)
	a.days = make([][]int32, a.Users)
	a.counts = make([][]uint16, a.Users)
	for u := range a.state {
		st := &a.state[u]
		a.FirstSeen[u] = st.first
		if st.day != noDay {
			st.packed = append(st.packed, pack(st.day, st.count))
		}
		if !slices.IsSorted(st.packed) { // late days: sort, then merge equal days
			slices.Sort(st.packed)
		}
		days := make([]int32, 0, len(st.packed))
		counts := make([]uint16, 0, len(st.packed))
		for _, p := range st.packed {
			d, n := unpack(p)
			if k := len(days); k > 0 && days[k-1] == d {
				counts[k-1] = uint16(min(int(counts[k-1])+int(n), 65535))
				continue
			}
			days, counts = append(days, d), append(counts, n)
		}
		a.days[u], a.counts[u] = days, counts
		st.packed, st.day = nil, noDay
		if a.cfg.KeepTimes && !slices.IsSorted(a.times[u]) {
			slices.Sort(a.times[u])
		}
	}
}

// addDay adds local day d to days, keeping them sorted and unique.
func addDay(days []int32, d int32) []int32 {
	n := len(days)
	if n == 0 || days[n-1] < d {
		return append(days, d)
	}
	if i, found := slices.BinarySearch(days, d); !found {
		return slices.Insert(days, i, d)
	}
	return days
}

// ReturnDays are the local days on which user u did a return event.
func (a *Activity) ReturnDays(u int) []int32 {
	a.Finish()
	if a.cfg.ReturnEvent != "" {
		return a.retDays[u]
	}
	return a.days[u]
}

// ActiveDays are the local days with activity, and events on each.
func (a *Activity) ActiveDays(u int) ([]int32, []uint16) {
	a.Finish()
	return a.days[u], a.counts[u]
}

// Anchor is the user's first start event, if any.
func (a *Activity) Anchor(u int) (int64, bool) { return a.state[u].anchor, a.state[u].anchor != noTime }

// ReturnTimes are the user's return-event times (with KeepTimes), sorted.
func (a *Activity) ReturnTimes(u int) []int64 {
	a.Finish()
	return a.times[u]
}

// StartsByPeriod are the user's first start event per period (recurring).
func (a *Activity) StartsByPeriod(u int) map[int]int64 { return a.startPer[u] }

// Loc is the zone of the local days.
func (a *Activity) Loc() *time.Location { return a.cfg.Loc }

// AllUsers lists users 0..n-1.
func (a *Activity) AllUsers() []int32 { return AllUsers(a.Users) }

// dayCache turns instants into local day numbers (days since 1970-01-01 in
// the zone), remembering the last day's bounds: events arrive mostly in
// time order, so most lookups need no zone arithmetic.
type dayCache struct {
	loc        *time.Location
	start, end int64
	day        int32
	valid      bool
}

func (c *dayCache) index(t int64) int32 {
	if c.valid && t >= c.start && t < c.end {
		return c.day
	}
	if c.loc == time.UTC {
		d := t / (86400 * 1e9)
		if t < 0 && t%(86400*1e9) != 0 {
			d--
		}
		c.day, c.start, c.end, c.valid = int32(d), d*86400*1e9, (d+1)*86400*1e9, true
		return c.day
	}
	lt := time.Unix(0, t).In(c.loc)
	y, m, dd := lt.Date()
	s := midnight(y, m, dd, c.loc)
	c.day = int32(civilDays(s))
	c.start, c.end, c.valid = unixNS(s), unixNS(midnight(y, m, dd+1, c.loc)), true
	return c.day
}
