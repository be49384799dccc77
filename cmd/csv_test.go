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
	// a row per period (per first-order cohort), then the range's
	"repeat": {args: []string{"--amount", "amount", "--mode", "cohort"},
		rows:   func(r map[string]any) int { return len(list(r, "periods")) + 1 },
		column: "customers", values: func(r map[string]any) []any {
			return append(field(list(r, "periods"), "customers"), r["customers"])
		}},
	// a row per period, the total, a row per cohort of the cohort CLV
	"revenue": {args: []string{"--amount", "amount", "--clv", "cohort", "--horizon", "2"},
		rows: func(r map[string]any) int {
			return len(list(r, "periods")) + 1 + len(list(get(r, "clv").(map[string]any), "cohorts"))
		},
		column: "revenue", values: func(r map[string]any) []any {
			out := append(field(list(r, "periods"), "revenue"), get(r, "total", "revenue"))
			return append(out, field(list(get(r, "clv").(map[string]any), "cohorts"), "revenue")...)
		}},
	// the total row, then a row per holdout week
	"clv": {args: []string{"--amount", "amount", "--calibration-end", "2024-05-31", "--holdout-end", "2024-07-29"},
		rows:   func(r map[string]any) int { return 1 + len(list(get(r, "holdout").(map[string]any), "periods")) },
		column: "actual", values: func(r map[string]any) []any {
			return append([]any{get(r, "holdout", "repeat_transactions")}, field(list(get(r, "holdout").(map[string]any), "periods"), "actual")...)
		}},
	"trends": {args: []string{"--period", "week"}, rows: func(r map[string]any) int { return len(list(r, "series")) },
		column: "users", values: func(r map[string]any) []any { return field(list(r, "series"), "users") }},
	// a row per period and feature, then the range's per feature
	"adoption": {args: []string{"--feature-prop", "feature", "--retained-adoption", "1w"},
		rows: func(r map[string]any) int {
			n := len(list(r, "features"))
			for _, p := range list(r, "periods") {
				n += len(list(p.(map[string]any), "features"))
			}
			return n
		},
		column: "adopters", values: func(r map[string]any) []any {
			var out []any
			for _, p := range list(r, "periods") {
				out = append(out, field(list(p.(map[string]any), "features"), "adopters")...)
			}
			return append(out, field(list(r, "features"), "adopters")...)
		}},
	"nps": {rows: func(map[string]any) int { return 1 }, column: "nps",
		values: func(r map[string]any) []any { return []any{r["nps"]} }},
	"csat": {rows: func(map[string]any) int { return 1 }, column: "csat",
		values: func(r map[string]any) []any { return []any{get(r, "csat", "value")} }},
	"ces": {rows: func(map[string]any) int { return 1 }, column: "mean",
		values: func(r map[string]any) []any { return []any{r["mean"]} }},
	"trial": {rows: func(r map[string]any) int { return 1 + len(list(r, "periods")) },
		column: "converted", values: func(r map[string]any) []any {
			return append([]any{get(r, "rate", "numerator")}, numerators(list(r, "periods"), "rate")...)
		}},
	"referral": {args: []string{"--referred-prop", "signup_source", "--referred-value", "referral"},
		rows:   func(r map[string]any) int { return 1 + len(list(r, "periods")) },
		column: "numerator", values: func(r map[string]any) []any {
			return append([]any{get(r, "rate", "numerator")}, numerators(list(r, "periods"), "rate")...)
		}},
	"tickets": {rows: func(r map[string]any) int { return 1 + len(list(r, "cohorts")) }, column: "tickets",
		values: func(r map[string]any) []any {
			return append([]any{r["tickets"]}, field(list(r, "cohorts"), "tickets")...)
		}},
	// a row per behaviour tested
	"drivers": {args: []string{"--outcome-event", "subscription_started"},
		rows:   func(r map[string]any) int { return len(list(r, "drivers")) },
		column: "users_with", values: func(r map[string]any) []any { return field(list(r, "drivers"), "users_with") }},
	"cac": {args: []string{"--activation-event", "report_created", "--spend", "25000"},
		rows:   func(r map[string]any) int { return 1 + len(list(r, "cohorts")) },
		column: "activated", values: func(r map[string]any) []any {
			return append([]any{get(r, "activation", "numerator")}, numerators(list(r, "cohorts"), "activation")...)
		}},
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

// numerators are the numerator of proportion key of every object in l.
func numerators(l []any, key string) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = get(x.(map[string]any), key, "numerator")
	}
	return out
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

// --format table shows the last days of engagement and the retention
// offsets that fit the terminal; --all shows everything, and no other
// format is shortened.
func TestLongTablesFit(t *testing.T) {
	lines := func(tty bool, width int, args ...string) []string {
		t.Helper()
		ios, _, out, errOut := Test()
		ios.StdoutTTY, ios.Width = tty, width
		if code := Main(ios, args); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return strings.Split(out.String(), "\n")
	}
	count := func(ls []string, prefix string) int {
		n := 0
		for _, l := range ls {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	// the demo's 212 days, 2024-01-01 to 2024-07-30
	eng := []string{"engagement", "--demo"}
	if n := count(lines(false, 0, eng...), "2024-"); n != 30 {
		t.Errorf("engagement: %d day rows, want the last 30", n)
	}
	if ls := lines(false, 0, eng...); !slices.Contains(ls, "the first 182 of 212 rows are not shown (--all shows them)") {
		t.Errorf("engagement: no note of the rows left out")
	}
	if n := count(lines(false, 0, append(eng, "--all")...), "2024-"); n != 212 {
		t.Errorf("engagement --all: %d day rows, want 212", n)
	}
	for _, f := range []string{"markdown", "csv"} {
		if n := count(lines(false, 0, append(eng, "--format", f)...), map[string]string{"markdown": "| 2024-", "csv": "2024-"}[f]); n != 212 {
			t.Errorf("engagement --format %s: %d day rows, want 212", f, n)
		}
	}
	// retention: offsets 0..20 by week; the header row lists the offsets shown
	ret := []string{"retention", "--demo", "--periods", "20"}
	offsets := func(ls []string) int {
		for _, l := range ls {
			if f := strings.Fields(strings.ReplaceAll(l, "│", " ")); len(f) > 2 && f[0] == "cohort" {
				return len(f) - 2
			}
		}
		return -1
	}
	for _, tt := range []struct {
		tty   bool
		width int
		args  []string
		want  int
	}{
		{false, 0, nil, 10},   // a pipe: 100 columns
		{false, 200, nil, 21}, // a width given holds them all
		{true, 80, nil, 6},
		{true, 86, nil, 6}, // a 7th offset makes the bordered table 87 wide
		{true, 87, nil, 7},
		{true, 80, []string{"--all"}, 21},
	} {
		if got := offsets(lines(tt.tty, tt.width, append(ret, tt.args...)...)); got != tt.want {
			t.Errorf("retention tty=%v width=%d %v: %d offset columns, want %d", tt.tty, tt.width, tt.args, got, tt.want)
		}
	}
	for _, l := range lines(true, 80, ret...) {
		if w := len([]rune(l)); w > 80 && strings.ContainsAny(l, "│┌└├") {
			t.Errorf("a %d-wide line on an 80-column terminal: %s", w, l)
		}
	}
}
