package metrics

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// adoptionRun builds the Log of feature events (with their feature
// property) and the activity of rows "user event time [feature]" in loc,
// activity being every event, or only active's.
func adoptionRun(t *testing.T, loc *time.Location, asOf string, active []string, rows ...string) *Run {
	t.Helper()
	users, names, all, first, more := parseRows(t, rows, 4)
	var events []Event
	det := &Details{Props: map[string][]string{"feature": nil}}
	act := NewActivity(ActivityConfig{Loc: loc, ActiveEvents: active})
	for id, name := range names {
		act.NewName(int32(id), name, false)
	}
	for i, e := range all {
		act.Event(e.User, e.Name, e.Time)
		if name := names[e.Name]; name == "feature_used" || name == "export" {
			v := ""
			if len(more[i]) > 0 {
				v = more[i][0]
			}
			events = append(events, e)
			det.Props["feature"] = append(det.Props["feature"], v)
		}
	}
	act.Finish()
	l := NewLogDetails(users, names, events, first, det)
	return &Run{Log: l, Activity: act, Loc: loc, Range: Range{AsOf: mustTime(t, asOf)}, Level: 0.95, UserIDs: users}
}

// adoptionExample are the rows of the worked example, in Los Angeles; weeks
// from Monday: W1 03-04, W2 03-11, W3 03-18, W4 03-25 (no events), W5 04-01.
var adoptionExample = []string{
	"a session 2024-03-04T10:00:00-08:00",
	"a feature_used 2024-03-04T11:00:00-08:00 x", // a's first x
	"a feature_used 2024-03-12T09:00:00-07:00 x", // 7 d 21 h later: in a's week 1
	"b session 2024-03-05T09:00:00-08:00",        //
	"b feature_used 2024-03-05T12:00:00-08:00 y", // b's first y
	"b feature_used 2024-03-19T13:00:00-07:00 y", // exactly 14 d later: week 2, not 1
	"b feature_used 2024-03-10T23:30:00-07:00 x", // Sunday in LA (W1), Monday 06:30 in UTC (W2)
	"c session 2024-03-06T10:00:00-08:00",        //
	"c feature_used 2024-03-06T10:05:00-08:00",   // no feature: no feature's
	"c session 2024-04-02T10:00:00-07:00",        //
	"c feature_used 2024-04-02T10:05:00-07:00 x", // c's first x: week 1 ends 04-16 10:05
	"d session 2024-03-13T10:00:00-07:00",        // first seen in W2
	"e export 2024-03-13T11:00:00-07:00",         // an event feature, for --feature-event
	"e export 2024-03-28T11:00:00-07:00",         // in W4, which is otherwise empty
}

