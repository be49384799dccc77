package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
	"go.yaml.in/yaml/v3"
)

// CheckOptions are the flags of `uptake check`.
type CheckOptions struct {
	IO       *IOStreams
	Input    InputFlags
	Config   string
	Baseline string
	Format   string
	Args     []string
	flags    *pflag.FlagSet
}

// checkFormats are check's --format values.
var checkFormats = []string{"text", "json", "junit", "github"}

// NewCmdCheck builds `uptake check`.
func NewCmdCheck(ios *IOStreams, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "check [FILE...] --config uptake.yaml [--baseline report.json]",
		Short: "Fail when a metric is out of bounds or has changed (for CI)",
		Long: `Compute the metrics of a config file in one read of the input, as report
does, and evaluate its checks: (docs/config.md#checks): bounds on any figure of
a metric's result by its JSON path (min, max), and changes against a baseline,
a saved 'uptake report --format json' (max-drop, max-rise; with significant:
true only a change a test finds significant at alpha fails).

A check whose figure is null (an empty denominator), or that has no baseline
figure to compare with, is an error, never a pass. The config is checked
whole, every problem with its line, before any data is read.

--format junit writes JUnit XML (one test case per check) for CI test
reports; --format github writes workflow commands (::error, ::notice) and,
when $GITHUB_STEP_SUMMARY is set, appends a Markdown summary to that file
(docs/ci.md).

Exit status: 0 when every check passes, 1 when any fails or cannot be
evaluated, 2 on a usage or config error.`,
		Example: `  uptake check --demo
  uptake check events.csv.gz --config uptake.yaml
  uptake check --config uptake.yaml --baseline last-report.json --format junit > checks.xml`,
		GroupID: "metrics",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if err := needConfig(opts.Config, &opts.Input); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runCheck(opts)
		},
	}
	opts.Input.add(cmd)
	cmd.Flags().StringVar(&opts.Config, "config", "", "Config `file` naming the metrics and their checks (see docs/config.md)")
	cmd.Flags().StringVar(&opts.Baseline, "baseline", "", "A saved 'uptake report --format json' `file` that max-drop and max-rise compare with")
	enumFlag(cmd, &opts.Format, "format", "text", checkFormats, "Output format")
	opts.flags = cmd.Flags()
	return cmd
}

// check is one item of a config's checks:.
type check struct {
	name, metric, figure string
	line                 int
	steps                []metrics.PathStep
	min, max             *float64
	maxDrop, maxRise     *float64
	significant          bool
	alpha                float64
	previous             bool // baseline: previous-period
}

// checkKeys are the keys of a check.
var checkKeys = []string{"name", "metric", "figure", "min", "max", "max-drop", "max-rise", "significant", "alpha", "baseline"}

// parseChecks reads the config's checks:, adding every problem to errs.
func parseChecks(cfg *config, errs *configErrors, baseline bool) []check {
	n := cfg.checks
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		line := 1
		if n != nil {
			line = n.Line
		}
		errs.add(line, "no checks: uptake check needs a checks: list (- metric: …, figure: …, min: …)")
		return nil
	}
	var names []string
	for _, m := range cfg.metrics {
		names = append(names, m.name)
	}
	var out []check
	for _, item := range n.Content {
		c := check{line: item.Line, alpha: 0.05}
		number := func(s setting, dst **float64) {
			v, err := strconv.ParseFloat(s.values[0], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				errs.add(s.line, "%s: %q is not a number", s.key, s.values[0])
				return
			}
			*dst = &v
		}
		var alpha *float64
		bounded := false // a bound given, even one that is not a number
		for _, s := range settings(item, errs, func(setting) bool { return true }) {
			if len(s.values) != 1 {
				errs.add(s.line, "%s: one value is expected, not a list", s.key)
				continue
			}
			v := s.values[0]
			bounded = bounded || s.key == "min" || s.key == "max" || s.key == "max-drop" || s.key == "max-rise"
			switch s.key {
			case "name":
				c.name = v
			case "metric":
				c.metric = v
				if !slices.Contains(names, v) {
					msg := fmt.Sprintf("metric %q: the config has no metric of that name (metrics: %s)", v, strings.Join(names, ", "))
					if near := suggest(v, names); len(near) > 0 {
						msg = fmt.Sprintf("metric %q: the config has no metric of that name; did you mean %s?", v, orList(near))
					}
					errs.add(s.line, "%s", msg)
				}
			case "figure":
				c.figure = v
				if item, err := cfg.metric(c.metric); err == nil {
					if m, ok := itemMetric(item.metric); ok {
						if err := m.FigurePath(v); err != nil {
							errs.add(s.line, "%v", err)
						}
					}
				}
				c.steps, _ = metrics.ParsePath(v)
			case "min":
				number(s, &c.min)
			case "max":
				number(s, &c.max)
			case "max-drop":
				number(s, &c.maxDrop)
			case "max-rise":
				number(s, &c.maxRise)
			case "alpha":
				number(s, &alpha)
			case "baseline":
				if v != "previous-period" {
					errs.add(s.line, "baseline: %q: the one baseline a check names is previous-period (a saved report is --baseline FILE)", v)
				}
				c.previous = true
			case "significant":
				b, err := strconv.ParseBool(v)
				if err != nil {
					errs.add(s.line, "significant: %q is not true or false", v)
				}
				c.significant = b
			default:
				msg := fmt.Sprintf("a check has no key %q (keys: %s)", s.key, strings.Join(checkKeys, ", "))
				if near := suggest(s.key, checkKeys); len(near) > 0 {
					msg = fmt.Sprintf("a check has no key %q; did you mean %s?", s.key, orList(near))
				}
				errs.add(s.line, "%s", msg)
			}
		}
		switch {
		case c.metric == "":
			errs.add(c.line, "a check needs metric: (the name of one of the config's metrics)")
		case c.figure == "":
			errs.add(c.line, "a check needs figure: (a number of the metric's result by its JSON path, such as rate.value)")
		}
		change := c.maxDrop != nil || c.maxRise != nil
		if !bounded {
			errs.add(c.line, "a check needs a bound: min, max, max-drop or max-rise")
		}
		if change && !baseline && !c.previous {
			errs.add(c.line, "max-drop and max-rise compare with a baseline: give --baseline FILE (a saved uptake report --format json), or baseline: previous-period")
		}
		if c.significant && !change {
			errs.add(c.line, "significant: applies to a change: give max-drop or max-rise")
		}
		if alpha != nil {
			if *alpha <= 0 || *alpha >= 1 {
				errs.add(c.line, "alpha: %g is not between 0 and 1", *alpha)
			}
			c.alpha = *alpha
		}
		if c.name == "" {
			c.name = c.metric + " " + c.figure
		}
		out = append(out, c)
	}
	return out
}

