package ingest

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
)

// A Parquet file is read a row group at a time: each parse worker takes
// the next row group, reads the pages of the columns the plan uses, and
// hands the consumer batches of rows; the consumer takes the row groups'
// batches in file order, so the first bad row reported is the first in the
// file and dedup keeps the first of duplicates, as for text.

// pqBatchRows is the number of rows in a batch; pqAhead bounds the
// batches of a row group read before the consumer takes them (about 1.5 MB
// each).
const (
	pqBatchRows = 16 << 10
	pqAhead     = 16
)

// pqState is a worker's reading of a row group.
type pqState struct {
	cur  []*pqCursor   // per use of the plan
	scan []jsonScanner // per use: its JSON paths' scanner
	text []byte        // the text of the row's values that are not text in the file
	// the batch's rows' keys of the columns read a batch at a time:
	// row i's are keys[start[i]:start[i+1]]
	keys  []uint16
	start []int32
	row   int     // the batch's next row
	found []int32 // scratch: the rows of each column with a value
	// the user and event columns' dictionary entries met in the batch; gen
	// changes with each batch and dictionary, and the entries of others go
	user, event     pqDictCache
	gen             uint32
	userOK, eventOK bool // the row's entries stand for its user key and event name
}

func newPQState(w *worker) *pqState {
	q := w.p.pq
	st := &pqState{cur: make([]*pqCursor, len(q.uses)), scan: make([]jsonScanner, len(q.uses)), gen: 1}
	st.user.use, st.event.use = q.userUse, q.eventUse
	for i, u := range q.uses {
		if u.trie != nil {
			st.scan[i] = jsonScanner{root: u.trie.clone(), slots: make([][]byte, w.p.nslots)}
			if u.trie.collect {
				st.scan[i].resolve = w.resolve
			}
		}
	}
	return st
}

// pqOpen starts reading row group g, of rows rows, at its first row.
func (w *worker) pqOpen(g int, rows int64) error {
	q := w.p.pq
	for i, u := range q.uses {
		w.pq.cur[i] = newPQCursor(w.p.name, u.leaf, q.file, g, rows)
	}
	for _, k := range q.keyUses {
		w.pq.cur[k.use].count = k.bulk
	}
	w.pq.user.from, w.pq.event.from = -1, -1 // new cursors count dictionaries from 0
	return nil
}

func (w *worker) pqClose() {
	for i, c := range w.pq.cur {
		if c != nil {
			c.close()
			w.pq.cur[i] = nil
		}
	}
}

// pqFill reads the next row into the slots and its property keys into
// b.keys. err is a fault of the file (a damaged page); msg and col are the
// row's own fault (JSON text that is not JSON), which --on-invalid skip
// skips.
func (w *worker) pqFill(b *batch) (col, msg string, err error) {
	q, st := w.p.pq, w.pq
	for _, i := range q.rowUses {
		if err := st.cur[i].next(); err != nil {
			return "", "", err
		}
	}
	for _, k := range q.rowKeyUses {
		if st.cur[k.use].k >= 0 {
			b.keys = append(b.keys, k.key)
		}
	}
	if st.row < len(st.start)-1 {
		b.keys = append(b.keys, st.keys[st.start[st.row]:st.start[st.row+1]]...)
		st.row++
	}
	st.text = st.text[:0]
	// every slot a column fills is set (nil for no value), so the
	// previous row's values never linger; slots of fields the file
	// lacks stay nil
	for _, i := range q.textUses {
		u, c := &q.uses[i], st.cur[i]
		if c.k < 0 {
			for _, s := range u.slots {
				w.vals[s] = nil
			}
			for _, s := range u.jslots {
				w.vals[s] = nil
			}
			continue
		}
		v := c.values()
		var val []byte
		if l := u.leaf; l.kind == pqBytes || l.kind == pqFixed {
			val = v.bytesAt(c.k)
		} else {
			n := len(st.text)
			st.text = l.appendText(st.text, v, c.k)
			val = st.text[n:len(st.text):len(st.text)]
		}
		for _, s := range u.slots {
			w.vals[s] = val
		}
		if u.trie == nil {
			continue
		}
		if !jsonObject(val) {
			for _, s := range u.jslots {
				w.vals[s] = nil
			}
			continue
		}
		sc := &st.scan[i]
		sc.keys = b.keys
		err := sc.scan(val)
		b.keys = sc.keys
		if err != nil {
			return u.leaf.name, "invalid JSON: " + err.Error(), nil
		}
		for _, s := range u.jslots {
			w.vals[s] = sc.slots[s]
		}
	}
	st.user.row(st)
	st.event.row(st)
	return "", "", nil
}

