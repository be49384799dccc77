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
// 8 bytes, no pointers. An int64 holds 1677-09-21 to 2262-04-11; the times
// accepted are whole years inside that, [MinTime, MaxTime], so that the
// period ends, day starts and zone offsets computed from any accepted time
// are representable too. Every parse checks the range before it multiplies:
// a time outside is an error, never a wrapped value.
var (
	MinTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)

	minSec, maxSec = MinTime.Unix(), MaxTime.Unix()
	minNS, maxNS   = MinTime.UnixNano(), MaxTime.UnixNano()
)

// RangeError is a time outside [MinTime, MaxTime].
type RangeError struct{ T time.Time }

func (e *RangeError) Error() string {
	return fmt.Sprintf("%s is outside the supported time range, %s to %s (UTC)",
		e.T.UTC().Format(time.RFC3339Nano), MinTime.Format(time.DateOnly), MaxTime.Format(time.DateOnly))
}

// CheckTime returns a *RangeError when t is outside [MinTime, MaxTime].
func CheckTime(t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return &RangeError{t}
	}
	return nil
}

// unixNanos is sec seconds and nsec nanoseconds (|nsec| < 1e9) after the
// epoch, in Unix ns. Seconds more than a day outside the range are refused
// before the multiplication, which would wrap; the caller checks the exact
// range after any zone conversion (a wall time a few hours outside may be
// an instant inside).
func unixNanos(sec, nsec int64) (int64, error) {
	if sec < minSec-86400 || sec > maxSec+86400 {
		// clamped so that the year shown cannot wrap either
		return 0, &RangeError{time.Unix(min(max(sec, -1<<62), 1<<62), nsec)}
	}
	return sec*1e9 + nsec, nil
}

// floatSecondsNanos converts Unix seconds held as a float (a JSON number)
// to Unix ns; beyond the range the float-to-int conversion is undefined.
func floatSecondsNanos(sec float64) (int64, error) {
	if !(sec >= float64(minSec) && sec <= float64(maxSec)) {
		return 0, &RangeError{time.Unix(int64(max(min(sec, 1<<62), -1<<62)), 0)}
	}
	return int64(sec * 1e9), nil
}

// inRange checks an instant against the exact range.
func inRange(ns int64) error {
	if ns < minNS || ns > maxNS {
		return &RangeError{time.Unix(0, ns)}
	}
	return nil
}

// timeFlags say how a cell was read, for the counts of Stats.
type timeFlags uint8

const (
	// timeNaive: a date and time written without a zone, read in the
	// assumed zone
	timeNaive timeFlags = 1 << iota
	// timeDateOnly: a calendar date without a time of day, read as its
	// midnight in the assumed zone
	timeDateOnly
	// timeGap: a wall time that a change of offset skips (02:30 when the
	// clocks go from 02:00 to 03:00); it is read with the offset in force
	// before the change, so it moves forward by the gap
	timeGap
	// timeOverlap: a wall time that a change of offset repeats; the first
	// of the two instants is taken
	timeOverlap
)

// epochUnit is how a column of bare numbers is read. It is decided once per
// column from a sample (docs/formats.md#epoch-numbers), never row by row, so that one
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

// errTime is returned for a cell that is not a timestamp in any known form;
// errNotISO sends a cell from the ISO fast path to the slow layouts.
var (
	errTime   = errors.New("not a timestamp")
	errNotISO = errors.New("not ISO 8601")
)

// parse reads one cell: its instant, and flags that say whether it carried
// a zone, a time of day, and a wall time that a change of offset skips or
// repeats. A time outside [MinTime, MaxTime] is a *RangeError.
func (p *timeParser) parse(b []byte) (ns int64, f timeFlags, err error) {
	switch {
	case len(b) == 0:
		return 0, 0, errors.New("empty timestamp")
	case isNumber(b):
		ns, f, err = p.parseNumber(b)
	default:
		if ns, f, err = p.parseISO(b); err == errNotISO {
			ns, f, err = p.parseSlow(string(b))
		}
	}
	if err == nil {
		err = inRange(ns)
	}
	return ns, f, err
}

// timeErrorMsg says why a time cell was refused.
func timeErrorMsg(v []byte, err error) string {
	switch {
	case len(v) == 0:
		return "empty timestamp"
	case err == errTime:
		return quoteValue(v) + " is not a timestamp"
	}
	return quoteValue(v) + ": " + err.Error()
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

func (p *timeParser) parseNumber(b []byte) (int64, timeFlags, error) {
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	var whole int64
	digits := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		if whole > (math.MaxInt64-9)/10 {
			return 0, 0, errors.New("number too large for a timestamp")
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
			return 0, 0, errors.New("not a YYYYMMDD date like the rest of the column")
		}
		y, m, d := int(whole/10000), int(whole/100%100), int(whole%100)
		if !validDate(y, m, d) {
			return 0, 0, errors.New("not a valid YYYYMMDD date")
		}
		ns, f, err := p.civil(y, m, d, 0, 0, 0, 0)
		return ns, f | timeDateOnly, err
	}
	// perSec units make a second; a unit is mul ns
	var perSec int64
	switch unit {
	case unitSeconds:
		perSec = 1
	case unitMillis:
		perSec = 1e3
	case unitMicros:
		perSec = 1e6
	default:
		perSec = 1e9
	}
	mul := 1e9 / perSec
	sec, nsec := whole/perSec, whole%perSec*mul+frac*mul/1e9
	if neg {
		sec, nsec = -sec, -nsec
	}
	ns, err := unixNanos(sec, nsec)
	if err != nil || p.epochLoc == nil || p.epochLoc == time.UTC {
		return ns, 0, err
	}
	ns, f := p.zone.instant(ns, p.epochLoc)
	return ns, f, nil
}

