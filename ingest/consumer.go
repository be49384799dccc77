package ingest

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptake-dev/uptake/event"
)

// ---------------------------------------------------------------------------
// the consumer: interning, dedup, stats, kept events (single goroutine)

type userProp struct {
	t   int64
	v   string
	set bool
	// mixed: the user's rows carry more than one value (Dataset.UserPropsMixed)
	mixed bool
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
	warmed    uint64        // see idSet.warm
	ids, eids []int32       // ids of the batch's users and event names
	future    int64         // Options.Now, or never
	sinkBuf   []event.Event // the batch's events for Need.Sink
	events    event.Events
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
	amounts   []float64 // Need.Amounts: per kept event with details
	// amountSlot is the index of the amount among a row's props, or -1
	amountSlot int
	// amountRows: Need.AmountRows with amounts read
	amountRows bool
	internal   map[string]bool
	// identity stitching: anonymous id → the user it is linked to
	links    map[string]*link
	userLink []*link // per user, the last link seen: most rows repeat it
	needSet  map[string]bool
	// detailSet is Need.DetailEvents (nil: every kept event has details);
	// detail is per kept event its details' index, details their count
	detailSet map[string]bool
	hasDetail []bool // by name id
	detail    []int32
	details   int
	dates     dateTally
	// table is Options.Users; tableProps are the Need.UserProps it has
	// columns for (tableCols), taken from it rather than from the events.
	// Under --user-key they are also read per row (the row of each event's
	// user id), after the events' own user properties, so that a user's
	// value is the first seen as for any property.
	table      *UserTable
	tableProps []string
	tableCols  []int
}

func newConsumer(opts Options) *consumer {
	c := &consumer{
		opts:   opts,
		names:  map[string]int32{},
		intern: map[string]string{},
		keys:   &keyRegistry{ids: map[string]uint16{}},
	}
	c.needSet = map[string]bool{}
	if opts.Need.DetailEvents != nil {
		c.detailSet = map[string]bool{}
		for _, e := range opts.Need.DetailEvents {
			c.detailSet[e] = true
		}
		c.detail = []int32{}
	}
	c.internal = map[string]bool{}
	for _, e := range internalEvents {
		c.internal[e] = true
	}
	for _, s := range opts.Selectors {
		c.internal[s.Name] = true // not activity, unless named so (--active-event)
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
	perRow := 0
	if t := opts.Users; t != nil {
		c.table = t
		var fromEvents []string
		for _, name := range opts.Need.UserProps {
			switch col := t.column(name); {
			case slices.Contains(c.tableProps, name) || slices.Contains(fromEvents, name):
			case col >= 0:
				c.tableProps, c.tableCols = append(c.tableProps, name), append(c.tableCols, col)
			default:
				fromEvents = append(fromEvents, name)
			}
		}
		c.opts.Need.UserProps = fromEvents // what the plans read from rows
		if t.KeyCol != "" {
			perRow = len(c.tableProps)
		}
	}
	c.userProps = make([][]userProp, len(c.opts.Need.UserProps)+perRow)
	c.amountSlot = -1
	if opts.Amount != nil && opts.Need.Amounts {
		c.amountRows = opts.Need.AmountRows
		c.amountSlot = len(opts.Need.EventProps) + len(c.userProps)
	}
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
		c.hasDetail = append(c.hasDetail, c.detailSet == nil || c.detailSet[s])
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
	for _, b := range c.events.Blocks() {
		for i := range b {
			b[i].User = newID[b[i].User]
		}
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
			if !p.set {
				continue
			}
			mixed := p.mixed || out[u].mixed || out[u].set && out[u].v != p.v
			if !out[u].set || p.t < out[u].t {
				out[u] = p
			}
			out[u].mixed = mixed
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

// keepEvent keeps row r as an event of the Log, with its details (the
// Need.EventProps values props, its file:line) when it has them.
func (c *consumer) keepEvent(r *rowRec, uid, eid int32, props [][]byte, amt []byte, fs *FileStats) {
	c.events.Append(event.Event{Time: r.t, User: uid, Name: eid})
	if c.detailSet != nil {
		if !c.hasDetail[eid] && !(c.amountRows && len(amt) == 8) {
			c.detail = append(doubled(c.detail), -1)
			return
		}
		c.detail = append(doubled(c.detail), int32(c.details))
	}
	c.details++
	if c.amountSlot >= 0 {
		c.amounts = append(c.amounts, slotAmount(amt))
	}
	for j, v := range props {
		c.evProps[j] = append(c.evProps[j], c.internString(v))
	}
	if c.opts.Need.EventSources {
		at := "%s:%d"
		if fs.Format == "parquet" {
			at = "%s:row %d"
		}
		c.sources = append(c.sources, fmt.Sprintf(at, fs.Name, r.line))
	}
}

// doubled is s with room for one more element, doubling its capacity when
// full: append grows a large slice by a quarter, so one that reaches
// millions of elements would be allocated and copied about five times over.
func doubled[T any](s []T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 1024))
	}
	return s
}

