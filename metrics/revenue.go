package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// ---------------------------------------------------------------------------
// Revenue, ARPU, AOV and purchase frequency (docs/metrics.md#revenue); the
// CLVs are in revenue_clv.go.

// RevenuePeriod is one calendar period's money.
type RevenuePeriod struct {
	Period            string   `json:"period"`
	Revenue           float64  `json:"revenue"`
	GrossRevenue      float64  `json:"gross_revenue"`
	Refunds           float64  `json:"refunds"`
	Customers         int64    `json:"customers"`
	PayingCustomers   int64    `json:"paying_customers"`
	ActiveUsers       *int64   `json:"active_users,omitempty"`
	Orders            int64    `json:"orders"`
	ARPU              *float64 `json:"arpu"`
	AOV               *float64 `json:"aov"`
	PurchaseFrequency *float64 `json:"purchase_frequency"`
	Status            string   `json:"status"`
}

// RevenueTotal is the range's money. Revenue, orders and the customer
// counts are over every listed period; ARPU is per period, pooled over the
// complete ones (Σ revenue / Σ ARPU base).
type RevenueTotal struct {
	Revenue           float64  `json:"revenue"`
	GrossRevenue      float64  `json:"gross_revenue"`
	Refunds           float64  `json:"refunds"`
	Customers         int64    `json:"customers"`
	PayingCustomers   int64    `json:"paying_customers"`
	ActiveUsers       *int64   `json:"active_users,omitempty"`
	Orders            int64    `json:"orders"`
	ARPU              *float64 `json:"arpu"`
	ARPUPeriods       int      `json:"arpu_periods"`
	AOV               *float64 `json:"aov"`
	PurchaseFrequency *float64 `json:"purchase_frequency"`
}

// RevenueResult is revenue per period and in total, with a CLV.
type RevenueResult struct {
	Period    string          `json:"period"`
	ARPUBasis string          `json:"arpu_basis"`
	Total     RevenueTotal    `json:"total"`
	Periods   []RevenuePeriod `json:"periods"`
	CLV       FormulaCLV      `json:"clv"`
	Warnings  []Warning       `json:"-"`
}

// revenueParams configure revenueOf.
type revenueParams struct {
	src    *orderSource
	cal    Calendar
	rng    Range
	level  float64
	active *Activity // --arpu-basis active: the users' activity
	clv    clvParams
	// each, when set, sees every customer with a row in a listed period.
	each func(revenueUser)
}

// revenueUser is one customer's money over the listed periods.
type revenueUser struct {
	user                  int32
	revenue, gross, refnd float64
	orders                int64
	first, last           int64 // their first and last order's times, if orders > 0
}

// revenueAcc is one period's sums.
type revenueAcc struct {
	gross, refunds, orderValue float64
	customers, paying, orders  int64
	active                     int64
}

