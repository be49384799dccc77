package metrics

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"
)

// ---------------------------------------------------------------------------
// Cohort retention (docs/metrics.md#retention)

// RetentionParams configure Retention.
type RetentionParams struct {
	Cal       Calendar // cohort periods (and columns in calendar mode)
	Periods   int      // columns 0..Periods
	Recurring bool     // a user joins a cohort in every period with a start event
	Unbounded bool     // retained at k: active at offset k or later
	Elapsed   bool     // columns are 24h/7d/30d brackets from each user's anchor
	Range     Range    // From/To select cohorts by anchor; AsOf censors cells
	Level     float64
	// Since is the start of observed history (--since): first-time cohorts
	// up to the period holding it are warm-ups (see warmUpPeriod).
	Since *int64
	// each, when set, sees every user (with a recurring cohort, every
	// cohort of theirs) as the table counts them.
	each func(retentionUser)
}

// retentionUser is one user in one cohort: counted in its size, and per
// offset 1 (retained), 0 (eligible, not retained) or -1 (not eligible:
// the bracket is not observed yet). Users in no cohort have status
// no_start or out_of_range.
type retentionUser struct {
	user    int32
	status  string // counted, no_start, out_of_range
	cohort  string
	anchor  int64 // the cohort's start event (counted users)
	offsets []int8
}

// RetentionColumn says what offset k means.
type RetentionColumn struct {
	Offset int    `json:"offset"`
	Window string `json:"window"`
}

// RetentionCell is one cohort × offset.
type RetentionCell struct {
	Offset   int        `json:"offset"`
	Eligible int64      `json:"eligible"`
	Retained int64      `json:"retained"`
	Rate     Proportion `json:"rate"`
	Status   string     `json:"status"`
	// NotStarted: the cell's period begins at or after as_of (tables leave
	// it blank; JSON says incomplete).
	NotStarted bool `json:"-"`
}

// RetentionCohort is one row of the cohort table. Status is complete,
// incomplete (some cell is), or warm_up (every cell is, and the row is
// left out of the summary).
type RetentionCohort struct {
	Cohort  string          `json:"cohort"`
	Size    int64           `json:"size"`
	Status  string          `json:"status"`
	Periods []RetentionCell `json:"periods"`
}

// RetentionResult is the cohort table and its summary row.
type RetentionResult struct {
	Columns  []RetentionColumn `json:"columns"`
	Cohorts  []RetentionCohort `json:"cohorts"`
	Summary  []RetentionCell   `json:"summary"`
	NoStart  int64             `json:"no_start_event"`
	Warnings []Warning         `json:"-"`
}

// unit is the length of an elapsed bracket.
func (p RetentionParams) unit() int64 { return elapsedUnit(p.Cal.Period) }

// elapsedUnit is the length of an elapsed bracket of period p: 24 h, 7 × 24
// h, or 30 × 24 h.
func elapsedUnit(p Period) int64 {
	switch p {
	case Month:
		return int64(30 * 24 * time.Hour)
	case Week:
		return int64(7 * 24 * time.Hour)
	}
	return int64(24 * time.Hour)
}

// column is what offset k means.
func (p RetentionParams) column(k int) string {
	unit := p.unit()
	switch {
	case p.Elapsed && p.Unbounded:
		return fmt.Sprintf("[%s, as_of) after the anchor", FormatDuration(time.Duration(int64(k)*unit)))
	case p.Elapsed:
		return fmt.Sprintf("[%s, %s) after the anchor", FormatDuration(time.Duration(int64(k)*unit)), FormatDuration(time.Duration(int64(k+1)*unit)))
	case p.Unbounded:
		return fmt.Sprintf("%s cohort+%d or later", p.Cal.Period, k)
	}
	return fmt.Sprintf("%s cohort+%d", p.Cal.Period, k)
}

