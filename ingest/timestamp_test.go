package ingest

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseTimestampForms(t *testing.T) {
	utc := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return tm.UnixNano()
	}
	tests := []struct {
		in   string
		unit epochUnit
		want int64
		f    timeFlags
	}{
		// RFC 3339 with any offset (docs/formats.md#timestamp-forms)
		{in: "2024-03-04T09:16:10.580Z", want: utc("2024-03-04T09:16:10.58Z")},
		{in: "2021-06-06T20:26:39.598+05:30", want: utc("2021-06-06T14:56:39.598Z")},
		{in: "2024-03-04T09:16:10-0700", want: utc("2024-03-04T16:16:10Z")},
		{in: "2024-03-04T09:16:10+02", want: utc("2024-03-04T07:16:10Z")},
		// space-separated ISO, with and without zone and fractions
		{in: "2024-03-04 09:16:10.530000+00:00", want: utc("2024-03-04T09:16:10.53Z")},
		{in: "2024-03-04 09:16:10.530000", want: utc("2024-03-04T09:16:10.53Z"), f: timeNaive},
		{in: "2024-03-04 09:16:10", want: utc("2024-03-04T09:16:10Z"), f: timeNaive},
		{in: "2024-03-04 09:16", want: utc("2024-03-04T09:16:00Z"), f: timeNaive},
		{in: "2019-11-01 17:59:13.273932", want: utc("2019-11-01T17:59:13.273932Z"), f: timeNaive},
		{in: "2024-03-04T09:16:10.123456789Z", want: utc("2024-03-04T09:16:10.123456789Z")},
		// trailing UTC (BigQuery text)
		{in: "2024-03-04 09:16:10.580000 UTC", want: utc("2024-03-04T09:16:10.58Z")},
		// date only
		{in: "2024-02-29", want: utc("2024-02-29T00:00:00Z"), f: timeDateOnly},
		// US forms
		{in: "03/12/2024 11:04:33 AM", want: utc("2024-03-12T11:04:33Z"), f: timeNaive},
		{in: "03/12/2024 11:04:33 PM", want: utc("2024-03-12T23:04:33Z"), f: timeNaive},
		{in: "12/1/2010 8:26", want: utc("2010-12-01T08:26:00Z"), f: timeNaive},
		{in: "01/02/2006 15:04", want: utc("2006-01-02T15:04:00Z"), f: timeNaive},
		// epoch numbers in the column's unit
		{in: "1709543770", unit: unitSeconds, want: utc("2024-03-04T09:16:10Z")},
		{in: "1709543770.53", unit: unitSeconds, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530", unit: unitMillis, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530000", unit: unitMicros, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530000123", unit: unitNanos, want: utc("2024-03-04T09:16:10.530000123Z")},
		{in: "20240304", unit: unitYYYYMMDD, want: utc("2024-03-04T00:00:00Z"), f: timeDateOnly},
	}
	for _, tt := range tests {
		p := timeParser{unit: tt.unit}
		got, f, err := p.parse([]byte(tt.in))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want || f != tt.f {
			t.Errorf("%q = %s flags %b, want %s flags %b", tt.in,
				time.Unix(0, got).UTC().Format(time.RFC3339Nano), f,
				time.Unix(0, tt.want).UTC().Format(time.RFC3339Nano), tt.f)
		}
	}
}

func TestParseTimestampRejects(t *testing.T) {
	for _, in := range []string{"", "yesterday", "2024-02-30", "2023-02-29", "2024-13-01", "2024-03-04T25:00:00Z",
		"2024-03-04T10:61:00Z", "2024-03-04T10:00:00+25:00", "2024-03-04Tfoo", "12/1", "1.2.3"} {
		p := timeParser{}
		if got, _, err := p.parse([]byte(in)); err == nil {
			t.Errorf("%q parsed as %s, want an error", in, time.Unix(0, got).UTC())
		}
	}
	p := timeParser{unit: unitYYYYMMDD}
	for _, in := range []string{"20240230", "2024030", "1709543770"} {
		if _, _, err := p.parse([]byte(in)); err == nil {
			t.Errorf("YYYYMMDD column: %q parsed, want an error", in)
		}
	}
}

// Naive timestamps are read in the assumed zone, with DST from the zone
// database (worked example V20 in docs/metrics.md).
func TestParseTimestampAssumedZone(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	p := timeParser{naiveLoc: la}
	for in, want := range map[string]string{
		"2024-03-10 23:30:00":    "2024-03-11T06:30:00Z", // PDT, -7
		"2024-03-09 12:00:00":    "2024-03-09T20:00:00Z", // PST, -8
		"2024-11-03T01:30:00Z":   "2024-11-03T01:30:00Z", // zoned: the zone is ignored
		"03/09/2024 12:00:00 PM": "2024-03-09T20:00:00Z",
		"2024-03-09":             "2024-03-09T08:00:00Z",
	} {
		got, _, err := p.parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if s := time.Unix(0, got).UTC().Format(time.RFC3339); s != want {
			t.Errorf("%q in LA = %s, want %s", in, s, want)
		}
	}
}

