package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// ActivationOptions are the flags of `uptake activation`.
type ActivationOptions struct {
	IO          *IOStreams
	Input       InputFlags
	Report      ReportFlags
	Window      windowFlags
	Cohort      cohortFlag
	Events      []string
	MinCount    int
	SignupEvent string
	KM          bool
	Args        []string
}

// NewCmdActivation builds `uptake activation`.
func NewCmdActivation(ios *IOStreams, runF func(*ActivationOptions) error) *cobra.Command {
	opts := &ActivationOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "activation [FILE...] --activation-event E",
		Short: "Activation rate within a window of signup, with time to value",
		Long: `Activation rate: of the users who signed up in the reporting range, the share
who met the activation criterion within --within of their signup, with a Wilson
confidence interval (docs/metrics.md#activation).

The signup is each user's earliest --signup-event, or their first event of all
when none is given. The criterion is --activation-event done at least
--min-count times; several --activation-event flags must all be met. The window
includes its end: within 7d means [signup, signup + 168 h].

Users whose window is not complete at --as-of are censored: left out of both
numerator and denominator, even if they already activated, and counted in
excluded.censored.

Time to value (the time until the criterion is met) is reported among those who
reached it — type-7 percentiles — and with --km as a Kaplan–Meier estimate that
also uses the users who have not reached value yet ("not_reached" when the
curve never falls below 50%).`,
		Example: `  uptake activation --demo --activation-event report_created
  uptake activation --demo --activation-event report_created --within 48h --by plan
  uptake activation events.csv --signup-event signup --activation-event project_created --min-count 2 --km
  uptake activation --demo --activation-event report_created --format json | jq '.result.rate.value'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if len(opts.Events) == 0 {
				return usageErrorf("--activation-event is required")
			}
			if opts.MinCount < 1 {
				return usageErrorf("--min-count must be at least 1, got %d", opts.MinCount)
			}
			if runF != nil {
				return runF(opts)
			}
			return runActivation(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, false)
	opts.Window.add(cmd, "7d", "Activation window after signup")
	opts.Cohort.add(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&opts.Events, "activation-event", nil, "Event that activates (repeatable or comma-separated: all must happen)")
	f.IntVar(&opts.MinCount, "min-count", 1, "Times each activation event must happen within the window")
	f.StringVar(&opts.SignupEvent, "signup-event", "", "Event that marks signup (default: each user's first event)")
	f.BoolVar(&opts.KM, "km", false, "Add the Kaplan–Meier time to value, which counts users who have not reached value yet")
	return cmd
}

func runActivation(opts *ActivationOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	win, err := opts.Window.window(r.loc)
	if err != nil {
		return err
	}
	need := ingest.Need{Events: append([]string{opts.SignupEvent}, opts.Events...)}
	opts.Input.refer("--activation-event", eventRef, opts.Events...)
	opts.Input.refer("--signup-event", eventRef, opts.SignupEvent)
	l, err := load(opts.IO, &opts.Input, r, opts.Args, need)
	if err != nil {
		return err
	}
	p := metrics.ActivationParams{Events: opts.Events, MinCount: opts.MinCount, Anchor: metrics.Anchor{Event: opts.SignupEvent},
		Window: win, Range: r.rng(l.asOf), Level: r.Conf, KM: opts.KM, Cohorts: opts.Cohort.calendar(r.loc), Since: nanos(r.sinc)}
	res, warnings := bySegment(l.log.AllUsers(), r.By, segments(l.data.UserProps[r.By]),
		func(users []int32) metrics.ActivationResult { return metrics.Activation(l.log, users, p) },
		func(a metrics.ActivationResult) []metrics.Warning { return a.Warnings })
	params := map[string]any{"activation_events": opts.Events, "min_count": opts.MinCount, "signup_event": p.Anchor.Name(),
		"within": opts.Window.Within, "window_mode": win.Mode(), "km": opts.KM, "cohort_period": opts.Cohort.Period,
		"week_start": opts.Cohort.WeekStart, "incomplete": "exclude", "percentile_method": "type7"}
	env := r.envelope("activation", params, l, &opts.Input, res, warnings)
	return r.Out.write(opts.IO, env, activationDoc(res, opts, win, env.AsOf), r.loc)
}

func activationDoc(all segmented[metrics.ActivationResult], opts *ActivationOptions, win metrics.Window, asOf string) report.Doc {
	res := all.Overall
	crit := strings.Join(opts.Events, " and ")
	if opts.MinCount > 1 {
		crit += fmt.Sprintf(" (%d times each)", opts.MinCount)
	}
	anchor := "first event"
	if opts.SignupEvent != "" {
		anchor = opts.SignupEvent
	}
	doc := report.Doc{Title: fmt.Sprintf("Activation: %s within %s of %s", crit, opts.Window.Within, anchor)}
	doc.Add("activation rate", propText(res.Rate))
	doc.Add("eligible users", fmt.Sprintf("%s of %s who signed up in range; %s censored (window not complete at as_of)",
		report.Thousands(res.Rate.Denominator), report.Thousands(res.Anchored), report.Thousands(res.Excluded.Censored)))
	doc.Add("window", fmt.Sprintf("%s, %s, end included", opts.Window.Within, win.Mode()))
	if res.NoAnchor > 0 {
		doc.Add("no signup event", report.Thousands(res.NoAnchor)+" users never did "+opts.SignupEvent)
	}
	ttv := report.Table{Title: fmt.Sprintf("Time to value (among the %s who activated)", report.Thousands(res.TTV.Reached)),
		Columns: []report.Column{{Key: "reached", Kind: report.Int}, {Key: "not_reached", Header: "not reached", Kind: report.Int},
			{Key: "min", Kind: report.Duration}, {Key: "p25", Kind: report.Duration}, {Key: "median", Kind: report.Duration},
			{Key: "p75", Kind: report.Duration}, {Key: "p90", Kind: report.Duration}, {Key: "max", Kind: report.Duration}},
		Rows: [][]any{{res.TTV.Reached, res.TTV.NotReached, res.TTV.MinSeconds, res.TTV.P25Seconds, res.TTV.MedianSeconds,
			res.TTV.P75Seconds, res.TTV.P90Seconds, res.TTV.MaxSeconds}}}
	doc.Tables = append(doc.Tables, ttv)
	if km := res.TTV.KM; km != nil {
		notReached := func(v *float64) any {
			if v == nil {
				return "not reached"
			}
			return v
		}
		doc.Tables = append(doc.Tables, report.Table{Title: fmt.Sprintf("Kaplan–Meier time to value (all %s who signed up in range)", report.Thousands(km.N)),
			Columns: []report.Column{{Key: "users", Kind: report.Int}, {Key: "reached", Kind: report.Int}, {Key: "censored", Kind: report.Int},
				{Key: "p25", Kind: report.Duration}, {Key: "median", Kind: report.Duration}, {Key: "p75", Kind: report.Duration}},
			Rows: [][]any{{km.N, km.Events, km.Censored, notReached(km.P25Seconds), notReached(km.MedianSeconds), notReached(km.P75Seconds)}}})
	}
	if len(res.Cohorts) > 0 {
		t := report.Table{Title: "By signup cohort", Columns: append(append([]report.Column{{Key: "cohort"}, {Key: "signups", Kind: report.Int},
			{Key: "eligible", Kind: report.Int}, {Key: "activated", Kind: report.Int}}, ciCols("rate")...),
			report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})}
		for _, c := range res.Cohorts {
			t.Rows = append(t.Rows, append(append([]any{c.Cohort, c.Size, c.Rate.Denominator, c.Rate.Numerator}, ciVals(c.Rate)...), c.Censored, c.Status))
		}
		doc.Tables = append(doc.Tables, t)
	}
	seg := report.Table{Title: "By " + opts.Report.By, Columns: append(append([]report.Column{{Key: "segment"},
		{Key: "eligible", Kind: report.Int}, {Key: "activated", Kind: report.Int}}, ciCols("rate")...),
		report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "median_ttv_seconds", Header: "median ttv", Kind: report.Duration})}
	row := func(name string, a metrics.ActivationResult) []any {
		return append(append([]any{name, a.Rate.Denominator, a.Rate.Numerator}, ciVals(a.Rate)...), a.Excluded.Censored, a.TTV.MedianSeconds)
	}
	for _, s := range all.Segments {
		seg.Rows = append(seg.Rows, row(s.Name, s.Result))
	}
	if len(all.Segments) > 0 {
		doc.Tables = append(doc.Tables, seg)
	}
	csv := seg
	csv.Rows = append([][]any{row("(all)", res)}, seg.Rows...)
	doc.CSV = &csv
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; intervals are %s Wilson; time to value is conditional on reaching it (type-7 percentiles)",
		asOf, report.Pct(opts.Report.Conf)))
	return doc
}
