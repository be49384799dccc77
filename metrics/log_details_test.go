package metrics

import (
	"math"
	"testing"
)

// The log keeps each event's details beside it through the sort by user
// and time.
func TestLogDetailsFollowTheirEvents(t *testing.T) {
	users := []string{"a", "b"}
	names := []string{"buy", "view"}
	events := []Event{
		{Time: 30, User: 0, Name: 0}, // detail 0
		{Time: 10, User: 1, Name: 1}, // none
		{Time: 10, User: 0, Name: 0}, // detail 1
		{Time: 20, User: 1, Name: 0}, // detail 2
	}
	det := &Details{
		Index:   []int32{0, -1, 1, 2},
		Amounts: []float64{5, math.NaN(), 7},
		Props:   map[string][]string{"order": {"o1", "o2", "o3"}},
	}
	l := NewLogDetails(users, names, events, []int64{10, 10}, det)
	type got struct {
		t      int64
		amount float64
		ok     bool
		order  string
	}
	check := func(u int32, want []got) {
		t.Helper()
		times, _ := l.Events(u)
		ds := l.Details(u)
		if len(ds) != len(want) {
			t.Fatalf("user %d: %d details, want %d", u, len(ds), len(want))
		}
		for i, w := range want {
			a, ok := l.Amount(ds[i])
			g := got{times[i], a, ok, l.Prop("order", ds[i])}
			if g != w {
				t.Errorf("user %d event %d: %+v, want %+v", u, i, g, w)
			}
		}
	}
	check(0, []got{{10, 0, false, "o2"}, {30, 5, true, "o1"}}) // o2's amount is NaN: none
	check(1, []got{{10, 0, false, ""}, {20, 7, true, "o3"}})
	if NewLog(users, names, events, nil).Details(0) != nil {
		t.Error("a log without details has details")
	}
}
