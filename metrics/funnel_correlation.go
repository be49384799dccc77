package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/report"
)

// Funnel correlation (docs/metrics.md#funnel-correlation): which events,
// or which user property values, go with converting and which with
// dropping off, as PostHog computes it so that the two can be checked
// against each other, plus the test PostHog leaves out. Among the users
// counted in the funnel, S converted and F dropped off; of them s and f
// did the event (or have the value). The odds ratio, with one added to
// every cell (PostHog's prior), is ((s+1)·(F−f+1)) / ((S−s+1)·(f+1)).

// Thresholds of a correlation row: a row with fewer than
// min(CorrelationMinUsers, CorrelationMinShare·(S+F)) users is left out.
const (
	CorrelationMinUsers = 25
	CorrelationMinShare = 0.02
	// correlationSkew is the ratio of S to F (or F to S) above which the
	// totals are skewed, as PostHog warns.
	correlationSkew = 10
)

// CorrelationRow is one event (or, in PropertyCorrelationRow, property
// value) with the users who converted and who dropped off having done it,
// the odds ratio, its direction, and Fisher's exact test of the 2×2 table
// with its Holm-adjusted p over the rows of the list.
type CorrelationRow struct {
	Event           string   `json:"event"`
	SuccessCount    int64    `json:"success_count"`
	FailureCount    int64    `json:"failure_count"`
	OddsRatio       float64  `json:"odds_ratio"`
	CorrelationType string   `json:"correlation_type"` // success (odds ratio > 1) or failure
	PValue          *float64 `json:"p_value"`
	PAdjusted       *float64 `json:"p_adjusted"`
}

// PropertyCorrelationRow is a user property's value as a correlation row,
// its event named property::value as PostHog names it.
type PropertyCorrelationRow struct {
	Property string `json:"property"`
	Value    string `json:"value"`
	CorrelationRow
}

// CorrelationTotals are the users a correlation compares: who converted
// (S) and who dropped off (F), the least users a row needs, how many rows
// that left out, and whether the totals are skewed (one more than ten
// times the other).
type CorrelationTotals struct {
	Success    int64    `json:"success"`
	Failure    int64    `json:"failure"`
	MinUsers   float64  `json:"min_users"`
	EventsLeft int      `json:"events_left_out"`
	ValuesLeft int      `json:"values_left_out"`
	Skewed     bool     `json:"skewed"`
	Excluded   []string `json:"excluded_events"` // the funnel's steps
}

// corrUser is a user counted in a funnel: the events strictly between
// from (their entry) and to (their conversion, or their window's end when
// they dropped off) are theirs.
type corrUser struct {
	user      int32
	from, to  int64
	converted bool
}

// oddsRatio is PostHog's odds ratio with a prior of one per cell.
func oddsRatio(s, f, S, F int64) float64 {
	return float64((s+1)*(F-f+1)) / float64((S-s+1)*(f+1))
}

// correlationRow builds the row of an event (or value) done by s of the S
// who converted and f of the F who dropped off.
func correlationRow(event string, s, f, S, F int64) CorrelationRow {
	r := CorrelationRow{Event: event, SuccessCount: s, FailureCount: f, OddsRatio: oddsRatio(s, f, S, F), CorrelationType: "failure"}
	if r.OddsRatio > 1 {
		r.CorrelationType = "success"
	}
	if S > 0 && F > 0 {
		r.PValue = Ptr(FisherExactP(Counts{X: s, N: S}, Counts{X: f, N: F}))
	}
	return r
}

// minCorrelationUsers is the least users (s + f) a row needs among total.
func minCorrelationUsers(total int64) float64 {
	return math.Min(CorrelationMinUsers, CorrelationMinShare*float64(total))
}

