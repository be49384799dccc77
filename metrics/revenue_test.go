package metrics

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// revenueWith computes revenue over every user of l as of asOf, with the
// defaults changed by set.
func revenueWith(t *testing.T, l *Log, asOf string, set func(*RevenueSettings)) (RevenueResult, *Run) {
	t.Helper()
	s := RevenueMetric.Defaults()
	if set != nil {
		set(&s)
	}
	if err := RevenueMetric.Check(&s); err != nil {
		t.Fatal(err)
	}
	r := runOf(t, l, asOf)
	return RevenueMetric.Compute(r, &s, l.AllUsers()), r
}

func eqPtr(got *float64, want float64) bool {
	if math.IsNaN(want) {
		return got == nil
	}
	return got != nil && near(*got, want)
}

var nan = math.NaN()

// revenueRows are the hand-computed example of docs/metrics.md#revenue:
// a's order of two lines, a refund in a later month, a refund-only
// customer (c), a free order (d) and a visitor who never pays (e).
var revenueRowsV = []string{
	"a buy 2024-01-05T10:00:00Z 30", "a buy 2024-01-05T10:00:00Z 20", "a buy 2024-02-10T10:00:00Z 40", "a refund 2024-02-20T10:00:00Z -10",
	"b buy 2024-01-20T10:00:00Z 100", "b buy 2024-03-02T10:00:00Z 60",
	"c refund 2024-02-01T10:00:00Z -5",
	"d buy 2024-02-15T10:00:00Z 0",
	"e view 2024-01-10T10:00:00Z",
}

func TestRevenuePeriods(t *testing.T) {
	l := detailLog(t, revenueRowsV...)
	type row struct {
		period                   string
		revenue, gross, refunds  float64
		customers, paying, order int64
		arpu, aov, freq          float64
		status                   string
	}
	for _, tt := range []struct {
		name   string
		active bool
		rows   []row
		arpu   float64
	}{
		{"paying", false, []row{
			{"2024-01", 150, 150, 0, 2, 2, 2, 75, 75, 1, "complete"},
			{"2024-02", 25, 40, 15, 3, 2, 2, 12.5, 20, 1, "complete"},
			{"2024-03", 60, 60, 0, 1, 1, 1, 60, 60, 1, "incomplete"},
		}, 43.75},
		// per active user: Jan a b e, Feb a c d, Mar b
		{"active", true, []row{
			{"2024-01", 150, 150, 0, 2, 2, 2, 50, 75, 1, "complete"},
			{"2024-02", 25, 40, 15, 3, 2, 2, 25.0 / 3, 20, 1, "complete"},
			{"2024-03", 60, 60, 0, 1, 1, 1, 60, 60, 1, "incomplete"},
		}, 175.0 / 6},
	} {
		s := RevenueMetric.Defaults()
		r := runOf(t, l, "2024-03-15")
		if tt.active {
			s.ARPUBasis = "active"
			r.Activity = actOf(t, ActivityConfig{}, revenueRowsV...)
		}
		res := RevenueMetric.Compute(r, &s, l.AllUsers())
		if len(res.Periods) != len(tt.rows) {
			t.Fatalf("%s: periods %+v", tt.name, res.Periods)
		}
		for i, w := range tt.rows {
			p := res.Periods[i]
			if p.Period != w.period || !near(p.Revenue, w.revenue) || !near(p.GrossRevenue, w.gross) || !near(p.Refunds, w.refunds) ||
				p.Customers != w.customers || p.PayingCustomers != w.paying || p.Orders != w.order ||
				!eqPtr(p.ARPU, w.arpu) || !eqPtr(p.AOV, w.aov) || !eqPtr(p.PurchaseFrequency, w.freq) || p.Status != w.status {
				t.Errorf("%s: period %d = %+v, want %+v", tt.name, i, p, w)
			}
		}
		tot := res.Total
		if !near(tot.Revenue, 235) || !near(tot.GrossRevenue, 250) || !near(tot.Refunds, 15) || tot.Customers != 4 || tot.PayingCustomers != 3 ||
			tot.Orders != 5 || !eqPtr(tot.AOV, 50) || !eqPtr(tot.PurchaseFrequency, 5.0/3) || !eqPtr(tot.ARPU, tt.arpu) || tot.ARPUPeriods != 2 {
			t.Errorf("%s: total %+v", tt.name, tot)
		}
		if tt.active != (tot.ActiveUsers != nil) || (tt.active && *tot.ActiveUsers != 5) {
			t.Errorf("%s: active users %v", tt.name, tot.ActiveUsers)
		}
		if !hasWarning(res.Warnings, "incomplete_period") {
			t.Errorf("%s: warnings %v", tt.name, res.Warnings)
		}
	}
	// churn CLV of paying customers: Jan's a and b, only a pays in Feb → c = 1/2
	res, _ := revenueWith(t, l, "2024-03-15", nil)
	c := res.CLV
	if c.Method != "churn" || c.ChurnBasis != "paying" || c.ChurnRate.Numerator != 1 || c.ChurnRate.Denominator != 2 || !eqPtr(c.Value, 87.5) || !eqPtr(c.LifetimePeriods, 2) {
		t.Errorf("churn CLV %+v (rate %+v)", c, c.ChurnRate)
	}
}

