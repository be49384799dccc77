package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Times are carried as Unix nanoseconds (int64) everywhere on the event path:
// 8 bytes, no pointers, and enough range for 1678–2262.

// epochUnit is how a column of bare numbers is read. It is decided once per
// column from a sample (FORMATS.md §6 rule 1), never row by row, so that one
// stray small value cannot flip the unit of a column.
type epochUnit int

const (
	unitUnknown  epochUnit = iota
	unitSeconds            // |v| < 1e11
	unitMillis             // < 1e14
	unitMicros             // < 1e17
	unitNanos              // otherwise
	unitYYYYMMDD           // 8-digit calendar dates such as 20240304 (GA4 event_date, CDNOW)
)

func (u epochUnit) String() string {
	switch u {
	case unitSeconds:
		return "unix seconds"
	case unitMillis:
		return "unix milliseconds"
	case unitMicros:
		return "unix microseconds"
	case unitNanos:
		return "unix nanoseconds"
	case unitYYYYMMDD:
		return "YYYYMMDD dates"
	}
	return "unknown"
}

func unitForMagnitude(v float64) epochUnit {
	if v < 0 {
		v = -v
	}
	switch {
	case v < 1e11:
		return unitSeconds
	case v < 1e14:
		return unitMillis
	case v < 1e17:
		return unitMicros
	}
	return unitNanos
}

// timeParser parses the values of one time column. Its zero value is not
// usable; build it with newTimeParser after sampling the column.
type timeParser struct {
	unit     epochUnit      // for numeric cells
	dayFirst bool           // for slash dates: 02/01/2006 rather than 01/02/2006
	naiveLoc *time.Location // zone for timestamps written without one; nil = UTC
	// epochLoc, when set, is the zone whose wall clock epoch numbers count
	// (--source-tz: Mixpanel projects created before 2023 export project
	// time as if it were UTC); nil = epoch numbers are UTC.
	epochLoc *time.Location
	day      dayCache  // writes on every parse: one timeParser per goroutine
	zone     zoneCache // likewise
}

// zoneCache turns wall-clock times in a zone into instants. time.Date with
// a zone costs ~100 ns; consecutive rows nearly always fall in the zone
// period (offset) of the one before, so that period is remembered. Wall
// times within a day of the period's ends, where a change of offset can
// make a wall time ambiguous or missing, always go to time.Date, so the
// result is time.Date's whatever rows came before.
type zoneCache struct {
	loc        *time.Location
	off        int64 // the period's offset, ns
	start, end int64 // the instants it covers, [start, end)
}

func (z *zoneCache) instant(wall int64, loc *time.Location) int64 {
	const day = 86400 * int64(time.Second)
	if z.loc == loc {
		if t := wall - z.off; t-day >= z.start && t+day < z.end {
			return t
		}
	}
	w := time.Unix(0, wall).UTC()
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	*z = zoneCache{loc: loc, off: int64(off) * int64(time.Second), start: math.MinInt64 + day, end: math.MaxInt64 - day}
	if !start.IsZero() {
		z.start = start.UnixNano()
	}
	if !end.IsZero() {
		z.end = end.UnixNano()
	}
	return t.UnixNano()
}

// dayCache remembers the last YYYY-MM-DD read: exports come in time order,
// so most timestamps share their date with the one before, and the date's
// checks and day number are done once for all of them.
type dayCache struct {
	ok       bool
	lo       uint64 // the date's bytes 0-7
	hi       uint16 // and 8-9
	y, mo, d int
	days     int64
}

// errTime is returned for a cell that is not a timestamp in any known form.
var errTime = errors.New("not a timestamp")

// parse reads one cell. naive reports that the cell carried no zone and was
// read in p.naiveLoc.
func (p *timeParser) parse(b []byte) (ns int64, naive bool, err error) {
	if len(b) == 0 {
		return 0, false, errors.New("empty timestamp")
	}
	if isNumber(b) {
		return p.parseNumber(b)
	}
	if ns, naive, ok := p.parseISO(b); ok {
		return ns, naive, nil
	}
	return p.parseSlow(string(b))
}

