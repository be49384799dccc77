package metrics

import (
	"cmp"
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
	// ElapsedUnit, when set, keeps for each user the earliest and latest
	// return time in every stretch of ElapsedUnit ns (counted from the Unix
	// epoch) that holds a return: enough to tell which elapsed brackets of
	// that length a return falls in, from any anchor (ReturnSpans), at one
	// record per stretch rather than one per event.
	ElapsedUnit int64
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
	return fmt.Sprintf("%q %q %q %d %q %q", loc, c.ActiveEvents, c.StartEvent, c.ElapsedUnit, c.ReturnEvent, per)
}

// Activity accumulates, per user, what activity metrics need: the local days
// with activity (and how many events on each), the days with a return event,
// the anchor, and optionally return spans. It implements event.Sink, so
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
	state []userState
	// finished days of every user, in the order they finished (mostly
	// time order): a day change writes one record at the end, with no
	// per-user allocation; Finish groups them by user
	log      blockLog[dayRec]
	days     []int32   // active days of every user, by user (Finish)
	counts   []uint16  // events on each
	dayStart []int     // user u's days are days[dayStart[u]:dayStart[u+1]]
	retDays  [][]int32 // with ReturnEvent
	// return spans (ElapsedUnit): each user's current one beside the
	// state, the finished ones in a log like the days; Finish groups them
	cur       []ReturnSpan
	spanLog   blockLog[spanRec]
	spans     []ReturnSpan
	spanStart []int
	startPer  []map[int]int64
	// FirstSeen is each user's first event of any kind (valid after Finish).
	FirstSeen []int64
	day       dayCache
	finished  bool
	warmed    int64 // see Events
}

// userState is 24 bytes with no pointers: the garbage collector never
// scans the state, and it stays small in the caches.
type userState struct {
	first  int64
	anchor int64
	day    int32 // current active day, or noDay
	count  uint16
}

// ReturnSpan is the earliest and latest return time of a user in one
// stretch of ElapsedUnit (see ActivityConfig.ElapsedUnit), which starts at
// Base (a multiple of the unit).
type ReturnSpan struct{ Base, First, Last int64 }

// dayRec is a finished active day of a user, and its events.
type dayRec struct {
	user  int32
	day   int32
	count uint16
}

// spanRec is a finished return span of a user.
type spanRec struct {
	user int32
	span ReturnSpan
}

// blockLog holds records in blocks of a fixed size, so that it grows
// without copying what it holds.
type blockLog[T any] struct {
	blocks [][]T
	n      int
}

const logBlock = 1 << 16

func (l *blockLog[T]) add(r T) {
	if l.n%logBlock == 0 {
		l.blocks = append(l.blocks, make([]T, 0, logBlock))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, r)
	l.n++
}

const noDay = int32(-1 << 31)

