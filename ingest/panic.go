package ingest

import (
	"fmt"
	"runtime/debug"
)

// Panic is a panic caught on a parsing goroutine and returned by Read as an
// error: left alone it would end the process before the program's top level
// could report it. It is a bug in uptake, never a fault of the input.
type Panic struct {
	Value any
	Stack []byte // the parsing goroutine's
}

func (p *Panic) Error() string { return fmt.Sprintf("internal error: %v", p.Value) }

// parseCaught is parse with a panic caught into the batch's error.
func (w *worker) parseCaught(ch *chunk) (b *batch) {
	defer func() {
		if v := recover(); v != nil {
			b = getBatch(0)
			b.err = &Panic{Value: v, Stack: debug.Stack()}
		}
	}()
	return w.parse(ch)
}
