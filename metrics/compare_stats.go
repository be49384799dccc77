package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The comparison of groups (docs/compare.md): from each group's outcomes
// to the per-group figures, each treatment against the control, the
// sample-ratio check, the planned size and the decision. Pure: compare.go
// forms the groups from the read and the --counts calculator from numbers;
// the statistics are experiment_*.go's.

// The designs of a comparison.
const (
	DesignRandomized    = "randomized"
	DesignObservational = "observational"
)

// Arm is one group's outcomes.
type Arm struct {
	Name string
	N    int64 // units
	X    int64 // proportion: successes
	P, D int64 // NPS: promoters and detractors
	// Values are each unit's outcome (kept for means, and for every kind
	// with CUPED or --sequential); Cov (CUPED) and Done (--sequential) run
	// parallel to them.
	Values []float64
	Cov    []float64
	Done   []int64
}

// add counts one unit's outcome of kind; keep says whether to keep its
// value (and cov and done).
func (a *Arm) add(kind string, u UnitOutcome, keep bool, cov float64, withCov bool) {
	a.N++
	switch {
	case kind == OutcomeNPS && u.Value > 0:
		a.P++
	case kind == OutcomeNPS && u.Value < 0:
		a.D++
	case kind == OutcomeProportion && u.Value != 0:
		a.X++
	}
	if keep {
		a.Values = append(a.Values, u.Value)
		a.Done = append(a.Done, u.Done)
		if withCov {
			a.Cov = append(a.Cov, cov)
		}
	}
}

// CompareParams are a comparison's settings.
type CompareParams struct {
	Kind         string // OutcomeProportion, OutcomeMean or OutcomeNPS
	Design       string
	Level        float64 // --conf: every interval's level
	Alpha        float64
	Test         string // two-proportion test: z, z-unpooled, fisher
	DiffCI       string // newcombe, wald
	Adjust       string // holm, bonferroni, none
	MDE          *MDE
	Power        float64
	BaselineRate float64   // 0: the control's observed rate
	Weights      []float64 // the intended split (nil: equal)
	// Assigned are the users assigned to each arm, whom the sample-ratio
	// check counts (nil: the arms' n, as with --counts).
	Assigned      []int64
	Sequential    bool
	CUPED         bool
	CUPEDWindow   string         // as given, for the output
	Loc           *time.Location // the days of the sequential looks
	LowerIsBetter bool
	Unit          string // a mean's unit (UnitSeconds, UnitAmount)
}

// CompareResult is compare's result.
type CompareResult struct {
	Design  string `json:"design"`
	Metric  string `json:"metric"`
	Outcome string `json:"outcome"` // the figure compared, in words
	Kind    string `json:"kind"`
	// Unit is a mean's: "seconds" (time to value) or "amount" (money, in
	// --amount's unit); null for rates and NPS.
	Unit *string `json:"unit"`
	// LowerIsBetter says a drop is the good direction (time to value).
	LowerIsBetter bool `json:"lower_is_better"`
	// Groups says how units were grouped: the variant property, or the
	// observational expression.
	Groups          string          `json:"groups"`
	Control         string          `json:"control"`
	Variants        []VariantStat   `json:"variants"`
	Comparisons     []ArmComparison `json:"comparisons"`
	SRM             *SRMCheckResult `json:"srm"`
	Decision        string          `json:"decision"`
	DecisionReason  string          `json:"decision_reason"`
	Winner          *string         `json:"winner"`
	RequiredNPerArm *int64          `json:"required_n_per_arm"`
	Planning        *Planning       `json:"planning"`
	Horizon         string          `json:"horizon"` // fixed or sequential
	CUPED           *CUPEDInfo      `json:"cuped"`
	Excluded        CompareExcluded `json:"excluded"`
	Notes           []string        `json:"notes"`
	Warnings        []Warning       `json:"-"` // in the envelope
}

// VariantStat is one group's figure: a rate (x of n) with its Wilson
// interval, a mean with its t interval, or an NPS with its adjusted-Wald
// interval.
type VariantStat struct {
	Variant string      `json:"variant"`
	N       int64       `json:"n"`
	X       *int64      `json:"x"`
	Rate    *Proportion `json:"rate"`
	Mean    *Mean       `json:"mean,omitempty"`
	NPS     *NPSStat    `json:"nps,omitempty"`
}

// NPSStat is a group's NPS in points.
type NPSStat struct {
	Value      *float64 `json:"value"`
	CI         *NPSCI   `json:"ci"`
	Promoters  int64    `json:"promoters"`
	Passives   int64    `json:"passives"`
	Detractors int64    `json:"detractors"`
}

