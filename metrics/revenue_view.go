package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/uptake-dev/uptake/report"
)

// RevenueSettings are the revenue command's flags and config keys.
type RevenueSettings struct {
	OrderSettings
	Period string `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
	ARPUBasis    string  `flag:"arpu-basis" enum:"paying,active" usage:"ARPU per paying customer, or per active user (any activity, or --active-event)" json:"arpu_basis"`
	CLV          Choice  `flag:"clv" enum:"none,formula,churn,cohort" usage:"CLV method (default: formula with --lifetime, else churn)" json:"clv"`
	Lifetime     float64 `flag:"lifetime" usage:"Formula CLV: the customer lifetime in periods (CLV = ARPU × margin × lifetime)" json:"lifetime"`
	GrossMargin  float64 `flag:"gross-margin" usage:"Gross margin, 0 to 1, every CLV is multiplied by (1: a revenue CLV)" json:"gross_margin"`
	DiscountRate float64 `flag:"discount-rate" usage:"Churn CLV: discount rate per period (ARPU × margin × (1+d)/(d+churn))" json:"discount_rate"`
	MaxLifetime  float64 `flag:"max-lifetime" usage:"Churn CLV: cap on the lifetime in periods, which also gives a value at zero churn (0: no cap)" json:"max_lifetime"`
	Horizon      int     `flag:"horizon" usage:"Cohort CLV: periods of revenue counted from each customer's first order" json:"horizon"`
	CLVCI        bool    `flag:"clv-ci" usage:"Churn CLV: an interval from the churn rate's Wilson bounds (ARPU taken as fixed)" json:"clv_ci"`
}

// clvMethod is --clv, or its default: formula when --lifetime is given,
// else churn.
func (s *RevenueSettings) clvMethod() string {
	switch {
	case s.CLV.Given:
		return s.CLV.Value
	case s.Lifetime > 0:
		return "formula"
	}
	return "churn"
}

func (s *RevenueSettings) check() error {
	m := s.clvMethod()
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(s.GrossMargin) || s.GrossMargin <= 0 || s.GrossMargin > 1:
		return fmt.Errorf("--gross-margin %g: want a fraction above 0 and at most 1, such as 0.7", s.GrossMargin)
	case !finite(s.DiscountRate) || s.DiscountRate < 0:
		return fmt.Errorf("--discount-rate %g: want a rate per period of 0 or more, such as 0.01", s.DiscountRate)
	case !finite(s.Lifetime) || s.Lifetime < 0:
		return fmt.Errorf("--lifetime %g: want a number of periods above 0", s.Lifetime)
	case !finite(s.MaxLifetime) || s.MaxLifetime < 0:
		return fmt.Errorf("--max-lifetime %g: want a number of periods above 0", s.MaxLifetime)
	case s.Horizon < 1:
		return fmt.Errorf("--horizon %d: want at least 1 period", s.Horizon)
	case m == "formula" && s.Lifetime == 0:
		return errors.New("--clv formula needs --lifetime L, the customer lifetime in periods")
	case m != "formula" && s.Lifetime > 0:
		return fmt.Errorf("--lifetime is the formula CLV's (--clv formula), not --clv %s's", m)
	case m != "churn" && (s.DiscountRate > 0 || s.MaxLifetime > 0 || s.CLVCI):
		return fmt.Errorf("--discount-rate, --max-lifetime and --clv-ci are the churn CLV's (--clv churn), not --clv %s's", m)
	}
	return nil
}

// RevenueMetric is revenue, ARPU, AOV and formula CLVs (docs/metrics.md#revenue).
var RevenueMetric = &Def[RevenueSettings, RevenueResult]{
	Info: Info{
		Name:  "revenue",
		Use:   "[FILE...] --amount EXPR",
		Short: "Revenue, paying customers, orders, ARPU, AOV and CLVs per period",
		Long: `Revenue per calendar --period and over the range (docs/metrics.md#revenue),
cash basis: every amount is booked in the period of its row, net of refunds
(negative amounts). Purchases and orders are as in repeat: the rows of the
--order-event events (default: every row carrying an amount), one order per
--order-col value or per (customer, time).

Per period: revenue, paying customers (1+ order), orders, ARPU = revenue /
paying customers (--arpu-basis active: / active users), AOV = order value /
orders, purchase frequency = orders / paying customers. The total adds up the
periods; its ARPU is per period, pooled over the complete ones.

CLV (--clv): formula = ARPU × margin × --lifetime; churn = ARPU × margin / c,
c the churn per period of the same customers (paying customers, or active users
with --arpu-basis active), (1+d)/(d+c) with --discount-rate d, null at zero
churn unless --max-lifetime caps the lifetime; cohort = the mean revenue per
customer over the first --horizon periods of first-order cohorts whose horizon
is over. Formula CLVs have no interval unless --clv-ci asks for the churn
rate's.`,
		Example: `  uptake revenue --demo --amount amount
  uptake revenue --demo --amount amount --clv formula --lifetime 12 --by plan
  uptake revenue --demo --amount amount --gross-margin 0.7 --discount-rate 0.01 --clv-ci
  uptake revenue invoices.csv --event-name purchase --amount 'Quantity*UnitPrice' --order-col InvoiceNo --where 'InvoiceNo !~ ^C'
  uptake revenue --demo --amount amount --format json | jq '.result.total'`,
		ActiveEvents: true,
		FlagUsage: map[string]string{"week-start": "First day of a week (monday: ISO weeks)",
			"within": "The window after each user's entry whose net revenue counts (90s, 30m, 48h, 7d, 2w; the end is included)"},
		CompareSkip: revenueCompareSkip,
	},
	Defaults: func() RevenueSettings {
		return RevenueSettings{Period: "month", WeekSettings: NewWeeks(), ARPUBasis: "paying", CLV: Choice{Value: "churn"}, GrossMargin: 1, Horizon: 12}
	},
	Check: func(s *RevenueSettings) error { return s.check() },
	Needs: func(s *RevenueSettings) Needs {
		n := s.orderNeeds()
		n.Amounts = true
		if s.ARPUBasis == "active" {
			n.Activity = &ActivityConfig{}
		}
		return n
	},
	Compute: func(r *Run, s *RevenueSettings, users []int32) RevenueResult {
		return revenueOf(r.Log, users, revenueParamsOf(r, s))
	},
	Users:   revenueUsers,
	Outcome: revenueOutcome,
	OutcomeSettings: func() OutcomeSettings {
		return &RevenueOutcome{WindowSettings: NewWindow(Days(30))}
	},
	Warnings: func(x RevenueResult) []Warning { return x.Warnings },
	Params: func(r *Run, s *RevenueSettings) any {
		src, _ := newOrderSource(r, &s.OrderSettings)
		return struct {
			*RevenueSettings
			orderParams
			CLV     string `json:"clv"`
			Amount  string `json:"amount"`
			Revenue string `json:"revenue_basis"`
		}{s, src.params(r.Log), s.clvMethod(), r.Amount, "cash_net_of_refunds"}
	},
	View: revenueView,
	Rows: revenueRows,
	Headline: func(r *Run, s *RevenueSettings, all Segmented[RevenueResult]) string {
		x := all.Overall
		h := fmt.Sprintf("Revenue by %s: %s from %s paying customers, ARPU %s per %s (%s), AOV %s", s.Period, report.MoneyText(x.Total.Revenue),
			report.Thousands(x.Total.PayingCustomers), moneyOrDash(x.Total.ARPU), s.Period, x.ARPUBasis, moneyOrDash(x.Total.AOV))
		if x.CLV.Method != "none" {
			h += fmt.Sprintf(", CLV (%s) %s", x.CLV.Method, moneyOrDash(x.CLV.Value))
		}
		return h
	},
}

