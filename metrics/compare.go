package metrics

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// compare (docs/compare.md): groups of users compared on a comparable
// metric (Def.Outcome). It is a metric over another: NewCompare(m) is the
// definition whose settings are compare's own flags and m's, so the engine
// reads, computes, segments (--by) and renders it as any metric.

// CompareSettings are compare's own flags and config keys.
type CompareSettings struct {
	Metric       string   "flag:\"metric\" usage:\"The metric to compare the groups on: `NAME` of a comparable metric (its flags then apply)\" json:\"metric\""
	VariantProp  string   "flag:\"variant-prop\" usage:\"Randomized groups: the user `property` holding each user's variant (the first value seen; users seen with several are left out)\" json:\"variant_prop\""
	Control      string   "flag:\"control\" usage:\"The control `variant` (default: the value named control)\" json:\"control\""
	Group        string   "flag:\"group\" usage:\"Observational groups: users matching `EXPR` against the rest; EXPR is EVENT within DURATION [of EVENT] or FIELD OP VALUE (a user property, as --where)\" json:\"group\""
	Counts       string   "flag:\"counts\" usage:\"Calculator mode, no input: `NAME=x/n,...` (the first is the control)\" json:\"counts\""
	Offset       int      "flag:\"offset\" usage:\"retention: the offset `k` compared (default 1)\" json:\"offset\""
	Alpha        float64  `flag:"alpha" usage:"Significance level of the tests" json:"alpha"`
	Test         string   `flag:"test" enum:"z,z-unpooled,fisher" usage:"Test of two rates (z gives way to fisher when an expected count is below 5)" json:"test"`
	DiffCI       string   `flag:"diff-ci" enum:"newcombe,wald" usage:"Interval of a difference of rates" json:"diff_ci"`
	Adjust       string   `flag:"adjust" enum:"holm,bonferroni,none" usage:"Adjustment of the p-values of several treatments" json:"adjust"`
	MDE          string   "flag:\"mde\" usage:\"Minimum detectable effect for the sample size per group: `2pp` (points) or 10% (of the baseline)\" json:\"mde\""
	Power        float64  `flag:"power" usage:"Power of the planned sample size (with --mde)" json:"power"`
	BaselineRate float64  "flag:\"baseline-rate\" usage:\"Baseline `rate` for --mde (default: the control's observed rate)\" json:\"baseline_rate\""
	Weights      string   "flag:\"weights\" usage:\"Intended split of the groups, control first, for the sample-ratio check: `50,50` (default equal)\" json:\"weights\""
	Sequential   bool     `flag:"sequential" usage:"Always-valid p-values and intervals (mixture SPRT over daily looks), for teams that look every day" json:"sequential"`
	CUPED        bool     `flag:"cuped" usage:"Reduce variance with each user's active days before exposure as covariate (CUPED)" json:"cuped"`
	CUPEDWindow  Duration `flag:"cuped-window" usage:"The days before exposure whose activity is CUPED's covariate" json:"cuped_window"`

	inner         Metric
	innerSettings any
	outcomeSet    OutcomeSettings // the inner metric's compare-only settings, or nil
	mde           *MDE
	weights       []float64
	behaviour     *Behaviour
	filter        func(string) bool // --group FIELD OP VALUE's match, set by SetGroupFilter
	filterField   string
	// derived by Prepare over the whole read
	plan    groupPlan
	once    *sync.Once // computes outcome, unitAt and cov
	outcome Outcome
	unitAt  []int32   // per unit id: its index in outcome.Units, or -1
	cov     []float64 // per outcome unit: CUPED's covariate
}

// NewCompareSettings are compare's defaults.
func NewCompareSettings() CompareSettings {
	return CompareSettings{Alpha: 0.05, Test: PropTestZ, DiffCI: DiffCINewcombe, Adjust: AdjustHolm, Power: 0.8, CUPEDWindow: Days(14)}
}

