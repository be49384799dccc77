package metrics

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// DriversSettings are the drivers command's flags and config keys.
type DriversSettings struct {
	OutcomeEvent string   "flag:\"outcome-event\" usage:\"The outcome: this `event` within --within of signup\" json:\"outcome_event\""
	Outcome      string   `flag:"outcome" enum:"event,retained" usage:"The outcome: --outcome-event within --within (event), or active in period --offset after signup (retained)" json:"outcome"`
	Within       Duration `flag:"within" usage:"The outcome window after signup, with --outcome-event (90s, 30m, 48h, 7d, 2w; the end is included)" json:"within"`
	Offset       int      `flag:"offset" usage:"With --outcome retained: the period after signup in which the user must be active (1 = the second period)" json:"offset"`
	Period       string   `flag:"period" enum:"day,week,month" usage:"With --outcome retained: the period's length (24h, 7d or 30d, elapsed from signup)" json:"period"`
	Window       Duration `flag:"window" usage:"The behaviour window after signup (the end is included)" json:"window"`
	SignupEvent  string   `flag:"signup-event" usage:"Event that marks signup (default: each user's first event)" json:"signup_event"`
	Events       []string "flag:\"events\" list:\"comma\" usage:\"The behaviours' `events` (default: every event but internal ones, the outcome event and the signup event)\" json:\"events\""
	InWindow     string   `flag:"outcome-in-window" enum:"exclude,truncate" usage:"Users whose outcome event comes inside the behaviour window: left out, the outcome counting after the window (exclude), or kept with their behaviours before it (truncate)" json:"outcome_in_window"`
	AtLeast      IntList  `flag:"at-least" usage:"The counts k of \"did E at least k times\" tested for each event" json:"at_least"`
	MinUsers     int      `flag:"min-users" usage:"Test a behaviour only when at least N users have it and N do not" json:"min_users"`
	Test         string   `flag:"test" enum:"z,z-unpooled,fisher" usage:"The test: pooled z (Fisher's exact test when a cell is sparse), unpooled z, or Fisher's always" json:"test"`
	Alpha        float64  `flag:"alpha" usage:"Significance level of the Holm-adjusted p" json:"alpha"`
}

