package cmd

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// ReportOptions are the flags of `uptake report`.
type ReportOptions struct {
	IO     *IOStreams
	Input  InputFlags
	Config string
	Format string
	Output string
	All    bool
	Args   []string
	flags  *pflag.FlagSet
}

// demoConfig is the config `uptake report --demo` runs when given none: the
// headline metrics of the sample export.
//
//go:embed demo_report.yaml
var demoConfig []byte

// reportFormats are report's --format values.
var reportFormats = []string{string(report.FormatTable), string(report.FormatJSON), string(report.FormatMarkdown), string(report.FormatHTML)}

// NewCmdReport builds `uptake report`.
func NewCmdReport(ios *IOStreams, runF func(*ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "report [FILE...] --config uptake.yaml",
		Short: "Every metric of a config file, from one read of the input",
		Long: `Compute every metric a config file names (docs/config.md) from one read of the
input, and print them together: a section per metric with a one-line headline,
then the tables its own command prints. --format html writes one
self-contained page (no network: inline CSS and SVG) with a chart per metric.

Each metric's params and result in --format json are exactly what its own
command prints for the same settings (uptake activation --config FILE --metric
NAME). The input is read once, so --since and --as-of must be the same for
every metric: put them under input:.

With --demo and no --config, a built-in config for the sample export runs.`,
		Example: `  uptake report --demo
  uptake report events.csv.gz --config uptake.yaml
  uptake report --config uptake.yaml --format markdown -o report.md
  uptake report --config uptake.yaml --format html -o report.html   # one self-contained page with charts
  uptake report --demo --format json | jq '.result.metrics[] | {name, rate: .result.rate.value}'`,
		GroupID: "metrics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := needConfig(opts.Config, &opts.Input); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runReport(opts)
		},
	}
	opts.Input.add(cmd)
	cmd.Flags().StringVar(&opts.Config, "config", "", "Config `file` naming the metrics (see docs/config.md)")
	enumFlag(cmd, &opts.Format, "format", "table", reportFormats, "Output format")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Write the report to `file` instead of stdout")
	cmd.Flags().BoolVar(&opts.All, "all", false, "With --format table, show long tables whole: every day and every column (default: what fits the terminal, or 100 columns otherwise)")
	opts.flags = cmd.Flags()
	return cmd
}

// needConfig refuses a config command given neither --config nor --demo
// (whose built-in config it then runs).
func needConfig(path string, in *InputFlags) error {
	if path == "" && !in.Demo {
		return usageErrorf("--config is required (or --demo, for the sample export's built-in config)")
	}
	return nil
}

func runReport(opts *ReportOptions) error {
	cfg, errs, err := readJobsConfig(opts.Config)
	if err != nil {
		return err
	}
	jobs, names, err := configJobs(opts.flags, cfg, errs)
	if err != nil {
		return err
	}
	r := jobs[0].report
	d, asOf, err := evaluateConfig(opts.IO, &opts.Input, cfg, opts.Args, jobs)
	if err != nil {
		return err
	}
	l := &loaded{data: d, asOf: asOf}
	var out strings.Builder
	var warnings []report.Warning
	inputWs := inputWarnings(d, &opts.Input)
	switch report.Format(opts.Format) {
	case report.FormatJSON:
		items := make([]reportItem, len(jobs))
		for i, j := range jobs {
			env, err := j.envelope(l, &opts.Input)
			if err != nil {
				return err
			}
			items[i] = reportItem{Name: names[i], Metric: j.metric.About().Name, Params: env.Params, Result: env.Result, Warnings: metricWarnings(j.result.Warnings)}
		}
		env := report.Envelope{Metric: "report", Params: map[string]any{"config": cfg.path}, Input: inputSummary(d),
			AsOf: time.Unix(0, asOf).In(r.loc).Format(time.RFC3339Nano), TZ: r.TZ, Result: map[string]any{"metrics": items}, Warnings: inputWs}
		if err := report.WriteJSON(&out, env); err != nil {
			return err
		}
	default:
		secs := make([]report.Section, len(jobs))
		var notes []string
		notTerminal := opts.Format != string(report.FormatTable) // read without its stderr: it carries the warnings
		for i, j := range jobs {
			secs[i] = report.Section{Name: names[i], Headline: j.result.Headline, Doc: j.result.Doc}
			if opts.Format == string(report.FormatHTML) {
				secs[i].Warnings = metricWarnings(j.result.Warnings)
			} else if notTerminal {
				for _, w := range metricWarnings(j.result.Warnings) {
					secs[i].Doc.Notes = append(secs[i].Doc.Notes, w.Note())
				}
			}
		}
		if notTerminal {
			for _, w := range inputWs {
				notes = append(notes, w.Note())
			}
		}
		title := fmt.Sprintf("uptake report: %s (%s, as of %s)", cfg.path, metrics.Plural(len(jobs), "metric"), time.Unix(0, asOf).In(r.loc).Format(time.RFC3339Nano))
		o := report.Options{TTY: opts.Output == "" && opts.IO.StdoutTTY, Color: opts.Output == "" && opts.IO.Color(), TZ: r.loc, All: opts.All}
		if opts.Output == "" {
			o.Width = opts.IO.Width
		}
		if err := report.WriteReport(&out, title, notes, secs, report.Format(opts.Format), o); err != nil {
			return err
		}
	}
	warnings = append(warnings, inputWs...)
	for i, j := range jobs {
		for _, w := range metricWarnings(j.result.Warnings) {
			warnings = append(warnings, report.Warning{Code: w.Code, Message: names[i] + ": " + w.Message})
		}
	}
	for _, j := range jobs {
		if err := j.writeUsers(opts.IO); err != nil {
			return err
		}
	}
	if err := writeOutput(opts.IO, opts.Output, out.String()); err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(opts.IO.ErrOut, report.Warn(w, opts.IO.StderrTTY && !opts.IO.NoColor))
	}
	return nil
}

