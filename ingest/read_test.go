package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readText(t *testing.T, name, data string, opts Options) (*Dataset, error) {
	t.Helper()
	return Read([]Input{BytesInput(name, []byte(data))}, opts)
}

func mustRead(t *testing.T, name, data string, opts Options) *Dataset {
	t.Helper()
	d, err := readText(t, name, data, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// events renders kept events as "user event RFC3339" lines.
func events(d *Dataset) []string {
	var out []string
	for _, e := range d.Events.All() {
		out = append(out, fmt.Sprintf("%s %s %s", d.Users[e.User], d.Names[e.Name], time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano)))
	}
	return out
}

var keepAll = Options{Need: Need{AllEvents: true}}

func TestReadFormatsAgree(t *testing.T) {
	want := []string{
		"u1 signup 2024-03-01T10:00:00Z",
		"u1 activated 2024-03-02T10:00:00Z",
		"u2 signup 2024-03-03T00:00:00Z",
	}
	inputs := map[string]string{
		"comma.csv":     "user_id,event,timestamp\nu1,signup,2024-03-01T10:00:00Z\nu1,activated,2024-03-02T10:00:00Z\nu2,signup,2024-03-03T00:00:00Z\n",
		"crlf-bom.csv":  "\ufeffUser_ID,Event,TimeStamp\r\nu1,signup,2024-03-01T10:00:00Z\r\nu1,activated,2024-03-02T10:00:00Z\r\nu2,signup,2024-03-03T00:00:00Z\r\n",
		"tab.tsv":       "userId\tevent_name\tts\nu1\tsignup\t1709287200\nu1\tactivated\t1709373600\nu2\tsignup\t1709424000\n",
		"semicolon.csv": "customer_id;action;created_at\nu1;signup;2024-03-01 10:00:00\nu1;activated;2024-03-02 10:00:00\nu2;signup;2024-03-03\n",
		"quoted.csv":    "\"user_id\",\"event\",\"time\",\"note\"\n\"u1\",\"signup\",\"2024-03-01T10:00:00Z\",\"a, b\"\n\"u1\",\"activated\",\"2024-03-02T10:00:00Z\",\"line1\nline2\"\n\"u2\",\"signup\",\"2024-03-03T00:00:00Z\",\"\"\"q\"\"\"\n",
		"lines.jsonl":   `{"user_id":"u1","event":"signup","timestamp":"2024-03-01T10:00:00Z"}` + "\n\n" + `{"user_id":"u1","event":"activated","timestamp":1709373600000}` + "\n" + `{"user_id":"u2","event":"signup","timestamp":1709424000000}`,
		"array.json":    `[{"distinct_id":"u1","event":"signup","time":1709287200},` + "\n" + `{"distinct_id":"u1","event":"activated","time":1709373600},{"distinct_id":"u2","event":"signup","time":1709424000}]`,
		"wrapped.json":  `{"next_page":null,"results":[{"user_id":"u1","event":"signup","timestamp":"2024-03-01T10:00:00Z"},{"user_id":"u1","event":"activated","timestamp":"2024-03-02T10:00:00Z"},{"user_id":"u2","event":"signup","timestamp":"2024-03-03T00:00:00Z"}]}`,
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			d := mustRead(t, name, data, keepAll)
			if diff := cmp.Diff(want, events(d)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if d.Stats.Rows != 3 || len(d.Users) != 2 {
				t.Errorf("rows %d users %d, want 3 and 2", d.Stats.Rows, len(d.Users))
			}
		})
	}
}

func TestReadMappingReasons(t *testing.T) {
	d := mustRead(t, "r.csv", "InvoiceNo,Quantity,InvoiceDate,CustomerID\n536365,6,2010-12-01 08:26:00,17850.0\n", Options{EventName: "purchase"})
	m := d.Stats.Files[0].Mapping
	if m.User.Column() != "CustomerID" || m.Time.Column() != "InvoiceDate" || m.EventName != "purchase" {
		t.Fatalf("mapping %+v", m)
	}
	if m.User.Reason != `matches the user id name "customer_id"` {
		t.Errorf("user reason %q", m.User.Reason)
	}
	// ids are kept as written
	if d.Users[0] != "17850.0" {
		t.Errorf("user %q, want 17850.0 as written", d.Users[0])
	}
	if d.Stats.Naive != 1 {
		t.Errorf("naive = %d, want 1", d.Stats.Naive)
	}
	// overrides
	d = mustRead(t, "o.csv", "a,b,c\nx,e,2024-01-01\n", Options{UserCol: "a", EventCol: "b", TimeCol: "c"})
	if m := d.Stats.Files[0].Mapping; m.User.Reason != "set with --user-col" || m.Event.Column() != "b" {
		t.Errorf("override mapping %+v", m)
	}
}

