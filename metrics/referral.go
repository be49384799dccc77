package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// Referral rate (docs/metrics.md#referral), on one of three bases:
//   - active: users active in the period who were acquired by referral /
//     users active in the period;
//   - new: users first seen in the period who were acquired by referral /
//     users first seen in the period;
//   - referrers: users active in the period who sent a referral in it /
//     users active in the period.
//
// A user is acquired by referral when their first-seen --referred-prop
// value is non-empty (or one of --referred-value), or when they did
// --referred-event within 24 h of their first event.

// referredWithin is how soon after a user's first event --referred-event
// marks them referred.
const referredWithin = 24 * time.Hour

// ReferralSettings are the referral command's flags and config keys.
type ReferralSettings struct {
	Basis         string   `flag:"basis" enum:"active,new,referrers" usage:"Rate of: active users acquired by referral, new users acquired by referral, or active users who sent a referral" json:"basis"`
	ReferredProp  string   `flag:"referred-prop" usage:"User property whose first-seen value marks a user acquired by referral (\"\" to use --referred-event alone)" json:"referred_prop"`
	ReferredValue []string `flag:"referred-value" list:"comma" usage:"Values of --referred-prop that mean referral (default: any non-empty value)" json:"referred_values"`
	ReferredEvent string   `flag:"referred-event" usage:"Event that marks a user acquired by referral when done within 24h of their first event" json:"referred_event"`
	SentEvent     string   `flag:"sent-event" usage:"Event of sending a referral (--basis referrers)" json:"sent_event"`
	Period        string   `flag:"period" enum:"day,week,month" usage:"Calendar period in --tz" json:"period"`
	WeekSettings
}

// ReferralResult is the referral rate over the range and per period.
type ReferralResult struct {
	Rate       Proportion       `json:"rate"`
	Basis      string           `json:"basis"`
	Definition string           `json:"definition"`
	Periods    []ReferralPeriod `json:"periods"`
	// Referred counts users acquired by referral among all users read
	// (bases active and new).
	Referred *int64    `json:"referred_users"`
	Warnings []Warning `json:"-"`
}

// ReferralPeriod is one period's referral rate.
type ReferralPeriod struct {
	Period string     `json:"period"`
	Rate   Proportion `json:"rate"`
	Status string     `json:"status"`
}

// ReferralParams configure Referral.
type ReferralParams struct {
	Basis string
	// Referred says whether user u was acquired by referral (bases active
	// and new); Sent lists u's referral times (basis referrers).
	Referred func(u int32) bool
	Sent     func(u int32) []int64
	Calendar Calendar
	Range    Range
	Level    float64
	each     func(referralUser)
}

// referralUser is a user's outcome: counted in the overall denominator
// (in), and in its numerator (hit).
type referralUser struct {
	user      int32
	firstSeen int64
	referred  *bool // bases active and new
	in, hit   bool
}

var referralDefinitions = map[string]string{
	"active":    "users active in the period who were acquired by referral / users active in the period",
	"new":       "users first seen in the period who were acquired by referral / users first seen in the period",
	"referrers": "users active in the period who sent a referral in it / users active in the period",
}

