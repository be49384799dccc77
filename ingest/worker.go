package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

type worker struct {
	// Two workers' hot fields (slot values, scanner state) written on every
	// row must not share a cache line: without the padding the workers'
	// structs sit side by side and false sharing cost ~30% of CSV throughput.
	_       [64]byte
	p       *plan
	csv     csvScanner
	ws      wsScanner
	js      jsonScanner
	vals    [][]byte
	hbuf    []byte
	kbuf    []byte     // a user key marked as anonymous (userKey)
	amtVals [][]byte   // the --amount fields' values of the row
	tp      timeParser // the plan's, with a day cache of this worker's own
	pq      *pqState   // reading a Parquet file's row group
	// lines is the number of physical lines of the record being read
	lines int
	// the current batch's users and event names by hash
	userIdx, nameIdx batchIndex
	_                [64]byte
}

func newWorker(p *plan) *worker {
	// vals gets spare capacity for the same reason as the padding above
	w := &worker{p: p, csv: csvScanner{sep: p.sep, fields: make([][]byte, 0, 64)}, ws: wsScanner{fields: make([][]byte, 0, 64)}, vals: make([][]byte, p.nslots, p.nslots+8), tp: p.tp}
	if p.trie != nil {
		w.js.root = p.trie.clone()
		w.js.slots = w.vals
		if p.propStats {
			w.js.resolve = w.resolve
		}
	}
	if p.pq != nil {
		w.pq = newPQState(w)
	}
	return w
}

func (w *worker) parse(ch *chunk) *batch {
	b := getBatch(len(ch.data))
	clear(w.userIdx)
	clear(w.nameIdx)
	if ch.err == nil {
		w.p.format.parse(w, b, ch)
	}
	return b
}

// parseDoc reads a JSON document's records, at the spans its framer found.
func (w *worker) parseDoc(b *batch, ch *chunk) {
	data := ch.data
	for _, s := range ch.spans {
		w.lines = 1 + bytes.Count(data[s.off:s.end], nl)
		if s.end-s.off > maxRecordSize {
			b.counts.Rows++
			if !w.invalid(b, s.line, "", tooLong) {
				return
			}
		} else if !w.jsonRecord(b, data[s.off:s.end], s.line) {
			return
		}
	}
}

// parseLines reads JSON lines.
func (w *worker) parseLines(b *batch, ch *chunk) {
	data, line := ch.data, ch.line
	w.lines = 1
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var rec []byte
		if i < 0 {
			rec, data = data, nil
		} else {
			rec, data = data[:i], data[i+1:]
		}
		if len(rec) > maxRecordSize {
			b.counts.Rows++
			if !w.invalid(b, line, "", tooLong) {
				return
			}
		} else if len(bytes.TrimSpace(rec)) > 0 {
			if !w.jsonRecord(b, rec, line) {
				return
			}
		}
		line++
	}
}

// parseCSV reads delimited text: CSV, TSV, …
func (w *worker) parseCSV(b *batch, ch *chunk) { w.parseDelimited(b, ch, false) }

// parseWhitespace reads whitespace-separated text.
func (w *worker) parseWhitespace(b *batch, ch *chunk) { w.parseDelimited(b, ch, true) }

// parseDelimited reads records that the CSV scanner, or with ws the
// whitespace scanner, splits into fields.
func (w *worker) parseDelimited(b *batch, ch *chunk, ws bool) {
	data, line := ch.data, ch.line
	pos := 0
	for pos < len(data) {
		recLine := line
		var fields [][]byte
		var next, nls int
		var err error
		if ws {
			fields, next, nls, err = w.ws.next(data, pos)
		} else {
			fields, next, nls, err = w.csv.next(data, pos)
		}
		if err == nil && next-pos > maxRecordSize {
			err = errors.New(tooLong)
		}
		w.lines = nls
		if next > pos && data[next-1] != '\n' {
			w.lines++ // the input's last line, unterminated
		}
		pos, line = next, line+nls
		if err == errUnterminated {
			// it swallowed the rest of the input: skipping it would lose
			// every line after the quote
			b.counts.Rows++
			b.err = &RowError{File: w.p.name, Line: recLine, Msg: fmt.Sprintf("%v: the rest of the input (%d %s) would be inside it, so it cannot be skipped: fix the quote", err, w.lines, plural(w.lines, "line"))}
			return
		}
		if err != nil {
			b.counts.Rows++
			if !w.invalid(b, recLine, "", err.Error()) {
				return
			}
			continue
		}
		if fields == nil {
			continue
		}
		b.counts.Rows++
		if len(fields) != w.p.ncols {
			if !w.invalid(b, recLine, "", w.p.fieldCount(len(fields))) {
				return
			}
			continue
		}
		if w.p.isHeader(fields) {
			if !w.invalid(b, recLine, "", w.p.headerRepeated()) {
				return
			}
			continue
		}
		w.p.fillCSV(fields, w.vals)
		kOff := len(b.keys)
		for _, pc := range w.p.propCols {
			if len(fields[pc.col]) > 0 {
				b.keys = append(b.keys, pc.key)
			}
		}
		if !w.emit(b, recLine, kOff) {
			return
		}
	}
}

