package ingest

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// plan is a compiled mapping for one input: which physical slots feed which
// logical field, and how to fill the slots from a record.
type plan struct {
	detected  string
	name      string
	format    *format // set by the reader, after planning
	sep       byte
	mapping   Mapping
	startLine int
	headerLen int      // bytes before the first record (a CSV header), to skip
	header    []string // a CSV header's fields, as written
	// headerless: the file has no header row; header is Options.Columns
	headerless bool

	nslots int
	vendor *Vendor
	user   []int
	anon   []int
	typ    []int
	rules  map[string]typeRule
	event  []int
	time   []int
	id     []int
	where  []slotFilter
	// selectors add a row per matching row (Options.Selectors)
	selectors []planSelector
	props     [][]int // Need.EventProps then Need.UserProps
	amount    *Amount // --amount, when Need.Amounts
	amtSlots  [][]int // its fields' slots
	// table, under --user-key, re-keys every row's user id; tableCols are
	// the table's columns each row then adds to its props (consumer.tableProps)
	table     *UserTable
	tableCols []int

	// CSV: slot → column; JSON: trie
	slotCol  []int
	ncols    int
	propCols []propCol
	trie     *pathNode
	excluded map[string]bool // JSON keys not counted as properties

	tp          timeParser
	eventConst  []byte
	skipInvalid bool
	dedup       DedupMode
	since       int64
	until       int64
	hasSince    bool
	hasUntil    bool
	keys        *keyRegistry
	propStats   bool
	rawIdentity bool
	// pq: a Parquet file's columns (parquet_plan.go)
	pq *pqPlan
	// serverOffset, renamed: see FileStats
	serverOffset *ServerOffset
	renamed      []ColumnRename
}

// zoneFor is the zone of naive timestamps: UTC when the vendor documents
// it, --assume-tz otherwise.
func zoneFor(opts *Options, p *plan) *time.Location {
	if p.vendor != nil && p.vendor.UTC {
		return time.UTC
	}
	return opts.AssumeTZ
}

func (p *plan) vendorName() string {
	if p.vendor == nil {
		return "generic"
	}
	return p.vendor.Name
}

// pickVendor decides the vendor of an input: forced with --input-format,
// or by fingerprint; none means generic column names.
func pickVendor(opts *Options, p *plan, json bool, detect func() (detection, error)) error {
	if IsVendor(opts.Format) {
		v := vendorNamed(opts.Format, json)
		if v == nil {
			kind := map[bool]string{true: "JSON", false: "CSV"}
			return fmt.Errorf("%s: --input-format %s: this is a %s file, and uptake knows %s exports only as %s", p.name, opts.Format, kind[json], opts.Format, kind[!json])
		}
		p.vendor, p.detected = v, "set with --input-format"
		return nil
	}
	d, err := detect()
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	if d.vendor == nil {
		p.detected = "no vendor fingerprint matched: columns found by name"
		return nil
	}
	p.vendor, p.detected = d.vendor, d.reason
	return nil
}

// propPaths are where a --where/--by field may be found.
func (p *plan) propPaths(f string, json bool) []string {
	if json && strings.Contains(f, ".") {
		return []string{f}
	}
	prefixes := []string{"properties."}
	if !json {
		prefixes = nil
	}
	if p.vendor != nil {
		prefixes = p.vendor.PropPrefixes
	}
	out := []string{f}
	for _, pre := range prefixes {
		out = append(out, pre+f)
	}
	return out
}

// typeRule is what a record's type field means for its event name.
type typeRule struct {
	name     []byte // a constant event name
	slots    []int  // or the field holding it
	identity bool   // or: an identity link, not an event
}

type slotFilter struct {
	Filter
	slots []int
}

type propCol struct {
	col int
	key uint16
}

// slotter hands out physical slots for paths. A path has one slot however
// many roles read it (the user column and a --where on it, say): the JSON
// trie keeps one slot per path, so a second slot would take the first's place.
type slotter struct {
	paths []string
	index map[string]int
}

func (s *slotter) slots(paths ...string) []int {
	var out []int
	for _, p := range paths {
		k, ok := s.index[p]
		if !ok {
			if s.index == nil {
				s.index = map[string]int{}
			}
			k = len(s.paths)
			s.index[p] = k
			s.paths = append(s.paths, p)
		}
		out = append(out, k)
	}
	return out
}

