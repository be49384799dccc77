package cmd

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// trends and adoption on the built-in demo, against counts taken from the
// demo's CSV by other means (awk and Python over `uptake demo`).

type trendsJSON struct {
	Params struct {
		Events []string `json:"events"`
		Chosen string   `json:"events_chosen"`
		Period string   `json:"period"`
	} `json:"params"`
	Result struct {
		Events []struct {
			Event         string
			Events, Users int64
		} `json:"events"`
		Series []struct {
			Period, Event string
			Events, Users int64
			Complete      bool
		} `json:"series"`
		Segments []struct {
			Segment string
			Series  []struct{ Period, Event string }
		} `json:"segments"`
	} `json:"result"`
}

func TestTrendsDemo(t *testing.T) {
	var got trendsJSON
	runJSON(t, &got, "trends", "--demo", "--period", "month", "--event", "feature_used[feature = exports]")
	var series []string
	for _, p := range got.Result.Series {
		series = append(series, fmt.Sprintf("%s %d/%d %v", p.Period, p.Events, p.Users, p.Complete))
	}
	want := []string{"2024-01 160/64 true", "2024-02 331/122 true", "2024-03 494/176 true", "2024-04 596/236 true",
		"2024-05 816/330 true", "2024-06 978/374 true", "2024-07 938/303 false"}
	if !slices.Equal(series, want) {
		t.Errorf("series %q, want %q", series, want)
	}
	if e := got.Result.Events; len(e) != 1 || e[0].Events != 4313 || e[0].Users != 746 {
		t.Errorf("totals %+v, want 4313 events, 746 users", e)
	}

	// the default: the top 10 events, every day of the range for each
	got = trendsJSON{}
	runJSON(t, &got, "trends", "--demo")
	top := []string{"page_viewed", "feature_used", "session_started", "report_created", "signup", "onboarding_started",
		"profile_completed", "project_created", "teammate_invited", "onboarding_completed"}
	if !slices.Equal(got.Params.Events, top) || !strings.HasPrefix(got.Params.Chosen, "the top 10") || got.Params.Period != "day" {
		t.Errorf("params %+v", got.Params)
	}
	s := got.Result.Series
	if len(s) != 212*10 || s[0].Period != "2024-01-01" || s[211].Period != "2024-07-30" || s[211].Complete || !s[210].Complete {
		t.Fatalf("%d points, first %+v, 212th %+v", len(s), s[0], s[211])
	}
	if e := got.Result.Events[0]; e.Event != "page_viewed" || e.Events != 36206 || e.Users != 937 {
		t.Errorf("page_viewed totals %+v, want 36206 events, 937 users (inspect's counts)", e)
	}

	// weeks in Los Angeles; --by repeats the series per segment
	got = trendsJSON{}
	runJSON(t, &got, "trends", "--demo", "--period", "week", "--tz", "America/Los_Angeles", "--event", "signup", "--by", "plan")
	for i, w := range []string{"2024-01-01 32/32", "2024-01-08 27/27", "2024-01-15 22/22"} {
		if p := got.Result.Series[i]; fmt.Sprintf("%s %d/%d", p.Period, p.Events, p.Users) != w {
			t.Errorf("week %d: %+v, want %s", i, p, w)
		}
	}
	if len(got.Result.Segments) != 3 || len(got.Result.Segments[0].Series) != len(got.Result.Series) {
		t.Errorf("segments %d, want 3 with the overall's periods", len(got.Result.Segments))
	}
}
