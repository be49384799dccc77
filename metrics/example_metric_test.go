package metrics

// The worked example of docs/architecture.md: a whole metric in one
// definition. It is compiled and tested with the suite so the document
// stays true; a real metric would live in its own file and add one line to
// Registry.

import (
	"fmt"
	"slices"
	"testing"

	"github.com/uptake-dev/uptake/report"
)

// ReachSettings are reach's flags (and config keys).
type ReachSettings struct {
	Event string `flag:"event" required:"true" usage:"The event whose reach to measure" json:"event"`
}

// ReachResult is the share of users who did the event.
type ReachResult struct {
	Reach Proportion `json:"reach"`
}

// ReachMetric is the share of users who ever did an event.
var ReachMetric = &Def[ReachSettings, ReachResult]{
	Info:     Info{Name: "reach", Use: "[FILE...] --event E", Short: "Share of users who did an event"},
	Defaults: func() ReachSettings { return ReachSettings{} },
	Needs: func(s *ReachSettings) Needs {
		return Needs{Events: []string{s.Event}, Refs: []Ref{{Flag: "--event", Names: []string{s.Event}}}}
	},
	Compute: func(r *Run, s *ReachSettings, users []int32) ReachResult {
		id := r.Log.NameID(s.Event)
		var did int64
		for _, u := range users {
			if _, names := r.Log.Events(u); slices.Contains(names, id) {
				did++
			}
		}
		return ReachResult{Reach: NewProportion(did, int64(len(users)), r.Level)}
	},
	View: func(r *Run, s *ReachSettings, res Segmented[ReachResult]) report.Doc {
		doc := report.Doc{Title: fmt.Sprintf("Reach of %s", s.Event)}
		doc.Add("reach", PropText(res.Overall.Reach))
		return doc
	},
}

func TestReachExample(t *testing.T) {
	// u0 did "export", u1 did not, u2 did it twice: 2 of 3
	l := NewLog([]string{"u0", "u1", "u2"}, []string{"signup", "export"},
		[]Event{{Time: 1, User: 0, Name: 1}, {Time: 1, User: 1, Name: 0}, {Time: 1, User: 2, Name: 1}, {Time: 2, User: 2, Name: 1}},
		[]int64{1, 1, 1})
	s := ReachMetric.NewSettings().(*ReachSettings)
	s.Event = "export"
	res := ReachMetric.Evaluate(&Run{Log: l, Level: 0.95}, s, l.AllUsers(), nil)
	got := res.Value.(Segmented[ReachResult]).Overall.Reach
	if got.Numerator != 2 || got.Denominator != 3 || res.Headline != "Reach of export: reach 66.7% [20.8%, 93.9%] (2/3)" {
		t.Errorf("reach %+v, headline %q", got, res.Headline)
	}
}
