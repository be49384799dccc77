package ingest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/uptake-dev/uptake/event"
)

// A Selector names the events of one name whose fields match filters, as
// `feature_used[feature = exports; plan != free]` (the filters are --where's).
// Wherever a metric names an event, a selector may stand: for each row of
// the event that matches, the reader adds an event named by the selector's
// text. Only the metrics that asked for it see that event: it is not a row
// of the input (not counted, not activity, not in inspect), and it is kept
// or dropped as a duplicate with the row it comes from.
type Selector struct {
	Name    string // the selector as written (trimmed): the added events' name
	Event   string
	Filters []Filter
}

// ParseSelector reads NAME[FILTER; FILTER…]; ok is false for a plain event
// name: one that does not end in a bracket holding an operator (so an event
// named "Clicked [CTA]", or one holding an escape sequence's "[", is a name).
func ParseSelector(s string) (sel Selector, ok bool, err error) {
	s = strings.TrimSpace(s)
	if !event.IsSelector(s) {
		return Selector{}, false, nil
	}
	open := strings.IndexByte(s, '[')
	bad := func(format string, args ...any) (Selector, bool, error) {
		return Selector{}, true, fmt.Errorf("event selector %q: %s", s, fmt.Sprintf(format, args...))
	}
	sel = Selector{Name: s, Event: strings.TrimSpace(s[:open])}
	if sel.Event == "" {
		return bad("no event name before [")
	}
	for _, part := range strings.Split(s[open+1:len(s)-1], ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f, err := parseFilter(part)
		if err != nil {
			return bad("%v", err)
		}
		sel.Filters = append(sel.Filters, f)
	}
	if len(sel.Filters) == 0 {
		return bad("no condition between [ and ] (FIELD OP VALUE, with the operators %s)", Operators)
	}
	return sel, true, nil
}

// planSelector is a selector compiled against a plan's slots.
type planSelector struct {
	name, event []byte
	hash        uint64 // keyHash(name), for the batch's name index
	salt        uint64 // kept apart from the row's own dedup keys
	filters     []slotFilter
}

func (p *plan) compileSelectors(sels []Selector, sl *slotter, pathsFor func(string) []string) {
	for _, s := range sels {
		ps := planSelector{name: []byte(s.Name), event: []byte(s.Event), salt: xxhash.Sum64String(s.Name)}
		ps.hash = keyHash(ps.name)
		for _, f := range s.Filters {
			ps.filters = append(ps.filters, slotFilter{Filter: f, slots: sl.slots(pathsFor(f.Field)...)})
		}
		p.selectors = append(p.selectors, ps)
	}
}

// derive adds, after row r of event, a row for each selector it matches.
// The added row's dedup keys are the row's own, salted per selector: it is a
// duplicate exactly when its row is.
func (w *worker) derive(b *batch, r rowRec, event []byte) {
	for i := range w.p.selectors {
		s := &w.p.selectors[i]
		if !bytes.Equal(event, s.event) || !matchAll(s.filters, w.vals) {
			continue
		}
		d := r
		d.derived = true
		d.link = -1
		d.kOff = d.kEnd // no property keys of its own to count
		d.hID ^= s.salt
		d.hEx ^= s.salt
		ref := w.nameIdx.find(&b.names, s.name, s.hash)
		if d.le = ref.k; d.le < 0 {
			d.le = w.nameIdx.add(&b.names, ref)
		}
		b.rows = append(b.rows, d)
	}
}

// matchAll reports whether every filter matches the row's slots.
func matchAll(fs []slotFilter, vals [][]byte) bool {
	for i := range fs {
		if !fs[i].Match(first(vals, fs[i].slots)) {
			return false
		}
	}
	return true
}