// Attach makes s compare on metric m, with m's default settings.
func (s *CompareSettings) Attach(m Metric) {
	s.Metric, s.inner, s.innerSettings = m.About().Name, m, m.NewSettings()
	s.outcomeSet = m.NewOutcomeSettings()
}

// OutcomeSettings are the compared metric's compare-only settings
// (Def.OutcomeSettings; nil when it has none), which their flags set.
func (s *CompareSettings) OutcomeSettings() any {
	if s.outcomeSet == nil {
		return nil
	}
	return s.outcomeSet
}

// outcomeOptions are what the compared metric's Outcome reads of compare.
func (s *CompareSettings) outcomeOptions() OutcomeOptions {
	return OutcomeOptions{Offset: s.Offset, Settings: s.outcomeSet, Exposure: s.VariantProp}
}

// Inner are the compared metric's settings, which its flags set.
func (s *CompareSettings) Inner() any { return s.innerSettings }

// SetGroupFilter makes --group a property filter: users whose first seen
// field value matches, against the rest.
func (s *CompareSettings) SetGroupFilter(field string, match func(string) bool) {
	s.filterField, s.filter = field, match
}

// GroupBehaviour is --group as a behaviour, if it is one.
func (s *CompareSettings) GroupBehaviour() (Behaviour, bool, error) {
	return ParseBehaviour(s.Group)
}

// check rejects settings no comparison holds, data or not.
func (s *CompareSettings) check() error {
	if !(s.Alpha > 0 && s.Alpha < 1) {
		return fmt.Errorf("--alpha %v: want a level between 0 and 1, such as 0.05", s.Alpha)
	}
	if !(s.Power > 0 && s.Power < 1) {
		return fmt.Errorf("--power %v: want a probability between 0 and 1, such as 0.8", s.Power)
	}
	if s.BaselineRate != 0 && !(s.BaselineRate > 0 && s.BaselineRate < 1) {
		return fmt.Errorf("--baseline-rate %v: want a rate between 0 and 1, such as 0.1", s.BaselineRate)
	}
	s.mde, s.weights = nil, nil
	if s.MDE != "" {
		m, err := ParseMDE(s.MDE)
		if err != nil {
			return fmt.Errorf("--mde: %w", err)
		}
		s.mde = &m
	}
	if s.Weights != "" {
		w, err := ParseWeights(s.Weights)
		if err != nil {
			return fmt.Errorf("--weights: %w", err)
		}
		s.weights = w
	}
	if s.CUPED && s.Sequential {
		return fmt.Errorf("--cuped and --sequential do not go together: the sequential test reads the raw rates")
	}
	if d := s.CUPEDWindow.D; d < 24*time.Hour || d%(24*time.Hour) != 0 {
		return fmt.Errorf("--cuped-window %s: want whole days, such as 14d or 4w", s.CUPEDWindow.Text)
	}
	if s.Offset < 0 {
		return fmt.Errorf("--offset %d: want 1 or more", s.Offset)
	}
	return nil
}

// params are compare's settings as the envelope spells them.
func (s *CompareSettings) params(design, control string) map[string]any {
	null := func(ok bool, v any) any {
		if ok {
			return v
		}
		return nil
	}
	return map[string]any{"metric": null(s.Metric != "", s.Metric), "variant_prop": null(s.VariantProp != "", s.VariantProp),
		"group": null(s.Group != "", s.Group), "control": control, "design": design, "alpha": s.Alpha, "test": s.Test, "diff_ci": s.DiffCI,
		"adjust": s.Adjust, "mde": null(s.MDE != "", s.MDE), "power": s.Power, "baseline_rate": null(s.BaselineRate != 0, s.BaselineRate),
		"weights": null(s.weights != nil, s.weights), "sequential": s.Sequential, "cuped": s.CUPED, "cuped_window": s.CUPEDWindow.Text,
		"counts": null(s.Counts != "", s.Counts)}
}