// v19Rows are 20 customers paying 10 in January, and 19 of them (all with
// zero) in February: ARPU 10 a month, churn 1/20 (0 with zero).
func v19Rows(zero bool) []string {
	var rows []string
	for i := 1; i <= 20; i++ {
		rows = append(rows, fmt.Sprintf("u%02d pay 2024-01-05T10:00:00Z 10", i))
		if i < 20 || zero {
			rows = append(rows, fmt.Sprintf("u%02d pay 2024-02-05T10:00:00Z 10", i))
		}
	}
	return rows
}

// V19: the money vectors. Lifetime form 10 × 12 = 120; churn form 10 /
// 0.05 = 200, × margin 0.7 = 140; discounted at 1% a month
// 10·1.01/(0.01+0.05) = 168.333333333333; zero churn null (zero_churn),
// unless --max-lifetime 60 caps it (600).
func TestRevenueCLVV19(t *testing.T) {
	l, zero := detailLog(t, v19Rows(false)...), detailLog(t, v19Rows(true)...)
	for _, tt := range []struct {
		name     string
		l        *Log
		set      func(*RevenueSettings)
		value    float64
		lifetime float64
		warning  string
	}{
		{"formula", l, func(s *RevenueSettings) { s.Lifetime = 12 }, 120, 12, ""},
		{"churn", l, nil, 200, 20, ""},
		{"churn with margin", l, func(s *RevenueSettings) { s.GrossMargin = 0.7 }, 140, 20, ""},
		{"discounted", l, func(s *RevenueSettings) { s.DiscountRate = 0.01 }, 168.333333333333, 1.01 / 0.06, ""},
		{"capped above its lifetime", l, func(s *RevenueSettings) { s.MaxLifetime = 60 }, 200, 20, ""},
		{"capped below it", l, func(s *RevenueSettings) { s.MaxLifetime = 12 }, 120, 12, ""},
		{"zero churn", zero, nil, nan, nan, "zero_churn"},
		{"zero churn, discounted", zero, func(s *RevenueSettings) { s.DiscountRate = 0.01 }, nan, nan, "zero_churn"},
		{"zero churn, capped", zero, func(s *RevenueSettings) { s.MaxLifetime = 60 }, 600, 60, "zero_churn"},
	} {
		res, _ := revenueWith(t, tt.l, "2024-03-01", tt.set)
		c := res.CLV
		if !eqPtr(res.Total.ARPU, 10) || !eqPtr(c.ARPU, 10) || !eqPtr(c.Value, tt.value) || !eqPtr(c.LifetimePeriods, tt.lifetime) || c.CI != nil {
			t.Errorf("%s: %+v, want value %v, lifetime %v", tt.name, c, tt.value, tt.lifetime)
		}
		if tt.warning != "" && !hasWarning(res.Warnings, tt.warning) {
			t.Errorf("%s: warnings %v, want %s", tt.name, res.Warnings, tt.warning)
		}
		if c.Method == "churn" && (c.ChurnRate.Denominator != 20 || *c.ChurnPeriods != 1) {
			t.Errorf("%s: churn %+v over %d periods, want of 20 in 1", tt.name, c.ChurnRate, *c.ChurnPeriods)
		}
		if c.MaxLifetimePeriods != nil && *c.Capped != (tt.lifetime == *c.MaxLifetimePeriods) {
			t.Errorf("%s: capped %v", tt.name, *c.Capped)
		}
	}
	// --clv-ci: the churn rate's Wilson bounds for 1/20, [0.00888144880079540,
	// 0.236131193446742], give [10/0.2361…, 10/0.00888…]
	res, _ := revenueWith(t, l, "2024-03-01", func(s *RevenueSettings) { s.CLVCI = true })
	if ci := res.CLV.CI; ci == nil || !eqPtr(ci.Low, 42.349339170453305) || !eqPtr(ci.High, 1125.9424249683702) || ci.Method != "churn_wilson_bounds" {
		t.Errorf("CLV interval %+v", ci)
	}
	// at zero churn the interval's upper end is unbounded
	res, _ = revenueWith(t, zero, "2024-03-01", func(s *RevenueSettings) { s.CLVCI = true })
	if ci := res.CLV.CI; ci == nil || ci.High != nil || ci.Low == nil {
		t.Errorf("zero churn interval %+v", ci)
	}
	// no period after a paying one is complete: no churn rate, no CLV
	res, _ = revenueWith(t, l, "2024-02-01", nil)
	if res.CLV.Value != nil || !hasWarning(res.Warnings, "no_churn_data") {
		t.Errorf("one month: %+v %v", res.CLV, res.Warnings)
	}
}

