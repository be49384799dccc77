package cmd

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/report"
	"go.yaml.in/yaml/v3"
)

// InitOptions are the flags of `uptake init`.
type InitOptions struct {
	IO     *IOStreams
	Input  InputFlags
	Output string
	Force  bool
	Args   []string
	// Given are the input flags the command line set, which the config
	// repeats.
	Given []*pflag.Flag
}

// NewCmdInit builds `uptake init`.
func NewCmdInit(ios *IOStreams, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "init [FILE...] [-o uptake.yaml]",
		Short: "Write a starter config for an export, with guesses to check",
		Long: `Read an export as inspect does and write a starter config (docs/config.md)
for it: input: with the files and the input flags given here, and metrics: with
every metric the data supports — onboarding, activation, weekly and monthly
retention, engagement, lifecycle, churn, and nps, csat and ces when answer
events with a score exist.

The events each metric names are guesses from the data: the signup is an event
named like one (signup, sign_up, account_created, …; else each user's first
event); onboarding steps are events named like steps (onboarding_*, *_started,
*_completed, …) in the order of their median time after signup; the activation
event is a making or sharing action (not a view or a session) that 20–80% of
signups do within 7 days. Each guess says so in a comment, with the numbers it
read: check them before trusting the metrics.

The config goes to stdout, or with -o to a new file (--force overwrites).`,
		Example: `  uptake init --demo
  uptake init events.csv.gz -o uptake.yaml
  uptake init export.jsonl --assume-tz Europe/Berlin -o uptake.yaml
  uptake activation --config uptake.yaml --metric activation`,
		GroupID: "data",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			opts.Given = givenInputFlags(cmd.Flags())
			if runF != nil {
				return runF(opts)
			}
			return runInit(opts)
		},
	}
	opts.Input.add(cmd)
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Write the config to `file` instead of stdout")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Overwrite the -o file if it exists")
	return cmd
}

// givenInputFlags are the input flags (InputFlags.add) that fs has set,
// but --quiet, which is about this run, not the data.
func givenInputFlags(fs *pflag.FlagSet) []*pflag.Flag {
	probe := &cobra.Command{}
	(&InputFlags{}).add(probe)
	var out []*pflag.Flag
	fs.Visit(func(f *pflag.Flag) {
		if probe.Flags().Lookup(f.Name) != nil && f.Name != "quiet" {
			out = append(out, f)
		}
	})
	return out
}

func runInit(opts *InitOptions) error {
	if opts.Output != "" && !opts.Force {
		if _, err := os.Lstat(opts.Output); err == nil { // before reading the whole export
			return usageErrorf("%s exists: give --force to overwrite it", opts.Output)
		}
	}
	if err := opts.Input.noAmount("init"); err != nil {
		return err
	}
	d, err := opts.Input.read(opts.IO, opts.Args, ingest.Need{AllEvents: true, PropertyStats: true, NameUsers: true, EventProps: scoreProps}, nil, nil)
	if err != nil {
		return surveyHint(err, &opts.Input, opts.Args)
	}
	if d.Stats.Events == 0 {
		return fmt.Errorf("no events in the input (%s rows read): there is nothing to configure", report.Thousands(d.Stats.Rows))
	}
	// what inspect would warn about (a legacy Mixpanel project's zone, say)
	// is worth fixing in the config's input: before any metric runs
	for _, w := range inputWarnings(d, &opts.Input) {
		fmt.Fprintln(opts.IO.ErrOut, report.Warn(w, opts.IO.StderrTTY && !opts.IO.NoColor))
	}
	name := opts.Output
	if name == "" {
		name = "uptake.yaml"
	}
	doc := initConfig(d, opts, name)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if opts.Output == "" {
		_, err := opts.IO.Out.Write(b.Bytes())
		return err
	}
	return writeFile(opts.Output, b.Bytes(), opts.Force)
}

// surveyHint adds to the error of reading an export that is not one of
// events, when its files read as survey answers, what to run instead.
func surveyHint(err error, in *InputFlags, args []string) error {
	var ue *usageError
	if errors.As(err, &ue) || in.Demo || slices.Contains(args, "-") || strings.Contains(err.Error(), "uptake nps") {
		return err // the error says it already
	}
	ins, ierr := in.inputs(args, nil)
	if ierr != nil {
		return err
	}
	for _, k := range surveyKinds {
		if s, serr := ingest.ReadSurvey(ins, ingest.SurveyOptions{Metric: k.metric, SkipInvalid: true}); serr == nil && len(s.Rows) > 0 {
			return linesError{err.Error(), "It reads as a survey file (one answer a row), not an event export: init writes configs for event exports; " +
				"uptake nps, csat and ces read survey files."}
		}
	}
	return err
}