// adoptionPoints writes each period "period active/known: feature
// adopters/denominator …" and the range's.
func adoptionPoints(x AdoptionResult) []string {
	feats := func(fs []AdoptionFeature) string {
		var parts []string
		for _, f := range fs {
			s := fmt.Sprintf("%s %d/%d", f.Feature, f.Adopters, f.Rate.Denominator)
			if r := f.Retained; r != nil {
				s += fmt.Sprintf(" r%d %d/%d of %d-%d", r.Week, r.Rate.Numerator, r.Rate.Denominator, r.FirstTime, r.Censored)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ", ")
	}
	var out []string
	for _, p := range x.Periods {
		mark := ""
		if !p.Complete {
			mark = "*"
		}
		out = append(out, fmt.Sprintf("%s%s %d/%d: %s", p.Period, mark, p.Active, p.Known, feats(p.Features)))
	}
	return append(out, fmt.Sprintf("range %d/%d: %s", x.Active, x.Known, feats(x.Features)))
}

func TestAdoptionWorkedExample(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	asOf := "2024-04-03T00:00:00-07:00"
	all := []int32{0, 1, 2, 3, 4}
	prop := AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "active", Retained: Duration{Text: "1w", D: 7 * 24 * time.Hour}}
	for _, tt := range []struct {
		name   string
		tz     *time.Location
		asOf   string
		active []string
		s      AdoptionSettings
		users  []int32
		want   []string
		codes  []string
	}{
		{"by feature value, of active users", la, asOf, nil, prop, all, []string{
			// x: a and b in W1 (b's Sunday evening is W1 in LA), a in W2, c in W5; y: b in W1 and W3
			"2024-03-04 3/3: x 2/3 r1 1/2 of 2-0, y 1/3 r1 0/1 of 1-0",
			"2024-03-11 3/5: x 1/3 r1 0/0 of 0-0, y 0/3 r1 0/0 of 0-0",
			"2024-03-18 1/5: x 0/1 r1 0/0 of 0-0, y 1/1 r1 0/0 of 0-0",
			"2024-03-25 1/5: x 0/1 r1 0/0 of 0-0, y 0/1 r1 0/0 of 0-0",
			"2024-04-01* 1/5: x 1/1 r1 0/0 of 1-1, y 0/1 r1 0/0 of 0-0", // c's week 1 is not over: censored
			"range 5/5: x 3/5 r1 1/2 of 3-1, y 1/5 r1 0/1 of 1-0",
		}, []string{"feature_events_without_value", "small_sample", "censored"}},
		{"week 1 ending exactly at as_of counts", la, "2024-04-16T10:05:00-07:00", nil, prop, []int32{2}, []string{
			"2024-03-04 1/1: x 0/1 r1 0/0 of 0-0, y 0/1 r1 0/0 of 0-0",
			"2024-03-11 0/1: x 0/0 r1 0/0 of 0-0, y 0/0 r1 0/0 of 0-0",
			"2024-03-18 0/1: x 0/0 r1 0/0 of 0-0, y 0/0 r1 0/0 of 0-0",
			"2024-03-25 0/1: x 0/0 r1 0/0 of 0-0, y 0/0 r1 0/0 of 0-0",
			"2024-04-01 1/1: x 1/1 r1 0/1 of 1-0, y 0/1 r1 0/0 of 0-0",
			"2024-04-08 0/1: x 0/0 r1 0/0 of 0-0, y 0/0 r1 0/0 of 0-0",
			"2024-04-15* 0/1: x 0/0 r1 0/0 of 0-0, y 0/0 r1 0/0 of 0-0",
			"range 1/1: x 1/1 r1 0/1 of 1-0, y 0/1 r1 0/0 of 0-0",
		}, []string{"feature_events_without_value", "empty_denominator", "small_sample"}}, // 5 weeks c was not active
		{"in UTC b's x moves to W2", time.UTC, asOf, nil, AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "active"}, []int32{0, 1}, []string{
			"2024-03-04 2/2: x 1/2, y 1/2",
			"2024-03-11 2/2: x 2/2, y 0/2",
			"2024-03-18 1/2: x 0/1, y 1/1",
			"2024-03-25 0/2: x 0/0, y 0/0",
			"2024-04-01* 0/2: x 0/0, y 0/0",
			"range 2/2: x 2/2, y 1/2",
		}, []string{"feature_events_without_value", "empty_denominator", "small_sample"}},
		{"of all users known by the period's end", la, asOf, nil, AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "all"}, all, []string{
			"2024-03-04 3/3: x 2/3, y 1/3",
			"2024-03-11 3/5: x 1/5, y 0/5",
			"2024-03-18 1/5: x 0/5, y 1/5",
			"2024-03-25 1/5: x 0/5, y 0/5",
			"2024-04-01* 1/5: x 1/5, y 0/5",
			"range 5/5: x 3/5, y 1/5",
		}, []string{"feature_events_without_value", "small_sample"}},
		{"active means sessions: feature use without one is not counted", la, asOf, []string{"session"}, AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "active"}, all, []string{
			"2024-03-04 3/3: x 2/3, y 1/3",
			"2024-03-11 1/5: x 0/1, y 0/1", // a's x in W2 had no session
			"2024-03-18 0/5: x 0/0, y 0/0", // nor b's y in W3
			"2024-03-25 0/5: x 0/0, y 0/0",
			"2024-04-01* 1/5: x 1/1, y 0/1",
			"range 4/5: x 3/4, y 1/4",
		}, []string{"feature_events_without_value", "adopters_not_active", "empty_denominator", "small_sample"}},
		{"events as features, a segment, months", la, asOf, nil, AdoptionSettings{FeatureEvents: []string{"export", "feature_used"}, Period: "month", WeekSettings: NewWeeks(), Denominator: "active"}, []int32{2, 4}, []string{
			"2024-03 2/2: export 1/2, feature_used 1/2",
			"2024-04* 1/2: export 0/1, feature_used 1/1",
			"range 2/2: export 1/2, feature_used 1/2",
		}, []string{"small_sample"}},
	} {
		r := adoptionRun(t, tt.tz, tt.asOf, tt.active, adoptionExample...)
		got := Adoption(r, &tt.s, tt.users, nil)
		if p := adoptionPoints(got); !slices.Equal(p, tt.want) {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, strings.Join(p, "\n"), strings.Join(tt.want, "\n"))
		}
		var codes []string
		for _, w := range got.Warnings {
			codes = append(codes, w.Code)
		}
		if !slices.Equal(codes, tt.codes) {
			t.Errorf("%s: warnings %v, want %v", tt.name, got.Warnings, tt.codes)
		}
	}
}

