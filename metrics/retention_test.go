package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// actOf feeds rows "user event time" to an Activity.
func actOf(t *testing.T, cfg ActivityConfig, rows ...string) *Activity {
	t.Helper()
	a := NewActivity(cfg)
	uid, nid := map[string]int32{}, map[string]int32{}
	for _, r := range rows {
		f := strings.Fields(r)
		u, ok := uid[f[0]]
		if !ok {
			u = int32(len(uid))
			uid[f[0]] = u
		}
		n, ok := nid[f[1]]
		if !ok {
			n = int32(len(nid))
			nid[f[1]] = n
			a.NewName(n, f[1], false)
		}
		a.Event(u, n, mustTime(t, f[2]))
	}
	return a
}

func summary(r RetentionResult, k int) (int64, int64) {
	return r.Summary[k].Retained, r.Summary[k].Eligible
}

// V13 — retention in elapsed days, N-day and unbounded.
func TestRetentionV13(t *testing.T) {
	rows := []string{
		"A signup 2024-01-01T00:00:00Z", "A act 2024-01-02T10:00:00Z", "A act 2024-01-08T00:00:00Z",
		"B signup 2024-01-01T00:00:00Z", "B act 2024-01-02T00:00:00Z",
		"C signup 2024-01-01T00:00:00Z", "C act 2024-01-09T00:00:00Z",
		"D signup 2024-01-01T00:00:00Z",
		"E signup 2024-01-05T00:00:00Z", "E act 2024-01-06T00:00:00Z",
		"F signup 2024-01-10T00:00:00Z",
	}
	a := actOf(t, ActivityConfig{StartEvent: "signup", ElapsedUnit: elapsedUnit(Day)}, rows...)
	p := RetentionParams{Cal: Calendar{Period: Day, Loc: time.UTC}, Periods: 7, Elapsed: true,
		Range: Range{AsOf: mustTime(t, "2024-01-11T00:00:00Z")}, Level: 0.95}
	r := Retention(a, a.AllUsers(), p)
	if x, n := summary(r, 1); x != 3 || n != 5 {
		t.Errorf("day 1 N-day = %d/%d, want 3/5", x, n)
	}
	if x, n := summary(r, 7); x != 1 || n != 4 {
		t.Errorf("day 7 N-day = %d/%d, want 1/4", x, n)
	}
	p.Unbounded = true
	r = Retention(a, a.AllUsers(), p)
	if x, n := summary(r, 1); x != 4 || n != 5 {
		t.Errorf("day 1 unbounded = %d/%d, want 4/5", x, n)
	}
	if x, n := summary(r, 7); x != 2 || n != 4 {
		t.Errorf("day 7 unbounded = %d/%d, want 2/4", x, n)
	}
	if r.Columns[1].Window != "[1d, as_of) after the anchor" || len(r.Warnings) == 0 || r.Warnings[0].Code != "depends_on_as_of" {
		t.Errorf("columns %v warnings %v", r.Columns[1], r.Warnings)
	}
}

