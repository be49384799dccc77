package metrics

import (
	"time"

	"github.com/uptake-dev/uptake/event"
	"github.com/uptake-dev/uptake/report"
)

// A metric is one definition: its name and help, its settings (a struct
// whose fields carry `flag` tags: the command line and the config file set
// them by those names), what it needs from the read, how it computes over a
// set of users, and how people see the result. Commands, `report` and the
// config loader all come from the Registry, so adding a metric is one file
// here and one line there (docs/architecture.md).

// Info names and describes a metric.
type Info struct {
	Name    string // the command and the config's metric: name
	Use     string // the command line after the name: "[FILE...] --activation-event E"
	Short   string
	Long    string
	Example string
	// ActiveEvents: the metric counts activity, so it takes --active-event.
	ActiveEvents bool
	// FlagUsage overrides the help of shared settings (--within) by flag.
	FlagUsage map[string]string
	// Exclusive are groups of flags of which at most one may be given.
	Exclusive [][]string
	// CompareFlags are the flags of compare that the metric's Outcome
	// reads besides its own settings ("offset": retention's offset).
	CompareFlags []string
	// CompareSkip are the metric's flags that compare does not bind: they
	// do not touch its outcome (revenue's period and CLV flags).
	CompareSkip []string
	// UsersOutAlias is another name of --users-out for this metric
	// (clv's --customers-out).
	UsersOutAlias string
	// SQLHelp says what uptake sql writes of the metric and which of its
	// flags it refuses (with Def.SQL).
	SQLHelp string
}

// Needs is what a metric reads.
type Needs struct {
	// Events are kept per user in the Log, by name ("" entries are ignored).
	Events []string
	// AllEvents keeps every event in the Log.
	AllEvents bool
	// EventProps are properties whose values the Log keeps per event of
	// Events (or of every event, with AllEvents): Log.Prop.
	EventProps []string
	// UserProps are properties read once per user: each user's first-seen
	// value (of the earliest event that carries one), as --by reads them
	// (Run.UserProps), and whether the user's rows carried several
	// (Run.MixedProps).
	UserProps []string
	// Amounts keeps each such event's --amount (Log.Amount); the command
	// then needs --amount.
	Amounts bool
	// AmountsIfGiven keeps them when --amount is given, and lets the
	// command run without it (repeat: purchases are the rows with an
	// amount, refunds are not orders).
	AmountsIfGiven bool
	// AmountRows keeps every row that carries an --amount (the purchases
	// found by their amounts), whatever its event, with its details; when
	// no --amount is given, every row (as AllEvents).
	AmountRows bool
	// Activity, when set, asks for per-user active days with this
	// configuration (the engine fills Loc and ActiveEvents).
	Activity *ActivityConfig
	// Refs are the event and property names the settings give, by flag:
	// each must be in the input (docs/formats.md#bad-input).
	Refs []Ref
	// Summary, when set, asks for the metric's own summary of the read
	// (Run.Summary): a sink fed every event, which keeps only what the
	// metric counts, so the events need not be kept.
	Summary *SummaryNeed
	// Answers, when set, asks for survey answers (Run.Answers): the metric
	// then counts answers, not users. They come from answer events of the
	// event read, or, when the source names no event, from survey files
	// (and then only metrics that read the same files can share the run).
	Answers *AnswerSource
}

// Summary is a metric's own digest of the read: an event.Sink fed every
// event that survives filters and dedup (from one goroutine, in input
// order), then Finish once, before any Compute; after that it is read-only
// (the jobs that share it compute side by side).
type Summary interface {
	event.Sink
	Finish()
}

// SummaryNeed asks for a Summary.
type SummaryNeed struct {
	// Key identifies what New builds, with the reporting zone: jobs whose
	// keys are equal share one summary (read once).
	Key string
	// New returns an empty summary whose local times are in loc (--tz).
	New func(loc *time.Location) Summary
}

// Ref is an event or property name a flag gives.
type Ref struct {
	Flag     string
	Property bool // a property; otherwise an event
	Names    []string
}

