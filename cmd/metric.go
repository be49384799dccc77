package cmd

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
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
}

// NewCmdMetric builds the command of a registered metric: everything about
// it comes from the metric's definition.
func NewCmdMetric(ios *IOStreams, m metrics.Metric, runF func(*MetricOptions) error) *cobra.Command {
	info := m.About()
	opts := &MetricOptions{IO: ios, Metric: m, Settings: m.NewSettings()}
	cmd := &cobra.Command{
		Use:     info.Name + " " + info.Use,
		Short:   info.Short,
		Long:    info.Long,
		Example: info.Example,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := m.Validate(opts.Settings); err != nil {
				return &usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			return runMetric(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, info.ActiveEvents)
	bindSettings(cmd, opts.Settings, info.FlagUsage)
	return cmd
}

func runMetric(opts *MetricOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	m, s := opts.Metric, opts.Settings
	needs := m.NeedsOf(s)
	for _, ref := range needs.Refs {
		kind := eventRef
		if ref.Property {
			kind = propertyRef
		}
		opts.Input.refer(ref.Flag, kind, ref.Names...)
	}
	need := ingest.Need{Events: needs.Events, AllEvents: needs.AllEvents}
	var act *metrics.Activity
	if needs.Activity != nil {
		cfg := *needs.Activity
		cfg.Loc, cfg.ActiveEvents = r.loc, r.ActiveEvents
		act = metrics.NewActivity(cfg)
		need.Sink = act
	}
	d, asOf, err := r.read(opts.IO, &opts.Input, opts.Args, need)
	if err != nil {
		return err
	}
	run := &metrics.Run{Activity: act, Loc: r.loc, Range: r.rng(asOf), Level: r.Conf, Since: nanos(r.sinc), By: r.By,
		AsOf: time.Unix(0, asOf).In(r.loc).Format(time.RFC3339Nano)}
	var all []int32
	if act != nil {
		all = act.AllUsers()
	}
	if len(needs.Events) > 0 || needs.AllEvents || act == nil {
		run.Log = metrics.NewLog(d.Users, d.Names, d.Events, d.FirstSeen)
		d.Events = nil // the log holds them now
		all = run.Log.AllUsers()
	}
	res := m.Evaluate(run, s, all, metrics.Segments(d.UserProps[r.By]))
	params, err := paramsMap(res.Params)
	if err != nil {
		return err
	}
	if act != nil {
		params = activityParams(r, params)
	}
	env := r.envelope(m.About().Name, params, &loaded{data: d, asOf: asOf}, &opts.Input, res.Value, res.Warnings)
	return r.Out.write(opts.IO, env, res.Doc, r.loc)
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
