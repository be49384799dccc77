package metrics

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/event"
	"github.com/uptake-dev/uptake/report"
)

// The funnel family's definitions: funnel and onboarding, their settings and
// their views (the computes are in funnel.go).

// Steps are the events of a funnel, given as one comma-separated list:
// names are trimmed and empty ones dropped, and a later --steps replaces an
// earlier one. It keeps its text, which errors quote.
type Steps struct {
	Text  string
	Names []string
}

// Set implements the flag interface.
func (s *Steps) Set(v string) error {
	*s = Steps{Text: v, Names: SplitEvents(v)}
	return nil
}

func (s *Steps) String() string { return s.Text }
func (s *Steps) Type() string   { return "string" }

// MarshalJSON writes the step names.
func (s Steps) MarshalJSON() ([]byte, error) { return json.Marshal(s.Names) }

// check rejects fewer than two steps: a funnel needs a start and an end.
func (s *Steps) check() error {
	if len(s.Names) < 2 {
		return fmt.Errorf("--steps %q: want at least 2 comma-separated event names", s.Text)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Funnel (docs/metrics.md#funnel)

// FunnelSettings are the funnel command's flags and config keys.
type FunnelSettings struct {
	Steps    Steps    `flag:"steps" required:"true" usage:"Comma-separated funnel steps" json:"steps"`
	Order    string   `flag:"order" enum:"ordered,strict,any" usage:"How steps must follow each other" json:"order"`
	Excludes []string "flag:\"exclude\" usage:\"`E` or E:FROM:TO: an attempt with E between those steps does not count; repeatable\" json:\"-\""
	// Correlation and CorrelationProps add funnel correlation
	// (funnel_correlation.go).
	Correlation      bool     `flag:"correlation" usage:"Add the events that go with converting or with dropping off: odds ratios, Fisher p and Holm-adjusted p (PostHog's correlation)" json:"correlation"`
	CorrelationProps []string "flag:\"correlation-props\" list:\"comma\" usage:\"The same for the values of these user `properties` (each user's first-seen value)\" json:\"correlation_props\""
	WindowSettings
	CohortSettings
}

// exclusions parses --exclude: EVENT (between the first and the last step)
// or EVENT:FROM:TO, step numbers from 1.
func (s *FunnelSettings) exclusions() ([]Exclusion, error) {
	n := len(s.Steps.Names)
	var out []Exclusion
	for _, spec := range s.Excludes {
		// an event name may hold colons (page:view): only a trailing
		// :FROM:TO of two whole numbers is read as steps
		e := Exclusion{Event: spec, From: 1, To: n}
		if parts := strings.Split(spec, ":"); len(parts) >= 3 {
			from, err1 := strconv.Atoi(parts[len(parts)-2])
			to, err2 := strconv.Atoi(parts[len(parts)-1])
			if err1 == nil && err2 == nil {
				e.Event = strings.Join(parts[:len(parts)-2], ":")
				if from < 1 || to > n || from >= to {
					return nil, fmt.Errorf("--exclude %q: FROM and TO are step numbers with 1 ≤ FROM < TO ≤ %d", spec, n)
				}
				if s.Order == string(Any) {
					return nil, fmt.Errorf("--exclude %q: step numbers mean nothing with --order any; use --exclude %s", spec, e.Event)
				}
				e.From, e.To = from, to
			}
		}
		if e.Event == "" {
			return nil, fmt.Errorf("--exclude %q: missing the event name", spec)
		}
		out = append(out, e)
	}
	return out, nil
}

// FunnelMetric is the conversion funnel (docs/metrics.md#funnel).
var FunnelMetric = &Def[FunnelSettings, FunnelResult]{
	Info: Info{
		SQLHelp: funnelSQLHelp,
		Name:    "funnel",
		Use:     "[FILE...] --steps A,B,C",
		Short:   "Conversion funnel: ordered, strict or any-order, with exclusions",
		Long: `A conversion funnel (docs/metrics.md#funnel). Every occurrence of the first
step inside the reporting range (--from/--to) starts an attempt; the window
(--within, end included) runs from it, and later steps may fall after --to
inside it. Each user is counted
once, at the furthest step of any attempt whose window is complete at --as-of.

  --order ordered  each step at or after the previous one (equal timestamps count
                   as in order; a repeated step needs a second event)
  --order strict   each step is the user's very next event
  --order any      steps in any order inside the window; rows are "any k of n"

--exclude E spoils an attempt in which E happens between the first and the last
step; --exclude E:FROM:TO between steps FROM and TO (numbered from 1). After an
attempt's last reached step, its window end stands in for the missing step. A
user with no clean attempt drops out of every step.

Time from the previous step is the mean and the median (of an even count, the
mean of the two middle values) over the users reaching the step.

--correlation lists the events that go with converting or with dropping off, as
PostHog's funnel correlation does (docs/metrics.md#funnel-correlation): of the
users in the funnel, S converted and F dropped off, and s and f of them did the
event strictly between their entry and their conversion (or the end of their
window); odds ratio ((s+1)(F−f+1)) / ((S−s+1)(f+1)), "success" above 1. Events
done by fewer than min(25, 2% of the users) are left out, as are the steps and
internal events. Each row adds Fisher's exact p and the Holm-adjusted p over
the list. --correlation-props P,... does the same for the values of user
properties. They show association, not cause.`,
		Example: `  uptake funnel --demo --steps signup,onboarding_started,project_created,report_created --within 14d
  uptake funnel shop.csv.gz --steps catalog,cart,payment_done --order strict
  uptake funnel shop.csv.gz --steps catalog,cart,payment_done --exclude main:2:3
  uptake funnel --demo --steps signup,trial_started,subscription_started --within 30d --format json | jq '.result.steps'
  uptake funnel --demo --steps signup,subscription_started --within 30d --correlation --correlation-props plan,signup_source`,
		FlagUsage: map[string]string{"within": "Conversion window from the first step (90s, 30m, 48h, 7d, 2w; the end is included)"},
	},
	Defaults: func() FunnelSettings {
		return FunnelSettings{Order: string(Ordered), WindowSettings: NewWindow(Days(14)), CohortSettings: NewCohorts()}
	},
	Check: func(s *FunnelSettings) error {
		if err := s.Steps.check(); err != nil {
			return err
		}
		if _, err := s.exclusions(); err != nil {
			return err
		}
		if s.Order == string(Strict) && slices.ContainsFunc(s.Steps.Names, event.IsSelector) {
			return fmt.Errorf("--order strict takes plain event names: a selector's events stand beside the rows they come from, so none is ever the very next event (use --order ordered)")
		}
		return s.WindowSettings.Check()
	},
	Needs: func(s *FunnelSettings) Needs {
		ex, _ := s.exclusions()
		var excluded []string
		for _, e := range ex {
			excluded = append(excluded, e.Event)
		}
		// "the very next event" needs every event, and so does correlation
		return Needs{Events: slices.Concat(s.Steps.Names, excluded),
			AllEvents: s.Order == string(Strict) || s.Correlation,
			UserProps: s.CorrelationProps,
			Refs: []Ref{{Flag: "--steps", Names: s.Steps.Names}, {Flag: "--exclude", Names: excluded},
				{Flag: "--correlation-props", Property: true, Names: s.CorrelationProps}}}
	},
	Compute: func(r *Run, s *FunnelSettings, users []int32) FunnelResult {
		return Funnel(r.Log, users, funnelParams(r, s))
	},
	Outcome: funnelOutcome,
	Users: func(r *Run, s *FunnelSettings, users []int32) report.Table {
		p := funnelParams(r, s)
		p.Correlation, p.CorrelationProps = false, nil // not per user
		var us []stepUser
		p.each = func(o stepUser) { us = append(us, o) }
		return stepUsersTable(r, s.CohortPeriod != "", Funnel(r.Log, users, p).Steps, us)
	},
	Warnings: func(f FunnelResult) []Warning { return f.Warnings },
	Params: func(_ *Run, s *FunnelSettings) any {
		ex, _ := s.exclusions()
		exclude := make([]string, 0, len(ex))
		for _, e := range ex {
			exclude = append(exclude, fmt.Sprintf("%s:%d:%d", e.Event, e.From, e.To))
		}
		return struct {
			*FunnelSettings
			CorrelationProps []string `json:"correlation_props"`
			Exclude          []string `json:"exclude"`
			Incomplete       string   `json:"incomplete"`
		}{s, append([]string{}, s.CorrelationProps...), exclude, "exclude"}
	},
	View:     funnelView,
	SQL:      funnelSQL,
	FromRows: funnelFromRows,
	Rows: func(_ *Run, s *FunnelSettings, f FunnelResult) report.Table {
		// the users left out, on every step row
		t := stepRows(s.CohortPeriod != "", f.Steps, f.Cohorts)
		t.Columns = append(t.Columns, report.Column{Key: "censored_users", Kind: report.Int}, report.Column{Key: "exclusions", Kind: report.Int})
		for i, row := range t.Rows {
			if s.CohortPeriod != "" && row[0] != "(all)" {
				t.Rows[i] = append(row, nil, nil)
				continue
			}
			t.Rows[i] = append(row, f.Excluded.Censored, f.Excluded.Exclusions)
		}
		return correlationRows(t, f)
	},
}

func funnelView(r *Run, s *FunnelSettings, all Segmented[FunnelResult]) report.Doc {
	res := all.Overall
	doc := report.Doc{Title: fmt.Sprintf("Funnel (%s, within %s): %s", s.Order, s.Within.Text, strings.Join(s.Steps.Names, " → "))}
	doc.Add("conversion", PropText(res.Conversion))
	doc.Add("left out", fmt.Sprintf("%s censored (no attempt with a complete window), %s with every attempt spoiled by --exclude",
		report.Thousands(res.Excluded.Censored), report.Thousands(res.Excluded.Exclusions)))
	doc.Tables = append(doc.Tables, all.Tables("Steps", func(title string, f FunnelResult) report.Table { return stepsTable(title, f.Steps) })...)
	if len(res.Cohorts) > 0 {
		doc.Tables = append(doc.Tables, cohortTable("By entry cohort", res.Cohorts, "entered", "converted"))
	}
	doc.Charts = append(doc.Charts, stepsChart("Users per step", res.Steps),
		segmentIntervals("Conversion", all, func(f FunnelResult) Proportion { return f.Conversion }))
	if len(res.Cohorts) > 0 {
		doc.Charts = append(doc.Charts, intervalsOf("Conversion by entry cohort", res.Cohorts, cohortConversion))
	}
	if t := res.CorrelationTotals; t != nil {
		doc.Add("correlation", fmt.Sprintf("%s converted, %s dropped off; a row needs %s users (min(25, 2%%)): %s and %s left out",
			report.Thousands(t.Success), report.Thousands(t.Failure), num(t.MinUsers), Plural(t.EventsLeft, "event"), Plural(t.ValuesLeft, "value")))
		doc.Tables = append(doc.Tables, correlationTables(res)...)
		doc.Notes = append(doc.Notes, "Correlation is association, not causation: an event that goes with converting may only mark users who were converting anyway. Test a change before crediting it.")
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}, {Key: "entered", Kind: report.Int},
			{Key: "converted", Kind: report.Int}}, CICols("conversion")...)}
		for _, sr := range all.Segments {
			c := sr.Result.Conversion
			t.Rows = append(t.Rows, append([]any{sr.Name, c.Denominator, c.Numerator}, CIVals(c)...))
		}
		doc.Tables = append(doc.Tables, t)
	}
	return doc
}

