package ingest

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		expr   string
		fields []string
		factor float64
		err    string
	}{
		{expr: "amount", fields: []string{"amount"}, factor: 1},
		{expr: "Quantity*UnitPrice", fields: []string{"Quantity", "UnitPrice"}, factor: 1},
		{expr: " Quantity * UnitPrice ", fields: []string{"Quantity", "UnitPrice"}, factor: 1},
		{expr: "cents*0.01", fields: []string{"cents"}, factor: 0.01},
		{expr: "100*properties.revenue", fields: []string{"properties.revenue"}, factor: 100},
		{expr: "", err: "empty field name"},
		{expr: "a*", err: "empty field name"},
		{expr: "a*b*c", err: "product of two"},
		{expr: "2*3", err: "name a field"},
		{expr: "a*inf", err: "not a finite number"},
	}
	for _, tt := range tests {
		a, err := ParseAmount(tt.expr)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAmount(%q) error %v, want %q", tt.expr, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseAmount(%q): %v", tt.expr, err)
		}
		if strings.Join(a.Fields, "|") != strings.Join(tt.fields, "|") || a.Factor != tt.factor {
			t.Errorf("ParseAmount(%q) = %v × %v, want %v × %v", tt.expr, a.Fields, a.Factor, tt.fields, tt.factor)
		}
	}
}

// amountRead reads data keeping every event's --amount expr.
func amountRead(t *testing.T, name, data, expr string, skip bool) (*Dataset, error) {
	t.Helper()
	a, err := ParseAmount(expr)
	if err != nil {
		t.Fatal(err)
	}
	return readText(t, name, data, Options{Amount: a, SkipInvalid: skip, Need: Need{AllEvents: true, Amounts: true}})
}

func TestReadAmounts(t *testing.T) {
	csv := "user_id,event,timestamp,Quantity,UnitPrice\n" +
		"u1,purchase,2024-03-01T10:00:00Z,3,2.5\n" +
		"u1,page,2024-03-01T11:00:00Z,,\n" +
		"u2,purchase,2024-03-02T10:00:00Z,-1,4\n"
	d, err := amountRead(t, "lines.csv", csv, "Quantity*UnitPrice", false)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{7.5, math.NaN(), -4}
	if len(d.Amounts) != len(want) {
		t.Fatalf("amounts %v, want %v", d.Amounts, want)
	}
	for i, w := range want {
		if g := d.Amounts[i]; !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
			t.Errorf("amount %d = %v, want %v", i, g, w)
		}
	}
	jsonl := `{"user_id":"u1","event":"paid","timestamp":"2024-03-01T10:00:00Z","properties":{"revenue":"12.5"}}` + "\n" +
		`{"user_id":"u2","event":"paid","timestamp":"2024-03-01T10:00:00Z","properties":{"revenue":7}}` + "\n"
	d, err = amountRead(t, "e.jsonl", jsonl, "revenue*2", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Amounts) != 2 || d.Amounts[0] != 25 || d.Amounts[1] != 14 {
		t.Errorf("JSON amounts %v, want [25 14]", d.Amounts)
	}
}

func TestReadAmountErrors(t *testing.T) {
	tests := []struct {
		name, data, expr, err string
	}{
		{"text.csv", "user_id,event,timestamp,amount\nu1,buy,2024-03-01,12\nu1,buy,2024-03-02,$12\n", "amount",
			`text.csv:3: --amount amount: amount is "$12", not a number`},
		{"half.csv", "user_id,event,timestamp,q,p\nu1,buy,2024-03-01,2,\n", "q*p",
			"half.csv:2: --amount q*p: p is empty"},
		{"nan.csv", "user_id,event,timestamp,amount\nu1,buy,2024-03-01,NaN\n", "amount",
			`nan.csv:2: --amount amount: amount is "NaN", not a number`},
		{"big.csv", "user_id,event,timestamp,a,b\nu1,buy,2024-03-01,1e200,1e200\n", "a*b",
			"big.csv:2: --amount a*b: the product overflows"},
	}
	for _, tt := range tests {
		_, err := amountRead(t, tt.name, tt.data, tt.expr, false)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
		}
	}
	// skipped and counted with --on-invalid skip
	d, err := amountRead(t, tests[0].name, tests[0].data, "amount", true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Stats.Skipped != 1 || len(d.Amounts) != 1 || d.Amounts[0] != 12 {
		t.Errorf("skip: skipped %d, amounts %v; want 1 skipped and [12]", d.Stats.Skipped, d.Amounts)
	}
}