// Calendar weeks: first-time vs recurring cohorts, exact vs unbounded,
// Monday vs Sunday weeks.
func TestRetentionCalendarModes(t *testing.T) {
	rows := []string{
		// a: starts Mon 2024-01-01 (week of 01-01), back in week +2 only
		"a visit 2024-01-01T10:00:00Z", "a visit 2024-01-15T10:00:00Z",
		// b: starts Sun 2024-01-07: week of 01-01 (Monday weeks) but week of 01-07 (Sunday weeks); back next day
		"b visit 2024-01-07T10:00:00Z", "b visit 2024-01-08T10:00:00Z",
		// c: starts in week +1 and again in week +3
		"c visit 2024-01-09T10:00:00Z", "c visit 2024-01-23T10:00:00Z",
	}
	asOf := mustTime(t, "2024-02-05T00:00:00Z")
	a := actOf(t, ActivityConfig{StartPeriods: &Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}}, rows...)
	mon := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	r := Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 3, Range: Range{AsOf: asOf}, Level: 0.95})
	type cell struct{ X, N int64 }
	got := map[string][]cell{}
	for _, c := range r.Cohorts {
		for _, p := range c.Periods {
			got[c.Cohort] = append(got[c.Cohort], cell{p.Retained, p.Eligible})
		}
	}
	want := map[string][]cell{
		"2024-01-01": {{2, 2}, {1, 2}, {1, 2}, {0, 2}}, // a and b; b back in week +1, a in week +2
		"2024-01-08": {{1, 1}, {0, 1}, {1, 1}, {0, 1}}, // c
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("monday first-time exact (-want +got)\n%s", diff)
	}
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 3, Unbounded: true, Range: Range{AsOf: asOf}, Level: 0.95})
	if c := r.Cohorts[0].Periods; c[1].Retained != 2 || c[2].Retained != 1 || c[3].Retained != 0 {
		t.Errorf("unbounded week of 01-01: %+v", c)
	}
	// Sunday weeks put b in its own cohort
	sun := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Sunday}
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: sun, Periods: 1, Range: Range{AsOf: asOf}, Level: 0.95})
	var labels []string
	for _, c := range r.Cohorts {
		labels = append(labels, c.Cohort)
	}
	if !cmp.Equal(labels, []string{"2023-12-31", "2024-01-07"}) || r.Cohorts[1].Size != 2 {
		t.Errorf("sunday cohorts %v (sizes %d)", labels, r.Cohorts[1].Size)
	}
	// recurring: c joins the week of 01-08 and of 01-22
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 1, Recurring: true, Range: Range{AsOf: asOf}, Level: 0.95})
	sizes := map[string]int64{}
	for _, c := range r.Cohorts {
		sizes[c.Cohort] = c.Size
	}
	if want := map[string]int64{"2024-01-01": 2, "2024-01-08": 2, "2024-01-15": 1, "2024-01-22": 1}; !cmp.Equal(sizes, want) {
		t.Errorf("recurring sizes %v, want %v", sizes, want)
	}
	// --from leaves out users whose first start is earlier (first-time)
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 1, Range: Range{From: ptrTime(t, "2024-01-08"), AsOf: asOf}, Level: 0.95})
	if len(r.Cohorts) != 1 || r.Cohorts[0].Size != 1 {
		t.Errorf("--from cohorts %+v", r.Cohorts)
	}
}

// Incomplete cells are marked and left out of the summary row; months of
// different lengths; a zone across a DST change.
func TestRetentionIncompleteAndZones(t *testing.T) {
	rows := []string{
		"a x 2024-01-31T12:00:00Z", "a x 2024-02-29T12:00:00Z", // January cohort, back in February (29 days, leap year)
		"b x 2024-02-15T12:00:00Z", "b x 2024-03-01T12:00:00Z",
	}
	a := actOf(t, ActivityConfig{}, rows...)
	cal := Calendar{Period: Month, Loc: time.UTC}
	r := Retention(a, a.AllUsers(), RetentionParams{Cal: cal, Periods: 2, Range: Range{AsOf: mustTime(t, "2024-03-15T00:00:00Z")}, Level: 0.95})
	jan, feb := r.Cohorts[0].Periods, r.Cohorts[1].Periods
	if jan[1].Retained != 1 || jan[1].Status != "complete" || jan[2].Status != "incomplete" || feb[1].Status != "incomplete" || feb[1].Retained != 1 {
		t.Errorf("jan %+v feb %+v", jan, feb)
	}
	if x, n := summary(r, 1); x != 1 || n != 1 {
		t.Errorf("month 1 summary = %d/%d, want 1/1 (February's month 1 is incomplete)", x, n)
	}
	// 2024-03-10 23:30 in Los Angeles is 2024-03-11 06:30Z: a Sunday in LA, a Monday in UTC (V20)
	la, _ := time.LoadLocation("America/Los_Angeles")
	b := actOf(t, ActivityConfig{Loc: la}, "u x 2024-03-11T06:30:00Z", "u x 2024-03-11T20:00:00Z")
	r = Retention(b, b.AllUsers(), RetentionParams{Cal: Calendar{Period: Day, Loc: la}, Periods: 1, Range: Range{AsOf: mustTime(t, "2024-04-01")}, Level: 0.95})
	if r.Cohorts[0].Cohort != "2024-03-10" || r.Cohorts[0].Periods[1].Retained != 1 {
		t.Errorf("LA cohort %+v", r.Cohorts[0])
	}
}