// checkResult is one evaluated check.
type checkResult struct {
	Name     string   `json:"name"`
	Metric   string   `json:"metric"`
	Figure   string   `json:"figure"`
	Value    *float64 `json:"value"`
	Baseline *float64 `json:"baseline"`
	Bound    string   `json:"bound"`
	Status   string   `json:"status"` // pass, fail or error
	Why      string   `json:"why"`
	P        *float64 `json:"p,omitempty"` // the change test's p-value
}

// Check statuses.
const (
	checkPass  = "pass"
	checkFail  = "fail"
	checkError = "error"
)

func runCheck(opts *CheckOptions) error {
	cfg, errs, err := readJobsConfig(opts.Config)
	if err != nil {
		return err
	}
	var base map[string]any
	if opts.Baseline != "" {
		if base, err = readBaseline(opts.Baseline); err != nil {
			return &usageError{err}
		}
	}
	checks := parseChecks(cfg, errs, base != nil)
	jobs, names, err := configJobs(opts.flags, cfg, errs)
	if err != nil {
		return err
	}
	prev, err := previousJobs(opts.flags, cfg, checks, jobs, names)
	if err != nil {
		return err
	}
	all := slices.Clone(jobs)
	for _, name := range names { // in the config's order: deterministic
		if j, ok := prev[name]; ok {
			all = append(all, j)
		}
	}
	d, asOf, err := evaluateConfig(opts.IO, &opts.Input, cfg, opts.Args, all)
	if err != nil {
		return err
	}
	l := &loaded{data: d, asOf: asOf}
	results := map[string]any{} // each metric's JSON result, by name
	for i, j := range jobs {
		env, err := j.envelope(l, &opts.Input)
		if err != nil {
			return err
		}
		if results[names[i]], err = asJSON(env.Result); err != nil {
			return err
		}
	}
	out := make([]checkResult, len(checks))
	prevResults := map[string]any{}
	for name, j := range prev {
		env, err := j.envelope(l, &opts.Input)
		if err != nil {
			return err
		}
		if prevResults[name], err = asJSON(env.Result); err != nil {
			return err
		}
	}
	for i, c := range checks {
		b := baselineResult(base, c.metric)
		if c.previous {
			b = prevResults[c.metric]
		}
		out[i] = c.evaluate(results[c.metric], b)
	}
	r := jobs[0].report
	run := checkRun{path: cfg.path, checks: out, asOf: time.Unix(0, asOf).In(r.loc).Format(time.RFC3339Nano)}
	inputWs := inputWarnings(d, &opts.Input)
	var b strings.Builder
	switch opts.Format {
	case "json":
		env := report.Envelope{Metric: "check", Params: map[string]any{"config": cfg.path, "baseline": nilIfEmpty(opts.Baseline)}, Input: inputSummary(d),
			AsOf: run.asOf, TZ: r.TZ, Result: map[string]any{"checks": out, "passed": run.passed()}, Warnings: inputWs}
		err = report.WriteJSON(&b, env)
	case "junit":
		err = writeJUnit(&b, run)
	case "github":
		writeGitHub(&b, run)
		if path := opts.IO.getenv("GITHUB_STEP_SUMMARY"); path != "" {
			err = appendSummary(path, run)
		}
	default:
		err = report.Write(&b, run.doc(), report.FormatTable, report.Options{TTY: opts.IO.StdoutTTY, Color: opts.IO.Color(), TZ: r.loc, Width: opts.IO.Width})
	}
	if err != nil {
		return err
	}
	if _, err := fmt.Fprint(opts.IO.Out, b.String()); err != nil {
		return err
	}
	for _, w := range inputWs {
		fmt.Fprintln(opts.IO.ErrOut, report.Warn(w, opts.IO.StderrTTY && !opts.IO.NoColor))
	}
	if !run.passed() {
		return errors.New(run.tally())
	}
	return nil
}