// ---------------------------------------------------------------------------
// Onboarding (docs/metrics.md#onboarding)

// OnboardingSettings are the onboarding command's flags and config keys.
type OnboardingSettings struct {
	Steps       Steps  `flag:"steps" required:"true" usage:"Comma-separated steps: the first starts onboarding, the last completes it" json:"steps"`
	Denominator string `flag:"denominator" enum:"started,signups" usage:"Who the step table is out of" json:"denominator"`
	Order       string `flag:"order" enum:"ordered,any" usage:"Steps in order, or in any order inside the window" json:"order"`
	SignupEvent string `flag:"signup-event" usage:"Event that marks signup (default: each user's first event)" json:"signup_event"`
	WindowSettings
	CohortSettings
}

// OnboardingMetric is onboarding completion (docs/metrics.md#onboarding).
var OnboardingMetric = &Def[OnboardingSettings, OnboardingResult]{
	Info: Info{
		SQLHelp: onboardingSQLHelp,
		Name:    "onboarding",
		Use:     "[FILE...] --steps START,...,DONE",
		Short:   "Onboarding completion rate and the step funnel with drop-off",
		Long: `Onboarding completion: of the users who started onboarding in the reporting
range (their first START event), the share who reached the last step within
--within of their start, with a Wilson interval (docs/metrics.md#onboarding).
Each step counts at its first occurrence at or after the previous step (--order
any: anywhere in the window); per step you get users, % of start, % of
previous, drop-off and the median and mean time from the previous step.

completion_of_signups measures the same funnel from each user's signup
(--signup-event, or first event) over all signups in range;
--denominator signups puts the signups at the top of the step table.

Starters (or signups) whose window is not complete at --as-of are censored.`,
		Example: `  uptake onboarding --demo --steps onboarding_started,profile_completed,project_created,teammate_invited,onboarding_completed
  uptake onboarding --demo --steps onboarding_started,onboarding_completed --within 14d --by onboarding_variant
  uptake onboarding --demo --steps onboarding_started,onboarding_completed --cohort-period week --format csv
  uptake onboarding --demo --steps onboarding_started,onboarding_completed --format json | jq '.result.completion'`,
		FlagUsage: map[string]string{"within": "Onboarding window after the start (90s, 30m, 48h, 7d, 2w; the end is included)"},
	},
	Defaults: func() OnboardingSettings {
		return OnboardingSettings{Denominator: "started", Order: string(Ordered), WindowSettings: NewWindow(Days(7)), CohortSettings: NewCohorts()}
	},
	Check: func(s *OnboardingSettings) error {
		if err := s.Steps.check(); err != nil {
			return err
		}
		return s.WindowSettings.Check()
	},
	Needs: func(s *OnboardingSettings) Needs {
		return Needs{Events: append([]string{s.SignupEvent}, s.Steps.Names...), Refs: []Ref{
			{Flag: "--steps", Names: s.Steps.Names}, {Flag: "--signup-event", Names: []string{s.SignupEvent}}}}
	},
	Compute: func(r *Run, s *OnboardingSettings, users []int32) OnboardingResult {
		return Onboarding(r.Log, users, onboardingParams(r, s))
	},
	Outcome: onboardingOutcome,
	Users: func(r *Run, s *OnboardingSettings, users []int32) report.Table {
		p := onboardingParams(r, s)
		var us []stepUser
		p.each = func(o stepUser) { us = append(us, o) }
		return stepUsersTable(r, s.CohortPeriod != "", Onboarding(r.Log, users, p).Steps, us)
	},
	Warnings: func(o OnboardingResult) []Warning { return o.Warnings },
	Params: func(_ *Run, s *OnboardingSettings) any {
		return struct {
			*OnboardingSettings
			SignupEvent string `json:"signup_event"`
			Incomplete  string `json:"incomplete"`
		}{s, Anchor{Event: s.SignupEvent}.Name(), "exclude"}
	},
	View:     onboardingView,
	SQL:      onboardingSQL,
	FromRows: onboardingFromRows,
	Rows: func(_ *Run, s *OnboardingSettings, o OnboardingResult) report.Table {
		// the counts behind both completion rates, on every step row
		t := stepRows(s.CohortPeriod != "", o.Steps, o.Cohorts)
		for _, k := range onboardingExtra {
			t.Columns = append(t.Columns, report.Column{Key: k, Kind: report.Int})
		}
		ex := o.Excluded
		vals := []any{o.Started, o.Completion.Numerator, o.Signups, o.CompletionOfSignups.Numerator, ex.Censored, ex.SignupsCensored, ex.CompletedWithoutStart}
		for i, row := range t.Rows {
			if s.CohortPeriod != "" && row[0] != "(all)" {
				t.Rows[i] = append(row, make([]any, len(vals))...)
				continue
			}
			t.Rows[i] = append(row, vals...)
		}
		return t
	},
}

