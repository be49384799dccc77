package metrics

import (
	"fmt"
	"math"
	"slices"
)

// The outcomes of the order metrics (docs/compare.md): repeat purchase, a
// rate of customers, and revenue per user, a mean over every user who
// entered (purchases or not).

// repeatOutcome: a customer repeated (1) or not (0), as the repeat
// command counts them: in cohort mode each first-time customer in range
// whose --within after the first order is over at as_of (the others are
// censored); in period mode each customer with an order in the range, who
// repeated with 2+ orders there (settled only when the range is).
func repeatOutcome(r *Run, s *RepeatSettings, _ OutcomeOptions, users []int32) (Outcome, error) {
	p, err := repeatParamsOf(r, s)
	if err != nil {
		return Outcome{}, &UsageError{err}
	}
	out := Outcome{Kind: OutcomeProportion, What: "repeat purchase: customers with 2+ orders in the range"}
	if p.cohort {
		out.What = fmt.Sprintf("repeat purchase: first-time customers who ordered again within %s of their first order", s.Within.Text)
	}
	p.each = func(o repeatUser) {
		switch o.status {
		case "eligible", "counted":
			done := r.Range.AsOf
			if p.cohort {
				done = p.window.End(o.first)
			}
			out.Units = append(out.Units, UnitOutcome{Unit: o.user, User: o.user, Value: boolValue(o.repeat), At: o.first, Done: done})
		case "censored":
			out.Censored = append(out.Censored, o.user)
		}
	}
	res := repeatRate(r.Log, users, p)
	out.Warnings = readWarnings(res.Warnings)
	return out, nil
}

// readWarnings are the warnings about the read among a metric's: the
// purchase rows, and a period not over.
func readWarnings(ws []Warning) []Warning {
	var out []Warning
	for _, w := range ws {
		if slices.Contains([]string{"missing_order_id", "orders_without_amount", "incomplete_period"}, w.Code) {
			out = append(out, w)
		}
	}
	return out
}

// RevenueOutcome are compare's settings for revenue per user: the window
// after each user's entry whose net revenue counts, and the entry.
type RevenueOutcome struct {
	WindowSettings
	EntryEvent string "flag:\"entry-event\" usage:\"The `event` whose first occurrence starts each user's revenue window (default: with --variant-prop, the user's exposure, their earliest row carrying their variant; otherwise their first event)\" json:\"entry_event\""
}

func (o *RevenueOutcome) checkOutcome() error { return o.WindowSettings.Check() }

func (o *RevenueOutcome) outcomeNeeds(n Needs) Needs {
	if o.EntryEvent != "" {
		n.Events = append(n.Events, o.EntryEvent)
		n.Refs = append(n.Refs, Ref{Flag: "--entry-event", Names: []string{o.EntryEvent}})
	}
	return n
}

// revenueCompareSkip are revenue's flags that do not touch revenue per
// user: its periods and CLVs.
var revenueCompareSkip = []string{"period", "week-start", "arpu-basis", "clv", "lifetime", "gross-margin", "discount-rate", "max-lifetime", "horizon", "clv-ci"}

// revenueOutcome: each user's net revenue (purchases less refunds, cash
// basis, as revenue counts it) in [entry, entry + --within], 0 for a user
// without a purchase there. Users entering in the range count; those
// whose window is not over at as_of are censored; users who never did
// --entry-event are not in the metric.
func revenueOutcome(r *Run, s *RevenueSettings, opt OutcomeOptions, users []int32) (Outcome, error) {
	o, _ := opt.Settings.(*RevenueOutcome)
	if o == nil {
		o = &RevenueOutcome{WindowSettings: NewWindow(Days(30))}
	}
	src, err := newOrderSource(r, &s.OrderSettings)
	if err != nil {
		return Outcome{}, &UsageError{err}
	}
	l := r.Log
	var exposure []int64 // nil when every value is the users table's
	entry := "first event"
	entryID := int32(-1)
	switch {
	case o.EntryEvent != "":
		entry, entryID = o.EntryEvent, l.NameID(o.EntryEvent)
	case opt.Exposure != "":
		entry = "exposure (earliest row carrying the user's " + opt.Exposure + ")"
		exposure = r.UserPropsAt[opt.Exposure]
	}
	out := Outcome{Kind: OutcomeMean, Unit: UnitAmount,
		What: fmt.Sprintf("revenue per user: net revenue (%s) within %s of %s, 0 without a purchase", amountText(r.Amount), o.Within.Text, entry)}
	win := o.Window(r.Loc)
	scan := newOrderScan(l, &src)
	var fallback int64
	for _, u := range users {
		var at int64
		switch {
		case o.EntryEvent != "":
			ts, ns := l.Events(u)
			t, j := firstOf(ts, ns, entryID, math.MinInt64, 0)
			if entryID < 0 || j < 0 {
				continue // never entered
			}
			at = t
		case exposure != nil && exposure[u] != math.MinInt64:
			at = exposure[u]
		default:
			if opt.Exposure != "" && r.UserProps[opt.Exposure][u] != "" {
				fallback++ // a variant with no row: from a users table
			}
			at = l.FirstSeen[u]
		}
		if !r.Range.Contains(at) {
			continue
		}
		end := win.End(at)
		if !r.Range.Complete(end) {
			out.Censored = append(out.Censored, u)
			continue
		}
		scan.scan(u)
		var sum float64
		for _, ln := range scan.lines {
			if ln.Time > end {
				break
			}
			if ln.Time >= at {
				sum += ln.Amount
			}
		}
		out.Units = append(out.Units, UnitOutcome{Unit: u, User: u, Value: sum, At: at, Done: end})
	}
	out.Warnings = readWarnings(scan.warnings())
	if fallback > 0 {
		out.Warnings = append(out.Warnings, Warning{Code: "exposure_unknown", Message: fmt.Sprintf("%d users' %s comes from the users table, with no time: their revenue window starts at their first event", fallback, opt.Exposure)})
	}
	return out, nil
}

func amountText(a string) string {
	if a == "" {
		return "--amount"
	}
	return a
}