// initConfig is the config document for d.
func initConfig(d *ingest.Dataset, opts *InitOptions, file string) *yaml.Node {
	top := mapping()
	p := newProfile(d)
	var notes []string
	items := seq()
	if p.active {
		for _, it := range funnelItems(p, &notes) {
			items.Content = append(items.Content, it)
		}
		items.Content = append(items.Content,
			item("retention-weekly", "retention", scalar("period"), scalar("week")),
			item("retention-monthly", "retention", scalar("period"), scalar("month")),
			item("engagement", "engagement"), item("lifecycle", "lifecycle"), item("churn", "churn"))
	} else {
		notes = append(notes, "No event is user activity (all are internal): no activity metrics.")
	}
	for _, s := range surveys(d) {
		items.Content = append(items.Content, surveyItem(s))
	}
	input := inputNode(opts)
	if money := moneyProps(d); len(money) > 0 {
		m := slices.MaxFunc(money, func(a, b ingest.PropStat) int { return cmp.Compare(a.Rows, b.Rows) })
		// the money property is every revenue metric's --amount, so the
		// input gives it once
		input.Content = append(input.Content, scalar("amount"),
			guess(m.Name, fmt.Sprintf("named like money; on %s events: rows carrying it are purchases", report.Thousands(m.Rows))))
		items.Content = append(items.Content, item("repeat", "repeat"), item("revenue", "revenue"))
		if len(money) > 1 {
			notes = append(notes, fmt.Sprintf("Revenue: %d properties look like money; amount: takes the commonest (docs/formats.md#amounts).", len(money)))
		}
	}
	metricsKey := scalar("metrics")
	metricsKey.HeadComment = comment(notes...)
	checksKey, checks := scalar("checks"), seq()
	checks.Style = yaml.FlowStyle
	checksKey.HeadComment = comment("Checks gate CI: uptake check evaluates them (docs/ci.md). For example:",
		"checks:", "  - name: activation-floor", "    metric: activation", "    figure: rate.value", "    min: 0.6")
	top.Content = append(top.Content, scalar("input"), input, metricsKey, items, checksKey, checks)
	top.HeadComment = comment(header(d, file)...)
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top}}
}

// header is the config's opening comment.
func header(d *ingest.Dataset, file string) []string {
	day := func(ns int64) string { return time.Unix(0, ns).UTC().Format("2006-01-02") }
	in := inputSummary(d)
	return []string{
		fmt.Sprintf("uptake config written by uptake init from %s:", strings.Join(quoteAll(in.Files), ", ")),
		fmt.Sprintf("%s events of %s users, %s to %s (UTC).", report.Thousands(d.Stats.Events), report.Thousands(int64(len(d.Users))),
			day(d.Stats.First), day(d.Stats.Last)),
		`Values marked "guess" were read from the data: check them before trusting the metrics.`,
		"Run every metric:  uptake report --config " + report.Safe(file) + "   (one: uptake METRIC --config " + report.Safe(file) + " --metric NAME)",
		"The format: docs/config.md",
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}

// inputNode is input: the files and the input flags given.
func inputNode(opts *InitOptions) *yaml.Node {
	in := mapping()
	if len(opts.Args) > 0 {
		files := seq()
		for _, a := range opts.Args {
			files.Content = append(files.Content, scalar(a))
		}
		in.Content = append(in.Content, scalar("files"), files)
	}
	for _, f := range opts.Given {
		var v *yaml.Node
		switch val := f.Value.(type) {
		case pflag.SliceValue:
			v = seq()
			for _, s := range val.GetSlice() {
				v.Content = append(v.Content, scalar(s))
			}
		default:
			v = scalar(val.String())
			if val.Type() == "bool" {
				v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: val.String()}
			}
		}
		in.Content = append(in.Content, scalar(f.Name), v)
	}
	return in
}

