package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// pqPlan is how a Parquet file's rows fill a plan's slots: the leaf
// columns read (only those the command needs) and what each feeds.
type pqPlan struct {
	file   *parquet.File
	schema *pqSchema
	uses   []pqUse
	// timeUse is, per position of plan.time, the use whose TIMESTAMP, DATE
	// or INT96 values are the time, or -1 (text or numbers, read by plan.tp)
	timeUse []int
	// textUses are the uses whose text is read, keyUses those counted for
	// property statistics when they hold a value; rowUses are read row by
	// row, the others (only counted) a batch at a time (pqState.batch)
	textUses   []int
	keyUses    []pqKeyUse
	rowKeyUses []pqKeyUse // keyUses read row by row
	rowUses    []int
	// userUse and eventUse are the uses whose dictionary entries stand for
	// the user key and event name, or -1 (pqDictCache)
	userUse, eventUse int
}

type pqKeyUse struct {
	use  int
	key  uint16
	bulk bool // only counted: read a batch at a time
}

// pqUse is one leaf column read.
type pqUse struct {
	leaf  *pqLeaf
	slots []int // the slots its text fills
	text  bool  // its text is wanted: for slots, or JSON to scan
	key   int32 // the column's property statistics id, or -1
	// trie holds the paths inside its values, which are JSON text
	// (PostHog's properties), and the slots they fill; it collects the
	// keys for property statistics when the column holds properties
	trie   *pathNode
	jslots []int
}

// planParquet plans a Parquet file from its schema and first rows.
func planParquet(opts *Options, keys *keyRegistry, name string, ra io.ReaderAt, size int64) (*plan, error) {
	f, s, err := openParquet(name, ra, size)
	if err != nil {
		return nil, err
	}
	p := basePlan(opts, keys, name)
	p.startLine = 1
	q := &pqPlan{file: f, schema: s}
	p.pq = q
	if err := pqVendor(opts, p, s); err != nil {
		return nil, err
	}
	if err := mapColumns(opts, p, s.has, s.hi.list()); err != nil {
		return nil, err
	}
	json := p.vendor == nil || p.vendor.JSON
	var sl slotter
	compileSlots(opts, p, &sl, func(f string) []string {
		var out []string
		for _, path := range p.propPaths(f, json) {
			if _, ok := s.has(path); ok {
				out = append(out, path)
			}
		}
		if len(out) == 0 {
			return []string{f} // a field the file lacks: the caller reports it
		}
		return out
	})
	p.nslots = len(sl.paths)
	if err := q.compile(p, sl.paths); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p.propStats {
		q.statistics(p, keys)
	}
	q.userUse, q.eventUse = -1, -1
	if v := p.vendor; v == nil || (v.AnonPrefix == "" && !v.UserIsAnonWhenSame) {
		q.userUse = q.dictUse(p.user)
	}
	if p.typ == nil && p.eventConst == nil {
		q.eventUse = q.dictUse(p.event)
	}
	timed := map[int]bool{}
	for _, u := range q.timeUse {
		timed[u] = true
	}
	for i, u := range q.uses {
		bulk := !u.text && !timed[i] && i != q.userUse && i != q.eventUse
		if u.text {
			q.textUses = append(q.textUses, i)
		}
		if u.key >= 0 {
			q.keyUses = append(q.keyUses, pqKeyUse{use: i, key: uint16(u.key), bulk: bulk})
			if !bulk {
				q.rowKeyUses = append(q.rowKeyUses, q.keyUses[len(q.keyUses)-1])
			}
		}
		if !bulk || u.key < 0 {
			q.rowUses = append(q.rowUses, i)
		}
	}
	if err := q.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	samples, err := q.timeSamples(p)
	if err != nil {
		return nil, err
	}
	timeColumn(opts, p, samples)
	for i := range p.time {
		if u := q.timeUse[i]; u >= 0 {
			p.mapping.TimeForm = q.uses[u].leaf.timeForm(zoneFor(opts, p))
			break
		}
	}
	return p, nil
}

