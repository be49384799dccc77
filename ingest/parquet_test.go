package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// parquetOf writes rows as a Parquet file, with parquet-go's writer.
func parquetOf[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// simpleRow is a generic export's row: the columns found by name.
type simpleRow struct {
	UserID string `parquet:"user_id,dict"`
	Event  string `parquet:"event,dict"`
	TS     int64  `parquet:"timestamp,timestamp(microsecond:utc)"`
	Plan   string `parquet:"plan,optional,dict"`
	Score  *int32 `parquet:"score,optional"`
	Junk   string `parquet:"junk,optional"`
}

var jan1 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func simpleRows() []simpleRow {
	seven := int32(7)
	return []simpleRow{
		{UserID: "u1", Event: "signup", TS: jan1.UnixMicro(), Plan: "pro", Junk: "x"},
		{UserID: "u1", Event: "nps_response", TS: jan1.Add(time.Hour).UnixMicro(), Score: &seven, Junk: "y"},
		{UserID: "u2", Event: "signup", TS: jan1.Add(2 * time.Hour).UnixMicro(), Plan: "free"},
	}
}

func readPQ(t *testing.T, data []byte, opts Options) (*Dataset, error) {
	t.Helper()
	return Read([]Input{BytesInput("f.parquet", data)}, opts)
}

// A Parquet file is known by its magic, however it comes: a file (read by
// random access), bytes, gzip, standard input, a zip member.
func TestParquetDetection(t *testing.T) {
	data := parquetOf(t, simpleRows())
	path := filepath.Join(t.TempDir(), "e.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		in          Input
		compression string
	}{
		{"file", FileInput(path, nil), ""},
		{"bytes", BytesInput("f", data), ""},
		{"gzip", BytesInput("f.gz", gzipOf(string(data))), "gzip"},
		{"stdin", pipeInput("-", data), ""},
		{"zip member", BytesInput("f.zip", zipOf(t, member{"a.parquet", string(data)})), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read([]Input{tt.in}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Stats.Files[0]
			if f.Format != "parquet" || f.Compression != tt.compression || f.Events != 3 || len(d.Users) != 2 {
				t.Errorf("format %q compression %q events %d users %d, want parquet %q 3 2", f.Format, f.Compression, f.Events, len(d.Users), tt.compression)
			}
			if !f.Content.Complete || f.Content.Size != int64(len(data)) {
				t.Errorf("digest %+v: want the whole file's", f.Content)
			}
		})
	}
}

func TestParquetFormatFlags(t *testing.T) {
	data := parquetOf(t, simpleRows())
	csv := []byte("user_id,event,timestamp\nu1,e,2024-01-01\n")
	for _, tt := range []struct {
		name string
		data []byte
		opts Options
		want string
	}{
		{"csv forced", data, Options{Format: "csv"}, "f.parquet: --input-format csv, but this is a Parquet file; use --input-format parquet, or leave --input-format out"},
		{"jsonl forced", data, Options{Format: "jsonl"}, "f.parquet: --input-format jsonl, but this is a Parquet file; use --input-format parquet, or leave --input-format out"},
		{"parquet forced on CSV", csv, Options{Format: "parquet"}, "f.parquet: --input-format parquet, but this is not Parquet (it does not start with PAR1): it looks like comma-separated text; leave --input-format out"},
		{"delimiter", data, Options{Delimiter: ";"}, "f.parquet: --delimiter ;: this is a Parquet file, which has no delimiter; leave --delimiter out for it"},
		{"no header", data, Options{Columns: []string{"a", "b"}}, "f.parquet: --header none: this is a Parquet file, whose schema names its columns; leave --header and --columns out for it"},
		{"vendor it lacks", data, Options{Format: "delighted"}, "f.parquet: --input-format delighted: delighted is a survey tool; read its export with uptake nps, csat or ces"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPQ(t, tt.data, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
	if _, err := readPQ(t, data, Options{Format: "parquet"}); err != nil {
		t.Errorf("--input-format parquet: %v", err)
	}
}

// damageColumn overwrites a column chunk's pages with junk, in every row
// group: a reader that touches them fails.
func damageColumn(t *testing.T, data []byte, column string) []byte {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(data)
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if strings.Join(c.MetaData.PathInSchema, ".") != column {
				continue
			}
			off := c.MetaData.DataPageOffset
			if c.MetaData.DictionaryPageOffset > 0 {
				off = c.MetaData.DictionaryPageOffset
			}
			for i := off; i < off+c.MetaData.TotalCompressedSize; i++ {
				out[i] = 0xff
			}
		}
	}
	return out
}

// Only the columns the command needs are read: a damaged column no one
// asks for is never touched, and one a command asks for is reported.
func TestParquetProjection(t *testing.T) {
	data := damageColumn(t, parquetOf(t, simpleRows()), "junk")
	d, err := readPQ(t, data, Options{Need: Need{UserProps: []string{"plan"}, EventProps: []string{"score"}, AllEvents: true}})
	if err != nil {
		t.Fatalf("the junk column was read: %v", err)
	}
	if got := d.UserProps["plan"]; !slices.Equal(got, []string{"pro", "free"}) {
		t.Errorf("plan: got %q, want [pro free]", got)
	}
	if got := d.EventProps["score"]; !slices.Equal(got, []string{"", "7", ""}) {
		t.Errorf("score: got %q, want [\"\" 7 \"\"]", got)
	}
	_, err = readPQ(t, data, Options{Need: Need{UserProps: []string{"junk"}}})
	if err == nil || !strings.HasPrefix(err.Error(), `f.parquet: the Parquet data of column "junk" is damaged (`) {
		t.Errorf("reading the junk column: got %v, want it damaged", err)
	}
	// inspect's property statistics read every column
	_, err = readPQ(t, data, Options{Need: Need{PropertyStats: true}})
	if err == nil || !strings.Contains(err.Error(), `column "junk" is damaged`) {
		t.Errorf("property statistics: got %v, want the junk column damaged", err)
	}
}

// Each timestamp type is read as the instant it stands for; wall times
// (not adjusted to UTC, DATE) in --assume-tz, as naive text is.
func TestParquetTimestamps(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	at := time.Date(2024, 3, 1, 10, 30, 15, 123456789, time.UTC)
	type ms struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts,timestamp(millisecond:utc)"`
	}
	type us struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts,timestamp(microsecond:utc)"`
	}
	type ns struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts,timestamp(nanosecond:utc)"`
	}
	type local struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts,timestamp(microsecond:local)"`
	}
	type date struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int32  `parquet:"ts,date"`
	}
	type int96 struct {
		U  string           `parquet:"user_id"`
		E  string           `parquet:"event"`
		TS deprecated.Int96 `parquet:"ts"`
	}
	type text struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS string `parquet:"ts"`
	}
	type epoch struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts"`
	}
	// INT96: nanoseconds of the day, then the Julian day
	day := at.Unix() / 86400
	nanos := uint64(at.UnixNano() - day*86400e9)
	i96 := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day + julianEpoch)}
	wall := time.Date(2024, 3, 1, 10, 30, 15, 0, time.UTC) // 10:30:15 on a Paris clock
	for _, tt := range []struct {
		name  string
		data  []byte
		tz    *time.Location
		want  time.Time
		naive int64
		form  string
	}{
		{"milliseconds", parquetOf(t, []ms{{"u", "e", at.UnixMilli()}}), nil, at.Truncate(time.Millisecond), 0, "Parquet TIMESTAMP in milliseconds, UTC"},
		{"microseconds", parquetOf(t, []us{{"u", "e", at.UnixMicro()}}), nil, at.Truncate(time.Microsecond), 0, "Parquet TIMESTAMP in microseconds, UTC"},
		{"nanoseconds", parquetOf(t, []ns{{"u", "e", at.UnixNano()}}), nil, at, 0, "Parquet TIMESTAMP in nanoseconds, UTC"},
		{"not adjusted to UTC", parquetOf(t, []local{{"u", "e", wall.UnixMicro()}}), paris, time.Date(2024, 3, 1, 9, 30, 15, 0, time.UTC), 1,
			"Parquet TIMESTAMP in microseconds without a zone (isAdjustedToUTC=false), read in Europe/Paris"},
		{"not adjusted, UTC assumed", parquetOf(t, []local{{"u", "e", wall.UnixMicro()}}), nil, wall, 1,
			"Parquet TIMESTAMP in microseconds without a zone (isAdjustedToUTC=false), read in UTC"},
		{"date", parquetOf(t, []date{{"u", "e", int32(day)}}), paris, time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC), 0, "Parquet DATE (days), read as midnight in Europe/Paris"},
		{"int96", parquetOf(t, []int96{{"u", "e", i96}}), paris, at, 0, "Parquet INT96 timestamps, read as UTC"},
		{"text", parquetOf(t, []text{{"u", "e", "2024-03-01T10:30:15Z"}}), nil, wall, 0, "ISO 8601 / RFC 3339 text"},
		{"epoch seconds", parquetOf(t, []epoch{{"u", "e", at.Unix()}}), nil, at.Truncate(time.Second), 0, "unix seconds"},
		{"epoch milliseconds", parquetOf(t, []epoch{{"u", "e", at.UnixMilli()}}), nil, at.Truncate(time.Millisecond), 0, "unix milliseconds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := readPQ(t, tt.data, Options{AssumeTZ: tt.tz})
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Unix(0, d.FirstSeen[0]).UTC(); !got.Equal(tt.want) {
				t.Errorf("time: got %s, want %s", got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
			if d.Stats.Naive != tt.naive {
				t.Errorf("naive: got %d, want %d", d.Stats.Naive, tt.naive)
			}
			if got := d.Stats.Files[0].Mapping.TimeForm; got != tt.form {
				t.Errorf("time form: got %q, want %q", got, tt.form)
			}
		})
	}
}

