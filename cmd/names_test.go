package cmd

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const missingHint = "'uptake inspect' lists the names in the input; --allow-missing reads on without these\n"

// TestMissingNames runs every flag that names an event or a field with a
// misspelled name (exit 1, the message, nothing on stdout), with it and
// --allow-missing (exit 0, the message as a missing_name warning), and with
// the name spelled right (exit 0, no warning).
func TestMissingNames(t *testing.T) {
	tests := []struct {
		cmd        []string // the command and the flags that stay
		flag       string
		bad, right string
		msg        string
	}{
		{[]string{"activation"}, "--activation-event", "report_createdd", "report_created",
			`--activation-event: no event "report_createdd" in the input; did you mean "report_created"?`},
		{[]string{"activation", "--activation-event", "report_created"}, "--signup-event", "Signup", "signup",
			`--signup-event: no event "Signup" in the input; did you mean "signup"?`},
		{[]string{"onboarding"}, "--steps", "signup,Onboarding_started", "signup,onboarding_started",
			`--steps: no event "Onboarding_started" in the input; did you mean "onboarding_started"?`},
		{[]string{"onboarding", "--steps", "onboarding_started,onboarding_completed"}, "--signup-event", "sign_up", "signup",
			`--signup-event: no event "sign_up" in the input; did you mean "signup"?`},
		{[]string{"funnel"}, "--steps", "signup,trial_start", "signup,trial_started",
			`--steps: no event "trial_start" in the input; did you mean "trial_started"?`},
		{[]string{"funnel", "--steps", "signup,report_created"}, "--exclude", "onbording_completed", "onboarding_completed",
			`--exclude: no event "onbording_completed" in the input; did you mean "onboarding_completed"?`},
		{[]string{"retention"}, "--start-event", "Signup", "signup",
			`--start-event: no event "Signup" in the input; did you mean "signup"?`},
		{[]string{"retention"}, "--return-event", "report_creatd", "report_created",
			`--return-event: no event "report_creatd" in the input; did you mean "report_created"?`},
		{[]string{"churn"}, "--active-event", "reprt_created", "report_created",
			`--active-event: no event "reprt_created" in the input; did you mean "report_created"?`},
		{[]string{"lifecycle"}, "--active-event", "xyz", "report_created",
			`--active-event: no event "xyz" in the input`},
		{[]string{"engagement"}, "--by", "plann", "plan",
			`--by: no property "plann" in the input; did you mean "plan"?`},
		{[]string{"activation", "--activation-event", "report_created"}, "--by", "rol", "role",
			`--by: no property "rol" in the input; did you mean "role"?`},
		{[]string{"nps"}, "--event", "nps_respons", "nps_response",
			`--event: no event "nps_respons" in the input; did you mean "nps_response" or "ces_response"?`},
		{[]string{"csat"}, "--score-prop", "scroe", "score",
			`--score-prop: no property "scroe" in the input; did you mean "score"?`},
		{[]string{"inspect"}, "--where", "plann != x", "plan != x",
			`--where: no field "plann" in the input; did you mean "plan"?`},
		// every row filtered out: the suggestion comes from the whole input
		{[]string{"retention"}, "--where", "plab = pro", "plan = pro",
			`--where: no field "plab" in the input; did you mean "plan"?`},
		// a field mapped to the user is a field all the same
		{[]string{"retention"}, "--where", "usr_id != u1", "user_id != u1",
			`--where: no field "usr_id" in the input; did you mean "user_id"?`},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.bad, func(t *testing.T) {
			args := append(slices.Clone(tt.cmd), "--demo", tt.flag)
			code, out, errOut := run(t, false, append(args, tt.bad)...)
			if want := "uptake: " + tt.msg + "\n" + missingHint; code != ExitError || out != "" || errOut != want {
				t.Errorf("misspelled: exit %d, stdout %d bytes, stderr\n%s\nwant exit 1 and\n%s", code, len(out), errOut, want)
			}
			code, out, errOut = run(t, false, append(args, tt.bad, "--allow-missing")...)
			if tt.flag == "--event" { // no answers left to compute from: exit 1 as before
				if code != ExitError || !strings.Contains(errOut, "no \""+tt.bad+"\" events in the input") {
					t.Errorf("--allow-missing: exit %d, stderr %s", code, errOut)
				}
			} else if want := "warning: " + tt.msg + " (--allow-missing: read on without it) [missing_name]\n"; code != ExitOK || out == "" || !strings.Contains(errOut, want) {
				t.Errorf("--allow-missing: exit %d, stderr\n%s\nwant exit 0 and\n%s", code, errOut, want)
			}
			code, out, errOut = run(t, false, append(args, tt.right)...)
			if code != ExitOK || out == "" || strings.Contains(errOut, "missing_name") {
				t.Errorf("right name: exit %d, stderr %s", code, errOut)
			}
		})
	}
}

