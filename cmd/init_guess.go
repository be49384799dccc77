package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// The guesses `uptake init` writes into a starter config: which events are
// the signup, the onboarding steps, the activation and the survey answers.
// They read event names and who did what how soon after signup; each one
// says in the config how it was made, for a person to check.

// guessWindow is the window after signup the guesses look at: the default
// --within of activation and onboarding, which the config then states.
const guessWindow = 7 * 24 * time.Hour

// scoreProps are the properties an answer event may hold its score in.
var scoreProps = []string{"score", "rating"}

// nameStat is what init knows of one event name.
type nameStat struct {
	name     string
	words    string // the name as _words_ (see words)
	users    int64  // distinct users who did it
	internal bool
	// early counts the users whose whole first guessWindow after signup
	// is in the data and who did it in that window.
	early int64
	// delays are, per user who did it at or after their signup, the time
	// from signup to the first time.
	delays []int64
}

// profile is an export as init sees it.
type profile struct {
	names    []nameStat
	signup   int // index in names, or -1: each user's first event
	anchored int64
	// complete are the anchored users whose first guessWindow is in the
	// data: the denominator of early.
	complete int64
	active   bool // some event is user activity
}

// words is a name as lower-case words joined and surrounded by "_"
// (Signed Up, signedUp, signed-up: _signed_up_), so that a phrase matches
// whole words only.
func words(name string) string {
	var b strings.Builder
	b.WriteByte('_')
	var prev rune
	for _, r := range name {
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			b.WriteByte('_')
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			r = '_'
			if prev != '_' {
				b.WriteByte('_')
			}
		}
		prev = r
	}
	s := b.String()
	if !strings.HasSuffix(s, "_") {
		s += "_"
	}
	return s
}

// hasAny reports whether words holds one of the phrases (words joined by _).
func hasAny(words string, phrases ...string) bool {
	return slices.ContainsFunc(phrases, func(p string) bool { return strings.Contains(words, "_"+p+"_") })
}

var (
	signupPhrases = []string{"signup", "sign_up", "signed_up", "account_created", "user_created", "create_account",
		"created_account", "registered", "registration", "register"}
	onboardingPhrases = []string{"onboarding", "onboard", "onboarded", "tutorial", "setup", "set_up", "getting_started",
		"welcome", "walkthrough", "checklist", "profile_completed", "profile_complete"}
	stepEnds = []string{"started", "completed", "complete", "finished"}
	// money and plan changes start and complete too, but are no onboarding
	notOnboarding = []string{"subscription", "trial", "checkout", "payment", "order", "purchase", "invoice", "plan", "session"}
	// passive names: a view, a session, a usage ping says the product was
	// touched, not that it gave value
	passive = []string{"view", "viewed", "views", "page", "pageview", "pageviews", "screen", "session", "open", "opened",
		"visit", "visited", "click", "clicked", "login", "logged_in", "sign_in", "signed_in", "heartbeat", "ping",
		"used", "returned", "engagement", "identify", "scroll"}
	valueVerbs = []string{"created", "added", "sent", "shared", "invited", "published", "exported", "uploaded", "saved",
		"connected", "submitted", "completed", "built", "generated", "imported", "integrated", "deployed", "posted"}
	moneyWords = []string{"amount", "revenue", "price", "mrr", "arr"}
)

// listable reports whether an event name can be written in a comma-separated
// setting (--steps, --activation-event) and read back as itself.
func listable(name string) bool {
	return name != "" && utf8.ValidString(name) && !strings.ContainsAny(name, ",\"\r\n") && strings.TrimSpace(name) == name
}

