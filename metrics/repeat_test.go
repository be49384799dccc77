package metrics

import (
	"math"
	"strings"
	"testing"
)

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }

// repeatOf computes repeat over every user of l with settings s (defaults
// changed by set).
func repeatOf(t *testing.T, l *Log, asOf string, set func(*RepeatSettings)) (RepeatResult, *Run) {
	t.Helper()
	s := RepeatMetric.Defaults()
	if set != nil {
		set(&s)
	}
	r := runOf(t, l, asOf)
	if err := RepeatMetric.Prepare(r, &s); err != nil {
		t.Fatal(err)
	}
	return RepeatMetric.Compute(r, &s, l.AllUsers()), r
}

// V18: orders per customer in one month c1:1, c2:3, c3:1, c4:2, c5:1 →
// 2/5; when c4's two lines are one order (one order id, or one time), 1/5.
func TestRepeatV18(t *testing.T) {
	base := []string{
		"c1 buy 2024-03-02T10:00:00Z 10 A", "c2 buy 2024-03-03T10:00:00Z 10 B", "c2 buy 2024-03-10T10:00:00Z 10 C", "c2 buy 2024-03-20T10:00:00Z 10 D",
		"c3 buy 2024-03-04T10:00:00Z 10 E", "c5 buy 2024-03-05T10:00:00Z 10 F",
	}
	for _, tt := range []struct {
		name    string
		c4      []string
		col     string
		x       int64
		low, hi float64
	}{
		{"two orders", []string{"c4 buy 2024-03-06T10:00:00Z 10 G", "c4 buy 2024-03-07T10:00:00Z 10 H"}, "order", 2, 0.117620774232648, 0.769275718723987},
		{"two lines of one order id", []string{"c4 buy 2024-03-06T10:00:00Z 10 G", "c4 buy 2024-03-07T10:00:00Z 10 G"}, "order", 1, 0.036224108632430196, 0.6244653702374747},
		{"two lines at one time", []string{"c4 buy 2024-03-06T10:00:00Z 10", "c4 buy 2024-03-06T10:00:00Z 10"}, "", 1, 0.036224108632430196, 0.6244653702374747},
	} {
		l := detailLog(t, append(base, tt.c4...)...)
		res, _ := repeatOf(t, l, "2024-04-01", func(s *RepeatSettings) { s.OrderCol = tt.col })
		p := res.Rate
		if p.Numerator != tt.x || p.Denominator != 5 || !near(*p.Value, float64(tt.x)/5) || !near(p.CI.Low, tt.low) || !near(p.CI.High, tt.hi) {
			t.Errorf("%s: %+v %+v, want %d/5 [%v, %v]", tt.name, p, p.CI, tt.x, tt.low, tt.hi)
		}
		if len(res.Periods) != 1 || res.Periods[0].Period != "2024-03" || res.Periods[0].Rate.Numerator != p.Numerator || res.Periods[0].Customers != 5 || res.Periods[0].Status != "complete" {
			t.Errorf("%s: periods %+v", tt.name, res.Periods)
		}
		if orders := 6 + tt.x; res.Orders != orders || res.Customers != 5 || res.RepeatCustomers != tt.x {
			t.Errorf("%s: %d orders, %d customers, %d repeat; want %d, 5, %d", tt.name, res.Orders, res.Customers, res.RepeatCustomers, orders, tt.x)
		}
	}
}

