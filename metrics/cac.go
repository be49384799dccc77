package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// Cost per activated user (docs/metrics.md#cac): acquisition spend over the
// users who activated, computed as CAC / activation rate, where CAC is the
// spend per user who signed up in the reporting range and the rate is
// activation's (its own flags, censoring and interval). With no censoring
// that is spend / activated users; with censoring the rate stands in for the
// users whose window is still open. The interval divides CAC, held fixed,
// by the rate's Wilson bounds.

// CACSettings are the cac command's flags: the spend, and activation's own.
type CACSettings struct {
	Spend     Money     `flag:"spend" usage:"Acquisition spend over the reporting range (a constant total)" json:"spend"`
	SpendFile SpendFile `flag:"spend-file" usage:"CSV of spend rows period,spend[,segment] (period 2024-03 or 2024-03-04); rows whose period begins in the range count, and --by matches segment to its values" json:"spend_file"`
	ActivationSettings
	shared *cacShared // Prepare's
}

// cacShared is what every Compute of a run shares: the whole read's users
// and signups, and the --by values, to share or match the spend.
type cacShared struct {
	users   int
	signups int64
	cohorts map[string]int64 // signups per cohort label
	values  map[string]bool  // --by values present
}

// CACResult is the cost per activated user.
type CACResult struct {
	CostPerActivated Cost        `json:"cost_per_activated"`
	Spend            *float64    `json:"spend"`
	SpendBasis       string      `json:"spend_basis"`
	Signups          int64       `json:"signups"`
	CAC              *float64    `json:"cac"`
	Activation       Proportion  `json:"activation"`
	Excluded         Excluded    `json:"excluded"`
	Cohorts          []CACCohort `json:"cohorts"`
	Warnings         []Warning   `json:"-"`
}

// Cost is an amount with its interval (null when it cannot be had).
type Cost struct {
	Value *float64  `json:"value"`
	CI    *Interval `json:"ci"`
}

// CACCohort is one signup cohort's cost per activated user.
type CACCohort struct {
	Cohort           string     `json:"cohort"`
	Signups          int64      `json:"signups"`
	Spend            *float64   `json:"spend"`
	Activation       Proportion `json:"activation"`
	CostPerActivated Cost       `json:"cost_per_activated"`
	Status           string     `json:"status"`
}

// CostPerActivated is CAC / rate, with CAC / the rate's Wilson bounds as
// its interval; null without signups or without activations.
func CostPerActivated(spend *float64, signups int64, rate Proportion) (cac *float64, cost Cost) {
	if spend == nil || signups == 0 {
		return nil, Cost{}
	}
	cac = Ptr(*spend / float64(signups))
	if rate.Value == nil || rate.Numerator == 0 {
		return cac, Cost{}
	}
	cost.Value = Ptr(*cac / *rate.Value)
	cost.CI = &Interval{Low: *cac / rate.CI.High, High: *cac / rate.CI.Low, Level: rate.CI.Level, Method: "cac_over_wilson_bounds"}
	return cac, cost
}

// spendRows are the file's rows that count for the run: their period
// begins in the reporting range, before as_of.
func spendRows(r *Run, f *SpendFile) []SpendRow {
	var out []SpendRow
	for _, row := range f.Rows {
		if t := row.Start(r.Loc); r.Range.Contains(t) && t < r.Range.AsOf {
			out = append(out, row)
		}
	}
	return out
}

// segmentOf is the --by value the users share, and whether the users are a
// segment (not the whole read).
func (s *CACSettings) segmentOf(r *Run, users []int32) (string, bool) {
	if r.By == "" || len(users) == s.shared.users || len(users) == 0 {
		return "", false
	}
	vals := r.UserProps[r.By]
	if int(users[0]) >= len(vals) {
		return "", true
	}
	return vals[users[0]], true
}