func TestReadDedup(t *testing.T) {
	data := "event_id,user_id,event,timestamp\n" +
		"e1,u1,a,2024-01-01T00:00:00Z\n" +
		"e1,u1,a,2024-01-01T00:00:00Z\n" + // same id: duplicate
		"e2,u1,a,2024-01-01T00:00:00Z\n" + // other id, same user/event/time: real second click
		",u1,a,2024-01-01T00:00:00Z\n" + // no id: never deduped by id
		"e1,u2,a,2024-01-01T00:00:00Z\n" // same id, other user: not the same event
	for _, tt := range []struct {
		mode DedupMode
		kept int64
	}{{DedupAuto, 4}, {DedupExact, 2}, {DedupOff, 5}} {
		d := mustRead(t, "d.csv", data, Options{Dedup: tt.mode})
		if d.Stats.Events != tt.kept || d.Stats.Duplicates != 5-tt.kept {
			t.Errorf("%s: kept %d dup %d, want %d and %d", tt.mode, d.Stats.Events, d.Stats.Duplicates, tt.kept, 5-tt.kept)
		}
	}
}

func TestReadWhereAndCounts(t *testing.T) {
	data := "InvoiceNo,Quantity,InvoiceDate,CustomerID\n" +
		"536365,6,2010-12-01 08:26:00,17850.0\n" +
		"C536379,-1,2010-12-01 09:41:00,14527.0\n" +
		"536380,0,2010-12-01 09:42:00,14527.0\n" +
		"536381,3,2010-12-01 09:43:00,\n" +
		"536382,3,2010-12-01 09:44:00,14527.0\n"
	where := []Filter{mustFilter(t, "InvoiceNo !~ ^C"), mustFilter(t, "Quantity > 0")}
	d := mustRead(t, "r.csv", data, Options{EventName: "purchase", Where: where, Need: Need{AllEvents: true}})
	want := Counts{Rows: 5, Events: 2, Filtered: 2, MissingUser: 1}
	if diff := cmp.Diff(want, d.Stats.Counts); diff != "" {
		t.Errorf("counts (-want +got)\n%s", diff)
	}
	// a field no row carries filters like an empty one, and says so (Seen)
	nope := mustFilter(t, "Nope = 1")
	d = mustRead(t, "r.csv", data, Options{EventName: "p", Where: []Filter{nope}})
	if d.Stats.Filtered != 5 || nope.Seen() || !where[1].Seen() {
		t.Errorf("where on a missing column: filtered %d, seen %v; Quantity seen %v", d.Stats.Filtered, nope.Seen(), where[1].Seen())
	}
}