func revenueParamsOf(r *Run, s *RevenueSettings) revenueParams {
	src, _ := newOrderSource(r, &s.OrderSettings) // --amount is given: it cannot fail
	p := revenueParams{src: &src, cal: s.Calendar(s.Period, r.Loc), rng: r.Range, level: r.Level,
		clv: clvParams{method: s.clvMethod(), lifetime: s.Lifetime, gm: s.GrossMargin, discount: s.DiscountRate,
			maxLife: s.MaxLifetime, horizon: s.Horizon, ci: s.CLVCI, level: r.Level}}
	if s.ARPUBasis == "active" {
		p.active = r.Activity
	}
	return p
}

// moneyOrDash writes an amount, or "–" for none.
func moneyOrDash(v *float64) string {
	if v == nil {
		return "–"
	}
	return report.MoneyText(*v)
}

// floatOrDash writes a number with two decimals, or "–" for none.
func floatOrDash(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *v)
}

func revenueView(r *Run, s *RevenueSettings, all Segmented[RevenueResult]) report.Doc {
	x := all.Overall
	t := x.Total
	base := "paying customer"
	if x.ARPUBasis == "active" {
		base = "active user"
	}
	doc := report.Doc{Title: fmt.Sprintf("Revenue by %s (net of refunds; ARPU per %s)", s.Period, base)}
	doc.Add("revenue", fmt.Sprintf("%s (gross %s, refunds %s)", report.MoneyText(t.Revenue), report.MoneyText(t.GrossRevenue), report.MoneyText(t.Refunds)))
	cust := fmt.Sprintf("%s paying, of %s with a purchase row", report.Thousands(t.PayingCustomers), report.Thousands(t.Customers))
	if t.ActiveUsers != nil {
		cust += fmt.Sprintf("; %s active users", report.Thousands(*t.ActiveUsers))
	}
	doc.Add("customers", cust)
	doc.Add("orders", fmt.Sprintf("%s; AOV %s; purchase frequency %s orders per paying customer", report.Thousands(t.Orders), moneyOrDash(t.AOV), floatOrDash(t.PurchaseFrequency)))
	doc.Add("ARPU", fmt.Sprintf("%s per %s per %s, over %s", moneyOrDash(t.ARPU), base, s.Period, Plural(t.ARPUPeriods, "complete "+s.Period)))
	doc.Add("CLV", clvText(x.CLV, s))
	if src, err := newOrderSource(r, &s.OrderSettings); err == nil {
		doc.Add("an order is", orderKeyText(&src, r.Log))
	}
	doc.Tables = all.Tables("Periods", func(title string, x RevenueResult) report.Table {
		t := series(revenuePeriodTable(x), "revenue")
		t.Title = title
		return t
	})
	if len(x.CLV.Cohorts) > 0 {
		ct := report.Table{Title: fmt.Sprintf("Cohort CLV: revenue per customer over the first %s", Plural(s.Horizon, s.Period)),
			Columns: []report.Column{{Key: "cohort"}, {Key: "customers", Kind: report.Int}, {Key: "revenue", Kind: report.Money},
				{Key: "value", Header: "per customer", Kind: report.Money}, {Key: "status"}}}
		for _, c := range x.CLV.Cohorts {
			ct.Rows = append(ct.Rows, []any{c.Cohort, c.Customers, c.Revenue, c.Value, c.Status})
		}
		doc.Tables = append(doc.Tables, ct)
	}
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: []report.Column{{Key: "segment"}, {Key: "revenue", Kind: report.Money},
			{Key: "paying_customers", Header: "paying", Kind: report.Int}, {Key: "orders", Kind: report.Int}, {Key: "arpu", Header: "ARPU", Kind: report.Money},
			{Key: "aov", Header: "AOV", Kind: report.Money}, {Key: "clv", Header: "CLV", Kind: report.Money}}}
		for _, sr := range all.Segments {
			st := sr.Result.Total
			seg.Rows = append(seg.Rows, []any{sr.Name, st.Revenue, st.PayingCustomers, st.Orders, st.ARPU, st.AOV, sr.Result.CLV.Value})
		}
		doc.Tables = append(doc.Tables, seg)
	}
	doc.Charts = revenueCharts(s.Period, x)
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; amounts are --amount %s, in the data's currency; cash basis, refunds (negative amounts) subtracted in their period", r.AsOf, r.Amount))
	return doc
}

