package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/event"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// MetricOptions are the flags of a registered metric's command: the input
// and reporting flags every metric shares, and the metric's own settings.
type MetricOptions struct {
	IO       *IOStreams
	Metric   metrics.Metric
	Input    InputFlags
	Report   ReportFlags
	Settings any // the metric's *S, set by its flags
	Args     []string
	// Config and ConfigMetric take the settings from a config file's item.
	Config, ConfigMetric string
}

// NewCmdMetric builds the command of a registered metric: everything about
// it comes from the metric's definition.
func NewCmdMetric(ios *IOStreams, m metrics.Metric, runF func(*MetricOptions) error) *cobra.Command {
	cmd, opts, prepare := newMetricCmd(ios, m)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Args = args
		if err := opts.fromConfig(cmd); err != nil {
			return err
		}
		if err := prepare(); err != nil {
			return &usageError{err}
		}
		if runF != nil {
			return runF(opts)
		}
		return runMetric(opts)
	}
	cmd.Flags().StringVar(&opts.Config, "config", "", "Take this command's settings from a config `file` (see docs/config.md); flags given here win")
	cmd.Flags().StringVar(&opts.ConfigMetric, "metric", "", "The `name` of the metric in --config to run (default: the config's only metric of this kind)")
	return cmd
}

// newMetricCmd builds a metric's command without its run: its flags set
// opts, and prepare checks the settings they hold (for report, which sets
// them from a config file).
func newMetricCmd(ios *IOStreams, m metrics.Metric) (*cobra.Command, *MetricOptions, func() error) {
	info := m.About()
	opts := &MetricOptions{IO: ios, Metric: m, Settings: m.NewSettings()}
	cmd := &cobra.Command{
		Use:     info.Name + " " + info.Use,
		Short:   info.Short,
		Long:    info.Long,
		Example: info.Example,
		GroupID: "metrics",
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, info.ActiveEvents)
	if a := info.UsersOutAlias; a != "" {
		cmd.Flags().StringVar(&opts.Report.UsersOut, a, "", "The same as --users-out: the per-"+strings.TrimSuffix(a, "s-out")+" rows to `file`")
		cmd.MarkFlagsMutuallyExclusive("users-out", a)
	}
	checkValues := bindSettings(cmd, opts.Settings, info.FlagUsage)
	for _, group := range info.Exclusive {
		cmd.MarkFlagsMutuallyExclusive(group...)
	}
	prepare := func() error {
		if err := checkValues(); err != nil {
			return err
		}
		return m.Validate(opts.Settings)
	}
	return cmd, opts, prepare
}

// fromConfig sets the flags the command line left alone from the metric's
// item in --config (and the config's input: section), and takes the
// config's files when no FILE was given.
func (opts *MetricOptions) fromConfig(cmd *cobra.Command) error {
	if opts.Config == "" {
		if opts.ConfigMetric != "" {
			return usageErrorf("--metric needs --config")
		}
		return nil
	}
	cfg, err := loadConfig(opts.Config)
	if err != nil {
		return err
	}
	name := opts.Metric.About().Name
	var item *configMetric
	if opts.ConfigMetric != "" {
		if item, err = cfg.metric(opts.ConfigMetric); err != nil {
			return err
		}
		if item.metric != name {
			return usageErrorf("--metric %s: in %s it is a %s metric, not %s: run uptake %s --config %s --metric %s", item.name, cfg.path, item.metric, name, item.metric, cfg.path, item.name)
		}
	} else {
		var of []string
		for i := range cfg.metrics {
			if cfg.metrics[i].metric == name {
				item = &cfg.metrics[i]
				of = append(of, item.name)
			}
		}
		if len(of) != 1 {
			return usageErrorf("%s has %d %s metrics (%s): choose one with --metric NAME", cfg.path, len(of), name, strings.Join(of, ", "))
		}
	}
	errs := &configErrors{path: cfg.path}
	apply(cmd.Flags(), item.settings, errs, "metric "+name)
	// input: holds input flags, and reporting flags as every metric's
	// defaults: this command takes those it has, as report does
	var input []setting
	for _, s := range cfg.input {
		if isInputFlag(s.key) || !reportingKey(s.key) || cmd.Flags().Lookup(s.key) != nil {
			input = append(input, s)
		}
	}
	amountGiven := cmd.Flags().Changed("amount")
	apply(cmd.Flags(), input, errs, "input")
	opts.Input.amountFromConfig = !amountGiven && opts.Input.Amount != ""
	if len(opts.Args) == 0 && !opts.Input.Demo {
		opts.Args = cfg.files
	}
	return errs.err()
}

