// Package ingest turns event exports (CSV, TSV, JSON lines, JSON arrays;
// plain or gzipped; files or stdin) into compact, normalized events: an
// interned user, an interned event name and a Unix-nanosecond time, plus the
// properties a command asked for.
//
// It streams: memory grows with distinct users and with the events a command
// keeps, not with the rows read. It does no metric arithmetic and prints
// nothing; errors name the file and line ("file:line: column "x": …").
package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"github.com/uptake-dev/uptake/metrics"
)

// DedupMode is the --dedup setting.
type DedupMode string

// Dedup modes (--dedup).
const (
	DedupAuto  DedupMode = "auto"  // drop repeats of the export's event id
	DedupExact DedupMode = "exact" // also drop identical (user, event, time)
	DedupOff   DedupMode = "off"
)

// Options controls Read. The zero value reads with auto detection, fails on
// the first bad row, dedups by event id and keeps no events.
type Options struct {
	Format    string // auto (""), csv, tsv, jsonl, json
	UserCol   string
	EventCol  string
	TimeCol   string
	EventName string // every row is this event (files without an event column)
	Where     []Filter
	// AssumeTZ is the zone of timestamps written without one (default UTC).
	AssumeTZ *time.Location
	// SourceTZ, when set, is the zone whose wall clock epoch numbers in the
	// time column count (Mixpanel projects created before 2023 export
	// project time as if it were UTC).
	SourceTZ    *time.Location
	SkipInvalid bool
	Dedup       DedupMode
	// Since and Until bound the events read to [Since, Until) when non-nil.
	Since, Until *time.Time
	Need         Need
	Progress     *Progress
	Workers      int // parse goroutines; 0 = GOMAXPROCS
	// Identity is "stitch" (default: anonymous ids linked to exactly one
	// user are merged into that user) or "raw" (anonymous ids stay users).
	Identity string
	// Now is the time of reading: events dated after it are counted in
	// Stats.Future. Zero: not counted.
	Now time.Time
}

// Need declares what a command uses, so that nothing else is kept.
type Need struct {
	AllEvents     bool     // keep every event
	Events        []string // or keep only these event names
	EventProps    []string // per kept event: these properties' values
	UserProps     []string // per user: the value first seen (earliest event carrying it)
	PropertyStats bool     // count rows per property name (inspect)
	// EventSources records "file:line" per kept event, for commands that
	// validate kept events later (survey scores) and must name the line.
	EventSources bool
	// Sink, when set, receives every event that survives filters and dedup,
	// in input order, so a command can keep a compact summary (active days
	// per user) instead of the events.
	Sink Sink
}

// Sink consumes events as they are read (from one goroutine).
type Sink interface {
	// NewName is called once per event name, before its first Event;
	// internal says the vendor (or convention) marks it as not user activity.
	NewName(id int32, name string, internal bool)
	// Events is the next events, in file order: interned user and name,
	// Unix-ns time. The slice is reused after the call.
	Events(evs []Event)
	// Remap is called once at the end when identity stitching merged users:
	// user u becomes to[u], and there are n users.
	Remap(to []int32, n int)
}

// internalEvents are identity calls and engagement pings that are not user
// activity, whatever the vendor (docs/formats.md#internal-events); vendors add their own.
var internalEvents = []string{"$identify", "$create_alias", "$merge", "$groupidentify", "$set", "$set_once",
	"$feature_flag_called", "$pageleave", "$mp_session_record"}

// Event is one kept event: the metrics package's type, so the events read
// go to the metrics without a copy. User and Name index Dataset.Users and
// Dataset.Names.
type Event = metrics.Event

// Dataset is what Read returns.
type Dataset struct {
	Users  []string
	Names  []string
	Events []Event // kept events, in input order
	// EventProps holds, per Need.EventProps name, one value per kept event.
	EventProps map[string][]string
	// UserProps holds, per Need.UserProps name, one value per user ("" = never seen).
	UserProps map[string][]string
	// EventSources is "file:line" per kept event, with Need.EventSources.
	EventSources []string
	// FirstSeen and LastSeen are each user's earliest and latest event time
	// (over every event read, not only kept ones).
	FirstSeen, LastSeen []int64
	// Internal lists the event names read that are not user activity.
	Internal []string
	Stats    Stats
}

// Stats describes what was read.
type Stats struct {
	Files []FileStats
	Counts
	// Naive counts events whose timestamp had no zone and were read in
	// AssumeTZ (or the vendor's zone); dates without a time of day are not
	// counted (see DatesOnly).
	Naive int64
	// Nonexistent and Ambiguous count events whose wall time a change of
	// offset skips or repeats in the zone it was read in (see timeGap,
	// timeOverlap), with the first of each as "file:line: value".
	Nonexistent, Ambiguous             int64
	NonexistentSample, AmbiguousSample string
	// DatesOnly: every event's time was a date without a time of day;
	// NextDay is then the start of the day after the last date, in the zone
	// the dates were read in (the natural end of observed data).
	DatesOnly bool
	NextDay   int64
	// Early and Future count events dated before 2005 or after
	// Options.Now: a wrong time column, epoch unit or zone, more often
	// than real events (docs/formats.md#implausible-dates). Suspect says whether the early
	// ones are: some events are later, or some fall before 1980 (near the
	// epoch's zero). A history all before 2005 (CDNOW's 1997-98
	// purchases) is not suspect.
	Early, Future int64
	SuspectEarly  bool
	First, Last   int64 // time range of the events (valid when Events > 0)
	// NameCounts and NameUsers are per event name: events and distinct users.
	NameCounts []int64
	NameUsers  []int64
	Props      []PropStat
	// PropNames is the number of distinct property names met (with
	// Need.PropertyStats); past MaxPropertyNames the later ones share
	// "(other)". It is a lower bound when PropNamesAtLeast.
	PropNames        int
	PropNamesAtLeast bool
	// SkipSamples are the first few messages of skipped rows.
	SkipSamples []string
	Identity    IdentityStats
}

