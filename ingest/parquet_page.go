package ingest

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	pqformat "github.com/parquet-go/parquet-go/format"
)

// pqValues are the values of one page or dictionary, by physical type.
type pqValues struct {
	kind encoding.Kind
	n    int
	data []byte   // BYTE_ARRAY (with off), FIXED_LEN_BYTE_ARRAY (size each), INT96 (12 each)
	off  []uint32 // BYTE_ARRAY: n+1 offsets into data
	size int
	bits []byte // BOOLEAN, one bit each
	i32  []int32
	i64  []int64
	f32  []float32
	f64  []float64
}

// setValues takes a page's values, checking what a damaged file could
// make wrong: offsets outside the data, fewer values than counted.
func (v *pqValues) set(in encoding.Values, n int) error {
	*v = pqValues{kind: in.Kind(), n: n}
	short := false
	switch v.kind {
	case encoding.Boolean:
		v.bits = in.Boolean()
		short = len(v.bits)*8 < n
	case encoding.Int32:
		v.i32 = in.Int32()
		short = len(v.i32) < n
	case encoding.Int64:
		v.i64 = in.Int64()
		short = len(v.i64) < n
	case encoding.Int96:
		v.data, _ = in.Data()
		v.size = 12
		short = len(v.data) < 12*n
	case encoding.Float:
		v.f32 = in.Float()
		short = len(v.f32) < n
	case encoding.Double:
		v.f64 = in.Double()
		short = len(v.f64) < n
	case encoding.ByteArray:
		v.data, v.off = in.ByteArray()
		if short = len(v.off) < n+1; !short {
			prev := uint32(0)
			for _, o := range v.off[:n+1] {
				if o < prev || int(o) > len(v.data) {
					return errors.New("byte array offsets out of order")
				}
				prev = o
			}
		}
	case encoding.FixedLenByteArray:
		v.data, v.size = in.FixedLenByteArray()
		short = v.size <= 0 || len(v.data) < v.size*n
	default:
		return fmt.Errorf("values of an unknown physical type (%d)", v.kind)
	}
	if short {
		return fmt.Errorf("a page holds fewer values than it counts (%d)", n)
	}
	return nil
}

// bytesAt is value k of a BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY or INT96 page.
func (v *pqValues) bytesAt(k int) []byte {
	if v.off != nil {
		return v.data[v.off[k]:v.off[k+1]:v.off[k+1]]
	}
	return v.data[k*v.size : (k+1)*v.size : (k+1)*v.size]
}

// intAt is value k of a BOOLEAN, INT32 or INT64 page.
func (v *pqValues) intAt(k int) int64 {
	switch v.kind {
	case encoding.Int64:
		return v.i64[k]
	case encoding.Int32:
		return int64(v.i32[k])
	case encoding.Boolean:
		return int64(v.bits[k>>3] >> (k & 7) & 1)
	}
	return 0
}

// floatAt is value k of a FLOAT or DOUBLE page.
func (v *pqValues) floatAt(k int) float64 {
	if v.kind == encoding.Float {
		return float64(v.f32[k])
	}
	return v.f64[k]
}

// pqCursor reads one column chunk row by row, a page at a time. After
// next, k is the row's value (an index into vals, or into dict when the
// page is dictionary-encoded), or -1 when the row has none: null, or
// empty text.
type pqCursor struct {
	leaf  *pqLeaf
	name  string // the file, for errors
	pages parquet.Pages
	page  parquet.Page
	ks    []int32 // per row of the page, its k
	rows  int     // rows in the page
	row   int     // rows of the page read
	left  int64   // rows of the chunk not yet read
	vals  pqValues
	idx   []int32 // non-nil: the page's values are indexes into dict
	dict  pqValues
	dictP parquet.Dictionary // the dictionary dict was taken from
	dictN int                // dictionaries read: dict changed when this did
	k     int
	err   error // the chunk could not be opened
	// count: the column is only counted (present), so a page's ks are not
	// built: present reads def and the values where it stands
	count bool
	def   []byte
	vi    int // count: the page's values passed
}

// newPQCursor starts reading leaf's chunk in row group g of f, of rows rows.
func newPQCursor(name string, leaf *pqLeaf, f *parquet.File, g int, rows int64) (c *pqCursor) {
	c = &pqCursor{leaf: leaf, name: name, left: rows}
	defer func() {
		if v := recover(); v != nil {
			c.pages, c.err = nil, c.damaged(fmt.Errorf("%v", v))
		}
	}()
	chunks := f.RowGroups()[g].ColumnChunks()
	cols := f.Metadata().RowGroups[g].Columns
	if leaf.index >= len(chunks) || leaf.index >= len(cols) {
		c.err = fmt.Errorf("%s: row group %d has no column %q: the file is damaged", name, g+1, leaf.name)
		return c
	}
	if md := &cols[leaf.index].MetaData; md.Codec == pqformat.Lz4Raw {
		if err := checkLZ4(f, md); err != nil {
			c.err = c.damaged(err)
			return c
		}
	}
	c.pages = chunks[leaf.index].Pages()
	return c
}

// damaged is the error of a column chunk that cannot be read.
func (c *pqCursor) damaged(err error) error {
	return fmt.Errorf("%s: the Parquet data of column %q is damaged (%v); get the file again", c.name, c.leaf.name, err)
}

