package metrics

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptake-dev/uptake/report"
)

func TestStepsChart(t *testing.T) {
	steps := stepStats([]string{"a", "b", "c"}, []int64{200, 150, 0}, [][]float64{nil, nil, nil})
	c := stepsChart("Users per step", steps)
	if !c.Horizontal || c.Kind != report.BarChart {
		t.Errorf("kind %v horizontal %v, want horizontal bars", c.Kind, c.Horizontal)
	}
	want := report.Series{Name: "users", Values: []float64{200, 150, 0},
		Text: []string{"200 · 100.0% of start", "150 · 75.0% of start · −50 (25.0%)", "0 · 0.0% of start · −150 (100.0%)"}}
	if d := cmp.Diff([]string{"1. a", "2. b", "3. c"}, c.Labels); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff([]report.Series{want}, c.Series); d != "" {
		t.Error(d)
	}
}

func TestPropEstimate(t *testing.T) {
	e := propEstimate(NewProportion(3, 4, 0.95))
	if e.Value != 0.75 || math.Abs(e.Low-0.30064) > 1e-4 || math.Abs(e.High-0.95441) > 1e-4 || e.Text != "75.0% [30.1%, 95.4%] (3/4)" {
		t.Errorf("propEstimate(3/4) = %+v", e)
	}
	// no one eligible: no point and no whisker
	e = propEstimate(NewProportion(0, 0, 0.95))
	if !math.IsNaN(e.Value) || !math.IsNaN(e.Low) || !math.IsNaN(e.High) || e.Text != "– (0 eligible)" {
		t.Errorf("propEstimate(0/0) = %+v", e)
	}
}

func TestLifecycleChart(t *testing.T) {
	x := LifecycleResult{Periods: []LifecyclePeriod{
		{Period: "2024-01", Active: 5, Status: "warm_up"},
		{Period: "2024-02", Active: 7, New: 2, Returning: 4, Resurrecting: 1, Dormant: 3, Status: "complete"},
	}}
	c := lifecycleChart("month", x)
	if !c.Stacked || c.Title != "Users by lifecycle per month" {
		t.Errorf("got %+v", c)
	}
	nan := math.NaN()
	want := []report.Series{
		{Name: "returning", Values: []float64{nan, 4}},
		{Name: "new", Values: []float64{nan, 2}, Tone: report.ToneGood},
		{Name: "resurrecting", Values: []float64{nan, 1}},
		{Name: "dormant", Values: []float64{nan, -3}, Tone: report.ToneBad}, // below zero
	}
	if d := cmp.Diff(want, c.Series, cmp.Comparer(func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) })); d != "" {
		t.Error(d)
	}
}
