// Package report renders results: a JSON envelope for scripts, and documents
// made of a summary and tables for people (bordered tables on a terminal,
// plain aligned text on a pipe, Markdown) or for spreadsheets (CSV of the
// primary table). It computes nothing and reads no flags: it is given an
// io.Writer, a Format and whether the writer is a terminal.
package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Format is an output format.
type Format string

// Output formats (--format).
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
	// FormatHTML is one self-contained page (a report's --format; not in
	// Formats, which metric commands accept).
	FormatHTML Format = "html"
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
	// UsersTable is the --users table, when one was given.
	UsersTable *UsersTable `json:"users_table,omitempty"`
	// UsersWhere are the --users-where filters, and UsersKept the users
	// they kept, when any was given.
	UsersWhere []string `json:"users_where,omitempty"`
	UsersKept  *int64   `json:"users_kept,omitempty"`
}

// UsersTable describes a users table (--users) in the envelope's input.
type UsersTable struct {
	Path       string `json:"path"`
	Rows       int64  `json:"rows"`
	Join       string `json:"join"`          // its column of user ids
	Key        string `json:"key,omitempty"` // --user-key
	NotInTable int64  `json:"users_not_in_table"`
}

// Warning is a machine-readable caveat.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Note is the warning as a line of a document read without its stderr
// (Markdown, HTML): "warning: message [code]".
func (w Warning) Note() string { return "warning: " + w.Message + " [" + w.Code + "]" }

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
	Money         // float64: 12,345.67 for people (amounts, in the data's currency)
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
	// Fit says how the text format may shorten the table (unless
	// Options.All): the zero Fit never does.
	Fit Fit
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
	// Charts are drawn by the HTML format only, before the tables.
	Charts []Chart
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
	// CSVRaw writes CSV text cells byte for byte: control characters not
	// escaped (Safe), no apostrophe before a formula's first character (Defuse).
	CSVRaw bool
	// Width is the text format's line width in columns (0: DefaultWidth),
	// which tables with a Fit are cut to; All shows them whole.
	Width int
	All   bool
}

// Write renders doc in format f (not JSON: use WriteJSON). Every format is
// built in memory and written with one call, so an error or a panic while
// rendering never leaves half a document on w. Text for people (tables,
// Markdown) is escaped with Safe, and Markdown syntax in values is escaped
// too; CSV text cells are escaped and defused unless o.CSVRaw.
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
	case FormatHTML:
		return WriteHTML(w, doc.Title, nil, []Section{{Doc: doc}}, o)
	}
	return fmt.Errorf("unknown format %q", f)
}

func header(c Column) string {
	if c.Header != "" {
		return c.Header
	}
	return c.Key
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

// MoneyText writes an amount with two decimals and comma separators:
// 1234567.891 → "1,234,567.89".
func MoneyText(f float64) string { return FloatText(f, 2) }

// FloatText writes f with the given decimals (at least 1) and comma
// separators: FloatText(2089.44, 1) → "2,089.4".
func FloatText(f float64, decimals int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', max(decimals, 1), 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
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
