package metrics

import (
	"fmt"
	"math"
	"strconv"

	"github.com/uptake-dev/uptake/report"
)

// Charts the views share: a proportion as a point with its interval, and
// a funnel's steps as bars. Only the HTML format draws them.

// propEstimate is a proportion as a chart's estimate.
func propEstimate(p Proportion) report.Estimate {
	e := report.Estimate{Value: p.Rate(), Low: math.NaN(), High: math.NaN(), Text: PropText(p)}
	if p.CI != nil {
		e.Low, e.High = p.CI.Low, p.CI.High
	}
	return e
}

// intervalChart draws proportions with their intervals, one per label.
func intervalChart(title string, labels []string, ps []Proportion) report.Chart {
	c := report.Chart{Kind: report.IntervalChart, Title: title, Unit: report.Percent, Labels: labels}
	for _, p := range ps {
		c.Estimates = append(c.Estimates, propEstimate(p))
	}
	return c
}

// segmentIntervals draws the proportion p picks from the overall result
// and from each segment's.
func segmentIntervals[R any](title string, all Segmented[R], p func(R) Proportion) report.Chart {
	labels, ps := []string{"all"}, []Proportion{p(all.Overall)}
	for _, s := range all.Segments {
		labels = append(labels, all.By+" = "+s.Name)
		ps = append(ps, p(s.Result))
	}
	return intervalChart(title, labels, ps)
}

// intervalsOf draws the proportion f gives for each of xs, labelled as f
// says.
func intervalsOf[T any](title string, xs []T, f func(T) (string, Proportion)) report.Chart {
	labels := make([]string, len(xs))
	ps := make([]Proportion, len(xs))
	for i, x := range xs {
		labels[i], ps[i] = f(x)
	}
	return intervalChart(title, labels, ps)
}

// cohortConversion is a funnel cohort's label and conversion.
func cohortConversion(c FunnelCohort) (string, Proportion) { return c.Cohort, c.Conversion }

// stepsChart is a funnel's users per step as bars, each with its share of
// the start and its drop-off from the step before.
func stepsChart(title string, steps []StepStat) report.Chart {
	c := report.Chart{Kind: report.BarChart, Horizontal: true, Title: title, Unit: report.Int}
	se := report.Series{Name: "users"}
	for j, s := range steps {
		c.Labels = append(c.Labels, strconv.Itoa(j+1)+". "+s.Event)
		se.Values = append(se.Values, float64(s.Users))
		text := report.Thousands(s.Users)
		if s.PctOfStart != nil {
			text += " · " + report.Pct(*s.PctOfStart) + " of start"
		}
		if j > 0 && s.DropoffPct != nil {
			text += fmt.Sprintf(" · −%s (%s)", report.Thousands(s.Dropoff), report.Pct(*s.DropoffPct))
		}
		se.Text = append(se.Text, text)
	}
	c.Series = []report.Series{se}
	return c
}