func basePlan(opts *Options, keys *keyRegistry, name string) *plan {
	p := &plan{
		name:        name,
		skipInvalid: opts.SkipInvalid,
		dedup:       opts.Dedup,
		keys:        keys,
		propStats:   opts.Need.PropertyStats,
		rawIdentity: opts.Identity == "raw",
	}
	if opts.Since != nil {
		p.since, p.hasSince = opts.Since.UnixNano(), true
	}
	if opts.Until != nil {
		p.until, p.hasUntil = opts.Until.UnixNano(), true
	}
	if opts.EventName != "" {
		p.eventConst = []byte(opts.EventName)
		p.mapping.EventName = opts.EventName
	}
	return p
}

// mapColumns decides the mapping from the names a file has: the vendor's
// fields when a vendor was recognised, names otherwise; flags win over both.
func mapColumns(opts *Options, p *plan, have func(string) (string, bool), list string) error {
	if v := p.vendor; v != nil {
		return mapVendor(opts, p, v, have, list)
	}
	var err error
	m := &p.mapping
	if m.User, err = detect("user id", opts.UserCol, userNames, have, "--user-col"); err != nil {
		return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
	}
	// a missing column in a survey export is the wrong command, not a mapping to fix
	notFound := func(format string, args ...any) error {
		if surveyLike(have) {
			return fmt.Errorf("%s: this looks like a survey export, not events: read it with uptake nps, csat or ces", p.name)
		}
		return fmt.Errorf("%s: "+format, append([]any{p.name}, args...)...)
	}
	if len(m.User.Paths) == 0 {
		return notFound("no user id column found (looked for %s; have %s); name it with --user-col", candidateList(userNames), list)
	}
	if p.eventConst == nil {
		if m.Event, err = detect("event", opts.EventCol, eventNames, have, "--event-col"); err != nil {
			return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
		}
		if len(m.Event.Paths) == 0 {
			return notFound("no event column found (looked for %s; have %s); name it with --event-col, or give --event-name NAME when every row is one event (orders, survey answers)", candidateList(eventNames), list)
		}
	} else {
		m.Event = Field{Reason: "every row is --event-name " + opts.EventName}
	}
	if m.Time, err = detect("time", opts.TimeCol, timeNames, have, "--time-col"); err != nil {
		return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
	}
	if len(m.Time.Paths) == 0 {
		return fmt.Errorf("%s: no time column found (looked for %s; have %s); name it with --time-col", p.name, candidateList(timeNames), list)
	}
	if opts.Dedup != DedupOff {
		m.ID, _ = detect("event id", "", idNames, have, "")
	}
	return nil
}

// surveyLike spots the survey tools' headers (Typeform, SurveyMonkey, Qualtrics).
func surveyLike(have func(string) (string, bool)) bool {
	for _, n := range []string{"Respondent ID", "ResponseId", "Submit Date (UTC)", "Response Type"} {
		if _, ok := have(n); ok {
			return true
		}
	}
	return false
}

func mapVendor(opts *Options, p *plan, v *Vendor, have func(string) (string, bool), list string) error {
	m := &p.mapping
	keep := func(paths []string) []string {
		if v.JSON {
			return paths // nested fields need not show in the sample
		}
		var out []string
		for _, path := range paths {
			if name, ok := have(path); ok {
				out = append(out, name)
			}
		}
		return out
	}
	why := "the " + v.Name + " export's field"
	override := func(f *Field, col, flag, role string) error {
		if col == "" {
			return nil
		}
		g, err := detect(role, col, nil, have, flag)
		if err != nil {
			return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
		}
		*f = g
		return nil
	}
	m.User = Field{Paths: keep(v.User), Reason: why}
	m.Anon = Field{Paths: keep(v.Anon), Reason: why}
	m.Event = Field{Paths: keep(v.Event), Reason: why}
	m.Time = Field{Paths: keep(v.Time), Reason: why}
	if opts.Dedup != DedupOff {
		m.ID = Field{Paths: keep(v.ID), Reason: why}
	}
	if p.eventConst != nil {
		m.Event = Field{Reason: "every row is --event-name " + opts.EventName}
	}
	for _, o := range []struct {
		f               *Field
		col, flag, role string
	}{{&m.User, opts.UserCol, "--user-col", "user id"}, {&m.Event, opts.EventCol, "--event-col", "event"}, {&m.Time, opts.TimeCol, "--time-col", "time"}} {
		if err := override(o.f, o.col, o.flag, o.role); err != nil {
			return err
		}
	}
	if opts.UserCol != "" {
		m.Anon = Field{}
	}
	return nil
}