// Retention computes the cohort retention table of users.
func Retention(a *Activity, users []int32, p RetentionParams) RetentionResult {
	if p.Elapsed && a.ElapsedUnit() != p.unit() {
		panic("metrics: elapsed retention needs an Activity with the brackets' ElapsedUnit")
	}
	n := p.Periods + 1
	res := RetentionResult{Cohorts: []RetentionCohort{}, Warnings: []Warning{}}
	unit := p.unit()
	for k := 0; k < n; k++ {
		res.Columns = append(res.Columns, RetentionColumn{Offset: k, Window: p.column(k)})
	}
	type acc struct {
		size               int64
		eligible, retained []int64
		censored           []bool
		complete           []bool // calendar: whether offset k's period has ended by as_of
	}
	rows := map[int]*acc{}
	mark := make([]bool, n) // offsets with a return, per user
	// the period of every day of the users' returns, once (Calendar.DayPeriod
	// of a month is a date conversion, and users have millions of days)
	var lo, hi int32
	var spanned bool
	if !p.Elapsed {
		for _, u := range users {
			if int(u) < a.Users {
				lo, hi, spanned = widen(lo, hi, spanned, a.ReturnDays(int(u)))
			}
		}
	}
	var period []int
	if spanned {
		period = make([]int, hi-lo+1)
		for i := range period {
			period[i] = p.Cal.DayPeriod(lo + int32(i))
		}
	}
	add := func(u int, anchor int64, cohort int) {
		r := rows[cohort]
		if r == nil {
			r = &acc{eligible: make([]int64, n), retained: make([]int64, n), censored: make([]bool, n)}
			if !p.Elapsed { // the same for the whole cohort
				r.complete = make([]bool, n)
				for k := range r.complete {
					r.complete[k] = p.Range.Complete(unixNS(p.Cal.PeriodStart(cohort + k + 1)))
				}
			}
			rows[cohort] = r
		}
		r.size++
		var o retentionUser
		if p.each != nil {
			o = retentionUser{user: int32(u), status: "counted", cohort: p.Cal.Label(p.Cal.PeriodStart(cohort)), anchor: anchor, offsets: make([]int8, n)}
		}
		clear(mark)
		last := -1 // furthest offset with a return
		if p.Elapsed {
			// the returns of a span lie in one stretch of unit, so their
			// brackets after the anchor are those of its first and last
			// (floor((t − anchor) / unit) takes at most two values there)
			for _, sp := range a.ReturnSpans(u) {
				for _, t := range [2]int64{sp.First, sp.Last} {
					if t < anchor {
						continue
					}
					off := int((t - anchor) / unit)
					last = max(last, off)
					if off < n {
						mark[off] = true
					}
				}
			}
		} else {
			for _, d := range a.ReturnDays(u) {
				off := period[d-lo] - cohort
				if off < 0 {
					continue
				}
				last = max(last, off)
				if off < n {
					mark[off] = true
				}
			}
		}
		for k := 0; k < n; k++ {
			var complete bool
			if p.Elapsed {
				complete = p.Range.Complete(addNS(anchor, int64(k+1)*unit))
			} else {
				complete = r.complete[k]
			}
			ret := mark[k]
			if p.Unbounded {
				ret = last >= k
			}
			if !complete {
				r.censored[k] = true
				if p.Elapsed {
					if o.offsets != nil {
						o.offsets[k] = -1
					}
					continue // this user's bracket is not observed yet
				}
			}
			r.eligible[k]++
			if ret {
				r.retained[k]++
				if o.offsets != nil {
					o.offsets[k] = 1
				}
			}
		}
		if p.each != nil {
			p.each(o)
		}
	}
	// left shows each a user in no cohort (a cohort out of range)
	left := func(u int, status, cohort string) {
		if p.each != nil {
			p.each(retentionUser{user: int32(u), status: status, cohort: cohort})
		}
	}
	for _, uu := range users {
		u := int(uu)
		if u >= a.Users {
			continue
		}
		if p.Recurring {
			starts := a.StartsByPeriod(u)
			if len(starts) == 0 {
				res.NoStart++
				left(u, "no_start", "")
			}
			order := maps.Keys(starts)
			if p.each != nil {
				order = slices.Values(slices.Sorted(order)) // rows in cohort order
			}
			for k := range order {
				if t := starts[k]; p.Range.Contains(t) {
					add(u, t, k)
				} else {
					left(u, "out_of_range", p.Cal.Label(p.Cal.PeriodStart(k)))
				}
			}
			continue
		}
		anchor, ok := a.Anchor(u)
		if !ok {
			res.NoStart++
			left(u, "no_start", "")
			continue
		}
		if !p.Range.Contains(anchor) {
			left(u, "out_of_range", p.Cal.Label(p.Cal.Start(anchor)))
			continue
		}
		add(u, anchor, p.Cal.Index(anchor))
	}
	sumE, sumR := make([]int64, n), make([]int64, n)
	warm, since := warmUpPeriod(p.Cal, p.Since)
	for _, c := range slices.Sorted(maps.Keys(rows)) {
		r := rows[c]
		row := RetentionCohort{Cohort: p.Cal.Label(p.Cal.PeriodStart(c)), Size: r.size, Status: "complete"}
		warmUp := since && !p.Recurring && c <= warm
		if warmUp {
			row.Status = "warm_up"
		}
		for k := 0; k < n; k++ {
			st := "complete"
			switch {
			case warmUp:
				st = "warm_up"
			case r.censored[k]:
				st = "incomplete"
				row.Status = "incomplete"
			default:
				sumE[k] += r.eligible[k]
				sumR[k] += r.retained[k]
			}
			cell := RetentionCell{Offset: k, Eligible: r.eligible[k], Retained: r.retained[k],
				Rate: NewProportion(r.retained[k], r.eligible[k], p.Level), Status: st}
			if !p.Elapsed && unixNS(p.Cal.PeriodStart(c+k)) >= p.Range.AsOf {
				cell.NotStarted = true
			}
			row.Periods = append(row.Periods, cell)
		}
		res.Cohorts = append(res.Cohorts, row)
	}
	for k := 0; k < n; k++ {
		st := "complete"
		if sumE[k] == 0 {
			st = "incomplete"
		}
		res.Summary = append(res.Summary, RetentionCell{Offset: k, Eligible: sumE[k], Retained: sumR[k], Rate: NewProportion(sumR[k], sumE[k], p.Level), Status: st})
	}
	res.Warnings = retentionWarnings(res, p)
	return res
}

