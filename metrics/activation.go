package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/event"
	"github.com/uptake-dev/uptake/report"
)

// Warning is the event package's (an alias: results and commands name it
// metrics.Warning throughout).
type Warning = event.Warning

// Anchor says how a user's signup is found: the earliest Event, or the
// user's first-ever event when Event is "".
type Anchor struct {
	Event string
}

// times returns each listed user's anchor time, and whether it has one.
func (a Anchor) times(l *Log, users []int32) ([]int64, []bool) {
	at := make([]int64, len(users))
	ok := make([]bool, len(users))
	id := int32(-2)
	if a.Event != "" {
		id = l.NameID(a.Event)
	}
	for i, u := range users {
		if a.Event == "" {
			at[i], ok[i] = l.FirstSeen[u], true
			continue
		}
		ts, ns := l.Events(u)
		if t, j := firstOf(ts, ns, id, math.MinInt64, 0); j >= 0 {
			at[i], ok[i] = t, true
		}
	}
	return at, ok
}

// Name is how the anchor is described in output.
func (a Anchor) Name() string {
	if a.Event == "" {
		return "first_seen"
	}
	return a.Event
}

// ActivationParams configure Activation (docs/metrics.md#activation).
type ActivationParams struct {
	Events   []string // all must be met (an AND); each at least MinCount times
	MinCount int
	Anchor   Anchor
	Window   Window
	Range    Range
	Level    float64
	KM       bool      // add the Kaplan–Meier TTV that uses censored users
	Cohorts  *Calendar // one row per signup cohort when set
	Since    *int64    // start of observed history: see cohortRows.firstSeen
	// each, when set, sees every user's outcome as it is counted.
	each func(activationUser)
}

// activationUser is one user's outcome: what Activation counts.
type activationUser struct {
	user      int32
	status    string // eligible, censored, no_signup, out_of_range
	signup    int64  // with a signup (not no_signup)
	met       int64  // when the criterion was met, if metAt
	metAt     bool
	activated bool // counted in the numerator
	cohort    *cohortRows
}

// ActivationResult is the activation rate and time to value.
type ActivationResult struct {
	Rate      Proportion         `json:"rate"`
	Anchored  int64              `json:"anchored"`
	Excluded  Excluded           `json:"excluded"`
	TTV       TTV                `json:"ttv"`
	Cohorts   []ActivationCohort `json:"cohorts"`
	Warnings  []Warning          `json:"-"` // in the envelope
	NoAnchor  int64              `json:"no_anchor"`
	BeforeAnc int64              `json:"events_before_anchor"`
}

// Excluded counts units left out of a rate.
type Excluded struct {
	Censored int64 `json:"censored"`
}

// ActivationCohort is one signup cohort's row.
type ActivationCohort struct {
	Cohort   string     `json:"cohort"`
	Size     int64      `json:"size"`
	Rate     Proportion `json:"rate"`
	Censored int64      `json:"censored"`
	Status   string     `json:"status"`
}

// TTV is time to value among eligible anchors (conditional on reaching it),
// plus optionally the Kaplan–Meier estimate over every anchor.
type TTV struct {
	Reached          int64      `json:"reached"`
	NotReached       int64      `json:"not_reached"`
	PctReached       Proportion `json:"pct_reached"`
	MinSeconds       *float64   `json:"min_seconds"`
	P25Seconds       *float64   `json:"p25_seconds"`
	MedianSeconds    *float64   `json:"median_seconds"`
	P75Seconds       *float64   `json:"p75_seconds"`
	P90Seconds       *float64   `json:"p90_seconds"`
	MaxSeconds       *float64   `json:"max_seconds"`
	PercentileMethod string     `json:"percentile_method"`
	Basis            string     `json:"basis"`
	KM               *KMSummary `json:"km,omitempty"`
}

