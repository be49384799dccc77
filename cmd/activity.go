package cmd

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// periodFlags are --period and --week-start.
type periodFlags struct {
	Period    string
	WeekStart string
}

func (p *periodFlags) add(cmd *cobra.Command, def string, allowed []string) {
	enumFlag(cmd, &p.Period, "period", def, allowed, "Calendar period in --tz")
	enumFlag(cmd, &p.WeekStart, "week-start", "monday", []string{"monday", "sunday"}, "First day of a week (monday: ISO weeks)")
}

func (p periodFlags) calendar(loc *time.Location) metrics.Calendar {
	c := metrics.Calendar{Period: metrics.Period(p.Period), Loc: loc, WeekStart: time.Monday}
	if p.WeekStart == "sunday" {
		c.WeekStart = time.Sunday
	}
	return c
}

// optional is the calendar, or nil when no period was asked for.
func (p periodFlags) optional(loc *time.Location) *metrics.Calendar {
	if p.Period == "" {
		return nil
	}
	c := p.calendar(loc)
	return &c
}

// activityRun is what an activity command works on.
type activityRun struct {
	data *ingest.Dataset
	act  *metrics.Activity
	asOf int64
}

// loadActivity reads the input into an Activity accumulator: per user, the
// local days with activity, not the events.
func loadActivity(ios *IOStreams, in *InputFlags, r *ReportFlags, args []string, cfg metrics.ActivityConfig) (*activityRun, error) {
	cfg.Loc = r.loc
	cfg.ActiveEvents = r.ActiveEvents
	act := metrics.NewActivity(cfg)
	d, asOf, err := r.read(ios, in, args, ingest.Need{Sink: act})
	if err != nil {
		return nil, err
	}
	return &activityRun{data: d, act: act, asOf: asOf}, nil
}

func (a *activityRun) loaded() *loaded { return &loaded{data: a.data, asOf: a.asOf} }

func activityParams(r *ReportFlags, p map[string]any) map[string]any {
	active := r.ActiveEvents
	if active == nil {
		active = []string{}
	}
	p["active_events"] = active
	return p
}

// ---------------------------------------------------------------------------

// RetentionOptions are the flags of `uptake retention`.
type RetentionOptions struct {
	IO          *IOStreams
	Input       InputFlags
	Report      ReportFlags
	Period      periodFlags
	Periods     int
	StartEvent  string
	ReturnEvent string
	Cohort      string
	Mode        string
	WindowMode  string
	Args        []string
}

