package report

// Long tables on a terminal: a daily series of 212 rows or a retention
// triangle of 13 offsets is unreadable once it wraps, so the text format
// shows what fits and says what it left out (--all shows everything).
// CSV, JSON and Markdown are never shortened.

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/mattn/go-runewidth"
)

// DefaultWidth is the line width when the output is not a terminal (or
// its width is unknown).
const DefaultWidth = 100

// Fit says how a table may be shortened for people.
type Fit struct {
	// Keep > 0 lets the columns after the first Keep be dropped, from the
	// right, until the table fits the width.
	Keep int
	// Tail > 0 shows only the last Tail rows, after a sparkline of column
	// Spark over every row.
	Tail  int
	Spark int
	// Head > 0 shows only the first Head rows (the top of a ranking).
	Head int
}

// shorten cuts t to fit o (unless o.All) and returns the lines to print
// above it (the sparkline) and below it (what was left out).
func shorten(t Table, o Options) (Table, []string, []string) {
	if o.All {
		return t, nil, nil
	}
	width := o.Width
	if width <= 0 {
		width = DefaultWidth
	}
	var above, below []string
	if f := t.Fit; f.Tail > 0 && len(t.Rows) > f.Tail {
		cut := len(t.Rows) - f.Tail
		above = append(above, spark(t, f.Spark, width))
		below = append(below, fmt.Sprintf("the first %d of %d rows are not shown (--all shows them)", cut, len(t.Rows)))
		t.Rows = t.Rows[cut:]
	}
	if f := t.Fit; f.Head > 0 && len(t.Rows) > f.Head {
		below = append(below, fmt.Sprintf("the last %d of %d rows are not shown (--all shows them)", len(t.Rows)-f.Head, len(t.Rows)))
		t.Rows = t.Rows[:f.Head]
	}
	if k := t.Fit.Keep; k > 0 && k < len(t.Columns) {
		n := len(t.Columns)
		for n > k && drawnWidth(t, n, o) > width {
			n--
		}
		if n < len(t.Columns) {
			below = append(below, fmt.Sprintf("columns %s to %s are not shown to fit %d columns (--all shows them)",
				header(t.Columns[n]), header(t.Columns[len(t.Columns)-1]), width))
			t.Columns = t.Columns[:n]
			rows := make([][]any, len(t.Rows))
			for i, r := range t.Rows {
				rows[i] = r[:n]
			}
			t.Rows = rows
		}
	}
	return t, above, below
}

// drawnWidth is the width of t's first n columns as the text format draws
// them.
func drawnWidth(t Table, n int, o Options) int {
	t.Columns = t.Columns[:n]
	rows := make([][]any, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = r[:n]
	}
	t.Rows = rows
	o.Color = false // escapes take no room
	var b bytes.Buffer
	if textTable(&b, t, o) != nil {
		return 0
	}
	w := 0
	for _, l := range strings.Split(b.String(), "\n") {
		w = max(w, runewidth.StringWidth(l))
	}
	return w
}

// sparks are a sparkline's levels, low to high.
var sparks = []rune("▁▂▃▄▅▆▇█")

// spark draws column c of every row of t as one line of at most width
// columns: "dau 2024-01-01…2024-07-30, 12 to 160: ▁▂▅▇". Rows are averaged
// in buckets when there are more than the line holds; a row without a
// number is a blank.
func spark(t Table, c, width int) string {
	first, last := humanCell(t.Rows[0][0], t.Columns[0].Kind, Options{}), humanCell(t.Rows[len(t.Rows)-1][0], t.Columns[0].Kind, Options{})
	vals := make([]float64, len(t.Rows))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, r := range t.Rows {
		vals[i] = number(r[c])
		if !math.IsNaN(vals[i]) {
			lo, hi = min(lo, vals[i]), max(hi, vals[i])
		}
	}
	k := t.Columns[c].Kind
	label := fmt.Sprintf("%s %s…%s, %s to %s: ", header(t.Columns[c]), first, last, humanCell(lo, k, Options{}), humanCell(hi, k, Options{}))
	room := max(width-runewidth.StringWidth(label), 10)
	return label + Sparkline(vals, room)
}

// Sparkline draws vals (NaN: a blank) as one line of at most width
// characters, low to high as ▁ to █; values are averaged in buckets when
// there are more than the line holds.
func Sparkline(vals []float64, width int) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	width = max(width, 1)
	per := (len(vals) + width - 1) / width // values per character
	var b strings.Builder
	for i := 0; i < len(vals); i += per {
		sum, n := 0.0, 0
		for _, v := range vals[i:min(i+per, len(vals))] {
			if !math.IsNaN(v) {
				sum, n = sum+v, n+1
			}
		}
		switch {
		case n == 0:
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparks[len(sparks)/2])
		default:
			j := int((sum/float64(n) - lo) / (hi - lo) * float64(len(sparks)-1))
			b.WriteRune(sparks[j])
		}
	}
	return b.String()
}

// number is a numeric cell's value, or NaN.
func number(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case *float64:
		if x != nil {
			return *x
		}
	case Heat:
		return number(x.Value)
	}
	return math.NaN()
}