func runMetric(opts *MetricOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	return runJob(opts.IO, &opts.Input, r, opts.Args, &job{metric: opts.Metric, settings: opts.Settings, report: r})
}

// runJob computes one job (a metric command's, or compare's) and writes its
// per-user rows and its output.
func runJob(ios *IOStreams, in *InputFlags, r *ReportFlags, args []string, j *job) error {
	d, asOf, err := evaluate(ios, in, r, args, []*job{j})
	if err != nil {
		return err
	}
	env, err := j.envelope(&loaded{data: d, asOf: asOf}, in)
	if err != nil {
		return err
	}
	if err := j.writeUsers(ios); err != nil {
		return err
	}
	return r.Out.write(ios, env, j.result.Doc, r.loc)
}

// writeUsers writes the job's per-user rows to its --users-out file, if
// any: after everything was computed, before any output, so that a failed
// run writes no file and a file that cannot be written fails the run.
func (j *job) writeUsers(ios *IOStreams) error {
	path := j.report.UsersOut
	if path == "" {
		return nil
	}
	var b strings.Builder
	if err := report.WriteRows(&b, j.users, report.JSONLines(path), report.Options{TZ: j.report.loc, CSVRaw: j.report.Out.CSVRaw}); err != nil {
		return err
	}
	if err := writeOutput(ios, path, b.String()); err != nil {
		return fmt.Errorf("--users-out: %w", err)
	}
	return nil
}

// job is one metric to compute, with its settings and reporting flags.
type job struct {
	metric   metrics.Metric
	settings any
	report   *ReportFlags // resolved
	result   metrics.Result
	act      *metrics.Activity
	sum      metrics.Summary // with Needs.Summary
	answers  *answerRead     // with Needs.Answers
	users    report.Table    // the per-user rows, with --users-out
	run      *metrics.Run
	all      []int32 // the units the overall figures count
	segs     []metrics.Segment
}

// readPlan is what one read must keep for a set of jobs: the union of
// their needs, and the summaries the read feeds (one per distinct
// configuration: jobs whose configurations are alike share one).
type readPlan struct {
	need   ingest.Need
	sinks  event.Tee
	acts   map[string]*metrics.Activity
	sums   map[string]metrics.Summary
	needs  []metrics.Needs // per job
	events bool            // some job keeps events in a Log
	// details: some job reads the Log's event details (properties,
	// amounts); survey answers read theirs from the read
	details bool
}

