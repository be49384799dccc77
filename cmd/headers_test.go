package cmd

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Repeated headers reach the user as a duplicate_columns warning, on
// stderr and in the JSON envelope, for event and survey files alike; inspect
// counts each column once.
func TestDuplicateColumnsWarning(t *testing.T) {
	cases := []struct {
		name, input string
		args        []string
		want        string
	}{{
		name:  "inspect",
		input: "user_id,event,time,plan,plan\nu1,signup,2024-03-01T00:00:00Z,a,b\nu2,signup,2024-03-02T00:00:00Z,c,\n",
		args:  []string{"inspect", "-"},
		want:  `-: columns 4 and 5 are both named "plan": the second is read as "plan_2"`,
	}, {
		name:  "nps",
		input: "respondent_id,score,submitted_at, score \nr1,9,2024-03-01T00:00:00Z,1\nr2,10,2024-03-02T00:00:00Z,2\n",
		args:  []string{"nps", "-"},
		want:  `-: columns 2 and 4 are both named "score": the second is read as "score_2"`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runInput(t, tc.input, append(tc.args, "--format", "json")...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if line := "warning: " + tc.want + " [duplicate_columns]\n"; !strings.Contains(stderr, line) {
				t.Errorf("stderr %q, want the line %q", stderr, line)
			}
			var env struct {
				Warnings []struct{ Code, Message string }
				Result   struct {
					Properties []struct {
						Name   string
						Events int64
					}
				}
			}
			if err := json.Unmarshal([]byte(out), &env); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range env.Warnings {
				found = found || w.Code == "duplicate_columns" && w.Message == tc.want
			}
			if !found {
				t.Errorf("warnings %+v, want duplicate_columns %q", env.Warnings, tc.want)
			}
			if tc.name == "inspect" {
				want := []struct {
					Name   string
					Events int64
				}{{"plan", 2}, {"plan_2", 1}}
				if diff := cmp.Diff(want, env.Result.Properties); diff != "" {
					t.Errorf("properties (-want +got)\n%s", diff)
				}
			}
		})
	}
}

// Past 65,535 property names inspect merges the rest into (other), and says so.
func TestTooManyPropertiesWarning(t *testing.T) {
	const n = 65535 + 3
	var b strings.Builder
	b.WriteString("user_id,event,time")
	for i := 0; i < n; i++ {
		b.WriteString(",p" + strconv.Itoa(i))
	}
	b.WriteString("\nu1,e,2024-03-01T00:00:00Z" + strings.Repeat(",v", n) + "\n")
	code, _, stderr := runInput(t, b.String(), "inspect", "-", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "warning: 65,538 distinct property names; the statistics of those past the first 65,535 are merged into (other) [too_many_properties]\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

func runInput(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	ios, in, out, errOut := Test()
	in.WriteString(input)
	code := Main(ios, args)
	return code, out.String(), errOut.String()
}