// clvText is the CLV in one line, with how it was found.
func clvText(c FormulaCLV, s *RevenueSettings) string {
	switch c.Method {
	case "none":
		return "not computed (--clv none)"
	case "formula":
		return fmt.Sprintf("%s = ARPU %s × margin %g × lifetime %g %ss (formula)", moneyOrDash(c.Value), moneyOrDash(c.ARPU), s.GrossMargin, s.Lifetime, s.Period)
	case "cohort":
		v := moneyOrDash(c.Value)
		if c.CI != nil {
			v += fmt.Sprintf(" [%s, %s]", moneyOrDash(c.CI.Low), moneyOrDash(c.CI.High))
		}
		return fmt.Sprintf("%s: mean revenue per customer over the first %s of %s customers in complete cohorts (× margin %g)", v, Plural(s.Horizon, s.Period), report.Thousands(*c.Customers), s.GrossMargin)
	}
	v := moneyOrDash(c.Value)
	if c.CI != nil {
		v += fmt.Sprintf(" [%s, %s]", moneyOrDash(c.CI.Low), moneyOrDash(c.CI.High))
	}
	churn := "–"
	if c.ChurnRate != nil {
		churn = PropText(*c.ChurnRate)
	}
	life := "–"
	if c.LifetimePeriods != nil {
		life = fmt.Sprintf("%.1f", *c.LifetimePeriods)
	}
	how := "1/churn"
	if s.DiscountRate > 0 {
		how = fmt.Sprintf("(1+d)/(d+churn), d = %g", s.DiscountRate)
	}
	if c.Capped != nil && *c.Capped {
		how = fmt.Sprintf("capped at --max-lifetime %g", s.MaxLifetime)
	}
	who := "paying customers"
	if c.ChurnBasis == "active" {
		who = "active users"
	}
	return fmt.Sprintf("%s = ARPU %s × margin %g × lifetime %s %ss (%s); churn per %s of %s %s", v, moneyOrDash(c.ARPU), s.GrossMargin, life, s.Period, how, s.Period, who, churn)
}

