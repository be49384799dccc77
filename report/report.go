// Package report renders results: a JSON envelope for scripts, and documents
// made of a summary and tables for people (bordered tables on a terminal,
// plain aligned text on a pipe, Markdown) or for spreadsheets (CSV of the
// primary table). It computes nothing and reads no flags: it is given an
// io.Writer, a Format and whether the writer is a terminal.
package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
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

// Format is an output format.
type Format string

// Output formats (--format).
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
)

// Formats lists the accepted --format values.
var Formats = []string{string(FormatTable), string(FormatJSON), string(FormatCSV), string(FormatMarkdown)}

// Envelope is the JSON object every command writes (README.md "Output").
type Envelope struct {
	Metric   string    `json:"metric"`
	Params   any       `json:"params"`
	Input    Input     `json:"input"`
	AsOf     string    `json:"as_of"`
	TZ       string    `json:"tz"`
	Result   any       `json:"result"`
	Warnings []Warning `json:"warnings"`
}

// Input summarises what was read.
type Input struct {
	Files      []string `json:"files"`
	Format     string   `json:"format"`
	Vendor     string   `json:"vendor"`
	Rows       int64    `json:"rows"`
	Skipped    int64    `json:"skipped"`
	Duplicates int64    `json:"duplicates"`
	Users      int64    `json:"users"`
}

// Warning is a machine-readable caveat.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Kind says how a column's values are shown.
type Kind int

// Column kinds.
const (
	Text     Kind = iota
	Int           // int, int64: 12,345 for people
	Percent       // a fraction (float64 or *float64): 45.3% for people
	Float         // float64: 2 decimals for people
	Duration      // seconds (float64 or *float64): 2h05m for people
	Time          // time.Time
	Points        // float64: 1 decimal for people (NPS points)
)

// Column is one column of a Table.
type Column struct {
	Key    string // snake_case: the CSV header
	Header string // for people; Key when empty
	Kind   Kind
}

// Table is a titled grid. Values are raw (numbers stay numbers) and are
// formatted by the renderer for the audience.
type Table struct {
	Title   string
	Columns []Column
	Rows    [][]any
}

// Doc is what a command shows people.
type Doc struct {
	Title   string
	Summary [][2]string // label, value
	Tables  []Table
	// Primary is the table written by --format csv, unless CSV is set.
	Primary int
	// CSV, when set, is what --format csv writes instead (a tidy table for
	// spreadsheets that the terminal view shows as summary lines).
	CSV *Table
	// Notes are printed after the tables.
	Notes []string
}

// Add appends a summary line.
func (d *Doc) Add(label, value string) { d.Summary = append(d.Summary, [2]string{label, value}) }

// Heat is a rate shaded by its value on a colour terminal (a heatmap cell),
// with Mark appended ("*" for an incomplete cell). CSV gets the raw value.
type Heat struct {
	Value *float64
	Mark  string
}

// heatShades are 256-colour backgrounds from low to high rates.
var heatShades = []int{52, 88, 130, 136, 100, 64, 28, 22}

// Options tune rendering.
type Options struct {
	TTY   bool           // the writer is a terminal: borders
	Color bool           // ANSI colour allowed (TTY, no NO_COLOR)
	TZ    *time.Location // zone for Time cells (default UTC)
	// CSVRaw writes CSV text cells byte for byte, without the apostrophe
	// that keeps a spreadsheet from running a cell as a formula (Defuse).
	CSVRaw bool
}

// WriteJSON writes the envelope, indented, with HTML characters unescaped.
func WriteJSON(w io.Writer, env Envelope) error {
	if env.Warnings == nil {
		env.Warnings = []Warning{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(env)
}

// Write renders doc in format f (not JSON: use WriteJSON). Every format is
// built in memory and written with one call, so an error or a panic while
// rendering never leaves half a document on w. Text for people (tables,
// Markdown) is escaped with Safe, and Markdown syntax in values is escaped
// too; CSV text cells are defused (Defuse) unless o.CSVRaw.
func Write(w io.Writer, doc Doc, f Format, o Options) error {
	if o.TZ == nil {
		o.TZ = time.UTC
	}
	switch f {
	case FormatCSV:
		if doc.CSV != nil {
			return writeCSV(w, *doc.CSV, o)
		}
		if len(doc.Tables) == 0 {
			return nil
		}
		return writeCSV(w, doc.Tables[doc.Primary], o)
	case FormatMarkdown:
		o.Color = false // a Markdown file is not a terminal
		return writeMarkdown(w, doc, o)
	case FormatTable, "":
		return writeText(w, doc, o)
	}
	return fmt.Errorf("unknown format %q", f)
}

func writeCSV(w io.Writer, t Table, o Options) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	text := Defuse
	if o.CSVRaw {
		text = func(s string) string { return s }
	}
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = text(c.Key)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = rawCell(v, o)
			if isText(v) {
				rec[i] = text(rec[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// isText reports whether a cell holds text rather than a number or a time
// the program wrote: a negative count is not a formula.
func isText(v any) bool {
	switch v.(type) {
	case nil, Heat, *float64, float64, int, int64, time.Time:
		return false
	}
	return true
}

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
		if o.TTY {
			if err := borderTable(&b, t, o, false); err != nil {
				return err
			}
		} else {
			plainTable(&b, t, o)
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

func writeMarkdown(w io.Writer, doc Doc, o Options) error {
	var b bytes.Buffer
	if doc.Title != "" {
		fmt.Fprintf(&b, "## %s\n\n", mdSafe(doc.Title))
	}
	for _, kv := range doc.Summary {
		fmt.Fprintf(&b, "- **%s:** %s\n", mdSafe(kv[0]), mdSafe(kv[1]))
	}
	for _, t := range doc.Tables {
		b.WriteString("\n")
		if t.Title != "" {
			fmt.Fprintf(&b, "### %s\n\n", mdSafe(t.Title))
		}
		if err := borderTable(&b, t, o, true); err != nil {
			return err
		}
	}
	if len(doc.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range doc.Notes {
			fmt.Fprintf(&b, "> %s\n", mdSafe(n))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func header(c Column) string {
	if c.Header != "" {
		return c.Header
	}
	return c.Key
}

// mdSafe escapes text for a Markdown document: Safe, then Markdown syntax.
func mdSafe(s string) string { return markdownText(Safe(s)) }

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
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// Thousands writes n with comma separators: 1234567 → "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Pct formats a fraction as a percentage with one decimal.
func Pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// HumanDuration formats seconds: 45s, 12m30s, 3h05m, 2d04h.
func HumanDuration(sec float64) string {
	if math.IsNaN(sec) {
		return "–"
	}
	neg := sec < 0
	if neg {
		sec = -sec
	}
	s := int64(math.Round(sec))
	var out string
	switch {
	case s < 60:
		out = fmt.Sprintf("%ds", s)
	case s < 3600:
		out = fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		out = fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	default:
		out = fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
	}
	if neg {
		return "-" + out
	}
	return out
}