// compareParams are the statistics' settings.
func (s *CompareSettings) compareParams(r *Run, kind, design string) CompareParams {
	p := CompareParams{Kind: kind, Design: design, Level: r.Level, Alpha: s.Alpha, Test: s.Test, DiffCI: s.DiffCI, Adjust: s.Adjust,
		MDE: s.mde, Power: s.Power, BaselineRate: s.BaselineRate, Weights: s.weights, Sequential: s.Sequential, CUPED: s.CUPED,
		CUPEDWindow: s.CUPEDWindow.Text, Loc: r.Loc}
	if p.Level == 0 {
		p.Level = 0.95
	}
	return p
}

// Comparables are the names of the metrics compare takes.
func Comparables() []string {
	var out []string
	for _, m := range Registry {
		if m.Comparable() {
			out = append(out, m.About().Name)
		}
	}
	return out
}

// CompareInfo describes compare.
var CompareInfo = Info{
	Name:  "compare",
	Use:   "[FILE...] --metric NAME [that metric's flags] (--variant-prop P | --group EXPR) | --counts NAME=x/n,...",
	Short: "A/B (or observational) comparison of groups on one metric, with tests, intervals and a decision",
	Long: `Compare groups of users on one metric: each group's rate with its Wilson
interval, each treatment against the control (the difference with Newcombe's
interval, the relative lift with Katz's, the test and its p-value, Holm-adjusted
over several treatments), the sample-ratio check, the sample size for --mde and
a decision — winner, loser, no_significant_difference or inconclusive — with the
reason in words (docs/compare.md).

The groups are
  --variant-prop P   randomized: each user's first value of the user property P
                     (users seen with several values are left out and counted
                     in excluded.multi_variant); --control names the control
                     (default: the value named control)
  --group EXPR       observational: the users matching EXPR against the rest
                     (the control). EXPR is EVENT within DURATION [of EVENT]
                     (did EVENT at least once within DURATION of their first
                     event, or of their first EVENT after of; users whose
                     DURATION is not over at --as-of are left out) or
                     FIELD OP VALUE (a user property, with --where's operators).
                     Association, not causation.
  --counts NAME=x/n,...  the calculator: no input, the first is the control.

--metric NAME picks the metric, whose own flags then apply: the groups are
compared on exactly the figure that command reports, with its censoring.
'uptake compare --metric NAME --help' lists them. retention compares one
offset, --offset k (default 1), pooled over the cohorts.

Means get Welch's t test and interval and a delta-method lift: --metric
revenue compares revenue per user (net revenue within --within, 30d, of each
user's exposure — the earliest row carrying their variant — or of
--entry-event; 0 without a purchase; needs --amount), and activation
--outcome ttv (time to value of those who activated) or ttv-capped (everyone,
not activated = the window) compares time to value, where lower is better.

--sequential replaces the fixed-horizon test with always-valid p-values and
intervals (mixture SPRT over daily looks); --cuped adjusts each user's outcome
by their active days in the --cuped-window before they entered the metric.`,
	Example: `  uptake compare --demo --metric activation --activation-event report_created --variant-prop onboarding_variant
  uptake compare --demo --metric onboarding --steps onboarding_started,onboarding_completed --variant-prop onboarding_variant --mde 5pp
  uptake compare --demo --metric activation --activation-event subscription_started --within 60d --group 'report_created within 48h'
  uptake compare --demo --metric retention --period week --offset 2 --group 'plan = pro'
  uptake compare --demo --metric revenue --amount amount --within 30d --variant-prop onboarding_variant
  uptake compare --demo --metric activation --activation-event report_created --outcome ttv-capped --variant-prop onboarding_variant
  uptake compare --counts control=480/12000,guided=560/11800 --format json | jq '.result.comparisons[0].p_value'`,
	ActiveEvents: true,
}