// phRow is a PostHog batch export's row as Parquet: properties are JSON
// text, timestamps microseconds in UTC.
type phRow struct {
	UUID             string `parquet:"uuid"`
	Event            string `parquet:"event,dict"`
	DistinctID       string `parquet:"distinct_id"`
	PersonID         string `parquet:"person_id,optional"`
	Properties       string `parquet:"properties,json"`
	PersonProperties string `parquet:"person_properties,json"`
	ElementsChain    string `parquet:"elements_chain"`
	Timestamp        int64  `parquet:"timestamp,timestamp(microsecond:utc)"`
	CreatedAt        int64  `parquet:"created_at,timestamp(microsecond:utc)"`
	InsertedAt       int64  `parquet:"_inserted_at,timestamp(microsecond:utc)"`
}

func posthogRows() []phRow {
	ts := func(h int) int64 { return jan1.Add(time.Duration(h) * time.Hour).UnixMicro() }
	return []phRow{
		{"a", "$pageview", "d1", "p1", `{"$browser":"Chrome","$device_id":"dev1","$lib":"web","utm":{"source":"ads"}}`, `{"email":"a@x"}`, "", ts(0), ts(0), ts(0)},
		{"b", "signed_up", "d1", "p1", `{"$browser":"Firefox","plan":"pro","$lib":"web"}`, `{}`, "", ts(1), ts(1), ts(1)},
		{"b", "signed_up", "d1", "p1", `{"$browser":"Firefox","plan":"pro","$lib":"web"}`, `{}`, "", ts(1), ts(1), ts(1)},
		{"c", "$pageleave", "d2", "p2", `{"$browser":"Safari","$lib":"web"}`, `{}`, "", ts(2), ts(2), ts(2)},
		{"d", "$pageview", "d2", "p2", `{"$browser":"Safari","$lib":"web"}`, `{}`, "", ts(3), ts(3), ts(3)},
		{"e", "$pageview", "d3", "", `{"$device_id":"dev1"}`, `{}`, "", ts(4), ts(4), ts(4)},
	}
}