// FuzzAmount: any expression and values either parse or are refused, and
// an amount read is a finite number.
func FuzzAmount(f *testing.F) {
	f.Add("Quantity*UnitPrice", "3", "2.5")
	f.Add("a*0.01", "1e308", "")
	f.Add("*", "", "x")
	f.Fuzz(func(t *testing.T, expr, v1, v2 string) {
		a, err := ParseAmount(expr)
		if err != nil {
			return
		}
		vals := [][]byte{[]byte(v1), []byte(v2)}[:len(a.Fields)]
		v, ok, msg := a.value(vals)
		if ok && (math.IsNaN(v) || math.IsInf(v, 0) || msg != "") {
			t.Fatalf("%q on %q: %v %v %q", expr, vals, v, ok, msg)
		}
	})
}

// A row's amount comes after the users table's per-row columns (--user-key)
// and the user properties: every slot keeps its own value.
func TestReadAmountsWithUsersTable(t *testing.T) {
	table, err := ReadUserTable(BytesInput("customers.csv", []byte("customer_id,customer_unique_id,state\nc1,p1,SP\nc2,p1,RJ\nc3,p2,SP\n")), "", "customer_unique_id")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ParseAmount("price")
	data := "customer_id,event,timestamp,price,channel\n" +
		"c1,order,2024-03-01,10,web\n" +
		"c2,order,2024-03-02,5.5,app\n" +
		"c3,order,2024-03-03,7,web\n"
	d := mustRead(t, "orders.csv", data, Options{Users: table, Amount: a,
		Need: Need{AllEvents: true, Amounts: true, EventProps: []string{"channel"}, UserProps: []string{"state", "channel"}}})
	if got := strings.Join(d.Users, ","); got != "p1,p2" {
		t.Fatalf("users %s, want p1,p2", got)
	}
	if len(d.Amounts) != 3 || d.Amounts[0] != 10 || d.Amounts[1] != 5.5 || d.Amounts[2] != 7 {
		t.Errorf("amounts %v, want [10 5.5 7]", d.Amounts)
	}
	if got := strings.Join(d.EventProps["channel"], ","); got != "web,app,web" {
		t.Errorf("channel per event %s, want web,app,web", got)
	}
	if got := strings.Join(d.UserProps["state"], ","); got != "SP,SP" {
		t.Errorf("state per user %s, want SP,SP (p1's first order's row)", got)
	}
	if got := strings.Join(d.UserProps["channel"], ","); got != "web,web" {
		t.Errorf("channel per user %s, want web,web", got)
	}
}

// Need.AmountRows keeps every row carrying an amount, whatever its event,
// with its details (even when other events limit which rows have
// details), and no row without one unless its event is kept; Amount.Seen
// says which fields some row held.
func TestReadAmountRows(t *testing.T) {
	csv := "user_id,event,timestamp,amount,order\n" +
		"u1,signup,2024-03-01T09:00:00Z,,\n" +
		"u1,purchase,2024-03-01T10:00:00Z,12,o1\n" +
		"u1,page,2024-03-01T11:00:00Z,,\n" +
		"u2,invoice,2024-03-02T10:00:00Z,-4,o2\n" +
		"u2,answer,2024-03-02T11:00:00Z,,\n"
	for _, tt := range []struct {
		name   string
		need   Need
		events int
		detail []int32
	}{
		{"amount rows", Need{Amounts: true, AmountRows: true, EventProps: []string{"order"}}, 2, nil},
		// answer keeps its details for a survey; the purchases keep theirs
		{"beside detailed answers", Need{Amounts: true, AmountRows: true, EventProps: []string{"order"}, Events: []string{"answer"}, DetailEvents: []string{"answer"}}, 3, []int32{0, 1, 2}},
	} {
		a, _ := ParseAmount("amount")
		if a.Seen("amount") {
			t.Fatal("seen before any row")
		}
		d, err := readText(t, "rows.csv", csv, Options{Amount: a, Need: tt.need})
		if err != nil {
			t.Fatal(err)
		}
		if d.Events.Len() != tt.events || len(d.Amounts) != tt.events || d.Amounts[0] != 12 || d.Amounts[1] != -4 ||
			d.EventProps["order"][0] != "o1" || d.EventProps["order"][1] != "o2" {
			t.Errorf("%s: %d events, amounts %v, orders %v", tt.name, d.Events.Len(), d.Amounts, d.EventProps["order"])
		}
		if tt.detail != nil && !slices.Equal(d.EventDetail, tt.detail) {
			t.Errorf("%s: details %v, want %v", tt.name, d.EventDetail, tt.detail)
		}
		if !a.Seen("amount") || a.Seen("order") {
			t.Errorf("%s: seen amount %v, order %v", tt.name, a.Seen("amount"), a.Seen("order"))
		}
	}
}
