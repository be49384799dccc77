package metrics

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// ---------------------------------------------------------------------------
// Feature adoption (docs/metrics.md#adoption)

// AdoptionSettings are the adoption command's flags and config keys.
type AdoptionSettings struct {
	FeatureEvents []string `flag:"feature-event" list:"comma" usage:"Feature events (repeat, or comma-separated; selectors allowed): one feature each, or with --feature-prop the events whose values are the features" json:"feature_events"`
	FeatureProp   string   `flag:"feature-prop" usage:"One feature per value of this property on the feature events (default event with it: feature_used)" json:"feature_prop"`
	Period        string   `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
	Denominator string   `flag:"adoption-denominator" enum:"active,all" usage:"Adopters of users active in the period, or of all users first seen by its end" json:"adoption_denominator"`
	Retained    Duration `flag:"retained-adoption" usage:"Nw: of a period's first-time users of a feature, the share who use it again in week N after their first use (week 1 = days 7-13)" json:"retained_adoption"`
}

// defaultFeatureEvent is the feature event --feature-prop reads by default.
const defaultFeatureEvent = "feature_used"

// events are the feature events.
func (s *AdoptionSettings) events() []string {
	if len(s.FeatureEvents) == 0 && s.FeatureProp != "" {
		return []string{defaultFeatureEvent}
	}
	return s.FeatureEvents
}

// week is --retained-adoption's N, or 0 without it.
func (s *AdoptionSettings) week() int { return int(s.Retained.D / (7 * 24 * time.Hour)) }

// AdoptionRetention is retained adoption: of the first-time users of a
// feature (their first use ever fell in the period or range), those whose
// week N after it is complete at as_of (the rest are censored), and the
// share of them who used the feature in that week.
type AdoptionRetention struct {
	Week      int        `json:"week"`
	FirstTime int64      `json:"first_time"`
	Censored  int64      `json:"censored"`
	Rate      Proportion `json:"rate"`
}

// AdoptionFeature is a feature's adopters and adoption rate.
type AdoptionFeature struct {
	Feature  string             `json:"feature"`
	Adopters int64              `json:"adopters"`
	Rate     Proportion         `json:"rate"`
	Retained *AdoptionRetention `json:"retained_adoption"`
}

// AdoptionPeriod is one period: its active users, the users known by its
// end, and each feature's adoption.
type AdoptionPeriod struct {
	Period   string            `json:"period"`
	Active   int64             `json:"active"`
	Known    int64             `json:"known"`
	Complete bool              `json:"complete"`
	Features []AdoptionFeature `json:"features"`
}

// AdoptionResult is adoption over the whole range and per period.
type AdoptionResult struct {
	Denominator string            `json:"denominator"`
	Active      int64             `json:"active"`
	Known       int64             `json:"known"`
	Features    []AdoptionFeature `json:"features"`
	Periods     []AdoptionPeriod  `json:"periods"`
	Warnings    []Warning         `json:"-"`
	periods     []reportPeriod
}

// adoptionUser is one user's use of one feature, as the figures count it.
type adoptionUser struct {
	user     int32
	feature  string
	firstUse int64
	first    string // the first use's period
	periods  int    // listed periods the user counts as an adopter in
	retained int8   // 1, 0, or -1: not counted (censored, out of range, or no --retained-adoption)
}

// featureSet is the features and, parallel to the Log's events (user by
// user, as Log.Events lists them), each event's feature or -1, so that
// each Compute walks them in order.
type featureSet struct {
	names   []string // the features, in output order
	of      []int32
	noValue int64 // feature events without a value (--feature-prop)
}

// features finds the features over every user (so that segments list the
// same): the feature events as given, or every value of the property on
// them, most events first (then by value).
func features(l *Log, s *AdoptionSettings) *featureSet {
	fs := &featureSet{of: make([]int32, len(l.names))}
	ids := map[int32]int32{} // feature event name id → feature, or -1 with a property
	for i, e := range s.events() {
		if id := l.NameID(e); id >= 0 {
			ids[id] = int32(i)
			if s.FeatureProp != "" {
				ids[id] = -1
			}
		}
	}
	if s.FeatureProp == "" {
		fs.names = s.events()
		for k, n := range l.names {
			fs.of[k] = -1
			if f, ok := ids[n]; ok {
				fs.of[k] = f
			}
		}
		return fs
	}
	// each value's feature, in the order of the values (sequential: the
	// Log's events reach them in no order), then each feature event's
	vals := l.props[s.FeatureProp] // by details index
	byDet := make([]int32, len(vals))
	byValue := map[string]int32{}
	var values []string
	last, lastF := "", int32(-1) // most values repeat the one before
	for d, v := range vals {
		switch {
		case v == "":
			byDet[d] = -1
			continue
		case v != last || lastF < 0:
			f, ok := byValue[v]
			if !ok {
				f = int32(len(values))
				byValue[v] = f
				values = append(values, v)
			}
			last, lastF = v, f
		}
		byDet[d] = lastF
	}
	count := make([]int64, len(values))
	for k, n := range l.names {
		fs.of[k] = -1
		if _, ok := ids[n]; !ok || l.det == nil {
			continue
		}
		f := int32(-1)
		if d := l.det[k]; d >= 0 && int(d) < len(byDet) {
			f = byDet[d]
		}
		if f < 0 {
			fs.noValue++
			continue
		}
		fs.of[k] = f
		count[f]++
	}
	// the values of feature events, most events first
	var order []int32
	for f, c := range count {
		if c > 0 {
			order = append(order, int32(f))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(values[a], values[b])
	})
	rank := make([]int32, len(values))
	for r, f := range order {
		rank[f] = int32(r)
		fs.names = append(fs.names, values[f])
	}
	for k, f := range fs.of {
		if f >= 0 {
			fs.of[k] = rank[f]
		}
	}
	return fs
}

// featuresOf is the run's features, prepared once, or found now.
func featuresOf(r *Run, s *AdoptionSettings) *featureSet {
	if fs, ok := r.Prepared.(*featureSet); ok {
		return fs
	}
	return features(r.Log, s)
}

// adoptionPeriods are the periods adoption lists, from the period of the
// read's first event.
func adoptionPeriods(r *Run, s *AdoptionSettings) (Calendar, []reportPeriod) {
	cal := s.Calendar(s.Period, r.Loc)
	var first int64
	ok := false
	for _, t := range r.Log.FirstSeen {
		if !ok || t < first {
			first, ok = t, true
		}
	}
	lo := 0
	if ok {
		lo = cal.Index(first)
	}
	return cal, reportPeriods(cal, r.Range, r.Since, lo, ok)
}

// Adoption computes adoption over users; each, when set, sees every user's
// use of every feature they used (in user, then feature order).
func Adoption(r *Run, s *AdoptionSettings, users []int32, each func(adoptionUser)) AdoptionResult {
	cal, ps := adoptionPeriods(r, s)
	fs := featuresOf(r, s)
	res := AdoptionResult{Denominator: s.Denominator, Features: []AdoptionFeature{}, Periods: []AdoptionPeriod{}, Warnings: []Warning{}, periods: ps}
	nf, np := len(fs.names), len(ps)
	lo := 0
	if np > 0 {
		lo = ps[0].index
	}
	N := s.week()
	week := int64(7 * 24 * time.Hour)
	active := make([]int64, np)
	known := make([]int64, np+1) // differences, then running sums
	actStamp := make([]int32, np)
	cells := np * nf
	adopters := make([]int64, cells)
	stamp := make([]int32, cells)
	rangeAdopters := make([]int64, nf)
	firstTime, censored, eligible, retained := make([]int64, cells), make([]int64, cells), make([]int64, cells), make([]int64, cells)
	for i := range stamp {
		stamp[i] = -1
	}
	for i := range actStamp {
		actStamp[i] = -1
	}
	// per user, per feature
	firstUse := make([]int64, nf)
	used := make([]bool, nf)
	ret := make([]bool, nf)
	inPeriods := make([]int, nf)
	var touched []int32
	var notActive int64
	zd := zoneDays{loc: cal.loc()}
	period := func(t int64) int { return cal.DayPeriod(zd.day(t)) - lo }
	for _, u := range users {
		// active periods, and the whole range's active and known users
		if r.Activity != nil && int(u) < r.Activity.Users {
			days, _ := r.Activity.ActiveDays(int(u))
			any := false
			for _, d := range days {
				if j := cal.DayPeriod(d) - lo; j >= 0 && j < np && actStamp[j] != u {
					actStamp[j] = u
					active[j]++
					any = true
				}
			}
			if any {
				res.Active++
			}
		}
		if int(u) < len(r.Log.FirstSeen) {
			if j := cal.Index(r.Log.FirstSeen[u]) - lo; j < np {
				known[max(j, 0)]++
			}
		}
		// feature uses, in time order
		times, _ := r.Log.Events(u)
		feats := fs.of[r.Log.start[u]:r.Log.start[u+1]]
		touched = touched[:0]
		for i, t := range times {
			f := feats[i]
			if f < 0 {
				continue
			}
			if !used[f] {
				used[f], firstUse[f], ret[f], inPeriods[f] = true, t, false, 0
				touched = append(touched, f)
			} else if N > 0 && t >= addNS(firstUse[f], int64(N)*week) && t < addNS(firstUse[f], int64(N+1)*week) {
				ret[f] = true
			}
			j := period(t)
			if j < 0 || j >= np {
				continue
			}
			c := j*nf + int(f)
			if stamp[c] == u {
				continue
			}
			stamp[c] = u
			if s.Denominator == "active" && actStamp[j] != u {
				notActive++ // not in the denominator: left out of the numerator too
				continue
			}
			adopters[c]++
			if inPeriods[f] == 0 {
				rangeAdopters[f]++
			}
			inPeriods[f]++
		}
		slices.Sort(touched)
		for _, f := range touched {
			used[f] = false
			o := adoptionUser{user: u, feature: fs.names[f], firstUse: firstUse[f], first: cal.Label(cal.Start(firstUse[f])), periods: inPeriods[f], retained: -1}
			if j := period(firstUse[f]); N > 0 && j >= 0 && j < np {
				c := j*nf + int(f)
				firstTime[c]++
				if !r.Range.Complete(addNS(firstUse[f], int64(N+1)*week)) {
					censored[c]++
				} else {
					eligible[c]++
					o.retained = 0
					if ret[f] {
						retained[c]++
						o.retained = 1
					}
				}
			}
			if each != nil {
				each(o)
			}
		}
	}
	for j := 1; j < np; j++ {
		known[j] += known[j-1]
	}
	if np > 0 {
		res.Known = known[np-1]
	}
	denom := func(j int) int64 {
		if s.Denominator == "all" {
			return known[j]
		}
		return active[j]
	}
	retention := func(ft, cens, el, rt int64) *AdoptionRetention {
		if N == 0 {
			return nil
		}
		return &AdoptionRetention{Week: N, FirstTime: ft, Censored: cens, Rate: NewProportion(rt, el, r.Level)}
	}
	small, empty := 0, 0 // periods
	var totCensored int64
	for f, name := range fs.names {
		var ft, cens, el, rt int64
		for j := 0; j < np; j++ {
			c := j*nf + f
			ft, cens, el, rt = ft+firstTime[c], cens+censored[c], el+eligible[c], rt+retained[c]
		}
		totCensored += cens
		n := res.Active
		if s.Denominator == "all" {
			n = res.Known
		}
		res.Features = append(res.Features, AdoptionFeature{Feature: name, Adopters: rangeAdopters[f], Rate: NewProportion(rangeAdopters[f], n, r.Level), Retained: retention(ft, cens, el, rt)})
	}
	for j, p := range ps {
		ap := AdoptionPeriod{Period: p.label, Active: active[j], Known: known[j], Complete: p.complete, Features: []AdoptionFeature{}}
		switch n := denom(j); {
		case n == 0:
			empty++
		case n < 30 && p.complete:
			small++
		}
		for f, name := range fs.names {
			c := j*nf + f
			ap.Features = append(ap.Features, AdoptionFeature{Feature: name, Adopters: adopters[c], Rate: NewProportion(adopters[c], denom(j), r.Level),
				Retained: retention(firstTime[c], censored[c], eligible[c], retained[c])})
		}
		res.Periods = append(res.Periods, ap)
	}
	if np == 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "no_periods", Message: "no period starts inside the reporting range before as_of"})
	}
	if s.FeatureProp != "" && fs.noValue > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "feature_events_without_value", Message: fmt.Sprintf("%d feature events have no %s value and are no feature's", fs.noValue, s.FeatureProp)})
	}
	if notActive > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "adopters_not_active", Message: fmt.Sprintf("%d uses of a feature (by user and period) came from users not active in the period (--active-event leaves the feature events out) and are not counted", notActive)})
	}
	rangeN := res.Active
	if s.Denominator == "all" {
		rangeN = res.Known
	}
	switch {
	case np > 0 && rangeN == 0:
		res.Warnings = append(res.Warnings, Warning{Code: "empty_denominator", Message: "no user is in the denominator over the range: every rate is null"})
	case empty > 0:
		res.Warnings = append(res.Warnings, Warning{Code: "empty_denominator", Message: fmt.Sprintf("periods with no users in the denominator, whose rates are null: %d", empty)})
	}
	if small > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "small_sample", Message: fmt.Sprintf("complete periods with fewer than 30 users in the denominator: %d", small)})
	}
	if totCensored > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "censored", Message: fmt.Sprintf("first-time users whose week %d is not over at as_of, left out of retained adoption: %d", N, totCensored)})
	}
	if N > 0 && r.Since != nil {
		res.Warnings = append(res.Warnings, Warning{Code: "warm_up", Message: "history before --since is missing, so a first use is the first since --since"})
	}
	return res
}
