package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// jsonScanner pulls the values at a few dotted paths out of one JSON object
// without building it: wanted keys are looked up in a small trie, everything
// else is skipped (but still checked for well-formedness). encoding/json
// decodes a 10M-line export in 10+ s; this does it in about a tenth.
type jsonScanner struct {
	root  *pathNode
	slots [][]byte // value per slot; nil = absent or null
	// Property statistics: the keys of objects whose node collects are
	// counted. resolve gives a key its id (or -1: not counted) the first
	// time the scanner meets it; the key then becomes a child of the node,
	// so later lines find the id with the same lookup that finds slots.
	// keys gets the ids of the keys present with non-empty values.
	resolve func(node *pathNode, key []byte) int32
	keys    []uint16
	depth   int
}

// pathNode is one level of the trie of wanted paths: children are found by
// the hash of their key in a small open-addressing index, so a lookup is
// one hash and one comparison however many keys an object has (Mixpanel
// properties have dozens).
type pathNode struct {
	key      string // this node's key in its parent
	hash     uint64 // keyHash(key)
	children []*pathNode
	index    []uint16 // children's positions+1 by hash (0 = empty), at most half full
	slot     int      // slot of the value at this path, or -1
	collect  bool     // count this object's keys (see jsonScanner.resolve)
	prefix   string   // this object's path followed by a dot ("" at the top)
	// kv marks an array of {"key": k, "value": {"string_value": …,
	// "int_value": …}} (GA4 event_params): its keys are looked up among the
	// node's children as if it were an object.
	kv bool
	// keyID is the statistics id of this key in a collecting parent:
	// keyUnresolved until the scanner first meets it, -1 when not counted.
	keyID int32
	// the layouts of this object seen last (see shape), and one to record into
	shapes [maxShapes]*shape
	spare  *shape
	// recording backs off when layouts keep changing: installs counts the
	// layouts recorded since one last matched in full, pause the objects
	// still to be read without recording
	installs, pause int
}

const keyUnresolved = -2

// maxLearned bounds the keys one collecting node learns: past it (an object
// keyed by ids, say) keys are resolved on every line instead. A variable so
// tests can reach that path.
var maxLearned = 1 << 14

func newPathNode() *pathNode { return &pathNode{slot: -1, keyID: keyUnresolved} }

// keyHash hashes a key eight bytes at a time. A short tail is read as a
// whole word when the slice's capacity allows (keys alias the line, so it
// nearly always does) and masked to the key's bytes.
func keyHash(k []byte) uint64 {
	const prime = 0xff51afd7ed558ccd
	h := uint64(len(k)) * golden
	for len(k) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(k)) * prime
		k = k[8:]
	}
	if n := len(k); n > 0 {
		var w uint64
		if cap(k) >= 8 {
			w = binary.LittleEndian.Uint64(k[:8]) & (1<<(8*n) - 1)
		} else {
			for i := n - 1; i >= 0; i-- {
				w = w<<8 | uint64(k[i])
			}
		}
		h = (h ^ w) * prime
	}
	return h ^ h>>32
}