// previousJobs are, for each metric a check compares with its previous
// period, the same metric on the period before its reporting range: [from,
// to) moved back by its own length — by whole months when both ends start a
// month, so June's previous period is May — computed in the same read.
func previousJobs(fs *pflag.FlagSet, cfg *config, checks []check, jobs []*job, names []string) (map[string]*job, error) {
	errs := &configErrors{path: cfg.path}
	prev := map[string]*job{}
	var items []configMetric
	var of []string
	for _, c := range checks {
		if !c.previous || slices.Contains(of, c.metric) {
			continue
		}
		i := slices.Index(names, c.metric)
		item, _ := cfg.metric(c.metric)
		r := jobs[i].report
		if r.from == nil || r.to == nil {
			errs.add(c.line, "baseline: previous-period needs the metric's reporting range: give %s from: and to: (its period; the previous one is the same length before it)", c.metric)
			continue
		}
		from, to := previousPeriod(*r.from, *r.to)
		shadow := *item
		shadow.settings = append([]setting{
			{key: "from", values: []string{from.Format(time.RFC3339Nano)}, line: c.line},
			{key: "to", values: []string{to.Format(time.RFC3339Nano)}, line: c.line},
		}, item.settings...)
		items = append(items, shadow)
		of = append(of, c.metric)
	}
	if err := errs.err(); err != nil || len(items) == 0 {
		return nil, err
	}
	pjobs, _, err := configJobs(fs, &config{path: cfg.path, input: cfg.input, metrics: items}, errs)
	if err != nil {
		return nil, err
	}
	for i, name := range of {
		prev[name] = pjobs[i]
	}
	return prev, nil
}

// previousPeriod is the period of the same length before [from, to): whole
// months back when both ends are the first of a month at midnight, else
// the same duration back.
func previousPeriod(from, to time.Time) (time.Time, time.Time) {
	monthStart := func(t time.Time) bool {
		return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if monthStart(from) && monthStart(to) {
		months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
		return from.AddDate(0, -months, 0), from
	}
	return from.Add(-to.Sub(from)), from
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// asJSON is v as encoding/json reads it back: maps, lists, float64s.
func asJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

// readBaseline reads a saved `uptake report --format json`: its metrics'
// results by name.
func readBaseline(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	var env struct {
		Metric string `json:"metric"`
		Result struct {
			Metrics []struct {
				Name   string `json:"name"`
				Result any    `json:"result"`
			} `json:"metrics"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &env); err != nil || env.Metric != "report" {
		return nil, fmt.Errorf("--baseline %s: not a saved uptake report --format json", path)
	}
	out := map[string]any{}
	for _, m := range env.Result.Metrics {
		out[m.Name] = m.Result
	}
	return out, nil
}

// baselineResult is the baseline's result of the metric name (nil: none).
func baselineResult(base map[string]any, name string) any {
	if base == nil {
		return nil
	}
	return base[name]
}

// lookup follows steps through a JSON value; ok is false when a step is
// not there (a field, or an index past the list's end).
func lookup(v any, steps []metrics.PathStep) (any, bool) {
	for _, s := range steps {
		switch x := v.(type) {
		case map[string]any:
			if s.Field == "" {
				return nil, false
			}
			var ok bool
			if v, ok = x[s.Field]; !ok {
				return nil, false
			}
		case []any:
			if s.Field != "" || s.Index >= len(x) {
				return nil, false
			}
			v = x[s.Index]
		default:
			return nil, false
		}
	}
	return v, true
}

// itemMetric is the metric a config item's metric: names, compare's
// included (whose result's figures do not depend on the compared metric).
func itemMetric(name string) (metrics.Metric, bool) {
	if name == "compare" {
		return metrics.NewCompare(metrics.ActivationMetric), true
	}
	return metrics.Lookup(name)
}
