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

// pqBatchRows is the number of rows in a batch.
const pqBatchRows = 16 << 10

// pqState is a worker's reading of a row group.
type pqState struct {
	cur  []*pqCursor   // per use of the plan
	scan []jsonScanner // per use: its JSON paths' scanner
	text []byte        // the text of the row's values that are not text in the file
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
	clear(w.vals)
	for _, c := range st.cur {
		if err := c.next(); err != nil {
			return "", "", err
		}
	}
	for _, k := range q.keyUses {
		if st.cur[k.use].k >= 0 {
			b.keys = append(b.keys, k.key)
		}
	}
	st.text = st.text[:0]
	for _, i := range q.textUses {
		u, c := &q.uses[i], st.cur[i]
		if c.k < 0 {
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
		if u.trie == nil || !jsonObject(val) {
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
			if v := sc.slots[s]; v != nil {
				w.vals[s] = v
			}
		}
	}
	st.user.row(st)
	st.event.row(st)
	return "", "", nil
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
			t := &pqTask{g: g, first: first, rows: rg.NumRows(), out: make(chan *batch, 2)}
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
func (st *pqState) refs(w *worker, b *batch, user, ukey, event []byte) (uref, eref batchRef) {
	st.userOK = st.user.idx >= 0 && len(user) > 0 && w.p.table == nil
	if c := &st.user; st.userOK && st.gen == c.ents[c.idx].gen {
		uref = batchRef{k: c.ents[c.idx].k}
	} else {
		uref = w.userIdx.find(&b.users, ukey, userHash(ukey))
	}
	st.eventOK = st.event.idx >= 0 && len(event) > 0
	if c := &st.event; st.eventOK && st.gen == c.ents[c.idx].gen {
		eref = batchRef{k: c.ents[c.idx].k}
	} else {
		eref = w.nameIdx.find(&b.names, event, keyHash(event))
	}
	return uref, eref
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