// PostHog's Parquet is recognised as PostHog, and its properties, JSON
// text, are read as in JSON lines: nested, bare (the vendor's prefixes),
// in --where, and counted by inspect.
func TestParquetPostHog(t *testing.T) {
	data := parquetOf(t, posthogRows())
	where, _ := ParseFilter("$browser != Chrome")
	d, err := readPQ(t, data, Options{Where: []Filter{where}, Need: Need{AllEvents: true, PropertyStats: true,
		UserProps: []string{"$browser"}, EventProps: []string{"properties.plan"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := d.Stats.Files[0]
	if f.Vendor != "posthog" {
		t.Fatalf("vendor %q (%s), want posthog", f.Vendor, f.Detected)
	}
	// p1's Chrome row is filtered; the repeat of b is a duplicate; the row
	// without a person is d3's, linked to nobody
	if f.Filtered != 1 || f.Duplicates != 1 || f.Events != 4 {
		t.Errorf("filtered %d duplicates %d events %d, want 1 1 4", f.Filtered, f.Duplicates, f.Events)
	}
	if !slices.Equal(d.Users, []string{"p1", "p2", "d3"}) {
		t.Errorf("users %q, want [p1 p2 d3]", d.Users)
	}
	if got := d.UserProps["$browser"]; !slices.Equal(got, []string{"Firefox", "Safari", ""}) {
		t.Errorf("$browser: got %q", got)
	}
	if got := d.EventProps["properties.plan"]; !slices.Equal(got, []string{"pro", "", "", ""}) {
		t.Errorf("properties.plan: got %q", got)
	}
	if !slices.Contains(d.Internal, "$pageleave") {
		t.Errorf("internal %q: want PostHog's $pageleave", d.Internal)
	}
	props := map[string]int64{}
	for _, p := range d.Stats.Props {
		props[p.Name] = p.Rows
	}
	for name, want := range map[string]int64{"properties.$browser": 3, "properties.$lib": 3, "person_properties.email": 0, "elements_chain": 0, "created_at": 4} {
		if props[name] != want {
			t.Errorf("property %s: %d events, want %d (all: %v)", name, props[name], want, props)
		}
	}
	// a path into a nested object of the JSON
	d, err = readPQ(t, data, Options{Need: Need{UserProps: []string{"properties.utm.source"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.UserProps["properties.utm.source"]; got[0] != "ads" {
		t.Errorf("properties.utm.source: got %q, want ads for p1", got)
	}
}

// withCodec rewrites a file's footer to name another codec for its first
// column: a file compressed with a codec uptake lacks.
func withCodec(t *testing.T, data []byte, codec pqformat.CompressionCodec) []byte {
	t.Helper()
	n := int(uint32(data[len(data)-8]) | uint32(data[len(data)-7])<<8 | uint32(data[len(data)-6])<<16 | uint32(data[len(data)-5])<<24)
	footer := data[len(data)-8-n : len(data)-8]
	var md pqformat.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), footer, &md); err != nil {
		t.Fatal(err)
	}
	for i := range md.RowGroups {
		md.RowGroups[i].Columns[0].MetaData.Codec = codec
	}
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Clone(data[:len(data)-8-n]), b...)
	out = append(out, byte(len(b)), byte(len(b)>>8), byte(len(b)>>16), byte(len(b)>>24))
	return append(out, "PAR1"...)
}

func TestParquetErrors(t *testing.T) {
	good := parquetOf(t, simpleRows())
	type nested struct {
		Ctx struct {
			Page string `parquet:"page"`
		} `parquet:"ctx"`
		U    string   `parquet:"user_id"`
		E    string   `parquet:"event"`
		TS   int64    `parquet:"timestamp,timestamp(millisecond:utc)"`
		Tags []string `parquet:"tags,list"`
		Geo  []byte   `parquet:"geo,optional,geometry"`
		Tod  int32    `parquet:"tod,time(millisecond)"`
	}
	nest := parquetOf(t, []nested{{U: "u", E: "e", TS: jan1.UnixMilli(), Tags: []string{"a"}}})
	type big struct {
		U  string `parquet:"user_id"`
		E  string `parquet:"event"`
		TS int64  `parquet:"ts,timestamp(microsecond:utc)"`
	}
	far := parquetOf(t, []big{{"u", "e", jan1.UnixMicro()}, {"u", "e", 1 << 62}})
	bad := posthogRows()[:3]
	bad[1].Properties = `{"$browser":"Firefox",`
	badJSON := parquetOf(t, bad)
	empty := parquetOf(t, []simpleRow{})
	for _, tt := range []struct {
		name string
		data []byte
		opts Options
		want string // the whole message, or its start when it ends with …
	}{
		{"truncated footer", good[:len(good)-3], Options{}, "f.parquet: truncated Parquet file: it does not end with the footer (PAR1) that holds its schema; the copy or download was cut short: get the file again"},
		{"cut in the middle", good[:len(good)/2], Options{}, "f.parquet: truncated Parquet file: it does not end with the footer (PAR1) that holds its schema; the copy or download was cut short: get the file again"},
		{"magic only", []byte("PAR1PAR1"), Options{}, "f.parquet: truncated Parquet file (8 bytes; even an empty one has 12 or more): get the file again"},
		{"footer length past the start", append([]byte("PAR1"), "\x00\x00\x00\x00\xff\xff\x00\x00PAR1"...), Options{}, "f.parquet: the Parquet footer is damaged (…"},
		{"footer junk", append(append([]byte("PAR1"), bytes.Repeat([]byte{0xee}, 40)...), "\x20\x00\x00\x00PAR1"...), Options{}, "f.parquet: the Parquet footer is damaged (…"},
		{"codec", withCodec(t, good, pqformat.LZO), Options{}, `f.parquet: column "user_id" is compressed with LZO, which uptake does not read (it reads Snappy, gzip, Brotli, zstd, LZ4_RAW and uncompressed); rewrite the file with zstd or Snappy`},
		{"nested column", nest, Options{UserCol: "ctx"}, `f.parquet: column "ctx" is nested (a group of ctx.page): name one of its fields, as ctx.page`},
		{"list column", nest, Options{Need: Need{UserProps: []string{"tags"}}}, `f.parquet: column "tags" holds a list or map of values, and uptake reads one value per row: name a column of single values`},
		{"list element", nest, Options{Need: Need{UserProps: []string{"tags.list.element"}}}, `f.parquet: column "tags.list.element" holds a list of values (a repeated STRING), and uptake reads one value per row: name a column of single values`},
		{"unsupported type", nest, Options{Need: Need{UserProps: []string{"geo"}}}, `f.parquet: column "geo" is of type GEOMETRY("OGC:CRS84"), which uptake does not read`},
		{"time of day", nest, Options{TimeCol: "tod"}, `f.parquet: column "tod" is a time of day (TIME(isAdjustedToUTC=true,unit=MILLIS)), not a date and time; name the time column with --time-col`},
		{"timestamp out of range", far, Options{}, `f.parquet:row 2: column "ts": "4611686018427387904 microseconds since 1970": 148108-07-06T14:00:27.387904Z is outside the supported time range, 1678-01-01 to 2262-01-01 (UTC)`},
		{"invalid JSON", badJSON, Options{}, `f.parquet:row 2: column "properties": invalid JSON: …`},
		{"no rows", empty, Options{}, "f.parquet: no rows (a Parquet file with a schema and no data)"},
		{"no user column", parquetOf(t, []struct {
			A string `parquet:"a"`
		}{{"x"}}), Options{}, "f.parquet: no user id column found (looked for user_id, userId, distinct_id, customer_id, customer_unique_id, account_id, …; have a); name it with --user-col"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPQ(t, tt.data, tt.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if prefix, ok := strings.CutSuffix(tt.want, "…"); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
				}
			} else if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
	// a nested field is read as one column, named by its path
	d, err := readPQ(t, nest, Options{UserCol: "ctx.page", Need: Need{UserProps: []string{"user_id"}}})
	if err != nil || d.Stats.Files[0].MissingUser != 1 {
		t.Errorf("ctx.page as the user: %v (missing users %+v)", err, d)
	}
	// a bad row is skipped with --on-invalid skip, and its row number given
	d, err = readPQ(t, badJSON, Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Stats.Skipped != 1 || d.Stats.Events != 2 || d.Stats.SkipSamples[0] != `f.parquet:row 2: column "properties": invalid JSON: expected a quoted key, found end of line` {
		t.Errorf("skipped %d events %d samples %q", d.Stats.Skipped, d.Stats.Events, d.Stats.SkipSamples)
	}
}

// Columns are found by name as CSV headers are (case, spaces and
// underscores aside), and the flags name them.
func TestParquetColumnsByName(t *testing.T) {
	type row struct {
		Who   string `parquet:"User ID"`
		What  string `parquet:"EventName"`
		When  string `parquet:"Created At"`
		Other string `parquet:"actor"`
		Kind  string `parquet:"kind"`
		At    int64  `parquet:"at,timestamp(millisecond:utc)"`
	}
	data := parquetOf(t, []row{{"u1", "open", "2024-01-01T00:00:00Z", "a1", "k1", jan1.Add(time.Hour).UnixMilli()},
		{"u2", "close", "2024-01-02T00:00:00Z", "a2", "k2", jan1.Add(2 * time.Hour).UnixMilli()}})
	d, err := readPQ(t, data, Options{Need: Need{AllEvents: true, EventSources: true}})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Stats.Files[0].Mapping
	if m.User.Column() != "User ID" || m.Event.Column() != "EventName" || m.Time.Column() != "Created At" {
		t.Errorf("mapping %+v", m)
	}
	if !slices.Equal(d.EventSources, []string{"f.parquet:row 1", "f.parquet:row 2"}) {
		t.Errorf("sources %q", d.EventSources)
	}
	d, err = readPQ(t, data, Options{UserCol: "actor", EventCol: "kind", TimeCol: "at", Need: Need{AllEvents: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Users, []string{"a1", "a2"}) || !slices.Equal(d.Names, []string{"k1", "k2"}) || d.FirstSeen[0] != jan1.Add(time.Hour).UnixNano() {
		t.Errorf("users %q names %q first %d", d.Users, d.Names, d.FirstSeen)
	}
	_, err = readPQ(t, data, Options{UserCol: "nobody"})
	if err == nil || err.Error() != `f.parquet: no column "nobody" (named with --user-col) (have User ID, EventName, Created At, actor, kind, at)` {
		t.Errorf("got %v", err)
	}
}

// A warehouse's Segment tables unloaded as Parquet are recognised by the
// fingerprint of their columns, as their CSV is.
func TestParquetWarehouseVendor(t *testing.T) {
	type row struct {
		ID         string `parquet:"id"`
		AnonID     string `parquet:"anonymous_id"`
		UserID     string `parquet:"user_id,optional"`
		EventText  string `parquet:"event_text"`
		Timestamp  int64  `parquet:"timestamp,timestamp(millisecond:local)"`
		ReceivedAt int64  `parquet:"received_at,timestamp(millisecond:utc)"`
		UUIDTS     int64  `parquet:"uuid_ts,timestamp(millisecond:utc)"`
	}
	ms := jan1.UnixMilli()
	data := parquetOf(t, []row{{"m1", "a1", "", "Signed Up", ms, ms, ms}, {"m2", "a1", "u1", "Paid", ms + 1000, ms, ms}})
	d, err := readPQ(t, data, Options{AssumeTZ: time.FixedZone("X", 3600)})
	if err != nil {
		t.Fatal(err)
	}
	f := d.Stats.Files[0]
	if f.Vendor != "segment-warehouse" || d.Stats.Naive != 0 || !slices.Equal(d.Users, []string{"u1"}) || d.FirstSeen[0] != jan1.UnixNano() {
		t.Errorf("vendor %q (%s) naive %d users %q first %v: want segment-warehouse, its UTC times, a1 stitched to u1",
			f.Vendor, f.Detected, d.Stats.Naive, d.Users, d.FirstSeen)
	}
}

// LZ4_RAW pages are read, and a damaged one is an error: parquet-go alone
// would retry it with ever larger buffers until memory runs out.
func TestParquetLZ4(t *testing.T) {
	data := parquetOf(t, simpleRows(), parquet.Compression(&parquet.Lz4Raw))
	d, err := readPQ(t, data, Options{Need: Need{UserProps: []string{"plan"}}})
	if err != nil || d.Stats.Events != 3 || d.UserProps["plan"][0] != "pro" {
		t.Fatalf("LZ4_RAW: %v", err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := f.Metadata().RowGroups[0].Columns[0].MetaData
	if md.Codec != pqformat.Lz4Raw {
		t.Fatalf("codec %s", md.Codec)
	}
	bad := bytes.Clone(data)
	start := md.DataPageOffset
	if d := md.DictionaryPageOffset; d > 0 && d < start {
		start = d
	}
	end := start + md.TotalCompressedSize // the last page's block ends here
	for i := end - 6; i < end; i++ {
		bad[i] = 0xff
	}
	_, err = readPQ(t, bad, Options{})
	want := `f.parquet: the Parquet data of column "user_id" is damaged (an LZ4 page does not decompress to its stated size); get the file again`
	if err == nil || err.Error() != want {
		t.Errorf("damaged LZ4 page: got %v, want %s", err, want)
	}
}