// Referral computes the referral rate of users on p's basis from their
// activity.
func Referral(a *Activity, users []int32, p ReferralParams) ReferralResult {
	res := ReferralResult{Basis: p.Basis, Definition: referralDefinitions[p.Basis], Periods: []ReferralPeriod{}, Warnings: []Warning{}}
	cal := p.Calendar
	dLo, dHi := dayBounds(p.Range, cal.loc())
	type cell struct{ x, n int64 }
	per := map[int]*cell{}
	at := func(k int) *cell {
		c := per[k]
		if c == nil {
			c = &cell{}
			per[k] = c
		}
		return c
	}
	var x, n, referred int64
	for _, u := range users {
		o := referralUser{user: u}
		if int(u) < a.Users {
			o.firstSeen = a.FirstSeen[u]
		}
		var ref bool
		if p.Basis != "referrers" {
			ref = p.Referred(u)
			o.referred = &ref
			if ref {
				referred++
			}
		}
		switch p.Basis {
		case "new":
			if int(u) < a.Users && p.Range.Contains(o.firstSeen) {
				o.in, o.hit = true, ref
				c := at(cal.Index(o.firstSeen))
				c.n++
				if ref {
					c.x++
				}
			}
		default:
			if int(u) >= a.Users {
				break
			}
			var sent []int // periods with a referral sent in range
			if p.Basis == "referrers" {
				for _, t := range p.Sent(u) {
					if p.Range.Contains(t) && t < p.Range.AsOf {
						sent = append(sent, cal.Index(t))
					}
				}
			}
			days, _ := a.ActiveDays(int(u))
			last := math.MinInt
			for _, d := range days {
				if d < dLo || d >= dHi {
					continue
				}
				o.in = true
				k := cal.DayPeriod(d)
				if k == last {
					continue
				}
				last = k
				c := at(k)
				c.n++
				if ref || slices.Contains(sent, k) {
					c.x++
				}
			}
			o.hit = o.in && (ref || len(sent) > 0)
		}
		if o.in {
			n++
			if o.hit {
				x++
			}
		}
		if p.each != nil {
			p.each(o)
		}
	}
	res.Rate = NewProportion(x, n, p.Level)
	if p.Basis != "referrers" {
		res.Referred = &referred
		if referred == 0 && len(users) > 0 {
			res.Warnings = append(res.Warnings, Warning{Code: "no_referred_users",
				Message: "no user was acquired by referral: check --referred-prop, --referred-value and --referred-event"})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(per)) {
		c := per[k]
		start, next := cal.PeriodStart(k), cal.PeriodStart(k+1)
		st := "complete"
		if !p.Range.Contains(unixNS(start)) || p.Range.To != nil && unixNS(next) > *p.Range.To || !p.Range.Complete(unixNS(next)) {
			st = "incomplete"
		}
		res.Periods = append(res.Periods, ReferralPeriod{Period: cal.Label(start), Rate: NewProportion(c.x, c.n, p.Level), Status: st})
	}
	res.Warnings = append(res.Warnings, proportionWarnings("referral rate", res.Rate)...)
	return res
}

// dayBounds are the local days [lo, hi) that begin inside the range.
func dayBounds(r Range, loc *time.Location) (lo, hi int32) {
	first := func(t *int64, none int32) int32 {
		if t == nil {
			return none
		}
		lt := time.Unix(0, *t).In(loc)
		d := int32(civilDays(lt))
		if dayStart(int(d), loc).Before(lt) {
			d++
		}
		return d
	}
	return first(r.From, math.MinInt32), first(r.To, math.MaxInt32)
}

// ReferralMetric is the referral command (docs/metrics.md#referral).
var ReferralMetric = &Def[ReferralSettings, ReferralResult]{
	Info: Info{
		Name:  "referral",
		Use:   "[FILE...] [--basis active|new|referrers] [--referred-prop P] [--referred-event E]",
		Short: "Referral rate, with its basis named",
		Long: `Referral rate with a Wilson confidence interval, over the reporting range and
per --period (docs/metrics.md#referral). --basis says of what:

  active     users active in the period who were acquired by referral,
             of the users active in it (the default);
  new        users first seen in the period who were acquired by referral,
             of the users first seen in it: referral's share of acquisition;
  referrers  users active in the period who sent a referral (--sent-event)
             in it, of the users active in it: participation.

A user was acquired by referral when their first-seen --referred-prop value is
non-empty (with --referred-value: one of those values), or when they did
--referred-event within 24h of their first event. Activity is every event but
internal ones, or --active-event. Periods the range or as_of cut are marked
incomplete.`,
		Example: `  uptake referral events.csv                       # referred_by set at signup
  uptake referral --demo --referred-prop signup_source --referred-value referral
  uptake referral --demo --referred-prop signup_source --referred-value referral --basis new --by plan
  uptake referral --demo --basis referrers --period week`,
		ActiveEvents: true,
	},
	Defaults: func() ReferralSettings {
		return ReferralSettings{Basis: "active", ReferredProp: "referred_by", SentEvent: "referral_sent", Period: "month", WeekSettings: NewWeeks()}
	},
	Check: func(s *ReferralSettings) error {
		switch {
		case s.Basis == "referrers" && s.SentEvent == "":
			return fmt.Errorf("--basis referrers needs --sent-event")
		case s.Basis != "referrers" && s.ReferredProp == "" && s.ReferredEvent == "":
			return fmt.Errorf("--basis %s needs --referred-prop or --referred-event to tell referred users", s.Basis)
		case len(s.ReferredValue) > 0 && s.ReferredProp == "":
			return fmt.Errorf("--referred-value needs --referred-prop")
		}
		return nil
	},
	Needs: func(s *ReferralSettings) Needs {
		n := Needs{Activity: &ActivityConfig{}}
		if s.Basis == "referrers" {
			n.Events = []string{s.SentEvent}
			n.Refs = []Ref{{Flag: "--sent-event", Names: []string{s.SentEvent}}}
			return n
		}
		if s.ReferredProp != "" {
			n.UserProps = []string{s.ReferredProp}
			n.Refs = append(n.Refs, Ref{Flag: "--referred-prop", Property: true, Names: []string{s.ReferredProp}})
		}
		if s.ReferredEvent != "" {
			n.Events = []string{s.ReferredEvent}
			n.Refs = append(n.Refs, Ref{Flag: "--referred-event", Names: []string{s.ReferredEvent}})
		}
		return n
	},
	Compute: func(r *Run, s *ReferralSettings, users []int32) ReferralResult {
		return Referral(r.Activity, users, referralParams(r, s))
	},
	Users:    referralUsers,
	Warnings: func(x ReferralResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *ReferralSettings) any {
		p := struct {
			*ReferralSettings
			ReferredValue []string `json:"referred_values"`
			Within        string   `json:"referred_event_within"`
		}{s, s.ReferredValue, FormatDuration(referredWithin)}
		if p.ReferredValue == nil {
			p.ReferredValue = []string{} // any non-empty value
		}
		return p
	},
	View: referralView,
	Rows: referralRows,
	Headline: func(_ *Run, s *ReferralSettings, all Segmented[ReferralResult]) string {
		return fmt.Sprintf("Referral rate (%s basis): %s", s.Basis, PropText(all.Overall.Rate))
	},
}

func referralParams(r *Run, s *ReferralSettings) ReferralParams {
	p := ReferralParams{Basis: s.Basis, Calendar: s.Calendar(s.Period, r.Loc), Range: r.Range, Level: r.Level}
	l := r.Log
	if s.Basis == "referrers" {
		id := l.NameID(s.SentEvent)
		p.Sent = func(u int32) []int64 {
			var out []int64
			ts, ns := l.Events(u)
			for i, t := range ts {
				if ns[i] == id {
					out = append(out, t)
				}
			}
			return out
		}
		return p
	}
	vals := r.UserProps[s.ReferredProp]
	evID := int32(-1)
	if s.ReferredEvent != "" {
		evID = l.NameID(s.ReferredEvent)
	}
	first := r.Activity.FirstSeen
	p.Referred = func(u int32) bool {
		if int(u) < len(vals) && vals[u] != "" && (len(s.ReferredValue) == 0 || slices.Contains(s.ReferredValue, vals[u])) {
			return true
		}
		if evID < 0 || int(u) >= len(first) {
			return false
		}
		ts, ns := l.Events(u)
		t, j := firstOf(ts, ns, evID, first[u], 0)
		return j >= 0 && t-first[u] <= int64(referredWithin)
	}
	return p
}

// referralUsers are each user's outcome: in the overall denominator
// (counted), and in its numerator (hit).
func referralUsers(r *Run, s *ReferralSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "first_seen", Kind: report.Time},
		report.Column{Key: "referred"}, report.Column{Key: "counted"}, report.Column{Key: "in_numerator"})}
	p := referralParams(r, s)
	p.each = func(o referralUser) {
		var ref any
		if o.referred != nil {
			ref = *o.referred
		}
		t.Rows = append(t.Rows, userRow(r, o.user, nil, nsTime(o.firstSeen), ref, o.in, o.hit))
	}
	Referral(r.Activity, users, p)
	return t
}

