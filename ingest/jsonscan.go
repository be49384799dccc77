package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner pulls the values at a few dotted paths out of one JSON object
// without building it: wanted keys are looked up in a small trie, everything
// else is skipped (but still checked for well-formedness). encoding/json
// decodes a 10M-line export in 10+ s; this does it in about a tenth.
type jsonScanner struct {
	root  *pathNode
	slots [][]byte // value per slot; nil = absent or null
	// onKey, when set, is called for every key of objects whose node has
	// collect set (property statistics), with whether its value is non-empty.
	onKey func(node *pathNode, key []byte, nonEmpty bool)
	depth int
}

// pathNode is one level of the trie of wanted paths. Levels have a handful
// of children, so they are a slice searched linearly: cheaper than hashing
// every key of every line.
type pathNode struct {
	children []pathChild
	slot     int    // slot of the value at this path, or -1
	collect  bool   // report this object's keys to onKey
	prefix   string // this object's path followed by a dot ("" at the top)
	// kv marks an array of {"key": k, "value": {"string_value": …,
	// "int_value": …}} (GA4 event_params): its keys are looked up among the
	// node's children as if it were an object.
	kv bool
}

type pathChild struct {
	key  string
	node *pathNode
}

func newPathNode() *pathNode { return &pathNode{slot: -1} }

// child returns the child for key, or nil.
func (n *pathNode) child(key []byte) *pathNode {
	for i := range n.children {
		if n.children[i].key == string(key) {
			return n.children[i].node
		}
	}
	return nil
}

// ensure returns the child for key, creating it.
func (n *pathNode) ensure(key string) *pathNode {
	if c := n.child([]byte(key)); c != nil {
		return c
	}
	c := newPathNode()
	n.children = append(n.children, pathChild{key, c})
	return c
}

// add registers a dotted path for a slot. A key that itself contains a dot
// (Mixpanel's "$insert_id" does not, but "a.b" keys exist) is reached by the
// flat key first: add("a.b") also matches {"a.b": …} at the top level.
func (n *pathNode) add(path string, slot int) {
	node := n
	rest := path
	for {
		i := indexDot(rest)
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
	if indexDot(path) >= 0 { // the flat spelling too
		if c := n.ensure(path); c.slot < 0 {
			c.slot = slot
		}
	}
}

func indexDot(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
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
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
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
		if i >= len(b) {
			return i, errors.New("unexpected end of line inside an object")
		}
		var child *pathNode
		if node != nil {
			child = node.child(key)
		}
		start := i
		switch {
		case child != nil && child.kv && b[i] == '[':
			i, err = s.kvArray(b, i, child)
		case child != nil && (child.children != nil || child.collect) && b[i] == '{':
			i, err = s.object(b, i, child)
			if err == nil && child.slot >= 0 {
				s.slots[child.slot] = b[start:i]
			}
		case child != nil && child.slot >= 0:
			var v []byte
			v, i, err = readValue(b, i)
			s.slots[child.slot] = v
		default:
			i, err = s.skip(b, i)
		}
		if err != nil {
			return i, err
		}
		if node != nil && node.collect && s.onKey != nil {
			s.onKey(node, key, nonEmptyJSON(b[start:i]))
		}
		// nextMember, written out: this loop runs for every member of every
		// object, and the call measured 2.6% of BenchmarkJSONScan
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		return i, memberError(b, i, '}')
	}
}

// firstMember steps into the object or array at b[i]; more is false for an
// empty one, which it steps over.
func firstMember(b []byte, i int, close byte) (int, bool) {
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == close {
		return i + 1, false
	}
	return i, true
}

// memberKey reads the key of an object member and steps past its ':'.
func memberKey(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, fmt.Errorf("expected a quoted key, found %s", describeByte(b, i))
	}
	key, j, err := readString(b, i)
	if err != nil {
		return nil, j, err
	}
	i = skipWS(b, j)
	if i >= len(b) || b[i] != ':' {
		return nil, i, fmt.Errorf("expected ':' after key %q, found %s", key, describeByte(b, i))
	}
	return key, skipWS(b, i+1), nil
}

// nextMember steps over what follows a member of an object or an array: a
// ',' (more is true, i is at the next member) or the closing byte (i is
// past it); anything else is an error.
func nextMember(b []byte, i int, close byte) (int, bool, error) {
	i = skipWS(b, i)
	if i < len(b) {
		switch b[i] {
		case ',':
			return skipWS(b, i+1), true, nil
		case close:
			return i + 1, false, nil
		}
	}
	return i, false, memberError(b, i, close)
}

func memberError(b []byte, i int, close byte) error {
	what := "array"
	if close == '}' {
		what = "object"
	}
	return fmt.Errorf("expected ',' or '%c' in %s, found %s", close, what, describeByte(b, i))
}

func nonEmptyJSON(v []byte) bool {
	switch len(v) {
	case 0:
		return false
	case 2:
		return !(v[0] == '"' && v[1] == '"' || v[0] == '[' && v[1] == ']' || v[0] == '{' && v[1] == '}')
	case 4:
		return string(v) != "null" // compared without allocating
	}
	return true
}

