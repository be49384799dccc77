package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostile are values an export may carry, with what a terminal must show.
var hostile = []struct{ in, safe string }{
	{"\x1b]0;title\x07", `\x1b]0;title\x07`}, // retitles the terminal
	{"\x1b[2J", `\x1b[2J`},                   // clears it
	{"a\nb", `a\nb`},                         // forges a row
	{"a\rb", `a\rb`},                         // rewrites the line
	{"\x00", `\x00`},
	{"\tx", `\tx`},
	{"del\x7f", `del\x7f`},
	{"csi\u009b2J", `csi\u009b2J`},         // C1 control, as UTF-8
	{"bad\xff\xfeutf8", `bad\xff\xfeutf8`}, // bytes that are not UTF-8
	{"ab\u202ecd", `ab\u202ecd`},           // right-to-left override
	{"line\u2028sep", `line\u2028sep`},
	{"héllo ✓ \ufffd", "héllo ✓ \ufffd"}, // printable text stays
	{`C:\data\x.csv`, `C:\data\x.csv`},   // so do backslashes
	{"=HYPERLINK(\"http://x\")", "=HYPERLINK(\"http://x\")"},
}

func TestSafe(t *testing.T) {
	for _, tt := range hostile {
		if got := Safe(tt.in); got != tt.safe {
			t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.safe)
		}
	}
	if got, want := SafeLayout("unknown\n\n\tinspect\x1b[2J\r"), "unknown\n\n\tinspect\\x1b[2J\\r"; got != want {
		t.Errorf("SafeLayout = %q, want %q", got, want)
	}
}

// controlFree fails when out holds a control byte other than a newline
// (tables end their lines) or any byte that is not UTF-8.
func controlFree(t *testing.T, sink string, out []byte) {
	t.Helper()
	for i, c := range out {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Errorf("%s: raw control byte %#x at %d in\n%q", sink, c, i, out)
			return
		}
	}
	if !utf8.Valid(out) {
		t.Errorf("%s: output is not UTF-8: %q", sink, out)
	}
	for _, r := range string(out) {
		if (r >= 0x80 && r < 0xa0) || hidden(r) {
			t.Errorf("%s: raw %U in %q", sink, r, out)
			return
		}
	}
}

// hostileDoc carries every hostile value in each place text is written:
// titles, summary, header, cells, notes.
func hostileDoc() Doc {
	d := Doc{Title: "title \x1b[2J", Notes: []string{"note \x07"}}
	for _, h := range hostile {
		d.Add("label"+h.in, "value"+h.in)
	}
	t := Table{Title: "table\r", Columns: []Column{{Key: "event\n"}, {Key: "users", Kind: Int}}}
	for _, h := range hostile {
		t.Rows = append(t.Rows, []any{h.in, -2})
	}
	d.Tables = []Table{t}
	return d
}

