package ingest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// the parallel pipeline

type chunk struct {
	data  []byte
	line  int    // line number of data[0]
	spans []span // a JSON document's records in data
	buf   *[]byte
	err   error // a read error after the previous chunk
	out   chan *batch
}

// rowRec is one row for the consumer: 64 bytes, no pointers (a batch's
// rows are written by one core and read by another, and the garbage
// collector need not look at them).
type rowRec struct {
	t          int64
	line       int
	hID, hEx   uint64
	lu, le     int32 // the row's user in batch.users, event in batch.names
	link       int32 // its user and anonymous id in batch.links, or -1 (event rows under raw identities too: never linked)
	pOff       int32 // its props: Need.EventProps, Need.UserProps, then its --amount (amountSlot)
	kOff, kEnd int32
	linkOnly   bool // an identity link (user + anonymous id), not an event
	tf         timeFlags
	hasID      bool
	hasEx      bool
	dup        bool // set by the consumer: seen before (see consumer.dedup)
	derived    bool // added by a selector after the row it comes from (see derive)
}

type batch struct {
	rows     []rowRec
	users    batchSet    // the rows' user keys (userKey, userHash)
	names    batchSet    // the rows' event names (keyHash)
	links    [][2][]byte // user and anonymous id of rows with both
	props    [][]byte
	amtBuf   []byte // the rows' amounts, 8 bytes each (amountSlot)
	text     []byte // values the rows keep that the input's buffers do not hold (worker.held)
	keys     []uint16
	counts   Counts
	skipMsgs []string
	timeNote [2]string      // the first skipped and repeated wall times, "line: value"
	dateLoc  *time.Location // the zone of its dates without a time of day
	err      error
}

var (
	// chunk buffers have a full peek buffer's worth of room beyond a chunk, so
	// bufio hands reads straight through instead of copying them
	bufPool   = sync.Pool{New: func() any { b := make([]byte, 0, 2*peekSize+64<<10); return &b }}
	batchPool = sync.Pool{New: func() any { return &batch{} }}
)

// getBatch returns an empty batch whose slices keep their capacity, so a
// steady stream of chunks allocates (and zeroes) almost nothing.
func getBatch(chunkLen int) *batch {
	b := batchPool.Get().(*batch)
	if want := chunkLen / 40; cap(b.rows) < want { // event rows are rarely shorter than 40 bytes
		b.rows = make([]rowRec, 0, want)
	}
	b.rows = b.rows[:0]
	b.users.reset()
	b.names.reset()
	b.links = b.links[:0]
	b.props = b.props[:0]
	b.amtBuf = b.amtBuf[:0]
	b.text = b.text[:0]
	b.keys = b.keys[:0]
	b.counts = Counts{}
	b.skipMsgs = nil
	b.timeNote, b.dateLoc = [2]string{}, nil
	b.err = nil
	return b
}

func (c *consumer) pipeline(p *plan, o *opened, fs *FileStats) error {
	frame := p.format.framer(p)
	work := make(chan *chunk, c.opts.Workers)
	order := make(chan *chunk, c.opts.Workers*2)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < c.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(p)
			for ch := range work {
				ch.out <- w.parseCaught(ch)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		send := func(ch *chunk) bool {
			ch.out = make(chan *batch, 1)
			select {
			case work <- ch:
			case <-done:
				return false
			}
			select {
			case order <- ch:
				return true
			case <-done:
				return false
			}
		}
		line := p.startLine
		var carry []byte
		for {
			bp := bufPool.Get().(*[]byte)
			buf := append((*bp)[:0], carry...)
			var rerr error
			for len(buf) < chunkSize && rerr == nil {
				if cap(buf)-len(buf) < peekSize {
					buf = slices.Grow(buf, peekSize)
				}
				n, err := o.r.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				rerr = err
			}
			eof := rerr == io.EOF
			if rerr != nil && !eof {
				send(&chunk{line: line, err: fmt.Errorf("%s: %w", p.name, rerr), buf: bp})
				return
			}
			end, spans, ferr := frame(buf, eof, line)
			for end < 0 {
				// no whole record yet: read more, up to the record size limit
				if len(buf) >= maxRecordSize {
					msg := tooLong
					if p.sep != 0 && bytes.Count(buf, quote)%2 == 1 {
						msg = fmt.Sprintf("record is longer than %d MiB: a quoted field is never closed (missing \")", maxRecordSize>>20)
					}
					send(&chunk{line: line, err: &RowError{File: p.name, Line: line, Msg: msg}, buf: bp})
					return
				}
				buf = slices.Grow(buf, len(buf))
				n, err := o.r.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err != nil && err != io.EOF {
					send(&chunk{line: line, err: fmt.Errorf("%s: %w", p.name, err), buf: bp})
					return
				}
				eof = err == io.EOF
				end, spans, ferr = frame(buf, eof, line)
			}
			carry = append(carry[:0], buf[end:]...)
			*bp = buf
			ch := &chunk{data: buf[:end], line: line, spans: spans, buf: bp}
			line += bytes.Count(buf[:end], nl)
			if !send(ch) {
				return
			}
			if ferr != nil {
				if re, ok := ferr.(*RowError); ok {
					re.File = p.name
				}
				send(&chunk{line: line, err: ferr})
				return
			}
			if eof {
				return
			}
		}
	}()
	var err error
	for ch := range order {
		b := <-ch.out
		if err == nil {
			if ch.err != nil {
				err = ch.err
			} else {
				err = c.consume(b, fs)
			}
			if err != nil {
				close(done)
			}
		}
		if ch.buf != nil {
			bufPool.Put(ch.buf)
		}
		batchPool.Put(b)
	}
	wg.Wait()
	return err
}

// amountSlot is a row's --amount as its last props slot: the float's 8
// bytes (nil: the row has none). The worker parses and checks amounts, so
// a bad one is the bad row's error, in parallel; the consumer only decodes.
func (b *batch) amountSlot(v float64) []byte {
	if math.IsNaN(v) {
		return nil
	}
	n := len(b.amtBuf)
	b.amtBuf = binary.LittleEndian.AppendUint64(b.amtBuf, math.Float64bits(v))
	return b.amtBuf[n : n+8 : n+8]
}

// slotAmount decodes amountSlot's bytes (NaN: none).
func slotAmount(s []byte) float64 {
	if len(s) != 8 {
		return math.NaN()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(s))
}

// eventProps are a kept row's Need.EventProps values and its amount slot
// (nil when amounts are not read).
func (c *consumer) eventProps(b *batch, r *rowRec) (props [][]byte, amt []byte) {
	props = b.props[r.pOff : int(r.pOff)+len(c.opts.Need.EventProps)]
	if c.amountSlot >= 0 {
		amt = b.props[int(r.pOff)+c.amountSlot]
	}
	return props, amt
}
