package ingest

import (
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
		in    string
		unit  epochUnit
		want  int64
		naive bool
	}{
		// RFC 3339 with any offset (FORMATS.md §6)
		{in: "2024-03-04T09:16:10.580Z", want: utc("2024-03-04T09:16:10.58Z")},
		{in: "2021-06-06T20:26:39.598+05:30", want: utc("2021-06-06T14:56:39.598Z")},
		{in: "2024-03-04T09:16:10-0700", want: utc("2024-03-04T16:16:10Z")},
		{in: "2024-03-04T09:16:10+02", want: utc("2024-03-04T07:16:10Z")},
		// space-separated ISO, with and without zone and fractions
		{in: "2024-03-04 09:16:10.530000+00:00", want: utc("2024-03-04T09:16:10.53Z")},
		{in: "2024-03-04 09:16:10.530000", want: utc("2024-03-04T09:16:10.53Z"), naive: true},
		{in: "2024-03-04 09:16:10", want: utc("2024-03-04T09:16:10Z"), naive: true},
		{in: "2024-03-04 09:16", want: utc("2024-03-04T09:16:00Z"), naive: true},
		{in: "2019-11-01 17:59:13.273932", want: utc("2019-11-01T17:59:13.273932Z"), naive: true},
		{in: "2024-03-04T09:16:10.123456789Z", want: utc("2024-03-04T09:16:10.123456789Z")},
		// trailing UTC (BigQuery text)
		{in: "2024-03-04 09:16:10.580000 UTC", want: utc("2024-03-04T09:16:10.58Z")},
		// date only
		{in: "2024-02-29", want: utc("2024-02-29T00:00:00Z"), naive: true},
		// US forms
		{in: "03/12/2024 11:04:33 AM", want: utc("2024-03-12T11:04:33Z"), naive: true},
		{in: "03/12/2024 11:04:33 PM", want: utc("2024-03-12T23:04:33Z"), naive: true},
		{in: "12/1/2010 8:26", want: utc("2010-12-01T08:26:00Z"), naive: true},
		{in: "01/02/2006 15:04", want: utc("2006-01-02T15:04:00Z"), naive: true},
		// epoch numbers in the column's unit
		{in: "1709543770", unit: unitSeconds, want: utc("2024-03-04T09:16:10Z")},
		{in: "1709543770.53", unit: unitSeconds, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530", unit: unitMillis, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530000", unit: unitMicros, want: utc("2024-03-04T09:16:10.53Z")},
		{in: "1709543770530000123", unit: unitNanos, want: utc("2024-03-04T09:16:10.530000123Z")},
		{in: "20240304", unit: unitYYYYMMDD, want: utc("2024-03-04T00:00:00Z"), naive: true},
	}
	for _, tt := range tests {
		p := timeParser{unit: tt.unit}
		got, naive, err := p.parse([]byte(tt.in))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want || naive != tt.naive {
			t.Errorf("%q = %s naive=%v, want %s naive=%v", tt.in,
				time.Unix(0, got).UTC().Format(time.RFC3339Nano), naive,
				time.Unix(0, tt.want).UTC().Format(time.RFC3339Nano), tt.naive)
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
// database (METRICS.md V20).
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
		"2024-03-04T09:16:10+05:30", "20240304", "-1.5", "2024-03-04T09:16:10.9999999999Z"} {
		f.Add(s)
	}
	warm := timeParser{} // keeps its day cache across inputs
	f.Fuzz(func(t *testing.T, s string) {
		p := timeParser{}
		got, naive, err := p.parse([]byte(s))
		// a parser that read other timestamps before reads this one the same
		if g, n, e := warm.parse([]byte(s)); g != got || n != naive || (e == nil) != (err == nil) {
			t.Errorf("%q: %d %v %v after other inputs, %d %v %v fresh", s, g, n, e, got, naive, err)
		}
		if err != nil {
			return
		}
		// whatever the fast path accepts with a zone, Go's parser must agree on
		if !naive && len(s) >= 20 && s[10] == 'T' {
			if want, err := time.Parse(time.RFC3339Nano, s); err == nil && want.UnixNano() != got {
				t.Errorf("%q = %d, time.Parse says %d", s, got, want.UnixNano())
			}
		}
	})
}

// zoneCache gives time.Date's instant for every wall time, in any order:
// across DST changes (gaps and overlaps), a half-hour DST, a zone without
// DST and UTC.
func TestZoneCacheMatchesTimeDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		var z zoneCache
		from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		step := int64(17 * time.Minute)
		walls := make([]int64, 0, 70000)
		for w := from; w < from+2*365*86400e9; w += step {
			walls = append(walls, w)
		}
		for pass := 0; pass < 2; pass++ { // in time order, then shuffled
			if pass == 1 {
				rng.Shuffle(len(walls), func(i, j int) { walls[i], walls[j] = walls[j], walls[i] })
			}
			for _, w := range walls {
				u := time.Unix(0, w).UTC()
				want := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), loc).UnixNano()
				if got := z.instant(w, loc); got != want {
					t.Fatalf("%s: wall %s: %d, time.Date says %d", name, u.Format(time.DateTime), got, want)
				}
			}
		}
	}
}