// Period mode: each period's customers with 2+ orders in it, and the
// range's with 2+ over all its periods; periods whose start is before
// --from are left out, and the one as_of falls in is incomplete.
func TestRepeatPeriods(t *testing.T) {
	l := detailLog(t,
		"a buy 2024-01-10 5", "a buy 2024-02-03 5", "a buy 2024-02-20 5",
		"b buy 2024-01-15 5", "b buy 2024-01-16 5",
		"c buy 2024-02-11 5",
		"d buy 2024-03-01 5", "d buy 2024-03-02 -5", // a refund is no second order
		"e view 2024-02-01",
	)
	res, r := repeatOf(t, l, "2024-03-15", nil)
	type row struct {
		period     string
		n, x, ords int64
		status     string
	}
	want := []row{{"2024-01", 2, 1, 3, "complete"}, {"2024-02", 2, 1, 3, "complete"}, {"2024-03", 1, 0, 1, "incomplete"}}
	check := func(res RepeatResult, want []row, n, x, orders int64) {
		t.Helper()
		if len(res.Periods) != len(want) {
			t.Fatalf("periods %+v, want %v", res.Periods, want)
		}
		for i, w := range want {
			p := res.Periods[i]
			if g := (row{p.Period, p.Customers, p.RepeatCustomers, p.Orders, p.Status}); g != w {
				t.Errorf("period %d: %v, want %v", i, g, w)
			}
		}
		if res.Rate.Numerator != x || res.Rate.Denominator != n || res.Orders != orders {
			t.Errorf("range: %d/%d, %d orders; want %d/%d, %d", res.Rate.Numerator, res.Rate.Denominator, res.Orders, x, n, orders)
		}
	}
	check(res, want, 4, 2, 7)
	if !hasWarning(res.Warnings, "incomplete_period") {
		t.Errorf("warnings %v: want incomplete_period", res.Warnings)
	}
	// from 2024-02-01: a has 2 orders in range, b none, c 1, d 1
	s := RepeatMetric.Defaults()
	r.Range.From = ptrTime(t, "2024-02-01")
	res = RepeatMetric.Compute(r, &s, l.AllUsers())
	check(res, want[1:], 3, 1, 4)
	// weekly periods: a's February orders are in different weeks
	r.Range.From = nil
	s.Period = "week"
	res = RepeatMetric.Compute(r, &s, l.AllUsers())
	if res.Rate.Numerator != 2 || len(res.Periods) != 8 || res.Periods[0].Period != "2024-01-08" || res.Periods[1].RepeatCustomers != 1 {
		t.Errorf("weekly: %+v", res)
	}
}

// Cohort mode: first-ever order in range, again within 90 days of it, end
// included; a window not over at as_of is censored, one ending exactly at
// as_of is not.
func TestRepeatCohort(t *testing.T) {
	l := detailLog(t,
		"a buy 2024-01-01T00:00:00Z 5", "a buy 2024-03-31T00:00:00Z 5", // +90d exactly: repeat
		"b buy 2024-01-02T00:00:00Z 5", "b buy 2024-04-01T00:00:01Z 5", // +90d 1s: not
		"c buy 2024-01-10T00:00:00Z 5",                                                                 // no second order
		"d buy 2024-02-01T00:00:00Z 5", "d buy 2024-02-01T00:00:00Z 5", "d buy 2024-02-02T00:00:00Z 5", // one time, then again
		"e buy 2024-02-05T00:00:00Z 5",                                 // window ends 2024-05-05: censored
		"f buy 2023-12-01T00:00:00Z 5", "f buy 2024-01-05T00:00:00Z 5", // first order before --from
	)
	res, r := repeatOf(t, l, "2024-05-01T00:00:00Z", func(s *RepeatSettings) { s.Mode = "cohort" })
	// f's first order is 2023-12, outside nothing: no --from yet
	if res.Rate.Numerator != 3 || res.Rate.Denominator != 5 || res.Excluded.Censored != 1 {
		t.Fatalf("rate %d/%d, censored %d; want 3/5, 1", res.Rate.Numerator, res.Rate.Denominator, res.Excluded.Censored)
	}
	s := RepeatMetric.Defaults()
	s.Mode = "cohort"
	r.Range.From = ptrTime(t, "2024-01-01")
	res = RepeatMetric.Compute(r, &s, l.AllUsers())
	want := []RepeatPeriod{
		{Period: "2024-01", Customers: 3, RepeatCustomers: 1, Orders: 4, Rate: NewProportion(1, 3, 0.95), Status: "complete"},
		{Period: "2024-02", Customers: 1, RepeatCustomers: 1, Orders: 2, Rate: NewProportion(1, 1, 0.95), Censored: 1, Status: "incomplete"},
	}
	if res.Rate.Numerator != 2 || res.Rate.Denominator != 4 || res.Orders != 6 || !equalPeriods(res.Periods, want) {
		t.Errorf("from 2024-01-01: %d/%d, %d orders, periods %+v; want 2/4, 6, %+v", res.Rate.Numerator, res.Rate.Denominator, res.Orders, res.Periods, want)
	}
	// as of e's window end exactly: e is eligible
	r.Range.AsOf = mustTime(t, "2024-05-05T00:00:00Z")
	res = RepeatMetric.Compute(r, &s, l.AllUsers())
	if res.Rate.Denominator != 5 || res.Excluded.Censored != 0 {
		t.Errorf("as of e's window end: %d eligible, %d censored; want 5, 0", res.Rate.Denominator, res.Excluded.Censored)
	}
	// calendar windows in --tz: 90 local days
	s.WindowMode = "calendar"
	res = RepeatMetric.Compute(r, &s, l.AllUsers())
	if res.Rate.Numerator != 2 {
		t.Errorf("calendar window: %d repeat, want 2", res.Rate.Numerator)
	}
}