// IdentityStats says how anonymous ids were resolved.
type IdentityStats struct {
	Mode          string `json:"mode"`
	Merged        int64  `json:"merged"`         // anonymous ids merged into one known user
	AnonymousOnly int64  `json:"anonymous_only"` // anonymous ids never linked: users of their own
	Ambiguous     int64  `json:"ambiguous"`      // anonymous ids linked to several users: not merged
}

// Counts are row tallies. Rows = Events + Skipped + Filtered + MissingUser +
// Duplicates + OutOfRange.
type Counts struct {
	Rows    int64 // data records read
	Events  int64 // events that went on to the metrics
	Skipped int64 // invalid rows skipped (--on-invalid skip)
	// SkippedLines are the physical lines of the skipped rows: more than
	// Skipped when a skipped record spanned lines (a quoted newline, a
	// pretty-printed JSON record), so no line is lost unsaid.
	SkippedLines int64
	Filtered     int64 // rows --where left out
	MissingUser  int64 // rows with an empty user id
	Duplicates   int64 // rows dropped by dedup
	OutOfRange   int64 // events before --since or at/after --as-of
	Links        int64 // identity-only records (Segment identify, …): links, not events
}

func (c *Counts) add(o Counts) {
	c.Rows += o.Rows
	c.Events += o.Events
	c.Skipped += o.Skipped
	c.SkippedLines += o.SkippedLines
	c.Filtered += o.Filtered
	c.MissingUser += o.MissingUser
	c.Duplicates += o.Duplicates
	c.OutOfRange += o.OutOfRange
	c.Links += o.Links
}

// FileStats describes one input.
type FileStats struct {
	Name        string
	Format      string // csv, tsv, jsonl, json
	Compression string // gzip or ""
	Delimiter   string
	Vendor      string
	// Detected says why the vendor was chosen (or that none matched).
	Detected string
	Mapping  Mapping
	// ServerOffset, when the vendor records when its servers received each
	// event (Mixpanel's mp_processing_time_ms), is the median of that minus
	// the event time over the file's first records. Hours mean the event
	// times are in another zone (a legacy Mixpanel project: --source-tz).
	ServerOffset *ServerOffset
	// Renamed are the CSV columns whose header repeats an earlier one's.
	Renamed []ColumnRename
	Counts
	Content *ContentDigest // see SameFiles
}

// ServerOffset is the median gap between a vendor's server-side time and
// the event time.
type ServerOffset struct {
	Field   string        // the server-time field
	Median  time.Duration // server time minus event time
	Records int           // records it is the median of
}

// PropStat is the number of kept events carrying a non-empty property.
type PropStat struct {
	Name string
	Rows int64
}

