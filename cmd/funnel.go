package cmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// OnboardingOptions are the flags of `uptake onboarding`.
type OnboardingOptions struct {
	IO          *IOStreams
	Input       InputFlags
	Report      ReportFlags
	Window      windowFlags
	Cohort      cohortFlag
	Steps       string
	Denominator string
	Order       string
	SignupEvent string
	Args        []string
}

// NewCmdOnboarding builds `uptake onboarding`.
func NewCmdOnboarding(ios *IOStreams, runF func(*OnboardingOptions) error) *cobra.Command {
	opts := &OnboardingOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "onboarding [FILE...] --steps START,...,DONE",
		Short: "Onboarding completion rate and the step funnel with drop-off",
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
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runOnboarding(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, false)
	opts.Window.add(cmd, "7d", "Onboarding window after the start")
	opts.Cohort.add(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Steps, "steps", "", "Comma-separated steps: the first starts onboarding, the last completes it")
	enumFlag(cmd, &opts.Denominator, "denominator", "started", []string{"started", "signups"}, "Who the step table is out of")
	enumFlag(cmd, &opts.Order, "order", "ordered", []string{"ordered", "any"}, "Steps in order, or in any order inside the window")
	f.StringVar(&opts.SignupEvent, "signup-event", "", "Event that marks signup (default: each user's first event)")
	_ = cmd.MarkFlagRequired("steps")
	return cmd
}

func runOnboarding(opts *OnboardingOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	steps, err := splitSteps("--steps", opts.Steps, 2)
	if err != nil {
		return err
	}
	win, err := opts.Window.window(r.loc)
	if err != nil {
		return err
	}
	opts.Input.refer("--steps", eventRef, steps...)
	opts.Input.refer("--signup-event", eventRef, opts.SignupEvent)
	l, err := load(opts.IO, &opts.Input, r, opts.Args, ingest.Need{Events: append([]string{opts.SignupEvent}, steps...)})
	if err != nil {
		return err
	}
	p := metrics.OnboardingParams{Steps: steps, Window: win, Order: metrics.Order(opts.Order), Anchor: metrics.Anchor{Event: opts.SignupEvent},
		Signups: opts.Denominator == "signups", Range: r.rng(l.asOf), Level: r.Conf, Cohorts: opts.Cohort.calendar(r.loc), Since: nanos(r.sinc)}
	all, warnings := bySegment(l.log.AllUsers(), r.By, segments(l.data.UserProps[r.By]),
		func(users []int32) metrics.OnboardingResult { return metrics.Onboarding(l.log, users, p) },
		func(o metrics.OnboardingResult) []metrics.Warning { return o.Warnings })
	res := all.Overall
	params := map[string]any{"steps": steps, "within": opts.Window.Within, "window_mode": win.Mode(), "order": opts.Order,
		"denominator": opts.Denominator, "signup_event": p.Anchor.Name(), "cohort_period": opts.Cohort.Period,
		"week_start": opts.Cohort.WeekStart, "incomplete": "exclude"}
	env := r.envelope("onboarding", params, l, &opts.Input, all, warnings)
	doc := report.Doc{Title: fmt.Sprintf("Onboarding: %s → %s within %s", steps[0], steps[len(steps)-1], opts.Window.Within)}
	doc.Add("completion", metrics.PropText(res.Completion)+" of starters")
	doc.Add("completion of signups", metrics.PropText(res.CompletionOfSignups))
	doc.Add("censored", fmt.Sprintf("%s starters, %s signups (window not complete at as_of)",
		report.Thousands(res.Excluded.Censored), report.Thousands(res.Excluded.SignupsCensored)))
	doc.Add("order", fmt.Sprintf("%s; window %s %s, end included", opts.Order, opts.Window.Within, win.Mode()))
	doc.Tables = append(doc.Tables, stepsTable("Steps (out of "+res.Denominator+")", res.Steps, false))
	if len(res.Cohorts) > 0 {
		doc.Tables = append(doc.Tables, cohortTable("By cohort", res.Cohorts, "started", "completed"))
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: append(append([]report.Column{{Key: "segment"}, {Key: "started", Kind: report.Int},
			{Key: "completed", Kind: report.Int}}, metrics.CICols("completion")...), report.Column{Key: "completion_of_signups", Header: "of signups", Kind: report.Percent})}
		for _, s := range all.Segments {
			c := s.Result
			t.Rows = append(t.Rows, append(append([]any{s.Name, c.Completion.Denominator, c.Completion.Numerator}, metrics.CIVals(c.Completion)...), c.CompletionOfSignups.Value))
		}
		doc.Tables = append(doc.Tables, t)
	}
	return r.Out.write(opts.IO, env, doc, r.loc)
}

func stepsTable(title string, steps []metrics.StepStat, avg bool) report.Table {
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

func cohortTable(title string, cs []metrics.FunnelCohort, entered, converted string) report.Table {
	t := report.Table{Title: title, Columns: append(append([]report.Column{{Key: "cohort"}, {Key: entered, Kind: report.Int},
		{Key: converted, Kind: report.Int}}, metrics.CICols("rate")...), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})}
	for _, c := range cs {
		t.Rows = append(t.Rows, append(append([]any{c.Cohort, c.Entered, c.Conversion.Numerator}, metrics.CIVals(c.Conversion)...), c.Censored, c.Status))
	}
	return t
}

// FunnelOptions are the flags of `uptake funnel`.
type FunnelOptions struct {
	IO       *IOStreams
	Input    InputFlags
	Report   ReportFlags
	Window   windowFlags
	Cohort   cohortFlag
	Steps    string
	Order    string
	Excludes []string
	Args     []string
}

