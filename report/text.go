package report

// The text format: bordered tables on a terminal, plain aligned columns on a
// pipe, for people.

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

func writeText(w io.Writer, doc Doc, o Options) error {
	var b bytes.Buffer
	if doc.Title != "" {
		b.WriteString(style(Safe(doc.Title), o, bold) + "\n")
	}
	if len(doc.Summary) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, kv := range doc.Summary {
			fmt.Fprintf(tw, "  %s:\t%s\n", Safe(kv[0]), Safe(kv[1]))
		}
		tw.Flush()
	}
	for _, t := range doc.Tables {
		b.WriteString("\n")
		if t.Title != "" {
			b.WriteString(style(Safe(t.Title), o, bold) + "\n")
		}
		t, above, below := shorten(t, o)
		for _, l := range above {
			b.WriteString(Safe(l) + "\n")
		}
		if err := textTable(&b, t, o); err != nil {
			return err
		}
		for _, l := range below {
			b.WriteString(style(Safe(l), o, dim) + "\n")
		}
	}
	if len(doc.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range doc.Notes {
			b.WriteString(style(Safe(n), o, dim) + "\n")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// textTable is t bordered on a terminal, in plain aligned columns on a pipe.
func textTable(w io.Writer, t Table, o Options) error {
	if o.TTY {
		return borderTable(w, t, o, false)
	}
	plainTable(w, t, o)
	return nil
}

func borderTable(w io.Writer, t Table, o Options, markdown bool) error {
	esc := Safe
	if markdown {
		esc = mdSafe
	}
	align := make([]tw.Align, len(t.Columns))
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = esc(header(c))
		align[i] = tw.AlignLeft
		if c.Kind != Text && c.Kind != Time {
			align[i] = tw.AlignRight
		}
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tbl := tablewriter.NewTable(w, opts...)
	tbl.Header(head)
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cell(v, t.Columns[i].Kind, o, esc)
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	return tbl.Render()
}

func plainTable(w io.Writer, t Table, o Options) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = Safe(header(c))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cell(v, t.Columns[i].Kind, o, Safe)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

const (
	bold = "1"
	dim  = "2"
	// Yellow is for warnings.
	yellow = "33"
)

func style(s string, o Options, code string) string {
	if !o.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Warn formats a warning line for stderr, escaped with Safe: a warning
// quotes values from the data.
func Warn(wn Warning, color bool) string {
	return style("warning: ", Options{Color: color}, yellow) + Safe(wn.Message) + " [" + Safe(wn.Code) + "]"
}

// cell formats a value for people and escapes it with esc; a heatmap cell is
// shaded after escaping, so that its colour is not escaped away.
func cell(v any, k Kind, o Options, esc func(string) string) string {
	s := esc(humanCell(v, k, o))
	if h, ok := v.(Heat); ok && h.Value != nil && o.Color {
		i := int(*h.Value * float64(len(heatShades)))
		i = max(0, min(i, len(heatShades)-1))
		return fmt.Sprintf("\x1b[48;5;%dm\x1b[97m%s\x1b[0m", heatShades[i], s)
	}
	return s
}

// humanCell formats a value for people, unescaped.
func humanCell(v any, k Kind, o Options) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case Heat:
		if x.Value == nil {
			return "–" + x.Mark
		}
		return Pct(*x.Value) + x.Mark
	case *float64:
		if x == nil {
			return "–"
		}
		return humanCell(*x, k, o)
	case string:
		return x
	case time.Time:
		return x.In(o.TZ).Format(time.RFC3339)
	case int:
		return Thousands(int64(x))
	case int64:
		return Thousands(x)
	case float64:
		if math.IsNaN(x) {
			return "–"
		}
		switch k {
		case Percent:
			return Pct(x)
		case Duration:
			return HumanDuration(x)
		case Int:
			return Thousands(int64(math.Round(x)))
		case Points:
			return strconv.FormatFloat(x, 'f', 1, 64)
		case Money:
			return MoneyText(x)
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return fmt.Sprint(v)
}

// rawCell formats a value for CSV: full precision, seconds, RFC 3339.
func rawCell(v any, o Options) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Heat:
		return rawCell(x.Value, o)
	case *float64:
		if x == nil {
			return ""
		}
		return rawCell(*x, o)
	case string:
		return x
	case time.Time:
		return x.In(o.TZ).Format(time.RFC3339Nano)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}