// retentionWarnings are the table's caveats, read off its cells: unbounded
// retention's dependence on as_of, complete cells under 30 users, and the
// warm-up cohort.
func retentionWarnings(res RetentionResult, p RetentionParams) []Warning {
	ws := []Warning{}
	if p.Unbounded {
		ws = append(ws, Warning{Code: "depends_on_as_of", Message: "unbounded retention counts any return up to as_of, so cohorts of different ages are not comparable"})
	}
	small, warmed := 0, ""
	for _, c := range res.Cohorts {
		if c.Status == "warm_up" {
			warmed = c.Cohort
		}
		for _, cell := range c.Periods {
			if cell.Status == "complete" && cell.Eligible < 30 {
				small++
			}
		}
	}
	if small > 0 {
		ws = append(ws, Warning{Code: "small_sample", Message: fmt.Sprintf("%d complete cells have fewer than 30 eligible users", small)})
	}
	if warmed != "" {
		ws = append(ws, warmUpWarning(warmed, "it is left out of the summary row, and later cohorts, users first seen since --since, can still hold some who return after a gap"))
	}
	return ws
}

// warmUpPeriod is the last period in which a user first seen may not be new
// (ok false without since). With no history before since, nothing tells a
// user active then from one active long before, so the period holding since
// (partial or whole) is a warm-up; users first seen later are at least
// first seen since since.
func warmUpPeriod(cal Calendar, since *int64) (k int, ok bool) {
	if since == nil {
		return 0, false
	}
	return cal.Index(*since), true
}

