package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The edges: 1678-01-01T00:00:00Z and 2262-01-01T00:00:00Z, both accepted.
const (
	minUnix = -9214560000
	maxUnix = 9214646400
)

// Every form at each edge and just beyond: in range it is the instant,
// beyond it is a *RangeError, never a wrapped value.
func TestParseTimestampRange(t *testing.T) {
	tokyo, ny := mustZone(t, "Asia/Tokyo"), mustZone(t, "America/New_York")
	tests := []struct {
		class, in string
		unit      epochUnit
		loc       *time.Location
		want      int64 // Unix s; ignored when bad
		bad       bool
	}{
		{class: "seconds", in: "-9214560000", unit: unitSeconds, want: minUnix},
		{class: "seconds", in: "-9214560000.000000001", unit: unitSeconds, bad: true},
		{class: "seconds", in: "9214646400", unit: unitSeconds, want: maxUnix},
		{class: "seconds", in: "9214646400.000000001", unit: unitSeconds, bad: true},
		{class: "seconds", in: "9223372036.9", unit: unitSeconds, bad: true}, // ×1e9 fits int64, + the fraction wrapped
		{class: "seconds", in: "99999999999", unit: unitSeconds, bad: true},
		{class: "seconds", in: "9000000000000000000", unit: unitSeconds, bad: true},
		{class: "milliseconds", in: "-9214560000000", unit: unitMillis, want: minUnix},
		{class: "milliseconds", in: "-9214560000001", unit: unitMillis, bad: true},
		{class: "milliseconds", in: "9214646400000", unit: unitMillis, want: maxUnix},
		{class: "milliseconds", in: "9214646400001", unit: unitMillis, bad: true},
		{class: "microseconds", in: "-9214560000000000", unit: unitMicros, want: minUnix},
		{class: "microseconds", in: "-9214560000000001", unit: unitMicros, bad: true},
		{class: "microseconds", in: "9214646400000000", unit: unitMicros, want: maxUnix},
		{class: "microseconds", in: "9214646400000001", unit: unitMicros, bad: true},
		{class: "nanoseconds", in: "-9214560000000000000", unit: unitNanos, want: minUnix},
		{class: "nanoseconds", in: "-9214560000000000001", unit: unitNanos, bad: true},
		{class: "nanoseconds", in: "9214646400000000000", unit: unitNanos, want: maxUnix},
		{class: "nanoseconds", in: "9214646400000000001", unit: unitNanos, bad: true},
		{class: "nanoseconds", in: "9223372036854775807", unit: unitNanos, bad: true},
		{class: "nanoseconds", in: "-9223372036854775808", unit: unitNanos, bad: true},
		{class: "YYYYMMDD", in: "16780101", unit: unitYYYYMMDD, want: minUnix},
		{class: "YYYYMMDD", in: "16771231", unit: unitYYYYMMDD, bad: true},
		{class: "YYYYMMDD", in: "22620101", unit: unitYYYYMMDD, want: maxUnix},
		{class: "YYYYMMDD", in: "22620102", unit: unitYYYYMMDD, bad: true},
		{class: "ISO", in: "1678-01-01T00:00:00Z", want: minUnix},
		{class: "ISO", in: "1677-12-31T23:59:59.999999999Z", bad: true},
		{class: "ISO", in: "2262-01-01T00:00:00Z", want: maxUnix},
		{class: "ISO", in: "2262-01-01T00:00:00.000000001Z", bad: true},
		{class: "ISO", in: "2262-01-01T00:00:00+01:00", want: maxUnix - 3600},
		{class: "ISO", in: "2262-01-01T00:00:00-00:01", bad: true},
		{class: "ISO", in: "2300-01-01", bad: true},
		{class: "ISO", in: "9999-12-31 23:59:59", bad: true},
		{class: "ISO", in: "0001-01-01", bad: true},
		{class: "naive in a zone", in: "2262-01-01 00:00", loc: tokyo, want: maxUnix - 9*3600},
		{class: "naive in a zone", in: "2262-01-01 00:00", loc: ny, bad: true},
		{class: "naive in a zone", in: "1678-01-01 00:00", loc: ny, want: minUnix + 4*3600 + 56*60 + 2}, // New York's local mean time
		{class: "naive in a zone", in: "1678-01-01 00:00", loc: tokyo, bad: true},
		{class: "slow layouts", in: "Sat, 01 Jan 2300 00:00:00 +0000", bad: true},
		{class: "slow layouts", in: "2300-01-01 00:00:00 +0000 UTC", bad: true},
		{class: "slow layouts", in: "Sun, 01 Jan 2262 00:00:00 +0000", want: maxUnix},
		{class: "slow layouts", in: "1/1/2300", bad: true},
		{class: "slow layouts", in: "12/31/1677 23:59", bad: true},
		{class: "slow layouts", in: "1/1/2262", want: maxUnix},
		{class: "slow layouts", in: "1/1/1678 00:00", want: minUnix},
	}
	for _, tt := range tests {
		p := timeParser{unit: tt.unit, naiveLoc: tt.loc}
		got, _, err := p.parse([]byte(tt.in))
		var re *RangeError
		switch {
		case tt.bad && !errors.As(err, &re) && (err == nil || !strings.Contains(err.Error(), "number too large")):
			t.Errorf("%s %q = %s (%v), want a range error", tt.class, tt.in, time.Unix(0, got).UTC(), err)
		case !tt.bad && (err != nil || got != tt.want*1e9):
			t.Errorf("%s %q = %s (%v), want %s", tt.class, tt.in, time.Unix(0, got).UTC(), err, time.Unix(tt.want, 0).UTC())
		}
	}
}