// compile resolves every slot's path to a column and builds the uses.
func (q *pqPlan) compile(p *plan, paths []string) error {
	byLeaf := map[int]int{}
	use := func(leaf int) *pqUse {
		i, ok := byLeaf[leaf]
		if !ok {
			i = len(q.uses)
			byLeaf[leaf] = i
			q.uses = append(q.uses, pqUse{leaf: &q.schema.leaves[leaf], key: -1})
		}
		return &q.uses[i]
	}
	timeSlot := map[int]int{} // a time slot → its position in p.time
	for i, s := range p.time {
		timeSlot[s] = i
	}
	q.timeUse = make([]int, len(p.time))
	for i := range q.timeUse {
		q.timeUse[i] = -1
	}
	other := p.textSlots()
	for slot, path := range paths {
		src, err := q.schema.resolve(path)
		if err != nil {
			return err
		}
		if src.leaf < 0 {
			continue
		}
		u := use(src.leaf)
		l := u.leaf
		if src.sub != "" {
			if u.trie == nil {
				u.trie = newPathNode()
			}
			u.trie.add(src.sub, slot)
			u.jslots = append(u.jslots, slot)
			u.text = true
			continue
		}
		i, isTime := timeSlot[slot]
		switch {
		case l.kind == pqUnsupported:
			return fmt.Errorf("column %q is of type %s, which uptake does not read", l.name, l.typ)
		case isTime && l.kind == pqTimeOfDay:
			return fmt.Errorf("column %q is a time of day (%s), not a date and time; name the time column with --time-col", l.name, l.typ)
		case isTime && l.typed():
			q.timeUse[i] = byLeaf[src.leaf]
			if !other[slot] {
				continue // read as a number only
			}
		}
		u.slots = append(u.slots, slot)
		u.text = true
	}
	return nil
}

// textSlots are the slots read as text for something other than the time.
func (p *plan) textSlots() map[int]bool {
	out := map[int]bool{}
	add := func(slots []int) {
		for _, s := range slots {
			out[s] = true
		}
	}
	for _, s := range [][]int{p.user, p.anon, p.typ, p.event, p.id} {
		add(s)
	}
	for _, r := range p.rules {
		add(r.slots)
	}
	for _, f := range p.where {
		add(f.slots)
	}
	for _, s := range p.selectors {
		for _, f := range s.filters {
			add(f.slots)
		}
	}
	for _, s := range p.props {
		add(s)
	}
	for _, s := range p.amtSlots {
		add(s)
	}
	return out
}

// statistics adds what property statistics read: every other column of
// single values, counted by name when it holds a value, and the keys
// inside the columns of JSON text that hold properties (properties.,
// or the vendor's prefixes).
func (q *pqPlan) statistics(p *plan, keys *keyRegistry) {
	mapped := map[string]bool{}
	p.excluded = map[string]bool{}
	for _, f := range p.mapping.fields() {
		for _, path := range f.Paths {
			p.excluded[path] = true
			if src, err := q.schema.resolve(path); err == nil && src.leaf >= 0 && src.sub == "" {
				mapped[q.schema.leaves[src.leaf].name] = true
			}
		}
	}
	prefixes := []string{"properties."}
	if p.vendor != nil {
		prefixes = p.vendor.PropPrefixes
	}
	objects := map[string]bool{}
	for _, pre := range prefixes {
		if obj, ok := strings.CutSuffix(pre, "."); ok {
			objects[obj] = true
		}
	}
	for i := range q.schema.leaves {
		l := &q.schema.leaves[i]
		if l.repeated || l.kind == pqUnsupported || mapped[l.name] {
			continue
		}
		u := q.useOf(i)
		if objects[l.name] && l.kind == pqBytes {
			if u.trie == nil {
				u.trie = newPathNode()
			}
			u.trie.collect, u.trie.prefix = true, l.name+"."
			u.text = true
			p.excluded[l.name] = true
			continue
		}
		u.key = int32(keys.id(l.name)) // counted when it holds a value: no text needed
	}
}