// RowError is a bad record.
type RowError struct {
	File   string
	Line   int
	Column string
	Msg    string
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s:%d: column %q: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// chunkSize is how much the reader hands a parse worker at a time, and
// maxRecordSize the longest record accepted. Variables so tests can make
// many small chunks.
var (
	chunkSize     = 1 << 20
	maxRecordSize = 8 << 20
)

var tooLong = fmt.Sprintf("record is longer than %d MiB (binary data, or the wrong format?)", maxRecordSize>>20)

// Read reads every input as one stream of events.
func Read(inputs []Input, opts Options) (*Dataset, error) {
	if opts.Dedup == "" {
		opts.Dedup = DedupAuto
	}
	if opts.AssumeTZ == nil {
		opts.AssumeTZ = time.UTC
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	c := newConsumer(opts)
	for _, in := range inputs {
		if err := eachInput(in, c.readInput); err != nil {
			return nil, err
		}
	}
	return c.finish(), nil
}

// ---------------------------------------------------------------------------
// the consumer: interning, dedup, stats, kept events (single goroutine)

type userProp struct {
	t   int64
	v   string
	set bool
}

type consumer struct {
	opts      Options
	users     userTable
	names     map[string]int32
	nameList  []string
	keep      []bool
	nameCount []int64
	nameUsers [][]uint64
	seen      idSet
	warmed    uint64  // see idSet.warm
	ids, eids []int32 // ids of the batch's users and event names
	future    int64   // Options.Now, or never
	sinkBuf   []Event // the batch's events for Need.Sink
	events    []Event
	seenAt    [][2]int64 // first and last event time per user
	evProps   [][]string
	userProps [][]userProp
	intern    map[string]string
	keys      *keyRegistry
	keyCount  []int64  // rows per property id
	keyStamp  []uint32 // per property id, the row that last counted it
	stamp     uint32
	stats     Stats
	sources   []string
	internal  map[string]bool
	// identity stitching: anonymous id → the user it is linked to
	links    map[string]*link
	userLink []*link // per user, the last link seen: most rows repeat it
	needSet  map[string]bool
	dates    dateTally
}

func newConsumer(opts Options) *consumer {
	c := &consumer{
		opts:   opts,
		names:  map[string]int32{},
		intern: map[string]string{},
		keys:   &keyRegistry{ids: map[string]uint16{}},
	}
	c.needSet = map[string]bool{}
	c.internal = map[string]bool{}
	for _, e := range internalEvents {
		c.internal[e] = true
	}
	c.links = map[string]*link{}
	if c.opts.Identity == "" {
		c.opts.Identity = "stitch"
	}
	for _, e := range opts.Need.Events {
		c.needSet[e] = true
	}
	c.future = math.MaxInt64
	if !opts.Now.IsZero() {
		c.future = opts.Now.UnixNano()
	}
	c.evProps = make([][]string, len(opts.Need.EventProps))
	c.userProps = make([][]userProp, len(opts.Need.UserProps))
	return c
}

type link struct {
	anon, user string
	conflict   bool
}

// early is 2005-01-01T00:00:00Z: analytics events dated before it are
// nearly always a misread time column; epochLike,
// 1980-01-01, is near enough the epoch's zero to be one for sure.
var (
	early     = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	epochLike = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
)

// anonPrefix keeps anonymous ids apart from user ids in the user table.
const anonPrefix = "\x00"

// userKey is a row's key in the user table: the user id or, with none, the
// anonymous id, marked as such unless identities are raw. buf holds the
// marked copy.
func userKey(user, anon []byte, raw bool, buf *[]byte) []byte {
	switch {
	case len(user) > 0:
		return user
	case raw:
		return anon
	}
	*buf = append(append((*buf)[:0], anonPrefix...), anon...)
	return *buf
}

// dedup marks the batch's rows whose event id (or, for exact dedup, user,
// event and time) was seen before, in row order. The set is far larger
// than the caches, so a block of rows has its slots loaded first, in loads
// that overlap, then added; a block's lines stay in the core's cache.
func (c *consumer) dedup(b *batch) {
	const block = 512
	for lo := 0; lo < len(b.rows); lo += block {
		rows := b.rows[lo:min(lo+block, len(b.rows))]
		for i := range rows {
			if r := &rows[i]; r.hasID {
				c.warmed ^= c.seen.warm(r.hID)
			} else if r.hasEx {
				c.warmed ^= c.seen.warm(r.hEx)
			}
		}
		for i := range rows {
			r := &rows[i]
			r.dup = r.hasID && c.seen.add(r.hID) || r.hasEx && c.seen.add(r.hEx)
		}
	}
}

// warmUsers loads what looking up the batch's users will touch, in passes
// whose loads do not wait on each other, so their cache misses overlap: the
// users' home slots, then the names and first/last seen of the ids found
// there. A batch's worth fits in the core's cache. Rows carry their user and
// event name as positions in the batch's sets (10k rows of an export in time
// order hold about 2.3k users and a dozen names); the ids of those are
// looked up when a row first needs them (rowUser, rowName), in row order,
// so a user or name seen only in rows dropped as duplicates is never made.
func (c *consumer) warmUsers(b *batch) {
	users := b.users.ents
	for k := range users {
		c.warmed ^= c.users.slot(users[k].h)
	}
	for k := range users {
		if id := c.users.peek(users[k].h); id >= 0 {
			c.warmed ^= c.users.nameByte(id)
			if int(id) < len(c.seenAt) {
				c.warmed ^= uint64(c.seenAt[id][0])
			}
		}
	}
	c.ids = resetIDs(c.ids, len(users))
	c.eids = resetIDs(c.eids, len(b.names.ents))
}

// resetIDs returns ids with n entries, all -1 (not looked up yet).
func resetIDs(ids []int32, n int) []int32 {
	ids = slices.Grow(ids[:0], n)[:n]
	for i := range ids {
		ids[i] = -1
	}
	return ids
}

// rowUser returns the id of the row's user (adding the user, first seen at
// the row's time) and folds the row's time into its first and last seen.
func (c *consumer) rowUser(b *batch, r *rowRec) int32 {
	uid := c.ids[r.lu]
	if uid < 0 {
		var isNew bool
		uid, isNew = c.users.intern(b.users.key(int(r.lu)), b.users.ents[r.lu].h)
		c.ids[r.lu] = uid
		if isNew {
			c.seenAt = append(c.seenAt, [2]int64{r.t, r.t})
		}
	}
	fl := &c.seenAt[uid]
	fl[0], fl[1] = min(fl[0], r.t), max(fl[1], r.t)
	return uid
}

// rowName returns the id of the row's event name, adding the name.
func (c *consumer) rowName(b *batch, r *rowRec) int32 {
	eid := c.eids[r.le]
	if eid < 0 {
		eid = c.nameID(b.names.key(int(r.le)))
		c.eids[r.le] = eid
	}
	return eid
}

// nameID returns an event name's id, adding the name.
func (c *consumer) nameID(name []byte) int32 {
	eid, ok := c.names[string(name)]
	if !ok {
		eid = int32(len(c.nameList))
		s := string(name)
		c.names[s] = eid
		c.nameList = append(c.nameList, s)
		c.keep = append(c.keep, c.opts.Need.AllEvents || c.needSet[s])
		c.nameCount = append(c.nameCount, 0)
		c.nameUsers = append(c.nameUsers, nil)
		if c.opts.Need.Sink != nil {
			c.opts.Need.Sink.NewName(eid, s, c.internal[s])
		}
	}
	return eid
}

// userID is the id of a row's user, the identified id or (with no
// identified id) the anonymous id, kept apart from user ids until stitching
// decides; a row with both links them.
func (c *consumer) userID(b *batch, r *rowRec) int32 {
	uid := c.rowUser(b, r)
	if r.link >= 0 && c.opts.Identity != "raw" {
		user, anon := b.links[r.link][0], b.links[r.link][1]
		for int(uid) >= len(c.userLink) {
			c.userLink = append(c.userLink, nil)
		}
		if l := c.userLink[uid]; l == nil || l.anon != string(anon) {
			c.userLink[uid] = c.link(anon, user)
		}
	}
	return uid
}

// link records that an anonymous id belongs to a user (a row carrying both).
func (c *consumer) link(anon, user []byte) *link {
	l := c.links[string(anon)]
	if l == nil {
		l = &link{anon: string(anon), user: string(user)}
		c.links[l.anon] = l
	} else if l.user != string(user) {
		l.conflict = true
	}
	return l
}

// stitch merges every anonymous id linked to exactly one user into that user
// (or names it after that user, when the user has no events of their own),
// and returns the new id of every old user and the new user count.
func (c *consumer) stitch() ([]int32, int) {
	n := len(c.users.names)
	st := &c.stats.Identity
	st.Mode = c.opts.Identity
	target := make([]int32, n)
	names := slices.Clone(c.users.names)
	renamed := map[string]int32{} // a user with no events of their own, named after their first anonymous id's uid
	for uid, name := range c.users.names {
		target[uid] = int32(uid)
		if !strings.HasPrefix(name, anonPrefix) {
			continue
		}
		names[uid] = name[len(anonPrefix):]
		l := c.links[names[uid]]
		switch {
		case l == nil:
			st.AnonymousOnly++
		case l.conflict:
			st.Ambiguous++
		default:
			st.Merged++
			if to, ok := c.users.find(l.user); ok {
				target[uid] = to
			} else if to, ok := renamed[l.user]; ok {
				target[uid] = to // a second anonymous id of the same event-less user
			} else {
				names[uid] = l.user
				renamed[l.user] = int32(uid)
			}
		}
	}
	newID := make([]int32, n)
	k := 0
	kept := names[:0:0]
	for uid := 0; uid < n; uid++ {
		if target[uid] == int32(uid) {
			newID[uid] = int32(k)
			kept = append(kept, names[uid])
			k++
		}
	}
	for uid := 0; uid < n; uid++ {
		if target[uid] != int32(uid) {
			newID[uid] = newID[target[uid]]
		}
	}
	c.users = userTable{names: kept} // no more lookups
	return newID, k
}

// remap applies stitch's merge to everything kept per user.
func (c *consumer) remap(newID []int32, n int) {
	for i := range c.events {
		c.events[i].User = newID[c.events[i].User]
	}
	seen := make([][2]int64, n)
	set := make([]bool, n)
	for old, fl := range c.seenAt {
		u := newID[old]
		if !set[u] {
			seen[u], set[u] = fl, true
			continue
		}
		seen[u][0] = min(seen[u][0], fl[0])
		seen[u][1] = max(seen[u][1], fl[1])
	}
	c.seenAt = seen
	for j, up := range c.userProps {
		out := make([]userProp, n)
		for old, p := range up {
			u := newID[old]
			if p.set && (!out[u].set || p.t < out[u].t) {
				out[u] = p
			}
		}
		c.userProps[j] = out
	}
	for e, bs := range c.nameUsers {
		nb := make([]uint64, (n+63)/64)
		for w, word := range bs {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &= word - 1
				u := newID[w*64+b]
				nb[u>>6] |= 1 << (u & 63)
			}
		}
		c.nameUsers[e] = nb
	}
	if c.opts.Need.Sink != nil {
		c.opts.Need.Sink.Remap(newID, n)
	}
}

func (c *consumer) internString(b []byte) string {
	if s, ok := c.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	c.intern[s] = s
	return s
}

func (c *consumer) consume(b *batch, fs *FileStats) error {
	fs.Counts.add(b.counts)
	c.stats.SkipSamples = append(c.stats.SkipSamples, b.skipMsgs[:min(len(b.skipMsgs), max(0, 5-len(c.stats.SkipSamples)))]...)
	nEP := len(c.opts.Need.EventProps)
	nUP := len(c.opts.Need.UserProps)
	c.dedup(b)
	c.warmUsers(b)
	for i := range b.rows {
		r := &b.rows[i]
		if r.dup {
			fs.Duplicates++
			continue
		}
		if r.linkOnly {
			fs.Links++
			if c.opts.Identity != "raw" {
				c.link(b.links[r.link][1], b.links[r.link][0])
			}
			continue
		}
		fs.Events++
		if r.t < early {
			c.stats.Early++
		} else if r.t > c.future {
			c.stats.Future++
		}
		uid := c.userID(b, r)
		eid := c.rowName(b, r)
		if c.opts.Need.Sink != nil {
			c.sinkBuf = append(c.sinkBuf, Event{Time: r.t, User: uid, Name: eid})
		}
		c.nameCount[eid]++
		bs := c.nameUsers[eid]
		if w := int(uid >> 6); w >= len(bs) {
			bs = append(bs, make([]uint64, w-len(bs)+1+len(bs)/2)...)
			c.nameUsers[eid] = bs
		}
		bs[uid>>6] |= 1 << (uid & 63)
		if r.tf != 0 {
			c.countTime(r, b, fs)
		}
		c.countKeys(b.keys[r.kOff:r.kEnd])
		props := b.props[r.pOff : int(r.pOff)+nEP+nUP]
		for j := 0; j < nUP; j++ {
			v := props[nEP+j]
			if len(v) == 0 {
				continue
			}
			up := c.userProps[j]
			for int(uid) >= len(up) {
				up = append(up, userProp{})
			}
			if s := &up[uid]; !s.set || r.t < s.t {
				*s = userProp{t: r.t, v: c.internString(v), set: true}
			}
			c.userProps[j] = up
		}
		if c.keep[eid] {
			c.events = append(c.events, Event{Time: r.t, User: uid, Name: eid})
			for j := 0; j < nEP; j++ {
				c.evProps[j] = append(c.evProps[j], c.internString(props[j]))
			}
			if c.opts.Need.EventSources {
				c.sources = append(c.sources, fmt.Sprintf("%s:%d", fs.Name, r.line))
			}
		}
	}
	if len(c.sinkBuf) > 0 {
		c.opts.Need.Sink.Events(c.sinkBuf)
		c.sinkBuf = c.sinkBuf[:0]
	}
	if c.opts.Progress != nil {
		c.opts.Progress.Rows.Add(b.counts.Rows)
	}
	if b.err != nil {
		return b.err
	}
	return nil
}

func (c *consumer) finish() *Dataset {
	if newID, n := c.stitch(); n != len(newID) { // without merges newID is the identity
		c.remap(newID, n)
	}
	var internal []string
	for _, name := range c.nameList {
		if c.internal[name] {
			internal = append(internal, name)
		}
	}
	// the time range is the users' first and last seen: no per-event work
	first := make([]int64, len(c.seenAt))
	last := make([]int64, len(c.seenAt))
	for i, fl := range c.seenAt {
		first[i], last[i] = fl[0], fl[1]
		if i == 0 || fl[0] < c.stats.First {
			c.stats.First = fl[0]
		}
		if i == 0 || fl[1] > c.stats.Last {
			c.stats.Last = fl[1]
		}
	}
	d := &Dataset{
		Users:        c.users.names,
		Names:        c.nameList,
		Events:       c.events,
		FirstSeen:    first,
		LastSeen:     last,
		Internal:     internal,
		Stats:        c.stats,
		EventSources: c.sources,
	}
	if d.Users == nil {
		d.Users = []string{}
	}
	if d.Names == nil {
		d.Names = []string{}
	}
	for _, f := range d.Stats.Files {
		d.Stats.Counts.add(f.Counts)
	}
	c.dates.settle(&d.Stats)
	if s := &d.Stats; s.Early > 0 {
		s.SuspectEarly = s.Early < s.Events || s.First < epochLike
	}
	d.Stats.NameCounts = c.nameCount
	d.Stats.NameUsers = make([]int64, len(c.nameUsers))
	for i, bs := range c.nameUsers {
		var n int
		for _, w := range bs {
			n += bits.OnesCount64(w)
		}
		d.Stats.NameUsers[i] = int64(n)
	}
	if c.opts.Need.PropertyStats {
		names := c.keys.names()
		for id, n := range c.keyCount {
			if n > 0 {
				d.Stats.Props = append(d.Stats.Props, PropStat{Name: names[id], Rows: n})
			}
		}
		slices.SortFunc(d.Stats.Props, func(a, b PropStat) int { return strings.Compare(a.Name, b.Name) })
		d.Stats.PropNames, d.Stats.PropNamesAtLeast = c.keys.distinct()
	}
	d.EventProps = map[string][]string{}
	for j, name := range c.opts.Need.EventProps {
		d.EventProps[name] = c.evProps[j]
	}
	d.UserProps = map[string][]string{}
	for j, name := range c.opts.Need.UserProps {
		vals := make([]string, len(c.users.names))
		for u, s := range c.userProps[j] {
			vals[u] = s.v
		}
		d.UserProps[name] = vals
	}
	return d
}

// countKeys counts a row's property ids, each once: a key repeated in one
// JSON object, or several names merged into (other), is still one row.
func (c *consumer) countKeys(keys []uint16) {
	if len(keys) == 0 {
		return
	}
	if c.keyStamp == nil {
		c.keyStamp = make([]uint32, MaxPropertyNames+1)
		c.keyCount = make([]int64, MaxPropertyNames+1)
	}
	if c.stamp++; c.stamp == 0 { // wrapped: forget the old rows' stamps
		clear(c.keyStamp)
		c.stamp = 1
	}
	for _, k := range keys {
		if c.keyStamp[k] != c.stamp {
			c.keyStamp[k] = c.stamp
			c.keyCount[k]++
		}
	}
}

// MaxPropertyNames is the number of property names with statistics of their
// own: ids are uint16 (a batch holds one per property of every row), and the
// last id is (other), shared by every later name.
const MaxPropertyNames = math.MaxUint16

// maxCountedKeys bounds the names remembered only to be counted, past
// MaxPropertyNames (an object keyed by ids may have millions of keys).
const maxCountedKeys = 1 << 20

// keyRegistry gives property names small ids shared by all workers.
type keyRegistry struct {
	mu   sync.Mutex
	ids  map[string]uint16
	list []string
	more bool // names past maxCountedKeys were met, and not counted
}

func (k *keyRegistry) id(name string) uint16 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if id, ok := k.ids[name]; ok {
		return id
	}
	if len(k.list) < MaxPropertyNames {
		id := uint16(len(k.list))
		k.ids[name] = id
		k.list = append(k.list, name)
		return id
	}
	if len(k.ids) < maxCountedKeys {
		k.ids[name] = MaxPropertyNames
	} else {
		k.more = true
	}
	return MaxPropertyNames
}