// reportItem is one metric of report's JSON: what its own command prints
// in params and result, and its own warnings (the input's are the
// envelope's).
type reportItem struct {
	Name     string           `json:"name"`
	Metric   string           `json:"metric"`
	Params   any              `json:"params"`
	Result   any              `json:"result"`
	Warnings []report.Warning `json:"warnings"`
}

func metricWarnings(ws []metrics.Warning) []report.Warning {
	out := make([]report.Warning, len(ws))
	for i, w := range ws {
		out[i] = report.Warning{Code: w.Code, Message: w.Message}
	}
	return out
}

// readJobsConfig reads the config of report or check: path, or the
// built-in demo config when path is "" (--demo).
func readJobsConfig(path string) (*config, *configErrors, error) {
	if path == "" {
		return parseConfig("(built-in demo config)", demoConfig)
	}
	return readConfig(path)
}

// evaluateConfig computes the jobs of a config in one read of args (the
// config's files: when none are given).
func evaluateConfig(ios *IOStreams, in *InputFlags, cfg *config, args []string, jobs []*job) (*ingest.Dataset, int64, error) {
	if len(args) == 0 && !in.Demo {
		args = cfg.files
	}
	return evaluate(ios, in, jobs[0].report, args, jobs)
}

// configJobs turns the config's metrics into jobs: each item's settings
// set through its command's own flags, the config's input: section and the
// command line's input flags (fs) applied to the shared input. Every
// problem, errs' own too, is reported at once, with its line, before any
// data is read.
func configJobs(fs *pflag.FlagSet, cfg *config, errs *configErrors) ([]*job, []string, error) {
	if len(cfg.metrics) == 0 {
		errs.add(1, "no metrics: a report needs a metrics: list")
	}
	// input: holds input flags for the read, and reporting flags (tz,
	// since, by, …) as every metric's defaults
	var inputs, defaults []setting
	for _, s := range cfg.input {
		if fs.Lookup(s.key) != nil {
			inputs = append(inputs, s)
		} else {
			defaults = append(defaults, s)
		}
	}
	apply(fs, inputs, errs, "input")
	for _, s := range defaults {
		if s.key == "users-out" {
			errs.add(s.line, "users-out is a metric's own (each metric writes its own file): put it on a metric")
			continue
		}
		if !reportingKey(s.key) {
			msg := fmt.Sprintf("input has no setting %q (it takes input flags, and reporting flags as every metric's default)", s.key)
			if near := suggest(s.key, flagNames(fs)); len(near) > 0 {
				msg += "; did you mean " + orList(near) + "?"
			}
			errs.add(s.line, "%s", msg)
		}
	}
	var jobs []*job
	var names []string
	usersOut := map[string]string{} // --users-out file → the item writing it
	for _, item := range cfg.metrics {
		m, ok := metrics.Lookup(item.metric)
		var compared metrics.Metric // metric: compare's compare: NAME
		if item.metric == "compare" {
			if compared, ok = comparedMetric(item, errs); !ok {
				continue
			}
		}
		if !ok {
			var all []string
			for _, m := range metrics.Registry {
				all = append(all, m.About().Name)
			}
			slices.Sort(all)
			msg := fmt.Sprintf("no metric %q (metrics: %s)", item.metric, strings.Join(all, ", "))
			if near := suggest(item.metric, all); len(near) > 0 {
				msg = fmt.Sprintf("no metric %q; did you mean %s?", item.metric, orList(near))
			}
			errs.add(item.metricLine, "%s", msg)
			continue
		}
		var mc *cobra.Command
		var prepare func() error
		var rep *ReportFlags
		var set any
		if compared != nil {
			var co *CompareOptions
			mc, co, prepare = newCompareCmd(compared)
			m, rep, set = metrics.NewCompare(compared), &co.Report, co.Settings
		} else {
			var mo *MetricOptions
			mc, mo, prepare = newMetricCmd(nil, m)
			rep, set = &mo.Report, mo.Settings
		}
		mfs := mc.Flags()
		var own []setting
		for _, s := range item.settings {
			switch {
			case compared != nil && s.key == "compare":
				// the compared metric, read by comparedMetric
			case isInputFlag(s.key):
				errs.add(s.line, "%s is an input flag, and the input is read once for every metric: put it under input:", s.key)
			case s.key == "format" || s.key == "csv-raw":
				errs.add(s.line, "%s is the report's own (uptake report --%s)", s.key, s.key)
			default:
				own = append(own, s)
			}
		}
		apply(mfs, own, errs, "metric "+item.metric)
		apply(mfs, filterKnown(withoutKey(defaults, "users-out"), mfs), errs, "metric "+item.metric)
		if err := prepare(); err != nil {
			errs.add(item.line, "%s (%s): %v", item.name, item.metric, err)
			continue
		}
		if err := rep.resolve(); err != nil {
			errs.add(item.line, "%s (%s): %v", item.name, item.metric, err)
			continue
		}
		if out := rep.UsersOut; out != "" {
			if other, dup := usersOut[out]; dup {
				errs.add(item.line, "%s: users-out %s is %s's too: give each metric its own file", item.name, out, other)
				continue
			}
			usersOut[out] = item.name
		}
		if len(jobs) > 0 {
			first := jobs[0].report
			if !sameInstant(rep.sinc, first.sinc) || !sameInstant(rep.asOf, first.asOf) {
				errs.add(item.line, "%s: since and as-of must be the same for every metric (the input is read once): put them under input:", item.name)
				continue
			}
		}
		jobs = append(jobs, &job{metric: m, settings: set, report: rep})
		names = append(names, item.name)
	}
	if err := errs.err(); err != nil {
		return nil, nil, err
	}
	return jobs, names, nil
}