// periodLen is a retained outcome's period.
func (s *DriversSettings) periodLen() time.Duration {
	switch s.Period {
	case "day":
		return 24 * time.Hour
	case "month":
		return 30 * 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// DriversMetric finds the early behaviours that go with an outcome
// (docs/metrics.md#drivers).
var DriversMetric = &Def[DriversSettings, DriversResult]{
	Info: Info{
		Name:  "drivers",
		Use:   "[FILE...] --outcome-event E | --outcome retained",
		Short: "Which early behaviours go with a later outcome (\"aha\" discovery), ranked with intervals",
		Long: `Drivers (docs/metrics.md#drivers): for each behaviour "did E at least k times
within --window of signup" (k in --at-least, E every event but internal ones, or
--events), the outcome rate of the users who have it against the rate of those
who do not: the difference with Newcombe's interval, the test compare uses
(pooled z, Fisher's exact test when a cell is sparse), and Holm's adjustment over
every behaviour tested. Behaviours are ranked by the lower bound of the
difference, so the top ones are the surest to go with the outcome.

The outcome is --outcome-event within --within of signup, or (--outcome
retained) any activity in elapsed period --offset after signup (--period week:
days 28 to 34 for --offset 4). The signup is each user's --signup-event, or
their first event. Users count when their signup is in the reporting range and
both windows end by --as-of; the others are censored.

Behaviours are read before the outcome is measured, so that what the outcome
brings with it (invoices after a subscription) is never read as its cause. A
retained outcome's period must start after the behaviour window. Users whose
outcome event comes inside the behaviour window are left out, and the outcome
counts after the window (--outcome-in-window exclude, a landmark analysis);
--outcome-in-window truncate keeps them, counting their behaviours before the
outcome only, which favours the users without it (they had the whole window to
act). A behaviour is tested when at least --min-users users have it and as many
do not; a k whose users are the same as a smaller k's is not tested again.

This is association, not causation: users bound to convert may simply do more
of everything. Test a behaviour with an experiment before crediting it.`,
		Example: `  uptake drivers --demo --outcome-event subscription_started --within 30d
  uptake drivers --demo --outcome retained --offset 4 --period week --window 7d
  uptake drivers events.csv --signup-event signup --outcome-event upgraded --events report_created,teammate_invited --all
  uptake drivers --demo --outcome-event subscription_started --format json | jq '.result.drivers[0]'`,
	},
	Defaults: func() DriversSettings {
		return DriversSettings{Outcome: DriversOutcomeEvent, Within: Days(30), Offset: 4, Period: "week", Window: Days(7), InWindow: "exclude",
			AtLeast: IntList{1, 2, 3, 5}, MinUsers: 30, Test: PropTestZ, Alpha: 0.05}
	},
	Check: func(s *DriversSettings) error {
		switch {
		case s.Outcome == DriversOutcomeEvent && s.OutcomeEvent == "":
			return fmt.Errorf("name the outcome: --outcome-event E (within --within of signup) or --outcome retained")
		case s.Outcome == DriversOutcomeRetained && s.OutcomeEvent != "":
			return fmt.Errorf("--outcome retained measures activity, not an event: drop --outcome-event, or use --outcome event")
		case s.Outcome == DriversOutcomeRetained && s.Offset < 1:
			return fmt.Errorf("--offset must be at least 1 (period 0 is the signup's own), got %d", s.Offset)
		case s.Outcome == DriversOutcomeEvent && s.Window.D > s.Within.D:
			return fmt.Errorf("--window %s is longer than the outcome window --within %s: behaviours would be read after the outcome is measured", s.Window.Text, s.Within.Text)
		case s.Outcome == DriversOutcomeEvent && s.InWindow == "exclude" && s.Window.D == s.Within.D:
			return fmt.Errorf("--window and --within are both %s: the outcome counts after the behaviour window (--outcome-in-window exclude), so nothing is left to count; lengthen --within or use --outcome-in-window truncate", s.Within.Text)
		case s.Outcome == DriversOutcomeRetained && s.Window.D > time.Duration(s.Offset)*s.periodLen():
			return fmt.Errorf("--window %s reaches into the %s measured (%s %d starts %s after signup): use a later --offset or a shorter --window",
				s.Window.Text, s.Period, s.Period, s.Offset, FormatDuration(time.Duration(s.Offset)*s.periodLen()))
		case s.MinUsers < 1:
			return fmt.Errorf("--min-users must be at least 1, got %d", s.MinUsers)
		case !(s.Alpha > 0 && s.Alpha < 1):
			return fmt.Errorf("--alpha must be between 0 and 1, got %v", s.Alpha)
		case len(s.AtLeast) == 0:
			return fmt.Errorf("--at-least needs at least one count")
		}
		return nil
	},
	Needs: func(s *DriversSettings) Needs {
		n := Needs{Refs: []Ref{{Flag: "--events", Names: s.Events}, {Flag: "--outcome-event", Names: []string{s.OutcomeEvent}},
			{Flag: "--signup-event", Names: []string{s.SignupEvent}}}}
		if s.Events == nil || s.Outcome == DriversOutcomeRetained { // every behaviour, or activity
			n.AllEvents = true
		} else {
			n.Events = append([]string{s.OutcomeEvent, s.SignupEvent}, s.Events...)
		}
		return n
	},
	Compute: func(r *Run, s *DriversSettings, users []int32) DriversResult {
		return Drivers(r.Log, users, driversParams(r, s))
	},
	Users:    driversUsers,
	Warnings: func(d DriversResult) []Warning { return d.Warnings },
	Params: func(_ *Run, s *DriversSettings) any {
		return struct {
			*DriversSettings
			SignupEvent string   `json:"signup_event"`
			Events      []string `json:"events"`
			Incomplete  string   `json:"incomplete"`
		}{s, Anchor{Event: s.SignupEvent}.Name(), append([]string{}, s.Events...), "exclude"}
	},
	View: driversView,
	Rows: func(_ *Run, _ *DriversSettings, d DriversResult) report.Table { return driversRows(d) },
	Headline: func(_ *Run, _ *DriversSettings, all Segmented[DriversResult]) string {
		d := all.Overall
		head := fmt.Sprintf("Drivers of %s: %d of %d behaviours significant", d.Outcome, d.Signif, d.Tested)
		if len(d.Drivers) > 0 {
			top := d.Drivers[0]
			head += fmt.Sprintf("; top %s, %s", top.Behaviour, diffText(top.Diff, OutcomeProportion, ""))
		}
		return head
	},
}

func driversParams(r *Run, s *DriversSettings) DriversParams {
	return DriversParams{Events: s.Events, AtLeast: s.AtLeast, Window: s.Window.D, Anchor: Anchor{Event: s.SignupEvent},
		Outcome: s.Outcome, OutcomeEvent: s.OutcomeEvent, Within: s.Within.D, Offset: s.Offset, PeriodLen: s.periodLen(),
		Truncate: s.InWindow == "truncate", MinUsers: int64(s.MinUsers), Test: s.Test, Alpha: s.Alpha, Range: r.Range, Level: r.Level}
}

// driversUsers are the users behind the outcome rate: their signup,
// whether they had the outcome (and when, for an event), and their status
// (only "counted" users are in the figures).
func driversUsers(r *Run, s *DriversSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "signup_time", Kind: report.Time}, report.Column{Key: "outcome"},
		report.Column{Key: "outcome_at", Kind: report.Time}, report.Column{Key: "status"})}
	p := driversParams(r, s)
	p.each = func(o driverUser) {
		var signup, outcome, at any
		if o.status != "no_signup" {
			signup = nsTime(o.signup)
		}
		if o.status == "counted" {
			outcome = o.outcome
		}
		if o.outcomeAt != 0 {
			at = nsTime(o.outcomeAt)
		}
		t.Rows = append(t.Rows, userRow(r, o.user, nil, signup, outcome, at, o.status))
	}
	Drivers(r.Log, users, p)
	return t
}