// Run is what a metric computes against: the read, and the reporting
// settings every metric shares.
type Run struct {
	Log      *Log      // the events Needs asked for, per user
	Activity *Activity // per-user activity, when Needs.Activity was set
	Answers  *Answers  // survey answers, when Needs.Answers was set
	Summary  Summary   // the metric's own summary, when Needs.Summary was set
	Loc      *time.Location
	Range    Range
	Level    float64  // --conf
	Since    *int64   // --since, or nil
	By       string   // --by field, or ""
	AsOf     string   // as_of in RFC 3339, in Loc
	UserIDs  []string // each user index's id, for per-user rows
	Amount   string   // --amount as given, for metrics with Needs.Amounts
	// Prepared is what the metric's Prepare derived once for every Compute
	// (read-only after it).
	Prepared any
	// UserProps are, by Needs.UserProps name (and the --by field), each
	// user's first-seen value ("" when the user has none).
	UserProps map[string][]string
	// MixedProps are, by the same names, whether each user's rows carried
	// more than one value (nil for a users table's properties).
	MixedProps map[string][]bool
	// UserPropsAt are, by the same names, the time of the earliest row
	// that carried each user's value (math.MinInt64: none did, as for a
	// value from a users table, or no value).
	UserPropsAt map[string][]int64
}

// UserValues are one user property's values: per user the first seen
// ("" for none), and whether the user's rows carried several.
type UserValues struct {
	Values []string
	Mixed  []bool
}

// UserValues are user property name's values in the run.
func (r *Run) UserValues(name string) UserValues {
	return UserValues{Values: r.UserProps[name], Mixed: r.MixedProps[name]}
}

// UserID is user u's id.
func (r *Run) UserID(u int32) string { return r.UserIDs[u] }

// Def is one metric with settings S and result R.
type Def[S any, R any] struct {
	Info
	// Defaults returns the settings every flag starts from.
	Defaults func() S
	// Check rejects settings no command line should hold (a usage error).
	Check func(*S) error
	// Needs is what the settings read.
	Needs func(*S) Needs
	// Prepare, when set, runs once over the whole read before Compute: it
	// may reject the data (an invalid answer, naming its line) and derive
	// what every Compute shares. A metric of answers checks their scores
	// here and keeps the valid ones in Run.Answers, whose indices are then
	// the units Compute gets. It runs while the activity summaries are
	// still being finished: it must not read Run.Activity.
	Prepare func(*Run, *S) error
	// Compute computes the result over users (or answers); Run is shared,
	// read-only.
	Compute func(*Run, *S, []int32) R
	// Overall, when set, adds to the overall result what the segments do
	// not repeat (the answers left out of every figure).
	Overall func(*Run, *S, *R)
	// Warnings are the result's caveats.
	Warnings func(R) []Warning
	// Params are the settings as the JSON envelope spells them, every
	// default written out (nil: the settings' own JSON).
	Params func(*Run, *S) any
	// View is the result for people: summary lines and tables.
	View func(*Run, *S, Segmented[R]) report.Doc
	// Rows are one result as a tidy table for --format csv, its columns
	// keyed as the JSON's fields (signs as in JSON). Evaluate writes the
	// overall result's rows and, with --by, each segment's under a leading
	// segment column; nil: the view's own CSV.
	Rows func(*Run, *S, R) report.Table
	// Users are the per-user outcomes behind the figures (--users-out):
	// a row per unit of units (per user and period, for metrics of
	// periods), produced by the computation Compute counts, so that the
	// rows of a set of units add up to Compute's result over it. The
	// engine (UserRows) calls it for each --by segment (over every unit
	// without --by) and adds the segment column, then once with nil units
	// for the rows no unit holds (survey answers left out of every figure).
	Users func(*Run, *S, []int32) report.Table
	// Outcome, when set, makes the metric comparable between groups of
	// users (uptake compare): each unit's outcome as the metric counts it
	// over units (metrics/outcome.go).
	Outcome func(*Run, *S, OutcomeOptions, []int32) (Outcome, error)
	// OutcomeSettings, when set, are settings only compare reads for the
	// outcome (an OutcomeSettings: activation's --outcome, revenue's
	// window): compare binds their flags beside the metric's, and Outcome
	// finds them in OutcomeOptions.Settings.
	OutcomeSettings func() OutcomeSettings
	// SQL, when set, writes the metric as one query in a dialect (uptake
	// sql): the rows of its --format csv without a --by, the interval
	// columns left out (metrics/sql.go). A setting the query cannot express
	// is an error (SQLUnsupported), never a different query.
	SQL func(*SQLContext, *S) (string, error)
	// FromRows rebuilds the overall result from those rows (uptake sql
	// --run, --from-result): what the query counted, with the Go engine's
	// intervals and warnings.
	FromRows func(*Run, *S, *QueryRows) (R, error)
	// Headline is the result in one line, for a report's section
	// ("Activation (report_created within 7d): 71.9% [68.9%, 74.7%]");
	// nil: the view's title and its first summary line.
	Headline func(*Run, *S, Segmented[R]) string
}

