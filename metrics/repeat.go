package metrics

import (
	"fmt"
	"maps"
	"slices"
)

// ---------------------------------------------------------------------------
// Repeat purchase rate (docs/metrics.md#repeat)

// repeatParams configure repeatRate.
type repeatParams struct {
	src    *orderSource
	cal    Calendar
	cohort bool   // first-order cohorts with a window, not calendar periods
	window Window // cohort mode: another order within it of the first
	rng    Range
	level  float64
	// each, when set, sees every customer (a user with an order) as the
	// rate counts them.
	each func(repeatUser)
}

// repeatUser is one customer's outcome.
type repeatUser struct {
	user   int32
	orders int64 // counted: in the range (period mode), in the window (cohort mode)
	first  int64 // first order counted (period mode) or first-ever order (cohort mode)
	second int64 // the next order, if hasSecond
	has2   bool
	repeat bool
	cohort string // cohort mode
	status string // counted; cohort mode: eligible, censored, out_of_range; period mode: out_of_range
}

// RepeatPeriod is one calendar period (period mode) or one first-order
// cohort (cohort mode).
type RepeatPeriod struct {
	Period          string     `json:"period"`
	Customers       int64      `json:"customers"`
	RepeatCustomers int64      `json:"repeat_customers"`
	Orders          int64      `json:"orders"`
	Rate            Proportion `json:"rate"`
	Censored        int64      `json:"censored"`
	Status          string     `json:"status"`
}

// RepeatResult is the repeat purchase rate over the range and per period.
type RepeatResult struct {
	Mode            string         `json:"mode"`
	Rate            Proportion     `json:"rate"`
	Customers       int64          `json:"customers"`
	RepeatCustomers int64          `json:"repeat_customers"`
	Orders          int64          `json:"orders"`
	Excluded        Excluded       `json:"excluded"`
	Periods         []RepeatPeriod `json:"periods"`
	Warnings        []Warning      `json:"-"`
}

// repeatAcc counts one period's or cohort's customers.
type repeatAcc struct{ n, x, orders, censored int64 }

// repeatRate computes the repeat purchase rate of users. Period mode:
// customers with ≥2 distinct orders in P over customers with ≥1, per
// period whose start is in the range and over all of them together.
// Cohort mode: customers whose first-ever order is in the range, the share
// with another order within the window of it; customers whose window is
// not over by as_of are censored (left out of both counts).
func repeatRate(l *Log, users []int32, p repeatParams) RepeatResult {
	res := RepeatResult{Mode: "period", Periods: []RepeatPeriod{}, Warnings: []Warning{}}
	if p.cohort {
		res.Mode = "cohort"
	}
	scan := newOrderScan(l, p.src)
	pi := newPeriodIndex(p.cal)
	tally := newPeriodTally[repeatAcc](p.cal, p.rng)
	accs, get, listed := tally.accs, tally.get, tally.listed
	var x int64
	for _, u := range users {
		scan.scan(u)
		os := scan.orders
		if len(os) == 0 {
			continue
		}
		o := repeatUser{user: u, status: "counted"}
		if p.cohort {
			first := os[0].Time
			k := pi.of(first)
			o.first, o.cohort = first, p.cal.Label(p.cal.PeriodStart(k))
			if !p.rng.Contains(first) {
				o.status = "out_of_range"
				p.seen(o)
				continue
			}
			end := p.window.End(first)
			a := get(k)
			if !p.rng.Complete(end) {
				a.censored++
				res.Excluded.Censored++
				o.status = "censored"
				if len(os) > 1 {
					o.second, o.has2 = os[1].Time, true
				}
				p.seen(o)
				continue
			}
			o.status = "eligible"
			for _, or := range os {
				if or.Time > end {
					break
				}
				o.orders++
			}
			if o.orders >= 2 {
				o.second, o.has2, o.repeat = os[1].Time, true, true
			}
			a.n++
			a.orders += o.orders
			res.Customers++
			res.Orders += o.orders
			if o.repeat {
				a.x++
				x++
			}
			p.seen(o)
			continue
		}
		// period mode: the user's orders come in time order, so each
		// period's are a run
		for i := 0; i < len(os); {
			k := pi.of(os[i].Time)
			j := i + 1
			for j < len(os) && pi.of(os[j].Time) == k {
				j++
			}
			if listed(k) {
				cnt := int64(j - i)
				a := get(k)
				a.n++
				a.orders += cnt
				if cnt >= 2 {
					a.x++
				}
				for _, or := range os[i:j] {
					if o.orders == 0 {
						o.first = or.Time
					} else if !o.has2 {
						o.second, o.has2 = or.Time, true
					}
					o.orders++
				}
			}
			i = j
		}
		if o.orders == 0 {
			o.status = "out_of_range"
			p.seen(o)
			continue
		}
		res.Customers++
		res.Orders += o.orders
		if o.orders >= 2 {
			o.repeat = true
			x++
		}
		p.seen(o)
	}
	res.RepeatCustomers = x
	res.Rate = NewProportion(x, res.Customers, p.level)
	if len(accs) > 0 {
		ks := slices.Sorted(maps.Keys(accs))
		incomplete := ""
		for k := ks[0]; k <= ks[len(ks)-1]; k++ {
			if !p.cohort && !listed(k) {
				continue
			}
			a := get(k)
			rp := RepeatPeriod{Period: p.cal.Label(p.cal.PeriodStart(k)), Customers: a.n, RepeatCustomers: a.x, Orders: a.orders,
				Rate: NewProportion(a.x, a.n, p.level), Censored: a.censored, Status: "complete"}
			switch {
			case p.cohort && a.censored > 0:
				rp.Status = "incomplete"
			case !p.cohort && !p.rng.Complete(unixNS(p.cal.PeriodStart(k+1))):
				rp.Status = "incomplete"
				incomplete = rp.Period
			}
			res.Periods = append(res.Periods, rp)
		}
		if incomplete != "" {
			res.Warnings = append(res.Warnings, Warning{Code: "incomplete_period", Message: fmt.Sprintf("%s is not over at as_of: its rate is a running number, and the range's rate counts its orders so far", incomplete)})
		}
	}
	res.Warnings = append(res.Warnings, proportionWarnings("repeat purchase rate", res.Rate)...)
	if res.Excluded.Censored > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "censored", Message: fmt.Sprintf("%d customers placed their first order less than %s before as_of and are left out (their window is not complete)",
			res.Excluded.Censored, FormatDuration(p.window.Length))})
	}
	res.Warnings = append(res.Warnings, scan.warnings()...)
	return res
}

func (p repeatParams) seen(o repeatUser) {
	if p.each != nil {
		p.each(o)
	}
}