// A time out of range is a bad row like any other: file:line with the
// fail policy, counted with skip, and it moves no other figure.
func TestReadTimeOutOfRange(t *testing.T) {
	data := "user_id,event,timestamp\nu1,a,2024-01-01T00:00:00Z\nu2,a,2300-01-01T00:00:00Z\nu1,b,2024-01-02T00:00:00Z\n"
	_, err := readText(t, "far.csv", data, keepAll)
	want := `far.csv:3: column "timestamp": "2300-01-01T00:00:00Z": 2300-01-01T00:00:00Z is outside the supported time range, 1678-01-01 to 2262-01-01 (UTC)`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant %s", err, want)
	}
	d := mustRead(t, "far.csv", data, Options{SkipInvalid: true, Need: Need{AllEvents: true}})
	if got := events(d); d.Stats.Skipped != 1 || len(got) != 2 || d.Stats.Last != mustTimeNS(t, "2024-01-02T00:00:00Z") {
		t.Errorf("skipped %d, events %v, last %d", d.Stats.Skipped, got, d.Stats.Last)
	}
}

// Wall times that a DST change skips or repeats are counted, with the
// first of each, in New York and Los Angeles (and Berlin, east of UTC,
// where time.Date would take the second of a repeated hour).
func TestReadLocalTimeGapsAndOverlaps(t *testing.T) {
	tests := []struct {
		zone                 string
		rows                 []string // time values, one event each
		want                 []string // instants, in order
		gaps, overlaps       int64
		gapSample, olpSample string
	}{
		{zone: "America/New_York",
			rows: []string{"2024-03-10 01:59", "2024-03-10 02:30", "2024-03-10T02:00:00", "2024-03-10 03:00", "2024-11-03 01:30", "2024-11-03 02:30", "03/10/2024 02:15"},
			want: []string{"2024-03-10T06:59:00Z", "2024-03-10T07:30:00Z", "2024-03-10T07:00:00Z", "2024-03-10T07:00:00Z", "2024-11-03T05:30:00Z", "2024-11-03T07:30:00Z", "2024-03-10T07:15:00Z"},
			gaps: 3, overlaps: 1, gapSample: `t.csv:3: "2024-03-10 02:30"`, olpSample: `t.csv:6: "2024-11-03 01:30"`},
		{zone: "America/Los_Angeles",
			rows: []string{"2024-03-10 02:30", "2024-11-03 01:00", "2024-11-03 01:59:59", "2024-11-03 02:00"},
			want: []string{"2024-03-10T10:30:00Z", "2024-11-03T08:00:00Z", "2024-11-03T08:59:59Z", "2024-11-03T10:00:00Z"},
			gaps: 1, overlaps: 2, gapSample: `t.csv:2: "2024-03-10 02:30"`, olpSample: `t.csv:3: "2024-11-03 01:00"`},
		{zone: "Europe/Berlin",
			rows: []string{"2024-03-31 02:30", "2024-10-27 02:30"},
			want: []string{"2024-03-31T01:30:00Z", "2024-10-27T00:30:00Z"},
			gaps: 1, overlaps: 1, gapSample: `t.csv:2: "2024-03-31 02:30"`, olpSample: `t.csv:3: "2024-10-27 02:30"`},
		{zone: "UTC", rows: []string{"2024-03-10 02:30", "2024-11-03 01:30"},
			want: []string{"2024-03-10T02:30:00Z", "2024-11-03T01:30:00Z"}},
	}
	for _, tt := range tests {
		var b strings.Builder
		b.WriteString("user_id,event,timestamp\n")
		for i, v := range tt.rows {
			b.WriteString("u,e" + string(rune('a'+i)) + "," + v + "\n")
		}
		d := mustRead(t, "t.csv", b.String(), Options{AssumeTZ: mustZone(t, tt.zone), Dedup: DedupOff, Need: Need{AllEvents: true}})
		for i, e := range d.Events.All() {
			if got := time.Unix(0, e.Time).UTC().Format(time.RFC3339); got != tt.want[i] {
				t.Errorf("%s %q = %s, want %s", tt.zone, tt.rows[i], got, tt.want[i])
			}
		}
		s := d.Stats
		if s.Nonexistent != tt.gaps || s.Ambiguous != tt.overlaps || s.NonexistentSample != tt.gapSample || s.AmbiguousSample != tt.olpSample {
			t.Errorf("%s: %d nonexistent (%s), %d ambiguous (%s); want %d (%s), %d (%s)", tt.zone,
				s.Nonexistent, s.NonexistentSample, s.Ambiguous, s.AmbiguousSample, tt.gaps, tt.gapSample, tt.overlaps, tt.olpSample)
		}
		if s.Naive != int64(len(tt.rows)) {
			t.Errorf("%s: %d naive, want %d", tt.zone, s.Naive, len(tt.rows))
		}
	}
}

