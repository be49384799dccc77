package metrics

import (
	"fmt"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// RepeatSettings are the repeat command's flags and config keys.
type RepeatSettings struct {
	OrderSettings
	Mode   string `flag:"mode" enum:"period,cohort" usage:"period: customers with 2+ orders among those with 1+; cohort: first-time customers who order again within --within" json:"mode"`
	Period string `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz (periods, or first-order cohorts)" json:"period"`
	WeekSettings
	WindowSettings
}

// RepeatMetric is the repeat purchase rate (docs/metrics.md#repeat).
var RepeatMetric = &Def[RepeatSettings, RepeatResult]{
	Info: Info{
		Name:  "repeat",
		Use:   "[FILE...] [--order-event E] [--order-col C]",
		Short: "Repeat purchase rate",
		Long: `Repeat purchase rate (docs/metrics.md#repeat): the share of customers who
placed at least two distinct orders.

Purchases are the rows of the --order-event events; by default, with --amount,
every row carrying an amount, and in a file of one event (--event-name
purchase) its rows. A negative amount is a refund: revenue, never an order. Lines make one
order when they share the --order-col value (an invoice number); without it,
when they share a timestamp, so date-only data counts one order per
customer-day.

--mode period (default): customers with 2+ orders over customers with 1+, in
each calendar --period whose start is in the range and over the whole range.
--mode cohort: customers whose first-ever order is in the range, the share who
ordered again within --within (default 90d, end included) of it; customers whose
window is not over at --as-of are censored (left out, counted in
excluded.censored). Rates carry Wilson intervals.`,
		Example: `  uptake repeat --demo --amount amount
  uptake repeat orders.csv --event-name purchase --order-col order_id --period week
  uptake repeat --demo --amount amount --mode cohort --within 60d --by plan
  uptake repeat --demo --amount amount --format json | jq '.result.rate.value'`,
		FlagUsage: map[string]string{
			"within":      "Cohort mode: another order within this of the first (90s, 30m, 48h, 7d, 2w; the end is included)",
			"week-start":  "First day of a week (monday: ISO weeks)",
			"window-mode": "Cohort mode: measure --within in elapsed time or in calendar days of --tz",
		},
	},
	Defaults: func() RepeatSettings {
		return RepeatSettings{Mode: "period", Period: "month", WeekSettings: NewWeeks(), WindowSettings: NewWindow(Days(90))}
	},
	Check: func(s *RepeatSettings) error { return s.WindowSettings.Check() },
	Needs: func(s *RepeatSettings) Needs {
		n := s.orderNeeds()
		n.AmountsIfGiven = true
		return n
	},
	Prepare: func(r *Run, s *RepeatSettings) error {
		if _, err := newOrderSource(r, &s.OrderSettings); err != nil {
			return &UsageError{err}
		}
		return nil
	},
	Compute: func(r *Run, s *RepeatSettings, users []int32) RepeatResult {
		p, err := repeatParamsOf(r, s)
		if err != nil {
			return RepeatResult{Periods: []RepeatPeriod{}}
		}
		return repeatRate(r.Log, users, p)
	},
	Users:    repeatUsers,
	Outcome:  repeatOutcome,
	Warnings: func(x RepeatResult) []Warning { return x.Warnings },
	Params: func(r *Run, s *RepeatSettings) any {
		src, _ := newOrderSource(r, &s.OrderSettings)
		p := struct {
			*RepeatSettings
			orderParams
			Incomplete string `json:"incomplete"`
		}{RepeatSettings: s, orderParams: src.params(r.Log), Incomplete: "exclude"}
		return p
	},
	View: repeatView,
	Rows: repeatRows,
	Headline: func(_ *Run, s *RepeatSettings, all Segmented[RepeatResult]) string {
		return fmt.Sprintf("%s: %s", repeatTitle(s), PropText(all.Overall.Rate))
	},
}

func repeatParamsOf(r *Run, s *RepeatSettings) (repeatParams, error) {
	src, err := newOrderSource(r, &s.OrderSettings)
	if err != nil {
		return repeatParams{}, err
	}
	return repeatParams{src: &src, cal: s.Calendar(s.Period, r.Loc), cohort: s.Mode == "cohort", window: s.Window(r.Loc),
		rng: r.Range, level: r.Level}, nil
}

func repeatTitle(s *RepeatSettings) string {
	if s.Mode == "cohort" {
		return fmt.Sprintf("Repeat purchase rate: first-time customers by %s who ordered again within %s", s.Period, s.Within.Text)
	}
	return fmt.Sprintf("Repeat purchase rate: customers with 2+ orders (by %s)", s.Period)
}

// orderKeyText says what one order is, and among which rows.
func orderKeyText(src *orderSource, l *Log) string {
	what := strings.Join(src.names, ", ")
	if src.byAmount {
		what = "the rows carrying an amount (" + strings.Join(src.amountNames(l, l.AllUsers()), ", ") + ")"
	}
	if src.col != "" {
		return fmt.Sprintf("a distinct %s per customer, among %s", src.col, what)
	}
	return "a distinct (customer, time) among " + what
}

func repeatView(r *Run, s *RepeatSettings, all Segmented[RepeatResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: repeatTitle(s)}
	doc.Add("repeat purchase rate", PropText(x.Rate))
	if s.Mode == "cohort" {
		doc.Add("customers", fmt.Sprintf("%s first ordered in the range with a complete window, %s of them again within %s; %s censored (window not over at as_of)",
			report.Thousands(x.Customers), report.Thousands(x.RepeatCustomers), s.Within.Text, report.Thousands(x.Excluded.Censored)))
	} else {
		doc.Add("customers", fmt.Sprintf("%s ordered in the range, %s of them 2+ times; %s orders",
			report.Thousands(x.Customers), report.Thousands(x.RepeatCustomers), report.Thousands(x.Orders)))
	}
	if src, err := newOrderSource(r, &s.OrderSettings); err == nil {
		doc.Add("an order is", orderKeyText(&src, r.Log))
	}
	title := "Periods (customers with 2+ orders in the period / with 1+)"
	if s.Mode == "cohort" {
		title = "First-order cohorts"
	}
	doc.Tables = all.Tables(title, func(title string, x RepeatResult) report.Table {
		t := series(repeatRows(r, s, x), "rate")
		t.Title = title
		t.Rows = t.Rows[:len(t.Rows)-1] // the range's row is the summary
		if s.Mode != "cohort" {
			t = dropColumn(t, "censored") // none in period mode
		}
		return t
	})
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}, {Key: "customers", Kind: report.Int},
			{Key: "repeat_customers", Header: "repeat", Kind: report.Int}}, CICols("rate")...)}
		for _, sr := range all.Segments {
			seg.Rows = append(seg.Rows, append([]any{sr.Name, sr.Result.Customers, sr.Result.RepeatCustomers}, CIVals(sr.Result.Rate)...))
		}
		doc.Tables = append(doc.Tables, seg)
	}
	doc.Charts = append(doc.Charts, intervalsOf(title, x.Periods, func(p RepeatPeriod) (string, Proportion) { return p.Period, p.Rate }))
	if len(all.Segments) > 0 {
		doc.Charts = append(doc.Charts, segmentIntervals("Repeat purchase rate", all, func(x RepeatResult) Proportion { return x.Rate }))
	}
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; intervals are %s Wilson", r.AsOf, report.Pct(r.Level)))
	return doc
}