func TestSampleTimeColumn(t *testing.T) {
	tests := []struct {
		values   []string
		unit     epochUnit
		dayFirst bool
	}{
		{[]string{"1709543770", "1709543771"}, unitSeconds, false},
		// the median decides: one stray small value does not flip the column
		{[]string{"1709543770530", "1709543770531", "17"}, unitMillis, false},
		{[]string{"1709543770530000", "1709543770530001"}, unitMicros, false},
		{[]string{"20240304", "20240305"}, unitYYYYMMDD, false},
		{[]string{"20240304", "1709543770"}, unitSeconds, false},
		{[]string{"13/01/2024 10:00", "01/02/2024 10:00"}, unitUnknown, true},
		{[]string{"01/13/2024 10:00", "01/02/2024 10:00"}, unitUnknown, false},
	}
	for _, tt := range tests {
		p, desc := sampleTimeColumn(tt.values, nil)
		if p.unit != tt.unit || p.dayFirst != tt.dayFirst {
			t.Errorf("%v: unit %v dayFirst %v (%s), want %v %v", tt.values, p.unit, p.dayFirst, desc, tt.unit, tt.dayFirst)
		}
	}
	// a stray small value in a millisecond column is read in milliseconds
	p, _ := sampleTimeColumn([]string{"1709543770530", "1709543770531", "17"}, nil)
	if got, _, _ := p.parse([]byte("17")); got != 17e6 {
		t.Errorf("17 in a ms column = %d ns, want 17e6", got)
	}
	p, _ = sampleTimeColumn([]string{"13/01/2024 10:00"}, nil)
	got, _, err := p.parse([]byte("02/03/2024 10:00"))
	if err != nil || time.Unix(0, got).UTC().Format("2006-01-02") != "2024-03-02" {
		t.Errorf("day-first column: 02/03/2024 = %v %v, want 2024-03-02", time.Unix(0, got).UTC(), err)
	}
}

func TestDaysFromCivil(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got := daysFromCivil(d.Year(), int(d.Month()), d.Day()); got != d.Unix()/86400 && got*86400 != d.Unix() {
			t.Errorf("%s: %d, want %d", d.Format("2006-01-02"), got, d.Unix()/86400)
		}
	}
}

// TestParseTimestampDayCache: one parser reading a series (as a worker
// does) gives what a fresh parser gives for each value, across date
// changes, invalid dates with a valid neighbour's bytes, and zones.
func TestParseTimestampDayCache(t *testing.T) {
	series := []string{"2024-02-28T23:59:59Z", "2024-02-28T00:00:01+01:00", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z",
		"2023-02-28T12:00:00Z", "2023-02-28 12:00", "2023-02-28", "2023-02-2x", "2023-13-28T00:00:00Z", "2023-02-28T24:00:00Z", "2023-02-28T23:00:00Z"}
	var warm timeParser
	for _, s := range series {
		var fresh timeParser
		g, n, e := warm.parse([]byte(s))
		w, wn, we := fresh.parse([]byte(s))
		if g != w || n != wn || (e == nil) != (we == nil) {
			t.Errorf("%q: %d %v %v in a series, %d %v %v fresh", s, g, n, e, w, wn, we)
		}
	}
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2024-03-04T09:16:10.580Z", "2024-03-04 09:16:10 UTC", "1709543770", "03/12/2024 11:04:33 AM",
		"2024-03-04T09:16:10+05:30", "20240304", "-1.5", "2024-03-04T09:16:10.9999999999Z",
		"2262-01-01T00:00:00Z", "2262-01-01T00:00:00.000000001Z", "1677-12-31T23:59:59Z", "2300-01-01", "9999-12-31 23:59:59",
		"9214646400", "9214646401", "-9214560001", "99999999999", "9000000000000000000", "9223372036.9", "1/1/2300",
		"Mon, 01 Jan 2300 00:00:00 +0000"} {
		f.Add(s)
	}
	warm := timeParser{} // keeps its day cache across inputs
	f.Fuzz(func(t *testing.T, s string) {
		p := timeParser{}
		got, flags, err := p.parse([]byte(s))
		// a parser that read other timestamps before reads this one the same
		if g, n, e := warm.parse([]byte(s)); g != got || n != flags || (e == nil) != (err == nil) {
			t.Errorf("%q: %d %v %v after other inputs, %d %v %v fresh", s, g, n, e, got, flags, err)
		}
		if err == nil && (got < minNS || got > maxNS) {
			t.Fatalf("%q = %d: outside the range without an error", s, got)
		}
		// whatever Go's parser reads (in UTC, as a fresh parser does) we
		// read the same, or refuse when it is out of range: never a
		// wrapped value
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.DateOnly} {
			if want, werr := time.Parse(layout, s); werr == nil {
				sameOrRefused(t, s, got, err, CheckTime(want) == nil, want.UnixNano())
			}
		}
		if isNumber([]byte(s)) {
			want, ok := epochRef(s)
			sameOrRefused(t, s, got, err, ok, want)
		}
	})
}