func (w *worker) jsonRecord(b *batch, rec []byte, line int) bool {
	b.counts.Rows++
	kOff := len(b.keys)
	w.js.keys = b.keys
	err := w.js.scan(rec)
	b.keys = w.js.keys
	if err != nil {
		b.keys = b.keys[:kOff]
		return w.invalid(b, line, "", "invalid JSON: "+err.Error())
	}
	return w.emit(b, line, kOff)
}

// resolve gives a property key its statistics id, or -1 for the keys the
// mapping uses and the objects properties are counted inside.
func (w *worker) resolve(node *pathNode, key []byte) int32 {
	name := node.prefix + string(key)
	if w.p.excluded[name] {
		return -1
	}
	return int32(w.p.keys.id(name))
}

// emit turns the filled slots into a row, or counts why not. It returns
// false when the batch must stop (a bad row with --on-invalid fail).
func (w *worker) emit(b *batch, line, kOff int) bool {
	p := w.p
	vals := w.vals
	drop := func() { b.keys = b.keys[:kOff] }
	for i := range p.where {
		f := &p.where[i]
		if !f.Match(first(vals, f.slots)) {
			b.counts.Filtered++
			drop()
			return true
		}
	}
	user := first(vals, p.user)
	anon := first(vals, p.anon)
	if v := p.vendor; v != nil {
		if v.AnonPrefix != "" && bytes.HasPrefix(user, []byte(v.AnonPrefix)) {
			user = nil // Mixpanel's "$device:…": the row is anonymous
		}
		if v.UserIsAnonWhenSame && len(user) > 0 && bytes.Equal(user, anon) {
			user = nil
		}
	}
	if len(user) == 0 && len(anon) == 0 {
		b.counts.MissingUser++
		drop()
		return true
	}
	row := int32(-1) // the user's row of the users table, under --user-key
	if t := p.table; t != nil && len(user) > 0 {
		key, r, ok := t.rekey(user)
		if !ok {
			drop()
			return w.invalid(b, line, p.mapping.User.Column(), t.notInTable(user))
		}
		user, row = key, r
	}
	if p.vendor != nil && p.vendor.LinksOnly {
		drop()
		w.link(b, user, anon, line)
		return true
	}
	event := p.eventConst
	if p.typ != nil {
		if rule, ok := p.rules[string(first(vals, p.typ))]; ok {
			switch {
			case rule.identity:
				drop()
				w.link(b, user, anon, line)
				return true
			case rule.name != nil:
				event = rule.name
			default:
				event = first(vals, rule.slots)
			}
		}
	}
	if event == nil {
		event = first(vals, p.event)
		if len(event) == 0 {
			drop()
			return w.invalid(b, line, p.mapping.Event.Column(), "empty event name")
		}
	}
	// the batch's users and names were valid UTF-8 when added
	ukey := userKey(user, anon, p.rawIdentity, &w.kbuf)
	var uref, eref batchRef
	w.refs(b, user, ukey, event, &uref, &eref)
	if !utf8.Valid(anon) {
		drop()
		return w.invalid(b, line, p.mapping.Anon.Column(), "anonymous id is not valid UTF-8")
	}
	if uref.k < 0 && !utf8.Valid(user) {
		drop()
		return w.invalid(b, line, p.mapping.User.Column(), "user id is not valid UTF-8")
	}
	if uref.k < 0 && len(user) > 0 && user[0] == 0 {
		// the user table marks anonymous ids with a leading NUL: such a
		// user id would be the anonymous id after it
		drop()
		return w.invalid(b, line, p.mapping.User.Column(), "user id starts with a NUL byte")
	}
	if eref.k < 0 && !utf8.Valid(event) {
		drop()
		return w.invalid(b, line, p.mapping.Event.Column(), "event name is not valid UTF-8")
	}
	var t int64
	var tf timeFlags
	var tv []byte
	var err error
	if p.pq != nil {
		t, tf, tv, err = w.pqTime()
	} else {
		tv = first(vals, p.time)
		t, tf, err = w.tp.parse(tv)
	}
	if p.vendor != nil && p.vendor.UTC {
		tf &^= timeNaive // the vendor documents UTC
	}
	if err != nil {
		drop()
		return w.invalid(b, line, p.mapping.Time.Column(), timeErrorMsg(tv, err))
	}
	if (p.hasSince && t < p.since) || (p.hasUntil && t >= p.until) {
		b.counts.OutOfRange++
		drop()
		return true
	}
	b.noteTime(tf, line, tv, w.tp.naiveLoc)
	r := rowRec{t: t, line: line, tf: tf, kOff: int32(kOff), kEnd: int32(len(b.keys)), link: -1}
	amt := math.NaN()
	if p.amount != nil {
		w.amtVals = w.amtVals[:0]
		for _, slots := range p.amtSlots {
			w.amtVals = append(w.amtVals, first(vals, slots))
		}
		v, ok, msg := p.amount.value(w.amtVals)
		if msg != "" {
			drop()
			return w.invalid(b, line, "", msg)
		}
		if ok {
			amt = v
		}
	}
	if len(user) > 0 && len(anon) > 0 && !p.rawIdentity { // raw identities are never linked
		b.links = append(b.links, [2][]byte{w.held(b, user), w.held(b, anon)})
		r.link = int32(len(b.links) - 1)
	}
	if r.lu, r.le = uref.k, eref.k; r.lu < 0 {
		r.lu = w.userIdx.add(&b.users, uref)
	}
	if r.le < 0 {
		r.le = w.nameIdx.add(&b.names, eref)
	}
	if w.pq != nil {
		w.pq.remember(r.lu, r.le)
	}
	if p.dedup != DedupOff {
		who := user
		if len(who) == 0 {
			who = anon
		}
		if id := first(vals, p.id); len(id) > 0 {
			r.hID, r.hasID = w.hash(who, event, id, t), true
		}
		if p.dedup == DedupExact {
			r.hEx, r.hasEx = w.hash(who, event, nil, t), true
		}
	}
	r.pOff = int32(len(b.props))
	for _, slots := range p.props {
		b.props = append(b.props, w.held(b, first(vals, slots)))
	}
	for _, col := range p.tableCols {
		var v []byte
		if row >= 0 {
			v = bytesOf(p.table.cell(row, col))
		}
		b.props = append(b.props, v)
	}
	if p.amount != nil {
		b.props = append(b.props, b.amountSlot(amt))
	}
	b.rows = append(b.rows, r)
	if len(p.selectors) > 0 {
		w.derive(b, r, event)
	}
	return true
}