// recordScanner cuts the record at data[pos] into fields (csvScanner,
// wsScanner): see csvScanner.next.
type recordScanner interface {
	next(data []byte, pos int) (fields [][]byte, next, lines int, err error)
}

func planCSV(opts *Options, keys *keyRegistry, name string, head []byte, sep byte) (*plan, error) {
	p, err := planDelimited(opts, keys, name, head, &csvScanner{sep: sep})
	if p != nil {
		p.sep = sep
	}
	return p, err
}

func planWhitespace(opts *Options, keys *keyRegistry, name string, head []byte, _ byte) (*plan, error) {
	return planDelimited(opts, keys, name, head, &wsScanner{})
}

// planDelimited plans delimited text, whose records sc splits, from its
// header row (or Options.Columns) and first records.
func planDelimited(opts *Options, keys *keyRegistry, name string, head []byte, sc recordScanner) (*plan, error) {
	p := basePlan(opts, keys, name)
	pos, line := 0, 1
	var header []string
	if len(opts.Columns) > 0 {
		header, p.headerless = slices.Clone(opts.Columns), true
	}
	for header == nil {
		if pos >= len(head) {
			return nil, fmt.Errorf("%s: empty file: expected a header row and events", name)
		}
		fields, next, nls, err := sc.next(head, pos)
		if err != nil {
			return nil, &RowError{File: name, Line: line, Msg: "header: " + err.Error()}
		}
		if next >= len(head) && len(head) == peekSize {
			return nil, &RowError{File: name, Line: line, Msg: "header row is longer than 1 MiB"}
		}
		pos, line = next, line+nls
		for _, f := range fields {
			header = append(header, string(f))
		}
	}
	hdrLen := pos
	p.startLine = line
	p.header = header
	if !utf8.Valid([]byte(strings.Join(header, ""))) {
		return nil, &RowError{File: name, Line: 1, Msg: "header is not valid UTF-8"}
	}
	hi := newHeaderIndex(header)
	p.renamed = hi.renamed
	have := func(n string) (string, bool) {
		if i, ok := hi.find(n); ok {
			return hi.names[i], true
		}
		return "", false
	}
	if err := pickVendor(opts, p, false, func() (detection, error) { return detectCSV(hi) }); err != nil {
		return nil, err
	}
	if err := mapColumns(opts, p, have, hi.list()); err != nil {
		return nil, oneColumnHint(err, opts, header)
	}
	var sl slotter
	compileSlots(opts, p, &sl, func(f string) []string {
		var out []string
		for _, path := range p.propPaths(f, false) {
			if _, ok := hi.find(path); ok {
				out = append(out, path)
			}
		}
		if len(out) == 0 {
			return []string{f} // a field no row carries: the caller reports it
		}
		return out
	})
	p.ncols = len(header)
	p.slotCol = make([]int, len(sl.paths))
	for s, path := range sl.paths {
		i, ok := hi.find(path)
		if !ok {
			p.slotCol[s] = -1
			continue
		}
		p.slotCol[s] = i
	}
	p.nslots = len(sl.paths)
	if p.propStats {
		used := map[int]bool{}
		for _, f := range p.mapping.fields() {
			for _, path := range f.Paths {
				if i, ok := hi.find(path); ok {
					used[i] = true
				}
			}
		}
		for i, h := range hi.names {
			if !used[i] {
				p.propCols = append(p.propCols, propCol{col: i, key: keys.id(h)})
			}
		}
	}
	// sample the time column
	var samples []string
	vals := make([][]byte, p.nslots)
	for n := 0; n < 500 && pos < len(head); n++ {
		fields, next, _, err := sc.next(head, pos)
		if next >= len(head) && len(head) == peekSize {
			break // possibly cut off
		}
		pos = next
		if err != nil || fields == nil {
			continue
		}
		p.fillCSV(fields, vals)
		if v := first(vals, p.time); len(v) > 0 {
			samples = append(samples, string(v))
		}
	}
	timeColumn(opts, p, samples)
	p.headerLen = hdrLen
	return p, nil
}