// sameOrRefused checks a parse against a reference instant: equal when the
// reference is in range, an error when not.
func sameOrRefused(t *testing.T, s string, got int64, err error, inRange bool, want int64) {
	t.Helper()
	switch {
	case !inRange && err == nil:
		t.Errorf("%q = %s, want an out-of-range error", s, time.Unix(0, got).UTC())
	case inRange && err != nil:
		t.Errorf("%q: %v, want %s", s, err, time.Unix(0, want).UTC())
	case inRange && got != want:
		t.Errorf("%q = %s, want %s", s, time.Unix(0, got).UTC(), time.Unix(0, want).UTC())
	}
}

// epochRef reads an epoch number in exact arithmetic, in the unit a column
// of such magnitudes gets: the Unix ns, truncated, and whether it is in range.
func epochRef(s string) (int64, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	whole := new(big.Int).Quo(r.Num(), r.Denom())
	f, _ := new(big.Float).SetInt(whole).Float64()
	perSec := map[epochUnit]int64{unitSeconds: 1, unitMillis: 1e3, unitMicros: 1e6, unitNanos: 1e9}[unitForMagnitude(f)]
	ns := new(big.Rat).Mul(r, big.NewRat(1e9/perSec, 1))
	n := new(big.Int).Quo(ns.Num(), ns.Denom())
	if !n.IsInt64() || n.Int64() < minNS || n.Int64() > maxNS {
		return 0, false
	}
	return n.Int64(), true
}

// wallRef reads a wall time in loc independently of resolveWall: it tries
// every offset the zone uses that year. One fits: that instant; two: the
// earlier, an overlap; none: a gap.
func wallRef(wall time.Time, loc *time.Location) (ns int64, fits int) {
	offs := map[int]bool{}
	for m := time.January; m <= time.December; m++ {
		_, off := time.Date(wall.Year(), m, 1, 0, 0, 0, 0, loc).Zone()
		offs[off] = true
	}
	ns = math.MaxInt64
	for off := range offs {
		cand := wall.UnixNano() - int64(off)*1e9
		if _, o := time.Unix(0, cand).In(loc).Zone(); o == off {
			ns, fits = min(ns, cand), fits+1
		}
	}
	return ns, fits
}

// zoneCache reads every wall time as wallRef does, in any order: across
// DST changes (gaps and overlaps), a half-hour DST, a zone without DST, UTC.
// A wall time in a gap lands where the clocks show it moved forward by the
// gap, with the offset after the change.
func TestZoneCacheMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		loc := mustZone(t, name)
		var z zoneCache
		from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		step := int64(17 * time.Minute)
		walls := make([]int64, 0, 70000)
		for w := from; w < from+2*365*86400e9; w += step {
			walls = append(walls, w)
		}
		var gaps, overlaps int
		for pass := 0; pass < 2; pass++ { // in time order, then shuffled
			if pass == 1 {
				rng.Shuffle(len(walls), func(i, j int) { walls[i], walls[j] = walls[j], walls[i] })
			}
			for _, w := range walls {
				u := time.Unix(0, w).UTC()
				got, f := z.instant(w, loc)
				want, fits := wallRef(u, loc)
				switch fits {
				case 0:
					gaps++
					lt := time.Unix(0, got).In(loc)
					_, off := lt.Zone()
					_, offBefore := time.Unix(0, got-86400e9).In(loc).Zone()
					shown := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
					if f != timeGap || !shown.Equal(u.Add(time.Duration(off-offBefore)*time.Second)) {
						t.Fatalf("%s: wall %s in a gap: %s flags %b", name, u.Format(time.DateTime), lt, f)
					}
					continue
				case 2:
					overlaps++
					if f != timeOverlap {
						t.Fatalf("%s: wall %s repeated: flags %b", name, u.Format(time.DateTime), f)
					}
				default:
					if f != 0 {
						t.Fatalf("%s: wall %s: flags %b", name, u.Format(time.DateTime), f)
					}
				}
				if got != want {
					t.Fatalf("%s: wall %s: %s, want %s", name, u.Format(time.DateTime), time.Unix(0, got).UTC(), time.Unix(0, want).UTC())
				}
			}
		}
		// four changes in two years, an hour (Lord Howe: half an hour) each, at a 17-minute step
		if dst := name != "Asia/Kolkata" && name != "UTC"; dst != (gaps > 0 && overlaps > 0) {
			t.Errorf("%s: %d gaps, %d overlaps", name, gaps, overlaps)
		}
	}
}