// rankCorrelation orders rows as PostHog does, success rows by odds ratio
// from the highest, then failure rows from the lowest (ties by name), and
// sets each row's Holm-adjusted p over the list.
func rankCorrelation[T any](rows []T, row func(*T) *CorrelationRow) {
	slices.SortStableFunc(rows, func(a, b T) int {
		x, y := row(&a), row(&b)
		if x.CorrelationType != y.CorrelationType {
			if x.CorrelationType == "success" {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(x.OddsRatio, y.OddsRatio); c != 0 {
			if x.CorrelationType == "success" {
				return -c
			}
			return c
		}
		return strings.Compare(x.Event, y.Event)
	})
	p := make([]float64, len(rows))
	for i := range rows {
		p[i] = math.NaN()
		if v := row(&rows[i]).PValue; v != nil {
			p[i] = *v
		}
	}
	for i, v := range Holm(p) {
		if !math.IsNaN(v) {
			row(&rows[i]).PAdjusted = Ptr(v)
		}
	}
}

// eventCorrelation counts, per event, the users who did it in their span
// (corrUser), leaving out the funnel's steps and events that are no user
// behaviour (Log.Behaviour).
func eventCorrelation(l *Log, us []corrUser, steps []int32, S, F int64) ([]CorrelationRow, int) {
	succ := make([]int64, len(l.Names))
	fail := make([]int64, len(l.Names))
	mark := make([]int32, len(l.Names)) // the last user (index + 1) counted for an event
	skip := make([]bool, len(l.Names))
	for id := range l.Names {
		skip[id] = slices.Contains(steps, int32(id)) || !l.Behaviour(int32(id))
	}
	for k, o := range us {
		ts, ns := l.Events(o.user)
		i, _ := slices.BinarySearch(ts, o.from+1) // strictly after the entry
		for ; i < len(ts) && ts[i] < o.to; i++ {
			id := ns[i]
			if skip[id] || mark[id] == int32(k+1) {
				continue
			}
			mark[id] = int32(k + 1)
			if o.converted {
				succ[id]++
			} else {
				fail[id]++
			}
		}
	}
	rows := []CorrelationRow{}
	least := minCorrelationUsers(S + F)
	left := 0
	for id, name := range l.Names {
		n := succ[id] + fail[id]
		switch {
		case n == 0:
		case float64(n) < least:
			left++
		default:
			rows = append(rows, correlationRow(name, succ[id], fail[id], S, F))
		}
	}
	return rows, left
}

// propertyCorrelation counts, per value of each property (a user's
// first-seen value, "" for none, as --by reads it), the users who have it.
func propertyCorrelation(props []string, values map[string][]string, us []corrUser, S, F int64) ([]PropertyCorrelationRow, int) {
	rows := []PropertyCorrelationRow{}
	least := minCorrelationUsers(S + F)
	left := 0
	for _, p := range props {
		vals := values[p]
		type tally struct{ s, f int64 }
		counts := map[string]*tally{}
		for _, o := range us {
			v := ""
			if int(o.user) < len(vals) {
				v = vals[o.user]
			}
			c := counts[v]
			if c == nil {
				c = &tally{}
				counts[v] = c
			}
			if o.converted {
				c.s++
			} else {
				c.f++
			}
		}
		for v, c := range counts {
			if float64(c.s+c.f) < least {
				left++
				continue
			}
			rows = append(rows, PropertyCorrelationRow{Property: p, Value: v, CorrelationRow: correlationRow(p+"::"+v, c.s, c.f, S, F)})
		}
	}
	return rows, left
}

// correlate adds the correlation of the counted users us to res.
func correlate(l *Log, res *FunnelResult, p FunnelParams, ids []int32, us []corrUser) {
	var S, F int64
	for _, o := range us {
		if o.converted {
			S++
		} else {
			F++
		}
	}
	tot := &CorrelationTotals{Success: S, Failure: F, MinUsers: minCorrelationUsers(S + F), Excluded: slices.Clone(p.Steps)}
	tot.Skewed = S > 0 && F > 0 && (S > correlationSkew*F || F > correlationSkew*S)
	res.CorrelationTotals = tot
	if p.Correlation {
		rows, left := eventCorrelation(l, us, ids, S, F)
		tot.EventsLeft = left
		if S == 0 || F == 0 {
			rows = []CorrelationRow{}
		}
		rankCorrelation(rows, func(r *CorrelationRow) *CorrelationRow { return r })
		res.Correlation = &rows
	}
	if len(p.CorrelationProps) > 0 {
		rows, left := propertyCorrelation(p.CorrelationProps, p.UserProps, us, S, F)
		tot.ValuesLeft = left
		if S == 0 || F == 0 {
			rows = []PropertyCorrelationRow{}
		}
		rankCorrelation(rows, func(r *PropertyCorrelationRow) *CorrelationRow { return &r.CorrelationRow })
		res.PropertyCorrelation = &rows
	}
	switch {
	case S == 0 || F == 0:
		who := "no user converted"
		if F == 0 {
			who = "every user converted"
		}
		if S+F == 0 {
			who = "no user is in the funnel"
		}
		res.Warnings = append(res.Warnings, Warning{Code: "correlation_one_sided",
			Message: who + ", so nothing can go with converting rather than dropping off: the correlation is empty"})
	case tot.Skewed:
		res.Warnings = append(res.Warnings, Warning{Code: "correlation_skewed",
			Message: fmt.Sprintf("%d users converted and %d dropped off (more than 10 to 1): odds ratios of rare events swing widely; read the p-values", S, F)})
	}
}

// correlationTables are the correlation's tables for people: what goes
// with converting and what with dropping off, the first ten of each (all
// with --all).
func correlationTables(res FunnelResult) []report.Table {
	var out []report.Table
	if res.Correlation != nil {
		rows := *res.Correlation
		out = append(out, corrTable("Events that go with converting", "event", rows, "success", func(r CorrelationRow) CorrelationRow { return r }),
			corrTable("Events that go with dropping off", "event", rows, "failure", func(r CorrelationRow) CorrelationRow { return r }))
	}
	if res.PropertyCorrelation != nil {
		rows := *res.PropertyCorrelation
		f := func(r PropertyCorrelationRow) CorrelationRow { return r.CorrelationRow }
		out = append(out, corrTable("Property values that go with converting", "value", rows, "success", f),
			corrTable("Property values that go with dropping off", "value", rows, "failure", f))
	}
	return out
}

func corrTable[T any](title, what string, rows []T, kind string, row func(T) CorrelationRow) report.Table {
	t := report.Table{Title: title, Fit: report.Fit{Head: 10}, Columns: []report.Column{{Key: what}, {Key: "success_count", Header: "converted", Kind: report.Int},
		{Key: "failure_count", Header: "dropped off", Kind: report.Int}, {Key: "odds_ratio", Header: "odds ratio", Kind: report.Float},
		{Key: "p_value", Header: "p"}, {Key: "p_adjusted", Header: "p (Holm)"}}}
	for _, x := range rows {
		r := row(x)
		if r.CorrelationType != kind {
			continue
		}
		t.Rows = append(t.Rows, []any{r.Event, r.SuccessCount, r.FailureCount, r.OddsRatio, pText(r.PValue), pText(r.PAdjusted)})
	}
	return t
}

// correlationRows are the correlation's tidy rows under a section column
// (correlation, property_correlation) beside the steps' (steps).
func correlationRows(steps report.Table, res FunnelResult) report.Table {
	if res.Correlation == nil && res.PropertyCorrelation == nil {
		return steps
	}
	cols := []report.Column{{Key: "event"}, {Key: "property"}, {Key: "value"}, {Key: "success_count", Kind: report.Int},
		{Key: "failure_count", Kind: report.Int}, {Key: "odds_ratio", Kind: report.Float}, {Key: "correlation_type"},
		{Key: "p_value", Kind: report.Float}, {Key: "p_adjusted", Kind: report.Float}}
	corr := report.Table{Columns: cols}
	add := func(section string, prop, value any, r CorrelationRow) {
		corr.Rows = append(corr.Rows, []any{section, r.Event, prop, value, r.SuccessCount, r.FailureCount, r.OddsRatio, r.CorrelationType, fptr(r.PValue), fptr(r.PAdjusted)})
	}
	if res.Correlation != nil {
		for _, r := range *res.Correlation {
			add("correlation", nil, nil, r)
		}
	}
	if res.PropertyCorrelation != nil {
		for _, r := range *res.PropertyCorrelation {
			add("property_correlation", r.Property, r.Value, r.CorrelationRow)
		}
	}
	return stackSections(steps, corr)
}

// stackSections puts the steps' rows (section "steps") and the
// correlation's (whose rows already lead with their section) under one
// header: the steps' columns, then the correlation's that the steps lack.
func stackSections(steps, corr report.Table) report.Table {
	out := report.Table{Columns: append([]report.Column{{Key: "section"}}, steps.Columns...)}
	pos := map[string]int{}
	for i, c := range steps.Columns {
		pos[c.Key] = i + 1
	}
	for _, c := range corr.Columns {
		if _, ok := pos[c.Key]; !ok {
			pos[c.Key] = len(out.Columns)
			out.Columns = append(out.Columns, c)
		}
	}
	width := len(out.Columns)
	for _, r := range steps.Rows {
		row := make([]any, width)
		row[0] = "steps"
		copy(row[1:], r)
		out.Rows = append(out.Rows, row)
	}
	for _, r := range corr.Rows {
		row := make([]any, width)
		row[0] = r[0]
		for j, c := range corr.Columns {
			row[pos[c.Key]] = r[j+1]
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