func mustFilter(t *testing.T, s string) Filter {
	t.Helper()
	f, err := ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReadProps(t *testing.T) {
	data := `{"user_id":"u1","event":"signup","timestamp":"2024-01-02T00:00:00Z","properties":{"plan":"pro","score":9}}
{"user_id":"u1","event":"signup","timestamp":"2024-01-01T00:00:00Z","properties":{"plan":"free"}}
{"user_id":"u2","event":"nps","timestamp":"2024-01-03T00:00:00Z","plan":"team","properties":{"score":7}}
`
	d := mustRead(t, "p.jsonl", data, Options{Need: Need{Events: []string{"nps"}, EventProps: []string{"score"}, UserProps: []string{"plan"}, PropertyStats: true}})
	if got := d.UserProps["plan"]; !cmp.Equal(got, []string{"free", "team"}) {
		t.Errorf("first-seen plan %v, want [free team] (u1's earliest event says free)", got)
	}
	if got := d.EventProps["score"]; !cmp.Equal(got, []string{"7"}) || d.Events.Len() != 1 {
		t.Errorf("kept nps scores %v (%d events)", got, d.Events.Len())
	}
	want := []PropStat{{"plan", 1}, {"properties.plan", 2}, {"properties.score", 2}}
	if diff := cmp.Diff(want, d.Stats.Props); diff != "" {
		t.Errorf("props (-want +got)\n%s", diff)
	}
}

// ga4Line is one GA4 export record with a key/value parameter.
const ga4Line = `{"event_name":"page_view","event_timestamp":"1709543560412000","user_pseudo_id":"p1","event_params":[{"key":"page","value":{"string_value":"/a","int_value":null}}]}`

func TestReadErrors(t *testing.T) {
	bigLine := "user_id,event,timestamp\nu1,e," + strings.Repeat("x", 9<<20) + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("user_id,event,timestamp\n" + strings.Repeat("u1,e,2024-01-01T00:00:00Z\n", 5000)))
	zw.Close()
	truncated := gz.Bytes()[:gz.Len()/2]
	tests := []struct {
		name, data string
		opts       Options
		want       string
	}{
		{"empty", "", Options{}, "f: empty file: expected a header row and events"},
		{"blank", "\n\n  \n", Options{}, "f: empty file: expected a header row and events"},
		{"header only", "user_id,event,timestamp\n", Options{}, "f: header only: no data rows after line 1"},
		{"no user column", "who,event,timestamp\nx,e,2024-01-01\n", Options{}, `f: no user id column found (looked for user_id, userId, distinct_id, customer_id, customer_unique_id, account_id, …; have who, event, timestamp); name it with --user-col`},
		{"no event column", "user_id,timestamp\nx,2024-01-01\n", Options{}, `f: no event column found (looked for event, event_name, event_type, action, activity, name, …; have user_id, timestamp); name it with --event-col, or give --event-name NAME when every row is one event (orders, survey answers)`},
		{"no time column", "user_id,event\nx,e\n", Options{}, `f: no time column found (looked for timestamp, time, event_time, ts, created_at, occurred_at, …; have user_id, event); name it with --time-col`},
		{"unknown override", "user_id,event,timestamp\nx,e,2024-01-01\n", Options{UserCol: "uid2"}, `f: no column "uid2" (named with --user-col) (have user_id, event, timestamp)`},
		{"bad timestamp", "user_id,event,timestamp\nu1,e,2024-01-01\nu1,e,yesterday\n", Options{}, `f:3: column "timestamp": "yesterday" is not a timestamp`},
		{"bad date", "user_id,event,timestamp\nu1,e,2024-02-30\n", Options{}, `f:2: column "timestamp": "2024-02-30" is not a timestamp`},
		{"empty event", "user_id,event,timestamp\nu1,,2024-01-01\n", Options{}, `f:2: column "event": empty event name`},
		{"field count", "user_id,event,timestamp\nu1,e,2024-01-01,extra\n", Options{}, `f:2: has 4 fields, the header has 3`},
		{"line after multi-line field", "user_id,event,timestamp,note\nu1,e,2024-01-01,\"a\nb\"\nu1,e,nope,x\n", Options{}, `f:4: column "timestamp": "nope" is not a timestamp`},
		{"invalid utf8", "user_id,event,timestamp\nu\xff1,e,2024-01-01\n", Options{}, `f:2: column "user_id": user id is not valid UTF-8`},
		{"user id starting with NUL", "{\"user_id\":\"\\u0000a\",\"event\":\"e\",\"timestamp\":\"2024-01-01T00:00:00Z\"}", Options{}, `f:1: column "user_id": user id starts with a NUL byte`},
		{"lone surrogate in a user id", `{"user_id":"u\ud800","event":"e","timestamp":"2024-01-01T00:00:00Z"}`, Options{}, `f:1: column "user_id": user id is not valid UTF-8`},
		{"lone low surrogate in an event", `{"user_id":"u","event":"e\udc00x","timestamp":"2024-01-01T00:00:00Z"}`, Options{}, `f:1: column "event": event name is not valid UTF-8`},
		{"reversed surrogate pair", `{"user_id":"u\udc00\ud800","event":"e","timestamp":"2024-01-01T00:00:00Z"}`, Options{}, `f:1: column "user_id": user id is not valid UTF-8`},
		{"bad json", `{"user_id":"u1","event":"e","timestamp":"2024-01-01T00:00:00Z"}` + "\n" + `{"user_id":"u1",` + "\n", Options{}, `f:2: invalid JSON: expected a quoted key, found end of line`},
		{"json array without a comma", `[{"user_id":"u1","event":"e","timestamp":"2024-01-01T00:00:00Z"} {"user_id":"u2","event":"e","timestamp":"2024-01-01T00:00:00Z"}]`, Options{}, `f:1: invalid JSON document: expected ',' or ']' after a record, found '{'`},
		{"json array with a trailing comma", `[{"user_id":"u1","event":"e","timestamp":"2024-01-01T00:00:00Z"},` + "\n]", Options{}, `f:2: invalid JSON document: expected a value, found ']'`},
		{"truncated GA4 line", strings.Repeat(ga4Line+"\n", 3) + `{"event_name":"x","event_timestamp":"1709543560412000","user_pseudo_id":"p1","event_params":[{"key":"page","value":{"string_value":` + "\n", Options{}, `f:4: invalid JSON: unexpected end of line, expected a value`},
		{"GA4 record without a comma", ga4Line + "\n" + strings.Replace(ga4Line, `"key":"page",`, `"key":"page" `, 1) + "\n", Options{}, `f:2: invalid JSON: expected ',' or '}' in object, found '"'`},
		{"files joined with their headers", "user_id,event,timestamp\nu1,e,2024-01-01\nuser_id,event,timestamp\nu2,e,2024-01-02\n", Options{}, `f:3: this row repeats the header: two files joined into one? give them as separate files`},
		{"unclosed quote", "user_id,event,timestamp\nu1,e,\"2024-01-01\n", Options{}, `f:2: quoted field is never closed (missing "): the rest of the input (1 line) would be inside it, so it cannot be skipped: fix the quote`},
		{"unclosed quote, skipping", "user_id,event,timestamp\nu1,e,2024-01-01\nu2,\"e,2024-01-01\n" + strings.Repeat("u3,e,2024-01-01\n", 997), Options{SkipInvalid: true}, `f:3: quoted field is never closed (missing "): the rest of the input (998 lines) would be inside it, so it cannot be skipped: fix the quote`},
		{"bare quote", "user_id,event,timestamp\nu1,5\" disk,2024-01-01\n", Options{}, `f:2: bare " in a field that is not quoted (quote the whole field, or this is not CSV)`},
		{"10 MB line", bigLine, Options{}, `f:2: record is longer than 8 MiB (binary data, or the wrong format?)`},
		{"truncated gzip", string(truncated), Options{}, `f: gzip data is truncated (unexpected end of file)`},
		{"zip", "PK\x03\x04rest", Options{}, `f: the zip archive is damaged or incomplete (not a valid zip file); get it again`},
		{"utf16", "\xff\xfeu\x00", Options{}, `f: is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readText(t, "f", tt.data, tt.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

// A skipped record that spans lines counts them all: no line is lost unsaid.
func TestReadSkippedLines(t *testing.T) {
	tests := []struct {
		name, data     string
		skipped, lines int64
		events         int64
	}{
		{"one line each", "user_id,event,timestamp\nu1,e,bad\nu2,e,2024-01-01\nu3,e,2024-01-01,x\n", 2, 2, 1},
		{"quoted newlines", "user_id,event,timestamp\nu1,\"e\n\nf\",bad\nu2,e,2024-01-01\nu3,\"a\nb\"junk\nu4,e,2024-01-02", 2, 5, 2},
		{"last line unterminated", "user_id,event,timestamp\nu2,e,2024-01-01\nu1,\"e\nf\",bad", 1, 2, 1},
		{"pretty JSON record", "[\n{\"user_id\": \"u1\",\n \"event\": \"e\",\n \"timestamp\": \"bad\"},\n{\"user_id\":\"u2\",\"event\":\"e\",\"timestamp\":1709287200}]", 1, 3, 1},
		{"JSON lines", "{\"user_id\":\"u1\",\"event\":\"e\",\"timestamp\":\"bad\"}\n{\"user_id\":\"u2\",\"event\":\"e\",\"timestamp\":1709287200}\n", 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustRead(t, "f", tt.data, Options{SkipInvalid: true, Need: Need{AllEvents: true}})
			if d.Stats.Skipped != tt.skipped || d.Stats.SkippedLines != tt.lines || d.Stats.Events != tt.events {
				t.Errorf("skipped %d rows, %d lines, %d events; want %d, %d, %d", d.Stats.Skipped, d.Stats.SkippedLines, d.Stats.Events, tt.skipped, tt.lines, tt.events)
			}
		})
	}
}

func TestReadSkipInvalid(t *testing.T) {
	data := "user_id,event,timestamp\nu1,e,2024-01-01\nu1,e,bad\nu2,e,2024-01-02,x\nu3,,2024-01-03\nu4,e,2024-01-04\n"
	d := mustRead(t, "s.csv", data, Options{SkipInvalid: true, Need: Need{AllEvents: true}})
	if d.Stats.Skipped != 3 || d.Stats.Events != 2 || d.Stats.Rows != 5 {
		t.Errorf("counts %+v", d.Stats.Counts)
	}
	want := []string{`s.csv:3: column "timestamp": "bad" is not a timestamp`, `s.csv:4: has 4 fields, the header has 3`, `s.csv:5: column "event": empty event name`}
	if diff := cmp.Diff(want, d.Stats.SkipSamples); diff != "" {
		t.Errorf("skip messages (-want +got)\n%s", diff)
	}
}

// Property statistics are the same when a collecting object stops learning
// its keys (an object keyed by ids) and every key is resolved on every line.
func TestReadPropertyStatsPastLearnedKeys(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, `{"user_id":"u%d","event":"e","timestamp":"2024-01-01T00:00:%02dZ","properties":{"k%d":"v","plan":"p","empty":""}}`+"\n", i%7, i%60, i%9)
	}
	read := func() []PropStat {
		return mustRead(t, "p.jsonl", b.String(), Options{Need: Need{PropertyStats: true}}).Stats.Props
	}
	want := read()
	old := maxLearned
	defer func() { maxLearned = old }()
	maxLearned = 2
	if diff := cmp.Diff(want, read()); diff != "" {
		t.Errorf("property statistics past %d learned keys (-learned +resolved)\n%s", maxLearned, diff)
	}
	if len(want) != 10 || want[0].Name != "properties.k0" || want[0].Rows != 23 || want[9].Name != "properties.plan" || want[9].Rows != 200 {
		t.Errorf("props %+v", want)
	}
}

// Events before 2005 or after Options.Now are counted; the early ones are
// suspect unless the whole history lies before 2005 (and after 1980).
func TestReadImplausibleDates(t *testing.T) {
	now := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, rows    string
		early, future int64
		suspect       bool
	}{
		{"fine", "u1,e,2024-03-01\nu2,e,2024-03-09T23:59:59Z\n", 0, 0, false},
		{"future", "u1,e,2024-03-01\nu2,e,2024-03-10T00:00:01Z\n", 0, 1, false},
		{"some early", "u1,e,2004-12-31T23:59:59Z\nu2,e,2024-03-01\n", 1, 0, true},
		{"all history before 2005", "u1,e,1997-01-01\nu2,e,1998-06-30\n", 2, 0, false},
		{"near the epoch", "u1,e,1970-01-01T00:00:01Z\nu2,e,1970-01-01T00:00:02Z\n", 2, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := mustRead(t, "d.csv", "user_id,event,timestamp\n"+tt.rows, Options{Now: now})
			if s := d.Stats; s.Early != tt.early || s.Future != tt.future || s.SuspectEarly != tt.suspect {
				t.Errorf("early %d future %d suspect %v; want %d %d %v", s.Early, s.Future, s.SuspectEarly, tt.early, tt.future, tt.suspect)
			}
		})
	}
	if d := mustRead(t, "d.csv", "user_id,event,timestamp\nu1,e,2099-01-01\n", Options{}); d.Stats.Future != 0 {
		t.Errorf("no Now, yet %d events in the future", d.Stats.Future)
	}
}

// A batch checks a user id or event name for valid UTF-8 only when it is
// new to the batch: invalid ones never join it, so each of their rows is
// caught.
func TestReadSkipInvalidUTF8Repeats(t *testing.T) {
	data := "user_id,event,timestamp\nu1,e,2024-01-01\nu\xff,e,2024-01-02\nu\xff,e,2024-01-03\n" +
		"u1,e\xfe,2024-01-04\nu1,e\xfe,2024-01-05\nu1,e,2024-01-06\n"
	d := mustRead(t, "s.csv", data, Options{SkipInvalid: true})
	if d.Stats.Skipped != 4 || d.Stats.Events != 2 {
		t.Errorf("counts %+v", d.Stats.Counts)
	}
	want := []string{`s.csv:3: column "user_id": user id is not valid UTF-8`, `s.csv:4: column "user_id": user id is not valid UTF-8`,
		`s.csv:5: column "event": event name is not valid UTF-8`, `s.csv:6: column "event": event name is not valid UTF-8`}
	if diff := cmp.Diff(want, d.Stats.SkipSamples); diff != "" {
		t.Errorf("skip messages (-want +got)\n%s", diff)
	}
}

// The parallel reader must give exactly the sequential result, whatever the
// chunking: tiny chunks put boundaries everywhere, inside quoted newlines too.
func TestReadChunkingInvariant(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,timestamp,note\n")
	for i := 0; i < 3000; i++ {
		note := "plain"
		switch i % 7 {
		case 1:
			note = "\"multi\nline, with comma\""
		case 2:
			note = "\"quote \"\" inside\""
		}
		fmt.Fprintf(&b, "u%d,e%d,%d,%s\n", i%97, i%5, 1709000000+i, note)
	}
	data := b.String()
	ref := mustRead(t, "c.csv", data, Options{Workers: 1, Need: Need{AllEvents: true, EventProps: []string{"note"}, PropertyStats: true}})
	old := chunkSize
	defer func() { chunkSize = old }()
	for _, size := range []int{64, 257, 1000, 4096} {
		chunkSize = size
		got := mustRead(t, "c.csv", data, Options{Workers: 4, Need: Need{AllEvents: true, EventProps: []string{"note"}, PropertyStats: true}})
		if diff := cmp.Diff(ref, got); diff != "" {
			t.Fatalf("chunk size %d differs from sequential (-seq +par)\n%s", size, diff)
		}
	}
	if ref.EventProps["note"][1] != "multi\nline, with comma" {
		t.Errorf("note[1] = %q", ref.EventProps["note"][1])
	}
	// and the error of a bad row far into the file names its line exactly
	chunkSize = 100
	bad := strings.Replace(data, "u10,e0,1709000010", "u10,e0,oops", 1)
	_, err := readText(t, "c.csv", bad, Options{Workers: 3})
	if err == nil || !strings.HasPrefix(err.Error(), "c.csv:") || !strings.Contains(err.Error(), `"oops" is not a timestamp`) {
		t.Fatalf("err = %v", err)
	}
	line := 1 + strings.Count(bad[:strings.Index(bad, "oops")], "\n")
	if want := fmt.Sprintf("c.csv:%d:", line); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want line %d", err, line)
	}
}

// A bad record whose chunk boundary the scanner decides only at its line end
// ("x" followed by a bare \r) is skipped like any other, however much of the
// file follows it; the boundary used to wait for more data until the record
// size limit and then fail the whole file.
func TestReadBadRecordAcrossChunks(t *testing.T) {
	oldC, oldM := chunkSize, maxRecordSize
	defer func() { chunkSize, maxRecordSize = oldC, oldM }()
	chunkSize, maxRecordSize = 64, 512
	var b strings.Builder
	b.WriteString("user_id,event,timestamp\nu0,\"a\"\rX,2024-01-01\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "u%d,e,2024-01-02\n", i%7)
	}
	d := mustRead(t, "f.csv", b.String(), Options{SkipInvalid: true, Workers: 2})
	if d.Stats.Rows != 201 || d.Stats.Skipped != 1 || d.Stats.Events != 200 {
		t.Fatalf("rows %d, skipped %d, events %d; want 201, 1, 200", d.Stats.Rows, d.Stats.Skipped, d.Stats.Events)
	}
	if want := "f.csv:2: extraneous characters after the closing quote"; !strings.HasPrefix(d.Stats.SkipSamples[0], want) {
		t.Errorf("skip sample %q, want %q…", d.Stats.SkipSamples[0], want)
	}
}

func TestReadSeveralFilesAndGzip(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	os.WriteFile(a, []byte("user_id,event,timestamp\nu1,signup,2024-01-01T00:00:00Z\n"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"user_id":"u2","event":"signup","timestamp":"2024-01-02T00:00:00Z"}` + "\n"))
	zw.Close()
	b := filepath.Join(dir, "b.jsonl.gz")
	os.WriteFile(b, gz.Bytes(), 0o644)
	d, err := Read([]Input{FileInput(a, nil), FileInput(b, nil)}, keepAll)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"u1 signup 2024-01-01T00:00:00Z", "u2 signup 2024-01-02T00:00:00Z"}
	if diff := cmp.Diff(want, events(d)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if d.Stats.Files[1].Compression != "gzip" || d.Stats.Files[1].Format != "jsonl" {
		t.Errorf("file 2: %+v", d.Stats.Files[1])
	}
	if _, err := Read([]Input{FileInput(filepath.Join(dir, "nope.csv"), nil)}, keepAll); err == nil ||
		!strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadSinceUntil(t *testing.T) {
	data := "user_id,event,timestamp\nu1,a,2024-01-01\nu1,a,2024-01-02\nu1,a,2024-01-03\n"
	since := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	until := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	d := mustRead(t, "s.csv", data, Options{Since: &since, Until: &until, Need: Need{AllEvents: true}})
	if got := events(d); !cmp.Equal(got, []string{"u1 a 2024-01-02T00:00:00Z"}) || d.Stats.OutOfRange != 2 {
		t.Errorf("events %v out of range %d", got, d.Stats.OutOfRange)
	}
}

// Amplitude's export download is a zip of gzipped JSON lines files: read
// them all, in name order, as one stream.
func TestReadZipOfGzip(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, e := range []struct{ name, body string }{
		{"412345/412345_2024-03-04_10#0.json.gz", `{"amplitude_id":1,"user_id":"u2","event_type":"b","event_time":"2024-03-04 10:00:00.000000","uuid":"x2"}` + "\n"},
		{"412345/412345_2024-03-04_9#0.json.gz", `{"amplitude_id":1,"user_id":"u1","event_type":"a","event_time":"2024-03-04 09:00:00.000000","uuid":"x1"}` + "\n"},
	} {
		w, _ := zw.Create(e.name)
		w.Write(gz(e.body))
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "export.zip")
	os.WriteFile(path, zb.Bytes(), 0o644)
	d, err := Read([]Input{FileInput(path, nil)}, keepAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := events(d); !cmp.Equal(got, []string{"u2 b 2024-03-04T10:00:00Z", "u1 a 2024-03-04T09:00:00Z"}) || len(d.Stats.Files) != 2 {
		t.Errorf("events %v, files %d", got, len(d.Stats.Files))
	}
	if f := d.Stats.Files[0]; f.Vendor != "amplitude" || f.Compression != "gzip" || !strings.HasSuffix(f.Name, "export.zip!412345/412345_2024-03-04_10#0.json.gz") {
		t.Errorf("file %+v", f)
	}
}

// Two devices of one user who has no identified events: both anonymous ids
// are linked to the user (identify calls) and become that one user.
func TestStitchTwoDevicesOfAnEventlessUser(t *testing.T) {
	data := `{"type":"identify","messageId":"m1","anonymousId":"a1","userId":"u1","timestamp":"2024-01-01T00:00:00Z"}
{"type":"identify","messageId":"m2","anonymousId":"a2","userId":"u1","timestamp":"2024-01-01T00:00:00Z"}
{"type":"track","event":"E","messageId":"m3","anonymousId":"a1","timestamp":"2024-01-01T01:00:00Z","receivedAt":"2024-01-01T01:00:00Z"}
{"type":"track","event":"E","messageId":"m4","anonymousId":"a2","timestamp":"2024-01-01T02:00:00Z","receivedAt":"2024-01-01T02:00:00Z"}
`
	d := mustRead(t, "s.jsonl", data, keepAll)
	if !cmp.Equal(d.Users, []string{"u1"}) || d.Stats.Identity.Merged != 2 || d.Events.Len() != 2 || d.Events.At(1).User != 0 {
		t.Errorf("users %v identity %+v events %+v", d.Users, d.Stats.Identity, d.Events)
	}
	if d.FirstSeen[0] != mustTimeNS(t, "2024-01-01T01:00:00Z") || d.LastSeen[0] != mustTimeNS(t, "2024-01-01T02:00:00Z") {
		t.Errorf("first/last seen %v %v", d.FirstSeen, d.LastSeen)
	}
}

func mustTimeNS(t *testing.T, s string) int64 {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixNano()
}

// FuzzReadChunking: whatever the input, reading it in 64-byte chunks on 4
// workers gives exactly what one worker reading it whole gives — the same
// events and counts, or the same error — in fail and in skip mode. This is
// the guarantee the quote-aware chunk boundaries exist for.
func FuzzReadChunking(f *testing.F) {
	f.Add([]byte("user_id,event,timestamp,note\nu1,a,2024-01-01,\"x\ny\"\nu2,b,2024-01-02,plain\n"), false)
	f.Add([]byte("user_id,event,timestamp\nu1,a,2024-01-01\nu\"1,a,2024-01-01\nu2,\"b\nc\",2024-01-03\n"), true)
	f.Add([]byte(`{"user_id":"u1","event":"a","timestamp":1709543770}`+"\n"+`{"user_id":"u2","event":"b","timestamp":"bad"}`+"\n"), true)
	f.Add([]byte("[\n"+`{"user_id":"u1","event":"a","timestamp":1709543770},`+"\n"+`{"user_id":"u2","event":"b","timestamp":"bad"}`+"\n]\n"), true)
	f.Add([]byte(`{"meta":{"a":[1]},"results":[{"user_id":"u1","event":"a","timestamp":1709543770},{"user_id":"u1","event":"b","p":{"x":"]"},"timestamp":1709543771}],"next":null}`), false)
	f.Add([]byte(`[{"user_id":"u1","event":"a","timestamp":1709543770}] [{"user_id":"u2","event":"a","timestamp":1709543770}]`), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		read := func(size, workers int) (*Dataset, error) {
			old := chunkSize
			defer func() { chunkSize = old }()
			chunkSize = size
			return Read([]Input{BytesInput("f", data)}, Options{Workers: workers, SkipInvalid: skip, Need: Need{AllEvents: true}})
		}
		want, werr := read(1<<20, 1)
		got, gerr := read(64, 4)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("errors differ:\n whole: %v\nchunks: %v", werr, gerr)
		}
		if werr == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("results differ (-whole +chunks)\n%s", diff)
			}
		}
	})
}