func TestTextEscapesEveryControl(t *testing.T) {
	for _, tty := range []bool{false, true} {
		var b bytes.Buffer
		if err := Write(&b, hostileDoc(), FormatTable, Options{TTY: tty}); err != nil {
			t.Fatal(err)
		}
		controlFree(t, "table", b.Bytes())
		for _, h := range hostile {
			if !bytes.Contains(b.Bytes(), []byte(h.safe)) {
				t.Errorf("tty=%v: no %q in\n%s", tty, h.safe, b.String())
			}
		}
	}
	// one row per value: a newline in a cell forges no row
	var b bytes.Buffer
	doc := Doc{Tables: []Table{{Columns: []Column{{Key: "event"}, {Key: "n", Kind: Int}}, Rows: [][]any{{"a\nfake  999", 1}}}}}
	if err := Write(&b, doc, FormatTable, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "\nevent         n\na\\nfake  999  1\n"; b.String() != want {
		t.Errorf("plain table %q, want %q", b.String(), want)
	}
}

func TestWarnEscapes(t *testing.T) {
	for _, h := range hostile {
		got := Warn(Warning{Code: "skipped_rows", Message: "first: " + h.in}, false)
		if want := "warning: first: " + h.safe + " [skipped_rows]"; got != want {
			t.Errorf("Warn(%q) = %q, want %q", h.in, got, want)
		}
	}
	// the colour is the program's own and survives
	if got := Warn(Warning{Code: "c", Message: "\x1b[2J"}, true); got != "\x1b[33mwarning: \x1b[0m\\x1b[2J [c]" {
		t.Errorf("coloured warning %q", got)
	}
}

func TestCSVDefusesTextCells(t *testing.T) {
	half := -0.5
	doc := Doc{Tables: []Table{{Columns: []Column{{Key: "segment"}, {Key: "n", Kind: Int}, {Key: "delta", Kind: Float}}, Rows: [][]any{
		{"=HYPERLINK(\"http://x\")", -2, -1.5},
		{"+1", int64(-3), &half},
		{"-2", 0, Heat{Value: &half}},
		{"@SUM(A1)", 1, 2.0},
		{"\tx", 1, 2.0},
		{"a\rb", 1, 2.0},
		{"\rb", 1, 2.0},
		{"plain - text", 1, 2.0},
		{"", 1, 2.0},
		{"'quoted", 1, nil},
	}}}}
	for _, tt := range []struct {
		raw  bool
		want string
	}{
		{false, "segment,n,delta\n" +
			"\"'=HYPERLINK(\"\"http://x\"\")\",-2,-1.5\n" +
			"'+1,-3,-0.5\n" +
			"'-2,0,-0.5\n" +
			"'@SUM(A1),1,2\n" +
			"\\tx,1,2\n" + // escaped, so no longer a formula's start
			"a\\rb,1,2\n" +
			"\\rb,1,2\n" +
			"plain - text,1,2\n" +
			",1,2\n" +
			"'quoted,1,\n"},
		{true, "segment,n,delta\n" +
			"\"=HYPERLINK(\"\"http://x\"\")\",-2,-1.5\n" +
			"+1,-3,-0.5\n" +
			"-2,0,-0.5\n" +
			"@SUM(A1),1,2\n" +
			"\"\tx\",1,2\n" +
			"\"a\rb\",1,2\n" +
			"\"\rb\",1,2\n" +
			"plain - text,1,2\n" +
			",1,2\n" +
			"'quoted,1,\n"},
	} {
		var b bytes.Buffer
		if err := Write(&b, doc, FormatCSV, Options{CSVRaw: tt.raw}); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("raw=%v:\n%q\nwant\n%q", tt.raw, b.String(), tt.want)
		}
	}
}

func TestMarkdownShowsText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"![i](http://x/t.png)", `!\[i\](http://x/t.png)`},
		{"[x]: javascript:alert(1)", `\[x\]: javascript:alert(1)`},
		{"a|b", `a\|b`},
		{`a\|b`, `a\\\|b`}, // the pipe stays escaped
		{"a\nb", `a\\nb`},  // renders as a\nb
		{"\x1b[2J", `\\x1b\[2J`},
		{"AT&T &lt;", "AT&amp;T &amp;lt;"},
		{"*bold* _em_ `code` ~~s~~", "\\*bold\\* \\_em\\_ \\`code\\` \\~\\~s\\~\\~"},
		{"onboarding_started", "onboarding_started"}, // no emphasis inside a word
		{"__init__", `\_\_init\_\_`},
		{"plain 45.0%", "plain 45.0%"},
	} {
		if got := mdSafe(tt.in); got != tt.want {
			t.Errorf("mdSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var b bytes.Buffer
	if err := Write(&b, hostileDoc(), FormatMarkdown, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	controlFree(t, "markdown", b.Bytes())
	// every table line has the header's cell count: a value forges no cell or row
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if strings.HasPrefix(line, "|") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 3 {
				t.Errorf("%d cell separators in %q", n, line)
			}
		}
	}
}

// writeCounter counts the calls to Write.
type writeCounter struct {
	bytes.Buffer
	calls int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

// Every format is written whole with one call, however long: a failure
// while rendering leaves nothing on stdout.
func TestWriteIsOneCall(t *testing.T) {
	doc := hostileDoc()
	for i := 0; i < 2000; i++ { // well past csv.Writer's 4 KiB buffer
		doc.Tables[0].Rows = append(doc.Tables[0].Rows, []any{"event", i})
	}
	for _, f := range []Format{FormatTable, FormatCSV, FormatMarkdown} {
		var w writeCounter
		if err := Write(&w, doc, f, Options{TZ: time.UTC}); err != nil {
			t.Fatal(err)
		}
		if w.calls != 1 {
			t.Errorf("%s: %d writes, want 1", f, w.calls)
		}
	}
	var w writeCounter
	if err := WriteJSON(&w, Envelope{Result: doc}); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 {
		t.Errorf("json: %d writes, want 1", w.calls)
	}
}