// warmUpWarning says that cohort is a warm-up, then what follows for the
// figures built on it.
func warmUpWarning(cohort, then string) Warning {
	return Warning{Code: "warm_up", Message: fmt.Sprintf("history before --since is missing, so users first seen in %s may have been active before it: that cohort is marked warm_up; %s", cohort, then)}
}

// ---------------------------------------------------------------------------
// Period activity: churn and lifecycle (docs/metrics.md#churn, #lifecycle)

// periodSets returns, per user, the sorted period indexes with activity.
func periodSets(a *Activity, users []int32, cal Calendar) [][]int {
	out := make([][]int, len(users))
	for i, uu := range users {
		u := int(uu)
		if u >= a.Users {
			continue
		}
		days, _ := a.ActiveDays(u)
		var ps []int
		for _, d := range days {
			k := cal.DayPeriod(d)
			if len(ps) == 0 || ps[len(ps)-1] != k {
				ps = append(ps, k)
			}
		}
		out[i] = ps
	}
	return out
}

// periodSpan is the range of period indexes with any activity.
func periodSpan(sets [][]int) (lo, hi int, ok bool) {
	for _, s := range sets {
		lo, hi, ok = widen(lo, hi, ok, s)
	}
	return lo, hi, ok
}

// widen extends the span [lo, hi] (empty while !ok) to the sorted set s.
func widen[T cmp.Ordered](lo, hi T, ok bool, s []T) (T, T, bool) {
	switch {
	case len(s) == 0:
		return lo, hi, ok
	case !ok:
		return s[0], s[len(s)-1], true
	}
	return min(lo, s[0]), max(hi, s[len(s)-1]), true
}

// ChurnPeriod is one period's activity retention and churn.
type ChurnPeriod struct {
	Period        string     `json:"period"`
	StartUsers    int64      `json:"start_users"`
	Retained      int64      `json:"retained"`
	Churned       int64      `json:"churned"`
	ChurnRate     Proportion `json:"churn_rate"`
	RetentionRate Proportion `json:"retention_rate"`
	Active        int64      `json:"active"`
}

// ChurnResult is period churn.
type ChurnResult struct {
	Periods  []ChurnPeriod `json:"periods"`
	Basis    string        `json:"basis"`
	Warnings []Warning     `json:"-"`
	// Incomplete is the period as_of falls in, left out ("" for none).
	Incomplete string `json:"-"`
}

// Churn computes, per complete period P in range, the users active in P−1,
// how many were active again in P, and churn = 1 − retention.
func Churn(a *Activity, users []int32, cal Calendar, r Range, level float64) ChurnResult {
	return churn(a, users, cal, r, level, nil)
}

// periodUser is a user's state in a period, as churn and lifecycle count
// it.
type periodUser struct {
	user   int32
	period int
	state  string
}

// listedPeriods shows each the rows whose period the table lists
// (status: the period's), in the order they came; rows of a warm-up period
// only count as active.
func listedPeriods(rows []periodUser, listed map[int]string, label func(int) string, each func(u int32, period, state string)) {
	for _, x := range rows {
		st, ok := listed[x.period]
		switch {
		case !ok:
			continue
		case st == "warm_up" && x.state == "dormant":
			continue
		case st == "warm_up":
			x.state = "active"
		}
		each(x.user, label(x.period), x.state)
	}
}

