package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// compare's view: one table a product manager reads (group, n, figure
// with its interval, difference and lift with theirs, p, decision), the
// decision in words, and for the HTML page the intervals drawn.

// compareView is the document of a comparison and of each --by segment.
func compareView(r *Run, s *CompareSettings, all Segmented[CompareResult]) report.Doc {
	doc := CompareDoc(all.Overall, r.Level)
	for _, seg := range all.Segments {
		t := compareTable(seg.Result)
		t.Title = r.By + " = " + seg.Name + ": " + seg.Result.Decision
		doc.Tables = append(doc.Tables, t)
	}
	doc.Notes = append(doc.Notes, "as of "+r.AsOf)
	return doc
}

// CompareDoc is a comparison for people (the --counts calculator's too).
func CompareDoc(c CompareResult, level float64) report.Doc {
	title := "Compare " + c.Outcome
	if c.Metric != "" {
		title = "Compare " + c.Metric + " — " + c.Outcome
	}
	doc := report.Doc{Title: title}
	decision := c.Decision
	if c.Winner != nil {
		decision += ": " + *c.Winner
	}
	doc.Add("decision", decision)
	doc.Add("why", c.DecisionReason)
	switch {
	case c.Design == DesignObservational:
		doc.Add("groups", fmt.Sprintf("observational: %s against the rest (association, not causal)", c.Groups))
	case c.Groups == "--counts":
		doc.Add("groups", fmt.Sprintf("randomized, from --counts; the control is %q", c.Control))
	default:
		doc.Add("groups", fmt.Sprintf("randomized: by each user's first %s; the control is %q", c.Groups, c.Control))
	}
	if ex := excludedText(c.Excluded); ex != "" {
		doc.Add("left out", ex)
	}
	if srm := c.SRM; srm != nil && srm.Chi2 != nil {
		verdict := "passed"
		if !srm.Passed {
			verdict = "FAILED: the groups' sizes do not match the intended split"
		}
		doc.Add("sample ratio", fmt.Sprintf("%s (%s %s: χ² = %.3g, p = %s)", verdict, srm.Basis, joinInts(srm.Counts), *srm.Chi2, pText(srm.PValue)))
	}
	if pl := c.Planning; pl != nil {
		line := fmt.Sprintf("%s per group to detect %s → %s (MDE %s, α %g, power %g)", report.Thousands(*c.RequiredNPerArm),
			report.Pct(pl.BaselineRate), report.Pct(pl.TargetRate), pl.MDE, pl.Alpha, pl.Power)
		if pl.Underpowered {
			line += "; some group is smaller: underpowered"
		}
		doc.Add("sample size", line)
	}
	doc.Tables = append(doc.Tables, compareTable(c))
	doc.Notes = append(doc.Notes, c.Notes...)
	doc.Notes = append(doc.Notes, fmt.Sprintf("%s intervals: %s", report3(level), intervalNames(c)))
	if c.Kind == OutcomeMean {
		doc.Notes = append(doc.Notes, meanNote(c))
	}
	doc.Charts = compareCharts(c)
	doc.CSV = Ptr2(compareRows(c))
	return doc
}

// Ptr2 is a pointer to t.
func Ptr2[T any](t T) *T { return &t }

func intervalNames(c CompareResult) string {
	switch {
	case c.Kind == OutcomeMean && c.CUPED != nil:
		return "each mean Student's t, the difference Welch's t on the CUPED-adjusted outcomes, the lift delta-method"
	case c.Kind == OutcomeMean:
		return "each mean Student's t, the difference Welch's t, the lift delta-method"
	case c.Kind == OutcomeNPS:
		return "each group's NPS adjusted Wald, the difference Wald"
	case c.Horizon == "sequential":
		return "each rate Wilson; the difference a confidence sequence (see above)"
	case c.CUPED != nil:
		return "each rate Wilson, the difference Welch's t on the CUPED-adjusted outcomes, the lift delta-method"
	}
	return "each rate Wilson, the difference " + diffMethod(c) + ", the lift Katz"
}

// meanNote says what a mean compares, in its unit.
func meanNote(c CompareResult) string {
	switch unitOf(c) {
	case UnitSeconds:
		return "time to value: lower is better; the means are in seconds in JSON and CSV"
	case UnitAmount:
		return "revenue per user: the mean over every user who entered, 0 for those without a purchase; money is skewed, so read the interval, and wait for large groups"
	}
	return "means compared with Welch's t test"
}

// unitOf is a result's unit ("" for none).
func unitOf(c CompareResult) string {
	if c.Unit == nil {
		return ""
	}
	return *c.Unit
}

func diffMethod(c CompareResult) string {
	for _, cmp := range c.Comparisons {
		if cmp.Diff.CI != nil {
			return map[string]string{DiffCINewcombe: "Newcombe", DiffCIWald: "Wald"}[cmp.Diff.CI.Method]
		}
	}
	return "Newcombe"
}

