package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// ---------------------------------------------------------------------------
// Formula CLVs (docs/metrics.md#clv-formulas): ARPU × lifetime, ARPU × margin
// / churn (optionally discounted), and the empirical cohort CLV.

// clvParams configure the CLV of revenue.
type clvParams struct {
	method   string  // none, formula, churn, cohort
	lifetime float64 // formula: periods
	gm       float64 // gross margin
	discount float64 // churn: per period
	maxLife  float64 // churn: cap on the lifetime in periods (0: none)
	horizon  int     // cohort: periods
	ci       bool    // churn: the interval from the churn rate's
	level    float64
}

// CLVInterval is a CLV's interval; an end is null when it is unbounded
// (a churn rate whose interval reaches 0).
type CLVInterval struct {
	Low    *float64 `json:"low"`
	High   *float64 `json:"high"`
	Level  float64  `json:"level"`
	Method string   `json:"method"`
}

// CLVCohort is one first-order cohort of the cohort CLV.
type CLVCohort struct {
	Cohort    string   `json:"cohort"`
	Customers int64    `json:"customers"`
	Revenue   float64  `json:"revenue"`
	Value     *float64 `json:"value"`
	Status    string   `json:"status"`
}

// FormulaCLV is revenue's customer lifetime value: Value = ARPU × GrossMargin ×
// LifetimePeriods for the formula and churn methods, the mean cumulative
// revenue per customer (× GrossMargin) for the cohort method.
type FormulaCLV struct {
	Method          string       `json:"method"`
	Value           *float64     `json:"value"`
	LifetimePeriods *float64     `json:"lifetime_periods"`
	CI              *CLVInterval `json:"ci"`
	ARPU            *float64     `json:"arpu,omitempty"`
	GrossMargin     *float64     `json:"gross_margin,omitempty"`
	// churn
	ChurnRate          *Proportion `json:"churn_rate,omitempty"`
	ChurnBasis         string      `json:"churn_basis,omitempty"`
	ChurnPeriods       *int        `json:"churn_periods,omitempty"`
	DiscountRate       *float64    `json:"discount_rate,omitempty"`
	MaxLifetimePeriods *float64    `json:"max_lifetime_periods,omitempty"`
	Capped             *bool       `json:"capped,omitempty"`
	// cohort
	HorizonPeriods *int        `json:"horizon_periods,omitempty"`
	Customers      *int64      `json:"customers,omitempty"`
	Cohorts        []CLVCohort `json:"cohorts,omitempty"`
	warnings       []Warning
}

// clvAcc gathers what the CLV needs while revenueOf reads customers.
type clvAcc struct {
	p   clvParams
	cal Calendar
	rng Range
	act *Activity // churn, paying basis: each customer's orders as activity
	// cohort: per first-order period, members and their revenue; the
	// members of complete cohorts one by one
	cohorts map[int]*CLVCohort
	values  []float64
}

func newCLVAcc(p clvParams, cal Calendar, rng Range) *clvAcc {
	c := &clvAcc{p: p, cal: cal, rng: rng, cohorts: map[int]*CLVCohort{}}
	return c
}

// add reads one customer's orders and rows.
func (c *clvAcc) add(u int32, scan *orderScan, pi *periodIndex) {
	switch c.p.method {
	case "churn":
		if c.act == nil {
			c.act = NewActivity(ActivityConfig{Loc: c.cal.loc()})
			c.act.NewName(0, "order", false)
		}
		for _, o := range scan.orders {
			c.act.Event(u, 0, o.Time)
		}
	case "cohort":
		if len(scan.orders) == 0 || !c.rng.Contains(scan.orders[0].Time) {
			return
		}
		k0 := pi.of(scan.orders[0].Time)
		var sum float64
		for _, ln := range scan.lines {
			if k := pi.of(ln.Time); k >= k0 && k < k0+c.p.horizon {
				sum += ln.Amount
			}
		}
		co := c.cohorts[k0]
		if co == nil {
			co = &CLVCohort{Cohort: c.cal.Label(c.cal.PeriodStart(k0)), Status: "incomplete"}
			if c.rng.Complete(unixNS(c.cal.PeriodStart(k0 + c.p.horizon))) {
				co.Status = "complete"
			}
			c.cohorts[k0] = co
		}
		co.Customers++
		co.Revenue += sum
		if co.Status == "complete" {
			c.values = append(c.values, sum*c.p.gm)
		}
	}
}

// result is the CLV, from the ARPU per period of the same read.
func (c *clvAcc) result(users []int32, arpu *float64, rp revenueParams) FormulaCLV {
	p := c.p
	out := FormulaCLV{Method: p.method}
	if p.method == "none" {
		return out
	}
	out.GrossMargin = Ptr(p.gm)
	switch p.method {
	case "formula":
		out.ARPU, out.LifetimePeriods = arpu, Ptr(p.lifetime)
		if arpu != nil {
			out.Value = Ptr(*arpu * p.gm * p.lifetime)
		}
	case "churn":
		c.churnCLV(&out, users, arpu, rp)
	case "cohort":
		c.cohortCLV(&out)
	}
	return out
}

