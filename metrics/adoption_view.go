package metrics

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// The definition and view of adoption, whose computation is in adoption.go.

// AdoptionMetric is feature adoption (docs/metrics.md#adoption).
var AdoptionMetric = &Def[AdoptionSettings, AdoptionResult]{
	Info: Info{
		Name:  "adoption",
		Use:   "[FILE...] (--feature-event E | --feature-prop P)",
		Short: "Feature adoption: users of a feature out of active users, per period",
		Long: `For each feature and each calendar period (day, week or month in --tz), the
adopters (distinct users who used the feature in the period) out of the users
active in the period, with a Wilson interval; and the same over the whole range
(adopters in any listed period, out of users active in any)
(docs/metrics.md#adoption).

A feature is an event (--feature-event E, repeat it or give a list; event
selectors such as 'feature_used[feature = exports]' work), or with --feature-prop
P one feature per value of P on the feature events (default feature_used):
--feature-prop feature counts each value of feature on feature_used.

Active users are those with any activity in the period: any event but internal
ones, or only --active-event names; a feature event is activity like any other.
--adoption-denominator all divides by every user first seen by the end of the
period instead. Periods that start in [--from, --to) and before --as-of are
listed; the one --as-of cuts short has complete: false (marked *).

--retained-adoption Nw adds, for the users whose first use of a feature ever
fell in the period, the share who used it again in week N after that first use
(elapsed: week 1 is days 7-13). Users whose week N is not over at --as-of are
censored: left out of the share and counted.`,
		Example: `  uptake adoption --demo --feature-prop feature
  uptake adoption --demo --feature-event report_created,teammate_invited --period week
  uptake adoption --demo --feature-prop feature --retained-adoption 1w --by plan
  uptake adoption --demo --feature-prop feature --format json | jq '.result.features[] | {feature, rate: .rate.value}'`,
		ActiveEvents: true,
	},
	Defaults: func() AdoptionSettings {
		return AdoptionSettings{Period: "month", WeekSettings: NewWeeks(), Denominator: "active"}
	},
	Check: func(s *AdoptionSettings) error {
		if len(s.FeatureEvents) == 0 && s.FeatureProp == "" {
			return errors.New("adoption needs --feature-event E (a feature per event) or --feature-prop P (a feature per value of P on the feature events, default " + defaultFeatureEvent + ")")
		}
		if s.Retained.Text != "" && (s.Retained.D%(7*24*time.Hour) != 0) {
			return fmt.Errorf("--retained-adoption %s: want a whole number of weeks, such as 1w or 2w", s.Retained.Text)
		}
		return nil
	},
	Needs: func(s *AdoptionSettings) Needs {
		n := Needs{Events: s.events(), Activity: &ActivityConfig{},
			Refs: []Ref{{Flag: "--feature-event", Names: s.events()}}}
		if s.FeatureProp != "" {
			n.EventProps = []string{s.FeatureProp}
			n.Refs = append(n.Refs, Ref{Flag: "--feature-prop", Property: true, Names: []string{s.FeatureProp}})
		}
		return n
	},
	Prepare: func(r *Run, s *AdoptionSettings) error {
		r.Prepared = features(r.Log, s)
		return nil
	},
	Compute: func(r *Run, s *AdoptionSettings, users []int32) AdoptionResult {
		return Adoption(r, s, users, nil)
	},
	Warnings: func(x AdoptionResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *AdoptionSettings) any {
		var ret any
		if s.Retained.Text != "" {
			ret = s.Retained.Text
		}
		return struct {
			*AdoptionSettings
			FeatureEvents []string `json:"feature_events"`
			Retained      any      `json:"retained_adoption"`
		}{s, s.events(), ret}
	},
	View:     adoptionView,
	Rows:     adoptionRows,
	Users:    adoptionUsers,
	Headline: adoptionHeadline,
}

// of says what the rates divide by, for people.
func (s *AdoptionSettings) of() string {
	if s.Denominator == "all" {
		return "users first seen by the end of the period"
	}
	return "users active in the period"
}