func onboardingView(r *Run, s *OnboardingSettings, all Segmented[OnboardingResult]) report.Doc {
	res := all.Overall
	steps := s.Steps.Names
	doc := report.Doc{Title: fmt.Sprintf("Onboarding: %s → %s within %s", steps[0], steps[len(steps)-1], s.Within.Text)}
	doc.Add("completion", PropText(res.Completion)+" of starters")
	doc.Add("completion of signups", PropText(res.CompletionOfSignups))
	doc.Add("censored", fmt.Sprintf("%s starters, %s signups (window not complete at as_of)",
		report.Thousands(res.Excluded.Censored), report.Thousands(res.Excluded.SignupsCensored)))
	doc.Add("order", fmt.Sprintf("%s; window %s %s, end included", s.Order, s.Within.Text, s.WindowMode))
	doc.Tables = append(doc.Tables, all.Tables("Steps (out of "+res.Denominator+")",
		func(title string, o OnboardingResult) report.Table { return stepsTable(title, o.Steps) })...)
	if len(res.Cohorts) > 0 {
		doc.Tables = append(doc.Tables, cohortTable("By cohort", res.Cohorts, "started", "completed"))
	}
	labels, done := []string{"of starters", "of signups"}, []Proportion{res.Completion, res.CompletionOfSignups}
	for _, sr := range all.Segments {
		labels, done = append(labels, r.By+" = "+sr.Name), append(done, sr.Result.Completion)
	}
	doc.Charts = append(doc.Charts, stepsChart("Users per step (out of "+res.Denominator+")", res.Steps), intervalChart("Completion", labels, done))
	if len(res.Cohorts) > 0 {
		doc.Charts = append(doc.Charts, intervalsOf("Completion by cohort", res.Cohorts, cohortConversion))
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: append(append([]report.Column{{Key: "segment"}, {Key: "started", Kind: report.Int},
			{Key: "completed", Kind: report.Int}}, CICols("completion")...), report.Column{Key: "completion_of_signups", Header: "of signups", Kind: report.Percent})}
		for _, sr := range all.Segments {
			c := sr.Result
			t.Rows = append(t.Rows, append(append([]any{sr.Name, c.Completion.Denominator, c.Completion.Numerator}, CIVals(c.Completion)...), c.CompletionOfSignups.Value))
		}
		doc.Tables = append(doc.Tables, t)
	}
	return doc
}