// repeatRows are one row per period (or cohort), then the range's as
// "(all)".
func repeatRows(_ *Run, s *RepeatSettings, x RepeatResult) report.Table {
	t := report.Table{Columns: append(append([]report.Column{{Key: "period"}, {Key: "customers", Kind: report.Int},
		{Key: "repeat_customers", Header: "repeat", Kind: report.Int}, {Key: "orders", Kind: report.Int}}, CICols("rate")...),
		report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})}
	if s.Mode == "cohort" {
		t.Columns[0].Header = "cohort"
	}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, append(append([]any{p.Period, p.Customers, p.RepeatCustomers, p.Orders}, CIVals(p.Rate)...), p.Censored, p.Status))
	}
	t.Rows = append(t.Rows, append(append([]any{"(all)", x.Customers, x.RepeatCustomers, x.Orders}, CIVals(x.Rate)...), x.Excluded.Censored, nil))
	return t
}

// repeatUsers are the customers as the rate counts them: those with
// status counted (period mode) or eligible (cohort mode) make the
// denominator, and those with repeat true the numerator.
func repeatUsers(r *Run, s *RepeatSettings, users []int32) report.Table {
	cohort := s.Mode == "cohort"
	t := report.Table{Columns: userCols(cohort, report.Column{Key: "orders", Kind: report.Int}, report.Column{Key: "first_order_time", Kind: report.Time},
		report.Column{Key: "second_order_time", Kind: report.Time}, report.Column{Key: "repeat"}, report.Column{Key: "status"})}
	p, err := repeatParamsOf(r, s)
	if err != nil {
		return t
	}
	p.each = func(o repeatUser) {
		var first, second any
		if o.orders > 0 || cohort {
			first = nsTime(o.first)
		}
		if o.has2 {
			second = nsTime(o.second)
		}
		var cp *string
		if cohort {
			cp = &o.cohort
		}
		t.Rows = append(t.Rows, userRow(r, o.user, cp, o.orders, first, second, o.repeat, o.status))
	}
	repeatRate(r.Log, users, p)
	return t
}
