package ingest

import (
	"strings"
	"testing"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		expr  string
		value string
		want  bool
	}{
		{"plan = pro", "pro", true},
		{"plan=pro", "free", false},
		{"plan != pro", "free", true},
		{`CustomerID != ""`, "", false},
		{`CustomerID != ""`, "17850.0", true},
		{"Quantity > 0", "6", true},
		{"Quantity > 0", "-6", false},
		{"Quantity > 0", "10", true}, // numeric, not "10" < "0"... as strings
		{"Quantity >= 10", "9.5", false},
		{"score <= 6", "6", true},
		{"amount < 100", "99.99", true},
		{"name < b", "a", true}, // not numbers: byte order
		{"name < b", "NaN", true},
		{"InvoiceNo !~ ^C", "C536379", false},
		{"InvoiceNo !~ ^C", "536365", true},
		{"event ~ ^onboarding_", "onboarding_started", true},
		{"plan = 'pro plus'", "pro plus", true},
		{"x = 1", "1.0", true}, // both numbers
		{`x = "=y"`, "=y", true},
		{"x = 1e-400", "0", true}, // underflow is a finite number: 0
		{"x ~ ^NaN$", "NaN", true},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.expr)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		if got := f.Match([]byte(tt.value)); got != tt.want {
			t.Errorf("%q on %q = %v, want %v", tt.expr, tt.value, got, tt.want)
		}
	}
}

// TestFilterNumeric runs every comparison with a number against finite
// values, text, and numbers that are not finite, which match none.
func TestFilterNumeric(t *testing.T) {
	ops := []string{"=", "!=", "<", "<=", ">", ">="}
	// per literal and value: the result of each op in the order of ops
	tests := []struct {
		lit, value string
		want       [6]bool
	}{
		{"42", "41", [6]bool{false, true, true, true, false, false}},
		{"42", "42", [6]bool{true, false, false, true, false, true}},
		{"42", "42.0", [6]bool{true, false, false, true, false, true}},
		{"42", "4.2e1", [6]bool{true, false, false, true, false, true}},
		{"42", "43", [6]bool{false, true, false, false, true, true}},
		{"-100", "-1e300", [6]bool{false, true, true, true, false, false}},
		{"-100", "1e300", [6]bool{false, true, false, false, true, true}},
		// text is compared as text, byte by byte, as it always was
		{"42", "abc", [6]bool{false, true, false, false, true, true}},
		{"42", "42abc", [6]bool{false, true, false, false, true, true}},
		{"42", "4_2", [6]bool{false, true, false, false, true, true}},   // Go's digit separators are text here
		{"42", "0x1p4", [6]bool{false, true, true, true, false, false}}, // and so are hex floats
		// spaces around a number are not part of it
		{"42", " 42", [6]bool{true, false, false, true, false, true}},
		{"42", "42 ", [6]bool{true, false, false, true, false, true}},
		// no value is no number: it matches no comparison with one
		{"42", "", [6]bool{}},
		{"42", "  ", [6]bool{}},
	}
	notFinite := []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "inf", "Infinity", "-infinity",
		"1e309", "-1e309", "-1e400"}
	for _, lit := range []string{"42", "-100", "0", "1e308"} {
		for _, v := range notFinite {
			tests = append(tests, struct {
				lit, value string
				want       [6]bool
			}{lit, v, [6]bool{}})
		}
	}
	for _, tt := range tests {
		for i, op := range ops {
			expr := "x " + op + " " + tt.lit
			f, err := ParseFilter(expr)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			if got := f.Match([]byte(tt.value)); got != tt.want[i] {
				t.Errorf("%q on %q = %v, want %v", expr, tt.value, got, tt.want[i])
			}
		}
	}
}

func TestFilterErrors(t *testing.T) {
	const opsList = "the operators are = != < <= > >= ~ !~"
	tests := []struct{ expr, want string }{
		{"plan", "want FIELD OP VALUE with OP one of = != < <= > >= ~ !~"},
		{"", "want FIELD OP VALUE"},
		{"= pro", "no field name before ="},
		{"   != pro", "no field name before !="},
		{"event == x", `"==" is not an operator; ` + opsList},
		{"x =< 5", `"=<" is not an operator`},
		{"x => 5", `"=>" is not an operator`},
		{"x <> 5", `"<>" is not an operator`},
		{"x !== 5", `"!==" is not an operator`},
		{"x =! 5", `"=!" is not an operator`},
		{"x ~= a", `"~=" is not an operator`},
		{"x=~a", `"=~" is not an operator`},
		{"x ! 5", `"!" is not an operator`},
		{"x >>= 5", `">>=" is not an operator`},
		{"x =", `no value after = (write "" for the empty value)`},
		{"x ~ ([", "not a valid regular expression: error parsing regexp"},
		{"x !~ a**", "not a valid regular expression"},
		{"x > 1e309", "1e309 is not a finite number, and numeric comparisons need one"},
		{"x <= -1e309", "-1e309 is not a finite number"},
		{"x = NaN", `NaN is not a finite number, and numeric comparisons need one (to match the text, use ~ ^NaN$)`},
		{"x != nan", "nan is not a finite number"},
		{"x >= -Inf", "-Inf is not a finite number"},
		{"x < Infinity", "Infinity is not a finite number"},
		{"x = '+inf'", "+inf is not a finite number"},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.expr)
		if err == nil {
			t.Errorf("%q: no error", tt.expr)
			continue
		}
		if !strings.HasPrefix(err.Error(), "--where ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %q, want it to say %q", tt.expr, err, tt.want)
		}
	}
}

// TestFilterSeen: the filter remembers, through its copies, whether any row
// carried the field.
func TestFilterSeen(t *testing.T) {
	f, err := ParseFilter("plan != x")
	if err != nil {
		t.Fatal(err)
	}
	cp := f
	cp.Match(nil)
	cp.Match([]byte{})
	if f.Seen() {
		t.Fatal("seen after empty values only")
	}
	cp.Match([]byte("pro"))
	if !f.Seen() {
		t.Fatal("not seen after a value")
	}
	if (Filter{}).Seen() {
		t.Fatal("zero filter seen")
	}
}

// FuzzParseFilter: any expression parses or is refused, never panics, and
// a parsed filter written back (String) parses to the same filter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"plan = pro", "x >= 1e3", "a ~ ^b$", "x == y", "=", "x = 'a'", `x != ""`, "x < NaN", "y !~ ("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		fl, err := ParseFilter(expr)
		if err != nil {
			return
		}
		fl.Match([]byte(expr))
		again, err := ParseFilter(fl.String())
		if err != nil {
			t.Fatalf("%q parsed as %s, which does not parse: %v", expr, fl, err)
		}
		if again.Field != fl.Field || again.Op != fl.Op || again.Value != fl.Value {
			t.Fatalf("%q parsed as %s, which parses as %s", expr, fl, again)
		}
	})
}
