package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sumOutcome is the units' successes, count, and users in unit order.
func sumOutcome(o Outcome) (x, n int64) {
	for _, u := range o.Units {
		if u.Value != 0 {
			x++
		}
		n++
	}
	return x, n
}

// Each comparable metric's outcomes add up to its own figure: the units
// counted are its denominator, the ones at 1 its numerator, the censored
// its excluded.censored.
func TestOutcomesAddUpToTheMetric(t *testing.T) {
	l := logOf(t,
		"a signup 2024-01-01T00:00:00Z", "a start 2024-01-01T01:00:00Z", "a done 2024-01-03T00:00:00Z", "a report 2024-01-08T00:00:00Z",
		"b signup 2024-01-01T00:00:00Z", "b start 2024-01-02T00:00:00Z", "b report 2024-01-08T00:00:01Z",
		"c signup 2024-01-02T00:00:00Z", "c start 2024-01-02T00:00:00Z", "c done 2024-01-09T00:00:00Z", "c report 2024-01-03T00:00:00Z",
		"d signup 2024-01-09T00:00:00Z", "d start 2024-01-09T00:00:00Z", "d done 2024-01-09T01:00:00Z", "d report 2024-01-09T02:00:00Z",
	)
	asOf := mustTime(t, "2024-01-12T00:00:00Z")
	r := &Run{Log: l, Loc: time.UTC, Range: Range{AsOf: asOf}, Level: 0.95, UserIDs: l.Users}
	users := l.AllUsers()
	week := Days(7)

	act := ActivationSettings{Events: []string{"report"}, MinCount: 1, WindowSettings: NewWindow(week)}
	ao, err := activationOutcome(r, &act, OutcomeOptions{}, users)
	a := Activation(l, users, activationParams(r, &act))
	check := func(name string, o Outcome, err error, p Proportion, censored int64) {
		t.Helper()
		x, n := sumOutcome(o)
		if err != nil || x != p.Numerator || n != p.Denominator || int64(len(o.Censored)) != censored {
			t.Errorf("%s: outcome %d/%d, %d censored (%v); the metric says %d/%d, %d", name, x, n, len(o.Censored), err, p.Numerator, p.Denominator, censored)
		}
	}
	// a at exactly +7d counts, b 1 s later does not, c does, d is censored
	check("activation", ao, err, a.Rate, a.Excluded.Censored)
	if a.Rate.Numerator != 2 || a.Rate.Denominator != 3 {
		t.Fatalf("activation %d/%d, want 2/3", a.Rate.Numerator, a.Rate.Denominator)
	}
	if u := ao.Units[0]; u.At != mustTime(t, "2024-01-01T00:00:00Z") || u.Done != mustTime(t, "2024-01-08T00:00:00Z") || ao.Kind != OutcomeProportion {
		t.Errorf("activation unit a: %+v", u)
	}

	onb := OnboardingSettings{Steps: Steps{Names: []string{"start", "done"}}, Denominator: "started", Order: string(Ordered), WindowSettings: NewWindow(week)}
	oo, err := onboardingOutcome(r, &onb, OutcomeOptions{}, users)
	o := Onboarding(l, users, onboardingParams(r, &onb))
	check("onboarding", oo, err, o.Completion, o.Excluded.Censored)
	onb.Denominator = "signups"
	oo, err = onboardingOutcome(r, &onb, OutcomeOptions{}, users)
	o = Onboarding(l, users, onboardingParams(r, &onb))
	check("onboarding of signups", oo, err, o.CompletionOfSignups, o.Excluded.SignupsCensored)

	fun := FunnelSettings{Steps: Steps{Names: []string{"signup", "start", "report"}}, Order: string(Ordered), WindowSettings: NewWindow(week)}
	fo, err := funnelOutcome(r, &fun, OutcomeOptions{}, users)
	f := Funnel(l, users, funnelParams(r, &fun))
	check("funnel", fo, err, f.Conversion, f.Excluded.Censored)

	ar := actOf(t, ActivityConfig{},
		"a x 2024-01-01T00:00:00Z", "a x 2024-01-09T00:00:00Z", "a x 2024-01-16T00:00:00Z",
		"b x 2024-01-02T00:00:00Z", "b x 2024-01-17T00:00:00Z",
		"c x 2024-01-08T00:00:00Z", "c x 2024-01-15T00:00:00Z",
		"d x 2024-01-15T00:00:00Z")
	ar.Finish()
	rr := &Run{Activity: ar, Loc: time.UTC, Range: Range{AsOf: mustTime(t, "2024-01-22T00:00:00Z")}, Level: 0.95}
	ret := RetentionSettings{Period: "week", WeekSettings: NewWeeks(), Periods: 3, Cohort: "first-time", Mode: "exact", WindowMode: "calendar"}
	full := Retention(ar, ar.AllUsers(), retentionParams(rr, &ret))
	if x, n := summary(full, 1); x != 2 || n != 3 { // a and c return in their week 1, b does not
		t.Fatalf("retention week 1: %d/%d, want 2/3", x, n)
	}
	for k := 1; k <= 2; k++ {
		ro, err := retentionOutcome(rr, &ret, OutcomeOptions{Offset: k}, ar.AllUsers())
		// week 1: a, b (cohort 2024-01-01) and c (01-08) eligible; d's week is open
		var censored int64
		for _, c := range full.Cohorts {
			if c.Periods[k].Status != "complete" {
				censored += c.Size
			}
		}
		check(fmt.Sprintf("retention at %d", k), ro, err, full.Summary[k].Rate, censored)
	}
	ret.Cohort = "recurring"
	if _, err := retentionOutcome(rr, &ret, OutcomeOptions{}, ar.AllUsers()); err == nil || !strings.Contains(err.Error(), "first-time") {
		t.Errorf("recurring cohorts: %v", err)
	}
}

