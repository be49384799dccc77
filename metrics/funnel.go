package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Order is how funnel steps must follow each other.
type Order string

// Orders.
const (
	Ordered Order = "ordered" // each step at or after the previous one (equal times count as in order)
	Strict  Order = "strict"  // each step is the user's very next event
	Any     Order = "any"     // steps in any order inside the window
)

// path is the steps one attempt reached: their times and event indexes.
type path struct {
	times []int64
	idx   []int
	done  []bool // per step, for any order (reused between attempts)
}

func (p *path) reset() { p.times, p.idx = p.times[:0], p.idx[:0] }

func (p *path) used(i int) bool { return slices.Contains(p.idx, i) }

// walk follows ids from the step-1 event at index i0 until end (inclusive),
// per order. For Any, the reached steps are recorded in time order and
// p.idx holds, per reached step, its event index.
// derived (by name id, may be nil) marks selector events, which a strict
// funnel's "very next event" looks past.
func walk(p *path, ts []int64, ns []int32, ids []int32, i0 int, end int64, order Order, derived []bool) {
	p.reset()
	p.times = append(p.times, ts[i0])
	p.idx = append(p.idx, i0)
	switch order {
	case Strict:
		for j := 1; j < len(ids); j++ {
			i := p.idx[j-1] + 1
			for derived != nil && i < len(ts) && derived[ns[i]] {
				i++
			}
			if i >= len(ts) || ns[i] != ids[j] || ts[i] > end {
				return
			}
			p.times = append(p.times, ts[i])
			p.idx = append(p.idx, i)
		}
	case Any:
		p.done = slices.Grow(p.done[:0], len(ids))[:len(ids)]
		clear(p.done)
		done := p.done
		done[slices.Index(ids, ns[i0])] = true
		// events at the same time as the start count (they are "in the window")
		lo := i0
		for lo > 0 && ts[lo-1] == ts[i0] {
			lo--
		}
		for i := lo; i < len(ts) && ts[i] <= end; i++ {
			if i == i0 {
				continue
			}
			for j, id := range ids {
				if !done[j] && ns[i] == id {
					done[j] = true
					p.times = append(p.times, ts[i])
					p.idx = append(p.idx, i)
					break
				}
			}
		}
	default: // Ordered
		for j := 1; j < len(ids); j++ {
			prev := p.times[j-1]
			// start at the first event with the previous step's time, so that
			// equal timestamps count as in order whatever the input order
			i, _ := slices.BinarySearch(ts, prev)
			found := false
			for ; i < len(ts) && ts[i] <= end; i++ {
				if ns[i] == ids[j] && !p.used(i) {
					p.times = append(p.times, ts[i])
					p.idx = append(p.idx, i)
					found = true
					break
				}
			}
			if !found {
				return
			}
		}
	}
}

// StepStat is one row of a step funnel.
type StepStat struct {
	Event                     string   `json:"event"`
	Users                     int64    `json:"users"`
	PctOfStart                *float64 `json:"pct_of_start"`
	PctOfPrevious             *float64 `json:"pct_of_previous"`
	Dropoff                   int64    `json:"dropoff"`
	DropoffPct                *float64 `json:"dropoff_pct"`
	AvgSecondsFromPrevious    *float64 `json:"avg_seconds_from_previous"`
	MedianSecondsFromPrevious *float64 `json:"median_seconds_from_previous"`
}

// stepStats turns per-user reached counts and step gaps into rows.
func stepStats(labels []string, reached []int64, gaps [][]float64) []StepStat {
	out := make([]StepStat, len(labels))
	for j, lab := range labels {
		s := StepStat{Event: lab, Users: reached[j]}
		s.PctOfStart = ratio(reached[j], reached[0])
		if j > 0 {
			s.PctOfPrevious = ratio(reached[j], reached[j-1])
			s.Dropoff = reached[j-1] - reached[j]
			if s.PctOfPrevious != nil {
				s.DropoffPct = Ptr(1 - *s.PctOfPrevious)
			}
			g := slices.Clone(gaps[j])
			slices.Sort(g)
			if len(g) > 0 {
				var sum float64
				for _, v := range g {
					sum += v
				}
				s.AvgSecondsFromPrevious = Ptr(sum / float64(len(g)))
				s.MedianSecondsFromPrevious = Ptr(Median(g))
			}
		}
		out[j] = s
	}
	return out
}