// isNumber reports whether b is [+-]digits[.digits].
func isNumber(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		i++
	}
	start := i
	if i = skipDigits(b, i); i == start {
		return false
	}
	if i < len(b) && b[i] == '.' {
		fs := i + 1
		if i = skipDigits(b, fs); i == fs {
			return false
		}
	}
	return i == len(b)
}

func (p *timeParser) parseNumber(b []byte) (int64, bool, error) {
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var whole int64
	digits := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		if whole > (1<<62)/10 {
			return 0, false, errors.New("number too large for a timestamp")
		}
		whole = whole*10 + int64(b[i]-'0')
		digits++
	}
	// fraction, scaled to 1e-9
	var frac int64
	scale := int64(1e9)
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b); i++ {
			if scale > 1 {
				scale /= 10
				frac += int64(b[i]-'0') * scale
			}
		}
	}
	unit := p.unit
	if unit == unitUnknown {
		unit = unitForMagnitude(float64(whole))
	}
	if unit == unitYYYYMMDD {
		if neg || frac != 0 || digits != 8 {
			return 0, false, errors.New("not a YYYYMMDD date like the rest of the column")
		}
		y, m, d := int(whole/10000), int(whole/100%100), int(whole%100)
		if !validDate(y, m, d) {
			return 0, false, errors.New("not a valid YYYYMMDD date")
		}
		ns, err := p.civil(y, m, d, 0, 0, 0, 0)
		return ns, true, err
	}
	var mul int64
	switch unit {
	case unitSeconds:
		mul = 1e9
	case unitMillis:
		mul = 1e6
	case unitMicros:
		mul = 1e3
	default:
		mul = 1
	}
	if whole > (1<<63-1)/mul {
		return 0, false, errors.New("timestamp out of range")
	}
	ns := whole*mul + frac*mul/1e9
	if neg {
		ns = -ns
	}
	if p.epochLoc != nil && p.epochLoc != time.UTC {
		ns = p.zone.instant(ns, p.epochLoc)
	}
	return ns, false, nil
}

// parseISO is the fast path for YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[:MM]| UTC].
// It allocates nothing. ok=false means "try the slow layouts".
func (p *timeParser) parseISO(b []byte) (ns int64, naive bool, ok bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false, false
	}
	c := &p.day
	if lo, hi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint16(b[8:]); !c.ok || lo != c.lo || hi != c.hi {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		if !ok1 || !ok2 || !ok3 || !validDate(y, mo, d) {
			return 0, false, false
		}
		*c = dayCache{ok: true, lo: lo, hi: hi, y: y, mo: mo, d: d, days: daysFromCivil(y, mo, d)}
	}
	y, mo, d := c.y, c.mo, c.d
	i := 10
	var h, mi, s, nsec int
	if i < len(b) && (b[i] == 'T' || b[i] == 't' || b[i] == ' ') && i+6 <= len(b) && b[i+3] == ':' {
		var okh, okm bool
		h, okh = digits(b[i+1 : i+3])
		mi, okm = digits(b[i+4 : i+6])
		if !okh || !okm || h > 23 || mi > 59 {
			return 0, false, false
		}
		i += 6
		if i < len(b) && b[i] == ':' {
			if i+3 > len(b) {
				return 0, false, false
			}
			var oks bool
			s, oks = digits(b[i+1 : i+3])
			if !oks || s > 59 {
				return 0, false, false
			}
			i += 3
			if i < len(b) && (b[i] == '.' || b[i] == ',') {
				i++
				start := i
				scale := int(1e9)
				for i < len(b) && b[i] >= '0' && b[i] <= '9' {
					if scale > 1 {
						scale /= 10
						nsec += int(b[i]-'0') * scale
					}
					i++
				}
				if i == start {
					return 0, false, false
				}
			}
		}
	}
	// zone
	rest := b[i:]
	offset := 0
	switch {
	case len(rest) == 0:
		naive = true
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case string(rest) == " UTC" || string(rest) == "UTC" || string(rest) == " Z":
	case rest[0] == '+' || rest[0] == '-' || (rest[0] == ' ' && len(rest) > 1 && (rest[1] == '+' || rest[1] == '-')):
		if rest[0] == ' ' {
			rest = rest[1:]
		}
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		z := rest[1:]
		var oh, om int
		var okh, okm bool
		switch {
		case len(z) == 5 && z[2] == ':':
			oh, okh = digits(z[0:2])
			om, okm = digits(z[3:5])
		case len(z) == 4:
			oh, okh = digits(z[0:2])
			om, okm = digits(z[2:4])
		case len(z) == 2:
			oh, okh = digits(z)
			om, okm = 0, true
		}
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, false, false
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return 0, false, false
	}
	if naive && p.naiveLoc != nil && p.naiveLoc != time.UTC {
		ns, err := p.civil(y, mo, d, h, mi, s, nsec)
		return ns, true, err == nil
	}
	sec := c.days*86400 + int64(h*3600+mi*60+s) - int64(offset)
	return sec*1e9 + int64(nsec), naive, true
}