// churn is Churn; each, when set, sees every user's state (retained,
// churned, or returned: active without the period before) in every period
// the table lists.
func churn(a *Activity, users []int32, cal Calendar, r Range, level float64, each func(u int32, period, state string)) ChurnResult {
	res := ChurnResult{Periods: []ChurnPeriod{}, Basis: "activity", Warnings: []Warning{}}
	sets := periodSets(a, users, cal)
	lo, hi, ok := periodSpan(sets)
	if !ok {
		return res
	}
	active := map[int]int64{}
	start := map[int]int64{}
	kept := map[int]int64{}
	var rows []periodUser // with each
	for ui, s := range sets {
		for i, k := range s {
			active[k]++
			start[k+1]++
			prev := i > 0 && s[i-1] == k-1
			if prev {
				kept[k]++
			}
			if each != nil {
				st := "returned"
				if prev {
					st = "retained"
				}
				rows = append(rows, periodUser{users[ui], k, st})
				if i+1 == len(s) || s[i+1] != k+1 {
					rows = append(rows, periodUser{users[ui], k + 1, "churned"})
				}
			}
		}
	}
	listed := map[int]string{}
	for k := lo + 1; k <= hi+1; k++ {
		ps := cal.PeriodStart(k)
		if !r.Contains(unixNS(ps)) {
			continue
		}
		if !r.Complete(unixNS(cal.PeriodStart(k + 1))) {
			if unixNS(ps) < r.AsOf { // begun but not over; later ones have not begun
				res.Incomplete = cal.Label(ps)
				res.Warnings = append(res.Warnings, incompletePeriod(res.Incomplete))
			}
			continue
		}
		s, kp := start[k], kept[k]
		res.Periods = append(res.Periods, ChurnPeriod{Period: cal.Label(ps), StartUsers: s, Retained: kp, Churned: s - kp,
			ChurnRate: NewProportion(s-kp, s, level), RetentionRate: NewProportion(kp, s, level), Active: active[k]})
		listed[k] = "complete"
	}
	if each != nil {
		listedPeriods(rows, listed, func(k int) string { return cal.Label(cal.PeriodStart(k)) }, each)
	}
	return res
}

// LifecyclePeriod is one period's lifecycle counts. Dormant is a positive
// count (shown negative in tables).
type LifecyclePeriod struct {
	Period       string   `json:"period"`
	Active       int64    `json:"active"`
	New          int64    `json:"new"`
	Returning    int64    `json:"returning"`
	Resurrecting int64    `json:"resurrecting"`
	Dormant      int64    `json:"dormant"`
	Pulse        *float64 `json:"pulse"`
	Status       string   `json:"status"`
}

// LifecycleResult is the lifecycle per period.
type LifecycleResult struct {
	Periods    []LifecyclePeriod `json:"periods"`
	Assumption string            `json:"assumption"`
	Warnings   []Warning         `json:"-"`
}

// Lifecycle classifies active users per period as new (first seen in the
// period), returning (also active in the previous one), or resurrecting,
// and counts the dormant (active before, not now). With since set, history
// before it is missing and the first period is a warm-up.
func Lifecycle(a *Activity, users []int32, cal Calendar, r Range, since *int64) LifecycleResult {
	return lifecycle(a, users, cal, r, since, nil)
}

// lifecycle is Lifecycle; each, when set, sees every user's state (new,
// returning, resurrecting, dormant; active in a warm-up period) in every
// period the table lists.
// lifecycleStart is an empty lifecycle result with its assumption and,
// with --since, its warm-up warning.
func lifecycleStart(since *int64) LifecycleResult {
	res := LifecycleResult{Periods: []LifecyclePeriod{}, Warnings: []Warning{},
		Assumption: "the input holds each user's whole history, so first seen is first ever"}
	if since != nil {
		res.Assumption = "history before --since is missing: new means first seen since --since, and the first period is a warm-up"
		res.Warnings = append(res.Warnings, Warning{Code: "warm_up", Message: "with --since, the first period cannot be classified and \"new\" means first seen since --since"})
	}
	return res
}