// newProfile reads d's events: per name the users, and how soon after
// signup users did it.
func newProfile(d *ingest.Dataset) *profile {
	p := &profile{signup: -1, names: make([]nameStat, len(d.Names))}
	for i, n := range d.Names {
		p.names[i] = nameStat{name: n, words: words(n), users: d.Stats.NameUsers[i], internal: slices.Contains(d.Internal, n)}
		p.active = p.active || !p.names[i].internal
	}
	for i, n := range p.names {
		if !n.internal && utf8.ValidString(n.name) && hasAny(n.words, signupPhrases...) &&
			(p.signup < 0 || n.users > p.names[p.signup].users) {
			p.signup = i
		}
	}
	if d.Events.Len() == 0 {
		return p
	}
	// the events of each user together (a counting sort by user)
	start := make([]int32, len(d.Users)+1)
	for _, e := range d.Events.All() {
		start[e.User+1]++
	}
	for u := range d.Users {
		start[u+1] += start[u]
	}
	order := make([]int32, d.Events.Len())
	next := slices.Clone(start[:len(d.Users)])
	for i, e := range d.Events.All() {
		order[next[e.User]] = int32(i)
		next[e.User]++
	}
	asOf := d.Stats.Last + 1
	first := make([]int64, len(d.Names))
	var seen []int32
	for u := range d.Users {
		evs := order[start[u]:start[u+1]]
		anchor, ok := int64(0), false
		for _, i := range evs {
			e := d.Events.At(int(i))
			if (p.signup < 0 || int(e.Name) == p.signup) && (!ok || e.Time < anchor) {
				anchor, ok = e.Time, true
			}
		}
		if !ok {
			continue
		}
		p.anchored++
		complete := anchor+int64(guessWindow) < asOf
		if complete {
			p.complete++
		}
		seen = seen[:0]
		for _, i := range evs {
			e := d.Events.At(int(i))
			if e.Time < anchor {
				continue
			}
			if first[e.Name] == 0 {
				seen = append(seen, e.Name)
				first[e.Name] = e.Time - anchor + 1 // 0 means not seen
			} else {
				first[e.Name] = min(first[e.Name], e.Time-anchor+1)
			}
		}
		for _, n := range seen {
			delay := first[n] - 1
			first[n] = 0
			st := &p.names[n]
			st.delays = append(st.delays, delay)
			if complete && delay <= int64(guessWindow) {
				st.early++
			}
		}
	}
	return p
}

