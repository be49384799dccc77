package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type adoptionFeatureJSON struct {
	Feature  string
	Adopters int64
	Rate     struct {
		Numerator, Denominator int64
		Value                  *float64
	}
	Retained *struct {
		Week  int
		First int64 `json:"first_time"`
		Cens  int64 `json:"censored"`
		Rate  struct{ Numerator, Denominator int64 }
	} `json:"retained_adoption"`
}

type adoptionJSON struct {
	Result struct {
		Active, Known int64
		Features      []adoptionFeatureJSON
		Periods       []struct {
			Period        string
			Active, Known int64
			Complete      bool
			Features      []adoptionFeatureJSON
		}
	} `json:"result"`
}

func TestAdoptionDemo(t *testing.T) {
	var got adoptionJSON
	runJSON(t, &got, "adoption", "--demo", "--feature-prop", "feature", "--retained-adoption", "1w")
	r := got.Result
	if r.Active != 1000 || len(r.Features) != 6 || len(r.Periods) != 7 {
		t.Fatalf("%d active, %d features, %d periods; want 1000, 6, 7", r.Active, len(r.Features), len(r.Periods))
	}
	d := r.Features[0]
	if d.Feature != "dashboards" || d.Adopters != 825 || d.Rate.Denominator != 1000 {
		t.Errorf("dashboards over the range %+v, want 825 of 1000", d)
	}
	// week 1 after each first use: 6 of 825 not over at as_of; 385 of 819 used it then
	if rt := d.Retained; rt == nil || rt.Week != 1 || rt.First != 825 || rt.Cens != 6 || rt.Rate.Numerator != 385 || rt.Rate.Denominator != 819 {
		t.Errorf("dashboards retained adoption %+v, want 385/819 of 825 (6 censored)", d.Retained)
	}
	// active users and dashboards adopters per month
	want := []string{"2024-01 75/115", "2024-02 146/219", "2024-03 203/291", "2024-04 279/390", "2024-05 367/517", "2024-06 428/582", "2024-07 349/426"}
	for i, p := range r.Periods {
		f := p.Features[0]
		if got := fmt.Sprintf("%s %d/%d", p.Period, f.Adopters, p.Active); f.Feature != "dashboards" || got != want[i] || f.Rate.Denominator != p.Active {
			t.Errorf("period %d: %s (%s of %d), want %s", i, got, f.Feature, f.Rate.Denominator, want[i])
		}
	}
	if r.Periods[5].Complete == false || r.Periods[6].Complete {
		t.Error("only July is incomplete")
	}

	// of every user first seen by the end of each month
	got = adoptionJSON{}
	runJSON(t, &got, "adoption", "--demo", "--feature-event", "report_created", "--adoption-denominator", "all")
	var known []int64
	for _, p := range got.Result.Periods {
		known = append(known, p.Features[0].Rate.Denominator)
	}
	if w := []int64{115, 252, 386, 565, 785, 999, 1000}; !slices.Equal(known, w) || got.Result.Known != 1000 {
		t.Errorf("known %v (range %d), want %v", known, got.Result.Known, w)
	}
}

func TestTrendsAdoptionUsage(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"adoption", "--demo"}, "uptake: adoption needs --feature-event E (a feature per event) or --feature-prop P"},
		{[]string{"adoption", "--demo", "--feature-prop", "feature", "--retained-adoption", "10d"}, "uptake: --retained-adoption 10d: want a whole number of weeks"},
		{[]string{"adoption", "--demo", "--feature-event", "report_created", "--adoption-denominator", "some"}, `uptake: invalid argument "some" for "--adoption-denominator"`},
		{[]string{"trends", "--demo", "--top", "0"}, "uptake: --top 0: want at least 1"},
	} {
		code, out, errOut := run(t, false, tt.args...)
		if code != ExitUsage || !strings.HasPrefix(errOut, tt.stderr) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, code, errOut, tt.stderr)
		}
	}
	// names are checked against the input
	code, _, errOut := run(t, false, "trends", "--demo", "--event", "signupp")
	if code != ExitError || !strings.Contains(errOut, `"signup"`) {
		t.Errorf("a misspelt event: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, false, "adoption", "--demo", "--feature-prop", "featur")
	if code != ExitError || !strings.Contains(errOut, `"feature"`) {
		t.Errorf("a misspelt property: exit %d, %q", code, errOut)
	}
}

// Every format of both commands, and both in one report (which reads once,
// sharing the summary of two trends of the same period).
func TestTrendsAdoptionFormats(t *testing.T) {
	for _, args := range [][]string{
		{"trends", "--demo", "--period", "week"},
		{"adoption", "--demo", "--feature-prop", "feature", "--retained-adoption", "2w", "--by", "plan"},
	} {
		for _, f := range []string{"table", "csv", "markdown"} {
			code, out, errOut := run(t, false, append(args, "--format", f, "-q")...)
			if code != ExitOK || out == "" {
				t.Errorf("%v --format %s: exit %d: %s", args, f, code, errOut)
			}
			if f == "csv" && args[0] == "adoption" && !strings.HasPrefix(out, "segment,period,active,known,feature,adopters,rate,") {
				t.Errorf("adoption csv header: %.80q", out)
			}
		}
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	body := "metrics:\n  - name: daily\n    metric: trends\n  - name: daily again\n    metric: trends\n    event: signup\n" +
		"  - name: adoption\n    metric: adoption\n    feature-prop: feature\n    period: week\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "--config", cfg, "--format", "html", "-q")
	if code != ExitOK || strings.Count(out, "<svg") < 5 {
		t.Errorf("report html: exit %d, %d charts: %s", code, strings.Count(out, "<svg"), errOut)
	}
	code, out, _ = run(t, false, "report", "--demo", "--config", cfg, "-q")
	for _, w := range []string{"Trends by day over 212 days: page_viewed 36,206 events, 937 users;", "Trends by day over 212 days: signup 1,000 events, 1,000 users",
		"Feature adoption over the range (of active users): dashboards 82.5%"} {
		if code != ExitOK || !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%.600s", w, out)
		}
	}
}