// ArmComparison is one treatment against the control, with its decision.
type ArmComparison struct {
	Variant string `json:"variant"`
	Comparison
	// Warnings hides the comparison's own: they are in the envelope.
	Warnings   []Warning          `json:"warnings,omitempty"`
	Decision   string             `json:"decision"`
	Reason     string             `json:"reason"`
	Sequential *SequentialSummary `json:"sequential,omitempty"`
	CUPED      *CUPEDSummary      `json:"cuped,omitempty"`
}

// SequentialSummary is the mSPRT behind a comparison's p-value and
// difference interval under --sequential.
type SequentialSummary struct {
	Looks int     `json:"looks"` // daily looks: days on which some unit's outcome settled
	Tau   float64 `json:"tau"`   // the mixture's spread, in proportion units
	MDE   string  `json:"mde"`   // the effect τ is tuned for
}

// CUPEDSummary is the adjustment behind a comparison under --cuped.
type CUPEDSummary struct {
	Theta             float64    `json:"theta"`
	AdjustedMeans     []*float64 `json:"adjusted_means"` // control, treatment (null: an empty group)
	UnadjustedDiff    Estimate   `json:"unadjusted_diff"`
	VarianceReduction *float64   `json:"variance_reduction"`
}

// CUPEDInfo names the covariate.
type CUPEDInfo struct {
	Covariate string `json:"covariate"`
	Window    string `json:"window"`
}

// Planning is the sample size for --mde.
type Planning struct {
	MDE            string  `json:"mde"`
	BaselineRate   float64 `json:"baseline_rate"`
	BaselineSource string  `json:"baseline_source"` // --baseline-rate or control
	TargetRate     float64 `json:"target_rate"`
	Alpha          float64 `json:"alpha"`
	Power          float64 `json:"power"`
	RequiredRaw    float64 `json:"required_n_per_arm_raw"`
	Underpowered   bool    `json:"underpowered"`
}

// CompareExcluded counts users (or answers) left out of every group.
type CompareExcluded struct {
	MultiVariant  int64 `json:"multi_variant"`  // seen with several values of --variant-prop
	NoVariant     int64 `json:"no_variant"`     // never seen with one
	GroupCensored int64 `json:"group_censored"` // --group's window not over at as_of
	NoAnchor      int64 `json:"no_anchor"`      // --group ... of E: never did E
	Censored      int64 `json:"censored"`       // the metric's window not over at as_of
	NotReached    int64 `json:"not_reached"`    // a conditional outcome (ttv): never reached value
	NoUser        int64 `json:"no_user"`        // anonymous answers
}

