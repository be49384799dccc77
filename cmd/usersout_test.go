package cmd

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// userRows is a --users-out file as rows of text cells keyed by column:
// CSV as written, JSON lines with numbers and booleans spelled as CSV does
// and null as an empty cell, so that both formats compare.
func userRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	if strings.HasSuffix(path, ".jsonl") {
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s: %v: %q", path, err, line)
			}
			row := map[string]string{}
			for k, v := range m {
				switch x := v.(type) {
				case nil:
					row[k] = ""
				case float64:
					row[k] = strconv.FormatFloat(x, 'g', -1, 64) // as CSV writes numbers
				default:
					row[k] = fmt.Sprint(x)
				}
			}
			out = append(out, row)
		}
		return out
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, k := range recs[0] {
			row[k] = rec[i]
		}
		out = append(out, row)
	}
	return out
}

// count is how many rows match every key=value of want ("!" before a
// value: any other value).
func count(rows []map[string]string, want ...string) int64 {
	var n int64
next:
	for _, r := range rows {
		for _, kv := range want {
			k, v, _ := strings.Cut(kv, "=")
			if neg, ok := strings.CutPrefix(v, "!"); ok && r[k] == neg || !ok && r[k] != v {
				continue next
			}
		}
		n++
	}
	return n
}

// sum adds a column's integer cells of the rows matching want.
func sum(t *testing.T, rows []map[string]string, col string, want ...string) int64 {
	var n int64
	for _, r := range rows {
		if count([]map[string]string{r}, want...) == 0 || r[col] == "" {
			continue
		}
		v, err := strconv.ParseInt(r[col], 10, 64)
		if err != nil {
			t.Fatalf("%s %q: %v", col, r[col], err)
		}
		n += v
	}
	return n
}

// num is a JSON number as an int64.
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// usersCase is a metric command and how its per-user rows count to its
// JSON result (the overall one, or a segment's with their rows).
type usersCase struct {
	args  []string
	check func(t *testing.T, res map[string]any, rows []map[string]string)
}

// eq fails unless the rows' count equals the figure.
func eq(t *testing.T, what string, rows, figure int64) {
	t.Helper()
	if rows != figure {
		t.Errorf("%s: %d in the rows, %d in the figures", what, rows, figure)
	}
}