// NewCmdFunnel builds `uptake funnel`.
func NewCmdFunnel(ios *IOStreams, runF func(*FunnelOptions) error) *cobra.Command {
	opts := &FunnelOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "funnel [FILE...] --steps A,B,C",
		Short: "Conversion funnel: ordered, strict or any-order, with exclusions",
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
mean of the two middle values) over the users reaching the step.`,
		Example: `  uptake funnel --demo --steps signup,onboarding_started,project_created,report_created --within 14d
  uptake funnel shop.csv.gz --steps catalog,cart,payment_done --order strict
  uptake funnel shop.csv.gz --steps catalog,cart,payment_done --exclude main:2:3
  uptake funnel --demo --steps signup,trial_started,subscription_started --within 30d --format json | jq '.result.steps'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runFunnel(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, false)
	opts.Window.add(cmd, "14d", "Conversion window from the first step")
	opts.Cohort.add(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Steps, "steps", "", "Comma-separated funnel steps")
	enumFlag(cmd, &opts.Order, "order", "ordered", []string{"ordered", "strict", "any"}, "How steps must follow each other")
	f.StringArrayVar(&opts.Excludes, "exclude", nil, "`E` or E:FROM:TO: an attempt with E between those steps does not count; repeatable")
	_ = cmd.MarkFlagRequired("steps")
	return cmd
}

// parseExclusions reads each --exclude: EVENT, or EVENT:FROM:TO when the
// last two colon-separated parts are whole numbers. An event name may itself
// hold colons (page:view, checkout:step:done): only a trailing :FROM:TO is
// read as steps.
func parseExclusions(specs []string, n int, order string) ([]metrics.Exclusion, error) {
	var out []metrics.Exclusion
	for _, s := range specs {
		e := metrics.Exclusion{Event: s, From: 1, To: n}
		if parts := strings.Split(s, ":"); len(parts) >= 3 {
			from, err1 := strconv.Atoi(parts[len(parts)-2])
			to, err2 := strconv.Atoi(parts[len(parts)-1])
			if err1 == nil && err2 == nil {
				e.Event = strings.Join(parts[:len(parts)-2], ":")
				if from < 1 || to > n || from >= to {
					return nil, usageErrorf("--exclude %q: FROM and TO are step numbers with 1 ≤ FROM < TO ≤ %d", s, n)
				}
				if order == "any" {
					return nil, usageErrorf("--exclude %q: step numbers mean nothing with --order any; use --exclude %s", s, e.Event)
				}
				e.From, e.To = from, to
			}
		}
		if e.Event == "" {
			return nil, usageErrorf("--exclude %q: missing the event name", s)
		}
		out = append(out, e)
	}
	return out, nil
}

func runFunnel(opts *FunnelOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	steps, err := splitSteps("--steps", opts.Steps, 2)
	if err != nil {
		return err
	}
	ex, err := parseExclusions(opts.Excludes, len(steps), opts.Order)
	if err != nil {
		return err
	}
	win, err := opts.Window.window(r.loc)
	if err != nil {
		return err
	}
	need := ingest.Need{Events: steps}
	opts.Input.refer("--steps", eventRef, steps...)
	for _, e := range ex {
		need.Events = append(need.Events, e.Event)
		opts.Input.refer("--exclude", eventRef, e.Event)
	}
	if opts.Order == "strict" {
		need = ingest.Need{AllEvents: true} // "the very next event" needs every event
	}
	l, err := load(opts.IO, &opts.Input, r, opts.Args, need)
	if err != nil {
		return err
	}
	p := metrics.FunnelParams{Steps: steps, Window: win, Order: metrics.Order(opts.Order), Exclusions: ex,
		Range: r.rng(l.asOf), Level: r.Conf, Cohorts: opts.Cohort.calendar(r.loc)}
	all, warnings := bySegment(l.log.AllUsers(), r.By, segments(l.data.UserProps[r.By]),
		func(users []int32) metrics.FunnelResult { return metrics.Funnel(l.log, users, p) },
		func(f metrics.FunnelResult) []metrics.Warning { return f.Warnings })
	res := all.Overall
	exList := make([]string, 0, len(ex))
	for _, e := range ex {
		exList = append(exList, fmt.Sprintf("%s:%d:%d", e.Event, e.From, e.To))
	}
	params := map[string]any{"steps": steps, "within": opts.Window.Within, "window_mode": win.Mode(), "order": opts.Order,
		"exclude": exList, "cohort_period": opts.Cohort.Period, "week_start": opts.Cohort.WeekStart, "incomplete": "exclude"}
	env := r.envelope("funnel", params, l, &opts.Input, all, warnings)
	doc := report.Doc{Title: fmt.Sprintf("Funnel (%s, within %s): %s", opts.Order, opts.Window.Within, strings.Join(steps, " → "))}
	doc.Add("conversion", metrics.PropText(res.Conversion))
	doc.Add("left out", fmt.Sprintf("%s censored (no attempt with a complete window), %s with every attempt spoiled by --exclude",
		report.Thousands(res.Excluded.Censored), report.Thousands(res.Excluded.Exclusions)))
	doc.Tables = append(doc.Tables, stepsTable("Steps", res.Steps, true))
	if len(res.Cohorts) > 0 {
		doc.Tables = append(doc.Tables, cohortTable("By entry cohort", res.Cohorts, "entered", "converted"))
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}, {Key: "entered", Kind: report.Int},
			{Key: "converted", Kind: report.Int}}, metrics.CICols("conversion")...)}
		for _, s := range all.Segments {
			c := s.Result.Conversion
			t.Rows = append(t.Rows, append([]any{s.Name, c.Denominator, c.Numerator}, metrics.CIVals(c)...))
		}
		doc.Tables = append(doc.Tables, t)
	}
	return r.Out.write(opts.IO, env, doc, r.loc)
}