// TestMissingNamesAllAtOnce: every missing name is in the one error, where
// fields first, each event or property scoped by the flags that narrowed the
// input; the JSON envelope carries them as warnings with --allow-missing.
func TestMissingNamesAllAtOnce(t *testing.T) {
	args := []string{"funnel", "--demo", "--steps", "signup,Trial_started,payed", "--by", "plann", "--where", "rol != x", "--since", "2024-01-01"}
	code, out, errOut := run(t, false, args...)
	want := `uptake: --where: no field "rol" in the input; did you mean "role"?
--steps: no event "Trial_started" in the input (after --where, --since); did you mean "trial_started"?
--steps: no event "payed" in the input (after --where, --since)
--by: no property "plann" in the input (after --where, --since); did you mean "plan"?
` + missingHint
	if code != ExitError || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if diff := cmp.Diff(want, errOut); diff != "" {
		t.Errorf("stderr (-want +got)\n%s", diff)
	}
	var env struct {
		Warnings []struct{ Code, Message string }
	}
	runJSON(t, &env, append(args, "--allow-missing", "--format", "json")...)
	var got []string
	for _, w := range env.Warnings {
		if w.Code == "missing_name" {
			got = append(got, w.Message)
		}
	}
	if len(got) != 4 || !strings.HasPrefix(got[0], `--where: no field "rol"`) {
		t.Errorf("missing_name warnings %q", got)
	}
}

// TestMissingNamesStdin: an input that cannot be read twice still gets the
// error (event suggestions come from what was read; properties have none).
func TestMissingNamesStdin(t *testing.T) {
	data, err := os.ReadFile("testdata/events.csv")
	if err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := Test()
	in.Write(data)
	code := Main(ios, []string{"retention", "-", "--by", "plann", "--start-event", "Signup"})
	want := "uptake: --start-event: no event \"Signup\" in the input; did you mean \"signup\"?\n--by: no property \"plann\" in the input\n" + missingHint
	if code != ExitError || out.Len() != 0 || errOut.String() != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, errOut, want)
	}
}

// TestWhereUsageErrors: a malformed --where is a usage error in every
// reading command.
func TestWhereUsageErrors(t *testing.T) {
	for _, tt := range []struct{ where, msg string }{
		{"event == x", `"==" is not an operator; the operators are = != < <= > >= ~ !~`},
		{"score => 5", `"=>" is not an operator`},
		{"score <> 5", `"<>" is not an operator`},
		{"= x", "no field name before ="},
		{"plan", "want FIELD OP VALUE"},
		{"plan ~ (", "not a valid regular expression"},
		{"score > 1e309", "1e309 is not a finite number"},
		{"score = NaN", "NaN is not a finite number"},
	} {
		for _, cmd := range [][]string{{"inspect"}, {"retention"}, {"activation", "--activation-event", "report_created"}, {"nps"}} {
			code, out, errOut := run(t, false, append(cmd, "--demo", "--where", tt.where)...)
			if code != ExitUsage || out != "" || !strings.Contains(errOut, tt.msg) {
				t.Errorf("%v --where %q: exit %d, stderr %q", cmd, tt.where, code, errOut)
			}
		}
	}
}

func TestSuggest(t *testing.T) {
	have := []string{"signup", "sign_up", "Signup2", "signin", "report_created", "report_creator", "reports", "plan"}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"SIGNUP", []string{"signup"}},                        // a case-only difference, alone
		{"signup_", []string{"Signup2", "signup", "sign_up"}}, // by distance, then name
		{"report_createdd", []string{"report_created", "report_creator"}},
		{"plann", []string{"plan"}},
		{"zzzz", nil},
		{"signup", []string{"Signup2", "sign_up", "signin"}}, // never the name itself
	} {
		if got := suggest(tt.name, have); !slices.Equal(got, tt.want) {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"kitten", "sitting", 3}, {"café", "cafe", 1}, {"", "abc", 3}, {"abc", "abc", 0}, {"flaw", "lawn", 2}} {
		if got := editDistance(tt.a, tt.b, 10); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
	if got := orList([]string{"a", "b", "c"}); got != `"a", "b" or "c"` {
		t.Errorf("orList = %s", got)
	}
}

// A --where that keeps no row says so: an empty report with no word looks
// like data that has nothing.
func TestWhereKeptNothing(t *testing.T) {
	code, out, errOut := run(t, false, "engagement", "--demo", "--where", "plan = proo", "--format", "json")
	if code != ExitOK || !strings.Contains(out, `"code": "where_kept_nothing"`) ||
		!strings.Contains(errOut, "warning: --where kept none of the 89,650 rows: every figure is empty (is a value misspelled?) [where_kept_nothing]") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, _, errOut := run(t, false, "engagement", "--demo", "--where", "plan = pro"); strings.Contains(errOut, "where_kept_nothing") {
		t.Errorf("warned with rows kept: %s", errOut)
	}
}
