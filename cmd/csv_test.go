package cmd

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/metrics"
)

// csvCase is how one metric runs on the demo, and what its JSON says the
// CSV must hold.
type csvCase struct {
	args []string
	// rows is how many CSV rows one result (overall or a segment) has,
	// from its JSON object.
	rows func(r map[string]any) int
	// column and values: a CSV column and the JSON's values for it, in row
	// order, from the overall result.
	column string
	values func(r map[string]any) []any
}

var csvCases = map[string]csvCase{
	"activation": {args: []string{"--activation-event", "report_created"},
		rows:   func(r map[string]any) int { return 1 + len(list(r, "cohorts")) },
		column: "activated", values: func(r map[string]any) []any { return []any{get(r, "rate", "numerator")} }},
	"onboarding": {args: []string{"--steps", "onboarding_started,project_created,onboarding_completed"},
		rows:   func(r map[string]any) int { return len(list(r, "steps")) + 2*len(list(r, "cohorts")) },
		column: "users", values: func(r map[string]any) []any { return field(list(r, "steps"), "users") }},
	"funnel": {args: []string{"--steps", "signup,project_created,report_created"},
		rows:   func(r map[string]any) int { return len(list(r, "steps")) + 2*len(list(r, "cohorts")) },
		column: "users", values: func(r map[string]any) []any { return field(list(r, "steps"), "users") }},
	"retention": {args: []string{"--period", "month", "--periods", "3"},
		rows: func(r map[string]any) int {
			n := len(list(r, "summary"))
			for _, c := range list(r, "cohorts") {
				n += len(list(c.(map[string]any), "periods"))
			}
			return n
		},
		column: "retained", values: func(r map[string]any) []any {
			var out []any
			for _, c := range list(r, "cohorts") {
				out = append(out, field(list(c.(map[string]any), "periods"), "retained")...)
			}
			return append(out, field(list(r, "summary"), "retained")...)
		}},
	"churn": {rows: func(r map[string]any) int { return len(list(r, "periods")) },
		column: "churned", values: func(r map[string]any) []any { return field(list(r, "periods"), "churned") }},
	// dormant users are a positive count in JSON, so in CSV too
	"lifecycle": {rows: func(r map[string]any) int { return len(list(r, "periods")) },
		column: "dormant", values: func(r map[string]any) []any {
			var out []any
			for _, p := range list(r, "periods") {
				if p := p.(map[string]any); p["status"] == "warm_up" {
					out = append(out, nil) // no breakdown: an empty cell
				} else {
					out = append(out, p["dormant"])
				}
			}
			return out
		}},
	"engagement": {args: []string{"--from", "2024-06-01"}, rows: func(r map[string]any) int { return len(list(r, "days")) },
		column: "dau", values: func(r map[string]any) []any { return field(list(r, "days"), "dau") }},
	"nps": {rows: func(map[string]any) int { return 1 }, column: "nps",
		values: func(r map[string]any) []any { return []any{r["nps"]} }},
	"csat": {rows: func(map[string]any) int { return 1 }, column: "csat",
		values: func(r map[string]any) []any { return []any{get(r, "csat", "value")} }},
	"ces": {rows: func(map[string]any) int { return 1 }, column: "mean",
		values: func(r map[string]any) []any { return []any{r["mean"]} }},
}

// Every metric's CSV is one tidy table that loses nothing the JSON has:
// with --by, a segment column, the overall rows first as "(all)", then as
// many rows per segment as its JSON holds; with --cohort-period, a cohort
// column; the values as the JSON's (signs included).
func TestCSVFollowsJSON(t *testing.T) {
	for _, m := range metrics.Registry {
		name := m.About().Name
		t.Run(name, func(t *testing.T) {
			tc, ok := csvCases[name]
			if !ok {
				t.Fatalf("no csvCase for %s: add one", name)
			}
			cohorts := NewCmdMetric(&IOStreams{}, m, nil).Flags().Lookup("cohort-period") != nil
			for _, by := range []bool{false, true} {
				for _, cohort := range []bool{false, true} {
					if cohort && !cohorts {
						continue
					}
					args := append([]string{name, "--demo"}, tc.args...)
					if by {
						args = append(args, "--by", "plan")
					}
					if cohort {
						args = append(args, "--cohort-period", "month")
					}
					checkCSV(t, tc, args, by, cohort)
				}
			}
		})
	}
}

func checkCSV(t *testing.T, tc csvCase, args []string, by, cohort bool) {
	t.Helper()
	code, out, errOut := run(t, false, append(args, "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var env struct{ Result map[string]any }
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, false, append(args, "--format", "csv")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%v: %d records, %v:\n%s", args, len(recs), err, out)
	}
	head, rows := recs[0], recs[1:]
	var lead []string
	if by {
		lead = append(lead, "segment")
	}
	if cohort {
		lead = append(lead, "cohort")
	}
	if !slices.Equal(head[:min(len(lead), len(head))], lead) || slices.Contains(head[len(lead):], "segment") {
		t.Errorf("%v: header %v, want it to start with exactly %v", args, head, lead)
	}

	// rows per segment, in the JSON's order, the overall first
	want := []struct {
		name string
		n    int
	}{{"(all)", tc.rows(env.Result)}}
	if by {
		var names []string
		for _, s := range list(env.Result, "segments") {
			s := s.(map[string]any)
			names = append(names, s["segment"].(string))
			want = append(want, struct {
				name string
				n    int
			}{s["segment"].(string), tc.rows(s)})
		}
		for _, plan := range []string{"free", "pro", "team"} {
			if !slices.Contains(names, plan) {
				t.Errorf("%v: no segment %q in the JSON: %v", args, plan, names)
			}
		}
	}
	i := 0
	for _, w := range want {
		n := 0
		for ; i < len(rows) && (!by || rows[i][0] == w.name); i++ {
			n++
		}
		if n != w.n {
			t.Errorf("%v: segment %s: %d CSV rows, the JSON has %d", args, w.name, n, w.n)
		}
	}
	if i != len(rows) {
		t.Errorf("%v: %d CSV rows after the segments the JSON has", args, len(rows)-i)
	}

	// the column's values in the overall rows are the JSON's
	col := slices.Index(head, tc.column)
	if col < 0 {
		t.Fatalf("%v: no column %q in %v", args, tc.column, head)
	}
	for j, v := range tc.values(env.Result) {
		got := rows[j][col]
		want := ""
		if v != nil {
			want = strconv.FormatFloat(v.(float64), 'g', -1, 64)
		}
		if got != want {
			t.Errorf("%v: row %d: %s = %q, JSON %q", args, j+1, tc.column, got, want)
		}
	}
}

// list is r[key] as a list (nil when absent).
func list(r map[string]any, key string) []any {
	l, _ := r[key].([]any)
	return l
}

// get follows keys down nested objects.
func get(r map[string]any, keys ...string) any {
	var cur any = r
	for _, k := range keys {
		m, _ := cur.(map[string]any)
		cur = m[k]
	}
	return cur
}

// field is key of every object in l.
func field(l []any, key string) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x.(map[string]any)[key]
	}
	return out
}
