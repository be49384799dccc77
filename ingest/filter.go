package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter is one --where condition: FIELD OP VALUE.
type Filter struct {
	Field string
	Op    string // = != < <= > >= ~ !~
	Value string

	re    *regexp.Regexp
	num   float64
	isNum bool
}

// ops in the order they are tried at one position: two-byte operators first.
var ops = []string{"!~", "!=", "<=", ">=", "=", "<", ">", "~"}

// ParseFilter parses "FIELD OP VALUE". Spaces around the parts are ignored,
// and VALUE may be wrapped in single or double quotes ("" is the empty value).
func ParseFilter(expr string) (Filter, error) {
	pos := strings.IndexAny(expr, "!=<>~")
	if pos < 0 {
		return Filter{}, fmt.Errorf("--where %q: want FIELD OP VALUE with OP one of = != < <= > >= ~ !~", expr)
	}
	var op string
	for _, o := range ops {
		if strings.HasPrefix(expr[pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return Filter{}, fmt.Errorf("--where %q: %q is not an operator (want = != < <= > >= ~ !~)", expr, expr[pos:pos+1])
	}
	f := Filter{Field: strings.TrimSpace(expr[:pos]), Op: op, Value: unquote(strings.TrimSpace(expr[pos+len(op):]))}
	if f.Field == "" {
		return Filter{}, fmt.Errorf("--where %q: missing the field name before %s", expr, op)
	}
	switch op {
	case "~", "!~":
		re, err := regexp.Compile(f.Value)
		if err != nil {
			return Filter{}, fmt.Errorf("--where %q: %v", expr, err)
		}
		f.re = re
	default:
		if n, err := strconv.ParseFloat(f.Value, 64); err == nil {
			f.num, f.isNum = n, true
		}
	}
	return f, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// String returns the filter as written, normalised.
func (f Filter) String() string { return f.Field + " " + f.Op + " " + strconv.Quote(f.Value) }

// Match reports whether a row whose FIELD holds v passes. A field the row
// does not have counts as the empty string. Comparisons are numeric when
// both sides parse as numbers, and byte-wise otherwise.
func (f *Filter) Match(v []byte) bool {
	switch f.Op {
	case "~":
		return f.re.Match(v)
	case "!~":
		return !f.re.Match(v)
	}
	var c int
	if f.isNum {
		if n, err := strconv.ParseFloat(string(v), 64); err == nil {
			switch {
			case n < f.num:
				c = -1
			case n > f.num:
				c = 1
			}
			return cmpOK(f.Op, c)
		}
	}
	c = strings.Compare(string(v), f.Value)
	return cmpOK(f.Op, c)
}

func cmpOK(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}