// oneColumnHint adds to a mapping error what a header of one column
// suggests: a separator other than the one it was split on.
func oneColumnHint(err error, opts *Options, header []string) error {
	switch {
	case len(header) != 1 || len(opts.Columns) > 0:
	case opts.Delimiter != "":
		return fmt.Errorf("%w; the first line is one column when split on --delimiter %q: is that the file's separator?", err, DelimiterName(opts.Delimiter))
	case len(splitBlanks([]byte(header[0]), nil)) > 1:
		return fmt.Errorf("%w; the first line is one column with blanks in it: when spaces separate the fields, give --delimiter whitespace (and --header none --columns a,b,c when that line is data)", err)
	}
	return err
}

// compileSlots assigns physical slots to every logical field. pathsFor turns
// a --where/--by field name into the paths it may be found at.
func compileSlots(opts *Options, p *plan, sl *slotter, pathsFor func(string) []string) {
	m := p.mapping
	p.user = sl.slots(m.User.Paths...)
	p.anon = sl.slots(m.Anon.Paths...)
	if v := p.vendor; v != nil && v.TypeField != "" && opts.EventCol == "" && p.eventConst == nil {
		p.typ = sl.slots(v.TypeField)
		p.rules = map[string]typeRule{}
		for t, ev := range v.TypeEvents {
			if strings.HasPrefix(ev, "@") {
				p.rules[t] = typeRule{slots: sl.slots(ev[1:])}
			} else {
				p.rules[t] = typeRule{name: []byte(ev)}
			}
		}
		for _, t := range v.IdentityTypes {
			p.rules[t] = typeRule{identity: true}
		}
	}
	p.event = sl.slots(m.Event.Paths...)
	p.time = sl.slots(m.Time.Paths...)
	p.id = sl.slots(m.ID.Paths...)
	for _, f := range opts.Where {
		p.where = append(p.where, slotFilter{Filter: f, slots: sl.slots(pathsFor(f.Field)...)})
	}
	p.compileSelectors(opts.Selectors, sl, pathsFor)
	for _, name := range append(slices.Clone(opts.Need.EventProps), opts.Need.UserProps...) {
		p.props = append(p.props, sl.slots(pathsFor(name)...))
	}
	if opts.Amount != nil && opts.Need.Amounts {
		p.amount = opts.Amount
		for _, f := range opts.Amount.Fields {
			p.amtSlots = append(p.amtSlots, sl.slots(pathsFor(f)...))
		}
	}
}

func (p *plan) fillCSV(fields [][]byte, vals [][]byte) {
	for s, col := range p.slotCol {
		if col >= 0 && col < len(fields) {
			vals[s] = fields[col]
		} else {
			vals[s] = nil
		}
	}
}

func first(vals [][]byte, slots []int) []byte {
	for _, s := range slots {
		if v := vals[s]; len(v) > 0 {
			return v
		}
	}
	return nil
}