// V15 — lifecycle and churn, monthly, with the lifecycle identities.
func TestLifecycleChurnV15(t *testing.T) {
	rows := []string{
		"u1 x 2024-01-10", "u1 x 2024-02-10", "u1 x 2024-03-10",
		"u2 x 2024-01-10", "u2 x 2024-03-10",
		"u3 x 2024-02-10",
		"u4 x 2024-02-10", "u4 x 2024-03-10",
		"u5 x 2024-03-10",
		"u6 x 2024-01-10",
	}
	a := actOf(t, ActivityConfig{}, rows...)
	cal := Calendar{Period: Month, Loc: time.UTC}
	rng := Range{AsOf: mustTime(t, "2024-04-01")}
	lc := Lifecycle(a, a.AllUsers(), cal, rng, nil)
	got := map[string][5]int64{}
	for _, p := range lc.Periods {
		got[p.Period] = [5]int64{p.Active, p.New, p.Returning, p.Resurrecting, p.Dormant}
	}
	want := map[string][5]int64{
		"2024-01": {3, 3, 0, 0, 0},
		"2024-02": {3, 2, 1, 0, 2},
		"2024-03": {4, 1, 2, 1, 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lifecycle (-want +got)\n%s", diff)
	}
	for i, p := range lc.Periods {
		if p.Active != p.New+p.Returning+p.Resurrecting {
			t.Errorf("%s: active ≠ new + returning + resurrecting", p.Period)
		}
		if i > 0 && p.Returning+p.Dormant != lc.Periods[i-1].Active {
			t.Errorf("%s: returning + dormant ≠ |A(P−1)|", p.Period)
		}
	}
	if mar := lc.Periods[2]; mar.Pulse == nil || *mar.Pulse != 2 {
		t.Errorf("pulse(Mar) = %v, want 2", mar.Pulse)
	}
	ch := Churn(a, a.AllUsers(), cal, rng, 0.95)
	if len(ch.Periods) != 2 {
		t.Fatalf("churn periods %+v", ch.Periods)
	}
	check(t, "churn Feb", ch.Periods[0].ChurnRate.Rate(), 0.666666666666667, 1e-12)
	check(t, "churn Mar", ch.Periods[1].ChurnRate.Rate(), 0.333333333333333, 1e-12)
	check(t, "retention Mar", ch.Periods[1].RetentionRate.Rate(), 0.666666666666667, 1e-12)
	if ch.Periods[1].Churned != lc.Periods[2].Dormant {
		t.Errorf("churned ≠ dormant")
	}
	// the incomplete period is left out of churn and marked in lifecycle
	rng.AsOf = mustTime(t, "2024-03-20")
	if ch := Churn(a, a.AllUsers(), cal, rng, 0.95); len(ch.Periods) != 1 || len(ch.Warnings) != 1 {
		t.Errorf("churn with March incomplete: %+v", ch)
	}
	// with --since, the first period is a warm-up
	since := mustTime(t, "2024-01-01")
	lc = Lifecycle(a, a.AllUsers(), cal, Range{AsOf: mustTime(t, "2024-04-01")}, &since)
	if lc.Periods[0].Status != "warm_up" || lc.Periods[0].New != 0 || lc.Periods[1].Status != "complete" {
		t.Errorf("warm-up %+v", lc.Periods[:2])
	}
}

// V16 — stickiness averaging.
func TestStickinessV16(t *testing.T) {
	check(t, "mean of ratios", *StickinessOf([]int64{10, 30}, []int64{100, 200}, "mean-of-ratios"), 0.125, 1e-12)
	check(t, "ratio of means", *StickinessOf([]int64{10, 30}, []int64{100, 200}, "ratio-of-means"), 0.133333333333333, 1e-12)
}

func TestEngagement(t *testing.T) {
	rows := []string{
		"a x 2024-01-01T10:00:00Z", "a x 2024-01-01T11:00:00Z", "a x 2024-01-03T10:00:00Z", "a x 2024-01-09T10:00:00Z",
		"b x 2024-01-02T10:00:00Z", "b x 2024-02-01T10:00:00Z",
		"c x 2024-01-31T10:00:00Z",
	}
	a := actOf(t, ActivityConfig{}, rows...)
	p := EngagementParams{MAUWindow: "30", Interval: Calendar{Period: Day, Loc: time.UTC}, MinEvents: 1,
		Range: Range{AsOf: mustTime(t, "2024-02-02T00:00:00Z")}}
	r := Engagement(a, a.AllUsers(), p)
	day := map[string]EngagementDay{}
	for _, d := range r.Days {
		day[d.Day] = d
	}
	// 01-09: DAU a; WAU (01-03..01-09) a; MAU (12-11..01-09) a, b
	if d := day["2024-01-09"]; d.DAU != 1 || d.WAU != 1 || d.MAU != 2 || d.Status != "incomplete_lookback" {
		t.Errorf("01-09 %+v", d)
	}
	// 01-30 is the first day whose 30-day lookback (01-01..01-30) starts at the first event
	if d := day["2024-01-30"]; d.Status != "complete" || d.MAU != 2 || d.DAU != 0 {
		t.Errorf("01-30 %+v", d)
	}
	// 02-01: MAU over 01-03..02-01: a (01-03, 01-09), b (02-01), c (01-31) = 3
	if d := day["2024-02-01"]; d.MAU != 3 || d.DAU != 1 || d.WAU != 2 {
		t.Errorf("02-01 %+v", d)
	}
	if r.CompleteDays != 3 { // 01-30, 01-31, 02-01
		t.Errorf("complete days %d", r.CompleteDays)
	}
	// stickiness = mean(0/2, 1/3, 1/3)
	check(t, "stickiness", *r.Stickiness, (0+1.0/3+1.0/3)/3, 1e-12)
	// histogram by day: a 3 days, b 2, c 1
	want := []HistogramBin{{1, 1, 3}, {2, 1, 2}, {3, 1, 1}}
	if diff := cmp.Diff(want, r.Histogram); diff != "" {
		t.Errorf("histogram (-want +got)\n%s", diff)
	}
	// at least 2 events a day: only a's 01-01 counts
	p.MinEvents = 2
	if r := Engagement(a, a.AllUsers(), p); !cmp.Equal(r.Histogram, []HistogramBin{{1, 1, 1}}) {
		t.Errorf("min-events 2: %+v", r.Histogram)
	}
	// weekly intervals: a in weeks of 01-01 and 01-08; b in 01-01 and 01-29; c in 01-29
	p.MinEvents, p.Interval = 1, Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	if r := Engagement(a, a.AllUsers(), p); !cmp.Equal(r.Histogram, []HistogramBin{{1, 1, 3}, {2, 2, 2}}) {
		t.Errorf("weekly: %+v", r.Histogram)
	}
	// calendar-month MAU is month to date
	p.MAUWindow, p.Interval = "calendar-month", Calendar{Period: Day, Loc: time.UTC}
	r = Engagement(a, a.AllUsers(), p)
	for _, d := range r.Days {
		if d.Day == "2024-02-01" && d.MAU != 1 {
			t.Errorf("calendar-month MAU on 02-01 = %d, want 1", d.MAU)
		}
		if d.Day == "2024-01-31" && (d.MAU != 3 || d.Status != "complete") {
			t.Errorf("calendar-month 01-31 = %+v", d)
		}
	}
}

// The remaining mode combinations, hand-computed. Weeks start on Monday.
func TestRetentionModeCombinations(t *testing.T) {
	mon := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	rows := []string{
		// r starts in the week of 01-01 and of 01-15, and returns in the week of 01-29
		"r start 2024-01-02T10:00:00Z", "r start 2024-01-16T10:00:00Z", "r visit 2024-01-30T10:00:00Z",
	}
	asOf := mustTime(t, "2024-03-01T00:00:00Z")
	a := actOf(t, ActivityConfig{StartEvent: "start", StartPeriods: &mon, ElapsedUnit: elapsedUnit(Week)}, rows...)
	cells := func(r RetentionResult) map[string][]int64 {
		out := map[string][]int64{}
		for _, c := range r.Cohorts {
			for _, p := range c.Periods {
				out[c.Cohort] = append(out[c.Cohort], p.Retained)
			}
		}
		return out
	}
	// recurring × unbounded × calendar: from the 01-01 cohort, active at week +2 (its second start) and +4 (the visit)
	r := Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 4, Recurring: true, Unbounded: true, Range: Range{AsOf: asOf}, Level: 0.95})
	want := map[string][]int64{"2024-01-01": {1, 1, 1, 1, 1}, "2024-01-15": {1, 1, 1, 0, 0}}
	if diff := cmp.Diff(want, cells(r)); diff != "" {
		t.Errorf("recurring unbounded calendar (-want +got)\n%s", diff)
	}
	// recurring × exact × elapsed: 7-day brackets from each start (01-02 10:00 and 01-16 10:00):
	// the 01-30 visit is +28 d (bracket 4) from the first and +14 d (bracket 2) from the second
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 4, Recurring: true, Elapsed: true, Range: Range{AsOf: asOf}, Level: 0.95})
	want = map[string][]int64{"2024-01-01": {1, 0, 1, 0, 1}, "2024-01-15": {1, 0, 1, 0, 0}}
	if diff := cmp.Diff(want, cells(r)); diff != "" {
		t.Errorf("recurring exact elapsed (-want +got)\n%s", diff)
	}
	// first-time × unbounded × elapsed: from 01-02 only; every bracket up to +28 d has a later return
	r = Retention(a, a.AllUsers(), RetentionParams{Cal: mon, Periods: 4, Unbounded: true, Elapsed: true, Range: Range{AsOf: asOf}, Level: 0.95})
	want = map[string][]int64{"2024-01-01": {1, 1, 1, 1, 1}}
	if diff := cmp.Diff(want, cells(r)); diff != "" {
		t.Errorf("first-time unbounded elapsed (-want +got)\n%s", diff)
	}
}