// CompareArms compares arms[1:] with arms[0], the control.
func CompareArms(arms []Arm, p CompareParams) CompareResult {
	if p.Loc == nil {
		p.Loc = time.UTC
	}
	res := CompareResult{Design: p.Design, Kind: p.Kind, Control: arms[0].Name, Variants: []VariantStat{}, Comparisons: []ArmComparison{},
		Horizon: "fixed", Notes: []string{}, Warnings: []Warning{}, LowerIsBetter: p.LowerIsBetter}
	if p.Kind == OutcomeMean && p.Unit != "" {
		u := p.Unit
		res.Unit = &u
	}
	for _, a := range arms {
		res.Variants = append(res.Variants, variantStat(a, p))
		if p.Kind == OutcomeProportion {
			res.Warnings = append(res.Warnings, proportionWarnings(a.Name, NewProportion(a.X, a.N, p.Level))...)
		}
	}
	if p.Kind != OutcomeProportion {
		for _, f := range []struct {
			on   bool
			flag string
		}{{p.MDE != nil, "--mde"}, {p.Sequential, "--sequential"}} {
			if f.on {
				res.Warnings = append(res.Warnings, Warning{Code: "not_for_this_kind", Message: f.flag + " is for rates; ignored for " + p.Kind})
			}
		}
		p.MDE, p.Sequential = nil, false
	}
	if p.CUPED && p.Kind == OutcomeNPS {
		res.Warnings = append(res.Warnings, Warning{Code: "not_for_this_kind", Message: "--cuped adjusts rates and means; ignored for nps"})
		p.CUPED = false
	}
	ctrl := arms[0]
	cs := make([]Comparison, 0, len(arms)-1)
	extra := make([]ArmComparison, 0, len(arms)-1)
	for _, b := range arms[1:] {
		c, ac := compareArm(ctrl, b, p)
		for _, w := range c.Warnings {
			res.Warnings = append(res.Warnings, Warning{Code: w.Code, Message: b.Name + " vs " + ctrl.Name + ": " + w.Message})
		}
		cs = append(cs, c)
		extra = append(extra, ac)
	}
	_ = AdjustComparisons(cs, p.Adjust) // the method was checked with the settings
	res.SRM, res.Warnings = srmOf(arms, p, res.Warnings)
	underpowered := false
	res.Planning, res.RequiredNPerArm, res.Warnings = planning(arms, p, res.Warnings)
	if res.Planning != nil {
		underpowered = res.Planning.Underpowered
	}
	ds := DecisionSettings{Alpha: p.Alpha, SRMPassed: res.SRM == nil || res.SRM.Passed, Underpowered: underpowered, LowerIsBetter: p.LowerIsBetter,
		Format: func(v float64) string { return diffUnitText(v, p.Kind, p.Unit) }}
	for i, c := range cs {
		ac := extra[i]
		ac.Variant, ac.Comparison = arms[i+1].Name, c
		d := Decide(c, ds)
		ac.Decision, ac.Reason = d.Outcome, d.Reason
		for _, w := range d.Warnings {
			if w.Code == WarnTestCIDisagree {
				w.Message = ac.Variant + " vs " + ctrl.Name + ": " + w.Message
			}
			if !slices.ContainsFunc(res.Warnings, func(x Warning) bool { return x.Code == w.Code && x.Code != WarnTestCIDisagree }) {
				res.Warnings = append(res.Warnings, w)
			}
		}
		res.Comparisons = append(res.Comparisons, ac)
	}
	res.Decision, res.DecisionReason, res.Winner = experimentDecision(res.Comparisons, ctrl.Name, p)
	if p.Sequential {
		res.Horizon = "sequential"
	}
	res.Notes = compareNotes(p)
	switch {
	case p.MDE == nil && !p.Sequential && res.Decision == DecisionNoDifference && p.Kind == OutcomeProportion:
		res.Notes = append(res.Notes, "no --mde: no_significant_difference is not evidence of no effect, as the groups' size was not checked against an effect worth finding")
	case res.Decision == DecisionNoDifference && p.Kind != OutcomeProportion:
		res.Notes = append(res.Notes, "no_significant_difference is not evidence of no effect: the groups' size was not checked against an effect worth finding (--mde is for rates)")
	}
	return res
}

// variantStat is a group's own figure.
func variantStat(a Arm, p CompareParams) VariantStat {
	v := VariantStat{Variant: a.Name, N: a.N}
	switch p.Kind {
	case OutcomeProportion:
		x, r := a.X, NewProportion(a.X, a.N, p.Level)
		v.X, v.Rate = &x, &r
	case OutcomeMean:
		lo := math.Inf(-1)
		if p.Unit == UnitSeconds {
			lo = 0 // a mean time is not negative
		}
		m := NewMean(a.Values, p.Level, lo, math.Inf(1))
		v.Mean = &m
	case OutcomeNPS:
		s := &NPSStat{Promoters: a.P, Passives: a.N - a.P - a.D, Detractors: a.D}
		if a.N > 0 {
			s.Value = Ptr(100 * float64(a.P-a.D) / float64(a.N))
			s.CI = NPSWald(a.P, a.D, a.N, Z(p.Level), true)
			s.CI.Level = p.Level
		}
		v.NPS = s
	}
	return v
}

// compareArm is treatment b against control a: the fixed-horizon
// comparison, or the CUPED or sequential one that replaces it.
func compareArm(a, b Arm, p CompareParams) (Comparison, ArmComparison) {
	var ac ArmComparison
	var c Comparison
	switch p.Kind {
	case OutcomeProportion:
		c, _ = CompareProportions(Counts{X: a.X, N: a.N}, Counts{X: b.X, N: b.N}, ProportionSettings{Level: p.Level, Test: p.Test, DiffCI: p.DiffCI})
	case OutcomeMean:
		c = CompareMeans(MomentsOf(a.Values), MomentsOf(b.Values), p.Level)
	case OutcomeNPS:
		c = CompareNPS(NPSCounts{Promoters: a.P, Detractors: a.D, N: a.N}, NPSCounts{Promoters: b.P, Detractors: b.D, N: b.N}, p.Level)
	}
	if p.CUPED {
		r, err := CUPED(CUPEDGroup{Y: a.Values, X: a.Cov}, CUPEDGroup{Y: b.Values, X: b.Cov}, p.Level)
		if err == nil {
			c = r.Comparison
			ac.CUPED = &CUPEDSummary{Theta: r.Theta, AdjustedMeans: r.AdjustedMeans, UnadjustedDiff: r.Unadjusted, VarianceReduction: r.VarianceReduction}
			if r.Theta == 0 {
				c.Warnings = append(c.Warnings, Warning{Code: "cuped_no_covariate", Message: "the covariate does not vary with the outcome (θ = 0), so CUPED changes nothing: are there active days before exposure?"})
			}
		}
	}
	if p.Sequential {
		if s, ok := sequential(a, b, p, &c); ok {
			ac.Sequential = s
		}
	}
	return c, ac
}

