package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// Drivers (docs/metrics.md#drivers): which early behaviours go with a later
// outcome, the offline form of Amplitude Compass and Mixpanel Signal. A
// behaviour is "did E at least k times within W of signup"; for each, the
// outcome rate of the users with it is compared with the rate of those
// without: the difference with Newcombe's interval, the two-proportion
// test compare uses (pooled z, Fisher's exact test when a cell is sparse),
// and Holm's adjustment over every behaviour tested. Association only.

// The outcomes drivers explains.
const (
	DriversOutcomeEvent    = "event"    // --outcome-event within --within of signup
	DriversOutcomeRetained = "retained" // active in elapsed period --offset after signup
)

// IntList is a comma-separated list of whole numbers of at least 1, kept
// sorted and without repeats (--at-least 1,2,3,5).
type IntList []int

// Set implements the flag interface: the list given replaces the default.
func (l *IntList) Set(v string) error {
	var out IntList
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("want whole numbers of at least 1 separated by commas, such as 1,2,3,5")
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	*l = out
	return nil
}

func (l *IntList) String() string {
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (l *IntList) Type() string { return "counts" }

// DriversParams configure Drivers.
type DriversParams struct {
	// Events are the behaviours' events; nil: every event that is a user
	// behaviour (Log.Behaviour) but the outcome event and the signup event.
	Events       []string
	AtLeast      []int // thresholds k, ascending
	Window       time.Duration
	Anchor       Anchor
	Outcome      string // DriversOutcomeEvent or DriversOutcomeRetained
	OutcomeEvent string
	Within       time.Duration // the outcome window (event)
	Offset       int           // the period measured (retained)
	PeriodLen    time.Duration // its length (retained)
	// Truncate keeps users whose outcome event comes inside the behaviour
	// window, counting their behaviours before it; by default they are
	// left out (OutcomeInWindow) and the outcome counts after the window.
	Truncate bool
	MinUsers int64
	Test     string // "", z, z-unpooled or fisher (TestProportions)
	Alpha    float64
	Range    Range
	Level    float64
	// each, when set, sees every user as the figures count them.
	each func(driverUser)
}

// driverUser is one user's outcome as Drivers counts it.
type driverUser struct {
	user      int32
	status    string // counted, censored, outcome_in_window, no_signup, out_of_range
	signup    int64
	outcome   bool
	outcomeAt int64 // with an event outcome that happened
}

// Driver is one behaviour: the outcome rate with it and without it, the
// difference (with − without) with its interval, the test and its p, and
// Holm's adjusted p over every behaviour tested.
type Driver struct {
	Behaviour    string     `json:"behaviour"` // "E >= k"
	Event        string     `json:"event"`
	AtLeast      int        `json:"at_least"`
	UsersWith    int64      `json:"users_with"`
	UsersWithout int64      `json:"users_without"`
	RateWith     Proportion `json:"rate_with"`
	RateWithout  Proportion `json:"rate_without"`
	Diff         Estimate   `json:"diff"`
	Test         string     `json:"test"`
	PValue       *float64   `json:"p_value"`
	PAdjusted    *float64   `json:"p_adjusted"`
	Significant  bool       `json:"significant"` // p_adjusted ≤ alpha
}

// DriversResult is the outcome rate of the users counted and every
// behaviour tested, ranked by the lower bound of the difference.
type DriversResult struct {
	Outcome  string          `json:"outcome"` // in words
	Users    int64           `json:"users"`
	Rate     Proportion      `json:"rate"`
	Excluded DriversExcluded `json:"excluded"`
	Tested   int             `json:"behaviours_tested"`
	Signif   int             `json:"significant"`
	TooFew   int             `json:"behaviours_too_few_users"`
	Same     int             `json:"behaviours_same_users"`
	Drivers  []Driver        `json:"drivers"`
	Warnings []Warning       `json:"-"` // in the envelope
}

// DriversExcluded counts the users left out.
type DriversExcluded struct {
	Censored int64 `json:"censored"`  // a window not complete at as_of
	NoSignup int64 `json:"no_signup"` // never did --signup-event
	// OutcomeInWindow had their outcome event inside the behaviour window
	// (left out unless --outcome-in-window truncate).
	OutcomeInWindow int64 `json:"outcome_in_window"`
}

// describe is the outcome in words.
func (p DriversParams) describe() string {
	if p.Outcome == DriversOutcomeRetained {
		return fmt.Sprintf("retained: active in %s %d after %s, [%s, %s)", periodWord(p.PeriodLen), p.Offset, anchorText(p.Anchor.Event),
			FormatDuration(time.Duration(p.Offset)*p.PeriodLen), FormatDuration(time.Duration(p.Offset+1)*p.PeriodLen))
	}
	if !p.Truncate {
		return fmt.Sprintf("%s after %s and within %s of %s", p.OutcomeEvent, FormatDuration(p.Window), FormatDuration(p.Within), anchorText(p.Anchor.Event))
	}
	return fmt.Sprintf("%s within %s of %s", p.OutcomeEvent, FormatDuration(p.Within), anchorText(p.Anchor.Event))
}

func periodWord(d time.Duration) string {
	switch d {
	case 24 * time.Hour:
		return "day"
	case 7 * 24 * time.Hour:
		return "week"
	}
	return "month"
}

// Drivers computes the outcome rate of users and, per behaviour, its rate
// with and without the behaviour.
//
// Users count when their signup is in the reporting range and both their
// behaviour window [signup, signup + W] and their outcome window (an
// event outcome's [signup, signup + within], or a retained outcome's
// period [signup + k·P, signup + (k+1)·P)) end by as_of; the others are
// censored. A behaviour is always read before the outcome is measured, so
// that what the outcome brings with it (invoices after a subscription) is
// never read as its driver: a retained outcome's period starts after the
// behaviour window (Check); users whose outcome event comes inside the
// behaviour window are left out and the outcome counts only after the
// window (a landmark analysis), or with Truncate they stay, their
// behaviours counted strictly before the outcome (which favours the
// users without it, who had the whole window to act).
func Drivers(l *Log, users []int32, p DriversParams) DriversResult {
	res := DriversResult{Outcome: p.describe(), Drivers: []Driver{}, Warnings: []Warning{}}
	K := len(p.AtLeast)
	nn := len(l.Names)
	cand := make([]bool, nn)
	outID, signID := int32(-2), int32(-2)
	if p.Outcome == DriversOutcomeEvent {
		outID = l.NameID(p.OutcomeEvent)
	}
	if p.Anchor.Event != "" {
		signID = l.NameID(p.Anchor.Event)
	}
	if p.Events == nil {
		for id := range l.Names {
			cand[id] = l.Behaviour(int32(id)) && int32(id) != outID && int32(id) != signID
		}
	} else {
		for _, id := range l.NameIDs(p.Events) {
			if id >= 0 {
				cand[id] = true
			}
		}
	}
	with := make([]int64, nn*K)  // users with behaviour (id, k)
	withX := make([]int64, nn*K) // … of whom had the outcome
	counts := make([]int32, nn)
	var touched []int32
	anchors, has := p.Anchor.times(l, users)
	var n, x int64
	for i, u := range users {
		if !has[i] {
			res.Excluded.NoSignup++
			if p.each != nil {
				p.each(driverUser{user: u, status: "no_signup"})
			}
			continue
		}
		a := anchors[i]
		o := driverUser{user: u, status: "out_of_range", signup: a}
		if !p.Range.Contains(a) {
			if p.each != nil {
				p.each(o)
			}
			continue
		}
		bEnd := addNS(a, int64(p.Window)) // inclusive
		var oEnd, lo int64                // outcome window: [a, oEnd] for an event, [lo, oEnd) for a period
		if p.Outcome == DriversOutcomeRetained {
			lo, oEnd = addNS(a, int64(p.Offset)*int64(p.PeriodLen)), addNS(a, int64(p.Offset+1)*int64(p.PeriodLen))
		} else {
			oEnd = addNS(a, int64(p.Within))
		}
		if !p.Range.Complete(max(bEnd, oEnd)) {
			res.Excluded.Censored++
			o.status = "censored"
			if p.each != nil {
				p.each(o)
			}
			continue
		}
		ts, ns := l.Events(u)
		start, _ := slices.BinarySearch(ts, a)
		cut, strict := bEnd, false // behaviours in [a, cut], or [a, cut) when strict
		if p.Outcome == DriversOutcomeRetained {
			j, _ := slices.BinarySearch(ts, lo)
			for ; j < len(ts) && ts[j] < oEnd; j++ {
				if l.Behaviour(ns[j]) {
					o.outcome = true
					break
				}
			}
		} else if outID >= 0 {
			if t, j := firstOf(ts, ns, outID, a, start); j >= 0 && t <= oEnd {
				o.outcome, o.outcomeAt = true, t
				if t <= cut {
					cut, strict = t, true
				}
			}
			if o.outcome && strict && !p.Truncate {
				res.Excluded.OutcomeInWindow++
				o.status = "outcome_in_window"
				if p.each != nil {
					p.each(o)
				}
				continue
			}
		}
		for j := start; j < len(ts); j++ {
			t := ts[j]
			if t > cut || strict && t == cut {
				break
			}
			if id := ns[j]; cand[id] {
				if counts[id] == 0 {
					touched = append(touched, id)
				}
				counts[id]++
			}
		}
		for _, id := range touched {
			c := int(counts[id])
			for j, k := range p.AtLeast {
				if c < k {
					break
				}
				with[int(id)*K+j]++
				if o.outcome {
					withX[int(id)*K+j]++
				}
			}
			counts[id] = 0
		}
		touched = touched[:0]
		n++
		if o.outcome {
			x++
		}
		o.status = "counted"
		if p.each != nil {
			p.each(o)
		}
	}
	res.Users = n
	res.Rate = NewProportion(x, n, p.Level)
	var pv []float64
	for id := range l.Names {
		if !cand[id] {
			continue
		}
		for j, k := range p.AtLeast {
			nw, xw := with[id*K+j], withX[id*K+j]
			switch {
			case nw == 0: // nobody: not a behaviour of these users
				continue
			case j > 0 && nw == with[id*K+j-1]: // the same users as the smaller k
				res.Same++
				continue
			case nw < p.MinUsers || n-nw < p.MinUsers:
				res.TooFew++
				continue
			}
			without, withC := Counts{X: x - xw, N: n - nw}, Counts{X: xw, N: nw}
			tr := TestProportions(without, withC, p.Test)
			d := Driver{Behaviour: fmt.Sprintf("%s >= %d", l.Names[id], k), Event: l.Names[id], AtLeast: k,
				UsersWith: nw, UsersWithout: n - nw, RateWith: NewProportion(xw, nw, p.Level), RateWithout: NewProportion(x-xw, n-nw, p.Level),
				Diff: DiffCI(without, withC, p.Level, DiffCINewcombe), Test: tr.Test, PValue: tr.PValue}
			res.Drivers = append(res.Drivers, d)
			pv = append(pv, fptrNaN(tr.PValue))
		}
	}
	for i, q := range Holm(pv) {
		if !math.IsNaN(q) {
			res.Drivers[i].PAdjusted = Ptr(q)
			res.Drivers[i].Significant = q <= p.Alpha
		}
	}
	res.Tested = len(res.Drivers)
	for _, d := range res.Drivers {
		if d.Significant {
			res.Signif++
		}
	}
	slices.SortStableFunc(res.Drivers, func(a, b Driver) int {
		if c := cmp.Compare(ciLow(b.Diff), ciLow(a.Diff)); c != 0 {
			return c
		}
		if c := cmp.Compare(fptrNaN(a.PValue), fptrNaN(b.PValue)); c != 0 {
			return c
		}
		return cmp.Compare(a.Behaviour, b.Behaviour)
	})
	res.Warnings = append(res.Warnings, proportionWarnings("outcome rate", res.Rate)...)
	if c := res.Excluded.Censored; c > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "censored", Message: fmt.Sprintf(
			"%d users signed up too recently for their behaviour and outcome windows to be complete at as_of and are left out", c)})
	}
	if c := res.Excluded.NoSignup; c > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "no_signup", Message: fmt.Sprintf("%d users never did %s and are left out", c, p.Anchor.Event)})
	}
	res.Warnings = append(res.Warnings, Warning{Code: "association_not_causation", Message: "drivers shows behaviours that go with the outcome, not what causes it: users who would have had the outcome anyway may simply do more of everything; test a change before crediting a behaviour"})
	return res
}

// ciLow is an estimate's lower bound (−Inf without one, last in a ranking).
func ciLow(e Estimate) float64 {
	if e.CI == nil {
		return math.Inf(-1)
	}
	return e.CI.Low
}

// fptrNaN is *p, or NaN for nil.
func fptrNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