// useOf is the use of leaf i, added when the command reads it for
// nothing else.
func (q *pqPlan) useOf(i int) *pqUse {
	for k := range q.uses {
		if q.uses[k].leaf.index == q.schema.leaves[i].index {
			return &q.uses[k]
		}
	}
	q.uses = append(q.uses, pqUse{leaf: &q.schema.leaves[i], key: -1})
	return &q.uses[len(q.uses)-1]
}

// check refuses what would fail later, before anything is read: a column
// compressed with a codec parquet-go lacks, a row group without a column.
func (q *pqPlan) check() error {
	md := q.file.Metadata()
	for g := range md.RowGroups {
		cols := md.RowGroups[g].Columns
		for _, u := range q.uses {
			if u.leaf.index < 0 || u.leaf.index >= len(cols) {
				return fmt.Errorf("row group %d has no column %q: the file is damaged", g+1, u.leaf.name)
			}
			codec := cols[u.leaf.index].MetaData.Codec
			if parquet.LookupCompressionCodec(codec).String() == "UNSUPPORTED" {
				return fmt.Errorf("column %q is compressed with %s, which uptake does not read (it reads Snappy, gzip, Brotli, zstd, LZ4_RAW and uncompressed); rewrite the file with zstd or Snappy", u.leaf.name, codec)
			}
		}
	}
	return nil
}

// timeSamples are the text of the time field's first values in the file,
// where they are text or numbers (typed timestamps need no sampling).
func (q *pqPlan) timeSamples(p *plan) ([]string, error) {
	text := false
	for i, s := range p.time {
		if q.timeUse[i] < 0 && slotRead(q, s) {
			text = true
		}
	}
	groups := q.file.RowGroups()
	if !text || len(groups) == 0 {
		return nil, nil
	}
	w := newWorker(p)
	if err := w.pqOpen(0, groups[0].NumRows()); err != nil {
		return nil, err
	}
	defer w.pqClose()
	b := getBatch(0)
	defer batchPool.Put(b)
	var out []string
	rows := min(500, groups[0].NumRows())
	if err := w.pqBatch(int(rows)); err != nil {
		return nil, err
	}
	for n := int64(0); n < rows; n++ {
		b.keys = b.keys[:0]
		_, msg, err := w.pqFill(b)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			continue
		}
		for i, s := range p.time {
			if q.timeUse[i] < 0 && len(w.vals[s]) > 0 {
				out = append(out, string(w.vals[s]))
				break
			}
		}
	}
	return out, nil
}

// slotRead says whether a column or JSON path fills slot s.
func slotRead(q *pqPlan, s int) bool {
	for _, u := range q.uses {
		for _, t := range append(u.slots, u.jslots...) {
			if t == s {
				return true
			}
		}
	}
	return false
}

// timeForm describes how a typed time column is read.
func (l *pqLeaf) timeForm(naive *time.Location) string {
	units := pqUnits
	switch {
	case l.kind == pqDate:
		return "Parquet DATE (days), read as midnight in " + naive.String()
	case l.kind == pqInt96:
		return "Parquet INT96 timestamps, read as UTC"
	case l.utc:
		return "Parquet TIMESTAMP in " + units[l.unit] + ", UTC"
	}
	return "Parquet TIMESTAMP in " + units[l.unit] + " without a zone (isAdjustedToUTC=false), read in " + naive.String()
}