// NewCompare is compare over metric m (Comparable).
func NewCompare(m Metric) *Def[CompareSettings, CompareResult] {
	return &Def[CompareSettings, CompareResult]{
		Info: CompareInfo,
		Defaults: func() CompareSettings {
			s := NewCompareSettings()
			s.Attach(m)
			return s
		},
		Check: func(s *CompareSettings) error {
			if err := s.check(); err != nil {
				return err
			}
			if s.Offset != 0 && !slices.Contains(m.About().CompareFlags, "offset") {
				return fmt.Errorf("--offset: %s has no offsets (retention does)", m.About().Name)
			}
			switch {
			case s.Counts != "":
				return fmt.Errorf("--counts is the calculator: it reads no input and takes no --metric")
			case s.VariantProp == "" && s.Group == "":
				return fmt.Errorf("give the groups: --variant-prop P (randomized) or --group EXPR (observational)")
			case s.VariantProp != "" && s.Group != "":
				return fmt.Errorf("--variant-prop and --group: give one")
			case s.Group != "" && (s.Control != "" || s.Weights != ""):
				return fmt.Errorf("--group makes two observational groups, the rest being the control: --control and --weights are for --variant-prop")
			}
			if s.Group != "" {
				if _, ok, err := s.GroupBehaviour(); s.filter == nil && (!ok || err != nil) {
					if err == nil {
						err = fmt.Errorf("--group %q: want EVENT within DURATION [of EVENT] or FIELD OP VALUE", s.Group)
					}
					return err
				}
			}
			if s.outcomeSet != nil {
				if err := s.outcomeSet.checkOutcome(); err != nil {
					return err
				}
			}
			return m.Validate(s.innerSettings)
		},
		Needs:    compareNeeds,
		Prepare:  comparePrepare,
		Compute:  compareCompute,
		Warnings: func(c CompareResult) []Warning { return c.Warnings },
		Params: func(r *Run, s *CompareSettings) any {
			out := map[string]any{}
			if b, err := json.Marshal(s.inner.ParamsOf(r, s.innerSettings)); err == nil {
				_ = json.Unmarshal(b, &out)
			}
			control := any(nil)
			if len(s.plan.names) > 0 {
				control = s.plan.names[0]
			}
			for _, f := range m.About().CompareSkip {
				delete(out, strings.ReplaceAll(f, "-", "_"))
			}
			if s.outcomeSet != nil {
				if b, err := json.Marshal(s.outcomeSet); err == nil {
					_ = json.Unmarshal(b, &out)
				}
			}
			for k, v := range s.params(s.plan.design, "") {
				out[k] = v
			}
			out["control"] = control
			if slices.Contains(m.About().CompareFlags, "offset") {
				out["offset"] = max(1, s.Offset)
			}
			return out
		},
		View:     compareView,
		Rows:     func(_ *Run, _ *CompareSettings, c CompareResult) report.Table { return compareRows(c) },
		Users:    compareUsers,
		Headline: compareHeadline,
	}
}

// compareNeeds are the compared metric's needs, the groups' property or
// events, and with --cuped every user's active days.
func compareNeeds(s *CompareSettings) Needs {
	n := s.inner.NeedsOf(s.innerSettings)
	n.Refs = slices.Clone(n.Refs)
	n.UserProps = slices.Clone(n.UserProps)
	n.Events = slices.Clone(n.Events)
	if s.outcomeSet != nil {
		n = s.outcomeSet.outcomeNeeds(n)
	}
	if s.VariantProp != "" {
		n.UserProps = append(n.UserProps, s.VariantProp)
		n.Refs = append(n.Refs, Ref{Flag: "--variant-prop", Property: true, Names: []string{s.VariantProp}})
	}
	if b, ok, err := s.GroupBehaviour(); s.filter == nil && ok && err == nil {
		n.Events = append(n.Events, b.Event, b.Anchor)
		n.Refs = append(n.Refs, Ref{Flag: "--group", Names: []string{b.Event, b.Anchor}})
	} else if s.filter != nil {
		n.UserProps = append(n.UserProps, s.filterField)
		n.Refs = append(n.Refs, Ref{Flag: "--group", Property: true, Names: []string{s.filterField}})
	}
	if s.CUPED && n.Activity == nil {
		n.Activity = &ActivityConfig{}
	}
	return n
}

