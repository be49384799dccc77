package metrics

import (
	"fmt"
	"slices"
	"sort"

	"github.com/uptake-dev/uptake/report"
)

// Trial-to-paid conversion (docs/metrics.md#trial): of the trials started in
// the reporting range, the share whose first paid event falls within W of
// the trial's start (end included). Trials whose window is not complete at
// as_of are censored: left out even when they already converted.

// TrialSettings are the trial command's flags and config keys.
type TrialSettings struct {
	TrialEvent string `flag:"trial-event" usage:"Event that starts a trial" json:"trial_event"`
	PaidEvent  string `flag:"paid-event" usage:"Event of the first payment (conversion)" json:"paid_event"`
	PerTrial   bool   `flag:"per-trial" usage:"Count every trial a user starts, not only their first" json:"per_trial"`
	TrialType  string `flag:"trial-type" enum:",opt-in,opt-out" usage:"A label for the output: opt-in (no card up front) or opt-out (card up front) trials; never mix the two in one rate" json:"trial_type"`
	Period     string `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz of the trial-start cohorts" json:"period"`
	WeekSettings
	WindowSettings
}

// TrialResult is the trial-to-paid rate, per trial-start period too.
type TrialResult struct {
	Rate Proportion `json:"rate"`
	// Trials started in the range: counted (Rate's denominator) and censored.
	Trials              int64         `json:"trials"`
	Excluded            Excluded      `json:"excluded"`
	MedianSecondsToPaid *float64      `json:"median_seconds_to_paid"`
	PaidBeforeTrial     int64         `json:"paid_before_trial"`
	Periods             []TrialPeriod `json:"periods"`
	Warnings            []Warning     `json:"-"`
}

// TrialPeriod is one trial-start cohort's conversion.
type TrialPeriod struct {
	Period   string     `json:"period"`
	Trials   int64      `json:"trials"`
	Rate     Proportion `json:"rate"`
	Censored int64      `json:"censored"`
	Status   string     `json:"status"`
}

// TrialParams configure Trial.
type TrialParams struct {
	TrialEvent, PaidEvent string
	PerTrial              bool
	Window                Window
	Range                 Range
	Level                 float64
	Cohorts               Calendar
	each                  func(trialOutcome)
}

// trialOutcome is one trial (or a user without one) as Trial counts it.
type trialOutcome struct {
	user   int32
	status string // converted, not_converted, censored, out_of_range, no_trial
	start  int64
	paid   int64 // the first paid event at or after start, if paidAt
	paidAt bool
	cohort *cohortRows
}

// Trial computes trial-to-paid conversion over users' trials.
func Trial(l *Log, users []int32, p TrialParams) TrialResult {
	trialID, paidID := l.NameID(p.TrialEvent), l.NameID(p.PaidEvent)
	res := TrialResult{Periods: []TrialPeriod{}, Warnings: []Warning{}}
	cohorts := newCohortRows(&p.Cohorts)
	var x, n int64
	var toPaid []float64
	for _, u := range users {
		ts, ns := l.Events(u)
		had := false
		for i, t := range ts {
			if ns[i] != trialID {
				continue
			}
			first := !had
			had = true
			if !first && !p.PerTrial {
				break
			}
			o := trialOutcome{user: u, start: t, cohort: cohorts}
			// the first paid event at or after the start (one at the same
			// instant may sort before it)
			lo := sort.Search(len(ts), func(j int) bool { return ts[j] >= t })
			if _, j := firstOf(ts, ns, paidID, t, lo); j >= 0 {
				o.paid, o.paidAt = ts[j], true
			}
			if !p.Range.Contains(t) {
				o.status = "out_of_range"
				p.seen(o)
				continue
			}
			res.Trials++
			if slices.Contains(ns[:lo], paidID) {
				res.PaidBeforeTrial++
			}
			c := cohorts.row(t)
			end := p.Window.End(t)
			if !p.Range.Complete(end) {
				res.Excluded.Censored++
				c.censor++
				o.status = "censored"
				p.seen(o)
				continue
			}
			n++
			c.n++
			o.status = "not_converted"
			if o.paidAt && o.paid <= end {
				x++
				c.x++
				toPaid = append(toPaid, float64(o.paid-t)/1e9)
				o.status = "converted"
			}
			p.seen(o)
		}
		if !had {
			p.seen(trialOutcome{user: u, status: "no_trial"})
		}
	}
	res.Rate = NewProportion(x, n, p.Level)
	if len(toPaid) > 0 {
		slices.Sort(toPaid)
		res.MedianSecondsToPaid = Ptr(Median(toPaid))
	}
	for _, c := range cohorts.list(p.Level) {
		res.Periods = append(res.Periods, TrialPeriod{Period: c.Cohort, Trials: c.Entered + c.Censored, Rate: c.Conversion,
			Censored: c.Censored, Status: c.Status})
	}
	res.Warnings = append(res.Warnings, proportionWarnings("trial-to-paid rate", res.Rate)...)
	if res.Excluded.Censored > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "censored", Message: fmt.Sprintf(
			"%d trials started less than %s before as_of and are left out (their window is not complete), converted or not",
			res.Excluded.Censored, FormatDuration(p.Window.Length))})
	}
	if res.PaidBeforeTrial > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "paid_before_trial", Message: fmt.Sprintf(
			"%d trials were started by users who had already paid (%s before the trial); only payments from the trial's start on count",
			res.PaidBeforeTrial, p.PaidEvent)})
	}
	return res
}