// Dates without a time of day are not naive timestamps; when every time is
// one, the natural end of the data is the start of the day after the last
// date, in the zone they were read in. One date-time keeps the old rule.
func TestReadDatesOnly(t *testing.T) {
	tests := []struct {
		name, zone, times string
		datesOnly         bool
		nextDay           string
		naive             int64
	}{
		{"iso dates", "UTC", "2024-03-01,2024-03-09,2024-03-05", true, "2024-03-10T00:00:00Z", 0},
		{"YYYYMMDD", "UTC", "19970101,19980630,19980601", true, "1998-07-01T00:00:00Z", 0},
		{"day-first dates", "UTC", "13/01/2024,02/03/2024", true, "2024-03-03T00:00:00Z", 0},
		{"month-first dates", "UTC", "1/13/2024,3/2/2024", true, "2024-03-03T00:00:00Z", 0},
		{"in New York, across DST", "America/New_York", "2024-03-01,2024-03-09", true, "2024-03-10T05:00:00Z", 0},
		{"in Los Angeles, next day in DST", "America/Los_Angeles", "2024-03-10,2024-03-01", true, "2024-03-11T07:00:00Z", 0},
		{"mixed", "UTC", "2024-03-01,2024-03-09 10:00", false, "", 1},
		{"date-times", "UTC", "2024-03-01 10:00,2024-03-09 10:00", false, "", 2},
		{"zoned", "UTC", "2024-03-01,2024-03-09T00:00:00Z", false, "", 0},
	}
	for _, tt := range tests {
		var b strings.Builder
		b.WriteString("user_id,event,date\n")
		for i, v := range strings.Split(tt.times, ",") {
			b.WriteString("u" + string(rune('a'+i)) + ",order,\"" + v + "\"\n")
		}
		d := mustRead(t, "d.csv", b.String(), Options{AssumeTZ: mustZone(t, tt.zone), Need: Need{AllEvents: true}})
		s := d.Stats
		next := ""
		if s.DatesOnly {
			next = time.Unix(0, s.NextDay).UTC().Format(time.RFC3339)
		}
		if s.DatesOnly != tt.datesOnly || next != tt.nextDay || s.Naive != tt.naive {
			t.Errorf("%s: dates only %v, next day %q, %d naive; want %v %q %d", tt.name, s.DatesOnly, next, s.Naive, tt.datesOnly, tt.nextDay, tt.naive)
		}
	}
}

// Survey exports: a time out of range is a bad row too, in CSV answers
// (the shared parser) and in JSON exports' epoch-second numbers, which
// used to go through an undefined float-to-int conversion.
func TestSurveyTimeOutOfRange(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"a.csv", "respondent_id,score,submitted_at\nr1,9,2024-03-01T00:00:00Z\nr2,7,2300-01-01T00:00:00Z\n",
			`a.csv:3: column "submitted_at": "2300-01-01T00:00:00Z": 2300-01-01T00:00:00Z is outside the supported time range, 1678-01-01 to 2262-01-01 (UTC)`},
		{"d.json", `[{"person":"p1","survey_type":"nps","score":9,"created_at":1710255873},` + "\n" + `{"person":"p2","survey_type":"nps","score":7,"created_at":1e11}]`,
			`d.json:2: column "created_at": 5138-11-16T09:46:40Z is outside the supported time range, 1678-01-01 to 2262-01-01 (UTC)`},
	} {
		in := []Input{BytesInput(tt.name, []byte(tt.data))}
		_, err := ReadSurvey(in, SurveyOptions{Metric: "nps"})
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
		s, err := ReadSurvey(in, SurveyOptions{Metric: "nps", SkipInvalid: true})
		if err != nil || len(s.Rows) != 1 || s.Files[0].Skipped != 1 {
			t.Errorf("%s with skip: %v", tt.name, err)
		}
	}
}