func ratio(x, n int64) *float64 {
	if n == 0 {
		return nil
	}
	return Ptr(float64(x) / float64(n))
}

// ---------------------------------------------------------------------------
// Onboarding (docs/metrics.md#onboarding)

// OnboardingParams configure Onboarding.
type OnboardingParams struct {
	Steps  []string // first = start, last = completion
	Window Window
	Order  Order // Ordered or Any
	Anchor Anchor
	// Signups makes the signup cohort the denominator of the step table.
	Signups bool
	Range   Range
	Level   float64
	Cohorts *Calendar
	Since   *int64         // start of observed history: see cohortRows.firstSeen
	each    func(stepUser) // when set, sees each user as the step table counts them
}

// stepUser is one user's way through the steps of a funnel or of
// onboarding, as its step table counts them: step j was reached when
// reached[j], at times[j].
type stepUser struct {
	user      int32
	status    string // counted, censored, spoiled, …: see the metric's help
	entered   int64  // when the user entered (hasEntered)
	hasEnter  bool
	times     []int64
	reached   []bool
	converted bool
	cohort    *string // nil without cohorts
}

// reach records that the user reached step j at t.
func (o *stepUser) reach(j int, t int64) {
	o.times[j], o.reached[j] = t, true
}

// newStepUser is a user's outcome over n steps, entered at t (if ok).
func newStepUser(u int32, n int, status string, t int64, ok bool, c *cohortRows) stepUser {
	return stepUser{user: u, status: status, entered: t, hasEnter: ok, times: make([]int64, n), reached: make([]bool, n), cohort: c.label(t, ok)}
}

// OnboardingResult is onboarding completion and its step funnel.
type OnboardingResult struct {
	Denominator         string             `json:"denominator"`
	Steps               []StepStat         `json:"steps"`
	Started             int64              `json:"started"`
	Completion          Proportion         `json:"completion"`
	Signups             int64              `json:"signups"`
	CompletionOfSignups Proportion         `json:"completion_of_signups"`
	Excluded            OnboardingExcluded `json:"excluded"`
	Cohorts             []FunnelCohort     `json:"cohorts"`
	Warnings            []Warning          `json:"-"` // in the envelope
}

// OnboardingExcluded counts users left out.
type OnboardingExcluded struct {
	Censored              int64 `json:"censored"`
	SignupsCensored       int64 `json:"signups_censored"`
	CompletedWithoutStart int64 `json:"completed_without_start"`
}

// FunnelCohort is one cohort's row: users entering, and how many converted.
type FunnelCohort struct {
	Cohort     string     `json:"cohort"`
	Entered    int64      `json:"entered"`
	Conversion Proportion `json:"conversion"`
	Censored   int64      `json:"censored"`
	Status     string     `json:"status"`
}

type cohortRows struct {
	cal     *Calendar
	rows    map[int]*cohortRow
	discard cohortRow // what row returns without a calendar: counted, never listed
	// rows up to period warm are warm-ups when warmUp (see firstSeen); list
	// sets warmed to the one it marks
	warm   int
	warmUp bool
	warmed string
}

type cohortRow struct {
	start        time.Time
	n, x, censor int64
}

func newCohortRows(c *Calendar) *cohortRows { return &cohortRows{cal: c, rows: map[int]*cohortRow{}} }

func (c *cohortRows) row(t int64) *cohortRow {
	if c.cal == nil {
		return &c.discard
	}
	k := c.cal.Index(t)
	r := c.rows[k]
	if r == nil {
		r = &cohortRow{start: c.cal.Start(t)}
		c.rows[k] = r
	}
	return r
}

