package metrics

import (
	"fmt"
	"testing"
	"time"
)

// referralRun is a run over rows "user event time" (as logOf and actOf
// read them) with user property ref, one value per user in order.
func referralRun(t *testing.T, ref []string, from, to *int64, rows ...string) *Run {
	t.Helper()
	l := logOf(t, rows...)
	a := actOf(t, ActivityConfig{Loc: time.UTC}, rows...)
	a.Finish()
	return &Run{Log: l, Activity: a, Loc: time.UTC, Level: 0.95, UserIDs: l.Users, UserProps: map[string][]string{"ref": ref},
		Range: Range{From: from, To: to, AsOf: mustTime(t, "2024-04-01")}}
}

func TestReferralBases(t *testing.T) {
	rows := []string{
		"a signup 2024-01-05", "a use 2024-03-02", "a sent 2024-03-03", // ref=friend
		"b signup 2024-01-10T00:00:00Z", "b accept 2024-01-10T12:00:00Z", "b use 2024-02-02", // referred by event, within 24h
		"c signup 2024-02-01", "c accept 2024-02-03", "c sent 2024-02-04", // accept too late
		"d signup 2024-02-15", "d use 2024-03-10", // ref=ads
		"e signup 2024-03-01", "e sent 2024-03-02",
	}
	ref := []string{"friend", "", "", "ads", ""}
	type per struct {
		period string
		x, n   int64
	}
	for _, tt := range []struct {
		name   string
		basis  string
		values []string
		to     *int64
		x, n   int64
		per    []per
	}{
		{"active", "active", nil, nil, 3, 5, []per{{"2024-01", 2, 2}, {"2024-02", 2, 3}, {"2024-03", 2, 3}}},
		{"active, one value", "active", []string{"friend"}, nil, 2, 5, []per{{"2024-01", 2, 2}, {"2024-02", 1, 3}, {"2024-03", 1, 3}}},
		{"active to Feb", "active", nil, ptrTime(t, "2024-02-01"), 2, 2, []per{{"2024-01", 2, 2}}},
		{"new", "new", nil, nil, 3, 5, []per{{"2024-01", 2, 2}, {"2024-02", 1, 2}, {"2024-03", 0, 1}}},
		{"referrers", "referrers", nil, nil, 3, 5, []per{{"2024-01", 0, 2}, {"2024-02", 1, 3}, {"2024-03", 2, 3}}},
	} {
		s := ReferralMetric.NewSettings().(*ReferralSettings)
		s.Basis, s.ReferredProp, s.ReferredValue, s.ReferredEvent, s.SentEvent = tt.basis, "ref", tt.values, "accept", "sent"
		r := ReferralMetric.Compute(referralRun(t, ref, nil, tt.to, rows...), s, []int32{0, 1, 2, 3, 4})
		if r.Rate.Numerator != tt.x || r.Rate.Denominator != tt.n || r.Basis != tt.basis || len(r.Periods) != len(tt.per) {
			t.Errorf("%s: %d/%d basis %s, %d periods; want %d/%d", tt.name, r.Rate.Numerator, r.Rate.Denominator, r.Basis, len(r.Periods), tt.x, tt.n)
			continue
		}
		for i, w := range tt.per {
			if g := r.Periods[i]; g.Period != w.period || g.Rate.Numerator != w.x || g.Rate.Denominator != w.n {
				t.Errorf("%s: period %d = %s %d/%d, want %+v", tt.name, i, g.Period, g.Rate.Numerator, g.Rate.Denominator, w)
			}
		}
	}
}

// The worked vectors: 60 of 400 active users referred (active basis), and
// 30 of the 120 users first seen in March (new basis).
func TestReferralVectors(t *testing.T) {
	var rows []string
	var ref []string
	for i := 0; i < 400; i++ {
		day := "2024-02-10"
		if i < 120 {
			day = "2024-03-10"
		}
		rows = append(rows, fmt.Sprintf("u%03d signup %s", i, day))
		v := ""
		if i < 30 || i >= 370 { // 30 of March's, 30 of February's
			v = "yes"
		}
		ref = append(ref, v)
	}
	s := ReferralMetric.NewSettings().(*ReferralSettings)
	s.ReferredProp = "ref"
	r := ReferralMetric.Compute(referralRun(t, ref, nil, nil, rows...), s, AllUsers(400))
	if r.Rate.Numerator != 60 || r.Rate.Denominator != 400 {
		t.Fatalf("active %d/%d", r.Rate.Numerator, r.Rate.Denominator)
	}
	check(t, "active low", r.Rate.CI.Low, 0.118344995303375, 1e-12)
	check(t, "active high", r.Rate.CI.High, 0.188313610730632, 1e-12)
	s.Basis = "new"
	r = ReferralMetric.Compute(referralRun(t, ref, ptrTime(t, "2024-03-01"), nil, rows...), s, AllUsers(400))
	if r.Rate.Numerator != 30 || r.Rate.Denominator != 120 || len(r.Periods) != 1 || r.Periods[0].Status != "complete" {
		t.Fatalf("new %d/%d %+v", r.Rate.Numerator, r.Rate.Denominator, r.Periods)
	}
	check(t, "new low", r.Rate.CI.Low, 0.181098216568096, 1e-12)
	check(t, "new high", r.Rate.CI.High, 0.334411366641256, 1e-12)
}

func TestReferralNoneReferred(t *testing.T) {
	s := ReferralMetric.NewSettings().(*ReferralSettings)
	s.ReferredProp = "ref"
	r := ReferralMetric.Compute(referralRun(t, []string{"", ""}, nil, nil, "a x 2024-01-01", "b x 2024-03-31"), s, AllUsers(2))
	if r.Rate.Numerator != 0 || r.Rate.Denominator != 2 || *r.Referred != 0 || len(r.Warnings) == 0 || r.Warnings[0].Code != "no_referred_users" {
		t.Errorf("%+v", r)
	}
	// as_of 2024-04-01 ends March: complete; a range ending mid-month cuts it
	if r.Periods[1].Status != "complete" {
		t.Errorf("March %+v", r.Periods[1])
	}
	r = ReferralMetric.Compute(referralRun(t, []string{"", ""}, nil, ptrTime(t, "2024-03-15"), "a x 2024-01-01", "b x 2024-03-01"), s, AllUsers(2))
	if len(r.Periods) != 2 || r.Periods[1].Status != "incomplete" {
		t.Errorf("cut March %+v", r.Periods)
	}
	if err := ReferralMetric.Validate(&ReferralSettings{Basis: "active"}); err == nil {
		t.Error("active basis without --referred-prop or --referred-event accepted")
	}
}