// comparedMetric is the metric a compare item compares, by its compare:
// key (compare's --metric: the item's metric: names the command).
func comparedMetric(item configMetric, errs *configErrors) (metrics.Metric, bool) {
	for _, s := range item.settings {
		if s.key != "compare" {
			continue
		}
		name := strings.Join(s.values, ",")
		if m, ok := metrics.Lookup(name); ok && m.Comparable() {
			return m, true
		}
		errs.add(s.line, "compare: %q: compare takes one of %s", name, strings.Join(metrics.Comparables(), ", "))
		return nil, false
	}
	errs.add(item.line, "%s: metric: compare needs compare: NAME, the metric to compare the groups on (%s)", item.name, strings.Join(metrics.Comparables(), ", "))
	return nil, false
}

// sameInstant reports whether two optional times are the same instant
// (the same flag written in two zones is one time; none equals none).
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// isInputFlag reports whether name is one of the flags every reading
// command shares for the input itself.
func isInputFlag(name string) bool {
	cmd := &cobra.Command{}
	var f InputFlags
	f.add(cmd)
	return cmd.Flags().Lookup(name) != nil
}

// reportingKey reports whether name is a reporting flag of some metric.
func reportingKey(name string) bool {
	for _, m := range metrics.Registry {
		mc, _, _ := newMetricCmd(nil, m)
		if mc.Flags().Lookup(name) != nil {
			return true
		}
	}
	return false
}

// withoutKey is ss without the settings of key.
func withoutKey(ss []setting, key string) []setting {
	var out []setting
	for _, s := range ss {
		if s.key != key {
			out = append(out, s)
		}
	}
	return out
}

// filterKnown keeps the settings fs has a flag for.
func filterKnown(ss []setting, fs *pflag.FlagSet) []setting {
	var out []setting
	for _, s := range ss {
		if fs.Lookup(s.key) != nil {
			out = append(out, s)
		}
	}
	return out
}

// writeOutput writes s to stdout, or to path through a temporary file
// renamed into place, so a failed run never leaves half a report.
func writeOutput(ios *IOStreams, path, s string) error {
	if path == "" {
		_, err := fmt.Fprint(ios.Out, s)
		return err
	}
	return writeFile(path, []byte(s), true)
}

// writeFile writes data to path through a temporary file renamed into
// place (readable by all, as a file the shell creates), so a failure never
// leaves half a file; an existing path is replaced only with overwrite.
func writeFile(path string, data []byte, overwrite bool) error {
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s exists: give --force to overwrite it", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".uptake-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
