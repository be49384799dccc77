package ingest

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
)

// Amount is --amount: the money (or any quantity) a row carries, read from
// a field, or the product of two fields or of a field and a number
// ("Quantity*UnitPrice", "price*0.01"). A field is a column or a property
// (dotted JSON path), found where --where finds it.
type Amount struct {
	Expr   string   // as given
	Fields []string // one or two
	Factor float64  // a constant factor (1 when none)
	// seen, per field, is set once a row read holds a value of it (the
	// parse workers set it; Seen reads it after the read)
	seen []*atomic.Bool
}

// Seen reports whether some row read held a value of field, one of
// Fields: a field no row holds is a misspelled name.
func (a *Amount) Seen(field string) bool {
	for i, f := range a.Fields {
		if f == field && i < len(a.seen) && a.seen[i].Load() {
			return true
		}
	}
	return false
}

// ParseAmount reads an --amount expression.
func ParseAmount(expr string) (*Amount, error) {
	a := &Amount{Expr: expr, Factor: 1}
	parts := strings.Split(expr, "*")
	if len(parts) > 2 {
		return nil, fmt.Errorf("--amount %q: a field, or the product of two (FIELD*FIELD or FIELD*NUMBER)", expr)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("--amount %q: empty field name; write FIELD, FIELD*FIELD or FIELD*NUMBER", expr)
		}
		if n, isNum, finite := parseNumber(p); isNum {
			if !finite {
				return nil, fmt.Errorf("--amount %q: %s is not a finite number", expr, p)
			}
			a.Factor *= n
			continue
		}
		a.Fields = append(a.Fields, p)
		a.seen = append(a.seen, new(atomic.Bool))
	}
	if len(a.Fields) == 0 {
		return nil, fmt.Errorf("--amount %q: name a field (a column or property); a number alone is not an amount", expr)
	}
	return a, nil
}

// value reads a row's amount from its fields' values: ok is false when
// every field is empty (the row has no amount); msg, when not "", says why
// the values are not an amount.
func (a *Amount) value(vals [][]byte) (v float64, ok bool, msg string) {
	empty := 0
	for i, b := range vals {
		if len(b) == 0 {
			empty++
		} else if i < len(a.seen) && !a.seen[i].Load() {
			a.seen[i].Store(true)
		}
	}
	if empty == len(vals) {
		return 0, false, ""
	}
	v = a.Factor
	for i, b := range vals {
		if len(b) == 0 {
			return 0, false, fmt.Sprintf("--amount %s: %s is empty", a.Expr, a.Fields[i])
		}
		n, isNum, finite := parseNumber(string(b))
		if !isNum || !finite {
			return 0, false, fmt.Sprintf("--amount %s: %s is %s, not a number", a.Expr, a.Fields[i], quoteValue(b))
		}
		v *= n
	}
	if math.IsInf(v, 0) {
		return 0, false, fmt.Sprintf("--amount %s: the product overflows", a.Expr)
	}
	return v, true, ""
}