func excludedText(ex CompareExcluded) string {
	var parts []string
	for _, p := range []struct {
		n    int64
		text string
	}{{ex.MultiVariant, "seen in several variants"}, {ex.NoVariant, "without a variant"}, {ex.GroupCensored, "whose group window is not over"},
		{ex.NoAnchor, "who never did the group's anchor event"}, {ex.Censored, "censored (window not complete at as_of)"}, {ex.NoUser, "answers without a user"}} {
		if p.n > 0 {
			parts = append(parts, report.Thousands(p.n)+" "+p.text)
		}
	}
	return strings.Join(parts, ", ")
}

// compareTable is one row per group: the control, then each treatment
// with its comparison.
func compareTable(c CompareResult) report.Table {
	fig := map[string]string{OutcomeProportion: "rate", OutcomeMean: "mean", OutcomeNPS: "NPS"}[c.Kind]
	switch unitOf(c) {
	case UnitSeconds:
		fig = "mean time"
	case UnitAmount:
		fig = "per user"
	}
	cols := []report.Column{{Key: "variant"}, {Key: "n", Kind: report.Int}, {Key: "figure", Header: fig + " [CI]"},
		{Key: "diff", Header: "difference [CI]"}, {Key: "lift", Header: "lift [CI]"}, {Key: "p"}}
	adj := len(c.Comparisons) > 1
	if adj {
		cols = append(cols, report.Column{Key: "p_adjusted", Header: "p adj"})
	}
	cols = append(cols, report.Column{Key: "decision"})
	t := report.Table{Columns: cols}
	for i, v := range c.Variants {
		row := []any{v.Variant, v.N, figureText(v, unitOf(c))}
		if i == 0 {
			row = append(row, "(control)", "", "")
			if adj {
				row = append(row, "")
			}
			t.Rows = append(t.Rows, append(row, ""))
			continue
		}
		cmp := c.Comparisons[i-1]
		row = append(row, diffText(cmp.Diff, c.Kind, unitOf(c)), liftText(cmp.Lift), pText(cmp.PValue))
		if adj {
			row = append(row, pText(cmp.PAdjusted))
		}
		t.Rows = append(t.Rows, append(row, cmp.Decision))
	}
	return t
}

// figureText is a group's figure with its interval (a mean in unit).
func figureText(v VariantStat, unit string) string {
	switch {
	case v.Rate != nil:
		if v.Rate.Value == nil {
			return "–"
		}
		return fmt.Sprintf("%s [%s, %s]", report.Pct(*v.Rate.Value), report.Pct(v.Rate.CI.Low), report.Pct(v.Rate.CI.High))
	case v.Mean != nil && v.Mean.Mean != nil:
		if v.Mean.CI == nil {
			return valueText(*v.Mean.Mean, unit)
		}
		return fmt.Sprintf("%s [%s, %s]", valueText(*v.Mean.Mean, unit), valueText(v.Mean.CI.Low, unit), valueText(v.Mean.CI.High, unit))
	case v.NPS != nil && v.NPS.Value != nil:
		return fmt.Sprintf("%.1f [%.1f, %.1f]", *v.NPS.Value, v.NPS.CI.Low, v.NPS.CI.High)
	}
	return "–"
}

// valueText writes a mean's value in its unit: a duration, money, or a
// number.
func valueText(v float64, unit string) string {
	switch unit {
	case UnitSeconds:
		return report.HumanDuration(v)
	case UnitAmount:
		return report.MoneyText(v)
	}
	return num(v)
}

// diffText is a difference with its interval: points for rates and NPS,
// a mean's unit for means.
func diffText(e Estimate, kind, unit string) string {
	if e.Value == nil {
		return "–"
	}
	f := func(v float64) string { return signed(diffNumber(v, kind, unit)) }
	pp := ""
	if kind == OutcomeProportion {
		pp = " pp"
	}
	if e.CI == nil {
		return f(*e.Value) + pp
	}
	return fmt.Sprintf("%s%s [%s, %s]", f(*e.Value), pp, f(e.CI.Low), f(e.CI.High))
}