// noSpan is the Base of a user's current span when there is none.
const noSpan = int64(-1 << 63)

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
			if int(e.User) < len(a.cur) {
				a.warmed ^= a.cur[e.User].Base
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
		if len(a.state) == cap(a.state) { // double (append grows a large slice by a quarter)
			a.state = slices.Grow(a.state, max(1024, len(a.state)))
		}
		a.state = append(a.state, userState{first: noTime, anchor: noTime, day: noDay})
		if a.cfg.ReturnEvent != "" {
			a.retDays = append(a.retDays, nil)
		}
		if a.cfg.ElapsedUnit > 0 {
			a.cur = append(a.cur, ReturnSpan{Base: noSpan})
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
				a.log.add(dayRec{user: user, day: st.day, count: st.count})
			}
			st.day, st.count = d, 1
		default: // an earlier day arriving late: sorted out in Finish
			a.log.add(dayRec{user: user, day: d, count: 1})
		}
	}
	if a.ret[name] && a.cfg.ReturnEvent != "" {
		a.retDays[u] = addDay(a.retDays[u], d)
	}
	if unit := a.cfg.ElapsedUnit; a.ret[name] && unit > 0 {
		// most returns fall in the stretch of the user's current span and
		// only widen it: two comparisons, no division
		c := &a.cur[u]
		if c.Base != noSpan && t >= c.Base && t-c.Base < unit {
			c.First, c.Last = min(c.First, t), max(c.Last, t)
		} else {
			if c.Base != noSpan {
				a.spanLog.add(spanRec{user: user, span: *c})
			}
			*c = ReturnSpan{Base: stretch(t, unit), First: t, Last: t}
		}
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
	a.flush()
	for _, b := range a.log.blocks { // days are merged in Finish
		for i := range b {
			b[i].user = to[b[i].user]
		}
	}
	state := make([]userState, n)
	set := make([]bool, n)
	var retDays [][]int32
	if a.cfg.ReturnEvent != "" {
		retDays = make([][]int32, n)
	}
	a.flushSpans()
	for _, b := range a.spanLog.blocks { // spans are merged in Finish
		for i := range b {
			b[i].user = to[b[i].user]
		}
	}
	if a.cur != nil {
		a.cur = slices.Repeat([]ReturnSpan{{Base: noSpan}}, n)
	}
	var startPer []map[int]int64
	if a.cfg.StartPeriods != nil {
		startPer = make([]map[int]int64, n)
	}
	for old := 0; old < a.Users; old++ {
		u := to[old]
		st := a.state[old]
		if !set[u] {
			state[u], set[u] = st, true
		} else {
			m := &state[u]
			m.first = min(m.first, st.first)
			m.anchor = min(m.anchor, st.anchor)
		}
		if retDays != nil {
			for _, d := range a.retDays[old] {
				retDays[u] = addDay(retDays[u], d)
			}
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
	a.state, a.retDays, a.startPer, a.Users = state, retDays, startPer, n
}

// flush ends every user's current day, into the log.
func (a *Activity) flush() {
	for u := range a.state {
		if st := &a.state[u]; st.day != noDay {
			a.log.add(dayRec{user: int32(u), day: st.day, count: st.count})
			st.day = noDay
		}
	}
}

// flushSpans ends every user's current span, into the span log.
func (a *Activity) flushSpans() {
	for u := range a.cur {
		if c := &a.cur[u]; c.Base != noSpan {
			a.spanLog.add(spanRec{user: int32(u), span: *c})
			c.Base = noSpan
		}
	}
}

// byUser places the records of l grouped by user, in log order within a
// user (a counting sort): put(i, r) stores record r at index i, and user
// u's records are at [start[u], start[u+1]).
func byUser[T any](l *blockLog[T], users int, user func(T) int32, put func(int, T)) (start []int) {
	start = make([]int, users+1)
	for _, b := range l.blocks {
		for _, r := range b {
			start[user(r)+1]++
		}
	}
	for u := 0; u < users; u++ {
		start[u+1] += start[u]
	}
	next := slices.Clone(start[:users])
	for _, b := range l.blocks {
		for _, r := range b {
			u := user(r)
			put(next[u], r)
			next[u]++
		}
	}
	return start
}

// finishSpans groups the span log by user (a counting sort), then sorts
// and merges each user's spans.
func (a *Activity) finishSpans() {
	a.flushSpans()
	spans := make([]ReturnSpan, a.spanLog.n)
	start := byUser(&a.spanLog, a.Users, func(r spanRec) int32 { return r.user }, func(i int, r spanRec) { spans[i] = r.span })
	a.spanLog = blockLog[spanRec]{}
	w := 0
	for u := 0; u < a.Users; u++ {
		merged := mergeSpans(spans[start[u]:start[u+1]])
		start[u] = w
		w += copy(spans[w:], merged)
	}
	start[a.Users] = w
	a.spans, a.spanStart, a.cur = spans[:w:w], start, nil
}

// Finish groups the finished days by user (a counting sort, which keeps
// each user's days in the order they finished), sorts the users whose days
// came out of order and merges equal days. Accessors call it; it is
// idempotent.
func (a *Activity) Finish() {
	if a.finished {
		return
	}
	a.finished = true
	a.flush()
	a.FirstSeen = make([]int64, a.Users)
	for u := range a.state {
		a.FirstSeen[u] = a.state[u].first
	}
	days := make([]int32, a.log.n)
	counts := make([]uint16, a.log.n)
	start := byUser(&a.log, a.Users, func(r dayRec) int32 { return r.user }, func(i int, r dayRec) { days[i], counts[i] = r.day, r.count })
	a.log = blockLog[dayRec]{}
	// sort and merge each user's days, moving them down over the room
	// merging freed
	w := 0
	var late []dayRec
	for u := 0; u < a.Users; u++ {
		ds, cs := days[start[u]:start[u+1]], counts[start[u]:start[u+1]]
		start[u] = w
		if !slices.IsSorted(ds) { // late days
			late = late[:0]
			for i := range ds {
				late = append(late, dayRec{day: ds[i], count: cs[i]})
			}
			slices.SortStableFunc(late, func(x, y dayRec) int { return cmp.Compare(x.day, y.day) })
			for i := range late {
				ds[i], cs[i] = late[i].day, late[i].count
			}
		}
		for i, d := range ds {
			if w > start[u] && days[w-1] == d {
				counts[w-1] = uint16(min(int(counts[w-1])+int(cs[i]), 65535))
				continue
			}
			days[w], counts[w] = d, cs[i]
			w++
		}
	}
	start[a.Users] = w
	a.days, a.counts, a.dayStart = days[:w:w], counts[:w:w], start
	if a.cfg.ElapsedUnit > 0 {
		a.finishSpans()
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
	days, _ := a.ActiveDays(u)
	return days
}

// ActiveDays are the local days with activity, and events on each.
func (a *Activity) ActiveDays(u int) ([]int32, []uint16) {
	a.Finish()
	lo, hi := a.dayStart[u], a.dayStart[u+1]
	return a.days[lo:hi:hi], a.counts[lo:hi:hi]
}

// Anchor is the user's first start event, if any.
func (a *Activity) Anchor(u int) (int64, bool) { return a.state[u].anchor, a.state[u].anchor != noTime }

// ReturnSpans are the user's return spans (with ElapsedUnit), one per
// stretch with a return, in time order.
func (a *Activity) ReturnSpans(u int) []ReturnSpan {
	a.Finish()
	lo, hi := a.spanStart[u], a.spanStart[u+1]
	return a.spans[lo:hi:hi]
}

// ElapsedUnit is the stretch of the return spans (0: none kept).
func (a *Activity) ElapsedUnit() int64 { return a.cfg.ElapsedUnit }

// stretch is the start of the stretch of unit ns that holds t.
func stretch(t, unit int64) int64 {
	q := t / unit
	if t%unit != 0 && t < 0 {
		q--
	}
	return q * unit
}

// mergeSpans sorts a user's spans and merges those of one stretch (returns
// that arrived out of order, users merged by identity stitching).
func mergeSpans(spans []ReturnSpan) []ReturnSpan {
	if !slices.IsSortedFunc(spans, func(x, y ReturnSpan) int { return cmp.Compare(x.First, y.First) }) {
		slices.SortFunc(spans, func(x, y ReturnSpan) int { return cmp.Compare(x.First, y.First) })
	}
	w := 0
	for _, s := range spans {
		if w > 0 && spans[w-1].Base == s.Base {
			spans[w-1].Last = max(spans[w-1].Last, s.Last)
			continue
		}
		spans[w] = s
		w++
	}
	return spans[:w]
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