func adoptionView(r *Run, s *AdoptionSettings, all Segmented[AdoptionResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: fmt.Sprintf("Feature adoption by %s (of %s users)", s.Period, s.Denominator)}
	if s.FeatureProp != "" {
		doc.Add("features", fmt.Sprintf("each value of %s on %s (%d)", s.FeatureProp, strings.Join(s.events(), ", "), len(x.Features)))
	} else {
		doc.Add("features", strings.Join(s.events(), ", "))
	}
	doc.Add("adopters", "users who used the feature in the period, of "+s.of())
	if ps := x.periods; len(ps) > 0 {
		doc.Add("range", fmt.Sprintf("%s, %s to %s: %s active, %s known", Plural(len(ps), s.Period), ps[0].label, ps[len(ps)-1].label,
			report.Thousands(x.Active), report.Thousands(x.Known)))
	}
	if n := s.week(); n > 0 {
		doc.Add("retained adoption", fmt.Sprintf("of first-time users, used it again in week %d after the first use (days %d-%d)", n, 7*n, 7*n+6))
	}
	doc.Tables = all.Tables("Features over the range", func(title string, x AdoptionResult) report.Table { return adoptionFeatures(title, s, x) })
	doc.Tables = append(doc.Tables, adoptionGrid(fmt.Sprintf("Adoption per %s", s.Period), s, x))
	labels := make([]string, len(x.Features))
	rates := make([]Proportion, len(x.Features))
	for i, f := range x.Features {
		labels[i], rates[i] = f.Feature, f.Rate
	}
	doc.Charts = []report.Chart{intervalChart("Adoption over the range", labels, rates), adoptionChart(fmt.Sprintf("Adoption per %s", s.Period), x)}
	if ps := x.periods; len(ps) > 0 && !ps[len(ps)-1].complete {
		doc.Notes = append(doc.Notes, "* incomplete at as_of "+r.AsOf+": running numbers")
	}
	if len(all.Segments) > 0 {
		doc.Notes = append(doc.Notes, "the table per "+s.Period+" is of every user; each segment's periods are in --format json and csv")
	}
	return doc
}