// spendOf is the spend of the users' result, and its basis.
func (s *CACSettings) spendOf(r *Run, users []int32, signups int64) (*float64, string) {
	seg, isSeg := s.segmentOf(r, users)
	share := func(total float64) *float64 {
		if !isSeg {
			return &total
		}
		if s.shared.signups == 0 {
			return nil
		}
		return Ptr(total * float64(signups) / float64(s.shared.signups))
	}
	if s.Spend.Given {
		return share(s.Spend.Value), map[bool]string{false: "given", true: "shared_by_signups"}[isSeg]
	}
	var total float64
	matched := false
	for _, row := range spendRows(r, &s.SpendFile) {
		if !isSeg || !s.SpendFile.Segments || row.Segment == seg {
			total += row.Spend
			matched = true
		}
	}
	switch {
	case isSeg && s.SpendFile.Segments && !matched: // no spend given: unknown, not free
		return nil, "by_segment"
	case isSeg && s.SpendFile.Segments:
		return &total, "by_segment"
	case isSeg:
		return share(total), "shared_by_signups"
	}
	return &total, "file"
}

// CACMetric is the cac command (docs/metrics.md#cac).
var CACMetric = &Def[CACSettings, CACResult]{
	Info: Info{
		Name:  "cac",
		Use:   "[FILE...] --activation-event E (--spend X | --spend-file F)",
		Short: "Cost per activated user: CAC / activation rate",
		Long: `Cost per activated user: what acquiring one user who activates costs
(docs/metrics.md#cac). CAC is the spend over the users who signed up in the
reporting range; the cost is CAC / activation rate, which without censoring is
spend / activated users. Activation is the activation command's, with all its
flags (--activation-event, --within, --signup-event, --min-count,
--cohort-period…), so users whose window is open at --as-of are left out of
the rate. The interval divides CAC by the rate's Wilson bounds; with no
activations the cost is null.

--spend is a constant total for the range. --spend-file reads a CSV of
period,spend[,segment] rows (periods 2024-03 or 2024-03-04, an optional header
row): rows whose period begins in the range (--from, --to) count. With --by,
the file's segment column is matched to the --by values; a constant, or a file
without segments, is shared among segments by their signups. With
--cohort-period each signup cohort gets the spend of the rows in its period.`,
		Example: `  uptake cac --demo --activation-event report_created --spend 25000
  uptake cac --demo --activation-event report_created --spend-file spend.csv --by signup_source
  uptake cac events.csv --activation-event project_created --within 14d --spend-file spend.csv --cohort-period month`,
		FlagUsage: map[string]string{"within": "Activation window after signup (90s, 30m, 48h, 7d, 2w; the end is included)"},
		Exclusive: [][]string{{"spend", "spend-file"}},
	},
	Defaults: func() CACSettings {
		return CACSettings{ActivationSettings: ActivationMetric.Defaults()}
	},
	Check: func(s *CACSettings) error {
		if s.Spend.Given == s.SpendFile.Given() {
			return fmt.Errorf("give the spend: --spend X or --spend-file F (one of them)")
		}
		return ActivationMetric.Check(&s.ActivationSettings)
	},
	Needs: func(s *CACSettings) Needs { return ActivationMetric.Needs(&s.ActivationSettings) },
	Prepare: func(r *Run, s *CACSettings) error {
		sh := &cacShared{users: len(r.Log.Users), cohorts: map[string]int64{}, values: map[string]bool{}}
		p := activationParams(r, &s.ActivationSettings)
		p.each = func(o activationUser) {
			if o.status == "eligible" || o.status == "censored" {
				sh.signups++
				if c := o.cohort.label(o.signup, true); c != nil {
					sh.cohorts[*c]++
				}
			}
		}
		Activation(r.Log, r.Log.AllUsers(), p)
		for _, v := range r.UserProps[r.By] {
			sh.values[v] = true
		}
		s.shared = sh
		return nil
	},
	Compute: cacCompute,
	Users: func(r *Run, s *CACSettings, users []int32) report.Table {
		return activationUsers(r, &s.ActivationSettings, users)
	},
	Warnings: func(x CACResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *CACSettings) any {
		return struct {
			*CACSettings
			SignupEvent string `json:"signup_event"`
			Incomplete  string `json:"incomplete"`
			CI          string `json:"cost_ci"`
		}{s, Anchor{Event: s.SignupEvent}.Name(), "exclude", "cac_over_wilson_bounds"}
	},
	View: cacView,
	Rows: cacRows,
	Headline: func(_ *Run, s *CACSettings, all Segmented[CACResult]) string {
		return fmt.Sprintf("Cost per activated user (%s within %s): %s", strings.Join(s.Events, " and "), s.Within.Text,
			costText(all.Overall.CostPerActivated))
	},
}