func (p TrialParams) seen(o trialOutcome) {
	if p.each != nil {
		p.each(o)
	}
}

// TrialMetric is the trial command (docs/metrics.md#trial).
var TrialMetric = &Def[TrialSettings, TrialResult]{
	Info: Info{
		Name:  "trial",
		Use:   "[FILE...] [--trial-event E] [--paid-event E] [--within 30d]",
		Short: "Trial-to-paid conversion, censored at as_of",
		Long: `Trial-to-paid conversion: of the trials started in the reporting range, the
share whose first --paid-event (at or after the trial's start) falls within
--within of the start, with a Wilson confidence interval
(docs/metrics.md#trial). The window includes its end: within 30d means
[start, start + 720 h]; set it to the trial's length plus a grace period.

Each user's first trial counts; --per-trial counts every trial. Trials whose
window is not complete at --as-of are censored: left out of the rate even if
they already converted, and counted in excluded.censored. The median time to
paid is over the converted trials.

--trial-type opt-in|opt-out is only a label: the two kinds convert at very
different rates, so never mix them in one rate (split them with --where or
--by instead).`,
		Example: `  uptake trial --demo
  uptake trial --demo --within 14d --period week --by plan
  uptake trial events.csv --trial-event trial_start --paid-event invoice_paid --trial-type opt-in
  uptake trial --demo --format json | jq '.result.rate.value'`,
		FlagUsage: map[string]string{"within": "Conversion window after the trial starts (14d, 30d; the end is included)"},
	},
	Defaults: func() TrialSettings {
		return TrialSettings{TrialEvent: "trial_started", PaidEvent: "subscription_started", Period: "month",
			WeekSettings: NewWeeks(), WindowSettings: NewWindow(Days(30))}
	},
	Check: func(s *TrialSettings) error {
		if s.TrialEvent == "" || s.PaidEvent == "" {
			return fmt.Errorf("--trial-event and --paid-event need an event name")
		}
		return s.WindowSettings.Check()
	},
	Needs: func(s *TrialSettings) Needs {
		return Needs{Events: []string{s.TrialEvent, s.PaidEvent}, Refs: []Ref{
			{Flag: "--trial-event", Names: []string{s.TrialEvent}}, {Flag: "--paid-event", Names: []string{s.PaidEvent}}}}
	},
	Compute: func(r *Run, s *TrialSettings, users []int32) TrialResult {
		return Trial(r.Log, users, trialParams(r, s))
	},
	Users:    trialUsers,
	Outcome:  trialOutcomes,
	Warnings: func(t TrialResult) []Warning { return t.Warnings },
	Params: func(_ *Run, s *TrialSettings) any {
		tt := s.TrialType
		if tt == "" {
			tt = "unspecified"
		}
		return struct {
			*TrialSettings
			TrialType  string `json:"trial_type"`
			Incomplete string `json:"incomplete"`
			Counting   string `json:"counting"`
		}{s, tt, "exclude", map[bool]string{false: "first_trial_per_user", true: "per_trial"}[s.PerTrial]}
	},
	View: trialView,
	Rows: trialRows,
	Headline: func(_ *Run, s *TrialSettings, all Segmented[TrialResult]) string {
		return fmt.Sprintf("Trial to paid (%s within %s of %s): %s", s.PaidEvent, s.Within.Text, s.TrialEvent, PropText(all.Overall.Rate))
	},
}

func trialParams(r *Run, s *TrialSettings) TrialParams {
	return TrialParams{TrialEvent: s.TrialEvent, PaidEvent: s.PaidEvent, PerTrial: s.PerTrial, Window: s.Window(r.Loc),
		Range: r.Range, Level: r.Level, Cohorts: s.Calendar(s.Period, r.Loc)}
}