var usersCases = []usersCase{
	{[]string{"activation", "--activation-event", "report_created", "--cohort-period", "month"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		rate := res["rate"].(map[string]any)
		eq(t, "eligible", count(rows, "status=eligible"), num(rate["denominator"]))
		eq(t, "activated", count(rows, "activated=true"), num(rate["numerator"]))
		eq(t, "activated among eligible", count(rows, "activated=true", "status=eligible"), num(rate["numerator"]))
		eq(t, "censored", count(rows, "status=censored"), num(get(res, "excluded", "censored")))
		eq(t, "no signup", count(rows, "status=no_signup"), num(res["no_anchor"]))
		eq(t, "with a time to value", count(rows, "activated=true", "ttv_seconds=!"), num(get(res, "ttv", "reached")))
		for _, c := range list(res, "cohorts") {
			c := c.(map[string]any)
			co := "cohort=" + c["cohort"].(string)
			eq(t, co+" eligible", count(rows, co, "status=eligible"), num(get(c, "rate", "denominator")))
			eq(t, co+" activated", count(rows, co, "activated=true"), num(get(c, "rate", "numerator")))
			eq(t, co+" censored", count(rows, co, "status=censored"), num(c["censored"]))
		}
	}},
	{[]string{"funnel", "--steps", "signup,onboarding_completed,report_created", "--within", "14d", "--cohort-period", "month"}, checkSteps("conversion")},
	{[]string{"funnel", "--steps", "signup,project_created,subscription_started", "--exclude", "support_ticket_created", "--order", "any"}, checkSteps("conversion")},
	{[]string{"onboarding", "--steps", "onboarding_started,profile_completed,project_created,onboarding_completed"}, checkSteps("completion")},
	{[]string{"onboarding", "--steps", "onboarding_started,profile_completed,onboarding_completed", "--denominator", "signups", "--order", "any", "--cohort-period", "week"}, checkSteps("completion_of_signups")},
	{[]string{"retention", "--period", "week"}, checkRetention},
	{[]string{"retention", "--period", "week", "--cohort", "recurring", "--window-mode", "elapsed"}, checkRetention},
	{[]string{"churn", "--period", "month"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		for _, p := range list(res, "periods") {
			p := p.(map[string]any)
			in := "period=" + p["period"].(string)
			eq(t, in+" start users", count(rows, in, "state=retained")+count(rows, in, "state=churned"), num(p["start_users"]))
			eq(t, in+" retained", count(rows, in, "state=retained"), num(p["retained"]))
			eq(t, in+" churned", count(rows, in, "state=churned"), num(p["churned"]))
			eq(t, in+" active", count(rows, in, "state=!churned"), num(p["active"]))
		}
		eq(t, "rows in listed periods", int64(len(rows)), sumOver(list(res, "periods"), func(p map[string]any) int64 { return num(p["churned"]) + num(p["active"]) }))
	}},
	{[]string{"lifecycle", "--period", "week", "--since", "2024-01-03"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		for _, p := range list(res, "periods") {
			p := p.(map[string]any)
			in := "period=" + p["period"].(string)
			for _, st := range []string{"new", "returning", "resurrecting", "dormant"} {
				eq(t, in+" "+st, count(rows, in, "state="+st), num(p[st]))
			}
			eq(t, in+" active", count(rows, in, "state=!dormant"), num(p["active"]))
		}
	}},
	{[]string{"engagement", "--interval", "week"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		for _, b := range list(res, "histogram") {
			b := b.(map[string]any)
			k := fmt.Sprintf("active_intervals=%d", num(b["intervals"]))
			eq(t, k, count(rows, k), num(b["users"]))
		}
		eq(t, "active in some interval", count(rows, "active_intervals=!0"), sumOver(list(res, "histogram"), func(b map[string]any) int64 { return num(b["users"]) }))
	}},
	{[]string{"nps"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		eq(t, "n", count(rows, "status=valid"), num(res["n"]))
		for g, key := range map[string]string{"promoter": "promoters", "passive": "passives", "detractor": "detractors"} {
			eq(t, key, count(rows, "status=valid", "group="+g), num(res[key]))
		}
		checkExcluded(t, res, rows)
	}},
	{[]string{"csat"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		eq(t, "n", count(rows, "status=valid"), num(res["n"]))
		eq(t, "satisfied", count(rows, "status=valid", "group=in_box"), num(get(res, "csat", "numerator")))
		checkExcluded(t, res, rows)
	}},
	{[]string{"ces"}, func(t *testing.T, res map[string]any, rows []map[string]string) {
		eq(t, "n", count(rows, "status=valid"), num(res["n"]))
		eq(t, "easy", count(rows, "status=valid", "group=in_box"), num(get(res, "pct_easy", "numerator")))
		checkExcluded(t, res, rows)
	}},
}

func sumOver(l []any, f func(map[string]any) int64) int64 {
	var n int64
	for _, x := range l {
		n += f(x.(map[string]any))
	}
	return n
}

// checkSteps checks a step table's users and its rate (named rate).
func checkSteps(rate string) func(t *testing.T, res map[string]any, rows []map[string]string) {
	return func(t *testing.T, res map[string]any, rows []map[string]string) {
		for j, s := range list(res, "steps") {
			s := s.(map[string]any)
			col := fmt.Sprintf("step_%d_at", j+1)
			eq(t, col, count(rows, "status=counted", col+"=!"), num(s["users"]))
			eq(t, col+" as the furthest", count(rows, "status=counted", fmt.Sprintf("furthest_step=%d", j+1)), num(s["users"])-next(list(res, "steps"), j))
		}
		eq(t, "converted", count(rows, "converted=true"), num(get(res, rate, "numerator")))
		for _, key := range []string{"censored", "exclusions"} {
			if v, ok := get(res, "excluded", key).(float64); ok {
				st := map[string]string{"censored": "censored", "exclusions": "spoiled"}[key]
				if rate == "completion_of_signups" {
					v = get(res, "excluded", "signups_censored").(float64)
				}
				eq(t, st, count(rows, "status="+st), int64(v))
			}
		}
		for _, c := range list(res, "cohorts") {
			c := c.(map[string]any)
			co := "cohort=" + c["cohort"].(string)
			eq(t, co+" entered", count(rows, co, "status=counted"), num(c["entered"]))
			eq(t, co+" converted", count(rows, co, "converted=true"), num(get(c, "conversion", "numerator")))
			eq(t, co+" censored", count(rows, co, "status=censored"), num(c["censored"]))
		}
	}
}