// sequential replaces c's p-value and difference interval with the
// mSPRT's after daily looks (a look at the end of each local day on which
// some unit's outcome settled).
func sequential(a, b Arm, p CompareParams, c *Comparison) (*SequentialSummary, bool) {
	mde := DefaultSequentialMDE
	if p.MDE != nil {
		mde = *p.MDE
	}
	base := p.BaselineRate
	if base == 0 && a.N > 0 {
		base = float64(a.X) / float64(a.N)
	}
	tau2 := SequentialTau2(mde, base)
	type obs struct {
		day  int
		arm  int
		conv bool
	}
	var all []obs
	for i, g := range []Arm{a, b} {
		for j, v := range g.Values {
			all = append(all, obs{civilDays(time.Unix(0, g.Done[j]).In(p.Loc)), i, v != 0})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].day < all[j].day })
	var looks []SequentialLook
	var cur SequentialLook
	for i, o := range all {
		g := &cur.A
		if o.arm == 1 {
			g = &cur.B
		}
		g.N++
		if o.conv {
			g.X++
		}
		if i == len(all)-1 || all[i+1].day != o.day {
			looks = append(looks, cur)
		}
	}
	steps, err := SequentialProportions(looks, p.Alpha, tau2)
	if err != nil || len(steps) == 0 {
		c.Warnings = append(c.Warnings, Warning{Code: "sequential_unavailable", Message: "no sequential test (the baseline rate is 0 or a group is empty): the fixed-horizon test stands"})
		return nil, false
	}
	last := steps[len(steps)-1]
	c.Test, c.Statistic, c.DF = "msprt", nil, nil
	c.PValue = Ptr(last.PValue)
	c.Diff.CI = last.CI
	if c.Lift.CI != nil {
		c.Lift.CI = nil // Katz's interval is fixed-horizon
	}
	return &SequentialSummary{Looks: len(looks), Tau: math.Sqrt(tau2), MDE: mde.String()}, true
}

// SRMCheckResult is the sample-ratio check and what it counted.
type SRMCheckResult struct {
	SRM
	// Basis: "assigned users" (each group's users, whatever the metric
	// counts of them) or "n" (--counts).
	Basis  string  `json:"basis"`
	Counts []int64 `json:"counts"`
}

// srmOf is the sample-ratio check of a randomized comparison (nil for an
// observational one), on the users assigned to each group. The metric's
// n may then split differently when the variant changes who enters the
// metric (onboarding starters, survey respondents): a second check of the
// n against the assigned split warns of it.
func srmOf(arms []Arm, p CompareParams, ws []Warning) (*SRMCheckResult, []Warning) {
	if p.Design != DesignRandomized {
		return nil, ws
	}
	ns := make([]int64, len(arms))
	for i, a := range arms {
		ns[i] = a.N
	}
	res := &SRMCheckResult{Basis: "n", Counts: ns}
	if p.Assigned != nil {
		res.Basis, res.Counts = "assigned users", p.Assigned
	}
	s, err := SRMCheck(res.Counts, p.Weights)
	if err != nil {
		return nil, append(ws, Warning{Code: "no_srm_check", Message: err.Error()})
	}
	res.SRM = s
	if !s.Passed {
		ws = append(ws, Warning{Code: WarnSampleRatio, Message: fmt.Sprintf("the groups' %s (%s) do not match the intended split (χ² = %.4g, p = %.3g): find out why before reading any result",
			res.Basis, joinInts(res.Counts), *s.Chi2, *s.PValue)})
	}
	if p.Assigned == nil || slices.Contains(p.Assigned, 0) {
		return res, ws
	}
	weights := make([]float64, len(arms))
	for i, a := range p.Assigned {
		weights[i] = float64(a)
	}
	if d, err := SRMCheck(ns, weights); err == nil && !d.Passed {
		var shares []string
		for i, a := range arms {
			shares = append(shares, fmt.Sprintf("%s %s", a.Name, report3(float64(a.N)/float64(p.Assigned[i]))))
		}
		ws = append(ws, Warning{Code: "uneven_entry", Message: fmt.Sprintf("the metric counts a different share of each group's users (%s; p = %.3g): the variant changes who enters the metric, so the groups' figures compare different people",
			strings.Join(shares, ", "), *d.PValue)})
	}
	return res, ws
}

