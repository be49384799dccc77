package metrics

import (
	"fmt"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// The view of trends: a table of each event's totals with a sparkline of
// its periods, the periods' events and users (a terminal shows the last
// ones after a sparkline), and a line chart per figure for the HTML page.

// periodMark is a period's label for people: an incomplete one ends in *.
func periodMark(p reportPeriod) string {
	if p.complete {
		return p.label
	}
	return p.label + "*"
}

func trendsView(r *Run, s *TrendsSettings, all Segmented[TrendsResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: fmt.Sprintf("Trends by %s", s.Period)}
	if len(s.Events) == 0 {
		doc.Add("events", fmt.Sprintf("the top %d by count in the range (internal events left out)", s.Top))
	} else {
		doc.Add("events", strings.Join(s.Events, ", "))
	}
	if ps := x.periods; len(ps) > 0 {
		doc.Add("periods", fmt.Sprintf("%s, %s to %s", Plural(len(ps), s.Period), ps[0].label, ps[len(ps)-1].label))
	} else {
		doc.Add("periods", "none: no period starts inside the reporting range before as_of")
	}
	doc.Tables = all.Tables("Events", func(title string, x TrendsResult) report.Table { return trendsTotals(title, s.Period, x) })
	doc.Tables = append(doc.Tables, trendsGrid(fmt.Sprintf("Events per %s", s.Period), x, func(p TrendPoint) int64 { return p.Events }),
		trendsGrid(fmt.Sprintf("Users per %s", s.Period), x, func(p TrendPoint) int64 { return p.Users }))
	doc.Charts = []report.Chart{
		trendsChart(fmt.Sprintf("Events per %s", s.Period), x, func(p TrendPoint) int64 { return p.Events }),
		trendsChart(fmt.Sprintf("Distinct users per %s", s.Period), x, func(p TrendPoint) int64 { return p.Users }),
	}
	if ps := x.periods; len(ps) > 0 && !ps[len(ps)-1].complete {
		doc.Notes = append(doc.Notes, "* incomplete at as_of "+r.AsOf+": running counts")
	}
	if ps := x.periods; len(ps) > 0 && !ps[0].complete && r.Since != nil {
		doc.Notes = append(doc.Notes, "* the first period starts before --since, which is not read: its counts are partial")
	}
	if len(all.Segments) > 0 {
		doc.Notes = append(doc.Notes, "the tables per "+s.Period+" are of every user; each segment's series are in --format json and csv")
	}
	return doc
}

// trendsTotals are each event's events and users over the range, with a
// sparkline of its events per period (the last one incomplete, often).
func trendsTotals(title, period string, x TrendsResult) report.Table {
	t := report.Table{Title: title, Fit: report.Fit{Keep: 3}, Columns: []report.Column{{Key: "event"}, {Key: "events", Kind: report.Int},
		{Key: "users", Kind: report.Int}, {Key: "trend", Header: "events per " + period}}}
	np := len(x.periods)
	for e, ev := range x.Events {
		vals := make([]float64, np)
		for j := range vals {
			vals[j] = float64(x.Series[e*np+j].Events)
		}
		t.Rows = append(t.Rows, []any{ev.Event, ev.Events, ev.Users, report.Sparkline(vals, 40)})
	}
	return t
}

// trendsGrid is a period per row and an event per column; a terminal shows
// the last periods after a sparkline of the first event, and the first
// events that fit its width.
func trendsGrid(title string, x TrendsResult, v func(TrendPoint) int64) report.Table {
	t := report.Table{Title: title, Columns: []report.Column{{Key: "period"}}}
	for _, n := range x.names {
		t.Columns = append(t.Columns, report.Column{Key: n, Kind: report.Int})
	}
	np := len(x.periods)
	for j, p := range x.periods {
		row := []any{periodMark(p)}
		for e := range x.names {
			row = append(row, v(x.Series[e*np+j]))
		}
		t.Rows = append(t.Rows, row)
	}
	if len(x.names) > 0 {
		t = series(t, x.names[0])
	}
	t.Fit.Keep = 2
	return t
}

// trendsChart is a line per event over the periods.
func trendsChart(title string, x TrendsResult, v func(TrendPoint) int64) report.Chart {
	c := report.Chart{Kind: report.LineChart, Title: title, Unit: report.Int}
	np := len(x.periods)
	for _, p := range x.periods {
		c.Labels = append(c.Labels, periodMark(p))
	}
	for e, n := range x.names {
		se := report.Series{Name: n, Values: make([]float64, np)}
		for j := range se.Values {
			se.Values[j] = float64(v(x.Series[e*np+j]))
		}
		c.Series = append(c.Series, se)
	}
	if np > 0 && !x.periods[np-1].complete {
		c.Note = "* incomplete at as_of: running counts"
	}
	return c
}

// trendsRows are the series, one row per event and period.
func trendsRows(_ *Run, _ *TrendsSettings, x TrendsResult) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "period"}, {Key: "event"}, {Key: "events", Kind: report.Int},
		{Key: "users", Kind: report.Int}, {Key: "complete"}, {Key: "total_events", Kind: report.Int}, {Key: "total_users", Kind: report.Int}}}
	totals := map[string]TrendEvent{}
	for _, e := range x.Events {
		totals[e.Event] = e
	}
	for _, p := range x.Series { // each row carries its event's totals over the range
		tot := totals[p.Event]
		t.Rows = append(t.Rows, []any{p.Period, p.Event, p.Events, p.Users, p.Complete, tot.Events, tot.Users})
	}
	return t
}

// trendsUsers are each user's events per period and event: a cell's rows
// number its users, and their events add up to its events.
func trendsUsers(r *Run, s *TrendsSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "period"}, report.Column{Key: "event"}, report.Column{Key: "events", Kind: report.Int})}
	Trends(r, s, users, func(u int32, period, event string, events int64) {
		t.Rows = append(t.Rows, userRow(r, u, nil, period, event, events))
	})
	return t
}

// trendsHeadline names the events' totals over the range, the first three.
func trendsHeadline(_ *Run, s *TrendsSettings, all Segmented[TrendsResult]) string {
	x := all.Overall
	if len(x.periods) == 0 || len(x.Events) == 0 {
		return fmt.Sprintf("Trends by %s: no events in the range", s.Period)
	}
	out := fmt.Sprintf("Trends by %s over %s:", s.Period, Plural(len(x.periods), s.Period))
	for i, e := range x.Events[:min(3, len(x.Events))] {
		if i > 0 {
			out += ";"
		}
		out += fmt.Sprintf(" %s %s events, %s users", e.Event, report.Thousands(e.Events), report.Thousands(e.Users))
	}
	if n := len(x.Events) - 3; n > 0 {
		out += fmt.Sprintf(" (and %d more)", n)
	}
	return out
}