// diffNumber writes a difference: points for rates (2 decimals) and NPS,
// a mean's unit for means.
func diffNumber(v float64, kind, unit string) string {
	switch kind {
	case OutcomeProportion:
		return strconv.FormatFloat(100*v, 'f', 2, 64)
	case OutcomeNPS:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return valueText(v, unit)
}

// diffUnitText is a bound of a difference for the decision's reason.
func diffUnitText(v float64, kind, unit string) string {
	if kind == OutcomeProportion {
		return signed(diffNumber(v, kind, unit)) + " pp"
	}
	return signed(diffNumber(v, kind, unit))
}

// liftText is a relative lift with its interval.
func liftText(e Estimate) string {
	if e.Value == nil {
		return "–"
	}
	f := func(v float64) string { return signed(report.Pct(v)) }
	if e.CI == nil {
		return f(*e.Value)
	}
	return fmt.Sprintf("%s [%s, %s]", f(*e.Value), f(e.CI.Low), f(e.CI.High))
}

func signed(s string) string {
	if strings.HasPrefix(s, "-") {
		return "−" + s[1:]
	}
	if strings.Trim(s, "0.%s") == "" {
		return s
	}
	return "+" + s
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// pText writes a p-value for people.
func pText(p *float64) string {
	switch {
	case p == nil:
		return "–"
	case *p < 0.0001:
		return "<0.0001"
	}
	return strconv.FormatFloat(*p, 'f', 4, 64)
}

// compareCharts draw each group's figure and each difference with their
// intervals.
func compareCharts(c CompareResult) []report.Chart {
	unit, scale, in := report.Percent, 1.0, ""
	switch {
	case c.Kind == OutcomeNPS:
		unit = report.Points
	case unitOf(c) == UnitSeconds:
		unit, scale, in = report.Float, 1.0/3600, " (hours)"
	case unitOf(c) == UnitAmount:
		unit = report.Money
	case c.Kind == OutcomeMean:
		unit = report.Float
	}
	groups := report.Chart{Kind: report.IntervalChart, Title: "By group" + in, Unit: unit}
	for _, v := range c.Variants {
		e := report.Estimate{Value: math.NaN(), Low: math.NaN(), High: math.NaN(), Text: figureText(v, unitOf(c))}
		switch {
		case v.Rate != nil:
			e = propEstimate(*v.Rate)
		case v.Mean != nil && v.Mean.Mean != nil:
			e.Value = *v.Mean.Mean * scale
			if v.Mean.CI != nil {
				e.Low, e.High = v.Mean.CI.Low*scale, v.Mean.CI.High*scale
			}
		case v.NPS != nil && v.NPS.Value != nil:
			e.Value, e.Low, e.High = *v.NPS.Value, v.NPS.CI.Low, v.NPS.CI.High
		}
		groups.Labels = append(groups.Labels, v.Variant)
		groups.Estimates = append(groups.Estimates, e)
	}
	diffs := report.Chart{Kind: report.IntervalChart, Title: "Difference from " + c.Control + in, Unit: unit, Note: "an interval that crosses 0 is no clear difference"}
	for _, cmp := range c.Comparisons {
		e := report.Estimate{Value: math.NaN(), Low: math.NaN(), High: math.NaN(), Text: diffText(cmp.Diff, c.Kind, unitOf(c))}
		if cmp.Diff.Value != nil {
			e.Value = *cmp.Diff.Value * scale
		}
		if cmp.Diff.CI != nil {
			e.Low, e.High = cmp.Diff.CI.Low*scale, cmp.Diff.CI.High*scale
		}
		diffs.Labels = append(diffs.Labels, cmp.Variant+" − "+c.Control)
		diffs.Estimates = append(diffs.Estimates, e)
	}
	return []report.Chart{groups, diffs}
}

// compareRows are the tidy table: a row per group, its comparison with
// the control (empty for the control), and the experiment's figures
// repeated on every row.
func compareRows(c CompareResult) report.Table {
	cols := []report.Column{{Key: "variant"}, {Key: "is_control"}, {Key: "kind"}, {Key: "n", Kind: report.Int}, {Key: "x", Kind: report.Int},
		{Key: "value", Kind: report.Float}, {Key: "value_ci_low", Kind: report.Float}, {Key: "value_ci_high", Kind: report.Float},
		{Key: "diff", Kind: report.Float}, {Key: "diff_ci_low", Kind: report.Float}, {Key: "diff_ci_high", Kind: report.Float},
		{Key: "lift", Kind: report.Float}, {Key: "lift_ci_low", Kind: report.Float}, {Key: "lift_ci_high", Kind: report.Float},
		{Key: "test"}, {Key: "statistic", Kind: report.Float}, {Key: "p_value", Kind: report.Float}, {Key: "p_adjusted", Kind: report.Float},
		{Key: "decision"}, {Key: "reason"}, {Key: "design"}, {Key: "srm_chi2", Kind: report.Float}, {Key: "srm_p_value", Kind: report.Float},
		{Key: "srm_passed"}, {Key: "experiment_decision"}, {Key: "winner"}, {Key: "required_n_per_arm", Kind: report.Int}, {Key: "unit"},
		{Key: "lower_is_better"}, {Key: "sd", Kind: report.Float}, {Key: "df", Kind: report.Float}}
	t := report.Table{Columns: cols}
	var chi2, srmP, passed, winner, req, unit any
	if c.SRM != nil {
		chi2, srmP, passed = fptr(c.SRM.Chi2), fptr(c.SRM.PValue), c.SRM.Passed
	}
	if c.Winner != nil {
		winner = *c.Winner
	}
	if c.RequiredNPerArm != nil {
		req = *c.RequiredNPerArm
	}
	if c.Unit != nil {
		unit = *c.Unit
	}
	for i, v := range c.Variants {
		var x, val, lo, hi, sd, df any
		switch {
		case v.Rate != nil:
			x = *v.X
			if v.Rate.Value != nil {
				val, lo, hi = *v.Rate.Value, v.Rate.CI.Low, v.Rate.CI.High
			}
		case v.Mean != nil && v.Mean.Mean != nil:
			val, sd = *v.Mean.Mean, fptr(v.Mean.SD)
			if v.Mean.CI != nil {
				lo, hi = v.Mean.CI.Low, v.Mean.CI.High
			}
		case v.NPS != nil && v.NPS.Value != nil:
			val, lo, hi = *v.NPS.Value, v.NPS.CI.Low, v.NPS.CI.High
		}
		row := []any{v.Variant, i == 0, c.Kind, v.N, x, val, lo, hi}
		if i == 0 {
			row = append(row, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
		} else {
			cmp := c.Comparisons[i-1]
			row = append(row, estimateCells(cmp.Diff)...)
			row = append(row, estimateCells(cmp.Lift)...)
			row = append(row, cmp.Test, fptr(cmp.Statistic), fptr(cmp.PValue), fptr(cmp.PAdjusted), cmp.Decision, cmp.Reason)
			df = fptr(cmp.DF)
		}
		t.Rows = append(t.Rows, append(row, c.Design, chi2, srmP, passed, c.Decision, winner, req, unit, c.LowerIsBetter, sd, df))
	}
	return t
}

func estimateCells(e Estimate) []any {
	out := []any{fptr(e.Value), nil, nil}
	if e.CI != nil {
		out[1], out[2] = e.CI.Low, e.CI.High
	}
	return out
}

func fptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// compareHeadline is the decision and the first treatment's difference.
func compareHeadline(_ *Run, s *CompareSettings, all Segmented[CompareResult]) string {
	c := all.Overall
	line := fmt.Sprintf("Compare %s by %s: %s", c.Metric, c.Groups, c.Decision)
	if c.Winner != nil {
		line += " (" + *c.Winner + ")"
	}
	if len(c.Comparisons) > 0 {
		cmp := c.Comparisons[0]
		p := "p = " + pText(cmp.PValue)
		if strings.HasPrefix(p, "p = <") {
			p = "p < " + p[len("p = <"):]
		}
		line += fmt.Sprintf("; %s vs %s %s, %s", cmp.Variant, c.Control, diffText(cmp.Diff, c.Kind, unitOf(c)), p)
	}
	return line
}

// compareUsers are each unit behind the groups: its user, group, status
// and outcome.
func compareUsers(r *Run, s *CompareSettings, units []int32) report.Table {
	s.outcomes(r)
	t := report.Table{Columns: []report.Column{{Key: "user"}, {Key: "group"}, {Key: "status"}, {Key: "value", Kind: report.Float}}}
	if s.cov != nil {
		t.Columns = append(t.Columns, report.Column{Key: "cuped_covariate", Kind: report.Float})
	}
	left := map[int32]string{} // units left out of the metric, and why
	for _, u := range s.outcome.Censored {
		left[u] = "censored"
	}
	for _, u := range s.outcome.Unreached {
		left[u] = "not_reached"
	}
	for _, unit := range units {
		k := s.unitAt[unit]
		var user any
		var group, value, cov any
		status := "not_in_metric"
		if k >= 0 {
			u := s.outcome.Units[k]
			value = u.Value
			if s.cov != nil {
				cov = s.cov[k]
			}
			if u.User < 0 {
				status = "no_user"
			} else {
				user = r.UserID(u.User)
				status = armStatus(s, u.User, &group)
			}
		} else {
			if r.Answers != nil {
				continue // an answer the metric left out
			}
			user = r.UserID(unit)
			if why, ok := left[unit]; ok {
				status = why
			}
			if st := armStatus(s, unit, &group); st != "counted" {
				status = st
			}
		}
		row := []any{user, group, status, value}
		if s.cov != nil {
			row = append(row, cov)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// armStatus is a user's status by their group, and sets group to its name.
func armStatus(s *CompareSettings, u int32, group *any) string {
	switch a := s.plan.of[u]; a {
	case armNoVariant:
		return "no_variant"
	case armMultiVariant:
		return "multi_variant"
	case armGroupCensored:
		return "group_censored"
	case armNoAnchor:
		return "no_anchor"
	default:
		*group = s.plan.names[a]
		return "counted"
	}
}