// The per-user rows add up to the figures: a feature's rows with
// periods_adopted > 0 are its adopters over the range; rows with a retained
// outcome are its eligible first-time users.
func TestAdoptionUserRows(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	r := adoptionRun(t, la, "2024-04-03T00:00:00-07:00", nil, adoptionExample...)
	s := AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "active", Retained: Duration{Text: "1w", D: 7 * 24 * time.Hour}}
	tb := adoptionUsers(r, &s, []int32{0, 1, 2, 3, 4})
	var got []string
	for _, row := range tb.Rows {
		got = append(got, fmt.Sprint(row[0], " ", row[1], " ", row[3], " ", row[4], " ", row[5]))
	}
	want := []string{
		"a x 2024-03-04 2 1",
		"b x 2024-03-04 1 0",
		"b y 2024-03-04 2 0",
		"c x 2024-04-01 1 <nil>",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// A range with nobody in the denominator says so once; periods with nobody
// say how many they are.
func TestAdoptionEmptyDenominator(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	r := adoptionRun(t, la, "2024-04-03T00:00:00-07:00", []string{"nothing"}, adoptionExample...)
	s := AdoptionSettings{FeatureProp: "feature", Period: "week", WeekSettings: NewWeeks(), Denominator: "active"}
	got := Adoption(r, &s, []int32{0, 1, 2, 3, 4}, nil)
	for _, w := range got.Warnings {
		if w.Code == "empty_denominator" && w.Message == "no user is in the denominator over the range: every rate is null" {
			if f := got.Features[0]; f.Rate.Value != nil || got.Periods[0].Features[0].Rate.Value != nil {
				t.Errorf("rates %+v, want null", f.Rate)
			}
			return
		}
	}
	t.Errorf("warnings %v lack empty_denominator for the range", got.Warnings)
}

// A property value carried only by events that are not feature events
// (details the Log keeps for another metric) is no feature.
func TestAdoptionValuesOfFeatureEventsOnly(t *testing.T) {
	r := adoptionRun(t, time.UTC, "2024-03-08T00:00:00Z", nil,
		"a feature_used 2024-03-04T10:00:00Z x", "a export 2024-03-04T11:00:00Z z", "b feature_used 2024-03-05T10:00:00Z x",
		"b feature_used 2024-03-05T11:00:00Z w", "b feature_used 2024-03-06T11:00:00Z w")
	fs := features(r.Log, &AdoptionSettings{FeatureProp: "feature"})
	if !slices.Equal(fs.names, []string{"w", "x"}) { // 2 events each: by value
		t.Errorf("features %q, want w, x", fs.names)
	}
}