// pqVendor decides the vendor: forced with --input-format (a vendor's
// JSON shape first: PostHog's Parquet keeps the fields of its JSON lines),
// or by the fingerprints of both shapes over the columns and first rows.
func pqVendor(opts *Options, p *plan, s *pqSchema) error {
	if IsVendor(opts.Format) {
		v := vendorNamed(opts.Format, true)
		if v == nil {
			v = vendorNamed(opts.Format, false)
		}
		if v == nil {
			return fmt.Errorf("%s: --input-format %s: uptake does not know %s exports as Parquet", p.name, opts.Format, opts.Format)
		}
		p.vendor, p.detected = v, "set with --input-format"
		return nil
	}
	recs, err := pqSampleRecords(p.name, p.pq.file, s, 50)
	if err != nil {
		return err // it names the file
	}
	return pickVendor(opts, p, false, func() (detection, error) {
		scores := map[*Vendor][]int{}
		signals := map[*Vendor][]string{}
		for _, v := range Vendors {
			switch {
			case v.scoreCSV != nil:
				sc, sig := v.scoreCSV(s.hi)
				scores[v], signals[v] = []int{sc}, sig
			case v.scoreJSON != nil && len(recs) > 0:
				for _, r := range recs {
					sc, sig := v.scoreJSON(r)
					scores[v] = append(scores[v], sc)
					signals[v] = append(signals[v], sig...)
				}
			}
		}
		return pick(scores, signals)
	})
}

// pqFingerprintValues are the columns whose values (not only presence) a
// vendor's fingerprint looks at (Vendor.scoreJSON).
var pqFingerprintValues = map[string]bool{"type": true, "messageId": true, "event": true, "distinct_id": true,
	"properties": true, "context.library.name": true}

// pqSampleRecords reads the first n rows of the first row group as JSON
// records are decoded, for the vendors' fingerprints: every column of
// single values is a key (nested ones in nested objects), and the few
// whose values fingerprints look at are read: JSON text as objects,
// numbers as float64, nulls as nil. The others hold "" (no column is
// read that the command does not need but those few).
func pqSampleRecords(name string, f *parquet.File, s *pqSchema, n int) ([]record, error) {
	groups := f.RowGroups()
	if len(groups) == 0 {
		return nil, nil
	}
	rows := int(min(int64(n), groups[0].NumRows()))
	chunks := groups[0].ColumnChunks()
	recs := make([]record, rows)
	for i := range recs {
		recs[i] = record{}
	}
	var text []byte
	for i := range s.leaves {
		l := &s.leaves[i]
		if l.repeated || l.kind == pqUnsupported || l.index >= len(chunks) {
			continue
		}
		var c *pqCursor
		codec := f.Metadata().RowGroups[0].Columns[l.index].MetaData.Codec
		if pqFingerprintValues[l.name] && parquet.LookupCompressionCodec(codec).String() != "UNSUPPORTED" {
			c = newPQCursor(name, l, f, 0, groups[0].NumRows())
		}
		for r := 0; r < rows; r++ {
			var v any = ""
			if c != nil {
				if err := c.next(); err != nil {
					c.close()
					return nil, err
				}
				v = nil
				if c.k >= 0 {
					text = l.appendText(text[:0], c.values(), c.k)
					v = sampleValue(l, text)
				}
			}
			m := recs[r]
			parts := strings.Split(l.name, ".")
			for _, part := range parts[:len(parts)-1] {
				sub, ok := m[part].(map[string]any)
				if !ok {
					sub = map[string]any{}
					m[part] = sub
				}
				m = sub
			}
			m[parts[len(parts)-1]] = v
		}
		if c != nil {
			c.close()
		}
	}
	return recs, nil
}

// sampleValue is a column's text as encoding/json would decode it.
func sampleValue(l *pqLeaf, text []byte) any {
	switch l.kind {
	case pqBool:
		return string(text) == "true"
	case pqInt, pqUint, pqFloat, pqDecimal, pqFloat16:
		f, _ := strconv.ParseFloat(string(text), 64)
		return f
	case pqBytes:
		if t := strings.TrimSpace(string(text)); strings.HasPrefix(t, "{") {
			var m map[string]any
			if json.Unmarshal([]byte(t), &m) == nil {
				return m
			}
		}
	}
	return string(text)
}