// KMSummary is the Kaplan–Meier time to value: quantiles are null with
// status "not_reached" when the curve never falls that far.
type KMSummary struct {
	N             int64    `json:"n"`
	Events        int64    `json:"events"`
	Censored      int64    `json:"censored"`
	P25Seconds    *float64 `json:"p25_seconds"`
	MedianSeconds *float64 `json:"median_seconds"`
	MedianStatus  string   `json:"median_status"`
	P75Seconds    *float64 `json:"p75_seconds"`
}

// criterionTime returns when the activation criterion is first met at or
// after anchor (each event's MinCount-th occurrence, the latest of them), or
// false. It also counts key events before the anchor.
func criterionTime(ts []int64, ns []int32, ids []int32, k int, anchor int64) (int64, bool, int64) {
	var met int64 = math.MinInt64
	var before int64
	all := true
	for _, id := range ids {
		n := 0
		for i, t := range ts {
			if ns[i] != id {
				continue
			}
			if t < anchor {
				before++ // times are sorted: these all come first
				continue
			}
			if n++; n == k {
				met = max(met, t)
				break
			}
		}
		if n < k {
			all = false
		}
	}
	return met, all && len(ids) > 0, before
}

// Activation computes the activation rate of users (a segment, or all) and
// their time to value.
func Activation(l *Log, users []int32, p ActivationParams) ActivationResult {
	if p.MinCount < 1 {
		p.MinCount = 1
	}
	ids := l.NameIDs(p.Events)
	anchors, has := p.Anchor.times(l, users)
	res := ActivationResult{Cohorts: []ActivationCohort{}, Warnings: []Warning{}}
	var eligible, activated int64
	var ttv []float64
	var km []Survival
	cohorts := newCohortRows(p.Cohorts).firstSeen(p.Anchor, p.Since)
	seen := func(o activationUser) {
		if p.each != nil {
			o.cohort = cohorts
			p.each(o)
		}
	}
	for i, u := range users {
		if !has[i] {
			res.NoAnchor++
			seen(activationUser{user: u, status: "no_signup"})
			continue
		}
		a := anchors[i]
		if !p.Range.Contains(a) {
			seen(activationUser{user: u, status: "out_of_range", signup: a})
			continue
		}
		res.Anchored++
		ts, ns := l.Events(u)
		met, ok, before := criterionTime(ts, ns, ids, p.MinCount, a)
		res.BeforeAnc += before
		end := p.Window.End(a)
		inWindow := ok && met <= end
		c := cohorts.row(a)
		o := activationUser{user: u, status: "eligible", signup: a, met: met, metAt: ok}
		if p.KM {
			switch {
			case inWindow && met < p.Range.AsOf:
				km = append(km, Survival{Time: float64(met - a), Event: true})
			default:
				km = append(km, Survival{Time: float64(min(p.Range.AsOf, end) - a), Event: false})
			}
		}
		if !p.Range.Complete(end) {
			res.Excluded.Censored++
			c.censor++
			o.status = "censored"
			seen(o)
			continue
		}
		eligible++
		c.n++
		if inWindow {
			activated++
			ttv = append(ttv, float64(met-a)/1e9)
			c.x++
			o.activated = true
		}
		seen(o)
	}
	res.Rate = NewProportion(activated, eligible, p.Level)
	res.TTV = ttvSummary(ttv, eligible, p.Level)
	if p.KM {
		res.TTV.KM = kmSummary(km)
	}
	for _, c := range cohorts.list(p.Level) {
		res.Cohorts = append(res.Cohorts, ActivationCohort{Cohort: c.Cohort, Size: c.Entered + c.Censored,
			Rate: c.Conversion, Censored: c.Censored, Status: c.Status})
	}
	res.Warnings = activationWarnings(res, p, cohorts)
	return res
}