func planJSON(opts *Options, keys *keyRegistry, name string, sample [][]byte) (*plan, error) {
	p := basePlan(opts, keys, name)
	// keys seen in the sample, top level and under "properties"
	seen := map[string]bool{}
	var order []string
	var s jsonScanner
	s.root = newPathNode()
	s.root.collect = true
	props := s.root.ensure("properties")
	props.collect = true
	props.prefix = "properties."
	s.resolve = func(n *pathNode, k []byte) int32 {
		key := n.prefix + string(k)
		if !seen[key] {
			seen[key] = true
			order = append(order, key)
		}
		return -1
	}
	for _, line := range sample {
		_ = s.scan(line)
	}
	norm := map[string]string{}
	for _, k := range order {
		n := normalizeName(k)
		if _, ok := norm[n]; !ok {
			norm[n] = k
		}
	}
	have := func(n string) (string, bool) {
		if seen[n] {
			return n, true
		}
		if k, ok := norm[normalizeName(n)]; ok && !strings.Contains(k, ".") {
			return k, true
		}
		return "", false
	}
	list := strings.Join(order[:min(len(order), 12)], ", ")
	if err := pickVendor(opts, p, true, func() (detection, error) { return detectJSON(sample) }); err != nil {
		return nil, err
	}
	if opts.UserCol != "" || opts.EventCol != "" || opts.TimeCol != "" {
		// a dotted path given by the user need not appear in the sample
		base := have
		have = func(n string) (string, bool) {
			if k, ok := base(n); ok {
				return k, true
			}
			if n == opts.UserCol || n == opts.EventCol || n == opts.TimeCol {
				return n, true
			}
			return "", false
		}
	}
	if err := mapColumns(opts, p, have, list); err != nil {
		return nil, err
	}
	var sl slotter
	compileSlots(opts, p, &sl, func(f string) []string { return p.propPaths(f, true) })
	p.nslots = len(sl.paths)
	p.trie = newPathNode()
	for slot, path := range sl.paths {
		p.trie.add(path, slot)
	}
	if p.vendor != nil {
		for _, kv := range p.vendor.KVArrays {
			n := p.trie.ensure(kv)
			n.kv = true
			if p.propStats {
				n.collect, n.prefix = true, kv+"."
			}
		}
	}
	if p.propStats {
		// count keys at the top level and inside every object the vendor
		// keeps properties in (properties., event_properties., …)
		p.trie.collect = true
		p.excluded = map[string]bool{}
		prefixes := []string{"properties."}
		if p.vendor != nil {
			prefixes = p.vendor.PropPrefixes
			for _, kv := range p.vendor.KVArrays {
				p.excluded[kv] = true
			}
		}
		for _, pre := range prefixes {
			obj, ok := strings.CutSuffix(pre, ".")
			if !ok || p.excluded[obj] {
				continue // not an object's prefix, or a key/value array (collected above)
			}
			n := p.trie
			for _, part := range strings.Split(obj, ".") {
				n = n.ensure(part)
			}
			n.collect, n.prefix = true, pre
			p.excluded[obj] = true
		}
		for _, f := range p.mapping.fields() {
			for _, path := range f.Paths {
				p.excluded[path] = true
			}
		}
	}
	// sample the time values
	var samples []string
	w := newWorker(p)
	for _, line := range sample {
		if w.js.scan(line) == nil {
			if v := first(w.vals, p.time); len(v) > 0 {
				samples = append(samples, string(v))
			}
		}
	}
	timeColumn(opts, p, samples)
	p.serverOffset = serverOffset(p, sample)
	p.startLine = 1
	return p, nil
}

// timeColumn decides how the time column is read from its first values;
// epoch numbers count wall-clock time in --source-tz when it is given.
func timeColumn(opts *Options, p *plan, samples []string) {
	p.tp, p.mapping.TimeForm = sampleTimeColumn(samples, zoneFor(opts, p))
	if loc := opts.SourceTZ; loc != nil && p.tp.unit != unitUnknown && p.tp.unit != unitYYYYMMDD {
		p.tp.epochLoc = loc
		p.mapping.TimeForm += " of wall-clock time in " + loc.String() + " (--source-tz)"
	}
}

// serverOffset measures, over the sample records, the median of the
// vendor's server-side time minus the event time (see FileStats).
func serverOffset(p *plan, sample [][]byte) *ServerOffset {
	if p.vendor == nil || p.vendor.ServerTime == "" {
		return nil
	}
	// slots: the time column's paths (the first non-empty wins, as in
	// emit), then the server time
	paths := p.mapping.Time.Paths
	s := jsonScanner{root: newPathNode(), slots: make([][]byte, len(paths)+1)}
	timeSlots := make([]int, len(paths))
	for i, path := range paths {
		s.root.add(path, i)
		timeSlots[i] = i
	}
	s.root.add(p.vendor.ServerTime, len(paths))
	var events, servers []string
	for _, line := range sample {
		if s.scan(line) != nil {
			continue
		}
		if e, v := first(s.slots, timeSlots), s.slots[len(paths)]; len(e) > 0 && len(v) > 0 {
			events = append(events, string(e))
			servers = append(servers, string(v))
		}
	}
	st, _ := sampleTimeColumn(servers, time.UTC)
	et := p.tp
	var gaps []int64
	for i := range events {
		e, _, err1 := et.parse([]byte(events[i]))
		v, _, err2 := st.parse([]byte(servers[i]))
		if err1 == nil && err2 == nil {
			gaps = append(gaps, v-e)
		}
	}
	if len(gaps) == 0 {
		return nil
	}
	slices.Sort(gaps)
	return &ServerOffset{Field: p.vendor.ServerTime, Median: time.Duration(gaps[len(gaps)/2]), Records: len(gaps)}
}