// planRead gathers what the jobs need of the read, checks the names and
// flags they give, and sets each job's shared summaries.
func planRead(in *InputFlags, jobs []*job) (*readPlan, error) {
	var need ingest.Need
	var sinks event.Tee
	acts := map[string]*metrics.Activity{}
	sums := map[string]metrics.Summary{}
	needs := make([]metrics.Needs, len(jobs))
	events := false    // some job keeps events in a Log
	details := false   // some job reads the Log's event details
	detailAll := false // some job reads details of every event
	amounts := false
	for i, j := range jobs {
		n := j.metric.NeedsOf(j.settings)
		if n.AmountRows && in.Amount == "" {
			n.AmountRows, n.AllEvents = false, true // no amounts to find the rows by
		}
		needs[i] = n
		for _, ref := range n.Refs {
			kind := eventRef
			if ref.Property {
				kind = propertyRef
			}
			in.refer(ref.Flag, kind, ref.Names...)
			if !ref.Property {
				if err := in.selectEvents(ref.Flag, ref.Names); err != nil {
					return nil, err
				}
			}
		}
		need.Events = append(need.Events, n.Events...)
		need.AllEvents = need.AllEvents || n.AllEvents
		need.AmountRows = need.AmountRows || n.AmountRows
		amt := n.Amounts || (n.AmountsIfGiven && in.Amount != "")
		if len(n.EventProps) > 0 || amt {
			for _, p := range n.EventProps {
				if !slices.Contains(need.EventProps, p) {
					need.EventProps = append(need.EventProps, p)
				}
			}
			if amt {
				if err := in.needAmount(j.metric.About().Name); err != nil {
					return nil, err
				}
				amounts, need.Amounts = true, true
			}
			details, detailAll = true, detailAll || n.AllEvents
			need.DetailEvents = append(need.DetailEvents, n.Events...)
		}
		events = events || len(n.Events) > 0 || n.AllEvents || n.AmountRows
		if n.Answers != nil {
			if err := needAnswers(&need, in, n.Answers); err != nil {
				return nil, err
			}
		}
		in.refer("--by", propertyRef, j.report.By)
		in.refer("--active-event", eventRef, j.report.ActiveEvents...)
		if err := in.selectEvents("--active-event", j.report.ActiveEvents); err != nil {
			return nil, err
		}
		for _, p := range append(slices.Clone(n.UserProps), j.report.By) {
			if p != "" && !slices.Contains(need.UserProps, p) {
				need.UserProps = append(need.UserProps, p)
			}
		}
		if n.Activity != nil {
			cfg := *n.Activity
			cfg.Loc, cfg.ActiveEvents = j.report.loc, j.report.ActiveEvents
			if shared, ok := acts[cfg.Key()]; ok {
				j.act = shared // the same summary: read once, computed on by both
			} else {
				j.act = metrics.NewActivity(cfg)
				acts[cfg.Key()] = j.act
				sinks = append(sinks, j.act)
			}
		}
		if n.Summary != nil {
			key := n.Summary.Key + " in " + j.report.loc.String()
			if shared, ok := sums[key]; ok {
				j.sum = shared
			} else {
				j.sum = n.Summary.New(j.report.loc)
				sums[key] = j.sum
				sinks = append(sinks, j.sum)
			}
		}
	}
	if detailAll {
		need.DetailEvents = nil // every kept event's
	}
	if !amounts && len(jobs) == 1 && !in.amountFromConfig {
		// a config's input: amount serves the metrics that read amounts
		if err := in.noAmount(jobs[0].metric.About().Name); err != nil {
			return nil, err
		}
	}
	switch len(sinks) {
	case 0:
	case 1:
		need.Sink = sinks[0]
	default:
		need.Sink = sinks
	}
	return &readPlan{need: need, sinks: sinks, acts: acts, sums: sums, needs: needs, events: events, details: details}, nil
}

