package cmd

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/report"
)

// What a name given in a flag refers to.
const (
	eventRef    = "event"
	propertyRef = "property"       // --by, --score-prop: a value per event or user
	fieldRef    = "field"          // --where: any column or property, mapped ones too
	selectorRef = "event matching" // an event selector whose event and fields are there, with no row matching
)

// nameRef is an event or property name given in a flag. Every one must be
// in the input: a misspelled name would otherwise count nothing and print
// zeros with exit 0.
type nameRef struct {
	flag, kind, name string
}

// refer declares names a command was given in flag (empty ones are
// defaults, not names). InputFlags.read checks them after reading.
func (f *InputFlags) refer(flag, kind string, names ...string) {
	for _, n := range names {
		if n != "" {
			f.refs = append(f.refs, nameRef{flag: flag, kind: kind, name: n})
		}
	}
}

// selectEvents reads the event selectors among names (feature_used[feature
// = exports]): the read adds their events (ingest.Selector).
func (f *InputFlags) selectEvents(flag string, names []string) error {
	for _, n := range names {
		s, ok, err := ingest.ParseSelector(n)
		if err != nil {
			return usageErrorf("%s: %v", flag, err)
		}
		if ok && !slices.ContainsFunc(f.selectors, func(x ingest.Selector) bool { return x.Name == s.Name }) {
			f.selectors = append(f.selectors, s)
		}
	}
	return nil
}

// checkNames fails the run when a declared name, or a --where field, is not
// in the input d, naming every missing one with the closest names the input
// has; with --allow-missing it leaves warnings instead. ins and opts are
// what d was read from, to list the names of the whole input when filters
// hid them (the input is read again only then, and only when it can be).
func (f *InputFlags) checkNames(d *ingest.Dataset, ins []ingest.Input, opts ingest.Options, args []string) error {
	missing := missingNames(d, f.refs, opts.Where, opts.Selectors, opts.Amount)
	if len(missing) == 0 {
		return nil
	}
	events, props := d.Names, d.PropertyNames()
	if f.Demo || regularFiles(args) {
		all := opts
		all.Where, all.Since, all.Until, all.Progress = nil, nil, nil, nil
		all.Need, all.SkipInvalid = ingest.Need{PropertyStats: true}, true
		if whole, err := ingest.Read(ins, all); err == nil {
			events, props = slices.Concat(events, whole.Names), slices.Concat(props, whole.PropertyNames())
		}
	}
	scope := scopeText(opts)
	msgs := make([]string, len(missing))
	for i, r := range missing {
		cands, in := props, scope
		switch r.kind {
		case eventRef:
			cands = events
		case fieldRef:
			in = "" // a --where field is looked for in every row, before any filter
		case selectorRef:
			cands = nil // its event is there: the values are what to check
		}
		msgs[i] = fmt.Sprintf("%s: no %s %q in the input%s", r.flag, r.kind, r.name, in)
		if s := suggest(r.name, cands); len(s) > 0 {
			msgs[i] += "; did you mean " + orList(s) + "?"
		}
	}
	if f.AllowMissing {
		for _, m := range msgs {
			f.missing = append(f.missing, report.Warning{Code: "missing_name", Message: m + " (--allow-missing: read on without it)"})
		}
		return nil
	}
	return linesError(append(msgs, "'uptake inspect' lists the names in the input; --allow-missing reads on without these"))
}

// missingNames are the --where fields no row carried, then the refs d
// lacks (an --amount field no row read held), in the order given, each
// once. An event selector is missing its
// event, or a field no row of it carried, or else any row that matches.
func missingNames(d *ingest.Dataset, refs []nameRef, where []ingest.Filter, sels []ingest.Selector, amount *ingest.Amount) []nameRef {
	var all []nameRef
	for _, w := range where {
		if !w.Seen() {
			all = append(all, nameRef{flag: "--where", kind: fieldRef, name: w.Field})
		}
	}
	refs = slices.Clone(refs)
	for i, r := range refs {
		j := slices.IndexFunc(sels, func(s ingest.Selector) bool { return s.Name == r.name })
		if r.kind != eventRef || j < 0 || slices.Contains(d.Names, r.name) {
			continue
		}
		s := sels[j]
		refs[i] = nameRef{flag: r.flag, kind: selectorRef, name: r.name}
		if !slices.Contains(d.Names, s.Event) {
			refs[i] = nameRef{flag: r.flag, kind: eventRef, name: s.Event}
			continue
		}
		for _, f := range s.Filters {
			if !f.Seen() {
				refs[i] = nameRef{flag: r.flag, kind: fieldRef, name: f.Field}
			}
		}
	}
	var out []nameRef
	for _, r := range append(all, refs...) {
		if slices.Contains(out, r) {
			continue
		}
		found := true
		switch r.kind {
		case eventRef:
			found = slices.Contains(d.Names, r.name)
		case propertyRef:
			if r.flag == "--amount" {
				found = amount != nil && amount.Seen(r.name)
				break
			}
			// a property read per kept event cannot be judged without
			// any: their event is missing, and reported as such
			vals, perEvent := d.EventProps[r.name]
			found = hasValue(d.UserProps[r.name]) || hasValue(vals) || perEvent && len(vals) == 0 ||
				d.Table != nil && slices.Contains(d.Table.Columns, r.name) // a users table column, filled or not
		case fieldRef, selectorRef:
			found = false // only missing ones were added above
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}

func hasValue(vals []string) bool {
	return slices.ContainsFunc(vals, func(v string) bool { return v != "" })
}

// scopeText says which flags narrowed the input the names were looked for in.
func scopeText(o ingest.Options) string {
	var by []string
	if len(o.Where) > 0 {
		by = append(by, "--where")
	}
	if o.Since != nil {
		by = append(by, "--since")
	}
	if o.Until != nil {
		by = append(by, "--as-of")
	}
	if len(by) == 0 {
		return ""
	}
	return " (after " + strings.Join(by, ", ") + ")"
}

// regularFiles reports whether every path is a regular file, which can be
// read a second time (stdin, pipes and FIFOs cannot).
func regularFiles(paths []string) bool {
	for _, p := range paths {
		st, err := os.Stat(p)
		if p == "-" || err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return len(paths) > 0
}

// suggest returns up to three of have closest to name, ignoring case:
// those within an edit distance of a third of the name's length (at least
// 2), nearest first; names differing from it only in case, when there are
// any, alone. name itself is never suggested.
func suggest(name string, have []string) []string {
	lname := strings.ToLower(name)
	limit := max(2, utf8.RuneCountInString(name)/3)
	type cand struct {
		s string
		d int
	}
	var cs []cand
	for _, h := range have {
		if h == name || slices.ContainsFunc(cs, func(c cand) bool { return c.s == h }) {
			continue
		}
		if d := editDistance(lname, strings.ToLower(h), limit); d <= limit {
			cs = append(cs, cand{h, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	var out []string
	for _, c := range cs[:min(3, len(cs))] {
		if c.d > 0 && cs[0].d == 0 {
			break
		}
		out = append(out, c.s)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b in runes, or
// some value above limit once it must exceed it.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			sub := prev[j-1]
			if ra[i-1] != rb[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// orList writes names as "a", "b" or "c".
func orList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
