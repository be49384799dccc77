package ingest

import "testing"

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
		{"InvoiceNo !~ ^C", "C536379", false},
		{"InvoiceNo !~ ^C", "536365", true},
		{"event ~ ^onboarding_", "onboarding_started", true},
		{"plan = 'pro plus'", "pro plus", true},
		{"x = 1", "1.0", true}, // both numbers
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

func TestFilterErrors(t *testing.T) {
	for _, expr := range []string{"plan", "= pro", "x ~ ([", ""} {
		if _, err := ParseFilter(expr); err == nil {
			t.Errorf("%q: no error", expr)
		}
	}
}