// allUnits are every unit of the read: answers, or users.
func allUnits(r *Run) []int32 {
	switch {
	case r.Answers != nil:
		return AllUsers(len(r.Answers.Valid))
	case r.Log != nil:
		return r.Log.AllUsers()
	case r.Activity != nil:
		return r.Activity.AllUsers()
	}
	return AllUsers(len(r.UserIDs))
}

// comparePrepare forms the groups and computes every unit's outcome once;
// Compute then splits those of its units.
func comparePrepare(r *Run, s *CompareSettings) error {
	if err := s.inner.PrepareRun(r, s.innerSettings); err != nil {
		return err
	}
	users := len(r.UserIDs)
	switch b, ok, err := s.GroupBehaviour(); {
	case s.VariantProp != "":
		g, err := variantGroups(s.VariantProp, r.UserValues(s.VariantProp), s.Control, users)
		if err != nil {
			return err
		}
		s.plan = g
	case s.filter != nil:
		s.plan = propertyGroups(s.Group, r.UserValues(s.filterField), s.filter, users)
	case ok && err == nil:
		s.plan = behaviourGroups(r.Log, b, r.Range)
	}
	if s.weights != nil && len(s.weights) != len(s.plan.names) {
		return &UsageError{fmt.Errorf("--weights %s gives %d weights for %d groups (%s)", s.Weights, len(s.weights), len(s.plan.names), strings.Join(s.plan.names, ", "))}
	}
	// the settings' errors, over no units: the outcomes themselves wait for
	// Compute, as the activity summary is finished only then
	_, err := s.inner.OutcomeOf(r, s.innerSettings, s.outcomeOptions(), nil)
	s.once = new(sync.Once)
	return err
}

// outcomes computes every unit's outcome (and CUPED's covariate) once,
// over the whole read; Compute takes those of its units.
func (s *CompareSettings) outcomes(r *Run) {
	s.once.Do(func() {
		units := allUnits(r)
		s.outcome, _ = s.inner.OutcomeOf(r, s.innerSettings, s.outcomeOptions(), units) // checked by Prepare
		s.unitAt = make([]int32, len(units))
		for i := range s.unitAt {
			s.unitAt[i] = -1
		}
		for i, u := range s.outcome.Units {
			s.unitAt[u.Unit] = int32(i)
		}
		if s.CUPED {
			s.cov = covariates(r.Activity, s.outcome.Units, int(s.CUPEDWindow.D/(24*time.Hour)))
		}
	})
}

// covariates are CUPED's covariate per unit: its user's active days among
// the w local days before the day of its exposure (At).
func covariates(a *Activity, us []UnitOutcome, w int) []float64 {
	out := make([]float64, len(us))
	if a == nil {
		return out
	}
	for i, u := range us {
		if u.User < 0 || int(u.User) >= a.Users {
			continue
		}
		days, _ := a.ActiveDays(int(u.User))
		d := int32(civilDays(time.Unix(0, u.At).In(a.Loc())))
		lo, _ := slices.BinarySearch(days, d-int32(w))
		hi, _ := slices.BinarySearch(days, d)
		out[i] = float64(hi - lo)
	}
	return out
}

