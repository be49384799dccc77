package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// records splits all of data with the scanner.
func records(data []byte, sep byte) ([][]string, error) {
	s := csvScanner{sep: sep}
	var out [][]string
	for pos := 0; pos < len(data); {
		fields, next, _, err := s.next(data, pos)
		if err != nil {
			return out, err
		}
		pos = next
		if fields == nil {
			continue
		}
		var rec []string
		for _, f := range fields {
			rec = append(rec, string(f))
		}
		out = append(out, rec)
	}
	return out, nil
}

func TestCSVScanner(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
		err  error
	}{
		{"plain", "a,b,c\n1,2,3\n", [][]string{{"a", "b", "c"}, {"1", "2", "3"}}, nil},
		{"crlf", "a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}, nil},
		{"no final newline", "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}, nil},
		{"empty fields", ",,\n", [][]string{{"", "", ""}}, nil},
		{"blank lines skipped", "a\n\n\r\nb\n", [][]string{{"a"}, {"b"}}, nil},
		{"quoted sep", `a,"b,c",d` + "\n", [][]string{{"a", "b,c", "d"}}, nil},
		{"escaped quote", `"say ""hi""",x` + "\n", [][]string{{`say "hi"`, "x"}}, nil},
		{"embedded newline", "\"line1\nline2\",x\n", [][]string{{"line1\nline2", "x"}}, nil},
		{"quoted crlf end", "\"a\",\"b\"\r\n", [][]string{{"a", "b"}}, nil},
		{"empty quoted", `"",x` + "\n", [][]string{{"", "x"}}, nil},
		{"unterminated", "\"abc\n", nil, errUnterminated},
		{"bare quote", "ab\"c,d\n", nil, errBareQuote},
		{"junk after quote", "\"ab\"c,d\n", nil, errQuoteEnd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := records([]byte(tt.in), ',')
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err == nil {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("(-want +got)\n%s", d)
				}
			}
		})
	}
}

func TestCSVScannerLineCount(t *testing.T) {
	data := []byte("a,b\n\"x\ny\",z\n\nq,r\n")
	s := csvScanner{sep: ','}
	line := 1
	var starts []int
	for pos := 0; pos < len(data); {
		fields, next, n, err := s.next(data, pos)
		if err != nil {
			t.Fatal(err)
		}
		if fields != nil {
			starts = append(starts, line)
		}
		pos, line = next, line+n
	}
	if want := []int{1, 2, 5}; !slices.Equal(starts, want) {
		t.Errorf("record start lines %v, want %v", starts, want)
	}
}

func TestCSVBoundary(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"a,b\nc,d\ne", 8},
		{"a,b\n\"c\nd\",e", 4}, // the last newline is inside quotes
		{"a,\"b\nc\"\nd", 8},   // after the quoted field closes
		{"\"x\"\"y\",z\nw", 9}, // escaped quotes keep parity
		{"no newline", -1},
		{"\"open\nstill open\n", -1}, // every newline inside quotes
		{"a\"b\nc\"d\ne", 8},         // bare quotes end their records at the line end
		{"\"x\"junk\ny\n", 10},       // junk after a closing quote ends that record at its line end; y follows
		{"\"x\"", -1},                // a closing quote at the buffer end may still be "" or a close
		{"a,\"\"\"\"\n", 7},          // an escaped quote only
		{"\"x\"\rjunk\ny\n", 11},     // a \r not before \n after a closing quote is junk too
		{"a\n\"x\"\r", 2},            // a \r at the buffer end may still be \r\n
	}
	for _, tt := range tests {
		if got := csvBoundary([]byte(tt.in), ','); got != tt.want {
			t.Errorf("csvBoundary(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// scannerBoundary is csvBoundary by definition: walk the records with the
// scanner; a record is complete when the scanner ends it at a newline of
// buf. One that stops at the end of buf (no newline yet, a closing quote
// that may be half of "", a trailing \r) or whose quoted field is still open
// may go on in the next read.
func scannerBoundary(buf []byte, sep byte) int {
	sc := csvScanner{sep: sep}
	last := -1
	for pos := 0; pos < len(buf); {
		_, next, _, err := sc.next(buf, pos)
		if err == errUnterminated || buf[next-1] != '\n' {
			break
		}
		pos, last = next, next
	}
	return last
}

// FuzzCSVBoundary holds the fast boundary walk to the scanner's own reading
// of where records end. Run: go test -fuzz FuzzCSVBoundary ./ingest
func FuzzCSVBoundary(f *testing.F) {
	for _, s := range []string{"a,b\n\"c\nd\",e", "\"x\"\rjunk\ny\n", "a\"b\nc\n", "\"x\"\"y\",z\nw", "\"open\n", "a\n\"x\"\r"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, buf []byte, tab bool) {
		sep := byte(',')
		if tab {
			sep = '\t'
		}
		if got, want := csvBoundary(buf, sep), scannerBoundary(buf, sep); got != want {
			t.Fatalf("csvBoundary(%q) = %d, the scanner ends its last whole record at %d", buf, got, want)
		}
	})
}

// FuzzCSV checks the scanner against encoding/csv on every input both
// accept (inputs without \r, which encoding/csv rewrites inside quotes), and
// that any input is handled without a panic. Run: go test -fuzz FuzzCSV ./ingest
func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"a,b\",c\n", "\"x\"\"y\"\n", "\"l1\nl2\",z\n", ",,\n\n", "a\"b\n", "\"open\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := records(data, ',')
		if bytes.IndexByte(data, '\r') >= 0 {
			return
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		var want [][]string
		var werr error
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				werr = err
				break
			}
			want = append(want, rec)
		}
		if werr != nil || err != nil {
			return // both reject, or one is stricter: not compared
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("records differ from encoding/csv for %q (-want +got)\n%s", data, d)
		}
	})
}
