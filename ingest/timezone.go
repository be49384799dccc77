package ingest

import (
	"math"
	"strconv"
	"time"
)

// zoneCache turns wall-clock times in a zone into instants. time.Date with
// a zone costs ~100 ns; consecutive rows nearly always fall in the zone
// period (offset) of the one before, so that period is remembered. Wall
// times within a day of the period's ends, where a change of offset can
// make a wall time ambiguous or missing, always go to resolveWall, so the
// result is the same whatever rows came before.
type zoneCache struct {
	loc        *time.Location
	off        int64 // the period's offset, ns
	start, end int64 // the instants it covers, [start, end)
}

const dayNS = 86400 * int64(time.Second)

func (z *zoneCache) instant(wall int64, loc *time.Location) (int64, timeFlags) {
	if z.loc == loc {
		if t := wall - z.off; t-dayNS >= z.start && t+dayNS < z.end {
			return t, 0
		}
	}
	t, f := resolveWall(wall, loc)
	lt := time.Unix(0, t).In(loc)
	_, off := lt.Zone()
	start, end := lt.ZoneBounds()
	*z = zoneCache{loc: loc, off: int64(off) * int64(time.Second), start: math.MinInt64 + dayNS, end: math.MaxInt64 - dayNS}
	if !start.IsZero() {
		z.start = start.UnixNano()
	}
	if !end.IsZero() {
		z.end = end.UnixNano()
	}
	return t, f
}

// resolveWall finds the instant at which the clocks of loc show wall (the
// wall time read as if UTC). Offsets change at most once in two days, so
// the offsets in force a day before and a day after are the candidates:
// one fits (the usual case), both fit (a repeated hour: the earlier is
// taken, whatever side of UTC the zone is on, where time.Date's choice
// depends on it), or neither (a skipped hour: read with the offset before
// the change).
func resolveWall(wall int64, loc *time.Location) (int64, timeFlags) {
	before, after := offsetAt(wall-dayNS, loc), offsetAt(wall+dayNS, loc)
	tb, ta := wall-before, wall-after
	okb, oka := offsetAt(tb, loc) == before, offsetAt(ta, loc) == after
	switch {
	case okb && oka && tb != ta:
		return min(tb, ta), timeOverlap
	case okb:
		return tb, 0
	case oka:
		return ta, 0
	case before != after:
		return tb, timeGap
	}
	// two changes within a day: leave it to the zone database
	w := time.Unix(0, wall).UTC()
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc).UnixNano(), 0
}

// offsetAt is loc's offset from UTC at instant t, in ns.
func offsetAt(t int64, loc *time.Location) int64 {
	_, off := time.Unix(0, t).In(loc).Zone()
	return int64(off) * int64(time.Second)
}

// noteTime keeps the batch's first skipped and first repeated wall time,
// as samples for the warnings, and the zone of its dates (loc).
func (b *batch) noteTime(f timeFlags, line int, v []byte, loc *time.Location) {
	if f&timeDateOnly != 0 {
		b.dateLoc = loc
	}
	if f&(timeGap|timeOverlap) == 0 {
		return
	}
	for i, bit := range [2]timeFlags{timeGap, timeOverlap} {
		if f&bit != 0 && b.timeNote[i] == "" {
			b.timeNote[i] = strconv.Itoa(line) + ": " + quoteValue(v)
		}
	}
}

// dateTally follows the events whose time was a date only: how many, the
// latest, and the zone it was read in.
type dateTally struct {
	n    int64
	last int64
	loc  *time.Location
}

// countTime counts how an event's time was read (r.tf != 0).
func (c *consumer) countTime(r *rowRec, b *batch, fs *FileStats) {
	s := &c.stats
	if r.tf&timeNaive != 0 {
		s.Naive++
	}
	if d := &c.dates; r.tf&timeDateOnly != 0 {
		if d.n == 0 || r.t > d.last {
			d.last, d.loc = r.t, b.dateLoc
		}
		d.n++
	}
	if r.tf&timeGap != 0 {
		if s.Nonexistent == 0 {
			s.NonexistentSample = fs.Name + ":" + b.timeNote[0]
		}
		s.Nonexistent++
	}
	if r.tf&timeOverlap != 0 {
		if s.Ambiguous == 0 {
			s.AmbiguousSample = fs.Name + ":" + b.timeNote[1]
		}
		s.Ambiguous++
	}
}

// settle sets DatesOnly and NextDay once s.Events is summed.
func (d *dateTally) settle(s *Stats) {
	if d.n == 0 || d.n != s.Events {
		return
	}
	loc := d.loc
	if loc == nil {
		loc = time.UTC
	}
	y, m, day := time.Unix(0, d.last).In(loc).Date()
	s.DatesOnly = true
	s.NextDay, _ = resolveWall((daysFromCivil(y, int(m), day)+1)*dayNS, loc)
}
