package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Golden outputs of the metric commands on the built-in demo export.
func TestMetricCommandsGolden(t *testing.T) {
	steps := "onboarding_started,profile_completed,project_created,teammate_invited,onboarding_completed"
	runGoldens(t, []goldenCase{
		{"activation_table", []string{"activation", "--demo", "--activation-event", "report_created", "--km", "--cohort-period", "month"}, false},
		{"activation_by_plan_json", []string{"activation", "--demo", "--activation-event", "report_created", "--within", "48h", "--by", "plan", "--format", "json"}, false},
		{"activation_csv", []string{"activation", "--demo", "--activation-event", "report_created", "--by", "plan", "--format", "csv"}, false},
		{"onboarding_table", []string{"onboarding", "--demo", "--steps", steps, "--by", "onboarding_variant"}, false},
		{"onboarding_signups_json", []string{"onboarding", "--demo", "--steps", steps, "--denominator", "signups", "--as-of", "2024-07-01", "--format", "json"}, false},
		{"onboarding_markdown", []string{"onboarding", "--demo", "--steps", "onboarding_started,onboarding_completed", "--cohort-period", "month", "--format", "markdown"}, false},
		{"funnel_table", []string{"funnel", "--demo", "--steps", "signup,onboarding_started,project_created,report_created", "--cohort-period", "month"}, false},
		{"funnel_strict_json", []string{"funnel", "--demo", "--steps", "session_started,page_viewed,feature_used", "--order", "strict", "--within", "1h", "--from", "2024-03-01", "--to", "2024-04-01", "--format", "json"}, false},
		{"funnel_exclude_csv", []string{"funnel", "--demo", "--steps", "signup,project_created,report_created", "--exclude", "support_ticket_created:1:3", "--format", "csv"}, false},
	})
}

// The JSON paths the README promises to scripts.
func TestMetricJSONPaths(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		paths []string
	}{
		{[]string{"activation", "--demo", "--activation-event", "report_created"}, []string{"rate.numerator", "rate.denominator", "rate.value", "rate.ci.low", "rate.ci.method", "excluded.censored",
			"ttv.reached", "ttv.not_reached", "ttv.p25_seconds", "ttv.median_seconds", "ttv.p75_seconds", "ttv.p90_seconds"}},
		{[]string{"onboarding", "--demo", "--steps", "onboarding_started,onboarding_completed"}, []string{"steps.0.event", "steps.0.users", "completion.value", "completion_of_signups.value"}},
		{[]string{"funnel", "--demo", "--steps", "signup,report_created"}, []string{"steps.1.event", "steps.1.users", "steps.1.avg_seconds_from_previous", "steps.1.median_seconds_from_previous"}},
		{[]string{"funnel", "--demo", "--steps", "signup,report_created", "--by", "plan"}, []string{"segments.0.segment", "segments.0.steps.1.users", "steps.1.users"}},
	} {
		code, out, errOut := run(t, false, append(tt.args, "--format", "json")...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		var env map[string]any
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		for _, p := range tt.paths {
			var cur any = env["result"]
			for _, k := range strings.Split(p, ".") {
				switch c := cur.(type) {
				case map[string]any:
					v, ok := c[k]
					if !ok {
						t.Errorf("%s: .result.%s missing at %q", tt.args[0], p, k)
					}
					cur = v
				case []any:
					i := int(k[0] - '0')
					if i >= len(c) {
						t.Errorf("%s: .result.%s: index %d out of range", tt.args[0], p, i)
						cur = nil
						continue
					}
					cur = c[i]
				}
			}
		}
	}
}

func TestMetricUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"activation", "--demo"}, "uptake: --activation-event is required\n"},
		{[]string{"onboarding", "--demo"}, "uptake: required flag(s) \"steps\" not set\n"},
		{[]string{"funnel", "--demo", "--steps", "a"}, "uptake: --steps \"a\": want at least 2 comma-separated event names\n"},
		{[]string{"funnel", "--demo", "--steps", "a,b", "--within", "7"}, "uptake: --within \"7\": want a duration such as 90s, 30m, 48h, 7d or 2w\n"},
		{[]string{"funnel", "--demo", "--steps", "a,b", "--exclude", "x:2:1"}, "uptake: --exclude \"x:2:1\": FROM and TO are step numbers with 1 ≤ FROM < TO ≤ 2\n"},
		{[]string{"funnel", "--demo", "--steps", "a,b", "--order", "any", "--exclude", "x:1:2"}, "uptake: --exclude \"x:1:2\": step numbers mean nothing with --order any; use --exclude x\n"},
		{[]string{"activation", "--demo", "--activation-event", "x", "--from", "March"}, "uptake: --from \"March\": want RFC 3339 (2024-03-01T00:00:00Z) or YYYY-MM-DD\n"},
		{[]string{"activation", "--demo", "--activation-event", "x", "--conf", "95"}, "uptake: --conf 95: want a level between 0 and 1, such as 0.95\n"},
		{[]string{"activation", "--demo", "--activation-event", "x", "--within", "36h", "--window-mode", "calendar"}, "uptake: --window-mode calendar counts whole days; --within 36h is not a number of days\n"},
		// a settings value a flag refuses reads like the metric's own checks
		{[]string{"activation", "--demo", "--activation-event", "x", "--within", "3x"}, "uptake: --within \"3x\": want a duration such as 90s, 30m, 48h, 7d or 2w\n"},
		{[]string{"activation", "--demo", "--activation-event", "x", "--within", "3d", "--within", "0d"}, "uptake: --within \"0d\": want a duration such as 90s, 30m, 48h, 7d or 2w\n"},
	} {
		code, out, errOut := run(t, false, tt.args...)
		first := strings.SplitN(errOut, "\n", 2)[0] + "\n"
		if code != ExitUsage || first != tt.stderr || out != "" {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, code, errOut, tt.stderr)
		}
	}
}