// compareCompute compares the groups over units (all, or a --by segment).
func compareCompute(r *Run, s *CompareSettings, units []int32) CompareResult {
	s.outcomes(r)
	arms := make([]Arm, len(s.plan.names))
	for i, n := range s.plan.names {
		arms[i].Name = n
	}
	p := s.compareParams(r, s.outcome.Kind, s.plan.design)
	p.LowerIsBetter, p.Unit = s.outcome.LowerIsBetter, s.outcome.Unit
	keep := p.CUPED || p.Sequential || p.Kind == OutcomeMean
	var ex CompareExcluded
	byUser := r.Answers != nil // units are answers: count each user once
	counted := map[int32]bool{}
	exclude := func(u int32) {
		if byUser {
			if counted[u] {
				return
			}
			counted[u] = true
		}
		switch s.plan.of[u] {
		case armNoVariant:
			ex.NoVariant++
		case armMultiVariant:
			ex.MultiVariant++
		case armGroupCensored:
			ex.GroupCensored++
		case armNoAnchor:
			ex.NoAnchor++
		}
	}
	for _, unit := range units {
		k := s.unitAt[unit]
		if k < 0 {
			if !byUser && s.plan.of[unit] < 0 {
				exclude(unit)
			}
			continue
		}
		u := s.outcome.Units[k]
		if u.User < 0 {
			ex.NoUser++
			continue
		}
		arm := s.plan.of[u.User]
		if arm < 0 {
			exclude(u.User)
			continue
		}
		cov := 0.0
		if s.cov != nil {
			cov = s.cov[k]
		}
		arms[arm].add(p.Kind, u, keep, cov, s.cov != nil)
	}
	if len(s.outcome.Censored) > 0 || len(s.outcome.Unreached) > 0 {
		in := make([]bool, len(s.unitAt))
		for _, u := range units {
			in[u] = true
		}
		for _, u := range s.outcome.Censored {
			if in[u] {
				ex.Censored++
			}
		}
		for _, u := range s.outcome.Unreached {
			if in[u] && s.plan.of[u] >= 0 {
				ex.NotReached++
			}
		}
	}
	p.Assigned = s.assigned(r, units)
	res := CompareArms(arms, p)
	res.Metric, res.Outcome, res.Groups, res.Excluded = s.inner.About().Name, s.outcome.What, s.plan.label, ex
	if p.CUPED {
		res.CUPED = &CUPEDInfo{Covariate: "active days in the " + s.CUPEDWindow.Text + " before exposure (the day the unit entered the metric)", Window: s.CUPEDWindow.Text}
	}
	res.Warnings = append(res.Warnings, excludedWarnings(ex, s)...)
	if len(units) == len(s.unitAt) { // over every unit: the read's caveats once, not per segment
		res.Warnings = append(res.Warnings, s.outcome.Warnings...)
	}
	return res
}

// assigned are the users of each group among units' users: for metrics
// of users, units themselves; for metrics of answers, every user of the
// read (a respondent is not the only one assigned).
func (s *CompareSettings) assigned(r *Run, units []int32) []int64 {
	if s.plan.design != DesignRandomized {
		return nil
	}
	out := make([]int64, len(s.plan.names))
	count := func(u int32) {
		if a := s.plan.of[u]; a >= 0 {
			out[a]++
		}
	}
	if r.Answers != nil {
		for u := range s.plan.of {
			count(int32(u))
		}
		return out
	}
	for _, u := range units {
		count(u)
	}
	return out
}

// excludedWarnings say who is in no group.
func excludedWarnings(ex CompareExcluded, s *CompareSettings) []Warning {
	var ws []Warning
	if n := ex.MultiVariant; n > 0 {
		ws = append(ws, Warning{Code: "multi_variant", Message: fmt.Sprintf("%d users were seen with more than one value of %s and are left out", n, s.VariantProp)})
	}
	if n := ex.GroupCensored; n > 0 {
		ws = append(ws, Warning{Code: "group_censored", Message: fmt.Sprintf("%d users' --group window is not over at as_of, so their group is not known yet; they are left out", n)})
	}
	if n := ex.Censored; n > 0 {
		ws = append(ws, Warning{Code: "censored", Message: fmt.Sprintf("%d left out: their window is not complete at as_of", n)})
	}
	if n := ex.NotReached; n > 0 {
		ws = append(ws, Warning{Code: "conditional_outcome", Message: fmt.Sprintf("%d users in the groups never reached value and are left out: the time to value is theirs who did, so a variant that brings more users to value can look slower (--outcome ttv-capped counts everyone)", n)})
	}
	if n := ex.NoUser; n > 0 {
		ws = append(ws, Warning{Code: "anonymous_answers", Message: fmt.Sprintf("%d answers have no user to put in a group; they are left out", n)})
	}
	return ws
}
