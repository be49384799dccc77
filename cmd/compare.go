package cmd

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// compare's flags depend on --metric: the compared metric's own settings
// bind as flags beside compare's (docs/compare.md). Cobra parses flags
// before the command runs, so compare parses its own: it finds --metric
// among the arguments, binds that metric's flags on the command, then
// parses, and prints help itself.

// CompareOptions are compare's flags.
type CompareOptions struct {
	IO       *IOStreams
	Input    InputFlags
	Report   ReportFlags
	Settings *metrics.CompareSettings
	Metric   metrics.Metric // the compared metric; nil with --counts
	Args     []string
}

// NewCmdCompare builds compare.
func NewCmdCompare(ios *IOStreams, runF func(*CompareOptions) error) *cobra.Command {
	info := metrics.CompareInfo
	s := metrics.NewCompareSettings()
	opts := &CompareOptions{IO: ios, Settings: &s}
	cmd := &cobra.Command{
		Use:                info.Name + " " + info.Use,
		Short:              info.Short,
		Long:               info.Long + "\n\nComparable metrics: " + strings.Join(metrics.Comparables(), ", ") + ".",
		Example:            info.Example,
		GroupID:            "metrics",
		DisableFlagParsing: true, // see above: parsed in RunE
	}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	checkOwn := bindSettings(cmd, opts.Settings, nil)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		checkInner, err := opts.bindMetric(cmd, args)
		if err != nil {
			return err
		}
		fs := cmd.Flags()
		if err := fs.Parse(args); err != nil {
			return &usageError{err}
		}
		if help, _ := fs.GetBool("help"); help {
			return cmd.Help()
		}
		opts.Args = fs.Args()
		for _, check := range []func() error{checkOwn, checkInner} {
			if err := check(); err != nil {
				return &usageError{err}
			}
		}
		if runF != nil {
			return runF(opts)
		}
		return runCompare(opts)
	}
	return cmd
}

// bindMetric binds the flags of the metric --metric names, if any.
func (opts *CompareOptions) bindMetric(cmd *cobra.Command, args []string) (func() error, error) {
	none := func() error { return nil }
	name, err := metricArg(args)
	if err != nil || name == "" {
		return none, err
	}
	m, ok := metrics.Lookup(name)
	if !ok || !m.Comparable() {
		return none, usageErrorf("--metric %q: compare takes one of %s", name, strings.Join(metrics.Comparables(), ", "))
	}
	opts.Metric = m
	opts.Settings.Attach(m)
	check := bindCompared(cmd, opts.Settings, m)
	for _, group := range m.About().Exclusive {
		cmd.MarkFlagsMutuallyExclusive(group...)
	}
	return check, nil
}

// bindCompared binds the flags of the compared metric m that compare
// reads (not m's CompareSkip), and m's compare-only settings (--outcome).
func bindCompared(cmd *cobra.Command, s *metrics.CompareSettings, m metrics.Metric) func() error {
	info := m.About()
	checks := []func() error{bindSettingsExcept(cmd, s.Inner(), info.FlagUsage, info.CompareSkip)}
	if o := s.OutcomeSettings(); o != nil {
		checks = append(checks, bindSettings(cmd, o, info.FlagUsage))
	}
	return func() error {
		for _, check := range checks {
			if err := check(); err != nil {
				return err
			}
		}
		return nil
	}
}

// metricArg is the value of --metric among args (before a lone --).
func metricArg(args []string) (string, error) {
	name := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return name, nil
		case a == "--metric":
			if i+1 >= len(args) {
				return "", usageErrorf("flag needs an argument: --metric")
			}
			name = args[i+1]
			i++
		case strings.HasPrefix(a, "--metric="):
			name = strings.TrimPrefix(a, "--metric=")
		}
	}
	return name, nil
}

func runCompare(opts *CompareOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	s := opts.Settings
	if s.Counts != "" {
		return runCompareCounts(opts)
	}
	if opts.Metric == nil {
		return usageErrorf("--metric NAME is required: the metric to compare the groups on (%s); or --counts NAME=x/n,... for the calculator", strings.Join(metrics.Comparables(), ", "))
	}
	if err := groupFilter(s); err != nil {
		return err
	}
	def := metrics.NewCompare(opts.Metric)
	if err := def.Validate(s); err != nil {
		return &usageError{err}
	}
	return runJob(opts.IO, &opts.Input, r, opts.Args, &job{metric: def, settings: s, report: r})
}

// groupFilter reads --group as a property filter when it is not a
// behaviour (EVENT within DURATION).
func groupFilter(s *metrics.CompareSettings) error {
	if s.Group == "" {
		return nil
	}
	_, matched, berr := s.GroupBehaviour()
	if matched && berr == nil {
		return nil
	}
	f, err := ingest.ParseFilter(s.Group)
	if err != nil {
		if matched {
			return &usageError{berr}
		}
		return usageErrorf("--group %q: want EVENT within DURATION [of EVENT], or FIELD OP VALUE (OP one of %s)", s.Group, ingest.Operators)
	}
	s.SetGroupFilter(f.Field, func(v string) bool { return f.Match([]byte(v)) })
	return nil
}

// newCompareCmd is compare over m with its flags bound, for a config
// file's item (metric: compare, compare: NAME); prepare checks the
// settings the flags hold.
func newCompareCmd(m metrics.Metric) (*cobra.Command, *CompareOptions, func() error) {
	s := metrics.NewCompareSettings()
	opts := &CompareOptions{Settings: &s, Metric: m}
	cmd := &cobra.Command{Use: "compare"}
	opts.Input.add(cmd)
	opts.Report.add(cmd, true)
	checkOwn := bindSettings(cmd, opts.Settings, nil)
	s.Attach(m)
	checkInner := bindCompared(cmd, &s, m)
	prepare := func() error {
		for _, check := range []func() error{checkOwn, checkInner} {
			if err := check(); err != nil {
				return err
			}
		}
		if err := groupFilter(&s); err != nil {
			return err
		}
		return metrics.NewCompare(m).Validate(&s)
	}
	return cmd, opts, prepare
}

// runCompareCounts is the calculator: no input.
func runCompareCounts(opts *CompareOptions) error {
	r := &opts.Report
	if opts.Metric != nil {
		return usageErrorf("--counts is the calculator of rates: it takes no --metric")
	}
	if len(opts.Args) > 0 || opts.Input.Demo {
		return usageErrorf("--counts gives the groups' numbers and reads no input: give either --counts or FILE... (or --demo)")
	}
	if r.By != "" || r.UsersOut != "" {
		return usageErrorf("--counts has no users: --by and --users-out need an input")
	}
	res, params, err := metrics.CompareCounts(opts.Settings, r.Conf)
	if err != nil {
		if ue := (*metrics.UsageError)(nil); errors.As(err, &ue) {
			return &usageError{ue.Err}
		}
		return err
	}
	params["tz"] = r.TZ
	env := report.Envelope{Metric: "compare", Params: params, Input: report.Input{Files: []string{}, Format: "counts", Vendor: "none"},
		TZ: r.TZ, Result: res, Warnings: metricWarnings(res.Warnings)}
	doc := metrics.CompareDoc(res, r.Conf)
	return r.Out.write(opts.IO, env, doc, r.loc)
}