// funnelItems are the onboarding and activation items, with their guesses.
func funnelItems(p *profile, notes *[]string) []*yaml.Node {
	var out []*yaml.Node
	signup := func() []*yaml.Node {
		if p.signup < 0 {
			return nil
		}
		n := p.names[p.signup]
		return []*yaml.Node{scalar("signup-event"),
			guess(n.name, fmt.Sprintf("named like a signup; %s users", report.Thousands(n.users)))}
	}
	noSignup := ""
	if p.signup < 0 {
		noSignup = "No event is named like a signup: each user's first event is their signup."
		*notes = append(*notes, noSignup)
	}
	base := report.Thousands(p.earlyBase())
	steps, med := p.onboardingSteps()
	if len(steps) >= 2 {
		names, delays := make([]string, len(steps)), make([]string, len(steps))
		for i, s := range steps {
			names[i], delays[i] = p.names[s].name, days(med[s])
		}
		it := item("onboarding", "onboarding", append([]*yaml.Node{
			scalar("steps"), guess(strings.Join(names, ","), "events named like onboarding steps, in the order of their median time after "+
				p.signupText()+" ("+strings.Join(delays, ", ")+")"),
		}, signup()...)...)
		it.Content = append(it.Content, scalar("within"), scalar("7d"))
		out = append(out, it)
	} else {
		*notes = append(*notes, "Not written: onboarding (fewer than two events are named like onboarding steps: onboarding_*, *_started, *_completed…).")
	}
	if a := p.activation(append(steps, surveyEvents(p)...)); a >= 0 {
		n := p.names[a]
		it := item("activation", "activation", append([]*yaml.Node{
			scalar("activation-event"), guess(n.name, fmt.Sprintf("%s of %s users did it within 7d of %s; of the actions 20-80%% do, making or sharing ones first, then the most common (no signup, onboarding, survey, view or session)",
				pct(n.early, p.earlyBase()), base, p.signupText())),
		}, signup()...)...)
		it.Content = append(it.Content, scalar("within"), scalar("7d"))
		out = append(out, it)
	} else if p.complete == 0 {
		*notes = append(*notes, "Not written: activation (no user's first 7 days after signup are in the data yet, so nothing tells which action activates); add one with activation-event: E.")
	} else {
		*notes = append(*notes, fmt.Sprintf("Not written: activation (no action other than signup, onboarding, views and sessions is done by 20-80%% of the %s users whose first 7 days are in the data); add one with activation-event: E.", base))
	}
	return out
}

// surveyEvents are the names of survey answer events in p (never an
// activation).
func surveyEvents(p *profile) []int {
	var out []int
	for i, n := range p.names {
		for _, k := range surveyKinds {
			if hasAny(n.words, k.phrases...) {
				out = append(out, i)
			}
		}
	}
	return out
}

// surveyItem is a survey metric's item.
func surveyItem(s surveyGuess) *yaml.Node {
	it := item(s.kind.metric, s.kind.metric,
		scalar("event"), guess(s.event, fmt.Sprintf("named like %s answers; %s answers, scores %d to %d",
			strings.ToUpper(s.kind.metric), report.Thousands(s.answers), s.lo, s.hi)),
		scalar("score-prop"), scalar(s.scoreProp))
	if s.scale != "" {
		why := "the smallest scale that holds every answer"
		if s.kind.metric == "ces" {
			why += "; agree (higher = easier) is assumed, else 5-effort or 7-effort"
		}
		it.Content = append(it.Content, scalar("scale"), guess(s.scale, why))
	}
	return it
}

// item is one metrics: item, name and metric first.
func item(name, metric string, settings ...*yaml.Node) *yaml.Node {
	m := mapping()
	m.Content = append([]*yaml.Node{scalar("name"), scalar(name), scalar("metric"), scalar(metric)}, settings...)
	return m
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }
func seq() *yaml.Node     { return &yaml.Node{Kind: yaml.SequenceNode} }

// scalar is s as a YAML string that reads back as s: quoted when plain
// text would read as something else (true, 1, a: b, # …), and double-quoted
// with escapes when it holds a control or other unprintable character.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{}
	_ = n.Encode(s) // a string always encodes
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// guess is the value s with a comment saying how it was guessed.
func guess(s, why string) *yaml.Node {
	n := scalar(s)
	n.LineComment = "# guess: " + why
	return n
}

// comment is lines as a YAML comment block ("" with no lines).
func comment(lines ...string) string {
	if len(lines) == 0 {
		return ""
	}
	return "# " + strings.Join(lines, "\n# ")
}