// churnCLV is ARPU·GM·(1+d)/(d+c), c the customer churn per period over
// the complete periods (pooled), d the discount rate; the lifetime
// (1+d)/(d+c) is capped at the max lifetime when one is given. Zero churn
// has no lifetime without a cap.
func (c *clvAcc) churnCLV(out *FormulaCLV, users []int32, arpu *float64, rp revenueParams) {
	p := c.p
	out.ARPU, out.DiscountRate = arpu, Ptr(p.discount)
	a, basis := c.act, "paying"
	if rp.active != nil {
		a, basis = rp.active, "active"
	}
	out.ChurnBasis = basis
	if p.maxLife > 0 {
		out.MaxLifetimePeriods = Ptr(p.maxLife)
		out.Capped = new(bool)
	}
	var start, churned int64
	n := 0
	if a != nil {
		for _, cp := range churn(a, users, c.cal, c.rng, p.level, nil).Periods {
			start += cp.StartUsers
			churned += cp.Churned
			n++
		}
	}
	rate := NewProportion(churned, start, p.level)
	out.ChurnRate, out.ChurnPeriods = &rate, &n
	if start == 0 {
		out.warnings = append(out.warnings, Warning{Code: "no_churn_data", Message: fmt.Sprintf("no complete %s after one with %s customers in the range, so no churn rate and no churn CLV", c.cal.Period, basis)})
		return
	}
	// lifetime is the discounted lifetime at churn rate ch, capped
	lifetime := func(ch float64) (float64, bool) {
		m := math.Inf(1)
		if ch+p.discount > 0 {
			m = (1 + p.discount) / (p.discount + ch)
		}
		if p.maxLife > 0 && m > p.maxLife {
			return p.maxLife, true
		}
		return m, false
	}
	cr := *rate.Value
	m, capped := lifetime(cr)
	if out.Capped != nil {
		*out.Capped = capped
	}
	if cr == 0 {
		if p.maxLife > 0 {
			out.warnings = append(out.warnings, Warning{Code: "zero_churn", Message: fmt.Sprintf("no %s customer churned in %s, so the lifetime is the cap, --max-lifetime %g", basis, Plural(n, string(c.cal.Period)), p.maxLife)})
		} else {
			out.warnings = append(out.warnings, Warning{Code: "zero_churn", Message: fmt.Sprintf("no %s customer churned in %s, so the lifetime has no end and the churn CLV is null (--max-lifetime caps it)", basis, Plural(n, string(c.cal.Period)))})
			m = math.Inf(1)
		}
	}
	out.LifetimePeriods = Ptr(m)
	if arpu == nil {
		return
	}
	value := func(m float64) *float64 { return Ptr(*arpu * p.gm * m) }
	out.Value = value(m)
	if p.ci {
		lo, _ := lifetime(rate.CI.High)
		hi, _ := lifetime(rate.CI.Low)
		if rate.CI.Low == 0 && p.maxLife == 0 {
			hi = math.Inf(1)
		}
		out.CI = &CLVInterval{Low: value(lo), High: value(hi), Level: p.level, Method: "churn_wilson_bounds"}
	}
}

// cohortCLV is the mean revenue per customer over the first horizon
// periods of their first-order cohort, over the cohorts whose horizon is
// complete, with a t-interval.
func (c *clvAcc) cohortCLV(out *FormulaCLV) {
	p := c.p
	out.HorizonPeriods, out.LifetimePeriods = &p.horizon, Ptr(float64(p.horizon))
	out.Cohorts = []CLVCohort{}
	for _, k := range slices.Sorted(maps.Keys(c.cohorts)) {
		co := *c.cohorts[k]
		co.Value = perUnit(co.Revenue*p.gm, co.Customers)
		out.Cohorts = append(out.Cohorts, co)
	}
	m := NewMean(c.values, p.level, math.Inf(-1), math.Inf(1))
	out.Customers = &m.N
	out.Value = m.Mean
	if m.CI != nil {
		out.CI = &CLVInterval{Low: Ptr(m.CI.Low), High: Ptr(m.CI.High), Level: p.level, Method: "t"}
	}
	switch {
	case m.N == 0:
		out.warnings = append(out.warnings, Warning{Code: "no_complete_cohort", Message: fmt.Sprintf("no first-order cohort in the range has had its %s yet, so no cohort CLV", Plural(p.horizon, string(c.cal.Period)))})
	case m.N < 30:
		out.warnings = append(out.warnings, Warning{Code: "small_sample", Message: fmt.Sprintf("cohort CLV: %d customers in complete cohorts is below 30; read the interval, not the point", m.N)})
	}
}