// distinct is the number of property names met, and whether it is a lower
// bound.
func (k *keyRegistry) distinct() (int, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.ids), k.more
}

func (k *keyRegistry) names() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := slices.Clone(k.list)
	return append(out, "(other)")
}

// ---------------------------------------------------------------------------
// per input: open, sniff, plan, then the parallel pipeline

func (c *consumer) readInput(in Input) error {
	if c.opts.Progress != nil {
		name := in.Name
		c.opts.Progress.File.Store(&name)
	}
	o, err := openInput(in, c.opts.Progress)
	if err != nil {
		return err
	}
	defer o.close()
	head, err := o.r.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return fmt.Errorf("%s: empty file: expected a header row and events", in.Name)
	}
	fs := FileStats{Name: in.Name, Compression: o.compressed, Vendor: "generic", Content: o.content}
	format := c.opts.Format
	if IsVendor(format) {
		if IsSurveyVendor(format) {
			return fmt.Errorf("%s: --input-format %s: %s is a survey tool; read its export with uptake nps, csat or ces", in.Name, format, format)
		}
		format = "auto"
	}
	format, sep, err := inputFormat(in.Name, head, format)
	if err != nil {
		return err
	}
	fs.Format = format
	var p *plan
	switch format {
	case "csv", "tsv":
		fs.Delimiter = string(sep)
		p, err = c.planCSV(in.Name, o, head, sep)
	case "jsonl":
		p, err = c.planJSON(in.Name, splitLines(head, 200))
		if line := bytes.TrimSpace(firstLine(head)); err != nil && firstArrayOfObjects(line) >= 0 {
			// no mapping, and the records wrap arrays of records: pages
			// of an API's responses, one a line
			err = fmt.Errorf("%s: each line is an object wrapping an array of records: read the file with --input-format json", in.Name)
		}
	case "json":
		var sample [][]byte
		if sample, err = docSample(in.Name, head, len(head) < peekSize, 200); err == nil {
			p, err = c.planJSON(in.Name, sample)
		}
		if p != nil {
			p.format = "json"
		}
	default:
		return fmt.Errorf("%s: unknown input format %q", in.Name, format)
	}
	if err != nil {
		return err
	}
	fs.Mapping = p.mapping
	fs.Vendor, fs.Detected = p.vendorName(), p.detected
	fs.ServerOffset = p.serverOffset
	fs.Renamed = p.renamed
	if err := c.pipeline(p, o, &fs); err != nil {
		return err
	}
	if fs.Rows == 0 {
		switch format {
		case "jsonl":
			return fmt.Errorf("%s: no records", in.Name)
		case "json":
			return fmt.Errorf("%s: no records (an empty JSON array)", in.Name)
		}
		return fmt.Errorf("%s: header only: no data rows after line %d", in.Name, p.startLine-1)
	}
	c.stats.Files = append(c.stats.Files, fs)
	return nil
}

