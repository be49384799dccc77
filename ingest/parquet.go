package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// Parquet is read with parquet-go's column API: only the columns a command
// needs, page by page, each row group on a parse worker (parquet_read.go).
// Pure Go, so a go install of uptake needs no C toolchain.

// isParquet says whether head starts a Parquet file (its magic number; an
// encrypted footer's "PARE" is refused by the binary formats).
func isParquet(head []byte) bool { return len(head) >= 4 && string(head[:4]) == "PAR1" }

// pqKind is how a leaf column's values become events' values.
type pqKind uint8

const (
	pqBytes       pqKind = iota // BYTE_ARRAY (strings, JSON, enums, BSON, bare): the bytes
	pqBool                      // "true" or "false"
	pqInt                       // INT32, INT64, signed INT(n): decimal text
	pqUint                      // unsigned INT(n)
	pqFloat                     // FLOAT, DOUBLE: shortest text that reads back
	pqDecimal                   // DECIMAL(p, s) on INT32/INT64/FIXED_LEN_BYTE_ARRAY/BYTE_ARRAY
	pqTimestamp                 // TIMESTAMP(unit, isAdjustedToUTC) on INT64
	pqDate                      // DATE: days since 1970-01-01
	pqInt96                     // legacy INT96 timestamps (Impala, Spark): read as UTC
	pqTimeOfDay                 // TIME(unit): a time of day, not an instant
	pqUUID                      // UUID: canonical text
	pqFloat16                   // FLOAT16 on FIXED_LEN_BYTE_ARRAY(2)
	pqFixed                     // other FIXED_LEN_BYTE_ARRAY: the bytes
	pqUnsupported               // INTERVAL, geometry, …: refused when a command needs it
)

// pqLeaf is one leaf column of a Parquet file's schema.
type pqLeaf struct {
	name     string // its path, dot-joined ("context.page.url")
	index    int    // its place among the leaves: its chunk in every row group
	kind     pqKind
	unit     int64 // TIMESTAMP, TIME: nanoseconds per unit
	lim      int64 // TIMESTAMP: values below this in magnitude are in range of int64 nanoseconds
	utc      bool  // TIMESTAMP: isAdjustedToUTC
	scale    int32 // DECIMAL
	maxDef   byte
	repeated bool   // in a list or map: not one value per row
	typ      string // its type, for messages
}

// typed says whether the leaf's values are instants uptake reads as
// numbers rather than text: TIMESTAMP, DATE and INT96.
func (l *pqLeaf) typed() bool {
	return l.kind == pqTimestamp || l.kind == pqDate || l.kind == pqInt96
}

// pqSchema is the file's columns by name.
type pqSchema struct {
	leaves []pqLeaf
	groups map[string]string // a nested group's path → its leaves' names, for messages
	lists  map[string]bool   // the groups that are lists or maps (repeated)
	hi     *headerIndex      // leaves and groups, matched as CSV headers are
	names  []string          // hi's names: the leaves', then the groups'
}

// openParquet reads a Parquet file's footer: its schema and row groups.
// parquet-go may panic on a damaged footer; that is the file's fault.
func openParquet(name string, ra io.ReaderAt, size int64) (f *parquet.File, s *pqSchema, err error) {
	defer func() {
		if v := recover(); v != nil {
			f, s, err = nil, nil, fmt.Errorf("%s: the Parquet footer is damaged (%v); get the file again", name, v)
		}
	}()
	f, err = openFooter(name, ra, size)
	if err != nil {
		return nil, nil, err
	}
	return f, newPQSchema(f), nil
}