var referralCols = append([]report.Column{{Key: "period"}, {Key: "denominator", Kind: report.Int}, {Key: "numerator", Kind: report.Int}},
	append(CICols("rate"), report.Column{Key: "status"})...)

// referralRows are the range's row ("(all)") and one per period.
func referralRows(_ *Run, _ *ReferralSettings, x ReferralResult) report.Table {
	t := report.Table{Columns: referralCols,
		Rows: [][]any{append(append([]any{"(all)", x.Rate.Denominator, x.Rate.Numerator}, CIVals(x.Rate)...), nil)}}
	for _, p := range x.Periods {
		t.Rows = append(t.Rows, append(append([]any{p.Period, p.Rate.Denominator, p.Rate.Numerator}, CIVals(p.Rate)...), p.Status))
	}
	return t
}

// referralWho names a basis's denominator and numerator for people.
var referralWho = map[string][2]string{
	"active": {"active users", "referred"}, "new": {"new users", "referred"}, "referrers": {"active users", "referrers"},
}

func referralView(r *Run, s *ReferralSettings, all Segmented[ReferralResult]) report.Doc {
	res := all.Overall
	who := referralWho[s.Basis]
	doc := report.Doc{Title: fmt.Sprintf("Referral rate (%s basis)", s.Basis)}
	doc.Add("referral rate", PropText(res.Rate))
	doc.Add("basis", res.Definition)
	switch {
	case s.Basis == "referrers":
		doc.Add("referral sent", s.SentEvent)
	default:
		var how []string
		if s.ReferredProp != "" {
			v := "set"
			if len(s.ReferredValue) > 0 {
				v = "= " + strings.Join(s.ReferredValue, " or ")
			}
			how = append(how, fmt.Sprintf("first-seen %s %s", s.ReferredProp, v))
		}
		if s.ReferredEvent != "" {
			how = append(how, fmt.Sprintf("%s within %s of the first event", s.ReferredEvent, FormatDuration(referredWithin)))
		}
		doc.Add("referred", fmt.Sprintf("%s (%s users of all read)", strings.Join(how, ", or "), report.Thousands(*res.Referred)))
	}
	cols := slices.Clone(referralCols)
	cols[1].Header, cols[2].Header = who[0], who[1]
	per := report.Table{Title: "By " + s.Period, Columns: cols}
	for _, p := range res.Periods {
		per.Rows = append(per.Rows, append(append([]any{p.Period, p.Rate.Denominator, p.Rate.Numerator}, CIVals(p.Rate)...), p.Status))
	}
	doc.Tables = append(doc.Tables, series(per, "rate"))
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}}, cols[1:len(cols)-1]...)}
		for _, sr := range all.Segments {
			x := sr.Result.Rate
			seg.Rows = append(seg.Rows, append([]any{sr.Name, x.Denominator, x.Numerator}, CIVals(x)...))
		}
		doc.Tables = append(doc.Tables, seg)
	}
	doc.Charts = append(doc.Charts, segmentIntervals("Referral rate", all, func(x ReferralResult) Proportion { return x.Rate }))
	if len(res.Periods) > 0 {
		doc.Charts = append(doc.Charts, intervalsOf("Referral rate by "+s.Period, res.Periods,
			func(p ReferralPeriod) (string, Proportion) { return p.Period, p.Rate }))
	}
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; intervals are %s Wilson", r.AsOf, report.Pct(r.Level)))
	return doc
}