// median is the lower median of xs (which it sorts).
func median(xs []int64) int64 {
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

// earlyBase is the denominator of early: the users whose first window is
// complete (or, when none is yet, every anchored user, whose early counts
// are then zero, so that no event fits the activation band).
func (p *profile) earlyBase() int64 { return max(p.complete, 1) }

// signupText is the signup event as the comments name it.
func (p *profile) signupText() string {
	if p.signup < 0 {
		return "their first event"
	}
	return "signup"
}

// onboardingSteps are the events named like onboarding steps that at least
// 10% of signups did, at a median of at most guessWindow after signup, in
// the order of that median (at most 8), with their medians.
func (p *profile) onboardingSteps() ([]int, map[int]int64) {
	var steps []int
	med := map[int]int64{}
	for i, n := range p.names {
		named := hasAny(n.words, onboardingPhrases...) || hasAny(n.words, stepEnds...) && !hasAny(n.words, notOnboarding...)
		if i == p.signup || n.internal || !named || !listable(n.name) || len(n.delays) == 0 || int64(len(n.delays))*10 < p.anchored {
			continue
		}
		if med[i] = median(n.delays); med[i] <= int64(guessWindow) {
			steps = append(steps, i)
		}
	}
	slices.SortStableFunc(steps, func(a, b int) int { return compareInt64(med[a], med[b]) })
	if len(steps) > 8 {
		steps = steps[:8]
	}
	return steps, med
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// activation is the guessed activation event, or -1: of the events that
// are not the signup, an onboarding step, a survey answer, internal or
// passive (views, sessions, usage pings), those that 20–80% of signups did
// within guessWindow; a name with a verb of making or sharing (created,
// invited, exported…) first, then the most users.
func (p *profile) activation(exclude []int) int {
	best := -1
	rank := func(i int) (bool, int64) { return hasAny(p.names[i].words, valueVerbs...), p.names[i].early }
	for i, n := range p.names {
		share := float64(n.early) / float64(p.earlyBase())
		if i == p.signup || n.internal || slices.Contains(exclude, i) || !listable(n.name) || hasAny(n.words, passive...) ||
			share < 0.2 || share > 0.8 {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		v, e := rank(i)
		bv, be := rank(best)
		if v && !bv || v == bv && e > be {
			best = i
		}
	}
	return best
}

// surveyKind is a survey metric and how its answer events are named.
type surveyKind struct {
	metric  string
	phrases []string
	scales  []string // the --scale values to try, smallest first ("" for nps: it has one)
}

var surveyKinds = []surveyKind{
	{"nps", []string{"nps", "recommend", "likely_to_recommend"}, []string{""}},
	{"csat", []string{"csat", "satisfaction", "satisfied"}, []string{"1-5", "1-7", "1-10", "0-10"}},
	{"ces", []string{"ces", "effort", "customer_effort"}, []string{"5-agree", "7-agree"}},
}

// surveyGuess is an answer event found for a survey metric.
type surveyGuess struct {
	kind      surveyKind
	event     string
	scoreProp string
	scale     string // the smallest of kind.scales that holds every answer
	answers   int64
	lo, hi    int
}

// surveys finds, per survey metric, the event named like its answers whose
// score property holds whole numbers on one of its scales (the one with
// most answers when several do).
func surveys(d *ingest.Dataset) []surveyGuess {
	var out []surveyGuess
	for _, k := range surveyKinds {
		var best *surveyGuess
		for id, name := range d.Names {
			if !hasAny(words(name), k.phrases...) || !utf8.ValidString(name) {
				continue
			}
			for _, prop := range scoreProps {
				if g, ok := answerScale(d, int32(id), prop, k); ok && (best == nil || g.answers > best.answers) {
					best = &g
				}
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}

// answerScale checks the scores of event id in prop against k's scales.
func answerScale(d *ingest.Dataset, id int32, prop string, k surveyKind) (surveyGuess, bool) {
	vals := d.EventProps[prop]
	g := surveyGuess{kind: k, event: d.Names[id], scoreProp: prop}
	for _, scale := range k.scales {
		sc, _ := metrics.ScaleNamed(scale)
		if scale == "" {
			sc, _ = metrics.ScaleNamed(k.metric)
		}
		g.answers, g.lo, g.hi = 0, sc.Max, sc.Min
		ok := true
		for i, e := range d.Events.All() {
			k := d.DetailOf(i)
			if e.Name != id || k < 0 || k >= len(vals) {
				continue
			}
			v, st, _ := metrics.ParseScore(vals[k], sc)
			if st == metrics.ScoreInvalid || st == metrics.ScoreOutOfScale {
				ok = false
				break
			}
			if st == metrics.ScoreOK {
				g.answers++
				g.lo, g.hi = min(g.lo, v), max(g.hi, v)
			}
		}
		if ok && g.answers > 0 {
			g.scale = scale
			return g, true
		}
	}
	return g, false
}

// moneyProps are the properties whose name says money.
func moneyProps(d *ingest.Dataset) []ingest.PropStat {
	var out []ingest.PropStat
	for _, p := range d.Stats.Props {
		last := p.Name[strings.LastIndex(p.Name, ".")+1:]
		if hasAny(words(last), moneyWords...) {
			out = append(out, p)
		}
	}
	return out
}

// pct writes x/n as a whole percentage.
func pct(x, n int64) string {
	return fmt.Sprintf("%.0f%%", 100*float64(x)/float64(max(n, 1)))
}

// days writes a duration in minutes, hours or days, as suits its size.
func days(ns int64) string {
	switch d := time.Duration(ns); {
	case d < time.Hour:
		return fmt.Sprintf("%.0fm", d.Minutes())
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	default:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	}
}

// quote is a name from the data for a comment: quoted, control characters
// escaped, so that it cannot end the comment's line.
func quote(s string) string { return `"` + report.Safe(s) + `"` }
