package cmd

import (
	"encoding/json"
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