// trialUsers are Trial's outcomes: a row per trial counted or left out
// (each user's first, or every one with --per-trial), and one per user
// without a trial.
func trialUsers(r *Run, s *TrialSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(true, report.Column{Key: "trial_start", Kind: report.Time},
		report.Column{Key: "paid_at", Kind: report.Time}, report.Column{Key: "seconds_to_paid", Kind: report.Float},
		report.Column{Key: "status"})}
	t.Columns[1].Key = "period"
	p := trialParams(r, s)
	p.each = func(o trialOutcome) {
		var start, paid, secs any
		if o.status != "no_trial" {
			start = nsTime(o.start)
		}
		if o.paidAt {
			paid, secs = nsTime(o.paid), float64(o.paid-o.start)/1e9
		}
		t.Rows = append(t.Rows, userRow(r, o.user, o.cohort.label(o.start, o.status != "no_trial"), start, paid, secs, o.status))
	}
	Trial(r.Log, users, p)
	return t
}

var trialCols = append(append([]report.Column{{Key: "period"}, {Key: "trials", Kind: report.Int},
	{Key: "eligible", Kind: report.Int}, {Key: "converted", Kind: report.Int}}, CICols("rate")...),
	report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "median_seconds_to_paid", Header: "median to paid", Kind: report.Duration},
	report.Column{Key: "status"})

func trialPeriodRow(p TrialPeriod) []any {
	return append(append([]any{p.Period, p.Trials, p.Rate.Denominator, p.Rate.Numerator}, CIVals(p.Rate)...), p.Censored, nil, p.Status)
}

// trialRows are the whole range's row ("(all)") and one per period.
func trialRows(_ *Run, _ *TrialSettings, x TrialResult) report.Table {
	t := report.Table{Columns: trialCols, Rows: [][]any{append(append([]any{"(all)", x.Trials, x.Rate.Denominator, x.Rate.Numerator},
		CIVals(x.Rate)...), x.Excluded.Censored, x.MedianSecondsToPaid, nil)}}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, trialPeriodRow(p))
	}
	return t
}

func trialView(r *Run, s *TrialSettings, all Segmented[TrialResult]) report.Doc {
	res := all.Overall
	kind := ""
	if s.TrialType != "" {
		kind = " (" + s.TrialType + " trials)"
	}
	doc := report.Doc{Title: fmt.Sprintf("Trial to paid%s: %s within %s of %s", kind, s.PaidEvent, s.Within.Text, s.TrialEvent)}
	doc.Add("conversion", PropText(res.Rate))
	counting := "each user's first trial"
	if s.PerTrial {
		counting = "every trial"
	}
	doc.Add("trials", fmt.Sprintf("%s started in range (%s); %s censored (window not complete at as_of)",
		report.Thousands(res.Trials), counting, report.Thousands(res.Excluded.Censored)))
	med := "–"
	if res.MedianSecondsToPaid != nil {
		med = report.HumanDuration(*res.MedianSecondsToPaid)
	}
	doc.Add("median to paid", med+" (converted trials)")
	doc.Add("window", fmt.Sprintf("%s, %s, end included", s.Within.Text, s.Window(r.Loc).Mode()))
	per := report.Table{Title: "By trial-start " + s.Period, Columns: slices.Delete(slices.Clone(trialCols), 8, 9)}
	for _, p := range res.Periods {
		row := trialPeriodRow(p)
		per.Rows = append(per.Rows, slices.Delete(row, 8, 9))
	}
	doc.Tables = append(doc.Tables, series(per, "rate"))
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}}, trialCols[1:len(trialCols)-1]...)}
		for _, sr := range all.Segments {
			x := sr.Result
			seg.Rows = append(seg.Rows, append(append([]any{sr.Name, x.Trials, x.Rate.Denominator, x.Rate.Numerator}, CIVals(x.Rate)...),
				x.Excluded.Censored, x.MedianSecondsToPaid))
		}
		doc.Tables = append(doc.Tables, seg)
	}
	doc.Charts = append(doc.Charts, segmentIntervals("Trial-to-paid rate", all, func(t TrialResult) Proportion { return t.Rate }))
	if len(res.Periods) > 0 {
		doc.Charts = append(doc.Charts, intervalsOf("Trial-to-paid rate by trial-start "+s.Period, res.Periods,
			func(p TrialPeriod) (string, Proportion) { return p.Period, p.Rate }))
	}
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; intervals are %s Wilson; trials whose window is not complete are left out", r.AsOf, report.Pct(r.Level)))
	return doc
}