// revenueOf computes the money of users: cash basis (every amount is
// booked in the period of its row, refunds negative), orders in the
// period of their first line.
func revenueOf(l *Log, users []int32, p revenueParams) RevenueResult {
	res := RevenueResult{Period: string(p.cal.Period), ARPUBasis: "paying", Periods: []RevenuePeriod{}, Warnings: []Warning{}}
	if p.active != nil {
		res.ARPUBasis = "active"
	}
	scan := newOrderScan(l, p.src)
	pi := newPeriodIndex(p.cal)
	tally := newPeriodTally[revenueAcc](p.cal, p.rng)
	accs, get, listed := tally.accs, tally.get, tally.listed
	clv := newCLVAcc(p.clv, p.cal, p.rng)
	var tot RevenueTotal
	var ks []int
	for _, u := range users {
		scan.scan(u)
		if len(scan.lines) == 0 && len(scan.orders) == 0 {
			continue
		}
		o := revenueUser{user: u}
		ks = ks[:0] // the listed periods the customer has a row in
		for _, ln := range scan.lines {
			k := pi.of(ln.Time)
			if !listed(k) {
				continue
			}
			a := get(k)
			ks = append(ks, k)
			if ln.Amount < 0 {
				a.refunds -= ln.Amount
				o.refnd -= ln.Amount
			} else {
				a.gross += ln.Amount
				o.gross += ln.Amount
			}
		}
		prev := math.MinInt
		for _, or := range scan.orders {
			k := pi.of(or.Time)
			if !listed(k) {
				continue
			}
			a := get(k)
			ks = append(ks, k)
			if k != prev {
				a.paying++
				prev = k
			}
			a.orders++
			a.orderValue += or.Value
			if o.orders == 0 {
				o.first = or.Time
			}
			o.last = or.Time
			o.orders++
		}
		clv.add(u, scan, pi)
		if len(ks) == 0 {
			continue
		}
		slices.Sort(ks)
		for _, k := range slices.Compact(ks) {
			get(k).customers++
		}
		tot.Customers++
		if o.orders > 0 {
			tot.PayingCustomers++
		}
		o.revenue = o.gross - o.refnd
		if p.each != nil {
			p.each(o)
		}
	}
	if p.active != nil {
		var n int64
		for _, ps := range periodSets(p.active, users, p.cal) {
			seen := false
			for _, k := range ps {
				if listed(k) {
					get(k).active++
					seen = true
				}
			}
			if seen {
				n++
			}
		}
		tot.ActiveUsers = &n
	}
	var orderValue, arpuRev float64
	var arpuBase int64
	if len(accs) > 0 {
		ks := slices.Sorted(maps.Keys(accs))
		incomplete := ""
		for k := ks[0]; k <= ks[len(ks)-1]; k++ {
			if !listed(k) {
				continue
			}
			a := get(k)
			rp := RevenuePeriod{Period: p.cal.Label(p.cal.PeriodStart(k)), Revenue: a.gross - a.refunds, GrossRevenue: a.gross, Refunds: a.refunds,
				Customers: a.customers, PayingCustomers: a.paying, Orders: a.orders,
				AOV: perUnit(a.orderValue, a.orders), PurchaseFrequency: perUnit(float64(a.orders), a.paying), Status: "complete"}
			base := a.paying
			if p.active != nil {
				rp.ActiveUsers = Ptr64(a.active)
				base = a.active
			}
			rp.ARPU = perUnit(rp.Revenue, base)
			if !p.rng.Complete(unixNS(p.cal.PeriodStart(k + 1))) {
				rp.Status = "incomplete"
				incomplete = rp.Period
			} else {
				arpuRev += rp.Revenue
				arpuBase += base
				tot.ARPUPeriods++
			}
			tot.Revenue += rp.Revenue
			tot.GrossRevenue += a.gross
			tot.Refunds += a.refunds
			tot.Orders += a.orders
			orderValue += a.orderValue
			res.Periods = append(res.Periods, rp)
		}
		if incomplete != "" {
			res.Warnings = append(res.Warnings, Warning{Code: "incomplete_period", Message: fmt.Sprintf("%s is not over at as_of: its figures are running ones, and ARPU and the CLVs use complete periods only", incomplete)})
		}
	}
	tot.ARPU = perUnit(arpuRev, arpuBase)
	tot.AOV = perUnit(orderValue, tot.Orders)
	tot.PurchaseFrequency = perUnit(float64(tot.Orders), tot.PayingCustomers)
	res.Total = tot
	if tot.Orders == 0 && tot.Customers == 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "no_orders", Message: "no purchase rows in the range"})
	} else if tot.ARPU == nil {
		res.Warnings = append(res.Warnings, Warning{Code: "no_complete_period", Message: fmt.Sprintf("no complete %s with %s customers in the range, so no ARPU", p.cal.Period, res.ARPUBasis)})
	}
	res.Warnings = append(res.Warnings, scan.warnings()...)
	res.CLV = clv.result(users, tot.ARPU, p)
	res.Warnings = append(res.Warnings, res.CLV.warnings...)
	return res
}

// perUnit is x/n, or nil when n is 0.
func perUnit(x float64, n int64) *float64 {
	if n == 0 {
		return nil
	}
	return Ptr(x / float64(n))
}

// Ptr64 returns a pointer to n.
func Ptr64(n int64) *int64 { return &n }