func lifecycle(a *Activity, users []int32, cal Calendar, r Range, since *int64, each func(u int32, period, state string)) LifecycleResult {
	res := lifecycleStart(since)
	sets := periodSets(a, users, cal) // finishes a: FirstSeen is ready
	lo, hi, ok := periodSpan(sets)
	if !ok {
		return res
	}
	warm, warmUp := warmUpPeriod(cal, since)
	type counts struct{ active, nw, ret, res, dorm int64 }
	c := map[int]*counts{}
	get := func(k int) *counts {
		if c[k] == nil {
			c[k] = &counts{}
		}
		return c[k]
	}
	var rows []periodUser // with each
	for i, s := range sets {
		if len(s) == 0 {
			continue
		}
		u := int(users[i])
		first := cal.Index(a.FirstSeen[u])
		for j, k := range s {
			x := get(k)
			x.active++
			prev := j > 0 && s[j-1] == k-1
			st := "resurrecting"
			switch {
			case k == first:
				x.nw++
				st = "new"
			case prev:
				x.ret++
				st = "returning"
			default:
				x.res++
			}
			dormant := j+1 == len(s) || s[j+1] != k+1
			if dormant {
				get(k+1).dorm++
			}
			if each != nil {
				rows = append(rows, periodUser{users[i], k, st})
				if dormant {
					rows = append(rows, periodUser{users[i], k + 1, "dormant"})
				}
			}
		}
	}
	listed := map[int]string{}
	for k := lo; k <= hi+1; k++ {
		ps := cal.PeriodStart(k)
		if !r.Contains(unixNS(ps)) {
			continue
		}
		x := get(k)
		lp := LifecyclePeriod{Period: cal.Label(ps), Active: x.active, New: x.nw, Returning: x.ret, Resurrecting: x.res, Dormant: x.dorm, Status: "complete"}
		if x.dorm > 0 {
			lp.Pulse = Ptr(float64(x.nw+x.res) / float64(x.dorm))
		}
		switch {
		case warmUp && k <= warm:
			lp = LifecyclePeriod{Period: lp.Period, Active: x.active, Status: "warm_up"}
		case !r.Complete(unixNS(cal.PeriodStart(k + 1))):
			lp.Status = "incomplete"
		}
		if k == hi+1 && x.active == 0 && lp.Status == "incomplete" {
			continue // the period after the data: nothing to say yet
		}
		res.Periods = append(res.Periods, lp)
		listed[k] = lp.Status
	}
	if each != nil {
		listedPeriods(rows, listed, func(k int) string { return cal.Label(cal.PeriodStart(k)) }, each)
	}
	return res
}

// ---------------------------------------------------------------------------
// DAU / WAU / MAU and stickiness (docs/metrics.md#engagement)

// EngagementParams configure Engagement.
type EngagementParams struct {
	MAUWindow  string // "30", "28" or "calendar-month"
	Stickiness string // "mean-of-ratios" (default) or "ratio-of-means"
	Interval   Calendar
	MinEvents  int
	Range      Range  // report days [From, To); AsOf
	Since      *int64 // start of history for lookbacks (default: first event)
	// each, when set, sees every user as the histogram counts them: the
	// intervals they were active in, and their first and last active day
	// in the range (ok false: none).
	each func(u int32, intervals int, first, last int32, ok bool)
}

// EngagementDay is one calendar day.
type EngagementDay struct {
	Day        string   `json:"day"`
	DAU        int64    `json:"dau"`
	WAU        int64    `json:"wau"`
	MAU        int64    `json:"mau"`
	Stickiness *float64 `json:"stickiness"`
	Status     string   `json:"status"`
}

// HistogramBin counts users active in exactly, and at least, k intervals.
type HistogramBin struct {
	Intervals    int   `json:"intervals"`
	Users        int64 `json:"users"`
	UsersAtLeast int64 `json:"users_at_least"`
}

// EngagementResult is daily active users, stickiness and the histogram.
type EngagementResult struct {
	Days             []EngagementDay `json:"days"`
	Stickiness       *float64        `json:"stickiness"`
	StickinessMethod string          `json:"stickiness_method"`
	CompleteDays     int             `json:"complete_days"`
	MeanDAU          *float64        `json:"mean_dau"`
	MeanMAU          *float64        `json:"mean_mau"`
	Histogram        []HistogramBin  `json:"histogram"` // nil: from SQL rows
	Intervals        *int            `json:"intervals"` // nil: from SQL rows, which have no histogram
	Warnings         []Warning       `json:"-"`
}

