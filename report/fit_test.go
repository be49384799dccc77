package report

import (
	"bytes"
	"strings"
	"testing"
)

// series is a table of n rows, day i with value i.
func series(n int, fit Fit) Table {
	t := Table{Columns: []Column{{Key: "day", Kind: Int}, {Key: "value", Kind: Int}}, Fit: fit}
	for i := 1; i <= n; i++ {
		t.Rows = append(t.Rows, []any{i, int64(i)})
	}
	return t
}

func text(t *testing.T, doc Doc, f Format, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, doc, f, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestFitTail(t *testing.T) {
	doc := Doc{Tables: []Table{series(8, Fit{Tail: 3, Spark: 1})}}
	// 8 values 1..8 over levels ▁..█: value v is level v-1
	want := "\nvalue 1…8, 1 to 8: ▁▂▃▄▅▆▇█\nday  value\n6    6\n7    7\n8    8\nthe first 5 of 8 rows are not shown (--all shows them)\n"
	if got := text(t, doc, FormatTable, Options{}); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// --all, Markdown and CSV show every row
	if got := text(t, doc, FormatTable, Options{All: true}); strings.Count(got, "\n") != 10 || strings.Contains(got, "not shown") {
		t.Errorf("--all:\n%s", got)
	}
	if got := text(t, doc, FormatMarkdown, Options{}); strings.Count(got, "\n") != 11 || strings.Contains(got, "▁") {
		t.Errorf("markdown:\n%s", got)
	}
	if got := text(t, Doc{CSV: &doc.Tables[0]}, FormatCSV, Options{}); strings.Count(got, "\n") != 9 {
		t.Errorf("csv:\n%s", got)
	}
	// no more rows than the tail: nothing changes
	short := Doc{Tables: []Table{series(3, Fit{Tail: 3, Spark: 1})}}
	if got := text(t, short, FormatTable, Options{}); got != "\nday  value\n1    1\n2    2\n3    3\n" {
		t.Errorf("short: %q", got)
	}
}

// A ranking shows its first Head rows, and says how many it left out.
func TestFitHead(t *testing.T) {
	doc := Doc{Tables: []Table{series(5, Fit{Head: 2})}}
	want := "\nday  value\n1    1\n2    2\nthe last 3 of 5 rows are not shown (--all shows them)\n"
	if got := text(t, doc, FormatTable, Options{}); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := text(t, doc, FormatTable, Options{All: true}); strings.Count(got, "\n") != 7 || strings.Contains(got, "not shown") {
		t.Errorf("--all:\n%s", got)
	}
	if got := text(t, doc, FormatMarkdown, Options{}); strings.Contains(got, "not shown") {
		t.Errorf("markdown is never shortened:\n%s", got)
	}
	exact := Doc{Tables: []Table{series(2, Fit{Head: 2})}}
	if got := text(t, exact, FormatTable, Options{}); got != "\nday  value\n1    1\n2    2\n" {
		t.Errorf("exactly Head rows: %q", got)
	}
}

// A sparkline longer than the width averages rows in buckets.
func TestSparkBuckets(t *testing.T) {
	tb := series(40, Fit{})
	// the label "value 1…40, 1 to 40: " is 21 wide: 10 characters of room
	// (the least) at width 25, so 4 rows a character: means 2.5, 6.5, …, 38.5
	// at levels ⌊(mean-1)/39·7⌋ = 0 0 1 2 3 3 4 5 6 6
	got := spark(tb, 1, 25)
	if want := "value 1…40, 1 to 40: ▁▁▂▃▄▄▅▆▇▇"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFitColumns(t *testing.T) {
	tb := Table{Columns: []Column{{Key: "cohort"}, {Key: "0"}, {Key: "1"}, {Key: "2"}, {Key: "3"}}, Fit: Fit{Keep: 2},
		Rows: [][]any{{"2024-01", "aaaa", "bbbb", "cccc", "dddd"}}}
	doc := Doc{Tables: []Table{tb}}
	// "2024-01  aaaa  bbbb" is 19 wide; one more column makes 25
	want := "\ncohort   0     1\n2024-01  aaaa  bbbb\ncolumns 2 to 3 are not shown to fit 20 columns (--all shows them)\n"
	if got := text(t, doc, FormatTable, Options{Width: 20}); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// never below Keep
	if got := text(t, doc, FormatTable, Options{Width: 5}); !strings.Contains(got, "2024-01  aaaa\n") || !strings.Contains(got, "columns 1 to 3") {
		t.Errorf("width 5:\n%s", got)
	}
	// the default width holds it whole; so does --all
	for _, o := range []Options{{}, {Width: 20, All: true}} {
		if got := text(t, doc, FormatTable, o); !strings.Contains(got, "dddd") || strings.Contains(got, "not shown") {
			t.Errorf("%+v:\n%s", o, got)
		}
	}
}