// The cohort CLV: the mean revenue per customer over the first --horizon
// periods of their first-order month, over cohorts whose horizon is over,
// with a t-interval: x 30+10 (its March 100 is past the horizon), y 50 →
// mean 45, sd √50, t(0.975, 1) = 12.7062047361747, half-width 63.5310236808735.
func TestRevenueCohortCLV(t *testing.T) {
	l := detailLog(t,
		"x buy 2024-01-10 30", "x buy 2024-02-05 10", "x buy 2024-03-01 100",
		"y buy 2024-01-20 50",
		"z buy 2024-02-03 20", "z buy 2024-03-10 5", // February's horizon ends 2024-04-01: incomplete
	)
	for _, gm := range []float64{1, 0.5} {
		res, _ := revenueWith(t, l, "2024-03-15", func(s *RevenueSettings) {
			s.CLV = Choice{Value: "cohort", Given: true}
			s.Horizon = 2
			s.GrossMargin = gm
		})
		c := res.CLV
		half := 63.5310236808735 * gm
		if !eqPtr(c.Value, 45*gm) || c.CI == nil || !eqPtr(c.CI.Low, 45*gm-half) || !eqPtr(c.CI.High, 45*gm+half) || *c.Customers != 2 || !eqPtr(c.LifetimePeriods, 2) {
			t.Errorf("margin %v: %+v %+v", gm, c, c.CI)
		}
		if len(c.Cohorts) != 2 || c.Cohorts[0].Cohort != "2024-01" || c.Cohorts[0].Revenue != 90 || c.Cohorts[0].Status != "complete" ||
			c.Cohorts[1].Customers != 1 || c.Cohorts[1].Revenue != 25 || !eqPtr(c.Cohorts[1].Value, 25*gm) || c.Cohorts[1].Status != "incomplete" {
			t.Errorf("margin %v: cohorts %+v", gm, c.Cohorts)
		}
	}
	res, _ := revenueWith(t, l, "2024-02-15", func(s *RevenueSettings) { s.CLV = Choice{Value: "cohort", Given: true}; s.Horizon = 2 })
	if res.CLV.Value != nil || !hasWarning(res.Warnings, "no_complete_cohort") {
		t.Errorf("no complete cohort: %+v %v", res.CLV, res.Warnings)
	}
}