func (c *consumer) consume(b *batch, fs *FileStats) error {
	fs.Counts.add(b.counts)
	c.stats.SkipSamples = append(c.stats.SkipSamples, b.skipMsgs[:min(len(b.skipMsgs), max(0, 5-len(c.stats.SkipSamples)))]...)
	nEP := len(c.opts.Need.EventProps)
	nUP := len(c.userProps) // the rows' own, then the table's per row
	c.dedup(b)
	c.warmUsers(b)
	for i := range b.rows {
		r := &b.rows[i]
		if r.dup {
			if !r.derived { // a selector's event goes with its row, uncounted
				fs.Duplicates++
			}
			continue
		}
		if r.linkOnly {
			fs.Links++
			if c.opts.Identity != "raw" {
				c.link(b.links[r.link][1], b.links[r.link][0])
			}
			continue
		}
		if r.derived { // seen only by the metrics that name it
			uid, eid := c.rowUser(b, r), c.rowName(b, r)
			if c.opts.Need.Sink != nil { // internal: activity only if named so
				c.sinkBuf = append(c.sinkBuf, event.Event{Time: r.t, User: uid, Name: eid})
			}
			if c.keep[eid] {
				props, amt := c.eventProps(b, r)
				c.keepEvent(r, uid, eid, props, amt, fs)
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
			c.sinkBuf = append(c.sinkBuf, event.Event{Time: r.t, User: uid, Name: eid})
		}
		c.nameCount[eid]++
		if c.opts.Need.NameUsers {
			bs := c.nameUsers[eid]
			if w := int(uid >> 6); w >= len(bs) {
				bs = append(bs, make([]uint64, w-len(bs)+1+len(bs)/2)...)
				c.nameUsers[eid] = bs
			}
			bs[uid>>6] |= 1 << (uid & 63)
		}
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
			switch s := &up[uid]; {
			case !s.set:
				*s = userProp{t: r.t, v: c.internString(v), set: true}
			case string(v) == s.v:
				if r.t < s.t {
					s.t = r.t
				}
			case r.t < s.t:
				*s = userProp{t: r.t, v: c.internString(v), set: true, mixed: true}
			default:
				s.mixed = true
			}
			c.userProps[j] = up
		}
		if c.keep[eid] || c.amountRows {
			ep, amt := c.eventProps(b, r)
			if c.keep[eid] || len(amt) == 8 {
				c.keepEvent(r, uid, eid, ep, amt, fs)
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
		Amounts:      c.amounts,
		EventDetail:  c.detail,
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
	if c.opts.Need.NameUsers {
		d.Stats.NameUsers = make([]int64, len(c.nameUsers))
		for i, bs := range c.nameUsers {
			var n int
			for _, w := range bs {
				n += bits.OnesCount64(w)
			}
			d.Stats.NameUsers[i] = int64(n)
		}
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
	d.UserPropsMixed = map[string][]bool{}
	d.UserPropsAt = map[string][]int64{}
	names := append(slices.Clone(c.opts.Need.UserProps), c.tableProps...)
	for j := range c.userProps {
		vals := make([]string, len(c.users.names))
		mixed := make([]bool, len(c.users.names))
		at := make([]int64, len(c.users.names))
		for u := range at {
			at[u] = math.MinInt64
		}
		for u, s := range c.userProps[j] {
			vals[u], mixed[u] = s.v, s.mixed
			if s.set {
				at[u] = s.t
			}
		}
		d.UserProps[names[j]], d.UserPropsMixed[names[j]], d.UserPropsAt[names[j]] = vals, mixed, at
	}
	c.joinTable(d)
	return d
}

// joinTable gives every user the values of their row of the users table
// for the table's properties: a user's own row (by id, or by key under
// --user-key), where no event's row gave one. Users without a row are
// counted.
func (c *consumer) joinTable(d *Dataset) {
	t := c.table
	if t == nil {
		return
	}
	d.Table = t
	vals := make([][]string, len(c.tableProps))
	for k, name := range c.tableProps {
		if vals[k] = d.UserProps[name]; vals[k] == nil {
			vals[k] = make([]string, len(d.Users))
			d.UserProps[name] = vals[k]
		}
	}
	for u, name := range d.Users {
		row, ok := t.lookup(name)
		if !ok {
			d.Stats.NotInTable++
			continue
		}
		for k, col := range c.tableCols {
			if vals[k][u] == "" {
				vals[k][u] = t.cell(row, col)
			}
		}
	}
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