// ---------------------------------------------------------------------------
// Tables both share

func stepsTable(title string, steps []StepStat) report.Table {
	t := report.Table{Title: title, Columns: []report.Column{{Key: "step", Kind: report.Int}, {Key: "event"}, {Key: "users", Kind: report.Int},
		{Key: "pct_of_start", Header: "% of start", Kind: report.Percent}, {Key: "pct_of_previous", Header: "% of previous", Kind: report.Percent},
		{Key: "dropoff", Header: "drop-off", Kind: report.Int}, {Key: "dropoff_pct", Header: "drop-off %", Kind: report.Percent},
		{Key: "median_seconds_from_previous", Header: "median from previous", Kind: report.Duration},
		{Key: "avg_seconds_from_previous", Header: "mean from previous", Kind: report.Duration}}}
	for j, s := range steps {
		t.Rows = append(t.Rows, []any{j + 1, s.Event, s.Users, s.PctOfStart, s.PctOfPrevious, s.Dropoff, s.DropoffPct,
			s.MedianSecondsFromPrevious, s.AvgSecondsFromPrevious})
	}
	return t
}

func cohortTable(title string, cs []FunnelCohort, entered, converted string) report.Table {
	t := report.Table{Title: title, Columns: append(append([]report.Column{{Key: "cohort"}, {Key: entered, Kind: report.Int},
		{Key: converted, Kind: report.Int}}, CICols("rate")...), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})}
	for _, c := range cs {
		t.Rows = append(t.Rows, append(append([]any{c.Cohort, c.Entered, c.Conversion.Numerator}, CIVals(c.Conversion)...), c.Censored, c.Status))
	}
	return t
}