// firstSeen says the rows are first-seen cohorts when the anchor is each
// user's first event of all: with since, the row holding it is then a
// warm-up (see warmUpPeriod). A signup event anchors a signup, not a first
// sighting, and is left alone.
func (c *cohortRows) firstSeen(a Anchor, since *int64) *cohortRows {
	if c.cal != nil && a.Event == "" {
		c.warm, c.warmUp = warmUpPeriod(*c.cal, since)
	}
	return c
}

func (c *cohortRows) list(level float64) []FunnelCohort {
	out := []FunnelCohort{}
	for _, k := range slices.Sorted(maps.Keys(c.rows)) {
		r := c.rows[k]
		label := c.cal.Label(r.start)
		st := "complete"
		switch {
		case c.warmUp && k <= c.warm:
			st, c.warmed = "warm_up", label
		case r.censor > 0:
			st = "incomplete"
		}
		out = append(out, FunnelCohort{Cohort: label, Entered: r.n, Conversion: NewProportion(r.x, r.n, level), Censored: r.censor, Status: st})
	}
	return out
}

// warmUpWarnings warns of the warm-up row list marked, whose users the
// overall figure (rate) still counts.
func (c *cohortRows) warmUpWarnings(rate string) []Warning {
	if c.warmed == "" {
		return nil
	}
	return []Warning{warmUpWarning(c.warmed, rate+" still counts them (--from after that period leaves them out)")}
}

// Onboarding computes completion among starters (anchored on each user's
// first start event) and among signups, and the step funnel.
func Onboarding(l *Log, users []int32, p OnboardingParams) OnboardingResult {
	ids := l.NameIDs(p.Steps)
	n := len(ids)
	res := OnboardingResult{Denominator: "started", Cohorts: []FunnelCohort{}, Warnings: []Warning{}}
	if p.Signups {
		res.Denominator = "signups"
	}
	startReached := make([]int64, n)
	startGaps := make([][]float64, n)
	signReached := make([]int64, n+1)
	signGaps := make([][]float64, n+1)
	var completed, signCompleted int64
	// the cohort table follows the step table's denominator
	startCohorts, signCohorts := newCohortRows(p.Cohorts), newCohortRows(p.Cohorts).firstSeen(p.Anchor, p.Since)
	anchors, has := p.Anchor.times(l, users)
	var pa path
	reached := make([]bool, n)
	// each sees the users of the step table in force: starters, or signups
	// (whose first step is the signup)
	eachStart, eachSign := p.each, p.each
	if p.Signups {
		eachStart = nil
	} else {
		eachSign = nil
	}
	for ui, u := range users {
		ts, ns := l.Events(u)
		// starters: the first start event anchors the user
		_, i0 := firstOf(ts, ns, ids[0], math.MinInt64, 0)
		if i0 < 0 {
			status := "not_started"
			if _, j := firstOf(ts, ns, ids[n-1], math.MinInt64, 0); j >= 0 && n > 1 {
				res.Excluded.CompletedWithoutStart++
				status = "completed_without_start"
			}
			if eachStart != nil {
				eachStart(newStepUser(u, n, status, 0, false, startCohorts))
			}
		} else if start := ts[i0]; p.Range.Contains(start) {
			end := p.Window.End(start)
			row := startCohorts.row(start)
			if !p.Range.Complete(end) {
				res.Excluded.Censored++
				row.censor++
				if eachStart != nil {
					eachStart(newStepUser(u, n, "censored", start, true, startCohorts))
				}
			} else {
				res.Started++
				row.n++
				onboardingPath(&pa, reached, ts, ns, ids, i0, end, p.Order)
				for j := 0; j < n; j++ {
					if reached[j] {
						startReached[j]++
						if j > 0 {
							startGaps[j] = append(startGaps[j], stepGap(&pa, j, p.Order))
						}
					}
				}
				if reached[n-1] {
					completed++
					row.x++
				}
				if eachStart != nil {
					o := newStepUser(u, n, "counted", start, true, startCohorts)
					for j := 0; j < n; j++ {
						if reached[j] {
							o.reach(j, pa.times[j])
						}
					}
					o.converted = reached[n-1]
					eachStart(o)
				}
			}
		} else if eachStart != nil {
			eachStart(newStepUser(u, n, "out_of_range", start, true, startCohorts))
		}
		// signups: the window runs from the signup anchor
		if !has[ui] || !p.Range.Contains(anchors[ui]) {
			if eachSign != nil {
				status := "out_of_range"
				if !has[ui] {
					status = "no_signup"
				}
				eachSign(newStepUser(u, n+1, status, anchors[ui], has[ui], signCohorts))
			}
			continue
		}
		a := anchors[ui]
		end := p.Window.End(a)
		row := signCohorts.row(a)
		if !p.Range.Complete(end) {
			res.Excluded.SignupsCensored++
			row.censor++
			if eachSign != nil {
				eachSign(newStepUser(u, n+1, "censored", a, true, signCohorts))
			}
			continue
		}
		res.Signups++
		signReached[0]++
		row.n++
		var o stepUser
		if eachSign != nil {
			o = newStepUser(u, n+1, "counted", a, true, signCohorts)
			o.reach(0, a)
		}
		_, j0 := firstOf(ts, ns, ids[0], a, 0)
		if j0 < 0 || ts[j0] > end {
			if eachSign != nil {
				eachSign(o)
			}
			continue
		}
		onboardingPath(&pa, reached, ts, ns, ids, j0, end, p.Order)
		for j := 0; j < n; j++ {
			if reached[j] {
				signReached[j+1]++
				g := float64(pa.times[0]-a) / 1e9 // signup to start
				if j > 0 {
					g = stepGap(&pa, j, p.Order)
				}
				signGaps[j+1] = append(signGaps[j+1], g)
				if eachSign != nil {
					o.reach(j+1, pa.times[j])
				}
			}
		}
		if reached[n-1] {
			signCompleted++
			row.x++
		}
		if eachSign != nil {
			o.converted = reached[n-1]
			eachSign(o)
		}
	}
	res.Completion = NewProportion(completed, res.Started, p.Level)
	res.CompletionOfSignups = NewProportion(signCompleted, res.Signups, p.Level)
	if p.Signups {
		res.Steps = stepStats(append([]string{p.Anchor.Name()}, p.Steps...), signReached, signGaps)
		res.Cohorts = signCohorts.list(p.Level)
	} else {
		res.Steps = stepStats(p.Steps, startReached, startGaps)
		res.Cohorts = startCohorts.list(p.Level)
	}
	res.Warnings = onboardingWarnings(res, p, signCohorts)
	return res
}

