package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An event selector names the events whose properties match, wherever a
// flag names an event; --where drops every other row instead and moves the
// anchors (activation on feature_used with --where feature = exports read
// 100%: every user's first remaining event was the feature itself).
func TestEventSelectors(t *testing.T) {
	code, out, errOut := run(t, false, "activation", "--demo", "-q", "--activation-event", "feature_used[feature = exports]", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var act struct {
		Result struct {
			Rate struct{ Numerator, Denominator int64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &act); err != nil {
		t.Fatal(err)
	}
	// 349 of the demo's 1,000 users used exports within 7 days of their first event
	if r := act.Result.Rate; r.Numerator != 349 || r.Denominator != 1000 {
		t.Errorf("activation %d/%d, want 349/1000", r.Numerator, r.Denominator)
	}
	code, out, errOut = run(t, false, "funnel", "--demo", "-q", "--steps", "signup,feature_used[feature ~ ^(exports|api)$; plan != free],report_created", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var fun struct {
		Result struct{ Steps []struct{ Event string } }
	}
	if err := json.Unmarshal([]byte(out), &fun); err != nil {
		t.Fatal(err)
	}
	if len(fun.Result.Steps) != 3 || fun.Result.Steps[1].Event != "feature_used[feature ~ ^(exports|api)$; plan != free]" {
		t.Errorf("steps %+v", fun.Result.Steps)
	}
	for _, tt := range []struct {
		sel  string
		code int
		want string
	}{
		{"feature_used[feature = exprts]", ExitError, `--activation-event: no event matching "feature_used[feature = exprts]" in the input`},
		{"feature_usd[feature = exports]", ExitError, `--activation-event: no event "feature_usd" in the input; did you mean "feature_used"?`},
		{"feature_used[featur = exports]", ExitError, `--activation-event: no field "featur" in the input; did you mean "feature"?`},
		{"feature_used[feature == exports]", ExitUsage, `--activation-event: event selector "feature_used[feature == exports]": "==" is not an operator`},
	} {
		code, out, errOut := run(t, false, "activation", "--demo", "-q", "--activation-event", tt.sel)
		if code != tt.code || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.sel, code, errOut, tt.code, tt.want)
		}
	}
}

// A selector that matches every row of its event gives exactly what the
// plain event gives, whatever flag it stands in: the selector's events reach
// the activity summaries and survey answers too, not only the Log.
func TestSelectorMatchingAllIsTheEvent(t *testing.T) {
	for _, tt := range []struct{ plain, sel []string }{
		{[]string{"retention", "--return-event", "feature_used"}, []string{"retention", "--return-event", "feature_used[feature != zzz]"}},
		{[]string{"retention", "--start-event", "feature_used"}, []string{"retention", "--start-event", "feature_used[feature != zzz]"}},
		{[]string{"engagement", "--active-event", "feature_used"}, []string{"engagement", "--active-event", "feature_used[feature != zzz]"}},
		{[]string{"activation", "--activation-event", "feature_used"}, []string{"activation", "--activation-event", "feature_used[feature != zzz]"}},
		{[]string{"funnel", "--steps", "signup,feature_used,report_created"}, []string{"funnel", "--steps", "signup,feature_used[feature != zzz],report_created"}},
		{[]string{"nps", "--event", "nps_response", "--score-prop", "score"}, []string{"nps", "--event", "nps_response[score ~ .]", "--score-prop", "score"}},
	} {
		result := func(args []string) string {
			code, out, errOut := run(t, false, append(args, "--demo", "-q", "--format", "json")...)
			if code != ExitOK {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			var env struct{ Result json.RawMessage }
			if err := json.Unmarshal([]byte(out), &env); err != nil {
				t.Fatal(err)
			}
			// the step names differ by their spelling only
			return strings.ReplaceAll(string(env.Result), `[feature != zzz]`, "")
		}
		if a, b := result(tt.plain), result(tt.sel); a != b {
			t.Errorf("%v and %v differ:\n%.300s\n%.300s", tt.plain, tt.sel, a, b)
		}
	}
}

// Another metric's selector does not change a strict funnel in a report:
// its "very next event" looks past selector events.
func TestSelectorLeavesStrictFunnelAlone(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	body := "metrics:\n  - name: act\n    metric: activation\n    activation-event: \"feature_used[feature = exports]\"\n" +
		"  - name: strict\n    metric: funnel\n    steps: feature_used,report_created\n    order: strict\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "-q", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Result struct {
			Metrics []struct{ Result json.RawMessage }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	_, own, _ := run(t, false, "funnel", "--demo", "-q", "--steps", "feature_used,report_created", "--order", "strict", "--format", "json")
	var env struct{ Result json.RawMessage }
	if err := json.Unmarshal([]byte(own), &env); err != nil {
		t.Fatal(err)
	}
	if a, b := compact(t, env.Result), compact(t, rep.Result.Metrics[1].Result); a != b {
		t.Errorf("the strict funnel in the report differs from its own command:\n%.300s\n%.300s", b, a)
	}
	if code, _, errOut := run(t, false, "funnel", "--demo", "--steps", "a,b[x = 1]", "--order", "strict"); code != ExitUsage || !strings.Contains(errOut, "--order strict takes plain event names") {
		t.Errorf("strict with a selector step: exit %d, %s", code, errOut)
	}
}