func cacCompute(r *Run, s *CACSettings, users []int32) CACResult {
	a := Activation(r.Log, users, activationParams(r, &s.ActivationSettings))
	res := CACResult{Signups: a.Anchored, Activation: a.Rate, Excluded: a.Excluded, Cohorts: []CACCohort{}, Warnings: a.Warnings}
	res.Spend, res.SpendBasis = s.spendOf(r, users, a.Anchored)
	res.CAC, res.CostPerActivated = CostPerActivated(res.Spend, res.Signups, res.Activation)
	if a.Rate.Denominator > 0 && a.Rate.Numerator == 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "no_activations", Message: "no eligible user activated, so there is no cost per activated user"})
	}
	seg, isSeg := s.segmentOf(r, users)
	if isSeg && res.Spend == nil && res.SpendBasis == "by_segment" {
		res.Warnings = append(res.Warnings, Warning{Code: "no_spend", Message: fmt.Sprintf(
			"%s has no spend rows for %s = %s in the range: its CAC and cost are unknown, not 0", s.SpendFile.Name, r.By, seg)})
	}
	if s.SpendFile.Given() && s.SpendFile.Segments && r.By != "" && !isSeg {
		var lost []string
		for _, row := range spendRows(r, &s.SpendFile) {
			if !s.shared.values[row.Segment] && !slices.Contains(lost, row.Segment) {
				lost = append(lost, row.Segment)
			}
		}
		if len(lost) > 0 {
			res.Warnings = append(res.Warnings, Warning{Code: "unmatched_spend", Message: fmt.Sprintf(
				"%s: spend of segment %s matches no %s value; it counts in the overall figures only", s.SpendFile.Name, strings.Join(lost, ", "), r.By)})
		}
	}
	cal := s.Calendar(r.Loc)
	if cal == nil {
		return res
	}
	// each cohort's spend: the file's rows in its period (of its segment),
	// or the constant shared by signups
	byCohort := map[string]float64{}
	coarse := false
	if s.SpendFile.Given() {
		for _, row := range spendRows(r, &s.SpendFile) {
			if isSeg && s.SpendFile.Segments && row.Segment != seg {
				continue
			}
			coarse = coarse || row.Month && cal.Period != Month
			t := row.Start(r.Loc)
			byCohort[cal.Label(cal.Start(t))] += row.Spend
		}
		if coarse {
			res.Warnings = append(res.Warnings, Warning{Code: "spend_periods_coarser", Message: fmt.Sprintf(
				"%s has monthly rows, which do not split into %s cohorts: the cohorts have no spend", s.SpendFile.Name, cal.Period)})
		}
	}
	for _, c := range a.Cohorts {
		cc := CACCohort{Cohort: c.Cohort, Signups: c.Size, Activation: c.Rate, Status: c.Status}
		switch {
		case coarse:
		case s.Spend.Given: // a constant: shared by signups
			if s.shared.signups > 0 {
				cc.Spend = Ptr(s.Spend.Value * float64(c.Size) / float64(s.shared.signups))
			}
		default: // the file's rows of the cohort's period (none: unknown)
			v, ok := byCohort[c.Cohort]
			switch all := s.shared.cohorts[c.Cohort]; {
			case !ok:
			case s.SpendFile.Segments || !isSeg:
				cc.Spend = Ptr(v)
			case all > 0: // a file without segments, for a segment: shared by signups
				cc.Spend = Ptr(v * float64(c.Size) / float64(all))
			}
		}
		_, cc.CostPerActivated = CostPerActivated(cc.Spend, cc.Signups, cc.Activation)
		res.Cohorts = append(res.Cohorts, cc)
	}
	return res
}

// costText writes a cost for people: "250.00 [191.68, 332.33]".
func costText(c Cost) string {
	if c.Value == nil {
		return "– (no activated users)"
	}
	return fmt.Sprintf("%s [%s, %s]", money(*c.Value), money(c.CI.Low), money(c.CI.High))
}