// onboardingPath sets reached[j] for the steps a starter reached within the
// window: in order (each step the first occurrence at or after the previous
// one), or in any order (each step anywhere in [start, end]).
func onboardingPath(pa *path, reached []bool, ts []int64, ns []int32, ids []int32, i0 int, end int64, order Order) {
	clear(reached)
	if order != Any {
		walk(pa, ts, ns, ids, i0, end, Ordered, nil)
		for j := range pa.times {
			reached[j] = true
		}
		return
	}
	pa.reset()
	start := ts[i0]
	pa.times = append(pa.times, start)
	reached[0] = true
	for j := 1; j < len(ids); j++ {
		t, k := firstOf(ts, ns, ids[j], start, 0)
		pa.times = append(pa.times, t)
		reached[j] = k >= 0 && t <= end
	}
}

// stepGap is the time to step j ≥ 1 of a path in seconds: from the previous
// step, or from the start when steps come in any order.
func stepGap(pa *path, j int, order Order) float64 {
	from := pa.times[j-1]
	if order == Any {
		from = pa.times[0]
	}
	return float64(pa.times[j]-from) / 1e9
}

// ---------------------------------------------------------------------------
// Funnels (docs/metrics.md#funnel; PostHog-style)

// onboardingWarnings are the result's caveats; signCohorts, when not nil,
// add the warm-up warning of signup cohorts.
func onboardingWarnings(res OnboardingResult, p OnboardingParams, signCohorts *cohortRows) []Warning {
	ws := []Warning{}
	if p.Signups {
		ws = append(ws, proportionWarnings("completion of signups", res.CompletionOfSignups)...)
	} else {
		ws = append(ws, proportionWarnings("onboarding completion", res.Completion)...)
	}
	if p.Signups && signCohorts != nil {
		ws = append(ws, signCohorts.warmUpWarnings("completion of signups")...)
	}
	n := len(p.Steps)
	if c := res.Excluded.Censored; c > 0 {
		ws = append(ws, Warning{Code: "censored", Message: fmt.Sprintf("%d starters began less than %s before as_of and are left out (their window is not complete)", c, FormatDuration(p.Window.Length))})
	}
	if c := res.Excluded.SignupsCensored; c > 0 && p.Signups {
		ws = append(ws, Warning{Code: "censored", Message: fmt.Sprintf("%d signups came less than %s before as_of and are left out (their window is not complete)", c, FormatDuration(p.Window.Length))})
	}
	if c := res.Excluded.CompletedWithoutStart; c > 0 {
		ws = append(ws, Warning{Code: "completed_without_start", Message: fmt.Sprintf("%d users did %s without ever doing %s; they are not in the funnel", c, p.Steps[n-1], p.Steps[0])})
	}
	return ws
}