// Metric is a registered metric, whatever its types: the registry's users
// hold settings as `any` (always the *S of NewSettings).
type Metric interface {
	About() Info
	NewSettings() any
	Validate(s any) error
	NeedsOf(s any) Needs
	// PrepareRun checks the read against the settings before Evaluate.
	PrepareRun(r *Run, s any) error
	// Evaluate computes the result overall and per segment.
	Evaluate(r *Run, s any, all []int32, segs []Segment) Result
	// UserRows are the per-user outcomes (Def.Users) of every unit, under
	// a segment column with --by; false when the metric has none.
	UserRows(r *Run, s any, all []int32, segs []Segment) (report.Table, bool)
	// HasUserRows says whether the metric has per-user rows.
	HasUserRows() bool
	// FigurePath checks that a figure path (metrics/figure.go) names a
	// number of the result.
	FigurePath(path string) error
	// ParamsOf are the settings as the JSON envelope spells them.
	ParamsOf(r *Run, s any) any
	// Comparable says whether compare can compare groups on the metric
	// (Def.Outcome), and OutcomeOf computes the units' outcomes.
	Comparable() bool
	// NewOutcomeSettings are the metric's compare-only settings (nil: none).
	NewOutcomeSettings() OutcomeSettings
	OutcomeOf(r *Run, s any, o OutcomeOptions, units []int32) (Outcome, error)
	// HasSQL says whether the metric writes itself as SQL (Def.SQL), and
	// SQLOf writes it.
	HasSQL() bool
	SQLOf(c *SQLContext, s any) (string, error)
	// EvaluateRows is Evaluate over a query's rows (Def.FromRows) instead
	// of a read: the overall result.
	EvaluateRows(r *Run, s any, rows *QueryRows) (Result, error)
}

// Result is a metric's computed output, ready to render.
type Result struct {
	Value    any // Segmented[R]: the JSON result
	Params   any
	Warnings []Warning
	Doc      report.Doc
	Headline string
}

func (d *Def[S, R]) About() Info { return d.Info }

func (d *Def[S, R]) NewSettings() any {
	s := d.Defaults()
	return &s
}

func (d *Def[S, R]) Validate(s any) error {
	if d.Check == nil {
		return nil
	}
	return d.Check(s.(*S))
}

func (d *Def[S, R]) NeedsOf(s any) Needs { return d.Needs(s.(*S)) }

func (d *Def[S, R]) PrepareRun(r *Run, s any) error {
	if d.Prepare == nil {
		return nil
	}
	return d.Prepare(r, s.(*S))
}

func (d *Def[S, R]) Evaluate(r *Run, s any, all []int32, segs []Segment) Result {
	set := s.(*S)
	warn := d.Warnings
	if warn == nil {
		warn = func(R) []Warning { return nil }
	}
	res, ws := BySegment(all, r.By, segs, func(users []int32) R { return d.Compute(r, set, users) }, warn)
	if d.Overall != nil {
		d.Overall(r, set, &res.Overall)
	}
	return d.result(r, set, res, ws)
}

