package ingest

import (
	"errors"
	"strings"
	"testing"
)

// A panic while parsing a chunk comes back as the batch's error, with the
// parsing goroutine's stack, instead of ending the process.
func TestParsePanicIsAnError(t *testing.T) {
	w := &worker{} // no plan: parse dereferences nil
	b := w.parseCaught(&chunk{data: []byte("u,e,2024-03-01\n"), line: 2})
	var p *Panic
	if !errors.As(b.err, &p) {
		t.Fatalf("err = %v, want a *Panic", b.err)
	}
	if !strings.HasPrefix(p.Error(), "internal error: runtime error: invalid memory address") || !strings.Contains(string(p.Stack), "(*worker).parse(") {
		t.Errorf("error %q, stack\n%s", p.Error(), p.Stack)
	}
}