// child returns the child for key (whose keyHash is h), or nil.
func (n *pathNode) child(key []byte, h uint64) *pathNode {
	if len(n.index) == 0 {
		return nil
	}
	mask := uint64(len(n.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		c := n.index[i]
		if c == 0 {
			return nil
		}
		if ch := n.children[c-1]; ch.hash == h && ch.key == string(key) {
			return ch
		}
	}
}

// insert adds a child (known not to be there).
func (n *pathNode) insert(c *pathNode) {
	n.children = append(n.children, c)
	if 2*len(n.children) <= len(n.index) {
		n.place(len(n.children) - 1)
		return
	}
	n.index = make([]uint16, max(8, 1<<bits.Len(uint(4*len(n.children)-1))))
	for i := range n.children {
		n.place(i)
	}
}

func (n *pathNode) place(i int) {
	mask := uint64(len(n.index) - 1)
	j := n.children[i].hash & mask
	for n.index[j] != 0 {
		j = (j + 1) & mask
	}
	n.index[j] = uint16(i + 1)
}

// ensure returns the child for key, creating it.
func (n *pathNode) ensure(key string) *pathNode {
	h := keyHash([]byte(key))
	if c := n.child([]byte(key), h); c != nil {
		return c
	}
	c := newPathNode()
	c.key, c.hash = key, h
	n.insert(c)
	return c
}

// clone copies the trie for a scanner of its own: scanning writes to the
// nodes (the keys learned, the shapes seen).
func (n *pathNode) clone() *pathNode {
	c := *n
	c.children = make([]*pathNode, len(n.children))
	for i, ch := range n.children {
		c.children[i] = ch.clone()
	}
	c.index = append([]uint16(nil), n.index...)
	c.shapes, c.spare, c.installs, c.pause = [maxShapes]*shape{}, nil, 0, 0
	return &c
}

// add registers a dotted path for a slot. A key that itself contains a dot
// (Mixpanel's "$insert_id" does not, but "a.b" keys exist) is reached by the
// flat key first: add("a.b") also matches {"a.b": …} at the top level.
func (n *pathNode) add(path string, slot int) {
	node := n
	rest := path
	for {
		i := strings.IndexByte(rest, '.')
		key := rest
		if i >= 0 {
			key = rest[:i]
		}
		child := node.ensure(key)
		if i < 0 {
			child.slot = slot
			break
		}
		node = child
		rest = rest[i+1:]
	}
	if strings.IndexByte(path, '.') >= 0 { // the flat spelling too
		if c := n.ensure(path); c.slot < 0 {
			c.slot = slot
		}
	}
}

// member finds the child of node for key, learning the key when node
// collects (see count).
func (s *jsonScanner) member(node *pathNode, key []byte, h uint64) *pathNode {
	child := node.child(key, h)
	if child == nil && node.collect && s.resolve != nil && len(node.children) < maxLearned {
		child = newPathNode()
		child.key, child.hash = string(key), h
		node.insert(child)
	}
	return child
}

// count records key, a member of the collecting node (child is what member
// returned for it): the key is resolved the first time it is met, and its id
// goes to s.keys when the value is non-empty.
func (s *jsonScanner) count(node, child *pathNode, key []byte, nonEmpty bool) {
	var id int32
	if child == nil {
		id = s.resolve(node, key)
	} else if id = child.keyID; id == keyUnresolved {
		id = s.resolve(node, key)
		child.keyID = id
	}
	if id >= 0 && nonEmpty {
		s.keys = append(s.keys, uint16(id))
	}
}

const maxJSONDepth = 512

var errNotObject = errors.New("expected a JSON object")

// scan fills s.slots from the object in b (one JSONL line or one array
// element). Every slot is reset first.
func (s *jsonScanner) scan(b []byte) error {
	for i := range s.slots {
		s.slots[i] = nil
	}
	s.depth = 0
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i, err := s.object(b, i, s.root)
	if err != nil {
		return err
	}
	if i = skipWS(b, i); i != len(b) {
		return fmt.Errorf("unexpected %s after the JSON object", describeByte(b, i))
	}
	return nil
}

// enter counts one more level of nesting; the caller defers s.depth--.
func (s *jsonScanner) enter() error {
	if s.depth++; s.depth > maxJSONDepth {
		return errors.New("JSON nested too deeply")
	}
	return nil
}

func (s *jsonScanner) object(b []byte, i int, node *pathNode) (int, error) {
	defer func() { s.depth-- }()
	if err := s.enter(); err != nil {
		return i, err
	}
	var err error
	k := 0         // members read
	prev := i      // where the bytes before the next value start: the '{', then each value's end
	var rec *shape // the layout being recorded, or nil
	if node != nil {
		sh, at := node.shapeFor(b[i:])
		if sh != nil {
			// a layout seen before: each member is one comparison and its value
			for ; k < len(sh.members); k++ {
				m := &sh.members[k]
				if !bytes.HasPrefix(b[i:], m.lit) || i+len(m.lit) < len(b) && isWS(b[i+len(m.lit)]) {
					break // other bytes, or more space before the value
				}
				i += len(m.lit)
				start := i
				j := len(b)
				if i < len(b) && b[i] == '"' {
					j = quoteOrEscape(b, i+1)
				}
				if j < len(b) && b[j] == '"' {
					// a string without escapes, which is most values
					// (written out: a function would not be inlined)
					if m.slot >= 0 {
						s.slots[m.slot] = b[i+1 : j]
					}
					i = j + 1
				} else if i, err = s.value(b, i, m.child); err != nil {
					return i, err
				}
				if node.collect && s.resolve != nil {
					if m.id == keyUnresolved {
						s.count(node, m.child, m.key, nonEmptyJSON(b[start:i]))
					} else if m.id >= 0 && nonEmptyJSON(b[start:i]) {
						s.keys = append(s.keys, uint16(m.id))
					}
				}
			}
			if k == len(sh.members) && bytes.HasPrefix(b[i:], sh.close) {
				node.promote(at)
				node.installs = 0
				return i + len(sh.close), nil
			}
		}
		if prev = i; node.pause > 0 {
			node.pause--
		} else {
			rec = node.record(sh, k)
		}
	}
	// the member-by-member walk, from the object's start or from where the
	// layout stopped matching
	for first := k == 0; ; first = false {
		if first {
			if i = skipWS(b, i+1); i < len(b) && b[i] == '}' {
				return i + 1, nil
			}
		} else {
			i = skipWS(b, i)
			if i < len(b) && b[i] == '}' {
				if rec != nil {
					node.install(rec, b[prev:i+1])
				}
				return i + 1, nil
			}
			if i >= len(b) || b[i] != ',' {
				return i, memberError(b, i, '}')
			}
			i = skipWS(b, i+1)
		}
		if i >= len(b) || b[i] != '"' {
			return i, fmt.Errorf("expected a quoted key, found %s", describeByte(b, i))
		}
		key, j, err := readString(b, i)
		if err != nil {
			return j, err
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return i, fmt.Errorf("expected ':' after key %q, found %s", key, describeByte(b, i))
		}
		i = skipWS(b, i+1)
		var child *pathNode
		if node != nil {
			child = s.member(node, key, keyHash(key))
		}
		start := i
		if rec != nil {
			rec = rec.add(b[prev:start], child, key, node.collect)
		}
		if i, err = s.value(b, i, child); err != nil {
			return i, err
		}
		if node != nil && node.collect && s.resolve != nil {
			s.count(node, child, key, nonEmptyJSON(b[start:i]))
		}
		prev = i
	}
}

// value reads the value of a member whose key led to child (nil: an
// unwanted key): into its slot, down into its object, or skipped.
func (s *jsonScanner) value(b []byte, i int, child *pathNode) (int, error) {
	if i >= len(b) {
		return i, errors.New("unexpected end of line inside an object")
	}
	switch {
	case child == nil:
	case child.kv && b[i] == '[':
		return s.kvArray(b, i, child)
	case (child.children != nil || child.collect) && b[i] == '{':
		start := i
		i, err := s.object(b, i, child)
		if err == nil && child.slot >= 0 {
			s.slots[child.slot] = b[start:i]
		}
		return i, err
	case child.slot >= 0:
		v, i, err := readValue(b, i)
		s.slots[child.slot] = v
		return i, err
	}
	return s.skip(b, i)
}

// shape is the byte layout of an object walked before: per member, the
// bytes from the end of the previous value (the '{' for the first) to the
// start of its value (separators, whitespace, the quoted key, the colon)
// and the trie child the key leads to; then the bytes from the last value
// through the '}'. Exports repeat a few layouts line after line, so an
// object is first matched against its node's shapes, most recent first:
// a member costs one comparison of its literal bytes instead of reading,
// hashing and looking up its key. Matching the literal bytes means the keys
// are the same, so the walk does exactly what the member-by-member walk
// would; at the first difference that walk takes over and records the new
// layout.
type shape struct {
	buf     []byte  // the members' literals back to back, then the close
	ends    []int32 // end of member k's literal in buf
	members []shapeMember
	close   []byte // in buf
}

type shapeMember struct {
	lit   []byte // in buf
	child *pathNode
	slot  int // child's slot, or -1
	// id is child's statistics id once resolved (keyUnresolved: ask
	// count). It copies child.keyID, but reading it here instead of
	// calling count measured 12% of BenchmarkJSONScan.
	id  int32
	key []byte
}

const (
	maxShapes       = 4
	maxShapeMembers = 1024
	maxShapeBytes   = 64 << 10
	// after shapeBackoff layouts recorded with none matching in full, the
	// next shapePause objects are read without recording (objects whose
	// keys come in a new order every time: recording a wide one copies
	// kilobytes for nothing)
	shapeBackoff = 16
	shapePause   = 256
)

// add records a member, or gives up (nil) on an object too big to be worth it.
func (sh *shape) add(lit []byte, child *pathNode, key []byte, collect bool) *shape {
	if len(sh.members) == maxShapeMembers || len(sh.buf)+len(lit) > maxShapeBytes {
		return nil
	}
	m := shapeMember{child: child, slot: -1, id: keyUnresolved}
	if child != nil {
		m.slot = child.slot
	}
	if child == nil && collect {
		m.key = append([]byte(nil), key...) // count needs it
	}
	sh.buf = append(sh.buf, lit...)
	sh.ends = append(sh.ends, int32(len(sh.buf)))
	sh.members = append(sh.members, m)
	return sh
}

// shapeFor returns the most recent shape whose first member matches the
// start of the object in b, and its place.
func (n *pathNode) shapeFor(b []byte) (*shape, int) {
	for at := 0; at < maxShapes && n.shapes[at] != nil; at++ {
		if sh := n.shapes[at]; bytes.HasPrefix(b, sh.members[0].lit) {
			return sh, at
		}
	}
	return nil, -1
}

// promote makes the shape at at the most recent.
func (n *pathNode) promote(at int) {
	if at > 0 {
		sh := n.shapes[at]
		copy(n.shapes[1:at+1], n.shapes[:at])
		n.shapes[0] = sh
	}
}

// record starts recording a layout into the node's spare shape, beginning
// with the first k members of from (which matched).
func (n *pathNode) record(from *shape, k int) *shape {
	rec := n.spare
	if rec == nil {
		rec = &shape{}
		n.spare = rec
	}
	rec.buf, rec.ends, rec.members = rec.buf[:0], rec.ends[:0], rec.members[:0]
	if k > 0 {
		rec.buf = append(rec.buf, from.buf[:from.ends[k-1]]...)
		rec.ends = append(rec.ends, from.ends[:k]...)
		rec.members = append(rec.members, from.members[:k]...)
	}
	return rec
}

// install makes a recorded shape, closed by close, the most recent; the
// least recent becomes the spare.
func (n *pathNode) install(rec *shape, close []byte) {
	if len(rec.members) == 0 {
		return
	}
	rec.buf = append(rec.buf, close...)
	from := int32(0)
	for k := range rec.members {
		m := &rec.members[k]
		m.lit = rec.buf[from:rec.ends[k]:rec.ends[k]]
		from = rec.ends[k]
		if m.child != nil && m.child.keyID != keyUnresolved {
			m.id = m.child.keyID
		}
	}
	rec.close = rec.buf[from:]
	if n.installs++; n.installs == shapeBackoff {
		n.installs, n.pause = 0, shapePause
	}
	n.spare = n.shapes[maxShapes-1]
	copy(n.shapes[1:], n.shapes[:maxShapes-1])
	n.shapes[0] = rec
}