func money(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func moneyPtr(v *float64) string {
	if v == nil {
		return "–"
	}
	return money(*v)
}

var cacCols = append(append([]report.Column{{Key: "signups", Kind: report.Int}, {Key: "spend", Kind: report.Float},
	{Key: "cac", Header: "CAC", Kind: report.Float}, {Key: "eligible", Kind: report.Int}, {Key: "activated", Kind: report.Int}},
	CICols("activation")...), report.Column{Key: "cost_per_activated", Header: "cost/activated", Kind: report.Float},
	report.Column{Key: "cost_ci_low", Header: "ci low", Kind: report.Float}, report.Column{Key: "cost_ci_high", Header: "ci high", Kind: report.Float})

func costVals(c Cost) []any {
	if c.Value == nil {
		return []any{nil, nil, nil}
	}
	return []any{*c.Value, c.CI.Low, c.CI.High}
}

func cacRow(x CACResult) []any {
	return append(append(append([]any{x.Signups, x.Spend, x.CAC, x.Activation.Denominator, x.Activation.Numerator},
		CIVals(x.Activation)...), costVals(x.CostPerActivated)...), x.Excluded.Censored, nil)
}

// cacRows are the result's row and, with --cohort-period, one per signup
// cohort.
func cacRows(_ *Run, s *CACSettings, x CACResult) report.Table {
	cols := append(slices.Clone(cacCols), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "status"})
	t := report.Table{Columns: cols, Rows: [][]any{cacRow(x)}}
	if s.CohortPeriod == "" {
		t.Columns, t.Rows[0] = t.Columns[:len(cols)-1], t.Rows[0][:len(cols)-1]
		return t
	}
	var cs [][]any
	for _, c := range x.Cohorts {
		cac, _ := CostPerActivated(c.Spend, c.Signups, c.Activation)
		cs = append(cs, append(append(append([]any{c.Cohort, c.Signups, c.Spend, cac, c.Activation.Denominator, c.Activation.Numerator},
			CIVals(c.Activation)...), costVals(c.CostPerActivated)...), c.Signups-c.Activation.Denominator, c.Status))
	}
	return withCohorts(t, cs)
}

func cacView(r *Run, s *CACSettings, all Segmented[CACResult]) report.Doc {
	x := all.Overall
	anchor := "first event"
	if s.SignupEvent != "" {
		anchor = s.SignupEvent
	}
	doc := report.Doc{Title: fmt.Sprintf("Cost per activated user: %s within %s of %s", strings.Join(s.Events, " and "), s.Within.Text, anchor)}
	doc.Add("cost per activated", costText(x.CostPerActivated))
	src := "--spend"
	if s.SpendFile.Given() {
		src = s.SpendFile.Name
	}
	doc.Add("spend", fmt.Sprintf("%s (%s)", moneyPtr(x.Spend), src))
	doc.Add("CAC", fmt.Sprintf("%s per signup (%s signed up in range)", moneyPtr(x.CAC), report.Thousands(x.Signups)))
	doc.Add("activation rate", PropText(x.Activation)+fmt.Sprintf("; %s censored", report.Thousands(x.Excluded.Censored)))
	if len(x.Cohorts) > 0 {
		t := report.Table{Title: "By signup cohort", Columns: append([]report.Column{{Key: "cohort"}}, cacCols...)}
		for _, row := range cacRows(r, s, x).Rows[1:] {
			t.Rows = append(t.Rows, row[:len(t.Columns)])
		}
		doc.Tables = append(doc.Tables, t)
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: fmt.Sprintf("By %s (spend %s)", r.By, strings.ReplaceAll(all.Segments[0].Result.SpendBasis, "_", " ")),
			Columns: append([]report.Column{{Key: "segment"}}, cacCols...)}
		for _, sr := range all.Segments {
			t.Rows = append(t.Rows, append([]any{sr.Name}, cacRow(sr.Result)[:len(cacCols)]...))
		}
		doc.Tables = append(doc.Tables, t)
	}
	doc.Charts = append(doc.Charts, segmentIntervals("Activation rate", all, func(c CACResult) Proportion { return c.Activation }))
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; cost = CAC / activation rate, its interval CAC / the rate's %s Wilson bounds",
		r.AsOf, report.Pct(r.Level)))
	return doc
}