// openFooter opens the file with parquet-go, after the checks that turn
// what a cut or damaged file makes it do into messages.
func openFooter(name string, ra io.ReaderAt, size int64) (*parquet.File, error) {
	if size < 12 {
		return nil, fmt.Errorf("%s: truncated Parquet file (%d bytes; even an empty one has 12 or more): get the file again", name, size)
	}
	var tail [8]byte // the footer's length, then the magic
	if _, err := ra.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, fmt.Errorf("%s: is an encrypted Parquet file, which uptake does not read; export it without encryption", name)
	default:
		return nil, fmt.Errorf("%s: truncated Parquet file: it does not end with the footer (PAR1) that holds its schema; the copy or download was cut short: get the file again", name)
	}
	// parquet-go allocates the length it is told before reading
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return nil, fmt.Errorf("%s: the Parquet footer is damaged (its length, %d bytes, is more than the file holds); get the file again", name, n)
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(64<<10))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "reading parquet file metadata: ")
		switch {
		case strings.Contains(msg, "invalid magic header"):
			return nil, fmt.Errorf("%s: is not a Parquet file: it does not start with PAR1", name)
		case strings.Contains(msg, "DecryptionConfig"), strings.Contains(msg, "encrypt"):
			return nil, fmt.Errorf("%s: is an encrypted Parquet file, which uptake does not read; export it without encryption", name)
		}
		return nil, fmt.Errorf("%s: the Parquet footer is damaged (%s); get the file again", name, msg)
	}
	return f, nil
}

// newPQSchema lists a file's leaf columns and nested groups.
func newPQSchema(f *parquet.File) *pqSchema {
	s := &pqSchema{groups: map[string]string{}, lists: map[string]bool{}}
	var walk func(c *parquet.Column, repeated bool)
	walk = func(c *parquet.Column, repeated bool) {
		repeated = repeated || c.Repeated()
		name := strings.Join(c.Path(), ".")
		if !c.Leaf() {
			var leaves []string
			for _, ch := range c.Columns() {
				walk(ch, repeated)
			}
			list := true // every leaf repeated: a list or map, not a struct
			for _, l := range s.leaves {
				if strings.HasPrefix(l.name, name+".") {
					leaves = append(leaves, l.name)
					list = list && l.repeated
				}
			}
			if name != "" {
				s.lists[name] = list
				s.groups[name] = strings.Join(leaves[:min(len(leaves), 4)], ", ")
				if len(leaves) > 4 {
					s.groups[name] += ", …"
				}
			}
			return
		}
		l := pqLeaf{name: name, index: c.Index(), maxDef: byte(c.MaxDefinitionLevel()), repeated: repeated || c.MaxRepetitionLevel() > 0}
		l.classify(c.Type())
		s.leaves = append(s.leaves, l)
	}
	walk(f.Root(), false)
	for _, l := range s.leaves {
		s.names = append(s.names, l.name)
	}
	for _, l := range s.leaves { // the groups, in schema order
		for i := strings.IndexByte(l.name, '.'); i >= 0; i = nextDot(l.name, i) {
			if g := l.name[:i]; !containsName(s.names, g) {
				s.names = append(s.names, g)
			}
		}
	}
	s.hi = newHeaderIndex(s.names)
	return s
}

func nextDot(s string, i int) int {
	if j := strings.IndexByte(s[i+1:], '.'); j >= 0 {
		return i + 1 + j
	}
	return -1
}

func containsName(names []string, n string) bool {
	for _, m := range names {
		if m == n {
			return true
		}
	}
	return false
}

// classify sets how the leaf's values are read from its type.
func (l *pqLeaf) classify(t parquet.Type) {
	l.typ = t.String()
	phys := t.Kind()
	lt := t.LogicalType()
	var v pqformat.LogicalTypeValue
	if lt != nil {
		v = lt.Value
	}
	unitNS := func(u pqformat.TimeUnit) int64 {
		switch u.Value.(type) {
		case *pqformat.MilliSeconds:
			return 1e6
		case *pqformat.MicroSeconds:
			return 1e3
		}
		return 1
	}
	switch lv := v.(type) {
	case *pqformat.TimestampType:
		if phys == parquet.Int64 {
			l.kind, l.unit, l.utc = pqTimestamp, unitNS(lv.Unit), lv.IsAdjustedToUTC
			l.lim = maxNS / l.unit
			return
		}
	case *pqformat.DateType:
		if phys == parquet.Int32 {
			l.kind = pqDate
			return
		}
	case *pqformat.TimeType:
		l.kind, l.unit = pqTimeOfDay, unitNS(lv.Unit)
		return
	case *pqformat.IntType:
		if !lv.IsSigned && (phys == parquet.Int32 || phys == parquet.Int64) {
			l.kind = pqUint
			return
		}
	case *pqformat.DecimalType:
		l.kind, l.scale = pqDecimal, lv.Scale
		return
	case *pqformat.UUIDType:
		if phys == parquet.FixedLenByteArray && t.Length() == 16 {
			l.kind = pqUUID
			return
		}
	case *pqformat.Float16Type:
		if phys == parquet.FixedLenByteArray && t.Length() == 2 {
			l.kind = pqFloat16
			return
		}
	case *pqformat.GeometryType, *pqformat.GeographyType, *pqformat.VariantType:
		l.kind = pqUnsupported
		return
	}
	if ct := t.ConvertedType(); ct != nil && *ct == deprecated.Interval {
		l.kind = pqUnsupported
		return
	}
	switch phys {
	case parquet.Boolean:
		l.kind = pqBool
	case parquet.Int32, parquet.Int64:
		l.kind = pqInt
	case parquet.Int96:
		l.kind = pqInt96
	case parquet.Float, parquet.Double:
		l.kind = pqFloat
	case parquet.ByteArray:
		l.kind = pqBytes
	case parquet.FixedLenByteArray:
		l.kind = pqFixed
	default:
		l.kind = pqUnsupported
	}
}