// Exclusion spoils a funnel attempt in which Event happens between steps
// From and To (1-based).
type Exclusion struct {
	Event    string
	From, To int
}

// FunnelParams configure Funnel.
type FunnelParams struct {
	Steps      []string
	Window     Window
	Order      Order
	Exclusions []Exclusion
	Range      Range // From/To select attempts by their step-1 time
	Level      float64
	Cohorts    *Calendar
	// Correlation adds the events that go with converting or dropping off
	// (funnel_correlation.go); CorrelationProps the values of these user
	// properties, read from UserProps.
	Correlation      bool
	CorrelationProps []string
	UserProps        map[string][]string
	each             func(stepUser) // when set, sees each user as the steps count them
}

// FunnelResult is a funnel: each user once, at the furthest step of any
// clean, complete attempt.
type FunnelResult struct {
	Steps      []StepStat     `json:"steps"`
	Conversion Proportion     `json:"conversion"`
	Excluded   FunnelExcluded `json:"excluded"`
	Cohorts    []FunnelCohort `json:"cohorts"`
	// Correlation (--correlation) and PropertyCorrelation
	// (--correlation-props), with the totals they compare; absent unless
	// asked for.
	Correlation         *[]CorrelationRow         `json:"correlation,omitempty"`
	PropertyCorrelation *[]PropertyCorrelationRow `json:"property_correlation,omitempty"`
	CorrelationTotals   *CorrelationTotals        `json:"correlation_totals,omitempty"`
	Warnings            []Warning                 `json:"-"` // in the envelope
}

// FunnelExcluded counts users left out of the funnel.
type FunnelExcluded struct {
	Censored   int64 `json:"censored"`   // every attempt's window still open at as_of
	Exclusions int64 `json:"exclusions"` // every complete attempt spoiled by an excluded event
}

// funnelWarnings are the funnel's caveats (correlation adds its own).
func funnelWarnings(res FunnelResult, p FunnelParams) []Warning {
	ws := proportionWarnings("funnel conversion", res.Conversion)
	if c := res.Excluded.Censored; c > 0 {
		ws = append(ws, Warning{Code: "censored", Message: fmt.Sprintf("%d users entered less than %s before as_of and are left out (no attempt has a complete window)", c, FormatDuration(p.Window.Length))})
	}
	if c := res.Excluded.Exclusions; c > 0 {
		ws = append(ws, Warning{Code: "excluded_attempts", Message: fmt.Sprintf("%d users had every attempt spoiled by an excluded event and drop out of every step", c)})
	}
	if ws == nil {
		ws = []Warning{}
	}
	return ws
}