// Across a DST change: calendar days in Los Angeles follow the zone database
// (2024-03-10 is 23 hours long), elapsed brackets stay 24 h.
func TestRetentionAcrossDST(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	// signup Saturday 2024-03-09 23:30 PST; returns Sunday 03-10 23:30 PDT (23 h later) and Monday 03-11 00:30 PDT (24 h later)
	rows := []string{"u s 2024-03-10T07:30:00Z", "u v 2024-03-11T06:30:00Z", "w s 2024-03-10T07:30:00Z", "w v 2024-03-11T07:30:00Z"}
	a := actOf(t, ActivityConfig{Loc: la, StartEvent: "s", ReturnEvent: "v", ElapsedUnit: elapsedUnit(Day)}, rows...)
	day := Calendar{Period: Day, Loc: la}
	asOf := mustTime(t, "2024-04-01T00:00:00Z")
	cal := Retention(a, a.AllUsers(), RetentionParams{Cal: day, Periods: 2, Range: Range{AsOf: asOf}, Level: 0.95})
	// calendar: the cohort is 03-09 (LA); u returns on 03-10 (day +1), w on 03-11 (day +2)
	if c := cal.Cohorts[0]; c.Cohort != "2024-03-09" || c.Periods[1].Retained != 1 || c.Periods[2].Retained != 1 {
		t.Errorf("calendar across DST: %+v", c)
	}
	el := Retention(a, a.AllUsers(), RetentionParams{Cal: day, Periods: 2, Elapsed: true, Range: Range{AsOf: asOf}, Level: 0.95})
	// elapsed: u's return at +23 h is bracket 0, w's at +24 h is bracket 1
	if p := el.Summary; p[0].Retained != 1 || p[1].Retained != 1 || p[2].Retained != 0 {
		t.Errorf("elapsed across DST: %+v", p)
	}
}