// pqBatch reads the next n rows of the columns only counted for property
// statistics, a column at a time: which rows hold a value, then each
// row's keys in row order (a counting sort). Row by row, each column would
// cost a cursor step per row; most rows of most columns hold nothing.
func (w *worker) pqBatch(n int) error {
	q, st := w.p.pq, w.pq
	st.row = 0
	st.start = slices.Grow(st.start[:0], n+1)[:n+1]
	clear(st.start)
	st.keys = st.keys[:0]
	var bulk []pqKeyUse
	for _, k := range q.keyUses {
		if k.bulk {
			bulk = append(bulk, k)
		}
	}
	if len(bulk) == 0 {
		st.start = st.start[:0]
		return nil
	}
	// count each row's keys, remembering the rows per column
	st.found = st.found[:0]
	ends := make([]int, 0, len(bulk))
	for _, k := range bulk {
		var err error
		if st.found, err = st.cur[k.use].present(n, st.found); err != nil {
			return err
		}
		ends = append(ends, len(st.found))
	}
	for _, r := range st.found {
		st.start[r+1]++
	}
	for i := 1; i <= n; i++ {
		st.start[i] += st.start[i-1]
	}
	st.keys = slices.Grow(st.keys, len(st.found))[:len(st.found)]
	fill := slices.Clone(st.start[:n]) // next free place per row
	from := 0
	for j, k := range bulk {
		for _, r := range st.found[from:ends[j]] {
			st.keys[fill[r]] = k.key
			fill[r]++
		}
		from = ends[j]
	}
	return nil
}

// jsonObject says whether a value of a JSON column is an object, whose
// fields paths reach; other values (null, "", a number) have none.
func jsonObject(v []byte) bool {
	i := skipWS(v, 0)
	return i < len(v) && v[i] == '{'
}

// pqRow reads the next row and emits it; false stops the batch.
func (w *worker) pqRow(b *batch, line int) bool {
	b.counts.Rows++
	w.lines = 1
	kOff := len(b.keys)
	col, msg, err := w.pqFill(b)
	switch {
	case err != nil:
		b.err = err
		return false
	case msg != "":
		b.keys = b.keys[:kOff]
		return w.invalid(b, line, col, msg)
	}
	return w.emit(b, line, kOff)
}

// pqTime reads the row's time: the first of the time field's columns
// with a value, a typed one (TIMESTAMP, DATE, INT96) as a number, others
// as text. tv is the value as text for messages: for a typed value, only
// when a message needs it.
func (w *worker) pqTime() (t int64, tf timeFlags, tv []byte, err error) {
	q := w.p.pq
	for i, s := range w.p.time {
		u := q.timeUse[i]
		if u < 0 {
			if v := w.vals[s]; len(v) > 0 {
				t, tf, err = w.tp.parse(v)
				return t, tf, v, err
			}
			continue
		}
		c := w.pq.cur[u]
		if c.k < 0 {
			continue
		}
		l := q.uses[u].leaf
		v := c.values()
		wall, err := l.instant(v, c.k)
		if err != nil {
			return 0, 0, l.rawText(v, c.k), err
		}
		switch {
		case l.kind == pqDate:
			t, tf, err = w.tp.inZone(wall, nil)
			tf |= timeDateOnly
		case l.kind == pqTimestamp && !l.utc:
			t, tf, err = w.tp.inZone(wall, nil)
			tf |= timeNaive
		default:
			t = wall
		}
		if err == nil {
			err = inRange(t)
		}
		if err != nil || tf&(timeGap|timeOverlap) != 0 {
			tv = l.appendText(nil, v, c.k)
		}
		return t, tf, tv, err
	}
	_, _, err = w.tp.parse(nil)
	return 0, 0, nil, err
}

// rawText is a typed time value as stored, for a message about it.
func (l *pqLeaf) rawText(v *pqValues, k int) []byte {
	switch l.kind {
	case pqInt96:
		return fmt.Appendf(nil, "INT96 %x", v.bytesAt(k))
	case pqDate:
		return fmt.Appendf(nil, "%d days since 1970", v.intAt(k))
	}
	return fmt.Appendf(nil, "%d %s since 1970", v.intAt(k), pqUnits[l.unit])
}

// pqUnits name TIMESTAMP's units by their nanoseconds.
var pqUnits = map[int64]string{1e6: "milliseconds", 1e3: "microseconds", 1: "nanoseconds"}

// held is v where the batch keeps it: a Parquet value lives in a page
// that is released before the consumer reads the batch, so the values a
// row keeps (its properties, its identity link) are copied into it.
func (w *worker) held(b *batch, v []byte) []byte {
	if w.p.pq == nil || len(v) == 0 {
		return v
	}
	n := len(b.text)
	b.text = append(b.text, v...)
	return b.text[n:len(b.text):len(b.text)]
}

// pqTask is one row group to read.
type pqTask struct {
	g     int
	first int64 // the rows before it
	rows  int64
	out   chan *batch
}