// civil converts a wall time without zone to an instant in p.naiveLoc.
func (p *timeParser) civil(y, mo, d, h, mi, s, nsec int) (int64, error) {
	wall := (daysFromCivil(y, mo, d)*86400+int64(h*3600+mi*60+s))*1e9 + int64(nsec)
	if p.naiveLoc == nil || p.naiveLoc == time.UTC {
		return wall, nil
	}
	return p.zone.instant(wall, p.naiveLoc), nil
}

// slowLayouts are tried in order when the fast path fails. Layouts with a
// zone come first; the flag says whether the layout carries one.
var slowLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{"2006-01-02T15:04:05.999999999Z0700", true},
	{"2006-01-02 15:04:05.999999999 -0700 MST", true}, // Go's own time.String()
	{time.RFC1123Z, true},
	{time.RFC1123, true},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02 15:04:05.999999999", false},
}

// slashLayouts are the US (month first) forms; day-first columns swap 1 and 2.
var slashLayouts = []string{
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 3:04 PM",
	"1/2/2006",
	"1/2/06 15:04",
	"1/2/06",
}

func (p *timeParser) parseSlow(s string) (int64, bool, error) {
	loc := p.naiveLoc
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range slowLayouts {
		if t, err := time.ParseInLocation(l.layout, s, loc); err == nil {
			return t.UnixNano(), !l.zoned, nil
		}
	}
	if strings.IndexByte(s, '/') > 0 {
		for _, l := range slashLayouts {
			if p.dayFirst {
				l = strings.Replace(l, "1/2/", "2/1/", 1)
			}
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return t.UnixNano(), true, nil
			}
		}
	}
	return 0, false, errTime
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || y < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm; y ≥ 1 here).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// sampleTimeColumn decides how a column is read from its first values: the
// epoch unit from the median magnitude of the numeric cells (or YYYYMMDD when
// every numeric cell is an 8-digit calendar date), and the day order of slash
// dates (day first when some first component exceeds 12).
func sampleTimeColumn(values []string, naiveLoc *time.Location) (timeParser, string) {
	p := timeParser{naiveLoc: naiveLoc}
	var nums []float64
	allYMD := true
	slash, dayFirst := 0, false
	for _, v := range values {
		b := []byte(v)
		if isNumber(b) {
			var f float64
			fmt.Sscan(v, &f)
			nums = append(nums, f)
			if len(v) != 8 || !validDate(int(f)/10000, int(f)/100%100, int(f)%100) || int(f)/10000 < 1900 || int(f)/10000 > 2200 {
				allYMD = false
			}
			continue
		}
		if i := strings.IndexByte(v, '/'); i > 0 {
			slash++
			if n, ok := digits([]byte(v[:i])); ok && n > 12 {
				dayFirst = true
			}
		}
	}
	desc := ""
	if len(nums) > 0 {
		if allYMD {
			p.unit = unitYYYYMMDD
		} else {
			sort.Float64s(nums)
			p.unit = unitForMagnitude(nums[len(nums)/2])
		}
		desc = p.unit.String()
	}
	if slash > 0 {
		p.dayFirst = dayFirst
		if dayFirst {
			desc = "day/month/year dates"
		} else {
			desc = "month/day/year dates"
		}
	}
	if desc == "" {
		desc = "ISO 8601 / RFC 3339 text"
	}
	return p, desc
}
