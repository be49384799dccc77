package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

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
				c := s.member(node, key, keyHash(key))
				if c != nil && c.slot >= 0 {
					s.slots[c.slot] = val
				}
				if node.collect && s.resolve != nil {
					s.count(node, c, key, len(val) > 0)
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
		j, ok := numberEnd(b, i)
		k := j // the token as written, for the message
		for k < len(b) && (b[k] == '-' || b[k] == '+' || b[k] == '.' || b[k] == 'e' || b[k] == 'E' || (b[k] >= '0' && b[k] <= '9')) {
			k++
		}
		if !ok || k != j {
			return nil, k, fmt.Errorf("invalid number %q", b[i:k])
		}
		return b[i:j], j, nil
	}
	return nil, i, fmt.Errorf("expected a value, found %s", describeByte(b, i))
}

// numberEnd walks JSON's number grammar, -?int(.digits)?([eE][+-]?digits)?,
// from b[i] and returns where it ends, and false when what is there breaks
// it (no digits where some must be, or a leading zero before more digits).
func numberEnd(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	if i = skipDigits(b, i); i == start || (b[start] == '0' && i-start > 1) {
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		f := i + 1
		if i = skipDigits(b, f); i == f {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		e := i
		if i = skipDigits(b, e); i == e {
			return i, false
		}
	}
	return i, true
}

// skipDigits returns the index of the first byte at or after i that is not
// an ASCII digit.
func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// quoteOrEscape returns the index of the first '"' or '\\' in b at or after
// j, or len(b). It tests eight bytes at a time (SWAR): a byte equal to c
// makes the word w^c have a zero byte, and (x-0x01…)&^x&0x80… flags the
// lowest zero byte exactly (higher flags may be false, and are not used).
func quoteOrEscape(b []byte, j int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; j+8 <= len(b); j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		q := w ^ (ones * '"')
		e := w ^ (ones * '\\')
		if m := ((q-ones)&^q | (e-ones)&^e) & highs; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for ; j < len(b); j++ {
		if b[j] == '"' || b[j] == '\\' {
			return j
		}
	}
	return j
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; ; j += 2 { // past a backslash and the byte it escapes
		if j = quoteOrEscape(b, j); j >= len(b) {
			return len(b), errors.New("unterminated string")
		}
		if b[j] == '"' {
			return j + 1, nil
		}
	}
}

// readString returns the unescaped contents of the string at b[i] == '"'.
// Without escapes the result aliases b.
func readString(b []byte, i int) ([]byte, int, error) {
	j := quoteOrEscape(b, i+1)
	if j < len(b) && b[j] == '"' {
		return b[i+1 : j], j + 1, nil
	}
	end, err := skipString(b, i)
	if err != nil {
		return nil, end, err
	}
	out, err := unescape(b[i+1 : end-1])
	return out, end, err
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
					if r2, n2, err := hex4(raw, i+3); err == nil {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 2 + n2
							continue
						}
					}
				}
				out = appendSurrogate(out, r)
				continue
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf("bad escape \\%c in string", raw[i])
		}
	}
	return out, nil
}

// appendSurrogate writes a lone UTF-16 surrogate (\ud800 with no partner)
// in the three bytes UTF-8's pattern gives it (WTF-8). They are not valid
// UTF-8, so a lone surrogate in a user id or event name is the same error
// as raw invalid UTF-8 there; turning it into U+FFFD, as encoding/json does,
// would make "u\ud800" and "u\udbff" one user.
func appendSurrogate(out []byte, r rune) []byte {
	return append(out, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
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
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func describeByte(b []byte, i int) string {
	if i >= len(b) {
		return "end of line"
	}
	return strconv.QuoteRune(rune(b[i]))
}