// pqSource is where a slot's value comes from: a leaf column, and a path
// inside its values when they are JSON text (PostHog's properties).
type pqSource struct {
	leaf int    // index in pqSchema.leaves, or -1: no such field in the file
	sub  string // the path inside the leaf's JSON values, or ""
}

// resolve finds the column of a field path: a leaf of that name (matched
// as CSV headers are), or the longest leading part of it that names a
// column of text, the rest being a path inside that column's JSON values.
// A nested group or a list asked for as one value is an error.
func (s *pqSchema) resolve(path string) (pqSource, error) {
	if i, ok := s.hi.find(path); ok {
		name := s.names[i]
		if i >= len(s.leaves) && s.lists[name] {
			return pqSource{}, fmt.Errorf("column %q holds a list or map of values, and uptake reads one value per row: name a column of single values", name)
		}
		if i >= len(s.leaves) {
			return pqSource{}, fmt.Errorf("column %q is nested (a group of %s): name one of its fields, as %s", name, s.groups[name], strings.SplitN(s.groups[name], ",", 2)[0])
		}
		if l := &s.leaves[i]; l.repeated {
			return pqSource{}, fmt.Errorf("column %q holds a list of values (a repeated %s), and uptake reads one value per row: name a column of single values", l.name, l.typ)
		}
		return pqSource{leaf: i}, nil
	}
	for j := strings.LastIndexByte(path, '.'); j > 0; j = strings.LastIndexByte(path[:j], '.') {
		i, ok := s.hi.find(path[:j])
		if !ok || i >= len(s.leaves) || s.leaves[i].kind != pqBytes {
			continue
		}
		if l := &s.leaves[i]; l.repeated {
			return pqSource{}, fmt.Errorf("column %q holds a list of values (a repeated %s), and uptake reads one value per row: name a column of single values", l.name, l.typ)
		}
		return pqSource{leaf: i, sub: path[j+1:]}, nil
	}
	return pqSource{leaf: -1}, nil
}

// has says whether path names a column, or a field in a column of JSON
// text, of the file: the mapping's test of a candidate name.
func (s *pqSchema) has(path string) (string, bool) {
	if i, ok := s.hi.find(path); ok {
		return s.names[i], true
	}
	if src, err := s.resolve(path); err == nil && src.leaf >= 0 {
		return s.leaves[src.leaf].name + "." + src.sub, true
	}
	return "", false
}

// randomDigest identifies a file read by random access as ContentDigest
// does a stream: its size and its first MiB.
func randomDigest(ra io.ReaderAt, size int64) *ContentDigest {
	buf := make([]byte, min(size, digestHead))
	n, _ := ra.ReadAt(buf, 0)
	d := &ContentDigest{Size: size, Complete: n == len(buf)}
	d.Head = sha256.Sum256(buf[:n])
	return d
}

// countingReaderAt counts the bytes read for Progress.
type countingReaderAt struct {
	r io.ReaderAt
	n *Progress
}

func (c countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Bytes.Add(int64(n))
	return n, err
}