// kvArray reads an array of {key, value} records into the node's slots:
// the value is the first non-null of string_value, int_value, float_value
// and double_value.
func (s *jsonScanner) kvArray(b []byte, i int, node *pathNode) (int, error) {
	var more bool
	if i, more = firstMember(b, i, ']'); !more {
		return i, nil
	}
	for {
		if i >= len(b) || b[i] != '{' {
			j, err := s.skip(b, i) // not a key/value record: skip it
			if err != nil {
				return j, err
			}
			i = j
		} else {
			var key, val []byte
			var err error
			var inRecord bool
			for i, inRecord = firstMember(b, i, '}'); inRecord; {
				var k []byte
				if k, i, err = memberKey(b, i); err != nil {
					return i, err
				}
				switch {
				case string(k) == "key" && i < len(b) && b[i] == '"':
					key, i, err = readString(b, i)
				case string(k) == "value" && i < len(b) && b[i] == '{':
					val, i, err = typedValue(b, i)
				default:
					i, err = s.skip(b, i)
				}
				if err != nil {
					return i, err
				}
				if i, inRecord, err = nextMember(b, i, '}'); err != nil {
					return i, err
				}
			}
			if key != nil {
				if c := node.child(key); c != nil && c.slot >= 0 {
					s.slots[c.slot] = val
				}
				if node.collect && s.onKey != nil {
					s.onKey(node, key, len(val) > 0)
				}
			}
		}
		var err error
		if i, more, err = nextMember(b, i, ']'); !more {
			return i, err
		}
	}
}

// typedValue returns the first non-null field of a GA4 value object.
func typedValue(b []byte, i int) ([]byte, int, error) {
	var s jsonScanner
	var out []byte
	var more bool
	var err error
	for i, more = firstMember(b, i, '}'); more; {
		if _, i, err = memberKey(b, i); err != nil {
			return nil, i, err
		}
		var v []byte
		if i < len(b) && (b[i] == '{' || b[i] == '[') {
			i, err = s.skip(b, i)
		} else {
			v, i, err = readValue(b, i)
		}
		if err != nil {
			return nil, i, err
		}
		if out == nil && v != nil {
			out = v
		}
		if i, more, err = nextMember(b, i, '}'); err != nil {
			return nil, i, err
		}
	}
	return out, i, nil
}

// skip steps over one value, checking its grammar.
func (s *jsonScanner) skip(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, errors.New("unexpected end of line, expected a value")
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		return s.object(b, i, nil)
	case c == '[':
		defer func() { s.depth-- }()
		if err := s.enter(); err != nil {
			return i, err
		}
		var more bool
		if i, more = firstMember(b, i, ']'); !more {
			return i, nil
		}
		for {
			var err error
			if i, err = s.skip(b, i); err != nil {
				return i, err
			}
			if i, more, err = nextMember(b, i, ']'); !more {
				return i, err
			}
		}
	default:
		_, j, err := readScalar(b, i)
		return j, err
	}
}

// readValue returns a value's text: a string's unescaped contents, a
// number's or literal's spelling, a composite's raw JSON, or nil for null.
func readValue(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) {
		return nil, i, errors.New("unexpected end of line, expected a value")
	}
	switch b[i] {
	case '"':
		return readString(b, i)
	case '{', '[':
		var s jsonScanner
		j, err := s.skip(b, i)
		return b[i:j], j, err
	}
	return readScalar(b, i)
}

func readScalar(b []byte, i int) ([]byte, int, error) {
	switch {
	case bytes.HasPrefix(b[i:], []byte("null")):
		return nil, i + 4, nil
	case bytes.HasPrefix(b[i:], []byte("true")):
		return b[i : i+4], i + 4, nil
	case bytes.HasPrefix(b[i:], []byte("false")):
		return b[i : i+5], i + 5, nil
	case b[i] == '-' || (b[i] >= '0' && b[i] <= '9'):
		j := i
		for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || (b[j] >= '0' && b[j] <= '9')) {
			j++
		}
		if !validNumber(b[i:j]) {
			return nil, j, fmt.Errorf("invalid number %q", b[i:j])
		}
		return b[i:j], j, nil
	}
	return nil, i, fmt.Errorf("expected a value, found %s", describeByte(b, i))
}

// validNumber checks JSON's number grammar: -?int(.digits)?([eE][+-]?digits)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start || (b[start] == '0' && i-start > 1) {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		f := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == f {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		e := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == e {
			return false
		}
	}
	return i == len(b)
}

// skipString returns the index after the string starting at b[i] == '"'.
// Strings in event exports are short, so one byte loop beats IndexByte
// calls (measured on 10M-line JSONL).
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return j + 1, nil
		case '\\':
			j++ // the escaped byte cannot end the string
		}
	}
	return len(b), errors.New("unterminated string")
}

// readString returns the unescaped contents of the string at b[i] == '"'.
// Without escapes the result aliases b.
func readString(b []byte, i int) ([]byte, int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return b[i+1 : j], j + 1, nil
		case '\\':
			end, err := skipString(b, i)
			if err != nil {
				return nil, end, err
			}
			out, err := unescape(b[i+1 : end-1])
			return out, end, err
		}
	}
	return nil, len(b), errors.New("unterminated string")
}

func unescape(raw []byte) ([]byte, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, errors.New("bad escape at end of string")
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, err := hex4(raw, i+1)
			if err != nil {
				return nil, err
			}
			i += n
			if utf16.IsSurrogate(r) {
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, n2, err := hex4(raw, i+3)
					if err == nil {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
							i += 2 + n2
						} else {
							r = utf8.RuneError
						}
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf("bad escape \\%c in string", raw[i])
		}
	}
	return out, nil
}

func hex4(raw []byte, i int) (rune, int, error) {
	if i+4 > len(raw) {
		return 0, 0, errors.New(`bad \u escape in string`)
	}
	v, err := strconv.ParseUint(string(raw[i:i+4]), 16, 32)
	if err != nil {
		return 0, 0, errors.New(`bad \u escape in string`)
	}
	return rune(v), 4, nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func describeByte(b []byte, i int) string {
	if i >= len(b) {
		return "end of line"
	}
	return strconv.QuoteRune(rune(b[i]))
}
