package metrics

import (
	"fmt"
	"slices"
)

// ---------------------------------------------------------------------------
// Trends: events and distinct users per period (docs/metrics.md#trends)

// TrendsSettings are the trends command's flags and config keys.
type TrendsSettings struct {
	Events []string `flag:"event" list:"comma" usage:"Events to count (repeat, or comma-separated; selectors allowed); default: the --top events with the most events in the range" json:"events"`
	Top    int      `flag:"top" usage:"Without --event: how many events to count, those with the most events in the range (internal ones left out)" json:"top"`
	Period string   `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
}

// TrendEvent is one event's figures over every period of the range.
type TrendEvent struct {
	Event  string `json:"event"`
	Events int64  `json:"events"`
	Users  int64  `json:"users"`
}

// TrendPoint is one event in one period. Complete is false for a period
// as_of cuts short (and for one --since cuts, whose start is not read).
type TrendPoint struct {
	Period   string `json:"period"`
	Event    string `json:"event"`
	Events   int64  `json:"events"`
	Users    int64  `json:"users"`
	Complete bool   `json:"complete"`
}

// TrendsResult is the series of each event, every period of the range
// (zeros included), event by event, and each event's totals.
type TrendsResult struct {
	Events []TrendEvent `json:"events"`
	Series []TrendPoint `json:"series"`
	// periods and events, as the view and rows walk them
	periods []reportPeriod
	names   []string
}

// reportPeriod is one period of a report: its label, its start and end (Unix
// ns) and whether it is complete.
type reportPeriod struct {
	index      int
	label      string
	start, end int64
	complete   bool
}

// reportPeriods are the periods a period metric lists: those that start in
// [--from, --to) and before as_of, from the period of first (the read's
// first event) when there is no --from. A period is complete when it ends
// by as_of and, with --since, starts at or after it (history before since
// is not read).
func reportPeriods(cal Calendar, r Range, since *int64, first int, ok bool) []reportPeriod {
	lo := first
	if r.From != nil {
		lo = cal.Index(*r.From)
		if unixNS(cal.PeriodStart(lo)) < *r.From {
			lo++
		}
	} else if !ok {
		return nil
	}
	end := r.AsOf
	if r.To != nil && *r.To < end {
		end = *r.To
	}
	if end == minInstantNS {
		return nil
	}
	hi := cal.Index(end - 1)
	var out []reportPeriod
	for k := lo; k <= hi; k++ {
		s, e := unixNS(cal.PeriodStart(k)), unixNS(cal.PeriodStart(k+1))
		out = append(out, reportPeriod{index: k, label: cal.Label(cal.PeriodStart(k)), start: s, end: e,
			complete: r.Complete(e) && (since == nil || s >= *since)})
	}
	return out
}

const minInstantNS = -1 << 63

// trendNames are the events counted: the given ones, or the top ones of
// the periods (over every user, so that segments count the same events).
func trendNames(ep *EventPeriods, s *TrendsSettings, ps []reportPeriod) []string {
	if len(s.Events) > 0 {
		return s.Events
	}
	if len(ps) == 0 {
		return []string{}
	}
	ids := ep.TopNames(s.Top, ps[0].index, ps[len(ps)-1].index)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = ep.Names[id]
	}
	return out
}

// trendsEvents are the events counted: from the read, or from a query's
// rows (trendsFromRows).
func trendsEvents(r *Run, s *TrendsSettings) []string {
	if names, ok := r.Prepared.([]string); ok && r.Summary == nil {
		return names
	}
	return trendNames(r.Summary.(*EventPeriods), s, trendsPeriods(r))
}

// trendsPeriods are the periods trends lists.
func trendsPeriods(r *Run) []reportPeriod {
	ep := r.Summary.(*EventPeriods)
	lo, _, ok := ep.Span()
	return reportPeriods(ep.Calendar(), r.Range, r.Since, lo, ok)
}

// Trends counts, for each event and period, the events and the distinct
// users among users who did it; each, when set, sees every user's events
// of each event and period (in period, then event order).
func Trends(r *Run, s *TrendsSettings, users []int32, each func(u int32, period, event string, events int64)) TrendsResult {
	ep := r.Summary.(*EventPeriods)
	ps := trendsPeriods(r)
	names := trendNames(ep, s, ps)
	res := TrendsResult{Events: []TrendEvent{}, Series: []TrendPoint{}, periods: ps, names: names}
	k := len(names)
	slot := make([]int32, len(ep.Names)) // name id → index in names, or -1
	for i := range slot {
		slot[i] = -1
	}
	for i, n := range names {
		for id, m := range ep.Names {
			if m == n {
				slot[id] = int32(i)
			}
		}
	}
	np := len(ps)
	lo := 0
	if np > 0 {
		lo = ps[0].index
	}
	cells := np * k
	events, usersN := make([]int64, cells), make([]int64, cells)
	stamp := make([]int32, cells)
	totE, totU := make([]int64, k), make([]int64, k)
	seen := make([]int32, k)
	for i := range stamp {
		stamp[i] = -1
	}
	for i := range seen {
		seen[i] = -1
	}
	var mine []int // with each: the user's cells
	var own []int64
	if each != nil {
		own = make([]int64, cells)
	}
	add := func(u int32, per, name int32, c int64) {
		j := int(per) - lo
		if j < 0 || j >= np || int(name) >= len(slot) || slot[name] < 0 {
			return
		}
		e := slot[name]
		cell := j*k + int(e)
		events[cell] += c
		totE[e] += c
		if stamp[cell] != u {
			stamp[cell] = u
			usersN[cell]++
			if each != nil {
				mine = append(mine, cell)
				own[cell] = 0
			}
		}
		if seen[e] != u {
			seen[e] = u
			totU[e]++
		}
		if each != nil {
			own[cell] += c
		}
	}
	for _, u := range users {
		mine = mine[:0]
		for _, x := range ep.entries(u) {
			per, name, c := unpackEntry(x)
			add(u, per, name, c)
		}
		for _, b := range ep.bigBy[u] { // names past maxName: a pathological input only
			add(u, b.period, b.name, b.count)
		}
		if each != nil && len(mine) > 0 {
			slices.Sort(mine)
			for _, cell := range mine {
				each(u, ps[cell/k].label, names[cell%k], own[cell])
			}
		}
	}
	for e, n := range names {
		res.Events = append(res.Events, TrendEvent{Event: n, Events: totE[e], Users: totU[e]})
		for j, p := range ps {
			c := j*k + e
			res.Series = append(res.Series, TrendPoint{Period: p.label, Event: n, Events: events[c], Users: usersN[c], Complete: p.complete})
		}
	}
	return res
}

// TrendsMetric is events and distinct users per period (docs/metrics.md#trends).
var TrendsMetric = &Def[TrendsSettings, TrendsResult]{
	Info: Info{
		SQLHelp: trendsSQLHelp,
		Name:    "trends",
		Use:     "[FILE...]",
		Short:   "Events and distinct users per period, per event",
		Long: `For each event and each calendar period (day, week or month in --tz), the
number of events and of distinct users who did it (docs/metrics.md#trends):
the default chart of product analytics tools. Every period that starts in
[--from, --to) and before --as-of is listed, periods without events as zeros;
the period --as-of cuts short has complete: false (marked * in the table).

--event E (repeat it, or give a comma-separated list; event selectors such as
'feature_used[feature = exports]' work) names the events; without it, the
--top 10 events with the most events in the listed periods, internal events
(identify calls, selectors' events) left out. The events chosen are in params.
Users are exact distinct counts per period and event, and over the whole range.`,
		Example: `  uptake trends --demo
  uptake trends --demo --period week --event signup,report_created --by plan
  uptake trends --demo --event 'feature_used[feature = exports]' --period month
  uptake trends --demo --format json | jq '.result.series[] | select(.event == "signup")'`,
	},
	Defaults: func() TrendsSettings {
		return TrendsSettings{Top: 10, Period: "day", WeekSettings: NewWeeks()}
	},
	Check: func(s *TrendsSettings) error {
		if s.Top < 1 {
			return fmt.Errorf("--top %d: want at least 1", s.Top)
		}
		return nil
	},
	Needs: func(s *TrendsSettings) Needs {
		return Needs{Summary: EventPeriodsNeed(s.Calendar(s.Period, nil)), Refs: []Ref{{Flag: "--event", Names: s.Events}}}
	},
	Compute: func(r *Run, s *TrendsSettings, users []int32) TrendsResult {
		return Trends(r, s, users, nil)
	},
	Users: trendsUsers,
	Warnings: func(x TrendsResult) []Warning {
		if len(x.periods) == 0 {
			return []Warning{{Code: "no_periods", Message: "no period starts inside the reporting range before as_of"}}
		}
		return nil
	},
	Params: func(r *Run, s *TrendsSettings) any {
		chosen := "given"
		if len(s.Events) == 0 {
			chosen = fmt.Sprintf("the top %d non-internal events by count in the range", s.Top)
		}
		return struct {
			*TrendsSettings
			Events []string `json:"events"`
			Chosen string   `json:"events_chosen"`
		}{s, trendsEvents(r, s), chosen}
	},
	View:     trendsView,
	Rows:     trendsRows,
	SQL:      trendsSQL,
	FromRows: trendsFromRows,
	Headline: trendsHeadline,
}
