package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// UserTable is a table of user properties (--users): one row per user id,
// held in memory (it grows with users, not with events). Its join column
// holds the events' user ids; its other columns are user properties. With
// a key column (--user-key), every event's user id is replaced by the key
// of its row as the events are read, so that several ids of one person
// (Olist's per-order customer_id) become one user.
type UserTable struct {
	Name    string   // the file, as given
	Columns []string // in the file's order
	// JoinCol and KeyCol are the columns asked for (--users-join,
	// --user-key), or "". Read fixes the join column at the first input
	// (JoinColumn).
	JoinCol, KeyCol string

	width int
	cells []string // row-major, len(Columns) per row
	lines []int    // each row's line

	mu       sync.Mutex
	resolved bool
	join     int              // the join column, once resolved
	key      int              // the --user-key column, or -1
	index    map[string]int32 // join value → row
	keyRow   map[string]int32 // --user-key value → its first row
}

// ColumnError is a column named in a flag that the users table lacks.
type ColumnError struct {
	Flag, Name, File string
	Have             []string
}

func (e *ColumnError) Error() string {
	return fmt.Sprintf("%s %s: %s has no column %q (it has %s)", e.Flag, e.Name, e.File, e.Name, strings.Join(e.Have, ", "))
}

// ReadUserTable reads a users table: CSV or TSV with a header row, JSON
// lines, or a JSON array of objects (sniffed as event files are; gzip
// too). A JSON record's nested objects become dotted columns
// (plan.name), arrays their JSON text, null the empty string. join and key
// are --users-join and --user-key: columns the table must have.
func ReadUserTable(in Input, join, key string) (*UserTable, error) {
	op, err := openInput(in, nil)
	if err != nil {
		return nil, err
	}
	defer op.close()
	head, err := op.r.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, fmt.Errorf("%s: empty file: expected a users table (a header row, then one row per user)", in.Name)
	}
	format, sep, err := inputFormat(in.Name, head, "")
	if err != nil {
		return nil, err
	}
	if format == "parquet" {
		return nil, fmt.Errorf("%s: is a Parquet file: a users table is read as CSV or JSON lines", in.Name)
	}
	t := &UserTable{Name: in.Name, JoinCol: join, KeyCol: key, key: -1}
	b := tableBuilder{t: t, intern: map[string]string{}}
	switch format {
	case "jsonl":
		err = b.jsonLines(op.r)
	case "json":
		var data []byte
		if data, err = io.ReadAll(op.r); err == nil {
			var recs [][]byte
			var lines []int
			if recs, lines, err = jsonRecords(in.Name, data); err == nil {
				for i, rec := range recs {
					if err = b.jsonRecord(rec, lines[i]); err != nil {
						break
					}
				}
			}
		}
	default:
		err = b.csv(op.r, sep)
	}
	if err != nil {
		return nil, err
	}
	b.finish()
	if len(t.lines) == 0 {
		return nil, fmt.Errorf("%s: no rows: a users table has a header row, then one row per user", in.Name)
	}
	for _, c := range []struct{ flag, name string }{{"--users-join", join}, {"--user-key", key}} {
		if c.name != "" && t.column(c.name) < 0 {
			return nil, &ColumnError{Flag: c.flag, Name: c.name, File: in.Name, Have: t.Columns}
		}
	}
	return t, nil
}

// tableBuilder collects a table's rows as they are read.
type tableBuilder struct {
	t      *UserTable
	intern map[string]string
	// JSON records: their columns are known only at the end
	cols    map[string]int
	records [][]jsonCell
}

type jsonCell struct {
	col int
	v   string
}

func (b *tableBuilder) str(s string) string {
	if v, ok := b.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	b.intern[s] = s
	return s
}

func (b *tableBuilder) csv(r io.Reader, sep byte) error {
	t := b.t
	cr := csv.NewReader(r)
	cr.Comma = rune(sep)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	bad := func(err error) error {
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			return &RowError{File: t.Name, Line: pe.Line, Msg: pe.Err.Error()}
		}
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	header, err := cr.Read()
	if err != nil {
		return bad(err)
	}
	headLine, _ := cr.FieldPos(0)
	seen := map[string]bool{}
	for _, h := range header {
		h = cleanHeader(h)
		if seen[h] && h != "" {
			return &RowError{File: t.Name, Line: headLine, Msg: fmt.Sprintf("column %q appears twice in the header", h)}
		}
		seen[h] = true
		t.Columns = append(t.Columns, h)
	}
	t.width = len(t.Columns)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bad(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != t.width {
			return &RowError{File: t.Name, Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), t.width)}
		}
		for _, v := range rec {
			t.cells = append(t.cells, b.str(v))
		}
		t.lines = append(t.lines, line)
	}
}