func joinInts(ns []int64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, "/")
}

// planning is the sample size per arm for --mde on a rate.
func planning(arms []Arm, p CompareParams, ws []Warning) (*Planning, *int64, []Warning) {
	if p.MDE == nil {
		return nil, nil, ws
	}
	pl := &Planning{MDE: p.MDE.String(), BaselineRate: p.BaselineRate, BaselineSource: "--baseline-rate", Alpha: p.Alpha, Power: p.Power}
	if p.BaselineRate == 0 {
		pl.BaselineSource = "control"
		if arms[0].N > 0 {
			pl.BaselineRate = float64(arms[0].X) / float64(arms[0].N)
		}
	}
	target, err := p.MDE.Target(pl.BaselineRate)
	if err != nil {
		return nil, nil, append(ws, Warning{Code: "no_sample_size", Message: "--mde: " + err.Error()})
	}
	pl.TargetRate = target
	n, raw, err := RequiredNPerArm(pl.BaselineRate, target, p.Alpha, p.Power)
	if err != nil {
		return nil, nil, append(ws, Warning{Code: "no_sample_size", Message: "--mde: " + err.Error()})
	}
	pl.RequiredRaw = raw
	for _, a := range arms {
		if a.N < n {
			pl.Underpowered = true
		}
	}
	return pl, &n, ws
}

// experimentDecision sums up the comparisons: winner when some treatment
// wins (the one with the largest difference), else inconclusive when some
// comparison is, else loser when some treatment loses, else
// no_significant_difference.
func experimentDecision(cs []ArmComparison, control string, p CompareParams) (string, string, *string) {
	if len(cs) == 0 {
		return DecisionInconclusive, "there is no treatment group to compare with the control", nil
	}
	var winner *ArmComparison
	has := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		has[c.Decision] = true
		if c.Decision == DecisionWinner && (winner == nil || better(c, winner, p.LowerIsBetter)) {
			winner = c
		}
	}
	var out string
	switch {
	case winner != nil:
		out = DecisionWinner
	case has[DecisionInconclusive]:
		out = DecisionInconclusive
	case has[DecisionLoser]:
		out = DecisionLoser
	default:
		out = DecisionNoDifference
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %s %s: %s", c.Variant, decisionVerb(c.Decision), control, c.Reason))
	}
	reason := strings.Join(parts, "; ")
	if p.Design == DesignObservational {
		reason = "association, not causal — " + reason
	}
	if winner != nil {
		w := winner.Variant
		return out, reason, &w
	}
	return out, reason, nil
}

// better says whether comparison a's difference beats b's.
func better(a, b *ArmComparison, lowerIsBetter bool) bool {
	if a.Diff.Value == nil || b.Diff.Value == nil {
		return b.Diff.Value == nil
	}
	if lowerIsBetter {
		return *a.Diff.Value < *b.Diff.Value
	}
	return *a.Diff.Value > *b.Diff.Value
}

func decisionVerb(d string) string {
	switch d {
	case DecisionWinner:
		return "beats"
	case DecisionLoser:
		return "does worse than"
	case DecisionNoDifference:
		return "shows no significant difference from"
	}
	return "cannot yet be told from"
}

// compareNotes say what the numbers assume.
func compareNotes(p CompareParams) []string {
	var ns []string
	if p.Design == DesignObservational {
		ns = append(ns, "observational: the groups were not assigned at random, so a difference is an association, not an effect of the behaviour")
	}
	if p.Sequential {
		ns = append(ns, fmt.Sprintf("sequential (mixture SPRT): the p-values and the difference intervals (%s confidence sequences) stay valid however often you look; the lift has no interval", report3(1-p.Alpha)))
	} else if p.Design == DesignRandomized && p.Kind == OutcomeProportion {
		ns = append(ns, "fixed horizon: the test is valid read once, at a sample size fixed in advance (--mde gives it); looking every day and stopping at the first p < α finds false winners — --sequential gives always-valid p-values")
	} else if p.Design == DesignRandomized {
		ns = append(ns, "fixed horizon: the test is valid read once, at a sample size fixed in advance; looking every day and stopping at the first p < α finds false winners")
	}
	if p.CUPED {
		ns = append(ns, fmt.Sprintf("CUPED: each unit's outcome is adjusted by its user's active days in the %s before its exposure (the day it entered the metric); the test is Welch's t on the adjusted values", p.CUPEDWindow))
	}
	return ns
}

// report3 writes a level as a percentage: 0.95 → "95%".
func report3(level float64) string {
	return strconv.FormatFloat(100*level, 'g', 4, 64) + "%"
}