// refs finds the row's user key and event name in the batch's sets (k < 0:
// not there yet); a Parquet row whose values are dictionary entries seen
// earlier in the batch skips the hashing (pqState.refs).
func (w *worker) refs(b *batch, user, ukey, event []byte, uref, eref *batchRef) {
	if w.pq != nil {
		w.pq.refs(w, b, user, ukey, event, uref, eref)
		return
	}
	*uref, *eref = w.userIdx.find(&b.users, ukey, userHash(ukey)), w.nameIdx.find(&b.names, event, keyHash(event))
}

// batchSet holds the distinct keys of a batch's rows (users, event names)
// in the order of their first rows, so the consumer looks each up once per
// batch rather than once per row: 10k rows of an export in time order hold
// about 2.3k users and a dozen names, and a lookup in the consumer's tables
// of all users is a cache miss or two.
type batchSet struct {
	ents []batchKey
	buf  []byte // the keys, back to back
}

type batchKey struct {
	off, n uint32
	h      uint64
}

func (s *batchSet) key(k int) []byte {
	e := &s.ents[k]
	return s.buf[e.off : e.off+e.n]
}

func (s *batchSet) reset() { s.ents, s.buf = s.ents[:0], s.buf[:0] }

// batchIndex is a worker's index of a batchSet: positions+1 by hash, at
// most half full, cleared for each batch.
type batchIndex []int32

// batchRef is a key looked up in a batchSet: its position, or -1 with the
// index slot where add puts it.
type batchRef struct {
	k    int32
	slot uint64
	key  []byte
	h    uint64
}