// StickinessOf combines daily DAU and MAU: the mean of daily ratios
// (default) or the ratio of means (worked example V16 in docs/metrics.md).
func StickinessOf(dau, mau []int64, method string) *float64 {
	if len(dau) == 0 {
		return nil
	}
	if method == "ratio-of-means" {
		var sd, sm int64
		for i := range dau {
			sd += dau[i]
			sm += mau[i]
		}
		if sm == 0 {
			return nil
		}
		return Ptr(float64(sd) / float64(sm))
	}
	var sum float64
	n := 0
	for i := range dau {
		if mau[i] > 0 {
			sum += float64(dau[i]) / float64(mau[i])
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return Ptr(sum / float64(n))
}

// Engagement computes DAU, WAU (7 days) and MAU (30, 28 days or the month
// to date) for each day, as distinct users over trailing windows that
// include the day; stickiness over complete days; and the histogram of how
// many intervals of the range each user was active in.
func Engagement(a *Activity, users []int32, p EngagementParams) EngagementResult {
	res := EngagementResult{Days: []EngagementDay{}, Histogram: []HistogramBin{}, Intervals: new(int), Warnings: []Warning{}, StickinessMethod: p.Stickiness}
	if res.StickinessMethod == "" {
		res.StickinessMethod = "mean-of-ratios"
	}
	loc := a.Loc()
	// the span of days with activity
	var lo, hi int32
	var ok bool
	for _, uu := range users {
		if int(uu) < a.Users {
			days, _ := a.ActiveDays(int(uu))
			lo, hi, ok = widen(lo, hi, ok, days)
		}
	}
	if !ok {
		return res
	}
	n := int(hi-lo) + 1
	dau := make([]int64, n+1)
	wau := make([]int64, n+31)
	mau := make([]int64, n+31)
	win := 30
	if p.MAUWindow == "28" {
		win = 28
	}
	monthEnd := func(d int32) int32 { return monthStartDay(d, 1) - 1 }
	for _, uu := range users {
		if int(uu) >= a.Users {
			continue
		}
		days, _ := a.ActiveDays(int(uu))
		addRuns(days, lo, 7, wau, nil)
		if p.MAUWindow == "calendar-month" {
			addRuns(days, lo, 0, mau, monthEnd)
		} else {
			addRuns(days, lo, win, mau, nil)
		}
		for _, d := range days {
			dau[d-lo]++
		}
	}
	for i := 1; i < len(wau); i++ {
		wau[i] += wau[i-1]
		mau[i] += mau[i-1]
	}
	sinceDay := lo
	if p.Since != nil {
		sinceDay = (&dayCache{loc: loc}).index(*p.Since)
	}
	var cd, cm []int64
	for i := 0; i < n; i++ {
		d := lo + int32(i)
		start := dayStart(int(d), loc)
		if !p.Range.Contains(unixNS(start)) {
			continue
		}
		day := EngagementDay{Day: start.Format("2006-01-02"), DAU: dau[i], WAU: wau[i], MAU: mau[i], Status: "complete"}
		if mau[i] > 0 {
			day.Stickiness = Ptr(float64(dau[i]) / float64(mau[i]))
		}
		lookback := d - int32(win) + 1
		if p.MAUWindow == "calendar-month" {
			lookback = monthStartDay(d, 0)
		}
		switch {
		case !p.Range.Complete(unixNS(dayStart(int(d)+1, loc))):
			day.Status = "incomplete"
		case lookback < sinceDay:
			day.Status = "incomplete_lookback"
		default:
			cd = append(cd, dau[i])
			cm = append(cm, mau[i])
		}
		res.Days = append(res.Days, day)
	}
	engagementSummary(&res, cd, cm, p)
	var k int
	res.Histogram, k = histogram(a, users, p, lo, hi)
	res.Intervals = &k
	return res
}

// engagementSummary is the stickiness, mean DAU and MAU over the complete
// days' DAU cd and MAU cm, with its warning when there are none.
func engagementSummary(res *EngagementResult, cd, cm []int64, p EngagementParams) {
	res.CompleteDays = len(cd)
	res.Stickiness = StickinessOf(cd, cm, res.StickinessMethod)
	if len(cd) > 0 {
		var sd, sm int64
		for i := range cd {
			sd += cd[i]
			sm += cm[i]
		}
		res.MeanDAU, res.MeanMAU = Ptr(float64(sd)/float64(len(cd))), Ptr(float64(sm)/float64(len(cd)))
	} else {
		res.Warnings = append(res.Warnings, Warning{Code: "no_complete_days", Message: fmt.Sprintf("no day in the range has a complete %s lookback after the start of history, so there is no stickiness", p.MAUWindow)})
	}
}

// addRuns adds +1/−1 to diff for the days each active day keeps a user in a
// trailing window of w days (or until monthEnd), merging overlaps so a user
// counts once per day.
func addRuns(days []int32, lo int32, w int, diff []int64, monthEnd func(int32) int32) {
	var rs, re int32 = -1, -2 // current run [rs, re]
	flush := func() {
		if re >= rs && rs >= 0 {
			diff[rs-lo]++
			if int(re-lo+1) < len(diff) {
				diff[re-lo+1]--
			}
		}
	}
	for _, d := range days {
		end := d + int32(w) - 1
		if monthEnd != nil {
			end = monthEnd(d)
		}
		if max := lo + int32(len(diff)) - 2; end > max {
			end = max
		}
		if d <= re+1 && rs >= 0 {
			if end > re {
				re = end
			}
			continue
		}
		flush()
		rs, re = d, end
	}
	flush()
}

// histogram counts users by the number of intervals of the reporting range
// in which they had at least MinEvents activity events. Every active day of
// users is in lo..hi.
func histogram(a *Activity, users []int32, p EngagementParams, lo, hi int32) ([]HistogramBin, int) {
	cal := p.Interval
	if cal.Loc == nil {
		cal.Loc = a.Loc()
	}
	minE := max(p.MinEvents, 1)
	// the intervals overlapping the range (partial first and last included)
	first, last := cal.DayPeriod(lo), cal.DayPeriod(hi)
	if p.Range.From != nil {
		first = max(first, cal.Index(*p.Range.From))
	}
	if p.Range.To != nil {
		last = min(last, cal.Index(*p.Range.To-1))
	}
	// per day of lo..hi, once: whether it starts inside the range, and its
	// interval (a zone's midnight costs more than the rest of a user's day)
	inRange := make([]bool, hi-lo+1)
	period := make([]int, hi-lo+1)
	for i := range inRange {
		d := lo + int32(i)
		start := unixNS(dayStart(int(d), cal.loc()))
		inRange[i] = (p.Range.From == nil || start >= *p.Range.From) && (p.Range.To == nil || start < *p.Range.To)
		period[i] = cal.DayPeriod(d)
	}
	counts := map[int]int64{}
	maxK := 0
	for _, uu := range users {
		if int(uu) >= a.Users {
			continue
		}
		days, ev := a.ActiveDays(int(uu))
		k, cur, sum := 0, 0, 0
		flush := func() {
			if sum >= minE {
				k++
			}
		}
		started := false
		var firstDay, lastDay int32
		for i, d := range days {
			if !inRange[d-lo] {
				continue
			}
			if !started {
				firstDay = d
			}
			lastDay = d
			pi := period[d-lo]
			if !started || pi != cur {
				if started {
					flush()
				}
				cur, sum, started = pi, 0, true
			}
			sum += int(ev[i])
		}
		if started {
			flush()
		}
		if p.each != nil {
			p.each(uu, k, firstDay, lastDay, started)
		}
		if k > 0 {
			counts[k]++
			maxK = max(maxK, k)
		}
	}
	out := make([]HistogramBin, maxK)
	var cum int64
	for k := maxK; k >= 1; k-- {
		cum += counts[k]
		out[k-1] = HistogramBin{Intervals: k, Users: counts[k], UsersAtLeast: cum}
	}
	return out, max(0, last-first+1)
}