// pqRowGroup reads a row group into batches, until done is closed.
func (w *worker) pqRowGroup(t *pqTask, done <-chan struct{}) {
	defer close(t.out)
	send := func(b *batch) bool {
		select {
		case t.out <- b:
			return true
		case <-done:
			batchPool.Put(b)
			return false
		}
	}
	defer func() {
		if v := recover(); v != nil {
			b := getBatch(0)
			b.err = &Panic{Value: v, Stack: debug.Stack()}
			send(b)
		}
	}()
	select {
	case <-done:
		return
	default:
	}
	if err := w.pqOpen(t.g, t.rows); err != nil {
		b := getBatch(0)
		b.err = err
		send(b)
		return
	}
	defer w.pqClose()
	line := int(t.first) + 1
	for left := t.rows; left > 0; {
		n := min(left, pqBatchRows)
		b := getBatch(int(n) * 40)
		clear(w.userIdx)
		clear(w.nameIdx)
		w.pq.gen++
		if err := w.pqBatch(int(n)); err != nil {
			b.err = err
			send(b)
			return
		}
		for i := int64(0); i < n && w.pqRow(b, line); i++ {
			line++
		}
		left -= n
		if !send(b) || b.err != nil {
			return
		}
	}
}

// pqPipeline reads a Parquet file's row groups on the parse workers and
// consumes their batches in file order.
func (c *consumer) pqPipeline(p *plan, fs *FileStats) error {
	groups := p.pq.file.RowGroups()
	work := make(chan *pqTask, c.opts.Workers)
	order := make(chan *pqTask, c.opts.Workers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < c.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(p)
			for t := range work {
				w.pqRowGroup(t, done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		var first int64
		for g, rg := range groups {
			// a worker may read its whole row group while the consumer is
			// still at an earlier one (up to pqAhead batches): with room
			// for two batches only, it would wait, and the workers would
			// take turns instead of working side by side
			ahead := min((rg.NumRows()+pqBatchRows-1)/pqBatchRows, pqAhead)
			t := &pqTask{g: g, first: first, rows: rg.NumRows(), out: make(chan *batch, max(ahead, 1))}
			first += t.rows
			select {
			case work <- t:
			case <-done:
				return
			}
			select {
			case order <- t:
			case <-done:
				return
			}
		}
	}()
	var err error
	for t := range order {
		for b := range t.out {
			if err == nil {
				if err = c.consume(b, fs); err != nil {
					close(done)
				}
			}
			batchPool.Put(b)
		}
	}
	wg.Wait()
	return err
}

// pqDictCache remembers, for the dictionary entries of the user or event
// column seen in the current batch, their place in the batch's set: a
// column of 100k users or 20 event names is dictionary-encoded, and a
// batch meets each entry many times, each a hash and a lookup otherwise.
type pqDictCache struct {
	use  int // the use whose values these are, or -1: none
	from int // the cursor's dictN the entries index
	idx  int // the row's entry, or -1
	ents []pqDictEnt
}

type pqDictEnt struct {
	gen uint32 // the pqState.gen it was found in
	k   int32
}

// dictUse is the use that alone fills the user id (no anonymous id
// rules, no users table can change it) or the event name, when its values
// are text; -1 otherwise.
func (q *pqPlan) dictUse(slots []int) int {
	if len(slots) != 1 {
		return -1
	}
	for i, u := range q.uses {
		if u.leaf.kind == pqBytes && len(u.slots) > 0 && slices.Contains(u.slots, slots[0]) {
			return i
		}
	}
	return -1
}

// row points the cache at the row's dictionary entry.
func (c *pqDictCache) row(st *pqState) {
	c.idx = -1
	if c.use < 0 {
		return
	}
	cur := st.cur[c.use]
	if cur.idx == nil || cur.k < 0 {
		return
	}
	if cur.dictN != c.from { // a new dictionary: new indexes
		c.from = cur.dictN
		st.gen++
		if len(c.ents) < cur.dict.n {
			c.ents = make([]pqDictEnt, cur.dict.n)
		}
	}
	c.idx = cur.k
}

// refs is worker.refs for a Parquet row.
func (st *pqState) refs(w *worker, b *batch, user, ukey, event []byte, uref, eref *batchRef) {
	st.userOK = st.user.idx >= 0 && len(user) > 0 && w.p.table == nil
	if c := &st.user; st.userOK && st.gen == c.ents[c.idx].gen {
		uref.k = c.ents[c.idx].k
	} else {
		*uref = w.userIdx.find(&b.users, ukey, userHash(ukey))
	}
	st.eventOK = st.event.idx >= 0 && len(event) > 0
	if c := &st.event; st.eventOK && st.gen == c.ents[c.idx].gen {
		eref.k = c.ents[c.idx].k
	} else {
		*eref = w.nameIdx.find(&b.names, event, keyHash(event))
	}
}

// remember notes the row's user and event in the caches.
func (st *pqState) remember(lu, le int32) {
	if st.userOK {
		st.user.ents[st.user.idx] = pqDictEnt{gen: st.gen, k: lu}
	}
	if st.eventOK {
		st.event.ents[st.event.idx] = pqDictEnt{gen: st.gen, k: le}
	}
}