// Funnel computes an ordered, strict or any-order funnel.
func Funnel(l *Log, users []int32, p FunnelParams) FunnelResult {
	ids := l.NameIDs(p.Steps)
	n := len(ids)
	var ex []excl
	for _, e := range p.Exclusions {
		ex = append(ex, excl{l.NameID(e.Event), e.From - 1, e.To - 1})
	}
	reachedN := make([]int64, n)
	gaps := make([][]float64, n)
	cohorts := newCohortRows(p.Cohorts)
	res := FunnelResult{Cohorts: []FunnelCohort{}, Warnings: []Warning{}}
	var pa path
	var best path
	// an attempt starts at step 1, or with any order at any step
	isStart := func(id int32) bool { return id == ids[0] || p.Order == Any && slices.Contains(ids, id) }
	corr := p.Correlation || len(p.CorrelationProps) > 0
	var counted []corrUser
	for _, u := range users {
		ts, ns := l.Events(u)
		bestN, attempts, complete := 0, 0, 0
		var bestT0, firstT0 int64
		for i := range ts {
			if !isStart(ns[i]) || !p.Range.Contains(ts[i]) {
				continue
			}
			if attempts == 0 {
				firstT0 = ts[i]
			}
			attempts++
			end := p.Window.End(ts[i])
			if !p.Range.Complete(end) {
				continue
			}
			complete++
			walk(&pa, ts, ns, ids, i, end, p.Order, l.derived)
			r := len(pa.times)
			if spoiled(&pa, ts, ns, ex, end, n, p.Order) {
				continue
			}
			if r > bestN {
				bestN, bestT0 = r, ts[i]
				best.times = append(best.times[:0], pa.times...)
				if r == n {
					break
				}
			}
		}
		if attempts == 0 {
			if p.each != nil {
				p.each(newStepUser(u, n, "not_entered", 0, false, cohorts))
			}
			continue
		}
		if complete == 0 {
			res.Excluded.Censored++
			cohorts.row(firstT0).censor++
			if p.each != nil {
				p.each(newStepUser(u, n, "censored", firstT0, true, cohorts))
			}
			continue
		}
		if bestN == 0 {
			res.Excluded.Exclusions++
			if p.each != nil {
				o := newStepUser(u, n, "spoiled", firstT0, true, cohorts)
				o.cohort = cohorts.label(0, false) // in no cohort's row
				p.each(o)
			}
			continue
		}
		if corr {
			o := corrUser{user: u, from: bestT0, to: p.Window.End(bestT0), converted: bestN == n}
			if o.converted {
				o.to = best.times[n-1]
			}
			counted = append(counted, o)
		}
		row := cohorts.row(bestT0)
		row.n++
		if bestN == n {
			row.x++
		}
		for j := 0; j < bestN; j++ {
			reachedN[j]++
			if j > 0 {
				gaps[j] = append(gaps[j], float64(best.times[j]-best.times[j-1])/1e9)
			}
		}
		if p.each != nil {
			o := newStepUser(u, n, "counted", bestT0, true, cohorts)
			for j := 0; j < bestN; j++ {
				o.reach(j, best.times[j])
			}
			o.converted = bestN == n
			p.each(o)
		}
	}
	labels := p.Steps
	if p.Order == Any {
		labels = make([]string, n)
		for j := range labels {
			labels[j] = fmt.Sprintf("any %d of %d", j+1, n)
		}
	}
	res.Steps = stepStats(labels, reachedN, gaps)
	res.Conversion = NewProportion(reachedN[n-1], reachedN[0], p.Level)
	res.Cohorts = cohorts.list(p.Level)
	res.Warnings = funnelWarnings(res, p)
	if corr {
		correlate(l, &res, p, ids, counted)
	}
	return res
}

// excl is an Exclusion with the event's id and 0-based steps.
type excl struct {
	id       int32
	from, to int
}

// spoiled reports whether an excluded event falls strictly between the
// attempt's steps From and To; when the attempt stopped before To, its
// window end stands in for the missing step (inclusive).
func spoiled(pa *path, ts []int64, ns []int32, ex []excl, end int64, n int, order Order) bool {
	for _, e := range ex {
		from, to := e.from, e.to
		if order == Any {
			from, to = 0, n-1
		}
		if from >= len(pa.times) {
			continue
		}
		lo := pa.times[from]
		hi, incl := end, true
		if to < len(pa.times) {
			hi, incl = pa.times[to], false
		}
		for i, t := range ts {
			if ns[i] != e.id || t <= lo {
				continue
			}
			if t < hi || (incl && t == hi) {
				return true
			}
		}
	}
	return false
}