func driversView(r *Run, s *DriversSettings, all Segmented[DriversResult]) report.Doc {
	res := all.Overall
	doc := report.Doc{Title: "Drivers of " + res.Outcome}
	doc.Add("outcome rate", PropText(res.Rate))
	users := fmt.Sprintf("%s counted; %s censored (windows not complete at as_of)", report.Thousands(res.Users), report.Thousands(res.Excluded.Censored))
	if s.Outcome == DriversOutcomeEvent && s.InWindow == "exclude" {
		users += fmt.Sprintf("; %s left out, having done %s inside the behaviour window", report.Thousands(res.Excluded.OutcomeInWindow), s.OutcomeEvent)
	}
	doc.Add("users", users)
	events := "every event but internal ones"
	if s.Events != nil {
		events = strings.Join(s.Events, ", ")
	}
	doc.Add("behaviours", fmt.Sprintf("did E at least k times (k in %s) within %s of %s; E: %s", s.AtLeast.String(), s.Window.Text, anchorText(s.SignupEvent), events))
	doc.Add("tested", fmt.Sprintf("%d behaviours, %d significant (Holm-adjusted p ≤ %v); %d with fewer than %d users on a side, %d the same users as a smaller k",
		res.Tested, res.Signif, s.Alpha, res.TooFew, s.MinUsers, res.Same))
	doc.Tables = append(doc.Tables, driversTable("Behaviours, by the lower bound of the difference", res))
	for _, sr := range all.Segments {
		doc.Tables = append(doc.Tables, driversTable(r.By+" = "+sr.Name, sr.Result))
	}
	doc.Notes = append(doc.Notes, "Association, not causation: users bound to have the outcome may simply do more of everything. Test a behaviour with an experiment before crediting it.")
	doc.Charts = append(doc.Charts, driversChart(res))
	return doc
}

