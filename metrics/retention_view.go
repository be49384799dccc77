package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// The definitions and views of the activity metrics, whose computations are
// in retention.go: retention, churn, lifecycle and engagement. Each reads
// per-user active days (Needs.Activity) and takes --active-event.

// WeekSettings are --week-start, for metrics with calendar weeks.
type WeekSettings struct {
	WeekStart string `flag:"week-start" enum:"monday,sunday" usage:"First day of a week (monday: ISO weeks)" json:"week_start"`
}

// NewWeeks returns weeks starting on Monday (ISO weeks).
func NewWeeks() WeekSettings { return WeekSettings{WeekStart: "monday"} }

// Calendar is the calendar of period in loc, with these weeks.
func (w WeekSettings) Calendar(period string, loc *time.Location) Calendar {
	return NewCalendar(Period(period), w.WeekStart, loc)
}

// activityNeeds are what a metric over all activity reads.
func activityNeeds[S any](*S) Needs { return Needs{Activity: &ActivityConfig{}} }

// ---------------------------------------------------------------------------

// RetentionSettings are the retention command's flags and config keys.
type RetentionSettings struct {
	Period string `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
	Periods     int    `flag:"periods" usage:"Offsets after the cohort period (columns 0..N)" json:"periods"`
	StartEvent  string `flag:"start-event" usage:"Event that puts a user in a cohort (default: first activity)" json:"start_event"`
	ReturnEvent string `flag:"return-event" usage:"Event that counts as a return (default: any activity)" json:"return_event"`
	Cohort      string `flag:"cohort" enum:"first-time,recurring" usage:"Cohort membership" json:"cohort"`
	Mode        string `flag:"mode" enum:"exact,unbounded" usage:"Retained at k: active at k, or at k or later" json:"mode"`
	WindowMode  string `flag:"window-mode" enum:"calendar,elapsed" usage:"Calendar periods, or brackets after each user's start" json:"window_mode"`
}

// start is the cohort's start event as output names it.
func (s *RetentionSettings) start() string {
	if s.StartEvent == "" {
		return "first activity"
	}
	return s.StartEvent
}

// returns is the return event as output names it.
func (s *RetentionSettings) returns() string {
	if s.ReturnEvent == "" {
		return "any activity"
	}
	return s.ReturnEvent
}

// RetentionMetric is cohort retention (docs/metrics.md#retention).
var RetentionMetric = &Def[RetentionSettings, RetentionResult]{
	Info: Info{
		SQLHelp: retentionSQLHelp,
		Name:    "retention",
		Use:     "[FILE...]",
		Short:   "Cohort retention table",
		Long: `The cohort retention table (docs/metrics.md#retention). A user's cohort is
the calendar period (day, week or month in --tz) of their first --start-event
(default: their first activity); with --cohort recurring a user joins a cohort
in every period in which they did the start event. Users whose first start
event is outside --from/--to are left out.

Offset k (columns 0..--periods) counts users active in calendar period cohort+k
(the spreadsheet triangle; column 0 includes the start event when it is
activity), or with --window-mode elapsed in the k-th 24 h / 7 d / 30 d bracket
after the user's own start (D1, D7, D30). --mode unbounded counts a user at k
when active at k or any later offset. Activity is any event but internal ones,
or only --active-event names; --return-event E counts only E as a return.

Cells not complete at --as-of are marked incomplete (* in the table) and left out
of the summary row, which is Σ retained / Σ eligible over complete cells. On a
terminal the rates are a colour heatmap.

With --since (history before it is missing), a first-time cohort is the users
first seen since --since, and the cohort holding --since also holds users active
before it: it is marked warm_up, "(warm-up)" in the table, and left out of the
summary row.`,
		Example: `  uptake retention --demo
  uptake retention --demo --period month --periods 5 --by plan
  uptake retention --demo --period day --periods 30 --window-mode elapsed --start-event signup
  uptake retention online_retail.csv.gz --event-name purchase --user-col CustomerID --period month \
      --where 'InvoiceNo !~ ^C' --where 'Quantity > 0' --where 'CustomerID != ""'
  uptake retention --demo --format json | jq '.result.summary[] | {offset, rate: .rate.value}'`,
		ActiveEvents: true,
		CompareFlags: []string{"offset"},
	},
	Defaults: func() RetentionSettings {
		return RetentionSettings{Period: "week", WeekSettings: NewWeeks(), Periods: 8, Cohort: "first-time", Mode: "exact", WindowMode: "calendar"}
	},
	Check: func(s *RetentionSettings) error {
		if s.Periods < 0 || s.Periods > 1000 {
			return fmt.Errorf("--periods %d: want 0 to 1000", s.Periods)
		}
		return nil
	},
	Needs: func(s *RetentionSettings) Needs {
		cfg := &ActivityConfig{StartEvent: s.StartEvent, ReturnEvent: s.ReturnEvent}
		if s.WindowMode == "elapsed" {
			cfg.ElapsedUnit = elapsedUnit(Period(s.Period))
		}
		if s.Cohort == "recurring" {
			cal := s.Calendar(s.Period, nil) // in the activity's zone
			cfg.StartPeriods = &cal
		}
		return Needs{Activity: cfg, Refs: []Ref{{Flag: "--start-event", Names: []string{s.StartEvent}},
			{Flag: "--return-event", Names: []string{s.ReturnEvent}}}}
	},
	Compute: func(r *Run, s *RetentionSettings, users []int32) RetentionResult {
		return Retention(r.Activity, users, retentionParams(r, s))
	},
	Users:    retentionUsers,
	Outcome:  retentionOutcome,
	Warnings: func(x RetentionResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *RetentionSettings) any {
		return struct {
			*RetentionSettings
			StartEvent  string `json:"start_event"`
			ReturnEvent string `json:"return_event"`
			Incomplete  string `json:"incomplete"`
		}{s, s.start(), s.returns(), "mark"}
	},
	View:     retentionView,
	Rows:     retentionRows,
	SQL:      retentionSQL,
	FromRows: retentionFromRows,
	Headline: func(_ *Run, s *RetentionSettings, all Segmented[RetentionResult]) string {
		// the first offset after the cohort's own, and the last complete one
		var parts []string
		sum := all.Overall.Summary
		last := -1
		for i, c := range sum {
			if c.Offset > 0 && c.Status == "complete" && c.Rate.Value != nil {
				last = i
				if len(parts) == 0 {
					parts = append(parts, fmt.Sprintf("%s %d %s", s.Period, c.Offset, PropText(c.Rate)))
				}
			}
		}
		if last >= 0 && sum[last].Offset > 1 {
			parts = append(parts, fmt.Sprintf("%s %d %s", s.Period, sum[last].Offset, PropText(sum[last].Rate)))
		}
		if len(parts) == 0 {
			parts = []string{"no complete period yet"}
		}
		return fmt.Sprintf("Retention by %s cohort: %s", s.Period, strings.Join(parts, "; "))
	},
}

func retentionView(r *Run, s *RetentionSettings, all Segmented[RetentionResult]) report.Doc {
	recurring := s.Cohort == "recurring"
	doc := report.Doc{Title: fmt.Sprintf("Retention by %s cohort (%s, %s, %s)", s.Period, s.Cohort, s.Mode, s.WindowMode)}
	cohort := "first " + s.StartEvent
	if s.StartEvent == "" {
		cohort = s.start()
	}
	if recurring {
		cohort = "start events (recurring)"
	}
	doc.Add("cohort", fmt.Sprintf("the %s of each user's %s", s.Period, cohort))
	cols := all.Overall.Columns
	doc.Add("retained", "did "+s.returns()+" in "+cols[min(1, len(cols)-1)].Window+" (column 1; see the notes)")
	doc.Tables = append(doc.Tables, all.Tables("Cohorts", retentionTable)...)
	doc.Charts = retentionCharts(all.Overall)
	for _, c := range cols {
		doc.Notes = append(doc.Notes, fmt.Sprintf("column %d: %s", c.Offset, c.Window))
	}
	doc.Notes = append(doc.Notes, "* incomplete at as_of "+r.AsOf+": running numbers, left out of the summary row")
	if cs := all.Overall.Cohorts; len(cs) > 0 && cs[0].Status == "warm_up" {
		doc.Notes = append(doc.Notes, "warm-up: the cohort holding --since may hold users active before it; left out of the summary row")
	}
	return doc
}

// retentionTable is the cohort triangle: a heatmap of rates, incomplete
// cells marked *, cells not started yet blank, and the summary row.
func retentionTable(title string, x RetentionResult) report.Table {
	// the later offsets give way on a narrow terminal
	t := report.Table{Title: title, Columns: []report.Column{{Key: "cohort"}, {Key: "size", Kind: report.Int}}, Fit: report.Fit{Keep: 3}}
	for _, c := range x.Columns {
		t.Columns = append(t.Columns, report.Column{Key: strconv.Itoa(c.Offset), Kind: report.Percent})
	}
	for _, c := range x.Cohorts {
		label := c.Cohort
		if c.Status == "warm_up" {
			label += " (warm-up)"
		}
		row := []any{label, c.Size}
		for _, p := range c.Periods {
			switch {
			case p.NotStarted:
				row = append(row, "")
			case p.Status == "incomplete":
				row = append(row, report.Heat{Value: p.Rate.Value, Mark: "*"})
			default:
				row = append(row, report.Heat{Value: p.Rate.Value})
			}
		}
		t.Rows = append(t.Rows, row)
	}
	sum := []any{"all (complete)", nil}
	for _, p := range x.Summary {
		sum = append(sum, report.Heat{Value: p.Rate.Value})
	}
	t.Rows = append(t.Rows, sum)
	return t
}

// retentionCharts are the cohort heatmap (incomplete cells marked, cells
// not started empty) and the summary curve with its intervals.
func retentionCharts(x RetentionResult) []report.Chart {
	heat := report.Chart{Kind: report.HeatmapChart, Title: "Retention by cohort and offset", Unit: report.Percent,
		Note: "* incomplete: running numbers; dashed cells are not final"}
	for _, c := range x.Columns {
		heat.Columns = append(heat.Columns, strconv.Itoa(c.Offset))
	}
	for _, c := range x.Cohorts {
		label := fmt.Sprintf("%s (%s)", c.Cohort, report.Thousands(c.Size))
		if c.Status == "warm_up" {
			label += " warm-up"
		}
		row := make([]report.Heat, len(c.Periods))
		for i, p := range c.Periods {
			if p.NotStarted {
				continue
			}
			row[i].Value = p.Rate.Value
			if p.Status == "incomplete" {
				row[i].Mark = "*"
			}
		}
		heat.Labels, heat.Cells = append(heat.Labels, label), append(heat.Cells, row)
	}
	curve := report.Chart{Kind: report.LineChart, Title: "Retention curve (complete cells; band: interval)", Unit: report.Percent}
	se := report.Series{Name: "retained"}
	for _, p := range x.Summary {
		curve.Labels = append(curve.Labels, strconv.Itoa(p.Offset))
		e := propEstimate(p.Rate)
		se.Values, se.Low, se.High = append(se.Values, e.Value), append(se.Low, e.Low), append(se.High, e.High)
	}
	curve.Series = []report.Series{se}
	return []report.Chart{heat, curve}
}

// retentionRows are one row per cohort × offset, then the summary's
// (cohort "(all)").
func retentionRows(_ *Run, _ *RetentionSettings, x RetentionResult) report.Table {
	t := report.Table{Columns: append(append([]report.Column{{Key: "cohort"}, {Key: "size", Kind: report.Int}, {Key: "offset", Kind: report.Int},
		{Key: "eligible", Kind: report.Int}, {Key: "retained", Kind: report.Int}}, CICols("rate")...), report.Column{Key: "status"},
		report.Column{Key: "no_start_event", Kind: report.Int})}
	for _, c := range x.Cohorts {
		for _, p := range c.Periods {
			t.Rows = append(t.Rows, append(append([]any{c.Cohort, c.Size, p.Offset, p.Eligible, p.Retained}, CIVals(p.Rate)...), p.Status, nil))
		}
	}
	for _, p := range x.Summary { // the summary rows carry the users no cohort counts
		t.Rows = append(t.Rows, append(append([]any{"(all)", nil, p.Offset, p.Eligible, p.Retained}, CIVals(p.Rate)...), p.Status, x.NoStart))
	}
	return t
}

// ---------------------------------------------------------------------------

// ChurnSettings are the churn command's flags and config keys.
type ChurnSettings struct {
	Period string `flag:"period" enum:"week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
}

// ChurnMetric is period churn of active users (docs/metrics.md#churn).
var ChurnMetric = &Def[ChurnSettings, ChurnResult]{
	Info: Info{
		SQLHelp: churnSQLHelp,
		Name:    "churn",
		Use:     "[FILE...]",
		Short:   "Period retention and churn of active users",
		Long: `Per period P: the users active in the previous period (start_users), how many
were active again in P (retained), and churn = churned / start_users with a
Wilson interval (docs/metrics.md#churn, activity basis). Users new in P are in
neither. The current, incomplete period is left out.`,
		Example: `  uptake churn --demo
  uptake churn --demo --period week --by plan
  uptake churn --demo --format json | jq '.result.periods[] | {period, churn: .churn_rate.value}'`,
		ActiveEvents: true,
	},
	Rows:     churnRows,
	SQL:      churnSQL,
	FromRows: churnFromRows,
	Defaults: func() ChurnSettings { return ChurnSettings{Period: "month", WeekSettings: NewWeeks()} },
	Needs:    activityNeeds[ChurnSettings],
	Compute: func(r *Run, s *ChurnSettings, users []int32) ChurnResult {
		return Churn(r.Activity, users, s.Calendar(s.Period, r.Loc), r.Range, r.Level)
	},
	Users: func(r *Run, s *ChurnSettings, users []int32) report.Table {
		return periodUsers(r, func(each func(int32, string, string)) {
			churn(r.Activity, users, s.Calendar(s.Period, r.Loc), r.Range, r.Level, each)
		})
	},
	Warnings: func(x ChurnResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *ChurnSettings) any {
		return struct {
			*ChurnSettings
			Basis string `json:"basis"`
		}{s, "activity"}
	},
	Headline: func(_ *Run, s *ChurnSettings, all Segmented[ChurnResult]) string {
		ps := all.Overall.Periods
		if len(ps) == 0 {
			return fmt.Sprintf("Churn by %s: no complete period yet", s.Period)
		}
		p := ps[len(ps)-1]
		return fmt.Sprintf("Churn by %s: %s %s of the %s active the %s before", s.Period, p.Period, PropText(p.ChurnRate), report.Thousands(p.StartUsers), s.Period)
	},
	View: func(_ *Run, s *ChurnSettings, all Segmented[ChurnResult]) report.Doc {
		doc := report.Doc{Title: fmt.Sprintf("Churn by %s (activity basis)", s.Period)}
		doc.Tables = all.Tables("Periods", churnTable)
		doc.Charts = []report.Chart{intervalsOf("Churn rate by "+s.Period, all.Overall.Periods,
			func(p ChurnPeriod) (string, Proportion) { return p.Period, p.ChurnRate })}
		return doc
	},
}

// churnRows are one row per period, both rates with their intervals.
func churnRows(_ *Run, _ *ChurnSettings, x ChurnResult) report.Table {
	t := report.Table{Columns: slices.Concat([]report.Column{{Key: "period"}, {Key: "start_users", Kind: report.Int}, {Key: "retained", Kind: report.Int},
		{Key: "churned", Kind: report.Int}}, CICols("churn_rate"), CICols("retention_rate"), []report.Column{{Key: "active", Kind: report.Int},
		{Key: "incomplete_period"}})}
	// the period as_of falls in is no row: each row names it (the warning)
	var cut any
	if x.Incomplete != "" {
		cut = x.Incomplete
	}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, slices.Concat([]any{p.Period, p.StartUsers, p.Retained, p.Churned}, CIVals(p.ChurnRate), CIVals(p.RetentionRate), []any{p.Active, cut}))
	}
	return t
}