// --by: a segment's figures are its own customers'; the per-user rows add
// up to the total; the tidy rows hold the periods, the total and the CLV.
func TestRevenueSegmentsUsersRows(t *testing.T) {
	l := detailLog(t, revenueRowsV...)
	s := RevenueMetric.Defaults()
	s.CLV = Choice{Value: "formula", Given: true}
	s.Lifetime = 12
	r := runOf(t, l, "2024-03-15")
	r.By = "plan"
	out := RevenueMetric.Evaluate(r, &s, l.AllUsers(), []Segment{{Name: "x", Users: []int32{0, 2}}, {Name: "y", Users: []int32{1, 3, 4}}})
	seg := out.Value.(Segmented[RevenueResult])
	if x := seg.Segments[0].Result.Total; !near(x.Revenue, 75) || x.PayingCustomers != 1 || x.Customers != 2 {
		t.Errorf("segment x: %+v", x)
	}
	if y := seg.Segments[1].Result.Total; !near(y.Revenue, 160) || y.PayingCustomers != 2 || y.Orders != 3 {
		t.Errorf("segment y: %+v", y)
	}
	users := RevenueMetric.Users(r, &s, l.AllUsers())
	var rev float64
	var orders int64
	for _, row := range users.Rows {
		rev += row[1].(float64)
		orders += row[4].(int64)
	}
	if len(users.Rows) != 4 || !near(rev, 235) || orders != 5 {
		t.Errorf("users: %d rows, revenue %v, %d orders: %v", len(users.Rows), rev, orders, users.Rows)
	}
	rows := RevenueMetric.Rows(r, &s, seg.Overall)
	last := rows.Rows[len(rows.Rows)-1]
	if len(rows.Rows) != 4 || last[0] != "total" || last[14] != "formula" || !eqPtr(last[15].(*float64), 43.75*12) {
		t.Errorf("rows %v", rows.Rows)
	}
	if h := out.Headline; !strings.Contains(h, "235.00") || !strings.Contains(h, "CLV (formula) 525.00") {
		t.Errorf("headline %q", h)
	}
}

// Settings no command line should hold.
func TestRevenueCheck(t *testing.T) {
	for _, tt := range []struct {
		set  func(*RevenueSettings)
		want string
	}{
		{func(s *RevenueSettings) { s.CLV = Choice{Value: "formula", Given: true} }, "--clv formula needs --lifetime L, the customer lifetime in periods"},
		{func(s *RevenueSettings) { s.CLV = Choice{Value: "cohort", Given: true}; s.Lifetime = 12 }, "--lifetime is the formula CLV's (--clv formula), not --clv cohort's"},
		{func(s *RevenueSettings) { s.Lifetime = 12; s.DiscountRate = 0.01 }, "--discount-rate, --max-lifetime and --clv-ci are the churn CLV's (--clv churn), not --clv formula's"},
		{func(s *RevenueSettings) { s.GrossMargin = 70 }, "--gross-margin 70: want a fraction above 0 and at most 1, such as 0.7"},
		{func(s *RevenueSettings) { s.DiscountRate = -0.1 }, "--discount-rate -0.1: want a rate per period of 0 or more, such as 0.01"},
		{func(s *RevenueSettings) { s.CLV = Choice{Value: "cohort", Given: true}; s.Horizon = 0 }, "--horizon 0: want at least 1 period"},
		{func(s *RevenueSettings) { s.Lifetime = 12 }, ""}, // formula by default with --lifetime
	} {
		s := RevenueMetric.Defaults()
		tt.set(&s)
		err := RevenueMetric.Check(&s)
		if (err == nil) != (tt.want == "") || (err != nil && err.Error() != tt.want) {
			t.Errorf("%+v: %v, want %q", s, err, tt.want)
		}
	}
}