// driversTable shows the ten best-ranked behaviours (all with --all).
func driversTable(title string, d DriversResult) report.Table {
	t := report.Table{Title: title, Fit: report.Fit{Head: 10}, Columns: []report.Column{{Key: "behaviour"}, {Key: "users_with", Header: "users with", Kind: report.Int},
		{Key: "rate_with", Header: "rate with", Kind: report.Percent}, {Key: "rate_without", Header: "rate without", Kind: report.Percent},
		{Key: "diff", Header: "difference [CI]"}, {Key: "p_value", Header: "p"}, {Key: "p_adjusted", Header: "p (Holm)"}, {Key: "significant", Header: "sig."}}}
	for _, x := range d.Drivers {
		sig := ""
		if x.Significant {
			sig = "yes"
		}
		t.Rows = append(t.Rows, []any{x.Behaviour, x.UsersWith, x.RateWith.Value, x.RateWithout.Value, diffText(x.Diff, OutcomeProportion, ""),
			pText(x.PValue), pText(x.PAdjusted), sig})
	}
	return t
}

// driversChart draws the ten best-ranked behaviours' differences with
// their intervals.
func driversChart(d DriversResult) report.Chart {
	c := report.Chart{Kind: report.IntervalChart, Title: "Outcome rate with the behaviour minus without", Unit: report.Percent,
		Note: "an interval that crosses 0 is no clear difference; association, not causation"}
	for _, x := range d.Drivers[:min(10, len(d.Drivers))] {
		e := report.Estimate{Value: math.NaN(), Low: math.NaN(), High: math.NaN(), Text: diffText(x.Diff, OutcomeProportion, "")}
		if x.Diff.Value != nil {
			e.Value = *x.Diff.Value
		}
		if x.Diff.CI != nil {
			e.Low, e.High = x.Diff.CI.Low, x.Diff.CI.High
		}
		c.Labels = append(c.Labels, x.Behaviour)
		c.Estimates = append(c.Estimates, e)
	}
	return c
}

// driversRows are every behaviour tested, in rank order.
func driversRows(d DriversResult) report.Table {
	cols := []report.Column{{Key: "rank", Kind: report.Int}, {Key: "behaviour"}, {Key: "event"}, {Key: "at_least", Kind: report.Int},
		{Key: "users_with", Kind: report.Int}, {Key: "outcome_with", Kind: report.Int}}
	cols = append(cols, CICols("rate_with")...)
	cols = append(cols, report.Column{Key: "users_without", Kind: report.Int}, report.Column{Key: "outcome_without", Kind: report.Int})
	cols = append(cols, CICols("rate_without")...)
	cols = append(cols, report.Column{Key: "diff", Kind: report.Float}, report.Column{Key: "diff_ci_low", Kind: report.Float}, report.Column{Key: "diff_ci_high", Kind: report.Float},
		report.Column{Key: "test"}, report.Column{Key: "p_value", Kind: report.Float}, report.Column{Key: "p_adjusted", Kind: report.Float}, report.Column{Key: "significant"})
	t := report.Table{Columns: cols}
	for i, x := range d.Drivers {
		row := []any{i + 1, x.Behaviour, x.Event, x.AtLeast, x.UsersWith, x.RateWith.Numerator}
		row = append(row, CIVals(x.RateWith)...)
		row = append(row, x.UsersWithout, x.RateWithout.Numerator)
		row = append(row, CIVals(x.RateWithout)...)
		row = append(row, estimateCells(x.Diff)...)
		t.Rows = append(t.Rows, append(row, x.Test, fptr(x.PValue), fptr(x.PAdjusted), x.Significant))
	}
	return t
}