// next is the users of the step after j (0 after the last): for steps in
// order, those whose furthest step is j are step j's users less those.
func next(steps []any, j int) int64 {
	if j+1 >= len(steps) {
		return 0
	}
	return num(steps[j+1].(map[string]any)["users"])
}

func checkRetention(t *testing.T, res map[string]any, rows []map[string]string) {
	for _, c := range list(res, "cohorts") {
		c := c.(map[string]any)
		co := "cohort=" + c["cohort"].(string)
		eq(t, co+" size", count(rows, co, "size_counted=true"), num(c["size"]))
		for _, p := range list(c, "periods") {
			p := p.(map[string]any)
			off := fmt.Sprintf("offset_%d", num(p["offset"]))
			eq(t, co+" "+off+" retained", sum(t, rows, off, co), num(p["retained"]))
			eq(t, co+" "+off+" eligible", count(rows, co, off+"=!"), num(p["eligible"]))
		}
	}
	eq(t, "no start event", count(rows, "status=no_start"), num(res["no_start_event"]))
}

// checkExcluded checks the answers left out, which only the overall
// result counts (segments have no excluded).
func checkExcluded(t *testing.T, res map[string]any, rows []map[string]string) {
	ex, ok := res["excluded"].(map[string]any)
	if !ok {
		return
	}
	eq(t, "missing", count(rows, "status=missing"), num(ex["missing"]))
	eq(t, "invalid", count(rows, "status=invalid")+count(rows, "status=out_of_scale"), num(ex["invalid"]))
	eq(t, "duplicates", count(rows, "status=duplicate"), num(ex["duplicates"]))
	eq(t, "out of range", count(rows, "status=out_of_range"), num(ex["out_of_range"]))
}

// The rows of --users-out count to the figures of every metric, overall
// and per --by segment, in CSV and in JSON lines alike.
func TestUsersOutCountsToFigures(t *testing.T) {
	for _, tc := range usersCases {
		for _, by := range []bool{false, true} {
			name := strings.Join(tc.args, " ")
			if by {
				name += " --by plan"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				var got [][]map[string]string
				var res map[string]any
				for _, ext := range []string{".csv", ".jsonl"} {
					path := filepath.Join(dir, "users"+ext)
					args := append(append([]string{}, tc.args...), "--demo", "--format", "json", "--users-out", path)
					if by {
						args = append(args, "--by", "plan")
					}
					code, out, stderr := run(t, false, args...)
					if code != 0 {
						t.Fatalf("exit %d: %s", code, stderr)
					}
					var env map[string]any
					if err := json.Unmarshal([]byte(out), &env); err != nil {
						t.Fatal(err)
					}
					res = env["result"].(map[string]any)
					got = append(got, userRows(t, path))
				}
				if len(got[0]) != len(got[1]) {
					t.Fatalf("%d CSV rows, %d JSON lines", len(got[0]), len(got[1]))
				}
				for i := range got[0] {
					if fmt.Sprint(got[0][i]) != fmt.Sprint(got[1][i]) {
						t.Fatalf("row %d: CSV %v, JSON %v", i, got[0][i], got[1][i])
					}
				}
				rows := got[0]
				if len(rows) == 0 {
					t.Fatal("no rows")
				}
				tc.check(t, res, rows)
				if !by {
					if _, ok := rows[0]["segment"]; ok {
						t.Errorf("a segment column without --by")
					}
					return
				}
				segs := list(res, "segments")
				if len(segs) < 2 {
					t.Fatalf("%d segments", len(segs))
				}
				for _, s := range segs {
					s := s.(map[string]any)
					in := "segment=" + s["segment"].(string)
					var mine []map[string]string
					for _, r := range rows {
						if count([]map[string]string{r}, in) == 1 {
							mine = append(mine, r)
						}
					}
					t.Run(in, func(t *testing.T) { tc.check(t, s, mine) })
				}
			})
		}
	}
}

