package metrics

import (
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

// detailLog builds a Log with details from rows "user event time [amount
// [order]]" (amount "-" for none, order "" when absent): each event's
// amount, and its order id as property "order". User ids are given in
// order of first appearance, as actOf gives them.
func detailLog(t *testing.T, rows ...string) *Log {
	t.Helper()
	users, names, events, first, more := parseRows(t, rows, 5)
	det := &Details{Props: map[string][]string{"order": nil}}
	for i, f := range more {
		amt, order := math.NaN(), ""
		if len(f) > 0 && f[0] != "-" {
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				t.Fatalf("row %q: %v", rows[i], err)
			}
			amt = v
		}
		if len(f) > 1 {
			order = f[1]
		}
		det.Amounts = append(det.Amounts, amt)
		det.Props["order"] = append(det.Props["order"], order)
	}
	return NewLogDetails(users, names, events, first, det)
}

// runOf is a run over l in UTC at 95%, as of asOf, with --amount given.
func runOf(t *testing.T, l *Log, asOf string) *Run {
	t.Helper()
	return &Run{Log: l, Loc: time.UTC, Range: Range{AsOf: mustTime(t, asOf)}, Level: 0.95, Amount: "amount", UserIDs: l.Users}
}

// The order helper: which rows are purchases, which are refunds, and
// which lines make one order (§ orders in docs/metrics.md).
func TestOrderScan(t *testing.T) {
	rows := []string{
		// a: two lines at one time are one order; a later line another
		"a buy 2024-01-01T10:00:00Z 5 o1", "a buy 2024-01-01T10:00:00Z 7 o1", "a buy 2024-01-02T10:00:00Z 3 o2",
		// b: one id over two times is one order (with --order-col); two ids at one time are two
		"b buy 2024-01-01T10:00:00Z 4 o3", "b buy 2024-01-03T10:00:00Z 6 o3", "b buy 2024-01-05T10:00:00Z 1 o4", "b buy 2024-01-05T10:00:00Z 2 o5",
		// c: a refund is revenue, not an order; a row without an amount is no purchase by amount
		"c buy 2024-01-01T10:00:00Z 10 o6", "c buy 2024-01-04T10:00:00Z -4 o7", "c view 2024-01-04T11:00:00Z",
		// d: a line without an order id is an order of its own time
		"d buy 2024-01-01T10:00:00Z 2", "d buy 2024-01-01T10:00:00Z 3", "d buy 2024-01-01T10:00:00Z 4 o8",
	}
	l := detailLog(t, rows...)
	type want struct {
		orders []purchase
		lines  int
	}
	at := func(s string) int64 { return mustTime(t, s) }
	for _, tt := range []struct {
		name     string
		settings OrderSettings
		amount   string
		want     map[string]want
		missing  int64
	}{
		{"by time, found by amount", OrderSettings{}, "amount", map[string]want{
			"a": {[]purchase{{at("2024-01-01T10:00:00Z"), 12}, {at("2024-01-02T10:00:00Z"), 3}}, 3},
			"b": {[]purchase{{at("2024-01-01T10:00:00Z"), 4}, {at("2024-01-03T10:00:00Z"), 6}, {at("2024-01-05T10:00:00Z"), 3}}, 4},
			"c": {[]purchase{{at("2024-01-01T10:00:00Z"), 10}}, 2},
			"d": {[]purchase{{at("2024-01-01T10:00:00Z"), 9}}, 3},
		}, 0},
		{"by order id", OrderSettings{OrderCol: "order"}, "amount", map[string]want{
			"a": {[]purchase{{at("2024-01-01T10:00:00Z"), 12}, {at("2024-01-02T10:00:00Z"), 3}}, 3},
			"b": {[]purchase{{at("2024-01-01T10:00:00Z"), 10}, {at("2024-01-05T10:00:00Z"), 1}, {at("2024-01-05T10:00:00Z"), 2}}, 4},
			"c": {[]purchase{{at("2024-01-01T10:00:00Z"), 10}}, 2},
			"d": {[]purchase{{at("2024-01-01T10:00:00Z"), 5}, {at("2024-01-01T10:00:00Z"), 4}}, 3},
		}, 2},
		// without --amount every buy row is an order line: c's refund too
		{"named events, no amounts", OrderSettings{OrderEvents: []string{"buy"}}, "", map[string]want{
			"a": {[]purchase{{at("2024-01-01T10:00:00Z"), 0}, {at("2024-01-02T10:00:00Z"), 0}}, 0},
			"c": {[]purchase{{at("2024-01-01T10:00:00Z"), 0}, {at("2024-01-04T10:00:00Z"), 0}}, 0},
		}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runOf(t, l, "2024-02-01")
			r.Amount = tt.amount
			src, err := newOrderSource(r, &tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			scan := newOrderScan(l, &src)
			for u, name := range l.Users {
				w, ok := tt.want[name]
				if !ok {
					continue
				}
				scan.scan(int32(u))
				if !slices.Equal(scan.orders, w.orders) || len(scan.lines) != w.lines {
					t.Errorf("%s: orders %v, %d lines; want %v, %d", name, scan.orders, len(scan.lines), w.orders, w.lines)
				}
			}
			if scan.missingID != tt.missing {
				t.Errorf("missing order ids %d, want %d", scan.missingID, tt.missing)
			}
		})
	}
}

// Which events are purchases when none is named: those carrying an amount
// with --amount; the only event of a file read with --event-name; else the
// run stops with the events to choose from.
func TestOrderSourceDefaults(t *testing.T) {
	one := detailLog(t, "a purchase 2024-01-01", "b purchase 2024-01-02")
	many := detailLog(t, "a signup 2024-01-01", "a buy 2024-01-02 5", "a view 2024-01-03")
	for _, tt := range []struct {
		name   string
		l      *Log
		amount string
		basis  string
		events []string
		err    string
	}{
		{"only event", one, "", "only_event", []string{"purchase"}, ""},
		{"carrying an amount", many, "amount", "carrying_amount", []string{"buy"}, ""},
		{"ambiguous", many, "", "", nil, "which events are purchases? Give --order-event E, or --amount EXPR to take every event carrying an amount (the input has 3 events: buy, signup, view)"},
	} {
		r := runOf(t, tt.l, "2024-02-01")
		r.Amount = tt.amount
		src, err := newOrderSource(r, &OrderSettings{})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if p := src.params(tt.l); p.OrderBasis != tt.basis || !slices.Equal(p.OrderEvents, tt.events) {
			t.Errorf("%s: basis %s, events %v; want %s, %v", tt.name, p.OrderBasis, p.OrderEvents, tt.basis, tt.events)
		}
	}
}

// Rows an event selector derives from a purchase carry its amount too;
// found by amount, they are not purchases of their own.
func TestOrderScanSkipsDerived(t *testing.T) {
	l := detailLog(t, "a buy 2024-01-01T10:00:00Z 5", "a buy[plan=pro] 2024-01-01T10:00:00Z 5", "a buy 2024-01-09T10:00:00Z 5")
	l.MarkDerived([]string{"buy[plan=pro]"})
	src, err := newOrderSource(runOf(t, l, "2024-02-01"), &OrderSettings{})
	if err != nil {
		t.Fatal(err)
	}
	scan := newOrderScan(l, &src)
	scan.scan(0)
	if len(scan.orders) != 2 || len(scan.lines) != 2 || scan.orders[0].Value != 5 {
		t.Errorf("orders %v, lines %v; want 2 orders of 5", scan.orders, scan.lines)
	}
}