// adoptionFeatures are the features over the whole range.
func adoptionFeatures(title string, s *AdoptionSettings, x AdoptionResult) report.Table {
	t := report.Table{Title: title, Fit: report.Fit{Keep: 3}, Columns: append([]report.Column{{Key: "feature"}, {Key: "adopters", Kind: report.Int}}, CICols("rate")...)}
	if n := s.week(); n > 0 {
		t.Columns = append(t.Columns, report.Column{Key: "first_time", Header: "first-time", Kind: report.Int},
			report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "retained", Header: fmt.Sprintf("used in week %d", n), Kind: report.Percent})
	}
	for _, f := range x.Features {
		row := append([]any{f.Feature, f.Adopters}, CIVals(f.Rate)...)
		if f.Retained != nil {
			row = append(row, f.Retained.FirstTime, f.Retained.Censored, f.Retained.Rate.Value)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// adoptionGrid is a period per row and a feature's rate per column.
func adoptionGrid(title string, s *AdoptionSettings, x AdoptionResult) report.Table {
	n := "active"
	if s.Denominator == "all" {
		n = "known"
	}
	t := report.Table{Title: title, Columns: []report.Column{{Key: "period"}, {Key: n, Kind: report.Int}}}
	for _, f := range x.Features {
		t.Columns = append(t.Columns, report.Column{Key: f.Feature, Kind: report.Percent})
	}
	for j, p := range x.Periods {
		d := p.Active
		if s.Denominator == "all" {
			d = p.Known
		}
		row := []any{periodMark(x.periods[j]), d}
		for _, f := range p.Features {
			row = append(row, f.Rate.Value)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(x.Features) > 0 {
		t = series(t, x.Features[0].Feature)
	}
	t.Fit.Keep = 3
	return t
}

// maxLines is how many features a line chart draws.
const maxLines = 12

// adoptionChart is a line per feature (the first maxLines) of its rate
// over the periods.
func adoptionChart(title string, x AdoptionResult) report.Chart {
	c := report.Chart{Kind: report.LineChart, Title: title, Unit: report.Percent}
	for _, p := range x.periods {
		c.Labels = append(c.Labels, periodMark(p))
	}
	for f, feat := range x.Features[:min(maxLines, len(x.Features))] {
		se := report.Series{Name: feat.Feature}
		for _, p := range x.Periods {
			se.Values = append(se.Values, report.Val(p.Features[f].Rate.Value))
		}
		c.Series = append(c.Series, se)
	}
	var notes []string
	if n := len(x.Features) - maxLines; n > 0 {
		notes = append(notes, fmt.Sprintf("the first %d features; %d more in the tables", maxLines, n))
	}
	if ps := x.periods; len(ps) > 0 && !ps[len(ps)-1].complete {
		notes = append(notes, "* incomplete at as_of")
	}
	c.Note = strings.Join(notes, "; ")
	return c
}

// adoptionRows are one row per period and feature, then the whole range's
// (period "(all)").
func adoptionRows(_ *Run, s *AdoptionSettings, x AdoptionResult) report.Table {
	t := report.Table{Columns: append([]report.Column{{Key: "period"}, {Key: "active", Kind: report.Int}, {Key: "known", Kind: report.Int},
		{Key: "feature"}, {Key: "adopters", Kind: report.Int}}, CICols("rate")...)}
	ret := s.week() > 0
	if ret {
		t.Columns = append(t.Columns, report.Column{Key: "first_time", Kind: report.Int}, report.Column{Key: "censored", Kind: report.Int},
			report.Column{Key: "retained", Kind: report.Int})
		t.Columns = append(t.Columns, CICols("retained_rate")...)
	}
	t.Columns = append(t.Columns, report.Column{Key: "complete"})
	row := func(period string, active, known int64, f AdoptionFeature, complete any) []any {
		out := append([]any{period, active, known, f.Feature, f.Adopters}, CIVals(f.Rate)...)
		if ret {
			out = append(append(out, f.Retained.FirstTime, f.Retained.Censored, f.Retained.Rate.Numerator), CIVals(f.Retained.Rate)...)
		}
		return append(out, complete)
	}
	for _, p := range x.Periods {
		for _, f := range p.Features {
			t.Rows = append(t.Rows, row(p.Period, p.Active, p.Known, f, p.Complete))
		}
	}
	for _, f := range x.Features {
		t.Rows = append(t.Rows, row("(all)", x.Active, x.Known, f, nil))
	}
	return t
}

// adoptionUsers are each user's use of each feature: the rows of a
// feature with periods_adopted > 0 number its adopters over the range, and
// its rows of a first period with retained not blank its retained
// adoption's eligible users.
func adoptionUsers(r *Run, s *AdoptionSettings, users []int32) report.Table {
	own := []report.Column{{Key: "feature"}, {Key: "first_use", Kind: report.Time}, {Key: "first_period"}, {Key: "periods_adopted", Kind: report.Int}}
	if s.week() > 0 {
		own = append(own, report.Column{Key: "retained", Kind: report.Int})
	}
	t := report.Table{Columns: userCols(false, own...)}
	Adoption(r, s, users, func(o adoptionUser) {
		row := []any{o.feature, nsTime(o.firstUse), o.first, o.periods}
		if s.week() > 0 {
			var v any
			if o.retained >= 0 {
				v = int(o.retained)
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, userRow(r, o.user, nil, row...))
	})
	return t
}

// adoptionHeadline names the most adopted features over the range.
func adoptionHeadline(_ *Run, s *AdoptionSettings, all Segmented[AdoptionResult]) string {
	x := all.Overall
	if len(x.Features) == 0 {
		return fmt.Sprintf("Feature adoption by %s: no features", s.Period)
	}
	fs := append([]AdoptionFeature(nil), x.Features...)
	var parts []string
	for _, f := range fs[:min(3, len(fs))] {
		parts = append(parts, f.Feature+" "+PropText(f.Rate))
	}
	out := fmt.Sprintf("Feature adoption over the range (of %s users): %s", s.Denominator, strings.Join(parts, "; "))
	if n := len(fs) - 3; n > 0 {
		out += fmt.Sprintf(" (and %d more)", n)
	}
	return out
}