func equalPeriods(a, b []RepeatPeriod) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Period != y.Period || x.Customers != y.Customers || x.RepeatCustomers != y.RepeatCustomers || x.Orders != y.Orders ||
			x.Censored != y.Censored || x.Status != y.Status || x.Rate.Numerator != y.Rate.Numerator || x.Rate.Denominator != y.Rate.Denominator {
			return false
		}
	}
	return true
}

// No orders: the rate is null with empty_denominator, never 0 or NaN; the
// lists are empty, not nil.
func TestRepeatEmpty(t *testing.T) {
	l := detailLog(t, "a view 2024-01-01", "a buy 2024-01-02")
	res, _ := repeatOf(t, l, "2024-02-01", nil) // buy carries no amount
	if res.Rate.Value != nil || res.Periods == nil || !hasWarning(res.Warnings, "empty_denominator") {
		t.Errorf("%+v", res)
	}
}

// --by: each segment is its own customers; the rows of --users-out add up
// to the figures.
func TestRepeatSegmentsAndUsers(t *testing.T) {
	l := detailLog(t, "a buy 2024-01-01 5", "a buy 2024-01-05 5", "b buy 2024-01-02 5", "c buy 2024-01-03 5", "c buy 2024-01-04 5")
	s := RepeatMetric.Defaults()
	r := runOf(t, l, "2024-02-01")
	r.By = "plan"
	res := RepeatMetric.Evaluate(r, &s, l.AllUsers(), []Segment{{Name: "pro", Users: []int32{0, 1}}, {Name: "team", Users: []int32{2}}})
	seg := res.Value.(Segmented[RepeatResult])
	if seg.Overall.Rate.Numerator != 2 || seg.Overall.Rate.Denominator != 3 ||
		seg.Segments[0].Result.Rate.Numerator != 1 || seg.Segments[0].Result.Rate.Denominator != 2 || seg.Segments[1].Result.Rate.Numerator != 1 {
		t.Errorf("%+v", seg)
	}
	tab := RepeatMetric.Users(r, &s, l.AllUsers())
	var repeat int
	for _, row := range tab.Rows {
		if row[4] == true {
			repeat++
		}
	}
	if len(tab.Rows) != 3 || repeat != 2 {
		t.Errorf("users: %v", tab.Rows)
	}
	if h := RepeatMetric.Headline(r, &s, seg); !strings.Contains(h, "66.7%") {
		t.Errorf("headline %q", h)
	}
}