func (b *tableBuilder) jsonLines(r *bufio.Reader) error {
	line := 0
	for {
		rec, err := r.ReadBytes('\n')
		if len(rec) > 0 {
			line++
			if len(bytes.TrimSpace(rec)) > 0 {
				if err := b.jsonRecord(rec, line); err != nil {
					return err
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b.t.Name, err)
		}
	}
}

// jsonRecord adds one JSON object as a row.
func (b *tableBuilder) jsonRecord(rec []byte, line int) error {
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	var obj map[string]any
	bad := func(msg string) error { return &RowError{File: b.t.Name, Line: line, Msg: msg} }
	if err := dec.Decode(&obj); err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	if obj == nil {
		return bad("not a JSON object: a users table holds one object per user")
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("invalid JSON: more after the object (one object per line)")
	}
	if b.cols == nil {
		b.cols = map[string]int{}
	}
	var cells []jsonCell
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				walk(prefix+k+".", m[k])
			}
			return
		}
		name := strings.TrimSuffix(prefix, ".")
		col, ok := b.cols[name]
		if !ok {
			col = len(b.t.Columns)
			b.cols[name] = col
			b.t.Columns = append(b.t.Columns, name)
		}
		cells = append(cells, jsonCell{col, b.str(jsonText(v))})
	}
	// keys in the order written: the first is the default join column
	keys, err := objectKeys(rec)
	if err != nil {
		return bad("invalid JSON: " + err.Error())
	}
	for _, k := range keys {
		walk(k+".", obj[k])
	}
	b.records = append(b.records, cells)
	b.t.lines = append(b.t.lines, line)
	return nil
}

// finish lays JSON records out as rows of every column.
func (b *tableBuilder) finish() {
	t := b.t
	if b.cols == nil {
		return
	}
	t.width = len(t.Columns)
	t.cells = make([]string, len(b.records)*t.width)
	for i, rec := range b.records {
		for _, c := range rec {
			t.cells[i*t.width+c.col] = c.v
		}
	}
	b.records = nil
}

// objectKeys lists a JSON object's top-level keys in the order written,
// each once.
func objectKeys(rec []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonText is a JSON value as a cell: strings as they are, numbers as
// written, null as "", arrays as their JSON.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// column is the index of the column named name, or -1.
func (t *UserTable) column(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Rows is the number of rows.
func (t *UserTable) Rows() int { return len(t.lines) }

// cell is row's value in column col.
func (t *UserTable) cell(row int32, col int) string { return t.cells[int(row)*t.width+col] }

// JoinColumn is the column joined to the events' user ids ("" before the
// first input was read).
func (t *UserTable) JoinColumn() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.resolved {
		return t.JoinCol
	}
	return t.Columns[t.join]
}

// Keys is the number of distinct --user-key values (0 without one).
func (t *UserTable) Keys() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keyRow)
}

// resolve fixes the join column — --users-join, else the column named as
// the events' user field (a path's last part counts: "distinct_id" for
// properties.distinct_id), else the first — and indexes the rows by it.
// Each id must be there once, and not empty. Only the first call (the
// first input's) does anything.
func (t *UserTable) resolve(userPaths []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.resolved {
		return nil
	}
	t.join = t.column(t.JoinCol)
	for _, p := range userPaths {
		if t.join >= 0 {
			break
		}
		if t.join = t.column(p); t.join < 0 {
			t.join = t.column(p[strings.LastIndexByte(p, '.')+1:])
		}
	}
	t.join = max(t.join, 0)
	t.key = t.column(t.KeyCol)
	t.index = make(map[string]int32, len(t.lines))
	if t.key >= 0 {
		t.keyRow = map[string]int32{}
	}
	col := t.Columns[t.join]
	for r := range t.lines {
		row := int32(r)
		id := t.cell(row, t.join)
		if err := validID(id); err != "" {
			return &RowError{File: t.Name, Line: t.lines[r], Column: col, Msg: "user id " + err}
		}
		if first, dup := t.index[id]; dup {
			return &RowError{File: t.Name, Line: t.lines[r], Column: col, Msg: fmt.Sprintf(
				"user id %s is on line %d too: a users table has one row per user", quoteValue([]byte(id)), t.lines[first])}
		}
		t.index[id] = row
		if t.key >= 0 {
			k := t.cell(row, t.key)
			if err := validID(k); err != "" {
				return &RowError{File: t.Name, Line: t.lines[r], Column: t.KeyCol, Msg: "--user-key value " + err}
			}
			if _, ok := t.keyRow[k]; !ok {
				t.keyRow[k] = row
			}
		}
	}
	t.resolved = true
	return nil
}

// validID says what is wrong with a user id of the table, or "".
func validID(id string) string {
	switch {
	case id == "":
		return "is empty"
	case !utf8.ValidString(id):
		return "is not valid UTF-8"
	case id[0] == 0:
		return "starts with a NUL byte"
	}
	return ""
}

// rekey returns the --user-key value of the row whose join column holds
// user, and the row; ok is false when no row does.
func (t *UserTable) rekey(user []byte) (key []byte, row int32, ok bool) {
	row, ok = t.index[string(user)]
	if !ok {
		return nil, -1, false
	}
	return bytesOf(t.cell(row, t.key)), row, true
}

// notInTable is the message of an event whose user id the table lacks,
// under --user-key.
func (t *UserTable) notInTable(user []byte) string {
	return fmt.Sprintf("user id %s is not in the users table %s (column %q), which --user-key %s needs for every user id",
		quoteValue(user), t.Name, t.Columns[t.join], t.KeyCol)
}

// lookup is the row of a user of the read: by the key under --user-key
// (its first row), by the join column otherwise.
func (t *UserTable) lookup(name string) (int32, bool) {
	if t.key >= 0 {
		row, ok := t.keyRow[name]
		return row, ok
	}
	row, ok := t.index[name]
	return row, ok
}

// bytesOf is s's bytes, shared: they must not be written to.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