// find looks key (whose hash is h) up in s.
func (x *batchIndex) find(s *batchSet, key []byte, h uint64) batchRef {
	if 2*(len(s.ents)+1) > len(*x) {
		*x = make(batchIndex, max(64, 2*len(*x)))
		for k := range s.ents {
			x.place(s.ents[k].h, int32(k))
		}
	}
	mask := uint64(len(*x) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		k := (*x)[i] - 1
		if k < 0 {
			return batchRef{k: -1, slot: i, key: key, h: h}
		}
		if e := &s.ents[k]; e.h == h && string(s.buf[e.off:e.off+e.n]) == string(key) {
			return batchRef{k: k}
		}
	}
}

// add puts a key find did not find into s (no other key in between) and
// returns its position.
func (x batchIndex) add(s *batchSet, r batchRef) int32 {
	x[r.slot] = int32(len(s.ents)) + 1
	s.ents = append(s.ents, batchKey{off: uint32(len(s.buf)), n: uint32(len(r.key)), h: r.h})
	s.buf = append(s.buf, r.key...)
	return int32(len(s.ents) - 1)
}

func (x batchIndex) place(h uint64, k int32) {
	mask := uint64(len(x) - 1)
	i := h & mask
	for x[i] != 0 {
		i = (i + 1) & mask
	}
	x[i] = k + 1
}

// link records an identity link (a user and an anonymous id, no event); a
// record without both is counted and has nothing to link.
func (w *worker) link(b *batch, user, anon []byte, line int) {
	if len(user) == 0 || len(anon) == 0 || !utf8.Valid(user) || !utf8.Valid(anon) {
		b.counts.Links++
		return
	}
	b.links = append(b.links, [2][]byte{w.held(b, user), w.held(b, anon)})
	b.rows = append(b.rows, rowRec{link: int32(len(b.links) - 1), linkOnly: true, line: line})
}

// hash keys dedup: (user, event, id, time) for event ids, as Mixpanel
// recommends, and (user, event, time) for exact. 64-bit xxhash: a false
// duplicate needs a collision among equal-time rows, which does not happen
// at any realistic size (p ≈ n²/2⁶⁵).
func (w *worker) hash(user, event, id []byte, t int64) uint64 {
	h := w.hbuf[:0]
	h = append(h, user...)
	h = append(h, 0)
	h = append(h, event...)
	h = append(h, 0)
	if id != nil {
		h = append(h, 1)
		h = append(h, id...)
		h = append(h, 0)
	}
	for i := 0; i < 8; i++ {
		h = append(h, byte(t>>(8*i)))
	}
	w.hbuf = h
	return xxhash.Sum64(h)
}

func (w *worker) invalid(b *batch, line int, col, msg string) bool {
	e := &RowError{File: w.p.name, Line: line, Column: col, Msg: msg, Row: w.p.pq != nil}
	if !w.p.skipInvalid {
		b.err = e
		return false
	}
	b.counts.Skipped++
	b.counts.SkippedLines += int64(w.lines)
	if len(b.skipMsgs) < 5 {
		b.skipMsgs = append(b.skipMsgs, e.Error())
	}
	return true
}

// isHeader reports whether a record is the header again (files joined
// with their headers); the first field's comparison settles nearly every
// row.
func (p *plan) isHeader(fields [][]byte) bool {
	if len(fields) != len(p.header) || len(fields) == 0 || string(fields[0]) != p.header[0] {
		return false
	}
	for i, f := range fields[1:] {
		if string(f) != p.header[i+1] {
			return false
		}
	}
	return true
}

// headerRepeated is the message of a record that is the header again.
func (p *plan) headerRepeated() string {
	if p.headerless {
		return "this row is the --columns names: the file has a header row after all? leave out --header none and --columns"
	}
	return "this row repeats the header: two files joined into one? give them as separate files"
}

// fieldCount is the message of a record with n fields, not the file's number.
func (p *plan) fieldCount(n int) string {
	if p.headerless {
		return fmt.Sprintf("has %d %s, --columns names %d", n, plural(n, "field"), p.ncols)
	}
	return fmt.Sprintf("has %d %s, the header has %d", n, plural(n, "field"), p.ncols)
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func quoteValue(v []byte) string {
	const max = 60
	if len(v) > max {
		return fmt.Sprintf("%q…", v[:max])
	}
	return fmt.Sprintf("%q", v)
}