// next moves to the next row.
func (c *pqCursor) next() error {
	if c.row == c.rows {
		return c.nextPage()
	}
	c.k = int(c.ks[c.row])
	c.row++
	return nil
}

// present reads the next n rows, appending to dst those (0 to n-1) that
// hold a value.
func (c *pqCursor) present(n int, dst []int32) ([]int32, error) {
	for i := 0; i < n; {
		if c.row == c.rows {
			if err := c.load(); err != nil {
				return dst, err
			}
			continue
		}
		m := min(n-i, c.rows-c.row)
		if !c.count {
			for j, k := range c.ks[c.row : c.row+m] {
				if k >= 0 {
					dst = append(dst, int32(i+j))
				}
			}
		} else {
			dst = c.presentRows(c.row, m, i, dst)
		}
		c.row += m
		i += m
	}
	return dst, nil
}

// presentRows appends, for rows from to from+m of the page, their place
// (from at) when they hold a value: defined and, for text, not empty.
func (c *pqCursor) presentRows(from, m, at int, dst []int32) []int32 {
	vals := c.values()
	text, max := vals.off != nil, c.leaf.maxDef
	if c.def == nil && !text {
		for j := 0; j < m; j++ {
			dst = append(dst, int32(at+j))
		}
		c.vi += m
		return dst
	}
	for j := 0; j < m; j++ {
		if c.def != nil && c.def[from+j] != max {
			continue
		}
		k := int32(c.vi)
		c.vi++
		if text {
			if c.idx != nil {
				k = c.idx[k]
			}
			if vals.off[k] == vals.off[k+1] {
				continue
			}
		}
		dst = append(dst, int32(at+j))
	}
	return dst
}

// nextPage moves to the first row of the next page with rows.
func (c *pqCursor) nextPage() error {
	for c.row == c.rows {
		if err := c.load(); err != nil {
			return err
		}
	}
	return c.next()
}

// values are where k points: the page's values or its dictionary.
func (c *pqCursor) values() *pqValues {
	if c.idx != nil {
		return &c.dict
	}
	return &c.vals
}

// load reads the next page. parquet-go may panic on a damaged page: that
// is the file's fault, reported as such.
func (c *pqCursor) load() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.damaged(fmt.Errorf("%v", v))
		}
	}()
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.left <= 0 {
		return c.damaged(errors.New("more rows than its row group counts"))
	}
	if c.err != nil {
		return c.err
	}
	page, err := c.pages.ReadPage()
	switch {
	case err == io.EOF:
		return c.damaged(fmt.Errorf("%d rows fewer than its row group counts", c.left))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return c.damaged(errors.New("a page is cut short"))
	case err != nil:
		return c.damaged(err)
	}
	c.page = page
	c.row = 0
	var def []byte
	n := int(page.NumValues())
	nvals := n
	if c.leaf.maxDef > 0 {
		def = page.DefinitionLevels()
		n, nvals = len(def), 0
		for _, d := range def {
			if d == c.leaf.maxDef {
				nvals++
			} else if d > c.leaf.maxDef {
				return c.damaged(fmt.Errorf("definition level %d above the column's %d", d, c.leaf.maxDef))
			}
		}
	}
	if int64(n) > c.left {
		return c.damaged(errors.New("more rows than its row group counts"))
	}
	c.left -= int64(n)
	c.rows = n
	c.idx = nil
	vals := &c.vals
	if d := page.Dictionary(); d != nil {
		if d != c.dictP {
			dp := d.Page()
			if err := c.dict.set(dp.Data(), d.Len()); err != nil {
				return c.damaged(err)
			}
			c.dictP = d
			c.dictN++
		}
		iv := page.Data()
		if iv.Kind() != encoding.Int32 {
			return c.damaged(errors.New("dictionary indexes of the wrong type"))
		}
		c.idx = iv.Int32()
		if len(c.idx) < nvals {
			return c.damaged(errors.New("fewer dictionary indexes than values"))
		}
		for _, i := range c.idx[:nvals] {
			if i < 0 || int(i) >= c.dict.n {
				return c.damaged(fmt.Errorf("dictionary index %d out of range (%d values)", i, c.dict.n))
			}
		}
		vals = &c.dict
	} else if err := c.vals.set(page.Data(), nvals); err != nil {
		return c.damaged(err)
	}
	if c.count {
		c.def, c.vi = def, 0
		return nil
	}
	c.rowKeys(def, vals)
	return nil
}

// rowKeys sets the page's ks: each row's value, or -1 for a null and,
// in a column of text, for empty text (no value, as an empty CSV cell).
func (c *pqCursor) rowKeys(def []byte, vals *pqValues) {
	c.ks = slices.Grow(c.ks[:0], c.rows)[:c.rows]
	v := int32(0)
	for r := range c.ks {
		if def != nil && def[r] != c.leaf.maxDef {
			c.ks[r] = -1
			continue
		}
		k := v
		v++
		if c.idx != nil {
			k = c.idx[k]
		}
		if vals.off != nil && vals.off[k] == vals.off[k+1] {
			k = -1
		}
		c.ks[r] = k
	}
}

func (c *pqCursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
	}
}