// NewCmdRetention builds `uptake retention`.
func NewCmdRetention(ios *IOStreams, runF func(*RetentionOptions) error) *cobra.Command {
	opts := &RetentionOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "retention [FILE...]",
		Short: "Cohort retention table",
		Long: `The cohort retention table (docs/metrics.md#retention). A user's cohort is
the calendar period (day, week or month in --tz) of their first --start-event
(default: their first activity); with --cohort recurring a user joins a cohort
in every period in which they did the start event. Users whose first start
event is outside --from/--to are left out.

Offset k (columns 0..--periods) counts users active in calendar period cohort+k
(the spreadsheet triangle; column 0 includes the start event when it is
activity), or with --window-mode elapsed in the k-th 24 h / 7 d / 30 d bracket
after the user's own start (D1, D7, D30). --mode unbounded counts a user at k
when active at k or any later offset. Activity is any event but internal ones,
or only --active-event names; --return-event E counts only E as a return.

Cells not complete at --as-of are marked incomplete (* in the table) and left out
of the summary row, which is Σ retained / Σ eligible over complete cells. On a
terminal the rates are a colour heatmap.

With --since (history before it is missing), a first-time cohort is the users
first seen since --since, and the cohort holding --since also holds users active
before it: it is marked warm_up, "(warm-up)" in the table, and left out of the
summary row.`,
		Example: `  uptake retention --demo
  uptake retention --demo --period month --periods 5 --by plan
  uptake retention --demo --period day --periods 30 --window-mode elapsed --start-event signup
  uptake retention online_retail.csv.gz --event-name purchase --user-col CustomerID --period month \
      --where 'InvoiceNo !~ ^C' --where 'Quantity > 0' --where 'CustomerID != ""'
  uptake retention --demo --format json | jq '.result.summary[] | {offset, rate: .rate.value}'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Periods < 0 || opts.Periods > 1000 {
				return usageErrorf("--periods %d: want 0 to 1000", opts.Periods)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRetention(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	opts.Period.add(cmd, "week", []string{"day", "week", "month"})
	f := cmd.Flags()
	f.IntVar(&opts.Periods, "periods", 8, "Offsets after the cohort period (columns 0..N)")
	f.StringVar(&opts.StartEvent, "start-event", "", "Event that puts a user in a cohort (default: first activity)")
	f.StringVar(&opts.ReturnEvent, "return-event", "", "Event that counts as a return (default: any activity)")
	enumFlag(cmd, &opts.Cohort, "cohort", "first-time", []string{"first-time", "recurring"}, "Cohort membership")
	enumFlag(cmd, &opts.Mode, "mode", "exact", []string{"exact", "unbounded"}, "Retained at k: active at k, or at k or later")
	enumFlag(cmd, &opts.WindowMode, "window-mode", "calendar", []string{"calendar", "elapsed"}, "Calendar periods, or brackets after each user's start")
	return cmd
}

func runRetention(opts *RetentionOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	cal := opts.Period.calendar(r.loc)
	cfg := metrics.ActivityConfig{StartEvent: opts.StartEvent, ReturnEvent: opts.ReturnEvent, KeepTimes: opts.WindowMode == "elapsed"}
	if opts.Cohort == "recurring" {
		cfg.StartPeriods = &cal
	}
	opts.Input.refer("--start-event", eventRef, opts.StartEvent)
	opts.Input.refer("--return-event", eventRef, opts.ReturnEvent)
	run, err := loadActivity(opts.IO, &opts.Input, r, opts.Args, cfg)
	if err != nil {
		return err
	}
	p := metrics.RetentionParams{Cal: cal, Periods: opts.Periods, Recurring: opts.Cohort == "recurring", Unbounded: opts.Mode == "unbounded",
		Elapsed: opts.WindowMode == "elapsed", Range: r.rng(run.asOf), Level: r.Conf, Since: nanos(r.sinc)}
	all, warnings := bySegment(run.act.AllUsers(), r.By, segments(run.data.UserProps[r.By]),
		func(users []int32) metrics.RetentionResult { return metrics.Retention(run.act, users, p) },
		func(x metrics.RetentionResult) []metrics.Warning { return x.Warnings })
	start := opts.StartEvent
	startText := "first " + start
	if start == "" {
		start, startText = "first activity", "first activity"
	}
	ret := opts.ReturnEvent
	if ret == "" {
		ret = "any activity"
	}
	params := activityParams(r, map[string]any{"period": opts.Period.Period, "periods": opts.Periods, "start_event": start, "return_event": ret,
		"cohort": opts.Cohort, "mode": opts.Mode, "window_mode": opts.WindowMode, "week_start": opts.Period.WeekStart, "incomplete": "mark"})
	env := r.envelope("retention", params, run.loaded(), &opts.Input, all, warnings)
	doc := report.Doc{Title: fmt.Sprintf("Retention by %s cohort (%s, %s, %s)", opts.Period.Period, opts.Cohort, opts.Mode, opts.WindowMode)}
	doc.Add("cohort", fmt.Sprintf("the %s of each user's %s", opts.Period.Period, map[bool]string{true: "start events (recurring)", false: startText}[opts.Cohort == "recurring"]))
	doc.Add("retained", "did "+ret+" in "+all.Overall.Columns[min(1, len(all.Overall.Columns)-1)].Window+" (column 1; see the notes)")
	tables := func(title string, x metrics.RetentionResult) report.Table {
		t := report.Table{Title: title, Columns: []report.Column{{Key: "cohort"}, {Key: "size", Kind: report.Int}}}
		for _, c := range x.Columns {
			t.Columns = append(t.Columns, report.Column{Key: strconv.Itoa(c.Offset), Kind: report.Percent})
		}
		for _, c := range x.Cohorts {
			label := c.Cohort
			if c.Status == "warm_up" {
				label += " (warm-up)"
			}
			row := []any{label, c.Size}
			for _, p := range c.Periods {
				mark := ""
				if p.Status == "incomplete" {
					mark = "*"
				}
				if p.NotStarted {
					row = append(row, "")
					continue
				}
				row = append(row, report.Heat{Value: p.Rate.Value, Mark: mark})
			}
			t.Rows = append(t.Rows, row)
		}
		sum := []any{"all (complete)", nil}
		for _, p := range x.Summary {
			sum = append(sum, report.Heat{Value: p.Rate.Value})
		}
		t.Rows = append(t.Rows, sum)
		return t
	}
	doc.Tables = append(doc.Tables, all.tables("Cohorts", r.By, tables)...)
	csv := report.Table{Columns: append(append([]report.Column{{Key: "segment"}, {Key: "cohort"}, {Key: "size", Kind: report.Int}, {Key: "offset", Kind: report.Int},
		{Key: "eligible", Kind: report.Int}, {Key: "retained", Kind: report.Int}}, metrics.CICols("rate")...), report.Column{Key: "status"})}
	addCSV := func(seg string, x metrics.RetentionResult) {
		for _, c := range x.Cohorts {
			for _, p := range c.Periods {
				csv.Rows = append(csv.Rows, append(append([]any{seg, c.Cohort, c.Size, p.Offset, p.Eligible, p.Retained}, metrics.CIVals(p.Rate)...), p.Status))
			}
		}
		for _, p := range x.Summary {
			csv.Rows = append(csv.Rows, append(append([]any{seg, "(all)", nil, p.Offset, p.Eligible, p.Retained}, metrics.CIVals(p.Rate)...), p.Status))
		}
	}
	addCSV("(all)", all.Overall)
	for _, s := range all.Segments {
		addCSV(s.Name, s.Result)
	}
	doc.CSV = &csv
	for _, c := range all.Overall.Columns {
		doc.Notes = append(doc.Notes, fmt.Sprintf("column %d: %s", c.Offset, c.Window))
	}
	doc.Notes = append(doc.Notes, "* incomplete at as_of "+env.AsOf+": running numbers, left out of the summary row")
	if len(all.Overall.Cohorts) > 0 && all.Overall.Cohorts[0].Status == "warm_up" {
		doc.Notes = append(doc.Notes, "warm-up: the cohort holding --since may hold users active before it; left out of the summary row")
	}
	return r.Out.write(opts.IO, env, doc, r.loc)
}

// ---------------------------------------------------------------------------

// PeriodOptions are the flags of `uptake churn` and `uptake lifecycle`.
type PeriodOptions struct {
	IO     *IOStreams
	Input  InputFlags
	Report ReportFlags
	Period periodFlags
	Args   []string
}

// NewCmdChurn builds `uptake churn`.
func NewCmdChurn(ios *IOStreams, runF func(*PeriodOptions) error) *cobra.Command {
	opts := &PeriodOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "churn [FILE...]",
		Short: "Period retention and churn of active users",
		Long: `Per period P: the users active in the previous period (start_users), how many
were active again in P (retained), and churn = churned / start_users with a
Wilson interval (docs/metrics.md#churn, activity basis). Users new in P are in
neither. The current, incomplete period is left out.`,
		Example: `  uptake churn --demo
  uptake churn --demo --period week --by plan
  uptake churn --demo --format json | jq '.result.periods[] | {period, churn: .churn_rate.value}'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runPeriodMetric(opts, "churn")
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	opts.Period.add(cmd, "month", []string{"week", "month"})
	return cmd
}

// NewCmdLifecycle builds `uptake lifecycle`.
func NewCmdLifecycle(ios *IOStreams, runF func(*PeriodOptions) error) *cobra.Command {
	opts := &PeriodOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "lifecycle [FILE...]",
		Short: "New, returning, resurrecting and dormant users per period",
		Long: `Classifies the users active in each period (docs/metrics.md#lifecycle): new
(first seen in the period), returning (also active in the previous period),
resurrecting (active again after a gap), and dormant (active in the previous
period, not in this one; a positive count in JSON, negative in the table). Pulse is
(new + resurrecting) / dormant.

First seen is over the whole input, which is assumed to hold each user's whole
history. With --since (history before it is missing), the first period is a
warm-up with no breakdown and "new" means first seen since --since.`,
		Example: `  uptake lifecycle --demo
  uptake lifecycle --demo --period month --since 2024-02-01
  uptake lifecycle --demo --format json | jq '.result.periods[-1]'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runPeriodMetric(opts, "lifecycle")
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	opts.Period.add(cmd, "week", []string{"day", "week", "month"})
	return cmd
}

func runPeriodMetric(opts *PeriodOptions, metric string) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	cal := opts.Period.calendar(r.loc)
	run, err := loadActivity(opts.IO, &opts.Input, r, opts.Args, metrics.ActivityConfig{})
	if err != nil {
		return err
	}
	params := activityParams(r, map[string]any{"period": opts.Period.Period, "week_start": opts.Period.WeekStart})
	rng := r.rng(run.asOf)
	if metric == "churn" {
		params["basis"] = "activity"
		all, warnings := bySegment(run.act.AllUsers(), r.By, segments(run.data.UserProps[r.By]),
			func(users []int32) metrics.ChurnResult { return metrics.Churn(run.act, users, cal, rng, r.Conf) },
			func(x metrics.ChurnResult) []metrics.Warning { return x.Warnings })
		env := r.envelope("churn", params, run.loaded(), &opts.Input, all, warnings)
		doc := report.Doc{Title: fmt.Sprintf("Churn by %s (activity basis)", opts.Period.Period)}
		tbl := func(title string, x metrics.ChurnResult) report.Table {
			t := report.Table{Title: title, Columns: append(append([]report.Column{{Key: "period"}, {Key: "start_users", Header: "active before", Kind: report.Int},
				{Key: "retained", Kind: report.Int}, {Key: "churned", Kind: report.Int}}, metrics.CICols("churn_rate")...),
				report.Column{Key: "retention_rate", Header: "retention", Kind: report.Percent})}
			for _, p := range x.Periods {
				t.Rows = append(t.Rows, append(append([]any{p.Period, p.StartUsers, p.Retained, p.Churned}, metrics.CIVals(p.ChurnRate)...), p.RetentionRate.Value))
			}
			return t
		}
		doc.Tables = append(doc.Tables, all.tables("Periods", r.By, tbl)...)
		return r.Out.write(opts.IO, env, doc, r.loc)
	}
	since := nanos(r.sinc)
	all, warnings := bySegment(run.act.AllUsers(), r.By, segments(run.data.UserProps[r.By]),
		func(users []int32) metrics.LifecycleResult { return metrics.Lifecycle(run.act, users, cal, rng, since) },
		func(x metrics.LifecycleResult) []metrics.Warning { return x.Warnings })
	env := r.envelope("lifecycle", params, run.loaded(), &opts.Input, all, warnings)
	doc := report.Doc{Title: fmt.Sprintf("Lifecycle by %s", opts.Period.Period), Notes: []string{"assumption: " + all.Overall.Assumption}}
	tbl := func(title string, x metrics.LifecycleResult) report.Table {
		t := report.Table{Title: title, Columns: []report.Column{{Key: "period"}, {Key: "active", Kind: report.Int}, {Key: "new", Kind: report.Int},
			{Key: "returning", Kind: report.Int}, {Key: "resurrecting", Kind: report.Int}, {Key: "dormant", Kind: report.Int},
			{Key: "pulse", Kind: report.Float}, {Key: "status"}}}
		for _, p := range x.Periods {
			if p.Status == "warm_up" {
				t.Rows = append(t.Rows, []any{p.Period, p.Active, nil, nil, nil, nil, nil, p.Status})
				continue
			}
			t.Rows = append(t.Rows, []any{p.Period, p.Active, p.New, p.Returning, p.Resurrecting, -p.Dormant, p.Pulse, p.Status})
		}
		return t
	}
	doc.Tables = append(doc.Tables, all.tables("Periods", r.By, tbl)...)
	return r.Out.write(opts.IO, env, doc, r.loc)
}

// ---------------------------------------------------------------------------

// EngagementOptions are the flags of `uptake engagement`.
type EngagementOptions struct {
	IO         *IOStreams
	Input      InputFlags
	Report     ReportFlags
	MAUWindow  string
	Interval   string
	WeekStart  string
	MinEvents  int
	Stickiness string
	Args       []string
}

// NewCmdEngagement builds `uptake engagement`.
func NewCmdEngagement(ios *IOStreams, runF func(*EngagementOptions) error) *cobra.Command {
	opts := &EngagementOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "engagement [FILE...]",
		Short: "DAU, WAU, MAU, stickiness and the active-days histogram",
		Long: `Per calendar day in --tz (docs/metrics.md#engagement): DAU, WAU (the 7 days
ending that day), MAU (the 30 days ending that day; --mau-window 28, or
calendar-month for the month to date), all counts of distinct users, and
stickiness = DAU/MAU. Days whose lookback reaches before the start of history
(--since, default the first event) are marked incomplete_lookback and left out
of the range stickiness, which is the mean of the daily ratios (or
--stickiness ratio-of-means).

The histogram counts users by how many intervals of the reporting range
(--interval day|week|month; partial first and last intervals included) they
were active in, where an interval counts only with at least --min-events
activity events.`,
		Example: `  uptake engagement --demo
  uptake engagement --demo --interval week --min-events 3 --from 2024-03-01 --to 2024-06-01
  uptake engagement --demo --format json | jq '.result.stickiness'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.MinEvents < 1 {
				return usageErrorf("--min-events must be at least 1, got %d", opts.MinEvents)
			}
			if runF != nil {
				return runF(opts)
			}
			return runEngagement(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	enumFlag(cmd, &opts.MAUWindow, "mau-window", "30", []string{"30", "28", "calendar-month"}, "MAU window")
	enumFlag(cmd, &opts.Interval, "interval", "day", []string{"day", "week", "month"}, "Histogram interval")
	enumFlag(cmd, &opts.WeekStart, "week-start", "monday", []string{"monday", "sunday"}, "First day of a week")
	enumFlag(cmd, &opts.Stickiness, "stickiness", "mean-of-ratios", []string{"mean-of-ratios", "ratio-of-means"}, "How daily ratios combine over the range")
	cmd.Flags().IntVar(&opts.MinEvents, "min-events", 1, "Activity events an interval needs to count in the histogram")
	return cmd
}

func runEngagement(opts *EngagementOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	run, err := loadActivity(opts.IO, &opts.Input, r, opts.Args, metrics.ActivityConfig{})
	if err != nil {
		return err
	}
	iv := periodFlags{Period: opts.Interval, WeekStart: opts.WeekStart}
	p := metrics.EngagementParams{MAUWindow: opts.MAUWindow, Stickiness: opts.Stickiness, Interval: iv.calendar(r.loc),
		MinEvents: opts.MinEvents, Range: r.rng(run.asOf), Since: nanos(r.sinc)}
	all, warnings := bySegment(run.act.AllUsers(), r.By, segments(run.data.UserProps[r.By]),
		func(users []int32) metrics.EngagementResult { return metrics.Engagement(run.act, users, p) },
		func(x metrics.EngagementResult) []metrics.Warning { return x.Warnings })
	params := activityParams(r, map[string]any{"mau_window": opts.MAUWindow, "interval": opts.Interval, "min_events": opts.MinEvents,
		"stickiness": opts.Stickiness, "week_start": opts.WeekStart})
	env := r.envelope("engagement", params, run.loaded(), &opts.Input, all, warnings)
	x := all.Overall
	doc := report.Doc{Title: "Engagement"}
	st := "–"
	if x.Stickiness != nil {
		st = report.Pct(*x.Stickiness)
	}
	doc.Add("stickiness (DAU/MAU)", fmt.Sprintf("%s, %s over %d complete days", st, x.StickinessMethod, x.CompleteDays))
	if x.MeanDAU != nil {
		doc.Add("mean DAU / MAU", fmt.Sprintf("%.1f / %.1f", *x.MeanDAU, *x.MeanMAU))
	}
	hist := report.Table{Title: fmt.Sprintf("Active %ss in the range (%d %ss; at least %s each)", opts.Interval, x.Intervals, opts.Interval, plural(opts.MinEvents, "event")),
		Columns: []report.Column{{Key: "intervals", Header: opts.Interval + "s", Kind: report.Int}, {Key: "users", Kind: report.Int}, {Key: "users_at_least", Header: "at least", Kind: report.Int}}}
	for _, b := range x.Histogram {
		hist.Rows = append(hist.Rows, []any{b.Intervals, b.Users, b.UsersAtLeast})
	}
	days := report.Table{Title: "Days", Columns: []report.Column{{Key: "day"}, {Key: "dau", Kind: report.Int}, {Key: "wau", Kind: report.Int},
		{Key: "mau", Kind: report.Int}, {Key: "stickiness", Kind: report.Percent}, {Key: "status"}}}
	for _, d := range x.Days {
		days.Rows = append(days.Rows, []any{d.Day, d.DAU, d.WAU, d.MAU, d.Stickiness, d.Status})
	}
	doc.Tables = append(doc.Tables, hist, days)
	doc.Primary = 1
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: []report.Column{{Key: "segment"}, {Key: "stickiness", Kind: report.Percent},
			{Key: "mean_dau", Header: "mean DAU", Kind: report.Float}, {Key: "mean_mau", Header: "mean MAU", Kind: report.Float}}}
		for _, s := range all.Segments {
			t.Rows = append(t.Rows, []any{s.Name, s.Result.Stickiness, s.Result.MeanDAU, s.Result.MeanMAU})
		}
		doc.Tables = append(doc.Tables, t)
	}
	doc.Notes = append(doc.Notes, "stickiness above 20% is often called good; it is a rule of thumb, not a verdict")
	return r.Out.write(opts.IO, env, doc, r.loc)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