// result renders a computed result.
func (d *Def[S, R]) result(r *Run, set *S, res Segmented[R], ws []Warning) Result {
	out := Result{Value: res, Params: set, Warnings: ws, Doc: d.View(r, set, res)}
	if d.Rows != nil {
		out.Doc.CSV = res.CSV(func(x R) report.Table { return d.Rows(r, set, x) })
	}
	if d.Params != nil {
		out.Params = d.Params(r, set)
	}
	switch {
	case d.Headline != nil:
		out.Headline = d.Headline(r, set, res)
	case len(out.Doc.Summary) > 0:
		out.Headline = out.Doc.Title + ": " + out.Doc.Summary[0][0] + " " + out.Doc.Summary[0][1]
	default:
		out.Headline = out.Doc.Title
	}
	return out
}

func (d *Def[S, R]) HasSQL() bool { return d.SQL != nil }

func (d *Def[S, R]) SQLOf(c *SQLContext, s any) (string, error) { return d.SQL(c, s.(*S)) }

func (d *Def[S, R]) EvaluateRows(r *Run, s any, rows *QueryRows) (Result, error) {
	set := s.(*S)
	v, err := d.FromRows(r, set, rows)
	if err != nil {
		return Result{}, err
	}
	var ws []Warning
	if d.Warnings != nil {
		ws = d.Warnings(v)
	}
	return d.result(r, set, Segmented[R]{Overall: v, Segments: []SegmentResult[R]{}}, ws), nil
}

// SQLMetrics are the names of the metrics that write themselves as SQL.
func SQLMetrics() []string {
	var out []string
	for _, m := range Registry {
		if m.HasSQL() {
			out = append(out, m.About().Name)
		}
	}
	return out
}

func (d *Def[S, R]) HasUserRows() bool { return d.Users != nil }

func (d *Def[S, R]) Comparable() bool { return d.Outcome != nil }

func (d *Def[S, R]) NewOutcomeSettings() OutcomeSettings {
	if d.OutcomeSettings == nil {
		return nil
	}
	return d.OutcomeSettings()
}

func (d *Def[S, R]) ParamsOf(r *Run, s any) any {
	if d.Params == nil {
		return s
	}
	return d.Params(r, s.(*S))
}

// OutcomeOf panics for a metric that is not Comparable: compare checks
// that first.
func (d *Def[S, R]) OutcomeOf(r *Run, s any, o OutcomeOptions, units []int32) (Outcome, error) {
	return d.Outcome(r, s.(*S), o, units)
}

func (d *Def[S, R]) UserRows(r *Run, s any, all []int32, segs []Segment) (report.Table, bool) {
	if d.Users == nil {
		return report.Table{}, false
	}
	set := s.(*S)
	groups := segs
	if r.By == "" {
		groups = []Segment{{Users: append([]int32{}, all...)}} // not nil, whatever all is
	}
	groups = append(groups[:len(groups):len(groups)], Segment{}) // the rows no unit holds
	var out report.Table
	for i, g := range groups {
		t := d.Users(r, set, g.Users)
		if i == 0 {
			out.Columns = t.Columns
			if r.By != "" {
				out.Columns = append([]report.Column{{Key: "segment"}}, t.Columns...)
			}
		}
		for _, row := range t.Rows {
			if r.By != "" {
				var seg any // none for rows no unit holds
				if g.Users != nil {
					seg = g.Name
				}
				row = append([]any{seg}, row...)
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, true
}

// UsageError is a settings error that only the data reveal (--period over
// answers that have no times): the command fails as for a bad flag.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Lookup returns the registered metric named name.
func Lookup(name string) (Metric, bool) {
	for _, m := range Registry {
		if m.About().Name == name {
			return m, true
		}
	}
	return nil, false
}
