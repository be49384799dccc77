package report

// The CSV format: one tidy table for spreadsheets and scripts.

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

func writeCSV(w io.Writer, t Table, o Options) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	// text cells: control characters escaped as for people (a CSV read in a
	// terminal must not clear it), then defused for spreadsheets
	text := func(s string) string { return Defuse(Safe(s)) }
	if o.CSVRaw {
		text = func(s string) string { return s }
	}
	head := make([]string, len(t.Columns))
	seen := make(map[string]bool, len(t.Columns))
	for i, c := range t.Columns {
		// a script reads columns by name: two of one name lose one
		if seen[c.Key] {
			return fmt.Errorf("report: the CSV would have two columns named %q", c.Key)
		}
		seen[c.Key] = true
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
	case nil, Heat, *float64, float64, int, int64, bool, time.Time:
		return false
	}
	return true
}
