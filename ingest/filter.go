package ingest

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
)

// Filter is one --where condition: FIELD OP VALUE.
type Filter struct {
	Field string
	Op    string // = != < <= > >= ~ !~
	Value string

	re    *regexp.Regexp
	num   float64
	isNum bool
	// seen is set once a row holding a non-empty FIELD reaches the filter.
	// A pointer, so that every copy of the filter (one per input plan)
	// reports to the one the caller holds.
	seen *atomic.Bool
}

// Operators are the --where operators.
const Operators = "= != < <= > >= ~ !~"

// opChars are the bytes operators are made of. The operator is the whole
// run of them at the first one, so a doubled or mixed-up operator (==, =<,
// =>, <>, !==) is an error rather than an operator and a value that starts
// with the rest of it.
const opChars = "!=<>~"

// ParseFilter parses "FIELD OP VALUE". Spaces around the parts are ignored,
// and VALUE may be wrapped in single or double quotes ("" is the empty
// value). A value that begins with an operator character needs a space or
// quotes before it: x = "=y".
func ParseFilter(expr string) (Filter, error) { return ParseFilterOf("--where", expr) }

// ParseFilterOf is ParseFilter for a flag of the same grammar
// (--users-where), whose name its errors give.
func ParseFilterOf(flag, expr string) (Filter, error) {
	f, err := parseFilter(expr)
	if err != nil {
		return f, fmt.Errorf("%s %q: %w", flag, expr, err)
	}
	return f, nil
}

// parseFilter is ParseFilter with errors that do not name the flag.
func parseFilter(expr string) (Filter, error) {
	bad := func(format string, args ...any) (Filter, error) {
		return Filter{}, fmt.Errorf(format, args...)
	}
	pos := strings.IndexAny(expr, opChars)
	if pos < 0 {
		return bad("want FIELD OP VALUE with OP one of %s", Operators)
	}
	end := pos
	for end < len(expr) && strings.IndexByte(opChars, expr[end]) >= 0 {
		end++
	}
	op := expr[pos:end]
	if !strings.Contains(" "+Operators+" ", " "+op+" ") {
		return bad("%q is not an operator; the operators are %s", op, Operators)
	}
	f := Filter{Field: strings.TrimSpace(expr[:pos]), Op: op, seen: new(atomic.Bool)}
	if f.Field == "" {
		return bad("no field name before %s: want FIELD OP VALUE", op)
	}
	raw := strings.TrimSpace(expr[end:])
	if raw == "" {
		return bad(`no value after %s (write "" for the empty value)`, op)
	}
	f.Value = unquote(raw)
	switch op {
	case "~", "!~":
		re, err := regexp.Compile(f.Value)
		if err != nil {
			return bad("not a valid regular expression: %v", err)
		}
		f.re = re
	default:
		n, isNum, finite := parseNumber(f.Value)
		if isNum && !finite {
			return bad("%s is not a finite number, and numeric comparisons need one (to match the text, use ~ ^%s$)", f.Value, regexp.QuoteMeta(f.Value))
		}
		f.num, f.isNum = n, isNum
	}
	return f, nil
}

// parseNumber reads s as a number: isNum says it is one — a decimal number
// (sign, digits, point, exponent) with any spaces around it, or NaN or an
// infinity, or one too large for a float64 such as 1e309 — and finite that
// it is an ordinary number. Go's other spellings (4_2, 0x1p4) are text.
func parseNumber(s string) (n float64, isNum, finite bool) {
	s = strings.TrimSpace(s)
	if !decimal(s) {
		switch strings.ToLower(strings.TrimLeft(s, "+-")) {
		case "nan", "inf", "infinity":
			return math.NaN(), true, false
		}
		return 0, false, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, true, err == nil && !math.IsInf(n, 0)
}

// decimal reports whether s is [+-]digits[.digits][(e|E)[+-]digits], with
// digits on at least one side of the point.
func decimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	i = skipDigits([]byte(s), i)
	digits := i > start
	if i < len(s) && s[i] == '.' {
		j := skipDigits([]byte(s), i+1)
		digits = digits || j > i+1
		i = j
	}
	if !digits {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits([]byte(s), i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// String writes the filter back in the syntax ParseFilter reads: VALUE in
// double quotes, which ParseFilter strips (it unescapes nothing), so any
// value comes back as it was.
func (f Filter) String() string { return f.Field + " " + f.Op + ` "` + f.Value + `"` }

// Seen reports whether any row read so far held a non-empty FIELD when it
// reached the filter: a field no row carries is most likely misspelled.
func (f Filter) Seen() bool { return f.seen != nil && f.seen.Load() }

// Match reports whether a row whose FIELD holds v passes. A field the row
// does not have counts as the empty string.
//
// A comparison (= != < <= > >=) is numeric when both sides are numbers
// (spaces around a number are ignored: " 10" is 10), and byte-wise
// otherwise. With a number, a field that is empty or missing, or that holds
// a number that is not finite — NaN, ±Inf, or one too large for a float64
// such as 1e309 — matches no comparison, != included, as SQL's NULL does:
// "score < 7" must not keep the rows with no score. ~ and !~ are Go regular
// expressions.
func (f *Filter) Match(v []byte) bool {
	if len(v) > 0 && f.seen != nil && !f.seen.Load() {
		f.seen.Store(true)
	}
	switch f.Op {
	case "~":
		return f.re.Match(v)
	case "!~":
		return !f.re.Match(v)
	}
	if f.isNum {
		n, isNum, finite := parseNumber(string(v))
		switch {
		case isNum:
			return finite && cmpOK(f.Op, cmp.Compare(n, f.num))
		case len(bytes.TrimSpace(v)) == 0:
			return false // no value is no number: score < 7 is not "no score"
		}
	}
	return cmpOK(f.Op, strings.Compare(string(v), f.Value))
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
