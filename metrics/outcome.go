package metrics

import (
	"fmt"
	"strings"
)

// A comparable metric (Def.Outcome) tells uptake compare what it counts
// for each unit: whether the user activated, completed onboarding,
// converted, was retained at an offset, or what an answer scored. compare
// splits the units into groups and tests the groups against each other
// (compare.go); the metric decides, as it does for its own figure, which
// units count (censoring, ranges) and when each unit entered and settled.

// The kinds of outcome compare tests.
const (
	OutcomeProportion = "proportion" // each unit 0 or 1: a rate
	OutcomeMean       = "mean"       // each unit a number: a mean (Welch's t)
	OutcomeNPS        = "nps"        // each answer +1 promoter, 0 passive, −1 detractor
)

// OutcomeOptions are the compare flags an Outcome may read
// (Info.CompareFlags).
type OutcomeOptions struct {
	// Offset is the retention offset compared (0: the default, 1).
	Offset int
	// Settings are the metric's compare-only settings (Def.OutcomeSettings),
	// nil when it has none.
	Settings OutcomeSettings
	// Exposure is --variant-prop ("" for observational groups): the
	// earliest row carrying a user's variant is their exposure
	// (Run.UserPropsAt).
	Exposure string
}

// OutcomeSettings are a metric's settings that only compare reads (a
// pointer to a struct of flag-tagged fields, as a metric's settings).
type OutcomeSettings interface {
	// checkOutcome rejects settings no comparison holds.
	checkOutcome() error
	// outcomeNeeds adds what the outcome reads to the metric's needs,
	// whose slices it may append to (compare has cloned them).
	outcomeNeeds(n Needs) Needs
}

// The units of a mean outcome (Outcome.Unit).
const (
	UnitSeconds = "seconds" // a duration: time to value
	UnitAmount  = "amount"  // money, in the unit of --amount
)

// Outcome is each counted unit's outcome, over a set of units.
type Outcome struct {
	Kind string
	// What is the figure in words: "activation: report_created within 7d
	// of first event".
	What  string
	Units []UnitOutcome
	// Censored are the units left out because their window was not
	// complete at as_of.
	Censored []int32
	// LowerIsBetter: a drop is the good direction.
	LowerIsBetter bool
	// Unit is a mean's unit (UnitSeconds, UnitAmount; "" for rates).
	Unit string
	// Unreached are the units of a conditional outcome left out because
	// they never reached it (time to value among those who activated).
	Unreached []int32
	// Warnings are caveats of the read (purchase rows without an amount),
	// over every unit.
	Warnings []Warning
}