// stepRows are the steps' rows; with cohorts, under a cohort column: the
// steps as "(all)", then each cohort's first and last step (its entries
// and conversions, which is all a cohort counts) with the conversion's
// interval, its censored users and status.
func stepRows(cohorts bool, steps []StepStat, cs []FunnelCohort) report.Table {
	t := stepsTable("", steps)
	if !cohorts {
		return t
	}
	t.Columns = append(append(t.Columns, CICols("pct_of_start")[1:]...), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})
	for i := range t.Rows {
		t.Rows[i] = append(t.Rows[i], nil, nil, nil, nil)
	}
	first, last := steps[0].Event, steps[len(steps)-1].Event
	var rows [][]any
	for _, c := range cs {
		start := any(nil)
		if c.Entered > 0 {
			start = 1.0
		}
		ci := CIVals(c.Conversion)
		rows = append(rows, []any{c.Cohort, 1, first, c.Entered, start, nil, nil, nil, nil, nil, nil, nil, c.Censored, c.Status},
			[]any{c.Cohort, len(steps), last, c.Conversion.Numerator, ci[0], nil, nil, nil, nil, nil, ci[1], ci[2], c.Censored, c.Status})
	}
	return withCohorts(t, rows)
}

func funnelParams(r *Run, s *FunnelSettings) FunnelParams {
	ex, _ := s.exclusions()
	return FunnelParams{Steps: s.Steps.Names, Window: s.Window(r.Loc), Order: Order(s.Order), Exclusions: ex,
		Range: r.Range, Level: r.Level, Cohorts: s.Calendar(r.Loc),
		Correlation: s.Correlation, CorrelationProps: s.CorrelationProps, UserProps: r.UserProps}
}

