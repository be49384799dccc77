package cmd

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// ReportFlags are the reporting flags of every metric command.
type ReportFlags struct {
	TZ           string
	From, To     string
	AsOf, Since  string
	ActiveEvents []string
	By           string
	Conf         float64
	Out          output
	// UsersOut is the file for the per-user rows behind the figures.
	UsersOut string

	loc                  *time.Location
	from, to, asOf, sinc *time.Time
}

func (r *ReportFlags) add(cmd *cobra.Command, active bool) {
	f := cmd.Flags()
	f.StringVar(&r.TZ, "tz", "UTC", "IANA `zone` for calendar days, weeks and months")
	f.StringVar(&r.From, "from", "", "Start of the reporting range (RFC 3339 or YYYY-MM-DD in --tz), inclusive")
	f.StringVar(&r.To, "to", "", "End of the reporting range, exclusive")
	f.StringVar(&r.AsOf, "as-of", "", "Exclusive end of observed data (default: just after the last event, or the day after the last date when the times are dates only); later events are ignored")
	f.StringVar(&r.Since, "since", "", "Start of observed history (default: the first event); earlier events are ignored")
	if active {
		f.StringArrayVar(&r.ActiveEvents, "active-event", nil, "Only this event counts as activity; repeatable")
	}
	f.StringVar(&r.By, "by", "", "Break every figure down by this property (each user's first seen value)")
	f.Float64Var(&r.Conf, "conf", 0.95, "Confidence `level` of every interval")
	r.Out.add(cmd)
	f.StringVar(&r.UsersOut, "users-out", "", "Also write the per-user rows behind the figures to `file`: JSON lines when it ends in .jsonl or .ndjson, CSV otherwise")
	f.BoolVar(&r.Out.All, "all", false, "With --format table, show long tables whole: every day and every column (default: what fits the terminal, or 100 columns on a pipe)")
	_ = cmd.RegisterFlagCompletionFunc("tz", completeZones)
}

// resolve parses zone, times and level; errors are usage errors.
func (r *ReportFlags) resolve() error {
	loc, err := loadZone(r.TZ, "--tz")
	if err != nil {
		return err
	}
	r.loc = loc
	if !(r.Conf > 0 && r.Conf < 1) {
		return usageErrorf("--conf %v: want a level between 0 and 1, such as 0.95", r.Conf)
	}
	for _, t := range []struct {
		flag, v string
		p       **time.Time
	}{{"--from", r.From, &r.from}, {"--to", r.To, &r.to}, {"--as-of", r.AsOf, &r.asOf}, {"--since", r.Since, &r.sinc}} {
		if t.v == "" {
			continue
		}
		tm, err := parseTimeFlag(t.v, loc)
		if err != nil {
			return usageErrorf("%s %q: want RFC 3339 (2024-03-01T00:00:00Z) or YYYY-MM-DD", t.flag, t.v)
		}
		if err := ingest.CheckTime(tm); err != nil {
			return usageErrorf("%s %q: %v", t.flag, t.v, err)
		}
		*t.p = &tm
	}
	if r.from != nil && r.to != nil && !r.from.Before(*r.to) {
		return usageErrorf("--from %s is not before --to %s", r.From, r.To)
	}
	if r.sinc != nil && r.asOf != nil && !r.sinc.Before(*r.asOf) {
		return usageErrorf("--since %s is not before --as-of %s", r.Since, r.AsOf)
	}
	return nil
}

func parseTimeFlag(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", v, loc)
}

// loaded is what a metric command works on.
type loaded struct {
	data *ingest.Dataset
	asOf int64
}

// read reads the input within --since and --as-of (need holds what the
// jobs keep, their --by properties too) and returns it with the as_of in
// force: --as-of, or asOfDefault's.
func (r *ReportFlags) read(ios *IOStreams, in *InputFlags, args []string, need ingest.Need) (*ingest.Dataset, int64, error) {
	d, err := in.read(ios, args, need, r.sinc, r.asOf)
	if err != nil {
		return nil, 0, err
	}
	if r.asOf != nil {
		return d, r.asOf.UnixNano(), nil
	}
	t, _ := asOfDefault(d)
	return d, t.UnixNano(), nil
}

// rng is the reporting range for metrics.
func (r *ReportFlags) rng(asOf int64) metrics.Range {
	return metrics.Range{From: nanos(r.from), To: nanos(r.to), AsOf: asOf}
}

// nanos is t in Unix nanoseconds, or nil.
func nanos(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixNano()
	return &v
}

// reportParams are the reporting settings every envelope spells out.
func (r *ReportFlags) params(asOf int64, d *ingest.Dataset) map[string]any {
	p := map[string]any{"tz": r.TZ, "conf": r.Conf, "by": r.By, "from": nullable(r.from), "to": nullable(r.to),
		"since": nullable(r.sinc), "as_of": time.Unix(0, asOf).UTC().Format(time.RFC3339Nano), "as_of_rule": "--as-of"}
	if r.asOf == nil {
		_, p["as_of_rule"] = asOfDefault(d)
	}
	return p
}

func nullable(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// envelope builds the JSON envelope of a metric result.
func (r *ReportFlags) envelope(metric string, params map[string]any, l *loaded, in *InputFlags, result any, ws []metrics.Warning) report.Envelope {
	for k, v := range r.params(l.asOf, l.data) {
		params[k] = v
	}
	warnings := append(inputWarnings(l.data, in), metricWarnings(ws)...)
	input := inputSummary(l.data)
	in.describeUsers(&input, l.data)
	return report.Envelope{Metric: metric, Params: params, Input: input,
		AsOf: time.Unix(0, l.asOf).In(r.loc).Format(time.RFC3339Nano), TZ: r.TZ, Result: result, Warnings: warnings}
}