var revenueCols = []report.Column{{Key: "revenue", Kind: report.Money}, {Key: "gross_revenue", Header: "gross", Kind: report.Money},
	{Key: "refunds", Kind: report.Money}, {Key: "customers", Kind: report.Int}, {Key: "paying_customers", Header: "paying", Kind: report.Int},
	{Key: "active_users", Header: "active", Kind: report.Int}, {Key: "orders", Kind: report.Int}, {Key: "arpu", Header: "ARPU", Kind: report.Money},
	{Key: "aov", Header: "AOV", Kind: report.Money}, {Key: "purchase_frequency", Header: "orders/payer", Kind: report.Float}}

func revenuePeriodRow(p RevenuePeriod) []any {
	var active any
	if p.ActiveUsers != nil {
		active = *p.ActiveUsers
	}
	return []any{p.Revenue, p.GrossRevenue, p.Refunds, p.Customers, p.PayingCustomers, active, p.Orders, p.ARPU, p.AOV, p.PurchaseFrequency}
}

// revenuePeriodTable is the periods, for people (no active column unless
// ARPU is per active user).
func revenuePeriodTable(x RevenueResult) report.Table {
	t := report.Table{Columns: slices.Concat([]report.Column{{Key: "period"}}, revenueCols, []report.Column{{Key: "status"}})}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, slices.Concat([]any{p.Period}, revenuePeriodRow(p), []any{p.Status}))
	}
	if x.ARPUBasis != "active" {
		t = dropColumn(t, "active_users")
	}
	return t
}

// dropColumn is t without the column keyed key.
func dropColumn(t report.Table, key string) report.Table {
	i := slices.IndexFunc(t.Columns, func(c report.Column) bool { return c.Key == key })
	if i < 0 {
		return t
	}
	out := report.Table{Title: t.Title, Fit: t.Fit, Columns: slices.Delete(slices.Clone(t.Columns), i, i+1)}
	if out.Fit.Spark > i {
		out.Fit.Spark--
	}
	for _, row := range t.Rows {
		out.Rows = append(out.Rows, slices.Delete(slices.Clone(row), i, i+1))
	}
	return out
}