// activationWarnings are the result's caveats; cohorts, when not nil,
// add their warm-up warning.
func activationWarnings(res ActivationResult, p ActivationParams, cohorts *cohortRows) []Warning {
	ws := proportionWarnings("activation rate", res.Rate)
	if cohorts != nil {
		ws = append(ws, cohorts.warmUpWarnings("the activation rate")...)
	}
	if res.BeforeAnc > 0 {
		ws = append(ws, Warning{Code: "events_before_anchor",
			Message: fmt.Sprintf("%d activation events happened before their user's %s and were ignored", res.BeforeAnc, p.Anchor.Name())})
	}
	if res.Excluded.Censored > 0 {
		ws = append(ws, Warning{Code: "censored",
			Message: fmt.Sprintf("%d users signed up less than %s before as_of and are left out (their window is not complete)", res.Excluded.Censored, FormatDuration(p.Window.Length))})
	}
	if ws == nil {
		ws = []Warning{}
	}
	return ws
}

func ttvSummary(secs []float64, eligible int64, level float64) TTV {
	slices.Sort(secs)
	t := TTV{Reached: int64(len(secs)), NotReached: eligible - int64(len(secs)),
		PctReached: NewProportion(int64(len(secs)), eligible, level), PercentileMethod: "type7", Basis: "conditional"}
	if len(secs) > 0 {
		t.MinSeconds = Ptr(secs[0])
		t.P25Seconds = Ptr(Percentile(secs, 0.25))
		t.MedianSeconds = Ptr(Percentile(secs, 0.5))
		t.P75Seconds = Ptr(Percentile(secs, 0.75))
		t.P90Seconds = Ptr(Percentile(secs, 0.90))
		t.MaxSeconds = Ptr(secs[len(secs)-1])
	}
	return t
}

func kmSummary(obs []Survival) *KMSummary {
	k := &KMSummary{N: int64(len(obs)), MedianStatus: "not_reached"}
	for _, o := range obs {
		if o.Event {
			k.Events++
		}
	}
	k.Censored = k.N - k.Events
	steps := KaplanMeier(obs)
	if v, ok := KMQuantile(steps, 0.25); ok {
		k.P25Seconds = Ptr(v / 1e9)
	}
	if v, ok := KMQuantile(steps, 0.5); ok {
		k.MedianSeconds = Ptr(v / 1e9)
		k.MedianStatus = "reached"
	}
	if v, ok := KMQuantile(steps, 0.75); ok {
		k.P75Seconds = Ptr(v / 1e9)
	}
	return k
}

// proportionWarnings are the minimum-sample warnings: small_sample below
// 30, sparse_counts with fewer than 5 on one side, empty_denominator at 0.
func proportionWarnings(what string, p Proportion) []Warning {
	var ws []Warning
	n, x := p.Denominator, p.Numerator
	switch {
	case n == 0:
		ws = append(ws, Warning{Code: "empty_denominator", Message: what + ": no eligible users, so no rate"})
	case n < 30:
		ws = append(ws, Warning{Code: "small_sample", Message: fmt.Sprintf("%s: n = %d is below 30; read the interval, not the point", what, n)})
	}
	if n > 0 && (x < 5 || n-x < 5) {
		ws = append(ws, Warning{Code: "sparse_counts", Message: fmt.Sprintf("%s: %d of %d; fewer than 5 on one side", what, x, n)})
	}
	return ws
}

// ActivationSettings are the activation command's flags and config keys.
type ActivationSettings struct {
	Events      []string `flag:"activation-event" list:"comma" usage:"Event that activates (repeatable or comma-separated: all must happen)" json:"activation_events"`
	MinCount    int      `flag:"min-count" usage:"Times each activation event must happen within the window" json:"min_count"`
	SignupEvent string   `flag:"signup-event" usage:"Event that marks signup (default: each user's first event)" json:"signup_event"`
	KM          bool     `flag:"km" usage:"Add the Kaplan–Meier time to value, which counts users who have not reached value yet" json:"km"`
	WindowSettings
	CohortSettings
}

