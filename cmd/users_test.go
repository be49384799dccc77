package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptake-dev/uptake/report"
)

// The fixtures (testdata/users): events.csv has 7 users who sign up in the
// week of 2024-02-26; u1, u3, u4 and u6 create a report within 7 days, u7
// is not in users.csv. Every event row says plan=free, which users.csv
// contradicts:
//
//	user  plan  country  seats  activated
//	u1    pro   DE       10     yes
//	u2    pro   US       3      no
//	u3    free  DE       1      yes
//	u4    pro   FR       25     yes
//	u5    free  US       1      no
//	u6    team  DE       50     yes
//	u7    –     –        –      no
const (
	usersEvents = "testdata/users/events.csv"
	usersTable  = "testdata/users/users.csv"
)

var activation7d = []string{"activation", usersEvents, "--activation-event", "report_created", "--signup-event", "signup", "--within", "7d"}

func envOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := run(t, false, append(args, "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// rate is a proportion as "numerator/denominator".
func rate(p any) string {
	m := p.(map[string]any)
	b, _ := json.Marshal([]any{m["numerator"], m["denominator"]})
	return strings.ReplaceAll(strings.Trim(string(b), "[]"), ",", "/")
}

// segmentRates are "segment numerator/denominator" of result.segments.
func segmentRates(env map[string]any, key string) []string {
	var out []string
	for _, s := range list(get(env, "result").(map[string]any), "segments") {
		m := s.(map[string]any)
		out = append(out, m["segment"].(string)+" "+rate(m[key]))
	}
	return out
}

// Activation over the users --users-where keeps, overall and per --by
// segment, with the table's columns as properties (hand-counted from the
// table above).
func TestUsersWhereActivation(t *testing.T) {
	for _, tt := range []struct {
		name  string
		flags []string
		rate  string
		segs  []string
	}{
		{"no table", nil, "4/7", nil},
		{"events' plan", []string{"--by", "plan"}, "4/7", []string{"free 4/7"}},
		{"the table wins", []string{"--users", usersTable, "--by", "plan"}, "4/7",
			[]string{"free 1/2", "pro 2/3", "team 1/1", "(none) 0/1"}},
		{"plan = pro", []string{"--users", usersTable, "--users-where", "plan = pro"}, "2/3", nil},
		{"pro by country", []string{"--users", usersTable, "--users-where", "plan = pro", "--by", "country"}, "2/3",
			[]string{"DE 1/1", "FR 1/1", "US 0/1"}},
		{"AND-ed", []string{"--users", usersTable, "--users-where", "plan != pro", "--users-where", "country = DE"}, "2/2", nil},
		{"numeric", []string{"--users", usersTable, "--users-where", "seats >= 10"}, "3/3", nil},
		{"an event property", []string{"--users-where", "plan = free"}, "4/7", nil},
		{"JSON lines, gzipped", []string{"--users", "testdata/users/users.jsonl.gz", "--users-where", "plan = pro", "--by", "country"}, "2/3",
			[]string{"DE 1/1", "FR 1/1", "US 0/1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := envOf(t, append(slices.Clone(activation7d), tt.flags...)...)
			if got := rate(get(env, "result", "rate")); got != tt.rate {
				t.Errorf("rate %s, want %s", got, tt.rate)
			}
			if got := segmentRates(env, "rate"); !cmp.Equal(got, tt.segs) {
				t.Errorf("segments %q, want %q", got, tt.segs)
			}
		})
	}
}

// Every kind of metric counts the kept users: a cohort of activity, the
// answers of a survey event, a funnel.
func TestUsersWhereEveryMetric(t *testing.T) {
	pro := []string{"--users", usersTable, "--users-where", "plan = pro"}
	env := envOf(t, append([]string{"retention", usersEvents}, pro...)...)
	if c := list(get(env, "result").(map[string]any), "cohorts"); len(c) != 1 || get(c[0].(map[string]any), "size") != 3.0 {
		t.Errorf("retention cohorts %v", c)
	}
	env = envOf(t, append([]string{"lifecycle", usersEvents, "--period", "week"}, pro...)...)
	if p := list(get(env, "result").(map[string]any), "periods"); len(p) == 0 || get(p[0].(map[string]any), "new") != 3.0 {
		t.Errorf("lifecycle periods %v", p)
	}
	nps := []string{"nps", usersEvents, "--event", "survey", "--score-prop", "score"}
	if env = envOf(t, nps...); get(env, "result", "n") != 2.0 || get(env, "result", "nps") != 0.0 {
		t.Errorf("nps of everyone: %v", get(env, "result"))
	}
	if env = envOf(t, append(nps, pro...)...); get(env, "result", "n") != 1.0 || get(env, "result", "nps") != 100.0 {
		t.Errorf("nps of pro users: %v", get(env, "result"))
	}
	env = envOf(t, append([]string{"funnel", usersEvents, "--steps", "signup,report_created", "--within", "7d"}, pro...)...)
	if got := field(list(get(env, "result").(map[string]any), "steps"), "users"); !cmp.Equal(got, []any{3.0, 2.0}) {
		t.Errorf("funnel steps %v", got)
	}
}

// The envelope's input names the table and the filter, and a user the
// table lacks is a warning.
func TestUsersEnvelope(t *testing.T) {
	env := envOf(t, append(slices.Clone(activation7d), "--users", usersTable, "--users-where", "plan = pro", "--users-where", "seats > 5")...)
	in, _ := json.Marshal(get(env, "input"))
	var got report.Input
	json.Unmarshal(in, &got)
	kept := int64(2)
	want := report.Input{Files: []string{usersEvents}, Format: "csv", Vendor: "generic", Rows: 14, Users: 7,
		UsersTable: &report.UsersTable{Path: usersTable, Rows: 6, Join: "user_id", NotInTable: 1},
		UsersWhere: []string{`plan = "pro"`, `seats > "5"`}, UsersKept: &kept}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("input (-want +got)\n%s", diff)
	}
	if got := rate(get(env, "result", "rate")); got != "2/2" {
		t.Errorf("rate %s", got)
	}
	ws, _ := json.Marshal(get(env, "warnings"))
	if w := `"1 of 7 users are not in the users table testdata/users/users.csv (joined on its column \"user_id\"): their table properties are empty"`; !strings.Contains(string(ws), w) {
		t.Errorf("warnings %s lack %s", ws, w)
	}
	code, _, errOut := run(t, false, append(slices.Clone(activation7d), "--users", usersTable, "--users-where", "plan = gold")...)
	if code != ExitOK || !strings.Contains(errOut, "--users-where kept none of the 7 users") {
		t.Errorf("kept nothing: exit %d, stderr %q", code, errOut)
	}
}

// --user-key counts people, not their per-order ids: c1 and c2 are p1,
// who buys twice (c2 on 2024-01-01, c1 on 2024-02-01); a user's state is
// that of the row of their first order.
func TestUserKey(t *testing.T) {
	orders := []string{"testdata/users/orders.csv", "--event-name", "purchase"}
	key := []string{"--users", "testdata/users/customers.csv", "--user-key", "customer_unique_id"}
	if got := get(envOf(t, append([]string{"inspect"}, orders...)...), "result", "users"); got != 3.0 {
		t.Errorf("users per order id: %v", got)
	}
	env := envOf(t, append(append([]string{"inspect"}, orders...), key...)...)
	if got := get(env, "result", "users"); got != 2.0 {
		t.Errorf("users per person: %v", got)
	}
	if got := get(env, "input", "users_table", "key"); got != "customer_unique_id" {
		t.Errorf("users_table %v", get(env, "input", "users_table"))
	}
	funnel := append([]string{"funnel", "--steps", "purchase,purchase", "--within", "60d", "--as-of", "2024-06-01"}, orders...)
	steps := func(env map[string]any) []any {
		return field(list(get(env, "result").(map[string]any), "steps"), "users")
	}
	if got := steps(envOf(t, funnel...)); !cmp.Equal(got, []any{3.0, 0.0}) {
		t.Errorf("repeat buyers per order id: %v", got)
	}
	env = envOf(t, append(append(slices.Clone(funnel), key...), "--by", "state")...)
	if got := steps(env); !cmp.Equal(got, []any{2.0, 1.0}) {
		t.Errorf("repeat buyers per person: %v", got)
	}
	if got := segmentRates(env, "conversion"); !cmp.Equal(got, []string{"RJ 1/1", "SP 0/1"}) {
		t.Errorf("by state %q", got)
	}
}

// Bad users flags and tables stop the run: usage errors exit 2, bad data
// exits 1 with the file and line, a misspelled name with a suggestion.
func TestUsersErrors(t *testing.T) {
	dir := t.TempDir()
	survey := filepath.Join(dir, "nps.csv")
	os.WriteFile(survey, []byte("respondent_id,nps\nr1,9\n"), 0o644)
	orders := filepath.Join(dir, "orders.csv")
	os.WriteFile(orders, []byte("customer_id,order_purchase_timestamp\nc1,2024-01-01T00:00:00Z\nc9,2024-01-02T00:00:00Z\n"), 0o644)
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"duplicate id", []string{"--users", "testdata/users/users_dup.csv"}, ExitError,
			`uptake: testdata/users/users_dup.csv:5: column "user_id": user id "u1" is on line 2 too: a users table has one row per user` + "\n"},
		{"misspelled field", []string{"--users", usersTable, "--users-where", "plna = pro"}, ExitError,
			`--users-where: no property "plna" in the input; did you mean "plan"?`},
		{"misspelled --by", []string{"--users", usersTable, "--by", "contry"}, ExitError,
			`--by: no property "contry" in the input; did you mean "country"?`},
		{"misspelled key", []string{"--users", "testdata/users/customers.csv", "--user-key", "customer_uniq_id"}, ExitError,
			`uptake: --user-key: testdata/users/customers.csv has no column "customer_uniq_id"; did you mean "customer_unique_id" or "customer_id"?` + "\n"},
		{"key without table", []string{"--user-key", "person"}, ExitUsage,
			"uptake: --user-key names a column of the users table: give the table with --users FILE\n"},
		{"bad expression", []string{"--users-where", "plan"}, ExitUsage,
			`uptake: --users-where "plan": want FIELD OP VALUE with OP one of = != < <= > >= ~ !~`},
		{"stdin table", []string{"--users", "-"}, ExitUsage, "uptake: --users reads a file: give its path (stdin is for the events)\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, false, append(slices.Clone(activation7d), tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) || out != "" {
				t.Errorf("exit %d, want %d; stderr %q, want %q; stdout %q", code, tt.code, errOut, tt.stderr, out)
			}
		})
	}
	code, _, errOut := run(t, false, "nps", survey, "--users-where", "plan = pro")
	if code != ExitUsage || !strings.Contains(errOut, "--users and --users-where apply to the users of event exports") {
		t.Errorf("survey file: exit %d: %s", code, errOut)
	}
	key := []string{"inspect", orders, "--event-name", "purchase", "--users", "testdata/users/customers.csv", "--user-key", "customer_unique_id"}
	code, _, errOut = run(t, false, key...)
	if want := orders + `:3: column "customer_id": user id "c9" is not in the users table testdata/users/customers.csv (column "customer_id"), which --user-key customer_unique_id needs for every user id`; code != ExitError || !strings.Contains(errOut, want) {
		t.Errorf("unknown id: exit %d: %s", code, errOut)
	}
	env := envOf(t, append(key, "--on-invalid", "skip")...)
	if get(env, "result", "skipped") != 1.0 || get(env, "result", "users") != 1.0 {
		t.Errorf("skipped %v, users %v", get(env, "result", "skipped"), get(env, "result", "users"))
	}
}

// A config's input: takes the users flags by their names.
func TestUsersConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "uptake.yaml")
	os.WriteFile(path, []byte(`input:
  files: [`+usersEvents+`]
  users: `+usersTable+`
  users-where:
    - plan = pro
metrics:
  - name: act
    metric: activation
    activation-event: report_created
    signup-event: signup
    within: 7d
`), 0o644)
	env := envOf(t, "activation", "--config", path)
	if got := rate(get(env, "result", "rate")); got != "2/3" {
		t.Errorf("rate %s", got)
	}
}