// TestFunnelExcludeColonEvent: an event name holding colons (page:view) can
// be excluded, alone or with a trailing :FROM:TO; it was refused as
// "want EVENT or EVENT:FROM:TO" and could not be excluded at all.
func TestFunnelExcludeColonEvent(t *testing.T) {
	input := "timestamp,user_id,event\n" +
		"2024-01-01T00:00:00Z,u1,signup\n2024-01-01T00:01:00Z,u1,page:view\n2024-01-01T00:02:00Z,u1,cart:add\n2024-01-01T00:03:00Z,u1,buy\n" +
		"2024-01-01T00:00:00Z,u2,signup\n2024-01-01T00:02:00Z,u2,cart:add\n2024-01-01T00:03:00Z,u2,buy\n"
	for _, tt := range []struct {
		exclude string
		want    string // the conversion line
	}{
		{"page:view", "(1/1)\n  left out:    0 censored (no attempt with a complete window), 1 with every attempt spoiled"},
		{"page:view:1:2", "(1/1)\n  left out:    0 censored (no attempt with a complete window), 1 with every attempt spoiled"},
		{"page:view:2:3", "(2/2)\n  left out:    0 censored (no attempt with a complete window), 0 with every attempt spoiled"},
	} {
		code, out, errOut := runInput(t, input, "funnel", "-", "--steps", "signup,cart:add,buy", "--exclude", tt.exclude, "--as-of", "2024-02-01", "-q")
		if code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("--exclude %s: exit %d, stdout %q, stderr %q; want %q", tt.exclude, code, out, errOut, tt.want)
		}
	}
	code, _, errOut := runInput(t, input, "funnel", "-", "--steps", "signup,cart:add,buy", "--exclude", "page:view:1:4")
	if code != ExitUsage || !strings.Contains(errOut, "FROM and TO are step numbers") {
		t.Errorf("page:view:1:4: exit %d, stderr %q; want a usage error", code, errOut)
	}
}

// As with a string flag, the last use of a settings flag is the one that
// counts, even after a value the flag refuses.
func TestMetricFlagsLastWins(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		within string
		steps  []string
	}{
		{[]string{"activation", "--demo", "--activation-event", "report_created", "--within", "7", "--within", "3d"}, "3d", nil},
		{[]string{"funnel", "--demo", "--steps", "a", "--steps", " signup , ,report_created ", "--within", "7", "--within", "2w"}, "2w", []string{"signup", "report_created"}},
		{[]string{"onboarding", "--demo", "--steps", "a,b", "--steps", "onboarding_started,onboarding_completed"}, "7d", []string{"onboarding_started", "onboarding_completed"}},
	} {
		var got struct {
			Params struct {
				Within string   `json:"within"`
				Steps  []string `json:"steps"`
			} `json:"params"`
		}
		runJSON(t, &got, tt.args...)
		if got.Params.Within != tt.within || !slices.Equal(got.Params.Steps, tt.steps) {
			t.Errorf("%v: params within %q, steps %q; want %q, %q", tt.args, got.Params.Within, got.Params.Steps, tt.within, tt.steps)
		}
	}
}

// A panic while metrics compute side by side reaches the caller's
// goroutine (where Main reports it), after every job has ended.
func TestGoParallelRaisesPanics(t *testing.T) {
	var done atomic.Int32
	fns := []func(){func() { done.Add(1) }, func() { panic("boom") }, func() { done.Add(1) }}
	defer func() {
		if v := recover(); v != "boom" || done.Load() != 2 {
			t.Errorf("recovered %v with %d jobs done; want boom and 2", v, done.Load())
		}
	}()
	goParallel(fns)()
	t.Error("no panic")
}

// A read that fails part-way stops the goroutine trends counts on: nothing
// is left running after the command returns.
func TestFailedReadLeavesNoGoroutine(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("user_id,event,timestamp\nu1,signup,2024-01-01\nu1,view,yesterday\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for range 20 {
		if code, _, _ := run(t, false, "trends", bad); code != ExitError {
			t.Fatalf("exit %d, want %d", code, ExitError)
		}
	}
	time.Sleep(50 * time.Millisecond) // let finished goroutines exit
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Errorf("%d goroutines after 20 failed reads, %d before", after, before)
	}
}