// NPS's units are answers, each with its user; their mean is the NPS.
func TestNPSOutcome(t *testing.T) {
	r := &Run{UserIDs: []string{"u1", "u2", "u3"}, Answers: &Answers{Valid: []Answer{
		{Respondent: "u1", Score: 10}, {Respondent: "u2", Score: 7}, {Respondent: "u3", Score: 3}, {Respondent: "", Score: 9}, {Respondent: "u1", Score: 9}}}}
	o, err := npsOutcome(r, nil, OutcomeOptions{}, []int32{0, 1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range o.Units {
		got = append(got, fmt.Sprintf("%d:%d:%g", u.Unit, u.User, u.Value))
	}
	if diff := cmp.Diff([]string{"0:0:1", "1:1:0", "2:2:-1", "3:-1:1", "4:0:1"}, got); diff != "" {
		t.Errorf("units (-want +got)\n%s", diff)
	}
	r.Answers.Files = true
	if _, err := npsOutcome(r, nil, OutcomeOptions{}, nil); err == nil {
		t.Error("survey files: want an error (no users to group)")
	}
}

func TestVariantGroups(t *testing.T) {
	vals := []string{"control", "b", "", "a", "control", "b"}
	mixed := []bool{false, false, false, false, false, true}
	for _, tt := range []struct {
		control string
		names   []string
		of      []int32
		err     string
	}{
		{"", []string{"control", "a", "b"}, []int32{0, 2, armNoVariant, 1, 0, armMultiVariant}, ""},
		{"b", []string{"b", "a", "control"}, []int32{2, 0, armNoVariant, 1, 2, armMultiVariant}, ""},
		{"c", nil, nil, `--control "c": v has no such value; its values are "a", "b", "control"`},
	} {
		g, err := variantGroups("v", UserValues{Values: vals, Mixed: mixed}, tt.control, len(vals))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("control %q: error %v, want %q", tt.control, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(g.names, tt.names) || !slices.Equal(g.of, tt.of) || g.design != DesignRandomized {
			t.Errorf("control %q: %v %v %v", tt.control, g.names, g.of, err)
		}
	}
	// a value seen only on a mixed user is no group; no control; one value
	if _, err := variantGroups("v", UserValues{Values: []string{"a", "b"}, Mixed: []bool{false, false}}, "", 2); err == nil ||
		!strings.Contains(err.Error(), `no value named control: name the control group with --control (one of "a", "b")`) {
		t.Errorf("no control: %v", err)
	}
	if _, err := variantGroups("v", UserValues{Values: []string{"control", "x"}, Mixed: []bool{false, true}}, "", 2); err == nil ||
		!strings.Contains(err.Error(), "needs at least two groups") {
		t.Errorf("one value: %v", err)
	}
	// the users table's properties carry no mixed flags
	if g, err := variantGroups("v", UserValues{Values: []string{"control", "x"}}, "", 3); err != nil || !slices.Equal(g.of, []int32{0, 1, armNoVariant}) {
		t.Errorf("no mixed flags: %v %v", g.of, err)
	}
}

func TestParseBehaviour(t *testing.T) {
	for _, tt := range []struct {
		expr    string
		want    string // Behaviour as %v, or the error
		matched bool
	}{
		{"report_created within 48h", "report_created within 48h", true},
		{"  feature_used[feature = export] within 7d of signup ", "feature_used[feature = export] within 7d of signup", true},
		{"plan = pro", "", false},
		{"report within 2 days", `--group "report within 2 days": after within, want a duration such as 90s, 30m, 48h, 7d or 2w`, true},
		{" within 2d", `--group " within 2d": name the event before within`, true},
		{"x within 2d of ", `--group "x within 2d of ": after within, want a duration such as 90s, 30m, 48h, 7d or 2w`, true},
	} {
		b, matched, err := ParseBehaviour(tt.expr)
		got := b.String()
		if err != nil {
			got = err.Error()
		}
		if !matched {
			got = ""
		}
		if matched != tt.matched || got != tt.want {
			t.Errorf("%q: %q matched %v, want %q %v", tt.expr, got, matched, tt.want, tt.matched)
		}
	}
}

// behaviourGroups: the end of the window counts; an open window and a
// missing anchor leave the user out.
func TestBehaviourGroups(t *testing.T) {
	l := logOf(t,
		"a signup 2024-01-01T00:00:00Z", "a report 2024-01-03T00:00:00Z", // exactly 48 h
		"b signup 2024-01-01T00:00:00Z", "b report 2024-01-03T00:00:01Z",
		"c report 2024-01-01T00:00:00Z",
		"d signup 2024-01-09T00:00:00Z", "d report 2024-01-09T01:00:00Z", // window ends after as_of
	)
	rng := Range{AsOf: mustTime(t, "2024-01-10T00:00:00Z")}
	b, _, _ := ParseBehaviour("report within 48h")
	g := behaviourGroups(l, b, rng)
	if !slices.Equal(g.of, []int32{1, 0, 1, armGroupCensored}) || g.names[0] != "not (report within 48h)" || g.design != DesignObservational {
		t.Errorf("first event: %v %v", g.of, g.names)
	}
	b, _, _ = ParseBehaviour("report within 48h of signup")
	if g := behaviourGroups(l, b, rng); !slices.Equal(g.of, []int32{1, 0, armNoAnchor, armGroupCensored}) {
		t.Errorf("of signup: %v", g.of)
	}
}

func TestParseCounts(t *testing.T) {
	for _, tt := range []struct {
		in, control, want string
	}{
		{"control=480/12000, guided=560/11800", "", "control 480/12000, guided 560/11800"},
		{"a=1/2,b=2/3,c=3/4", "c", "c 3/4, a 1/2, b 2/3"},
		{"a=1/2,b=2/3,c=3/4", "b", "b 2/3, a 1/2, c 3/4"},
		{"a=1/2", "", `--counts "a=1/2": give at least two groups, the control first`},
		{"a=1/2,a=1/3", "", `--counts: the group "a" is given twice`},
		{"a=3/2,b=1/3", "", `--counts "a=3/2": want 0 ≤ x ≤ n`},
		{"a=1,b=1/3", "", `--counts "a=1": want NAME=x/n for each group, such as control=480/12000,guided=560/11800`},
		{"a=1/2,b=1/3", "z", `--control "z" is not among the --counts groups (a, b)`},
	} {
		arms, err := ParseCounts(tt.in, tt.control)
		var parts []string
		for _, a := range arms {
			parts = append(parts, fmt.Sprintf("%s %d/%d", a.Name, a.X, a.N))
		}
		got := strings.Join(parts, ", ")
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%q control %q: %q, want %q", tt.in, tt.control, got, tt.want)
		}
	}
}

func decided(variant, decision string, diff float64) ArmComparison {
	return ArmComparison{Variant: variant, Decision: decision, Reason: "r", Comparison: Comparison{Diff: Estimate{Value: Ptr(diff)}}}
}

// The experiment's decision: a winner (the largest difference) wins;
// otherwise an inconclusive comparison makes it inconclusive, a loser a
// loser.
func TestExperimentDecision(t *testing.T) {
	for _, tt := range []struct {
		cs     []ArmComparison
		lower  bool
		want   string
		winner string
	}{
		{[]ArmComparison{decided("b", DecisionWinner, 0.02), decided("c", DecisionWinner, 0.03), decided("d", DecisionLoser, -0.01)}, false, DecisionWinner, "c"},
		{[]ArmComparison{decided("b", DecisionWinner, -0.02), decided("c", DecisionWinner, -0.03)}, true, DecisionWinner, "c"},
		{[]ArmComparison{decided("b", DecisionLoser, -0.02), decided("c", DecisionInconclusive, 0.01)}, false, DecisionInconclusive, ""},
		{[]ArmComparison{decided("b", DecisionLoser, -0.02), decided("c", DecisionNoDifference, 0.01)}, false, DecisionLoser, ""},
		{[]ArmComparison{decided("b", DecisionNoDifference, 0)}, false, DecisionNoDifference, ""},
		{nil, false, DecisionInconclusive, ""},
	} {
		got, reason, w := experimentDecision(tt.cs, "a", CompareParams{LowerIsBetter: tt.lower})
		winner := ""
		if w != nil {
			winner = *w
		}
		if got != tt.want || winner != tt.winner || reason == "" {
			t.Errorf("%v: %s %q (%s), want %s %q", tt.cs, got, winner, reason, tt.want, tt.winner)
		}
	}
}

// arm builds an arm of 0/1 outcomes settled on the given days.
func arm(name string, outcomes []float64, days []string, t *testing.T) Arm {
	a := Arm{Name: name}
	for i, v := range outcomes {
		a.add(OutcomeProportion, UnitOutcome{Value: v, Done: mustTime(t, days[i])}, true, 0, false)
	}
	return a
}

// --sequential: a look at the end of each day on which some outcome
// settled, cumulative; the p-value and interval are the mSPRT's at the
// last look.
func TestCompareSequential(t *testing.T) {
	d1, d2 := "2024-01-01T10:00:00Z", "2024-01-02T23:00:00Z"
	a := arm("a", []float64{1, 0, 0, 0, 1, 0, 0, 0}, []string{d1, d1, d1, d1, d2, d2, d2, d2}, t)
	b := arm("b", []float64{1, 1, 0, 0, 1, 1, 1, 0}, []string{d1, d1, d1, d1, d2, d2, d2, d2}, t)
	res := CompareArms([]Arm{a, b}, CompareParams{Kind: OutcomeProportion, Design: DesignRandomized, Level: 0.95, Alpha: 0.05, Power: 0.8, Sequential: true})
	looks := []SequentialLook{{A: Counts{X: 1, N: 4}, B: Counts{X: 2, N: 4}}, {A: Counts{X: 2, N: 8}, B: Counts{X: 5, N: 8}}}
	steps, err := SequentialProportions(looks, 0.05, SequentialTau2(DefaultSequentialMDE, 0.25))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Comparisons[0]
	if c.Test != "msprt" || c.Sequential == nil || c.Sequential.Looks != 2 || *c.PValue != steps[1].PValue ||
		c.Diff.CI.Low != steps[1].CI.Low || c.Lift.CI != nil || res.Horizon != "sequential" {
		t.Errorf("sequential: %+v %+v, want p %v ci %+v", c.Comparison, c.Sequential, steps[1].PValue, steps[1].CI)
	}
}

// CUPED's covariate: active days among the window's local days before
// the day of exposure.
func TestCovariates(t *testing.T) {
	a := actOf(t, ActivityConfig{},
		"u x 2024-01-01T10:00:00Z", "u x 2024-01-01T11:00:00Z", "u x 2024-01-05T00:00:00Z", "u x 2024-01-14T23:00:00Z", "u x 2024-01-15T08:00:00Z")
	a.Finish()
	us := []UnitOutcome{{User: 0, At: mustTime(t, "2024-01-15T09:00:00Z")}, {User: 0, At: mustTime(t, "2024-01-05T09:00:00Z")}, {User: -1}}
	// 14 days before 01-15: 01-01 … 01-14, active on 01-01, 01-05, 01-14
	if got := covariates(a, us, 14); !slices.Equal(got, []float64{3, 1, 0}) {
		t.Errorf("covariates %v, want [3 1 0]", got)
	}
	if got := covariates(a, us, 10); !slices.Equal(got, []float64{2, 1, 0}) {
		t.Errorf("10-day covariates %v, want [2 1 0]", got)
	}
}

// NPS and means take their own statistics; --mde and --sequential are
// for rates only and say so.
func TestCompareArmsKinds(t *testing.T) {
	nps := func(name string, scores ...float64) Arm {
		a := Arm{Name: name}
		for _, v := range scores {
			a.add(OutcomeNPS, UnitOutcome{Value: v}, false, 0, false)
		}
		return a
	}
	mde := MDE{Value: 0.02}
	res := CompareArms([]Arm{nps("a", 1, 1, 0, -1), nps("b", 1, -1, -1, -1)}, CompareParams{Kind: OutcomeNPS, Design: DesignRandomized, Level: 0.95, Alpha: 0.05, MDE: &mde})
	v := res.Variants[0]
	if *v.NPS.Value != 25 || v.NPS.Promoters != 2 || v.NPS.Passives != 1 || v.X != nil || v.Rate != nil || res.Comparisons[0].Test != TestUsedNPSZ ||
		*res.Comparisons[0].Diff.Value != -75 || res.RequiredNPerArm != nil {
		t.Errorf("nps: %+v %+v", v, res.Comparisons[0])
	}
	if !slices.ContainsFunc(res.Warnings, func(w Warning) bool { return w.Code == "not_for_this_kind" }) {
		t.Errorf("nps with --mde: warnings %v", res.Warnings)
	}
	mean := func(name string, vs ...float64) Arm {
		a := Arm{Name: name}
		for _, v := range vs {
			a.add(OutcomeMean, UnitOutcome{Value: v}, true, 0, false)
		}
		return a
	}
	res = CompareArms([]Arm{mean("a", 1, 2, 3), mean("b", 2, 4, 6)}, CompareParams{Kind: OutcomeMean, Design: DesignObservational, Level: 0.95, Alpha: 0.05})
	c := res.Comparisons[0]
	// Welch: se² = 1/3 + 4/3, t = 2/√(5/3)
	if c.Test != TestUsedWelch || math.Abs(*c.Statistic-2/math.Sqrt(5.0/3)) > 1e-12 || *res.Variants[1].Mean.Mean != 4 || res.SRM != nil {
		t.Errorf("means: %+v", c)
	}
}

// compare's figures for check: the embedded comparison's fields are the
// comparison item's own, as in its JSON.
func TestCompareFigurePaths(t *testing.T) {
	def := NewCompare(ActivationMetric)
	for _, p := range []string{"comparisons[0].p_value", "comparisons[1].diff.ci.low", "variants[0].rate.value", "srm.chi2", "required_n_per_arm", "segments[0].comparisons[0].lift.value"} {
		if err := def.FigurePath(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if err := def.FigurePath("comparisons[0].dif.value"); err == nil || !strings.Contains(err.Error(), "its fields: variant, warnings, decision, reason, sequential, cuped, diff, lift, test") {
		t.Errorf("a typo: %v", err)
	}
}

// The sample-ratio check counts the users assigned; a metric that counts
// a different share of each group (the variant changes who enters it) is
// warned of, not taken for a broken assignment.
func TestCompareAssignedSRM(t *testing.T) {
	arms := []Arm{{Name: "a", N: 300, X: 30}, {Name: "b", N: 400, X: 40}}
	res := CompareArms(arms, CompareParams{Kind: OutcomeProportion, Design: DesignRandomized, Level: 0.95, Alpha: 0.05, Assigned: []int64{1000, 1000}})
	codes := map[string]bool{}
	for _, w := range res.Warnings {
		codes[w.Code] = true
	}
	if !res.SRM.Passed || res.SRM.Basis != "assigned users" || *res.SRM.Chi2 != 0 || !codes["uneven_entry"] || codes[WarnSampleRatio] {
		t.Errorf("srm %+v, warnings %v", res.SRM, res.Warnings)
	}
	// V10: 5000/5400 assigned fails, whatever the n
	res = CompareArms(arms, CompareParams{Kind: OutcomeProportion, Design: DesignRandomized, Level: 0.95, Alpha: 0.05, Assigned: []int64{5000, 5400}})
	if res.SRM.Passed || math.Abs(*res.SRM.Chi2-15.3846153846154) > 1e-9 || res.Decision != DecisionInconclusive {
		t.Errorf("V10: %+v %s", res.SRM, res.Decision)
	}
}
