package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wsRecords splits all of data with the whitespace scanner: each record
// as "line: field|field|…".
func wsRecords(data []byte) []string {
	var s wsScanner
	var out []string
	line := 1
	for pos := 0; pos < len(data); {
		fields, next, n, err := s.next(data, pos)
		if err != nil {
			panic(err) // it never fails
		}
		if fields != nil {
			out = append(out, fmt.Sprintf("%d: %s", line, bytes.Join(fields, []byte("|"))))
		}
		pos, line = next, line+n
	}
	return out
}

func TestWhitespaceScanner(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"single spaces", "a b c\n1 2 3\n", []string{"1: a|b|c", "2: 1|2|3"}},
		{"runs of spaces and tabs", "a   b\t\tc \t d\n", []string{"1: a|b|c|d"}},
		{"leading and trailing blanks", "   a b   \n\t1 2\t\n", []string{"1: a|b", "2: 1|2"}},
		{"CRLF", " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n", []string{"1: 00004|0001|19970101|2|29.33", "2: 00004|0001|19970118|2|29.73"}},
		{"blank and empty lines", "\n  \n\t\r\na b\n\n\r\nc d\n", []string{"4: a|b", "7: c|d"}},
		{"no final newline", "a b\nc d", []string{"1: a|b", "2: c|d"}},
		{"quotes are characters", `"a b" "c` + "\n", []string{`1: "a|b"|"c`}},
		{"commas are characters", "a,b c\n", []string{"1: a,b|c"}},
		{"vertical tab and form feed", "a\vb\fc\n", []string{"1: a|b|c"}},
		{"non-ASCII space is data", "a\u00a0b c\n", []string{"1: a\u00a0b|c"}},
		{"lone CR inside a line", "a\rb c\n", []string{"1: a|b|c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, wsRecords([]byte(tt.in))); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

// FuzzWhitespaceScanner holds the scanner to a plain reading of its rules:
// lines cut at \n, each split by bytes.FieldsFunc on the blanks, blank
// lines giving no record, and every newline counted once.
func FuzzWhitespaceScanner(f *testing.F) {
	f.Add([]byte(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"))
	f.Add([]byte("a\tb  c\n\n  \r\n\"x y\" z"))
	f.Add([]byte("\v\f\r\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []string
		for i, l := range bytes.Split(data, []byte("\n")) {
			if fs := bytes.FieldsFunc(l, func(r rune) bool { return r < 0x80 && isBlank(byte(r)) }); len(fs) > 0 {
				want = append(want, fmt.Sprintf("%d: %s", i+1, bytes.Join(fs, []byte("|"))))
			}
		}
		// the same, byte by byte (FieldsFunc decodes UTF-8: a byte
		// ≥ 0x80 is never a blank either way)
		if got := wsRecords(data); !cmp.Equal(want, got) {
			t.Fatalf("(-want +got)\n%s", cmp.Diff(want, got))
		}
		var s wsScanner
		lines, pos := 0, 0
		for pos < len(data) {
			fields, next, n, _ := s.next(data, pos)
			for _, fl := range fields {
				if len(fl) == 0 || bytes.ContainsFunc(fl, func(r rune) bool { return r < 0x80 && isBlank(byte(r)) }) || bytes.IndexByte(fl, '\n') >= 0 {
					t.Fatalf("field %q is empty or holds a blank", fl)
				}
			}
			if next <= pos {
				t.Fatalf("no progress at %d", pos)
			}
			pos, lines = next, lines+n
		}
		if want := bytes.Count(data, []byte("\n")); lines != want {
			t.Fatalf("%d newlines counted, want %d", lines, want)
		}
	})
}

func TestParseDelimiter(t *testing.T) {
	tests := []struct {
		in, want, name string
		err            bool
	}{
		{"", "", "auto", false},
		{"auto", "", "auto", false},
		{",", ",", ",", false},
		{"comma", ",", ",", false},
		{"tab", "\t", "tab", false},
		{"TAB", "\t", "tab", false},
		{"\t", "\t", "tab", false},
		{`\t`, "\t", "tab", false},
		{";", ";", ";", false},
		{"semicolon", ";", ";", false},
		{"|", "|", "|", false},
		{"pipe", "|", "|", false},
		{"whitespace", Whitespace, "whitespace", false},
		{"xx", "", "", true},
		{" ", "", "", true},
		{"space", "", "", true},
		{",;", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseDelimiter(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if !tt.err && DelimiterName(got) != tt.name {
			t.Errorf("DelimiterName(%q) = %q, want %q", got, DelimiterName(got), tt.name)
		}
	}
}

func TestCheckColumns(t *testing.T) {
	tests := []struct {
		cols []string
		want string
	}{
		{[]string{"a", "b", "c"}, ""},
		{nil, ""},
		{[]string{"a", "", "c"}, "column 2 has no name (every column needs one)"},
		{[]string{"a", "  "}, "column 2 has no name (every column needs one)"},
		{[]string{"a", "b", "a"}, `"a" names columns 1 and 3 (each name once)`},
		{[]string{"a", "\xff"}, "column 2: the name is not valid UTF-8"},
	}
	for _, tt := range tests {
		err := CheckColumns(tt.cols)
		if got := fmt.Sprint(err); (err == nil) != (tt.want == "") || (err != nil && got != tt.want) {
			t.Errorf("CheckColumns(%q) = %v, want %q", tt.cols, err, tt.want)
		}
	}
}

// cdnowRows are three CDNOW purchases as the data set writes them: no
// header, leading blanks, runs of spaces, CRLF.
const cdnowRows = " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 00018 0002 19970101  2   29.33\r\n"

var cdnowCols = []string{"orig_id", "customer_id", "date", "cds", "amount"}

// Whitespace-separated and headerless text: the events read, the file's
// description, and every error naming its line.
func TestReadWhitespaceAndHeaderless(t *testing.T) {
	ws := func(o Options) Options { o.Delimiter = Whitespace; return o }
	purchases := Options{EventName: "purchase", Need: Need{AllEvents: true}}
	tests := []struct {
		name, data string
		opts       Options
		want       []string // events, or
		err        string   // the error
		format     string   // FileStats: format and delimiter
		delim      string
	}{{
		name: "header, runs of spaces and tabs",
		data: "  user_id   event\ttimestamp  \n  u1  signup \t 2024-03-01T10:00:00Z\n\tu2\t\tlogin   2024-03-02T10:00:00Z   \n",
		opts: ws(keepAll), want: []string{"u1 signup 2024-03-01T10:00:00Z", "u2 login 2024-03-02T10:00:00Z"}, format: "whitespace", delim: Whitespace,
	}, {
		name: "CRLF, blank lines, no final newline",
		data: "\r\nuser_id event timestamp\r\n\r\n   \r\nu1 signup 2024-03-01\r\n\r\nu2 login 2024-03-02",
		opts: ws(keepAll), want: []string{"u1 signup 2024-03-01T00:00:00Z", "u2 login 2024-03-02T00:00:00Z"}, format: "whitespace", delim: Whitespace,
	}, {
		name: "CDNOW: headerless, leading spaces, CRLF, YYYYMMDD",
		data: cdnowRows, opts: ws(Options{EventName: "purchase", Columns: cdnowCols, Need: Need{AllEvents: true}}),
		want: []string{"0001 purchase 1997-01-01T00:00:00Z", "0001 purchase 1997-01-18T00:00:00Z", "0002 purchase 1997-01-01T00:00:00Z"}, format: "whitespace", delim: Whitespace,
	}, {
		name: "headerless CSV: line 1 is data",
		data: "u1,signup,2024-03-01\nu2,login,2024-03-02\n", opts: Options{Columns: []string{"user_id", "event", "time"}, Need: Need{AllEvents: true}},
		want: []string{"u1 signup 2024-03-01T00:00:00Z", "u2 login 2024-03-02T00:00:00Z"}, format: "csv", delim: ",",
	}, {
		name: "--delimiter overrides the sniffed separator",
		data: "user_id|event|timestamp|a,b,c,d\nu1|signup|2024-03-01|x,y\n", opts: func() Options { o := keepAll; o.Delimiter = "|"; return o }(),
		want: []string{"u1 signup 2024-03-01T00:00:00Z"}, format: "csv", delim: "|",
	}, {
		name: "--delimiter tab makes TSV",
		data: "user_id\tevent\ttimestamp\ta,b,c,d\nu1\tsignup\t2024-03-01\tx,y\n", opts: Options{Delimiter: "\t", Need: Need{AllEvents: true}},
		want: []string{"u1 signup 2024-03-01T00:00:00Z"}, format: "tsv", delim: "\t",
	}, {
		name: "field count, with a header",
		data: "user_id event timestamp\nu1 e 2024-03-01\n\nu2 e\n", opts: ws(keepAll),
		err: "f:4: has 2 fields, the header has 3",
	}, {
		name: "field count, headerless",
		data: cdnowRows + "\r\n 00018 0002 19970102  2\r\n", opts: ws(Options{EventName: "purchase", Columns: cdnowCols}),
		err: "f:5: has 4 fields, --columns names 5",
	}, {
		name: "one field, headerless",
		data: "u1,e,2024-03-01\nu2\n", opts: Options{Columns: []string{"user_id", "event", "time"}},
		err: "f:2: has 1 field, --columns names 3",
	}, {
		name: "headerless: a bad time names its line",
		data: "\nu1 e 2024-03-01\n\n  \nu2 e 2024-13-01\n", opts: ws(Options{Columns: []string{"user_id", "event", "time"}}),
		err: `f:5: column "time": "2024-13-01" is not a timestamp`,
	}, {
		name: "headerless: the first line can be bad",
		data: "u1 e yesterday\n", opts: ws(Options{Columns: []string{"user_id", "event", "time"}}),
		err: `f:1: column "time": "yesterday" is not a timestamp`,
	}, {
		name: "headerless: a header row after all",
		data: "user_id event time\nu1 e 2024-03-01\n", opts: ws(Options{Columns: []string{"user_id", "event", "time"}}),
		err: "f:1: this row is the --columns names: the file has a header row after all? leave out --header none and --columns",
	}, {
		name: "headerless: empty file",
		data: " \r\n\n", opts: ws(Options{Columns: []string{"user_id", "event", "time"}}),
		err: "f: empty file: expected events",
	}, {
		name: "headerless: columns still mapped by name",
		data: "u1 e 2024-03-01\n", opts: ws(Options{Columns: []string{"who", "event", "time"}}),
		err: "f: no user id column found (looked for user_id, userId, distinct_id, customer_id, customer_unique_id, account_id, …; have who, event, time); name it with --user-col",
	}, {
		name: "spaces but no --delimiter: a hint",
		data: cdnowRows, opts: purchases,
		err: "f: no user id column found (looked for user_id, userId, distinct_id, customer_id, customer_unique_id, account_id, …; have 00004 0001 19970101  2   29.33); name it with --user-col; the first line is one column with blanks in it: when spaces separate the fields, give --delimiter whitespace (and --header none --columns a,b,c when that line is data)",
	}, {
		name: "the wrong --delimiter: a hint",
		data: "user_id,event,timestamp\nu1,e,2024-03-01\n", opts: Options{Delimiter: ";"},
		err: `f: no user id column found (looked for user_id, userId, distinct_id, customer_id, customer_unique_id, account_id, …; have user_id,event,timestamp); name it with --user-col; the first line is one column when split on --delimiter ";": is that the file's separator?`,
	}, {
		name: "--delimiter on JSON lines",
		data: `{"user_id":"u1","event":"e","timestamp":"2024-03-01"}` + "\n", opts: Options{Delimiter: "\t"},
		err: "f: --delimiter tab: this is JSON, which has no delimiter; leave --delimiter out for it",
	}, {
		name: "--delimiter on a JSON document",
		data: `[{"user_id":"u1","event":"e","timestamp":"2024-03-01"}]`, opts: ws(Options{}),
		err: "f: --delimiter whitespace: this is JSON, which has no delimiter; leave --delimiter out for it",
	}, {
		name: "--columns on JSON",
		data: `{"user_id":"u1","event":"e","timestamp":"2024-03-01"}` + "\n", opts: Options{Columns: []string{"a"}},
		err: "f: --header none: this is JSON, whose records name their own fields; leave --header and --columns out for it",
	}, {
		name: "duplicate --columns",
		data: "u1 e 2024-03-01\n", opts: ws(Options{Columns: []string{"user_id", "event", "user_id"}}),
		err: `--columns: "user_id" names columns 1 and 3 (each name once)`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := readText(t, "f", tt.data, tt.opts)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error\n got: %v\nwant: %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, events(d)); diff != "" {
				t.Errorf("events (-want +got)\n%s", diff)
			}
			fs := d.Stats.Files[0]
			if fs.Format != tt.format || fs.Delimiter != tt.delim || fs.NoHeader != (len(tt.opts.Columns) > 0) {
				t.Errorf("format %q, delimiter %q, no header %v; want %q, %q, %v", fs.Format, fs.Delimiter, fs.NoHeader, tt.format, tt.delim, len(tt.opts.Columns) > 0)
			}
			if fs.Rows != int64(len(tt.want)) {
				t.Errorf("%d rows, want %d", fs.Rows, len(tt.want))
			}
		})
	}
}

// Skipped rows of whitespace text name their lines, headerless too.
func TestReadWhitespaceSkip(t *testing.T) {
	data := "u1 e 2024-03-01\r\nu2 e\r\n\r\nu3 e bad\r\nu4 e 2024-03-04 x\r\nu5 e 2024-03-05"
	d := mustRead(t, "w.txt", data, Options{Delimiter: Whitespace, Columns: []string{"user_id", "event", "time"}, SkipInvalid: true, Need: Need{AllEvents: true}})
	want := []string{"w.txt:2: has 2 fields, --columns names 3", `w.txt:4: column "time": "bad" is not a timestamp`, "w.txt:5: has 4 fields, --columns names 3"}
	if diff := cmp.Diff(want, d.Stats.SkipSamples); diff != "" {
		t.Errorf("skip messages (-want +got)\n%s", diff)
	}
	if d.Stats.Rows != 5 || d.Stats.Events != 2 || d.Stats.Skipped != 3 || d.Stats.SkippedLines != 3 {
		t.Errorf("counts %+v", d.Stats.Counts)
	}
}

// Whitespace text read in tiny chunks on several workers gives exactly the
// sequential result, and a bad row's line.
func TestReadWhitespaceChunking(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "%s u%d%s e%d \"q %d\r\n", strings.Repeat(" ", i%3), i%89, strings.Repeat("\t", 1+i%2), i%4, 1709000000+i)
		if i%13 == 0 {
			b.WriteString("  \r\n")
		}
	}
	data := b.String()
	opts := func(workers int) Options {
		return Options{Workers: workers, Delimiter: Whitespace, Columns: []string{"user_id", "event", "note", "time"},
			Need: Need{AllEvents: true, EventProps: []string{"note"}}}
	}
	ref := mustRead(t, "w", data, opts(1))
	if ref.Stats.Events != 2000 || ref.EventProps["note"][0] != `"q` {
		t.Fatalf("%d events, note %q", ref.Stats.Events, ref.EventProps["note"][0])
	}
	old := chunkSize
	defer func() { chunkSize = old }()
	for _, size := range []int{16, 100, 1000} {
		chunkSize = size
		if diff := cmp.Diff(ref, mustRead(t, "w", data, opts(4))); diff != "" {
			t.Fatalf("chunk size %d differs from sequential (-seq +par)\n%s", size, diff)
		}
	}
	chunkSize = 100
	bad := strings.Replace(data, "1709001500", "oops", 1)
	line := 1 + strings.Count(bad[:strings.Index(bad, "oops")], "\n")
	_, err := readText(t, "w", bad, opts(3))
	if want := fmt.Sprintf(`w:%d: column "time": "oops" is not a timestamp`, line); err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// FuzzReadWhitespaceChunking: whitespace text, headerless or not, read in
// 64-byte chunks on 4 workers gives what one worker reading it whole gives.
func FuzzReadWhitespaceChunking(f *testing.F) {
	f.Add([]byte(cdnowRows), true, false)
	f.Add([]byte("user_id event time\n u1 a 2024-01-01\r\n\n u2  b\tbad\n"), false, true)
	f.Fuzz(func(t *testing.T, data []byte, headerless, skip bool) {
		o := Options{Delimiter: Whitespace, EventName: "e", SkipInvalid: skip, Need: Need{AllEvents: true}}
		if headerless {
			o.Columns = cdnowCols
		} else {
			o.UserCol, o.TimeCol = "customer_id", "date"
		}
		read := func(size, workers int) (*Dataset, error) {
			old := chunkSize
			defer func() { chunkSize = old }()
			chunkSize = size
			o.Workers = workers
			return Read([]Input{BytesInput("f", data)}, o)
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