// revenueRows are the tidy table: a row per period (kind period), the
// range's (kind total, period "(all)", with the CLV), and with --clv cohort
// a row per first-order cohort (kind clv_cohort: its customers, their
// revenue over the horizon, and the value per customer).
func revenueRows(_ *Run, _ *RevenueSettings, x RevenueResult) report.Table {
	t := report.Table{Columns: slices.Concat([]report.Column{{Key: "kind"}, {Key: "period"}}, revenueCols,
		[]report.Column{{Key: "arpu_periods", Kind: report.Int}, {Key: "status"}, {Key: "clv_method"}, {Key: "clv_value", Kind: report.Money},
			{Key: "clv_lifetime_periods", Kind: report.Float}, {Key: "clv_ci_low", Kind: report.Money}, {Key: "clv_ci_high", Kind: report.Money}})}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, slices.Concat([]any{"period", p.Period}, revenuePeriodRow(p), []any{nil, p.Status, nil, nil, nil, nil, nil}))
	}
	tt := x.Total
	var active, lo, hi any
	if tt.ActiveUsers != nil {
		active = *tt.ActiveUsers
	}
	if x.CLV.CI != nil {
		lo, hi = x.CLV.CI.Low, x.CLV.CI.High
	}
	t.Rows = append(t.Rows, []any{"total", "(all)", tt.Revenue, tt.GrossRevenue, tt.Refunds, tt.Customers, tt.PayingCustomers, active, tt.Orders,
		tt.ARPU, tt.AOV, tt.PurchaseFrequency, tt.ARPUPeriods, nil, x.CLV.Method, x.CLV.Value, x.CLV.LifetimePeriods, lo, hi})
	for _, c := range x.CLV.Cohorts {
		row := make([]any, len(t.Columns))
		row[0], row[1], row[2], row[5] = "clv_cohort", c.Cohort, c.Revenue, c.Customers
		row[13], row[14], row[15] = c.Status, "cohort", c.Value
		t.Rows = append(t.Rows, row)
	}
	return t
}

// revenueCharts are revenue per period and ARPU per period.
func revenueCharts(period string, x RevenueResult) []report.Chart {
	rev := report.Chart{Kind: report.BarChart, Title: "Revenue per " + period + " (net of refunds)", Unit: report.Money, Series: []report.Series{{Name: "revenue"}}}
	arpu := report.Chart{Kind: report.LineChart, Title: "ARPU per " + period + " (" + x.ARPUBasis + ")", Unit: report.Money, Series: []report.Series{{Name: "ARPU"}}}
	for _, p := range x.Periods {
		label := p.Period
		if p.Status == "incomplete" {
			label += " *"
		}
		rev.Labels, arpu.Labels = append(rev.Labels, label), append(arpu.Labels, label)
		rev.Series[0].Values = append(rev.Series[0].Values, p.Revenue)
		v := math.NaN()
		if p.ARPU != nil {
			v = *p.ARPU
		}
		arpu.Series[0].Values = append(arpu.Series[0].Values, v)
	}
	if len(x.Periods) > 0 && x.Periods[len(x.Periods)-1].Status == "incomplete" {
		rev.Note = "* not over at as_of"
	}
	return []report.Chart{rev, arpu}
}

// revenueUsers are the customers with a purchase row in the range: their
// revenue, refunds and orders add up to the total's.
func revenueUsers(r *Run, s *RevenueSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "revenue", Kind: report.Money}, report.Column{Key: "gross_revenue", Kind: report.Money},
		report.Column{Key: "refunds", Kind: report.Money}, report.Column{Key: "orders", Kind: report.Int},
		report.Column{Key: "first_order_time", Kind: report.Time}, report.Column{Key: "last_order_time", Kind: report.Time})}
	p := revenueParamsOf(r, s)
	p.clv.method = "none"
	p.each = func(o revenueUser) {
		var first, last any
		if o.orders > 0 {
			first, last = nsTime(o.first), nsTime(o.last)
		}
		t.Rows = append(t.Rows, userRow(r, o.user, nil, o.revenue, o.gross, o.refnd, o.orders, first, last))
	}
	revenueOf(r.Log, users, p)
	return t
}