// User ids and --by values from the data are escaped and defused in a
// --users-out CSV as in --format csv, written byte for byte with
// --csv-raw, and JSON lines carry them as they are.
func TestUsersOutHostile(t *testing.T) {
	in := hostileCSV(t, false)
	dir := t.TempDir()
	for _, tc := range []struct {
		file  string
		raw   bool
		wants []string
	}{
		{"u.csv", false, []string{`u\x1b]0;title\x07,`, `"'=HYPERLINK(""http://x"")",`, "'+1,", "'-2,", "'@SUM(A1)", `a\nb,`, `a\rb,`}},
		{"raw.csv", true, []string{"u\x1b]0;title\x07,", `"=HYPERLINK(""http://x"")",`, "\"a\nb\","}},
		{"u.jsonl", false, []string{`"segment":"=HYPERLINK(\"http://x\")","user":"u\u001b]0;title\u0007"`, `"segment":"a\nb"`}},
	} {
		path := filepath.Join(dir, tc.file)
		args := []string{"activation", in, "--activation-event", "signup", "--by", "plan", "--users-out", path}
		if tc.raw {
			args = append(args, "--csv-raw")
		}
		if code, _, stderr := run(t, false, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, stderr)
		}
		b, _ := os.ReadFile(path)
		if !tc.raw && !strings.HasSuffix(tc.file, ".jsonl") && len(rawControls(string(b))) > 0 {
			t.Errorf("%s: raw control bytes %q", tc.file, rawControls(string(b)))
		}
		for _, w := range tc.wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: no %q in\n%s", tc.file, w, b)
			}
		}
	}
}

// A run that fails writes no --users-out file, and leaves an existing
// one as it was; a file that cannot be written fails the run with nothing
// on stdout.
func TestUsersOutOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.csv")
	os.WriteFile(keep, []byte("old\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"bad row", []string{"activation", hostileCSV(t, true), "--activation-event", "signup"}, 1},
		{"unknown event", []string{"activation", "--demo", "--activation-event", "nope"}, 1},
		{"bad flag", []string{"activation", "--demo", "--activation-event", "signup", "--within", "7x"}, 2},
		{"bad score", []string{"nps", writeTemp(t, "s.csv", "score\n9\nnine\n")}, 1},
	} {
		for _, path := range []string{filepath.Join(dir, "new.csv"), keep} {
			code, out, _ := run(t, false, append(tc.args, "--users-out", path)...)
			if code != tc.code || out != "" {
				t.Errorf("%s: exit %d, stdout %q", tc.name, code, out)
			}
			b, err := os.ReadFile(path)
			if path == keep && string(b) != "old\n" || path != keep && err == nil {
				t.Errorf("%s: %s holds %q", tc.name, path, b)
			}
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left in %s: %v", dir, ents)
	}
	code, out, stderr := run(t, false, "activation", "--demo", "--activation-event", "signup", "--users-out", filepath.Join(dir, "no", "such", "dir.csv"))
	if code != 1 || out != "" || !strings.Contains(stderr, "--users-out") {
		t.Errorf("unwritable: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// users-out: on a config's metric is honoured by report and by the
// metric's own command with --config; under input: or twice it is an error.
func TestUsersOutConfig(t *testing.T) {
	dir := t.TempDir()
	a, n := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "n.csv")
	cfg := writeTemp(t, "uptake.yaml", fmt.Sprintf(`input:
  demo: true
metrics:
  - name: act
    metric: activation
    activation-event: report_created
    users-out: %s
  - name: nps
    metric: nps
    users-out: %s
  - name: ret
    metric: retention
`, a, n))
	if code, _, stderr := run(t, false, "report", "--config", cfg); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if got := count(userRows(t, a), "status=eligible"); got != 1000 {
		t.Errorf("report's activation rows: %d eligible", got)
	}
	if got := count(userRows(t, n), "status=valid"); got != 305 {
		t.Errorf("report's nps rows: %d valid", got)
	}
	os.Remove(a)
	if code, _, stderr := run(t, false, "activation", "--config", cfg, "--metric", "act"); code != 0 {
		t.Fatalf("activation --config: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(a); err != nil {
		t.Errorf("activation --config wrote no rows: %v", err)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"input:\n  demo: true\n  users-out: x.csv\nmetrics:\n  - metric: nps\n", ":3: users-out is a metric's own"},
		{"input:\n  demo: true\nmetrics:\n  - metric: nps\n    users-out: x.csv\n  - name: two\n    metric: csat\n    users-out: x.csv\n", ":6: two: users-out x.csv is nps's too"},
	} {
		code, _, stderr := run(t, false, "report", "--config", writeTemp(t, "bad.yaml", bad.yaml))
		if code != 2 || !strings.Contains(stderr, bad.want) {
			t.Errorf("exit %d, stderr %q, want %q", code, stderr, bad.want)
		}
	}
}