func churnTable(title string, x ChurnResult) report.Table {
	t := report.Table{Title: title, Columns: append(append([]report.Column{{Key: "period"}, {Key: "start_users", Header: "active before", Kind: report.Int},
		{Key: "retained", Kind: report.Int}, {Key: "churned", Kind: report.Int}}, CICols("churn_rate")...),
		report.Column{Key: "retention_rate", Header: "retention", Kind: report.Percent})}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, append(append([]any{p.Period, p.StartUsers, p.Retained, p.Churned}, CIVals(p.ChurnRate)...), p.RetentionRate.Value))
	}
	return series(t, "churn_rate")
}

// ---------------------------------------------------------------------------

// LifecycleSettings are the lifecycle command's flags and config keys.
type LifecycleSettings struct {
	Period string `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
}

// LifecycleMetric is the lifecycle of active users (docs/metrics.md#lifecycle).
var LifecycleMetric = &Def[LifecycleSettings, LifecycleResult]{
	Info: Info{
		SQLHelp: lifecycleSQLHelp,
		Name:    "lifecycle",
		Use:     "[FILE...]",
		Short:   "New, returning, resurrecting and dormant users per period",
		Long: `Classifies the users active in each period (docs/metrics.md#lifecycle): new
(first seen in the period), returning (also active in the previous period),
resurrecting (active again after a gap), and dormant (active in the previous
period, not in this one; a positive count in JSON, negative in the table). Pulse is
(new + resurrecting) / dormant.

First seen is over the whole input, which is assumed to hold each user's whole
history. With --since (history before it is missing), the first period is a
warm-up with no breakdown and "new" means first seen since --since.`,
		Example: `  uptake lifecycle --demo
  uptake lifecycle --demo --period month --since 2024-02-01
  uptake lifecycle --demo --format json | jq '.result.periods[-1]'`,
		ActiveEvents: true,
	},
	Rows:     lifecycleRows,
	SQL:      lifecycleSQL,
	FromRows: lifecycleFromRows,
	Defaults: func() LifecycleSettings { return LifecycleSettings{Period: "week", WeekSettings: NewWeeks()} },
	Needs:    activityNeeds[LifecycleSettings],
	Compute: func(r *Run, s *LifecycleSettings, users []int32) LifecycleResult {
		return Lifecycle(r.Activity, users, s.Calendar(s.Period, r.Loc), r.Range, r.Since)
	},
	Users: func(r *Run, s *LifecycleSettings, users []int32) report.Table {
		return periodUsers(r, func(each func(int32, string, string)) {
			lifecycle(r.Activity, users, s.Calendar(s.Period, r.Loc), r.Range, r.Since, each)
		})
	},
	Warnings: func(x LifecycleResult) []Warning { return x.Warnings },
	Headline: func(_ *Run, s *LifecycleSettings, all Segmented[LifecycleResult]) string {
		var last *LifecyclePeriod
		for i := range all.Overall.Periods {
			if p := &all.Overall.Periods[i]; p.Status == "complete" {
				last = p
			}
		}
		if last == nil {
			return fmt.Sprintf("Lifecycle by %s: no complete period yet", s.Period)
		}
		pulse := "–"
		if last.Pulse != nil {
			pulse = strconv.FormatFloat(*last.Pulse, 'f', 2, 64)
		}
		return fmt.Sprintf("Lifecycle by %s: %s: %s new, %s returning, %s resurrecting, %s dormant (pulse %s)", s.Period, last.Period,
			report.Thousands(last.New), report.Thousands(last.Returning), report.Thousands(last.Resurrecting), report.Thousands(last.Dormant), pulse)
	},
	View: func(_ *Run, s *LifecycleSettings, all Segmented[LifecycleResult]) report.Doc {
		doc := report.Doc{Title: fmt.Sprintf("Lifecycle by %s", s.Period), Notes: []string{"assumption: " + all.Overall.Assumption}}
		doc.Tables = all.Tables("Periods", lifecycleTable)
		doc.Charts = []report.Chart{lifecycleChart(s.Period, all.Overall)}
		return doc
	},
}

// lifecycleChart piles up the active users of each period by kind,
// returning at the base, and the dormant below zero; a warm-up period has
// no bars.
func lifecycleChart(period string, x LifecycleResult) report.Chart {
	c := report.Chart{Kind: report.BarChart, Stacked: true, Title: "Users by lifecycle per " + period, Unit: report.Int}
	kinds := []struct {
		name  string
		tone  report.Tone
		count func(LifecyclePeriod) int64
	}{
		{"returning", report.ToneDefault, func(p LifecyclePeriod) int64 { return p.Returning }},
		{"new", report.ToneGood, func(p LifecyclePeriod) int64 { return p.New }},
		{"resurrecting", report.ToneDefault, func(p LifecyclePeriod) int64 { return p.Resurrecting }},
		{"dormant", report.ToneBad, func(p LifecyclePeriod) int64 { return -p.Dormant }},
	}
	for _, k := range kinds {
		se := report.Series{Name: k.name, Tone: k.tone}
		for _, p := range x.Periods {
			v := float64(k.count(p))
			if p.Status == "warm_up" {
				v = math.NaN()
			}
			se.Values = append(se.Values, v)
		}
		c.Series = append(c.Series, se)
	}
	for _, p := range x.Periods {
		c.Labels = append(c.Labels, p.Period)
	}
	return c
}

// lifecycleTable shows dormant users negative; a warm-up period has no
// breakdown.
func lifecycleTable(title string, x LifecycleResult) report.Table {
	t := series(lifecycleCounts(x, -1), "active")
	t.Title = title
	return t
}

// lifecycleRows are the periods with dormant users positive, as in JSON.
func lifecycleRows(_ *Run, _ *LifecycleSettings, x LifecycleResult) report.Table {
	return lifecycleCounts(x, 1)
}

// lifecycleCounts are the periods, dormant users counted with sign.
func lifecycleCounts(x LifecycleResult, dormant int64) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "period"}, {Key: "active", Kind: report.Int}, {Key: "new", Kind: report.Int},
		{Key: "returning", Kind: report.Int}, {Key: "resurrecting", Kind: report.Int}, {Key: "dormant", Kind: report.Int},
		{Key: "pulse", Kind: report.Float}, {Key: "status"}}}
	for _, p := range x.Periods {
		if p.Status == "warm_up" {
			t.Rows = append(t.Rows, []any{p.Period, p.Active, nil, nil, nil, nil, nil, p.Status})
			continue
		}
		t.Rows = append(t.Rows, []any{p.Period, p.Active, p.New, p.Returning, p.Resurrecting, dormant * p.Dormant, p.Pulse, p.Status})
	}
	return t
}

// ---------------------------------------------------------------------------

// engagementCharts are DAU, WAU and MAU over the days, and the histogram
// of active intervals.
func engagementCharts(interval string, x EngagementResult) []report.Chart {
	lines := report.Chart{Kind: report.LineChart, Title: "Daily, weekly and monthly active users", Unit: report.Int,
		Series: []report.Series{{Name: "DAU"}, {Name: "WAU"}, {Name: "MAU"}}}
	for _, d := range x.Days {
		lines.Labels = append(lines.Labels, d.Day)
		for i, v := range []int64{d.DAU, d.WAU, d.MAU} {
			lines.Series[i].Values = append(lines.Series[i].Values, float64(v))
		}
	}
	if len(x.Days) > 0 && x.Days[0].Status == "incomplete_lookback" {
		lines.Note = "the first days' WAU and MAU undercount: their lookback reaches before the start of history"
	}
	hist := report.Chart{Kind: report.BarChart, Title: "Users by active " + interval + "s in the range", Unit: report.Int,
		Series: []report.Series{{Name: "users"}}}
	for _, b := range x.Histogram {
		hist.Labels = append(hist.Labels, strconv.Itoa(b.Intervals))
		hist.Series[0].Values = append(hist.Series[0].Values, float64(b.Users))
	}
	if x.Histogram == nil { // from SQL rows
		return []report.Chart{lines}
	}
	return []report.Chart{lines, hist}
}

// EngagementSettings are the engagement command's flags and config keys.
type EngagementSettings struct {
	MAUWindow string `flag:"mau-window" enum:"30,28,calendar-month" usage:"MAU window" json:"mau_window"`
	Interval  string `flag:"interval" enum:"day,week,month" usage:"Histogram interval" json:"interval"`
	WeekSettings
	MinEvents  int    `flag:"min-events" usage:"Activity events an interval needs to count in the histogram" json:"min_events"`
	Stickiness string `flag:"stickiness" enum:"mean-of-ratios,ratio-of-means" usage:"How daily ratios combine over the range" json:"stickiness"`
}

// EngagementMetric is DAU, WAU, MAU and stickiness (docs/metrics.md#engagement).
var EngagementMetric = &Def[EngagementSettings, EngagementResult]{
	Info: Info{
		SQLHelp: engagementSQLHelp,
		Name:    "engagement",
		Use:     "[FILE...]",
		Short:   "DAU, WAU, MAU, stickiness and the active-days histogram",
		Long: `Per calendar day in --tz (docs/metrics.md#engagement): DAU, WAU (the 7 days
ending that day), MAU (the 30 days ending that day; --mau-window 28, or
calendar-month for the month to date), all counts of distinct users, and
stickiness = DAU/MAU. Days whose lookback reaches before the start of history
(--since, default the first event) are marked incomplete_lookback and left out
of the range stickiness, which is the mean of the daily ratios (or
--stickiness ratio-of-means).

The histogram counts users by how many intervals of the reporting range
(--interval day|week|month; partial first and last intervals included) they
were active in, where an interval counts only with at least --min-events
activity events.`,
		Example: `  uptake engagement --demo
  uptake engagement --demo --interval week --min-events 3 --from 2024-03-01 --to 2024-06-01
  uptake engagement --demo --format json | jq '.result.stickiness'`,
		ActiveEvents: true,
		FlagUsage:    map[string]string{"week-start": "First day of a week"},
	},
	Defaults: func() EngagementSettings {
		return EngagementSettings{MAUWindow: "30", Interval: "day", WeekSettings: NewWeeks(), MinEvents: 1, Stickiness: "mean-of-ratios"}
	},
	Check: func(s *EngagementSettings) error {
		if s.MinEvents < 1 {
			return fmt.Errorf("--min-events must be at least 1, got %d", s.MinEvents)
		}
		return nil
	},
	Needs: activityNeeds[EngagementSettings],
	Compute: func(r *Run, s *EngagementSettings, users []int32) EngagementResult {
		return Engagement(r.Activity, users, engagementParams(r, s))
	},
	Users:    engagementUsers,
	Warnings: func(x EngagementResult) []Warning { return x.Warnings },
	View:     engagementView,
	Rows:     engagementRows,
	SQL:      engagementSQL,
	FromRows: engagementFromRows,
}

// engagementRows are the days.
func engagementRows(_ *Run, _ *EngagementSettings, x EngagementResult) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "day"}, {Key: "dau", Kind: report.Int}, {Key: "wau", Kind: report.Int},
		{Key: "mau", Kind: report.Int}, {Key: "stickiness", Kind: report.Percent}, {Key: "status"}}}
	for _, d := range x.Days {
		t.Rows = append(t.Rows, []any{d.Day, d.DAU, d.WAU, d.MAU, d.Stickiness, d.Status})
	}
	return t
}

func engagementView(r *Run, s *EngagementSettings, all Segmented[EngagementResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: "Engagement"}
	st := "–"
	if x.Stickiness != nil {
		st = report.Pct(*x.Stickiness)
	}
	doc.Add("stickiness (DAU/MAU)", fmt.Sprintf("%s, %s over %d complete days", st, x.StickinessMethod, x.CompleteDays))
	if x.MeanDAU != nil {
		doc.Add("mean DAU / MAU", fmt.Sprintf("%.1f / %.1f", *x.MeanDAU, *x.MeanMAU))
	}
	if x.Intervals != nil {
		hist := report.Table{Title: fmt.Sprintf("Active %ss in the range (%d %ss; at least %s each)", s.Interval, *x.Intervals, s.Interval, Plural(s.MinEvents, "event")),
			Columns: []report.Column{{Key: "intervals", Header: s.Interval + "s", Kind: report.Int}, {Key: "users", Kind: report.Int}, {Key: "users_at_least", Header: "at least", Kind: report.Int}}}
		for _, b := range x.Histogram {
			hist.Rows = append(hist.Rows, []any{b.Intervals, b.Users, b.UsersAtLeast})
		}
		doc.Tables = append(doc.Tables, series(hist, "users"))
	} else {
		doc.Notes = append(doc.Notes, "the active-days histogram is computed by uptake from events, not by the query")
	}
	doc.Tables = append(doc.Tables, all.Tables("Days", func(title string, x EngagementResult) report.Table {
		t := series(engagementRows(r, s, x), "dau")
		t.Title = title
		return t
	})...)
	doc.Charts = engagementCharts(s.Interval, x)
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + r.By, Columns: []report.Column{{Key: "segment"}, {Key: "stickiness", Kind: report.Percent},
			{Key: "mean_dau", Header: "mean DAU", Kind: report.Float}, {Key: "mean_mau", Header: "mean MAU", Kind: report.Float}}}
		for _, sr := range all.Segments {
			t.Rows = append(t.Rows, []any{sr.Name, sr.Result.Stickiness, sr.Result.MeanDAU, sr.Result.MeanMAU})
		}
		doc.Tables = append(doc.Tables, t)
	}
	doc.Notes = append(doc.Notes, "stickiness above 20% is often called good; it is a rule of thumb, not a verdict")
	return doc
}

func retentionParams(r *Run, s *RetentionSettings) RetentionParams {
	return RetentionParams{Cal: s.Calendar(s.Period, r.Loc), Periods: s.Periods,
		Recurring: s.Cohort == "recurring", Unbounded: s.Mode == "unbounded", Elapsed: s.WindowMode == "elapsed",
		Range: r.Range, Level: r.Level, Since: r.Since}
}

// retentionUsers are Retention's users in their cohorts: those with
// size_counted make the cohort's size, and offset_k is 1 (retained), 0 or
// blank (not observable yet), so that a cohort's offset_k sum to its
// cell's retained and its non-blank offset_k to the cell's eligible.
func retentionUsers(r *Run, s *RetentionSettings, users []int32) report.Table {
	own := []report.Column{{Key: "size_counted"}}
	for k := 0; k <= s.Periods; k++ {
		own = append(own, report.Column{Key: fmt.Sprintf("offset_%d", k), Kind: report.Int})
	}
	t := report.Table{Columns: userCols(true, append(own, report.Column{Key: "status"})...)}
	p := retentionParams(r, s)
	p.each = func(o retentionUser) {
		row := []any{o.status == "counted"}
		for k := 0; k <= s.Periods; k++ {
			var v any
			if k < len(o.offsets) && o.offsets[k] >= 0 {
				v = int(o.offsets[k])
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, userRow(r, o.user, &o.cohort, append(row, o.status)...))
	}
	Retention(r.Activity, users, p)
	return t
}

// periodUsers are the rows a period metric's compute shows each: a user,
// a period of the table, the user's state in it.
func periodUsers(r *Run, compute func(each func(u int32, period, state string))) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "period"}, report.Column{Key: "state"})}
	compute(func(u int32, period, state string) {
		t.Rows = append(t.Rows, userRow(r, u, nil, period, state))
	})
	return t
}

func engagementParams(r *Run, s *EngagementSettings) EngagementParams {
	return EngagementParams{MAUWindow: s.MAUWindow, Stickiness: s.Stickiness,
		Interval: s.Calendar(s.Interval, r.Loc), MinEvents: s.MinEvents, Range: r.Range, Since: r.Since}
}

// engagementUsers are the users of the histogram: the intervals of the
// range each was active in (those with k count to the bin of k), and
// their first and last active day in the range.
func engagementUsers(r *Run, s *EngagementSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "active_intervals", Kind: report.Int},
		report.Column{Key: "first_active_day"}, report.Column{Key: "last_active_day"})}
	p := engagementParams(r, s)
	loc := r.Activity.Loc()
	p.each = func(u int32, k int, first, last int32, ok bool) {
		var f, l any
		if ok {
			f, l = dayStart(int(first), loc).Format("2006-01-02"), dayStart(int(last), loc).Format("2006-01-02")
		}
		t.Rows = append(t.Rows, userRow(r, u, nil, k, f, l))
	}
	Engagement(r.Activity, users, p)
	return t
}