// ActivationMetric is the activation metric (docs/metrics.md#activation).
var ActivationMetric = &Def[ActivationSettings, ActivationResult]{
	Info: Info{
		SQLHelp: activationSQLHelp,
		Name:    "activation",
		Use:     "[FILE...] --activation-event E",
		Short:   "Activation rate within a window of signup, with time to value",
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
		FlagUsage: map[string]string{"within": "Activation window after signup (90s, 30m, 48h, 7d, 2w; the end is included)"},
	},
	Defaults: func() ActivationSettings {
		return ActivationSettings{MinCount: 1, WindowSettings: NewWindow(Days(7)), CohortSettings: NewCohorts()}
	},
	Check: func(s *ActivationSettings) error {
		if len(s.Events) == 0 {
			return fmt.Errorf("--activation-event is required")
		}
		if s.MinCount < 1 {
			return fmt.Errorf("--min-count must be at least 1, got %d", s.MinCount)
		}
		return s.WindowSettings.Check()
	},
	Needs: func(s *ActivationSettings) Needs {
		return Needs{Events: append([]string{s.SignupEvent}, s.Events...), Refs: []Ref{
			{Flag: "--activation-event", Names: s.Events}, {Flag: "--signup-event", Names: []string{s.SignupEvent}}}}
	},
	Compute: func(r *Run, s *ActivationSettings, users []int32) ActivationResult {
		return Activation(r.Log, users, activationParams(r, s))
	},
	Users:           activationUsers,
	Outcome:         activationOutcome,
	OutcomeSettings: func() OutcomeSettings { return &ActivationOutcome{Outcome: OutcomeRate} },
	Warnings:        func(a ActivationResult) []Warning { return a.Warnings },
	Params: func(_ *Run, s *ActivationSettings) any {
		return struct {
			*ActivationSettings
			SignupEvent string `json:"signup_event"`
			Incomplete  string `json:"incomplete"`
			Percentiles string `json:"percentile_method"`
		}{s, Anchor{Event: s.SignupEvent}.Name(), "exclude", "type7"}
	},
	View:     activationView,
	Rows:     activationRows,
	SQL:      activationSQL,
	FromRows: activationFromRows,
	Headline: func(_ *Run, s *ActivationSettings, all Segmented[ActivationResult]) string {
		return fmt.Sprintf("Activation (%s within %s): %s", strings.Join(s.Events, " and "), s.Within.Text, PropText(all.Overall.Rate))
	},
}

// distinct are names without repeats, in their first order: an event
// named twice is one criterion (and its early events are counted once).
func distinct(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func activationParams(r *Run, s *ActivationSettings) ActivationParams {
	return ActivationParams{Events: distinct(s.Events), MinCount: s.MinCount, Anchor: Anchor{Event: s.SignupEvent},
		Window: s.Window(r.Loc), Range: r.Range, Level: r.Level, KM: s.KM, Cohorts: s.Calendar(r.Loc), Since: r.Since}
}

// activationUsers are Activation's outcome per user: the eligible count
// to the denominator, those activated to the numerator.
func activationUsers(r *Run, s *ActivationSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(s.CohortPeriod != "", report.Column{Key: "signup_time", Kind: report.Time},
		report.Column{Key: "activated"}, report.Column{Key: "activated_at", Kind: report.Time},
		report.Column{Key: "ttv_seconds", Kind: report.Float}, report.Column{Key: "status"})}
	p := activationParams(r, s)
	p.each = func(o activationUser) {
		var signup, at, ttv any
		if o.status != "no_signup" {
			signup = nsTime(o.signup)
		}
		if o.metAt {
			at, ttv = nsTime(o.met), float64(o.met-o.signup)/1e9
		}
		t.Rows = append(t.Rows, userRow(r, o.user, o.cohort.label(o.signup, o.status != "no_signup"), signup, o.activated, at, ttv, o.status))
	}
	Activation(r.Log, users, p)
	return t
}

