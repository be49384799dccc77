package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestHumanFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for s, want := range map[float64]string{0: "0s", 59.4: "59s", 750: "12m30s", 3*3600 + 5*60: "3h05m", 2*86400 + 4*3600: "2d04h", -90: "-1m30s", math.NaN(): "–"} {
		if got := HumanDuration(s); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", s, got, want)
		}
	}
	for f, want := range map[float64]string{0: "0.00", 12.5: "12.50", 1234567.891: "1,234,567.89", -1234.5: "-1,234.50", -0.001: "0.00", 999.999: "1,000.00", math.Inf(1): "–", 1e20: "100,000,000,000,000,000,000.00"} {
		if got := MoneyText(f); got != want {
			t.Errorf("MoneyText(%v) = %q, want %q", f, got, want)
		}
	}
	if got := Pct(0.75); got != "75.0%" {
		t.Errorf("Pct(0.75) = %q", got)
	}
}

func sample() Doc {
	half := 0.5
	return Doc{
		Title:   "Title",
		Summary: [][2]string{{"rows", "3"}},
		Tables: []Table{{Title: "T", Columns: []Column{
			{Key: "name", Header: "name"}, {Key: "users", Kind: Int}, {Key: "rate", Kind: Percent},
			{Key: "ttv_seconds", Header: "ttv", Kind: Duration}, {Key: "at", Kind: Time},
		}, Rows: [][]any{
			{"a|b", int64(12345), &half, 3725.0, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
			{"c", 7, (*float64)(nil), nil, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)},
		}}},
	}
}

func TestWriteCSVKeepsRawValues(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), FormatCSV, Options{}); err != nil {
		t.Fatal(err)
	}
	want := "name,users,rate,ttv_seconds,at\na|b,12345,0.5,3725,2024-03-01T10:00:00Z\nc,7,,,2024-03-02T00:00:00Z\n"
	if b.String() != want {
		t.Errorf("csv\n%s\nwant\n%s", b.String(), want)
	}
}

// TestWriteCSVOneColumnPerName: a CSV is read by column name, so a table
// with a name twice (onboarding's cohort censored and its starters'
// censored once were) is an error, with nothing written.
func TestWriteCSVOneColumnPerName(t *testing.T) {
	d := sample()
	d.Tables[0].Columns[3].Key = "users"
	var b bytes.Buffer
	err := Write(&b, d, FormatCSV, Options{})
	if err == nil || !strings.Contains(err.Error(), `two columns named "users"`) || b.Len() != 0 {
		t.Errorf("err %v, output %q; want the duplicate named and nothing written", err, b.String())
	}
}

func TestWriteHuman(t *testing.T) {
	var b bytes.Buffer
	ny, _ := time.LoadLocation("America/New_York")
	if err := Write(&b, sample(), FormatTable, Options{TZ: ny}); err != nil {
		t.Fatal(err)
	}
	want := "Title\n  rows:  3\n\nT\nname  users   rate   ttv    at\na|b   12,345  50.0%  1h02m  2024-03-01T05:00:00-05:00\nc     7       –      –      2024-03-01T19:00:00-05:00\n"
	if b.String() != want {
		t.Errorf("plain table\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := Write(&b, sample(), FormatMarkdown, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(`| a\|b `)) || !bytes.Contains(b.Bytes(), []byte("## Title")) || !bytes.Contains(b.Bytes(), []byte("---:|")) {
		t.Errorf("markdown:\n%s", b.String())
	}
	b.Reset()
	if err := Write(&b, sample(), FormatTable, Options{TTY: true, Color: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("\x1b[1mTitle\x1b[0m")) || !bytes.Contains(b.Bytes(), []byte("│")) {
		t.Errorf("tty table lacks colour or borders:\n%s", b.String())
	}
}

func TestWriteJSONEmptyWarnings(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, Envelope{Metric: "m", Result: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(`"warnings": []`)) {
		t.Errorf("warnings not []:\n%s", b.String())
	}
}

func TestFloatText(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		d    int
		want string
	}{{2089.44, 1, "2,089.4"}, {-0.04, 1, "0.0"}, {-1234.5, 1, "-1,234.5"}, {1653.39, 0, "1,653.4"}, {1e6, 3, "1,000,000.000"}} {
		if got := FloatText(tt.f, tt.d); got != tt.want {
			t.Errorf("FloatText(%v, %d) = %q, want %q", tt.f, tt.d, got, tt.want)
		}
	}
}