// A legacy Mixpanel project's export counts project wall-clock seconds:
// the processing-time check sees the zone's offset, and --source-tz reads
// the file back to the same events as the UTC export, across the DST change
// of 2024-03-10 in the sample's week.
func TestReadMixpanelSourceTZ(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	read := func(file string, src *time.Location) *Dataset {
		t.Helper()
		path := filepath.Join("..", "testdata", "formats", file)
		d, err := Read([]Input{FileInput(path, nil)}, Options{SourceTZ: src, Need: Need{AllEvents: true}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	offset := func(d *Dataset) time.Duration {
		t.Helper()
		o := d.Stats.Files[0].ServerOffset
		if o == nil || o.Field != "properties.mp_processing_time_ms" || o.Records != 22 {
			t.Fatalf("server offset %+v", o)
		}
		return o.Median
	}
	utc := read("mixpanel.jsonl", nil)
	legacy := read("mixpanel_legacy_la.jsonl", nil)
	fixed := read("mixpanel_legacy_la.jsonl", la)
	if o := offset(utc); o < 0 || o > time.Minute {
		t.Errorf("UTC export: median offset %v", o)
	}
	if o := offset(legacy); o < 8*time.Hour || o > 8*time.Hour+time.Minute {
		t.Errorf("legacy export: median offset %v, want about 8h", o)
	}
	if o := offset(fixed); o < 0 || o > time.Minute {
		t.Errorf("legacy export with --source-tz: median offset %v", o)
	}
	if diff := cmp.Diff(utc.Events.Slice(), fixed.Events.Slice()); diff != "" {
		t.Errorf("events (-UTC export +legacy with --source-tz)\n%s", diff)
	}
	if cmp.Equal(utc.Events.Slice(), legacy.Events.Slice()) {
		t.Error("the legacy file reads like the UTC one without --source-tz")
	}
	if tf := fixed.Stats.Files[0].Mapping.TimeForm; tf != "unix seconds of wall-clock time in America/Los_Angeles (--source-tz)" {
		t.Errorf("time form %q", tf)
	}
}

// A duplicate is dropped before it can make a user: here the repeat of a
// Segment message names its sender only by anonymous id, which is the
// original's user id, so it is the same event (same sender string, event,
// id and time) but would be a user of its own ("anonymous x").
func TestReadDuplicateMakesNoUser(t *testing.T) {
	data := `{"type":"track","event":"e","messageId":"m1","userId":"x","timestamp":"2024-01-01T00:00:00Z"}` + "\n" +
		`{"type":"track","event":"e","messageId":"m1","anonymousId":"x","timestamp":"2024-01-01T00:00:00Z"}` + "\n" +
		`{"type":"track","event":"f","messageId":"m2","userId":"y","timestamp":"2024-01-02T00:00:00Z"}` + "\n"
	for _, workers := range []int{1, 4} {
		d := mustRead(t, "s.jsonl", data, Options{Format: "segment", Workers: workers})
		if d.Stats.Duplicates != 1 || d.Stats.Events != 2 {
			t.Errorf("counts %+v", d.Stats.Counts)
		}
		if diff := cmp.Diff([]string{"x", "y"}, d.Users); diff != "" {
			t.Errorf("users (-want +got)\n%s", diff)
		}
	}
}

// A user whose rows carry two different values of a property is marked
// mixed (an experiment's user seen in two variants), whichever order the
// rows come in; repeating one value, or rows without it, is not mixed. An
// anonymous id merged into its user brings its values along.
func TestReadUserPropsMixed(t *testing.T) {
	data := `user_id,anonymous_id,event,timestamp,variant
u1,,signup,2024-01-02T00:00:00Z,b
u1,,view,2024-01-01T00:00:00Z,a
u2,,signup,2024-01-01T00:00:00Z,a
u2,,view,2024-01-02T00:00:00Z,
u2,,view,2024-01-03T00:00:00Z,a
u3,,signup,2024-01-01T00:00:00Z,a
u3,,view,2024-01-02T00:00:00Z,c
u5,,signup,2024-01-01T00:00:00Z,
,x4,view,2024-01-01T00:00:00Z,b
u4,x4,signup,2024-01-02T00:00:00Z,a
`
	d := mustRead(t, "v.csv", data, Options{Need: Need{AllEvents: true, UserProps: []string{"variant"}}})
	got := map[string]string{}
	for u, name := range d.Users {
		got[name] = fmt.Sprintf("%s %v", d.UserProps["variant"][u], d.UserPropsMixed["variant"][u])
	}
	want := map[string]string{"u1": "a true", "u2": "a false", "u3": "a true", "u4": "a false", "u5": " false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first value and mixed per user (-want +got)\n%s", diff)
	}
	seg := `{"type":"track","event":"view","messageId":"m1","anonymousId":"x4","timestamp":"2024-01-01T00:00:00Z","properties":{"variant":"b"}}
{"type":"track","event":"signup","messageId":"m2","anonymousId":"x4","userId":"u4","timestamp":"2024-01-02T00:00:00Z","properties":{"variant":"a"}}
{"type":"track","event":"signup","messageId":"m3","userId":"u6","timestamp":"2024-01-02T00:00:00Z","properties":{"variant":"a"}}
`
	d = mustRead(t, "s.jsonl", seg, Options{Need: Need{AllEvents: true, UserProps: []string{"variant"}}})
	got = map[string]string{}
	for u, name := range d.Users {
		got[name] = fmt.Sprintf("%s %v", d.UserProps["variant"][u], d.UserPropsMixed["variant"][u])
	}
	if diff := cmp.Diff(map[string]string{"u4": "b true", "u6": "a false"}, got); diff != "" {
		t.Errorf("stitched: first value and mixed per user (-want +got)\n%s", diff)
	}
}
