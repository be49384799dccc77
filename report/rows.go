package report

// Tables of rows for files (--users-out): CSV, or JSON lines.

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"time"
)

// WriteRows writes t whole to w: as JSON lines when jsonl (one object a
// row, keyed by the columns' keys, numbers and booleans as such, an empty
// cell null), otherwise as CSV exactly as --format csv writes a table
// (text cells escaped and defused unless o.CSVRaw).
func WriteRows(w io.Writer, t Table, jsonl bool, o Options) error {
	if o.TZ == nil {
		o.TZ = time.UTC
	}
	if !jsonl {
		return writeCSV(w, t, o)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, row := range t.Rows {
		b.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := enc.Encode(t.Columns[i].Key); err != nil {
				return err
			}
			b.Truncate(b.Len() - 1) // Encode's newline
			b.WriteByte(':')
			if err := enc.Encode(jsonCell(v, o)); err != nil {
				return err
			}
			b.Truncate(b.Len() - 1)
		}
		b.WriteString("}\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// jsonCell is a cell as a JSON value: no value (nil, a nil *float64, NaN)
// is null, a time is RFC 3339 in o.TZ.
func jsonCell(v any, o Options) any {
	switch x := v.(type) {
	case Heat:
		return jsonCell(x.Value, o)
	case *float64:
		if x == nil {
			return nil
		}
		return jsonCell(*x, o)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case time.Time:
		return x.In(o.TZ).Format(time.RFC3339Nano)
	}
	return v
}

// JSONLines reports whether a file name asks for JSON lines (.jsonl,
// .ndjson) rather than CSV.
func JSONLines(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".ndjson")
}
