package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// The groups of a comparison (docs/compare.md#groups): each user's arm,
// from a variant property (randomized) or from an expression that splits
// users in two (observational). Users in no arm carry a negative code.

// The codes of users in no arm.
const (
	armNoVariant     = -1 // no value of --variant-prop
	armMultiVariant  = -2 // several values of --variant-prop
	armGroupCensored = -3 // --group's window not over at as_of
	armNoAnchor      = -4 // --group ... of E: never did E
)

// maxArms bounds the values of a variant property: more are most likely
// not variants (a user id, a timestamp).
const maxArms = 20

// Behaviour is an observational group: users who did Event at least once
// within Within of their first event, or of their first Anchor event.
type Behaviour struct {
	Event  string
	Within Duration
	Anchor string // "": the user's first event
}

// String writes the behaviour as --group reads it.
func (b Behaviour) String() string {
	s := b.Event + " within " + b.Within.Text
	if b.Anchor != "" {
		s += " of " + b.Anchor
	}
	return s
}

// ParseBehaviour reads "EVENT within DURATION [of ANCHOR]". matched says
// expr has the form (it holds " within "); err, that DURATION or a name is
// wrong (the caller may still read expr as a property filter).
func ParseBehaviour(expr string) (b Behaviour, matched bool, err error) {
	i := strings.LastIndex(expr, " within ")
	if i < 0 {
		return Behaviour{}, false, nil
	}
	b.Event = strings.TrimSpace(expr[:i])
	rest := strings.TrimSpace(expr[i+len(" within "):])
	dur, anchor, hasOf := strings.Cut(rest, " of ")
	if b.Within, err = ParseDuration(strings.TrimSpace(dur)); err != nil {
		return Behaviour{}, true, fmt.Errorf("--group %q: after within, %w", expr, err)
	}
	if hasOf {
		if b.Anchor = strings.TrimSpace(anchor); b.Anchor == "" {
			return Behaviour{}, true, fmt.Errorf("--group %q: name the event after of", expr)
		}
	}
	if b.Event == "" {
		return Behaviour{}, true, fmt.Errorf("--group %q: name the event before within", expr)
	}
	return b, true, nil
}

// groupPlan is every user's arm.
type groupPlan struct {
	names  []string // the arms, control first
	of     []int32  // per user: arm index, or a code
	label  string   // how users were grouped, for people
	design string
}

// variantGroups are the arms of a variant property: its values among users
// seen with one value only, control first (control "" picks the value
// named control).
func variantGroups(prop string, uv UserValues, control string, users int) (groupPlan, error) {
	g := groupPlan{of: make([]int32, users), label: prop, design: DesignRandomized}
	seen := map[string]bool{}
	for u := 0; u < users; u++ {
		if u < len(uv.Mixed) && uv.Mixed[u] || u >= len(uv.Values) || uv.Values[u] == "" {
			continue
		}
		seen[uv.Values[u]] = true
	}
	values := make([]string, 0, len(seen))
	for v := range seen {
		values = append(values, v)
	}
	slices.Sort(values)
	list := strings.Join(quoteAll(values[:min(len(values), maxArms)]), ", ")
	switch {
	case len(values) == 0:
		return g, fmt.Errorf("--variant-prop %s: no user has a value", prop)
	case len(values) > maxArms:
		return g, &UsageError{fmt.Errorf("--variant-prop %s has %d values (%s, …): is it the variant? compare takes at most %d groups", prop, len(values), list, maxArms)}
	}
	given := control != ""
	if !given {
		control = "control"
	}
	ci := slices.Index(values, control)
	if ci < 0 {
		if given {
			return g, &UsageError{fmt.Errorf("--control %q: %s has no such value; its values are %s", control, prop, list)}
		}
		return g, &UsageError{fmt.Errorf("--variant-prop %s has no value named control: name the control group with --control (one of %s)", prop, list)}
	}
	if len(values) < 2 {
		return g, fmt.Errorf("--variant-prop %s: every user has the value %q; compare needs at least two groups", prop, control)
	}
	g.names = append([]string{control}, slices.Delete(slices.Clone(values), ci, ci+1)...)
	index := map[string]int32{}
	for i, n := range g.names {
		index[n] = int32(i)
	}
	for u := range g.of {
		switch {
		case u < len(uv.Mixed) && uv.Mixed[u]:
			g.of[u] = armMultiVariant
		case u >= len(uv.Values) || uv.Values[u] == "":
			g.of[u] = armNoVariant
		default:
			g.of[u] = index[uv.Values[u]]
		}
	}
	return g, nil
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// splitNames are the two arms of an observational split: the rest, the
// control, then the users matching expr.
func splitNames(expr string) []string { return []string{"not (" + expr + ")", expr} }

// behaviourGroups split users by a behaviour: arm 1 did it, arm 0 did not.
// Users whose window is not over at as_of are left out (armGroupCensored),
// even those who already did it, so that both arms are users of the same
// ages; so are users who never did the anchor event (armNoAnchor).
func behaviourGroups(l *Log, b Behaviour, rng Range) groupPlan {
	g := groupPlan{names: splitNames(b.String()), of: make([]int32, len(l.Users)), label: b.String(), design: DesignObservational}
	users := l.AllUsers()
	anchors, has := Anchor{Event: b.Anchor}.times(l, users)
	id := l.NameID(b.Event)
	for i, u := range users {
		if !has[i] {
			g.of[u] = armNoAnchor
			continue
		}
		a := anchors[i]
		end := addNS(a, int64(b.Within.D))
		if !rng.Complete(end) {
			g.of[u] = armGroupCensored
			continue
		}
		ts, ns := l.Events(u)
		if t, j := firstOf(ts, ns, id, a, 0); j >= 0 && t <= end {
			g.of[u] = 1
		}
	}
	return g
}

// propertyGroups split users by a filter on a user property's first seen
// value (as --where reads a value: a user without one holds "").
func propertyGroups(expr string, uv UserValues, match func(string) bool, users int) groupPlan {
	g := groupPlan{names: splitNames(expr), of: make([]int32, users), label: expr, design: DesignObservational}
	for u := range g.of {
		v := ""
		if u < len(uv.Values) {
			v = uv.Values[u]
		}
		if match(v) {
			g.of[u] = 1
		}
	}
	return g
}