func activationView(r *Run, s *ActivationSettings, all Segmented[ActivationResult]) report.Doc {
	res := all.Overall
	crit := strings.Join(s.Events, " and ")
	if s.MinCount > 1 {
		crit += fmt.Sprintf(" (%d times each)", s.MinCount)
	}
	anchor := "first event"
	if s.SignupEvent != "" {
		anchor = s.SignupEvent
	}
	win := s.Window(r.Loc)
	doc := report.Doc{Title: fmt.Sprintf("Activation: %s within %s of %s", crit, s.Within.Text, anchor)}
	doc.Add("activation rate", PropText(res.Rate))
	doc.Add("eligible users", fmt.Sprintf("%s of %s who signed up in range; %s censored (window not complete at as_of)",
		report.Thousands(res.Rate.Denominator), report.Thousands(res.Anchored), report.Thousands(res.Excluded.Censored)))
	doc.Add("window", fmt.Sprintf("%s, %s, end included", s.Within.Text, win.Mode()))
	if res.NoAnchor > 0 {
		doc.Add("no signup event", report.Thousands(res.NoAnchor)+" users never did "+s.SignupEvent)
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
			{Key: "eligible", Kind: report.Int}, {Key: "activated", Kind: report.Int}}, CICols("rate")...),
			report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})}
		for _, c := range res.Cohorts {
			t.Rows = append(t.Rows, append(append([]any{c.Cohort, c.Size, c.Rate.Denominator, c.Rate.Numerator}, CIVals(c.Rate)...), c.Censored, c.Status))
		}
		doc.Tables = append(doc.Tables, t)
	}
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}}, activationCols...)}
		for _, sr := range all.Segments {
			seg.Rows = append(seg.Rows, append([]any{sr.Name}, activationRow(sr.Result)...))
		}
		doc.Tables = append(doc.Tables, seg)
	}
	doc.Charts = append(doc.Charts, segmentIntervals("Activation rate", all, func(a ActivationResult) Proportion { return a.Rate }))
	if len(res.Cohorts) > 0 {
		doc.Charts = append(doc.Charts, intervalsOf("Activation rate by signup cohort", res.Cohorts,
			func(c ActivationCohort) (string, Proportion) { return c.Cohort, c.Rate }))
	}
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; intervals are %s Wilson; time to value is conditional on reaching it (type-7 percentiles)",
		r.AsOf, report.Pct(r.Level)))
	return doc
}

// activationCols are a result's rate, its censored users and median time
// to value, as one row.
var activationCols = append(append([]report.Column{{Key: "eligible", Kind: report.Int}, {Key: "activated", Kind: report.Int}},
	CICols("rate")...), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "median_ttv_seconds", Header: "median ttv", Kind: report.Duration})

func activationRow(a ActivationResult) []any {
	return append(append([]any{a.Rate.Denominator, a.Rate.Numerator}, CIVals(a.Rate)...), a.Excluded.Censored, a.TTV.MedianSeconds)
}

// activationRows are the result's row and, with --cohort-period, one per
// signup cohort (which has no time to value) with its status.
func activationRows(_ *Run, s *ActivationSettings, a ActivationResult) report.Table {
	cols := slices.Clone(activationCols)
	for _, k := range activationExtra {
		cols = append(cols, report.Column{Key: k, Kind: report.Float})
	}
	tv := a.TTV
	t := report.Table{Columns: cols, Rows: [][]any{append(activationRow(a), tv.MinSeconds, tv.P25Seconds, tv.P75Seconds, tv.P90Seconds, tv.MaxSeconds,
		a.Anchored, a.NoAnchor, a.BeforeAnc)}}
	if s.CohortPeriod == "" {
		return t
	}
	t.Columns = append(t.Columns, report.Column{Key: "status"})
	t.Rows[0] = append(t.Rows[0], nil)
	var cs [][]any
	for _, c := range a.Cohorts {
		row := append(append([]any{c.Cohort, c.Rate.Denominator, c.Rate.Numerator}, CIVals(c.Rate)...), c.Censored, nil)
		row = append(row, make([]any, len(activationExtra))...)
		cs = append(cs, append(row, c.Status))
	}
	return withCohorts(t, cs)
}