// UnitOutcome is one counted unit.
type UnitOutcome struct {
	Unit  int32   // the unit: a user, or a survey answer
	User  int32   // its user (-1: an anonymous answer)
	Value float64 // 0/1, the value, or +1/0/−1 (see the kinds)
	// At is when the unit entered the metric (signup, onboarding start,
	// funnel entry, cohort start, answer): its exposure, for CUPED.
	At int64
	// Done is when its outcome was settled (the window's end), for the
	// looks of a sequential test.
	Done int64
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// The activation outcomes compare tests (--outcome).
const (
	OutcomeRate      = "rate"       // activated within the window (1) or not (0)
	OutcomeTTV       = "ttv"        // time to value among users who activated
	OutcomeTTVCapped = "ttv-capped" // every user; not activated = the window's length
)

// ActivationOutcome is what compare compares of activation.
type ActivationOutcome struct {
	Outcome string "flag:\"outcome\" enum:\"rate,ttv,ttv-capped\" usage:\"What to compare: rate (activated within --within, or not); ttv (time to value of the users who activated, lower is better); ttv-capped (every user, those who did not activate counted at the window's length)\" json:\"outcome\""
}

func (o *ActivationOutcome) checkOutcome() error        { return nil }
func (o *ActivationOutcome) outcomeNeeds(n Needs) Needs { return n }

// activationOutcome: an eligible user activated (1) or not (0); or their
// time to value in seconds, among those who activated (ttv) or with the
// window's length for those who did not (ttv-capped).
func activationOutcome(r *Run, s *ActivationSettings, opt OutcomeOptions, users []int32) (Outcome, error) {
	p := activationParams(r, s)
	p.KM, p.Cohorts = false, nil
	crit := strings.Join(s.Events, " and ")
	if s.MinCount > 1 {
		crit += fmt.Sprintf(" (%d times each)", s.MinCount)
	}
	what := OutcomeRate
	if o, ok := opt.Settings.(*ActivationOutcome); ok && o.Outcome != "" {
		what = o.Outcome
	}
	out := Outcome{Kind: OutcomeProportion, What: fmt.Sprintf("activation: %s within %s of %s", crit, s.Within.Text, anchorText(s.SignupEvent))}
	switch what {
	case OutcomeTTV:
		out.Kind, out.Unit, out.LowerIsBetter = OutcomeMean, UnitSeconds, true
		out.What = fmt.Sprintf("time to value: %s, from %s, among the users who reached it within %s", crit, anchorText(s.SignupEvent), s.Within.Text)
	case OutcomeTTVCapped:
		out.Kind, out.Unit, out.LowerIsBetter = OutcomeMean, UnitSeconds, true
		out.What = fmt.Sprintf("time to value: %s, from %s, capped at %s (users who did not reach it count %s)", crit, anchorText(s.SignupEvent), s.Within.Text, s.Within.Text)
	}
	p.each = func(o activationUser) {
		switch o.status {
		case "eligible":
			end := p.Window.End(o.signup)
			u := UnitOutcome{Unit: o.user, User: o.user, Value: boolValue(o.activated), At: o.signup, Done: end}
			switch {
			case what == OutcomeRate:
			case o.activated:
				u.Value = float64(o.met-o.signup) / 1e9
			case what == OutcomeTTV:
				out.Unreached = append(out.Unreached, o.user)
				return
			default: // capped at the window's length
				u.Value = float64(end-o.signup) / 1e9
			}
			out.Units = append(out.Units, u)
		case "censored":
			out.Censored = append(out.Censored, o.user)
		}
	}
	Activation(r.Log, users, p)
	return out, nil
}

func anchorText(signup string) string {
	if signup == "" {
		return "first event"
	}
	return signup
}

// stepOutcome turns a step table's users into outcomes: a counted user
// converted (1) or not (0).
func stepOutcome(out *Outcome, w Window) func(stepUser) {
	return func(o stepUser) {
		switch o.status {
		case "counted":
			out.Units = append(out.Units, UnitOutcome{Unit: o.user, User: o.user, Value: boolValue(o.converted), At: o.entered, Done: w.End(o.entered)})
		case "censored":
			out.Censored = append(out.Censored, o.user)
		}
	}
}

// onboardingOutcome: a starter (or signup, --denominator signups)
// completed onboarding (1) or not (0).
func onboardingOutcome(r *Run, s *OnboardingSettings, _ OutcomeOptions, users []int32) (Outcome, error) {
	p := onboardingParams(r, s)
	p.Cohorts = nil
	steps := s.Steps.Names
	of := "of starting"
	if p.Signups {
		of = "of " + anchorText(s.SignupEvent)
	}
	out := Outcome{Kind: OutcomeProportion, What: fmt.Sprintf("onboarding completion: %s → %s within %s %s", steps[0], steps[len(steps)-1], s.Within.Text, of)}
	p.each = stepOutcome(&out, p.Window)
	Onboarding(r.Log, users, p)
	return out, nil
}

// funnelOutcome: a user who entered the funnel converted (1) or not (0).
func funnelOutcome(r *Run, s *FunnelSettings, _ OutcomeOptions, users []int32) (Outcome, error) {
	p := funnelParams(r, s)
	p.Cohorts, p.Correlation, p.CorrelationProps = nil, false, nil
	out := Outcome{Kind: OutcomeProportion, What: fmt.Sprintf("funnel conversion (%s, within %s): %s", s.Order, s.Within.Text, strings.Join(s.Steps.Names, " → "))}
	p.each = stepOutcome(&out, p.Window)
	Funnel(r.Log, users, p)
	return out, nil
}

// retentionOutcome: a user of a first-time cohort was retained at the
// offset (1) or not (0); users whose cell at the offset is not complete
// (or is a warm-up) are censored. Pooled over cohorts, the units add up
// to the summary row's cell.
func retentionOutcome(r *Run, s *RetentionSettings, o OutcomeOptions, users []int32) (Outcome, error) {
	k := o.Offset
	if k == 0 {
		k = 1
	}
	p := retentionParams(r, s)
	if p.Recurring {
		return Outcome{}, &UsageError{fmt.Errorf("--cohort recurring counts a user once per cohort; compare counts each user once: use --cohort first-time")}
	}
	p.Periods = k
	out := Outcome{Kind: OutcomeProportion, What: fmt.Sprintf("retention at %s %d: did %s in %s", s.Period, k, s.returns(), p.column(k))}
	var counted []retentionUser
	p.each = func(u retentionUser) {
		if u.status == "counted" {
			counted = append(counted, u)
		}
	}
	res := Retention(r.Activity, users, p)
	complete := map[string]bool{}
	for _, c := range res.Cohorts {
		complete[c.Cohort] = c.Periods[k].Status == "complete"
	}
	unit := p.unit()
	for _, u := range counted {
		if !complete[u.cohort] || u.offsets[k] < 0 {
			out.Censored = append(out.Censored, u.user)
			continue
		}
		done := addNS(u.anchor, int64(k+1)*unit)
		if !p.Elapsed {
			done = unixNS(p.Cal.PeriodStart(p.Cal.Index(u.anchor) + k + 1))
		}
		out.Units = append(out.Units, UnitOutcome{Unit: u.user, User: u.user, Value: boolValue(u.offsets[k] == 1), At: u.anchor, Done: done})
	}
	return out, nil
}

// npsOutcome: each valid answer of a known respondent scores +1
// (promoter), 0 (passive) or −1 (detractor); the mean of the scores is the
// NPS as a fraction.
func npsOutcome(r *Run, _ *NPSSettings, _ OutcomeOptions, units []int32) (Outcome, error) {
	out := Outcome{Kind: OutcomeNPS, What: "NPS: promoters (9–10) minus detractors (0–6), in points"}
	if r.Answers == nil || r.Answers.Files {
		return out, &UsageError{fmt.Errorf("compare needs each answer's user, which survey files do not link to the users of an event export: read the answers as events (--event E --score-prop P)")}
	}
	users := make(map[string]int32, len(r.UserIDs))
	for i, id := range r.UserIDs {
		users[id] = int32(i)
	}
	for _, i := range units {
		a := r.Answers.Valid[i]
		u, ok := users[a.Respondent]
		if !ok || a.Respondent == "" {
			u = -1
		}
		v := 0.0
		switch npsGroup(a.Score) {
		case promoter:
			v = 1
		case detractor:
			v = -1
		}
		out.Units = append(out.Units, UnitOutcome{Unit: i, User: u, Value: v, At: a.Time, Done: a.Time})
	}
	return out, nil
}

// trialOutcome: a user's first trial in range, with a complete window,
// converted to paid (1) or not (0).
func trialOutcomes(r *Run, s *TrialSettings, _ OutcomeOptions, users []int32) (Outcome, error) {
	if s.PerTrial {
		return Outcome{}, &UsageError{fmt.Errorf("--per-trial counts a user once per trial; compare counts each user once: leave it out")}
	}
	p := trialParams(r, s)
	out := Outcome{Kind: OutcomeProportion, What: fmt.Sprintf("trial-to-paid: %s within %s of %s", s.PaidEvent, s.Within.Text, s.TrialEvent)}
	p.each = func(o trialOutcome) {
		switch o.status {
		case "converted", "not_converted":
			out.Units = append(out.Units, UnitOutcome{Unit: o.user, User: o.user, Value: boolValue(o.status == "converted"), At: o.start, Done: p.Window.End(o.start)})
		case "censored":
			out.Censored = append(out.Censored, o.user)
		}
	}
	Trial(r.Log, users, p)
	return out, nil
}