func splitLines(head []byte, n int) [][]byte {
	var out [][]byte
	for len(head) > 0 && len(out) < n {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			// an unterminated last line is only whole when the input ended
			out = append(out, head)
			break
		}
		if line := bytes.TrimSpace(head[:i]); len(line) > 0 {
			out = append(out, line)
		}
		head = head[i+1:]
	}
	return out
}

// plan is a compiled mapping for one input: which physical slots feed which
// logical field, and how to fill the slots from a record.
type plan struct {
	detected  string
	name      string
	format    string
	sep       byte
	mapping   Mapping
	startLine int

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
	props  [][]int // Need.EventProps then Need.UserProps

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
	// serverOffset, renamed: see FileStats
	serverOffset *ServerOffset
	renamed      []ColumnRename
}

// zoneFor is the zone of naive timestamps: UTC when the vendor documents
// it, --assume-tz otherwise.
func (c *consumer) zoneFor(p *plan) *time.Location {
	if p.vendor != nil && p.vendor.UTC {
		return time.UTC
	}
	return c.opts.AssumeTZ
}

func (p *plan) vendorName() string {
	if p.vendor == nil {
		return "generic"
	}
	return p.vendor.Name
}

// pickVendor decides the vendor of an input: forced with --input-format,
// or by fingerprint; none means generic column names.
func (c *consumer) pickVendor(p *plan, json bool, detect func() (detection, error)) error {
	if IsVendor(c.opts.Format) {
		v := vendorNamed(c.opts.Format, json)
		if v == nil {
			kind := map[bool]string{true: "JSON", false: "CSV"}
			return fmt.Errorf("%s: --input-format %s: this is a %s file, and uptake knows %s exports only as %s", p.name, c.opts.Format, kind[json], c.opts.Format, kind[!json])
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

func (c *consumer) basePlan(name, format string) *plan {
	p := &plan{
		name: name, format: format,
		skipInvalid: c.opts.SkipInvalid,
		dedup:       c.opts.Dedup,
		keys:        c.keys,
		propStats:   c.opts.Need.PropertyStats,
		rawIdentity: c.opts.Identity == "raw",
	}
	if c.opts.Since != nil {
		p.since, p.hasSince = c.opts.Since.UnixNano(), true
	}
	if c.opts.Until != nil {
		p.until, p.hasUntil = c.opts.Until.UnixNano(), true
	}
	if c.opts.EventName != "" {
		p.eventConst = []byte(c.opts.EventName)
		p.mapping.EventName = c.opts.EventName
	}
	return p
}

// mapColumns decides the mapping from the names a file has: the vendor's
// fields when a vendor was recognised, names otherwise; flags win over both.
func (c *consumer) mapColumns(p *plan, have func(string) (string, bool), list string) error {
	if v := p.vendor; v != nil {
		return c.mapVendor(p, v, have, list)
	}
	var err error
	m := &p.mapping
	if m.User, err = detect("user id", c.opts.UserCol, userNames, have, "--user-col"); err != nil {
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
		if m.Event, err = detect("event", c.opts.EventCol, eventNames, have, "--event-col"); err != nil {
			return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
		}
		if len(m.Event.Paths) == 0 {
			return notFound("no event column found (looked for %s; have %s); name it with --event-col, or give --event-name NAME when every row is one event (orders, survey answers)", candidateList(eventNames), list)
		}
	} else {
		m.Event = Field{Reason: "every row is --event-name " + c.opts.EventName}
	}
	if m.Time, err = detect("time", c.opts.TimeCol, timeNames, have, "--time-col"); err != nil {
		return fmt.Errorf("%s: %w (have %s)", p.name, err, list)
	}
	if len(m.Time.Paths) == 0 {
		return fmt.Errorf("%s: no time column found (looked for %s; have %s); name it with --time-col", p.name, candidateList(timeNames), list)
	}
	if c.opts.Dedup != DedupOff {
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

func (c *consumer) mapVendor(p *plan, v *Vendor, have func(string) (string, bool), list string) error {
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
	if c.opts.Dedup != DedupOff {
		m.ID = Field{Paths: keep(v.ID), Reason: why}
	}
	if p.eventConst != nil {
		m.Event = Field{Reason: "every row is --event-name " + c.opts.EventName}
	}
	for _, o := range []struct {
		f               *Field
		col, flag, role string
	}{{&m.User, c.opts.UserCol, "--user-col", "user id"}, {&m.Event, c.opts.EventCol, "--event-col", "event"}, {&m.Time, c.opts.TimeCol, "--time-col", "time"}} {
		if err := override(o.f, o.col, o.flag, o.role); err != nil {
			return err
		}
	}
	if c.opts.UserCol != "" {
		m.Anon = Field{}
	}
	for _, e := range v.Internal {
		c.internal[e] = true
	}
	return nil
}

func (c *consumer) planCSV(name string, o *opened, head []byte, sep byte) (*plan, error) {
	p := c.basePlan(name, "csv")
	if sep == '\t' {
		p.format = "tsv"
	}
	p.sep = sep
	sc := csvScanner{sep: sep}
	pos, line := 0, 1
	var header []string
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
	if err := c.pickVendor(p, false, func() (detection, error) { return detectCSV(hi) }); err != nil {
		return nil, err
	}
	if err := c.mapColumns(p, have, hi.list()); err != nil {
		return nil, err
	}
	var sl slotter
	c.compileSlots(p, &sl, func(f string) []string {
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
				p.propCols = append(p.propCols, propCol{col: i, key: c.keys.id(h)})
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
	c.timeColumn(p, samples)
	if _, err := o.r.Discard(hdrLen); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// compileSlots assigns physical slots to every logical field. pathsFor turns
// a --where/--by field name into the paths it may be found at.
func (c *consumer) compileSlots(p *plan, sl *slotter, pathsFor func(string) []string) {
	m := p.mapping
	p.user = sl.slots(m.User.Paths...)
	p.anon = sl.slots(m.Anon.Paths...)
	if v := p.vendor; v != nil && v.TypeField != "" && c.opts.EventCol == "" && p.eventConst == nil {
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
	for _, f := range c.opts.Where {
		p.where = append(p.where, slotFilter{Filter: f, slots: sl.slots(pathsFor(f.Field)...)})
	}
	for _, name := range append(slices.Clone(c.opts.Need.EventProps), c.opts.Need.UserProps...) {
		p.props = append(p.props, sl.slots(pathsFor(name)...))
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

func (c *consumer) planJSON(name string, sample [][]byte) (*plan, error) {
	p := c.basePlan(name, "jsonl")
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
	if err := c.pickVendor(p, true, func() (detection, error) { return detectJSON(sample) }); err != nil {
		return nil, err
	}
	if c.opts.UserCol != "" || c.opts.EventCol != "" || c.opts.TimeCol != "" {
		// a dotted path given by the user need not appear in the sample
		base := have
		have = func(n string) (string, bool) {
			if k, ok := base(n); ok {
				return k, true
			}
			if n == c.opts.UserCol || n == c.opts.EventCol || n == c.opts.TimeCol {
				return n, true
			}
			return "", false
		}
	}
	if err := c.mapColumns(p, have, list); err != nil {
		return nil, err
	}
	var sl slotter
	c.compileSlots(p, &sl, func(f string) []string { return p.propPaths(f, true) })
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
	c.timeColumn(p, samples)
	p.serverOffset = c.serverOffset(p, sample)
	p.startLine = 1
	return p, nil
}

// timeColumn decides how the time column is read from its first values;
// epoch numbers count wall-clock time in --source-tz when it is given.
func (c *consumer) timeColumn(p *plan, samples []string) {
	p.tp, p.mapping.TimeForm = sampleTimeColumn(samples, c.zoneFor(p))
	if loc := c.opts.SourceTZ; loc != nil && p.tp.unit != unitUnknown && p.tp.unit != unitYYYYMMDD {
		p.tp.epochLoc = loc
		p.mapping.TimeForm += " of wall-clock time in " + loc.String() + " (--source-tz)"
	}
}

// serverOffset measures, over the sample records, the median of the
// vendor's server-side time minus the event time (see FileStats).
func (c *consumer) serverOffset(p *plan, sample [][]byte) *ServerOffset {
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

// jsonRecords finds the records of a whole JSON document in memory (small
// survey exports) and the line each starts on.
func jsonRecords(name string, doc []byte) ([][]byte, []int, error) {
	var d docSplitter
	_, spans, err := d.split(doc, true, 1)
	if err != nil {
		err.(*RowError).File = name
		return nil, nil, err
	}
	recs, lines := make([][]byte, len(spans)), make([]int, len(spans))
	for i, s := range spans {
		recs[i], lines[i] = doc[s.off:s.end], s.line
	}
	return recs, lines, nil
}

// docSample is the first records of a JSON document for planning: those
// whole in head, at most n. A broken structure in head is an error at once,
// and so is a head with no whole record.
func docSample(name string, head []byte, eof bool, n int) ([][]byte, error) {
	var d docSplitter
	_, spans, err := d.split(head, eof, 1)
	if err != nil {
		err.(*RowError).File = name
		return nil, err
	}
	if len(spans) == 0 {
		if eof {
			return nil, fmt.Errorf("%s: no records (an empty JSON array)", name)
		}
		return nil, fmt.Errorf("%s: the first record of the JSON document is longer than %d MiB", name, len(head)>>20)
	}
	var out [][]byte
	for _, s := range spans[:min(n, len(spans))] {
		out = append(out, head[s.off:s.end])
	}
	return out, nil
}

// firstArrayOfObjects returns the offset in obj of the first value that is an
// array whose first element is an object, or -1.
func firstArrayOfObjects(obj []byte) int {
	var s jsonScanner
	i, more := firstMember(obj, 0, '}')
	for more {
		_, j, err := memberKey(obj, i)
		if err != nil {
			return -1
		}
		if j < len(obj) && obj[j] == '[' {
			if k := skipWS(obj, j+1); k < len(obj) && obj[k] == '{' {
				return j
			}
		}
		end, err := s.skip(obj, j)
		if err != nil {
			return -1
		}
		if i, more, err = nextMember(obj, end, '}'); err != nil {
			return -1
		}
	}
	return -1
}

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
	pOff       int32
	kOff, kEnd int32
	linkOnly   bool // an identity link (user + anonymous id), not an event
	tf         timeFlags
	hasID      bool
	hasEx      bool
	dup        bool // set by the consumer: seen before (see consumer.dedup)
}

type batch struct {
	rows     []rowRec
	users    batchSet    // the rows' user keys (userKey, userHash)
	names    batchSet    // the rows' event names (keyHash)
	links    [][2][]byte // user and anonymous id of rows with both
	props    [][]byte
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
	b.keys = b.keys[:0]
	b.counts = Counts{}
	b.skipMsgs = nil
	b.timeNote, b.dateLoc = [2]string{}, nil
	b.err = nil
	return b
}

// framer finds the whole records at the start of buf, whose first byte is
// on line line: it returns where they end (-1: none yet, more input follows;
// with eof, buf is the rest of the input), their spans when it knows them,
// and an error that stops the input after those records.
type framer func(buf []byte, eof bool, line int) (int, []span, error)

func (p *plan) framer() framer {
	switch p.format {
	case "json":
		var d docSplitter
		return d.split
	case "jsonl":
		return whole(lineBoundary)
	}
	return whole(func(b []byte) int { return csvBoundary(b, p.sep) })
}

// whole makes a framer of a boundary function, which finds the end of the
// last whole record (-1: none) of a buffer that more input follows.
func whole(boundary func([]byte) int) framer {
	return func(buf []byte, eof bool, _ int) (int, []span, error) {
		if eof {
			return len(buf), nil, nil
		}
		return boundary(buf), nil, nil
	}
}

func (c *consumer) pipeline(p *plan, o *opened, fs *FileStats) error {
	frame := p.framer()
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

type worker struct {
	// Two workers' hot fields (slot values, scanner state) written on every
	// row must not share a cache line: without the padding the workers'
	// structs sit side by side and false sharing cost ~30% of CSV throughput.
	_    [64]byte
	p    *plan
	csv  csvScanner
	js   jsonScanner
	vals [][]byte
	hbuf []byte
	kbuf []byte     // a user key marked as anonymous (userKey)
	tp   timeParser // the plan's, with a day cache of this worker's own
	// lines is the number of physical lines of the record being read
	lines int
	// the current batch's users and event names by hash
	userIdx, nameIdx batchIndex
	_                [64]byte
}

func newWorker(p *plan) *worker {
	// vals gets spare capacity for the same reason as the padding above
	w := &worker{p: p, csv: csvScanner{sep: p.sep, fields: make([][]byte, 0, 64)}, vals: make([][]byte, p.nslots, p.nslots+8), tp: p.tp}
	if p.trie != nil {
		w.js.root = p.trie.clone()
		w.js.slots = w.vals
		if p.propStats {
			w.js.resolve = w.resolve
		}
	}
	return w
}

func (w *worker) parse(ch *chunk) *batch {
	b := getBatch(len(ch.data))
	clear(w.userIdx)
	clear(w.nameIdx)
	if ch.err != nil {
		return b
	}
	data := ch.data
	line := ch.line
	if w.p.format == "json" {
		for _, s := range ch.spans {
			w.lines = 1 + bytes.Count(data[s.off:s.end], nl)
			if s.end-s.off > maxRecordSize {
				b.counts.Rows++
				if !w.invalid(b, s.line, "", tooLong) {
					return b
				}
			} else if !w.jsonRecord(b, data[s.off:s.end], s.line) {
				return b
			}
		}
		return b
	}
	if w.p.format == "jsonl" {
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
					return b
				}
			} else if len(bytes.TrimSpace(rec)) > 0 {
				if !w.jsonRecord(b, rec, line) {
					return b
				}
			}
			line++
		}
		return b
	}
	pos := 0
	for pos < len(data) {
		recLine := line
		fields, next, nls, err := w.csv.next(data, pos)
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
			return b
		}
		if err != nil {
			b.counts.Rows++
			if !w.invalid(b, recLine, "", err.Error()) {
				return b
			}
			continue
		}
		if fields == nil {
			continue
		}
		b.counts.Rows++
		if len(fields) != w.p.ncols {
			if !w.invalid(b, recLine, "", fmt.Sprintf("has %d fields, the header has %d", len(fields), w.p.ncols)) {
				return b
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
			return b
		}
	}
	return b
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
	uref := w.userIdx.find(&b.users, ukey, userHash(ukey))
	eref := w.nameIdx.find(&b.names, event, keyHash(event))
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
	tv := first(vals, p.time)
	t, tf, err := w.tp.parse(tv)
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
	if len(user) > 0 && len(anon) > 0 && !p.rawIdentity { // raw identities are never linked
		b.links = append(b.links, [2][]byte{user, anon})
		r.link = int32(len(b.links) - 1)
	}
	if r.lu, r.le = uref.k, eref.k; r.lu < 0 {
		r.lu = w.userIdx.add(&b.users, uref)
	}
	if r.le < 0 {
		r.le = w.nameIdx.add(&b.names, eref)
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
		b.props = append(b.props, first(vals, slots))
	}
	b.rows = append(b.rows, r)
	return true
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
	b.links = append(b.links, [2][]byte{user, anon})
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
	e := &RowError{File: w.p.name, Line: line, Column: col, Msg: msg}
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