// evaluate reads the input once for every job and computes each. The read
// keeps the union of what the jobs need (planRead). Reading is bounded by r's --since and --as-of, which all jobs share. Jobs
// that count survey answers get them from the same read (answer events) or,
// alone, from survey files (answers.go).
func evaluate(ios *IOStreams, in *InputFlags, r *ReportFlags, args []string, jobs []*job) (*ingest.Dataset, int64, error) {
	rp, err := planRead(in, jobs)
	if err != nil {
		return nil, 0, err
	}
	need, sinks, acts, sums, needs, events := rp.need, rp.sinks, rp.acts, rp.sums, rp.needs, rp.events
	d, asOf, err := readJobs(ios, in, r, args, need, jobs, needs)
	if err != nil {
		for _, s := range sinks { // a summary counting on its own goroutine stops it
			if a, ok := s.(interface{ Abort() }); ok {
				a.Abort()
			}
		}
		return nil, 0, err
	}
	// Finishing the activity summaries (each user's days unpacked) needs
	// nothing below: it runs beside the survey answers' extraction, the
	// Log's build and the runs' preparation, all single-threaded.
	var finish []func()
	for _, a := range acts {
		finish = append(finish, a.Finish)
	}
	for _, s := range sums {
		finish = append(finish, s.Finish)
	}
	finished := goParallel(finish)
	defer finished()
	if err := jobsEventAnswers(d, in, jobs, needs); err != nil {
		return nil, 0, err
	}
	var log *metrics.Log
	if events {
		var det *metrics.Details
		if rp.details {
			det = &metrics.Details{Index: d.EventDetail, Amounts: d.Amounts, Props: d.EventProps}
		}
		log = metrics.NewLogEvents(d.Users, d.Names, d.Events, d.FirstSeen, det)
		d.Events = event.Events{} // the log holds them now
		log.MarkInternal(d.Internal)
		if len(in.selectors) > 0 {
			var names []string
			for _, s := range in.selectors {
				names = append(names, s.Name)
			}
			log.MarkDerived(names)
		}
	}
	for i, j := range jobs {
		jr := j.report
		run := &metrics.Run{Log: log, Activity: j.act, Summary: j.sum, Loc: jr.loc, Range: jr.rng(asOf), Level: jr.Conf, Since: nanos(jr.sinc), By: jr.By,
			AsOf: time.Unix(0, asOf).In(jr.loc).Format(time.RFC3339Nano), UserIDs: d.Users, Amount: in.Amount, UserProps: d.UserProps, MixedProps: d.UserPropsMixed,
			UserPropsAt: d.UserPropsAt}
		if j.answers != nil {
			run.Answers = j.answers.Answers
		}
		if err := j.metric.PrepareRun(run, j.settings); err != nil {
			if ue := (*metrics.UsageError)(nil); errors.As(err, &ue) {
				return nil, 0, &usageError{ue.Err}
			}
			return nil, 0, err
		}
		j.run = run
		j.segs = metrics.Segments(d.UserProps[jr.By])
		switch {
		case j.answers != nil: // its units are answers, of the users --users-where keeps (eventAnswers)
			j.all, j.segs = run.Answers.Units(jr.By)
		case len(needs[i].Events) > 0 || needs[i].AllEvents || needs[i].AmountRows:
			j.all = log.AllUsers()
		case j.act != nil:
			j.all = j.act.AllUsers()
		default:
			j.all = metrics.AllUsers(len(d.Users))
		}
		if j.answers == nil { // every metric counts the users --users-where keeps, overall and per segment
			j.all, j.segs = in.keepUnits(j.all), in.keepSegments(j.segs)
		}
		if jr.UsersOut != "" && !j.metric.HasUserRows() {
			return nil, 0, usageErrorf("--users-out: %s has no per-user rows", j.metric.About().Name)
		}
	}
	// The read is now read-only: the jobs compute side by side.
	finished()
	compute := make([]func(), len(jobs))
	for i, j := range jobs {
		compute[i] = func() {
			j.result = j.metric.Evaluate(j.run, j.settings, j.all, j.segs)
			if j.report.UsersOut != "" {
				j.users, _ = j.metric.UserRows(j.run, j.settings, j.all, j.segs)
			}
		}
	}
	goParallel(compute)()
	return d, asOf, nil
}

// goParallel starts fns, at most GOMAXPROCS at a time, and returns the
// function that waits for them all (once; later calls return at once). A
// panic in one is raised again by the wait, on the caller's goroutine,
// where cmd.Main turns it into an internal error instead of a crash.
func goParallel(fns []func()) (wait func()) {
	var wg sync.WaitGroup
	var once sync.Once
	var mu sync.Mutex
	var panicked any
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	wg.Add(len(fns))
	go func() {
		for _, fn := range fns {
			sem <- struct{}{}
			go func() {
				defer func() {
					if v := recover(); v != nil {
						mu.Lock()
						if panicked == nil {
							panicked = v
						}
						mu.Unlock()
					}
					<-sem
					wg.Done()
				}()
				fn()
			}()
		}
	}()
	return func() {
		once.Do(wg.Wait)
		if panicked != nil {
			v := panicked
			panicked = nil // raised once
			panic(v)
		}
	}
}

// envelope is the job's JSON envelope: its params joined by the reporting
// settings, its result and every warning.
func (j *job) envelope(l *loaded, in *InputFlags) (report.Envelope, error) {
	params, err := paramsMap(j.result.Params)
	if err != nil {
		return report.Envelope{}, err
	}
	if j.metric.About().ActiveEvents {
		active := j.report.ActiveEvents
		if active == nil {
			active = []string{} // every event but internal ones
		}
		params["active_events"] = active
	}
	if j.answers != nil {
		return j.answers.envelope(j.metric.About().Name, j.report, params, in, j.result.Value, j.result.Warnings), nil
	}
	return j.report.envelope(j.metric.About().Name, params, l, in, j.result.Value, j.result.Warnings), nil
}

// paramsMap turns a metric's params into the envelope's object, whose keys
// the reporting settings join.
func paramsMap(p any) (map[string]any, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		out[k] = v
	}
	return out, nil
}