// parseISO is the fast path for YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[:MM]| UTC].
// It allocates nothing (but for a time out of range). errNotISO means "try
// the slow layouts".
func (p *timeParser) parseISO(b []byte) (int64, timeFlags, error) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, errNotISO
	}
	c := &p.day
	if lo, hi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint16(b[8:]); !c.ok || lo != c.lo || hi != c.hi {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		if !ok1 || !ok2 || !ok3 || !validDate(y, mo, d) {
			return 0, 0, errNotISO
		}
		*c = dayCache{ok: true, lo: lo, hi: hi, y: y, mo: mo, d: d, days: daysFromCivil(y, mo, d)}
	}
	y, mo, d := c.y, c.mo, c.d
	i := 10
	var h, mi, s, nsec int
	hasClock := i < len(b) && (b[i] == 'T' || b[i] == 't' || b[i] == ' ') && i+6 <= len(b) && b[i+3] == ':'
	if hasClock {
		var okh, okm bool
		h, okh = digits(b[i+1 : i+3])
		mi, okm = digits(b[i+4 : i+6])
		if !okh || !okm || h > 23 || mi > 59 {
			return 0, 0, errNotISO
		}
		i += 6
		if i < len(b) && b[i] == ':' {
			if i+3 > len(b) {
				return 0, 0, errNotISO
			}
			var oks bool
			s, oks = digits(b[i+1 : i+3])
			if !oks || s > 59 {
				return 0, 0, errNotISO
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
					return 0, 0, errNotISO
				}
			}
		}
	}
	// zone
	rest := b[i:]
	offset := 0
	naive := false
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
			return 0, 0, errNotISO
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return 0, 0, errNotISO
	}
	if !naive {
		ns, err := unixNanos(c.days*86400+int64(h*3600+mi*60+s-offset), int64(nsec))
		return ns, 0, err
	}
	ns, f, err := p.civil(y, mo, d, h, mi, s, nsec)
	if hasClock {
		return ns, f | timeNaive, err
	}
	return ns, f | timeDateOnly, err
}

// civil converts a wall time without zone to an instant in p.naiveLoc.
func (p *timeParser) civil(y, mo, d, h, mi, s, nsec int) (int64, timeFlags, error) {
	wall, err := unixNanos(daysFromCivil(y, mo, d)*86400+int64(h*3600+mi*60+s), int64(nsec))
	return p.inZone(wall, err)
}

// inZone reads a wall time (as Unix ns, as if UTC) in p.naiveLoc.
func (p *timeParser) inZone(wall int64, err error) (int64, timeFlags, error) {
	if err != nil || p.naiveLoc == nil || p.naiveLoc == time.UTC {
		return wall, 0, err
	}
	ns, f := p.zone.instant(wall, p.naiveLoc)
	return ns, f, nil
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

func (p *timeParser) parseSlow(s string) (int64, timeFlags, error) {
	loc := p.naiveLoc
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range slowLayouts {
		if !l.zoned {
			if t, err := time.Parse(l.layout, s); err == nil {
				return p.wallTime(t, timeNaive)
			}
		} else if t, err := time.ParseInLocation(l.layout, s, loc); err == nil {
			// UnixNano is undefined outside the range: check first
			if err := CheckTime(t); err != nil {
				return 0, 0, err
			}
			return t.UnixNano(), 0, nil
		}
	}
	if strings.IndexByte(s, '/') > 0 {
		for _, l := range slashLayouts {
			if p.dayFirst {
				l = strings.Replace(l, "1/2/", "2/1/", 1)
			}
			if t, err := time.Parse(l, s); err == nil {
				f := timeNaive
				if !strings.Contains(l, ":") {
					f = timeDateOnly
				}
				return p.wallTime(t, f)
			}
		}
	}
	return 0, 0, errTime
}

// wallTime reads a time parsed without a zone (as UTC) in p.naiveLoc.
func (p *timeParser) wallTime(t time.Time, f timeFlags) (int64, timeFlags, error) {
	ns, g, err := p.inZone(unixNanos(t.Unix(), int64(t.Nanosecond())))
	return ns, f | g, err
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