func onboardingParams(r *Run, s *OnboardingSettings) OnboardingParams {
	return OnboardingParams{Steps: s.Steps.Names, Window: s.Window(r.Loc), Order: Order(s.Order),
		Anchor: Anchor{Event: s.SignupEvent}, Signups: s.Denominator == "signups", Range: r.Range, Level: r.Level,
		Cohorts: s.Calendar(r.Loc), Since: r.Since}
}

// stepUsersTable are the users of a step table (steps): when each entered,
// the furthest step reached (its number and its label), each step's time
// (step_1_at …: those reached count to the step's users), whether they
// converted, and their status (only "counted" users are in the table).
func stepUsersTable(r *Run, cohorts bool, steps []StepStat, us []stepUser) report.Table {
	own := []report.Column{{Key: "entered_at", Kind: report.Time}, {Key: "furthest_step", Kind: report.Int}, {Key: "furthest_event"}}
	for j := range steps {
		own = append(own, report.Column{Key: fmt.Sprintf("step_%d_at", j+1), Kind: report.Time})
	}
	own = append(own, report.Column{Key: "converted"}, report.Column{Key: "status"})
	t := report.Table{Columns: userCols(cohorts, own...)}
	for _, o := range us {
		var entered, event any
		if o.hasEnter {
			entered = nsTime(o.entered)
		}
		furthest := 0
		cells := make([]any, len(steps))
		for j, ok := range o.reached {
			if ok {
				furthest, cells[j] = j+1, nsTime(o.times[j])
			}
		}
		if furthest > 0 {
			event = steps[furthest-1].Event
		}
		row := append([]any{entered, furthest, event}, cells...)
		t.Rows = append(t.Rows, userRow(r, o.user, o.cohort, append(row, o.converted, o.status)...))
	}
	return t
}