// With --since, history before it is missing: users first seen in the
// period holding since may be old users, so that first-time cohort is a
// warm-up, marked in every cell and left out of the summary. Later cohorts,
// recurring cohorts and runs without since are untouched.
func TestRetentionWarmUp(t *testing.T) {
	rows := []string{
		"a x 2024-01-10T00:00:00Z", "a x 2024-02-05T00:00:00Z",
		"b x 2024-01-20T00:00:00Z",
		"c x 2024-02-03T00:00:00Z", "c x 2024-03-04T00:00:00Z",
		"d x 2024-02-10T00:00:00Z",
		"e x 2024-03-01T00:00:00Z",
	}
	month := Calendar{Period: Month, Loc: time.UTC}
	week := Calendar{Period: Week, Loc: time.UTC, WeekStart: time.Monday}
	type cohort struct {
		Cohort, Status string
		Size           int64
		Cells          []string
	}
	for _, tt := range []struct {
		name      string
		cal       Calendar
		since     string
		recurring bool
		elapsed   bool
		want      []cohort
		summary   [2][2]int64 // retained/eligible at offsets 0 and 1
		warned    bool
	}{
		{"no since", month, "", false, false, []cohort{
			{"2024-01", "complete", 2, []string{"complete", "complete"}},
			{"2024-02", "complete", 2, []string{"complete", "complete"}},
			{"2024-03", "incomplete", 1, []string{"complete", "incomplete"}}},
			[2][2]int64{{5, 5}, {2, 4}}, false},
		{"since at a period start", month, "2024-01-01", false, false, []cohort{
			{"2024-01", "warm_up", 2, []string{"warm_up", "warm_up"}},
			{"2024-02", "complete", 2, []string{"complete", "complete"}},
			{"2024-03", "incomplete", 1, []string{"complete", "incomplete"}}},
			[2][2]int64{{3, 3}, {1, 2}}, true},
		{"since inside a period", month, "2024-01-10", false, false, []cohort{
			{"2024-01", "warm_up", 2, []string{"warm_up", "warm_up"}},
			{"2024-02", "complete", 2, []string{"complete", "complete"}},
			{"2024-03", "incomplete", 1, []string{"complete", "incomplete"}}},
			[2][2]int64{{3, 3}, {1, 2}}, true},
		{"elapsed brackets", month, "2024-01-01", false, true, []cohort{
			{"2024-01", "warm_up", 2, []string{"warm_up", "warm_up"}},
			{"2024-02", "incomplete", 2, []string{"complete", "incomplete"}},
			{"2024-03", "incomplete", 1, []string{"complete", "incomplete"}}},
			// 30-day brackets: every bracket 1 outside the warm-up ends after as_of
			[2][2]int64{{3, 3}, {0, 0}}, true},
		{"weeks, since on a Wednesday", week, "2024-01-10", false, false, []cohort{
			{"2024-01-08", "warm_up", 1, []string{"warm_up", "warm_up"}},
			{"2024-01-15", "complete", 1, []string{"complete", "complete"}},
			{"2024-01-29", "complete", 1, []string{"complete", "complete"}},
			{"2024-02-05", "complete", 1, []string{"complete", "complete"}},
			{"2024-02-26", "complete", 1, []string{"complete", "complete"}}},
			[2][2]int64{{4, 4}, {0, 4}}, true},
		{"recurring cohorts have no first", month, "2024-01-01", true, false, []cohort{
			{"2024-01", "complete", 2, []string{"complete", "complete"}},
			{"2024-02", "complete", 3, []string{"complete", "complete"}},
			{"2024-03", "incomplete", 2, []string{"complete", "incomplete"}}},
			[2][2]int64{{7, 7}, {2, 5}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ActivityConfig{}
			if tt.elapsed {
				cfg.ElapsedUnit = elapsedUnit(tt.cal.Period)
			}
			if tt.recurring {
				cfg.StartPeriods = &tt.cal
			}
			a := actOf(t, cfg, rows...)
			p := RetentionParams{Cal: tt.cal, Periods: 1, Recurring: tt.recurring, Elapsed: tt.elapsed,
				Range: Range{AsOf: mustTime(t, "2024-04-01")}, Level: 0.95}
			if tt.since != "" {
				p.Since = ptrTime(t, tt.since)
			}
			r := Retention(a, a.AllUsers(), p)
			var got []cohort
			for _, c := range r.Cohorts {
				g := cohort{Cohort: c.Cohort, Status: c.Status, Size: c.Size}
				for _, cell := range c.Periods {
					g.Cells = append(g.Cells, cell.Status)
				}
				got = append(got, g)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("cohorts (-want +got):\n%s", d)
			}
			for k, want := range tt.summary {
				if x, n := summary(r, k); x != want[0] || n != want[1] {
					t.Errorf("summary %d = %d/%d, want %d/%d", k, x, n, want[0], want[1])
				}
			}
			warned := false
			for _, w := range r.Warnings {
				if w.Code == "warm_up" {
					warned = strings.Contains(w.Message, "first seen in "+tt.want[0].Cohort+" may have been active before")
				}
			}
			if warned != tt.warned {
				t.Errorf("warm_up warning = %v, want %v: %+v", warned, tt.warned, r.Warnings)
			}
		})
	}
}
