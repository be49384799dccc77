package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// V19 — CAC per activated user: 50 / 0.20 = 250, and with the rate from
// 40/200 the cost interval is 50 over its Wilson bounds.
func TestCostPerActivatedV19(t *testing.T) {
	cac, c := CostPerActivated(Ptr(10000), 200, NewProportion(40, 200, 0.95))
	if cac == nil || *cac != 50 || c.Value == nil {
		t.Fatalf("cac %v cost %+v", cac, c)
	}
	check(t, "cost", *c.Value, 250, 1e-12)
	check(t, "low", c.CI.Low, 191.677231564144, 1e-9)
	check(t, "high", c.CI.High, 332.331886065195, 1e-9)
	if _, c := CostPerActivated(Ptr(10000), 200, NewProportion(0, 200, 0.95)); c.Value != nil || c.CI != nil {
		t.Errorf("no activations: %+v", c)
	}
	if cac, c := CostPerActivated(Ptr(10000), 0, NewProportion(0, 0, 0.95)); cac != nil || c.Value != nil {
		t.Errorf("no signups: %v %+v", cac, c)
	}
}

// cacRun is 200 users who sign up on 2024-01-01, of whom u000–u039
// activate, and 100 on 2024-02-01 who do not; u000–u119 are in plan a, the
// rest in b. spendFile is the spend file's text, or "" for --spend 10000.
func cacRun(t *testing.T, spendFile string, by bool, cohorts bool) (CACResult, Segmented[CACResult]) {
	t.Helper()
	var rows, plan []string
	for i := 0; i < 300; i++ {
		day, p := "2024-01-01", "a"
		if i >= 200 {
			day = "2024-02-01"
		}
		if i >= 120 {
			p = "b"
		}
		rows = append(rows, fmt.Sprintf("u%03d signup %sT00:00:00Z", i, day))
		if i < 40 {
			rows = append(rows, fmt.Sprintf("u%03d go %sT12:00:00Z", i, day))
		}
		plan = append(plan, p)
	}
	l := logOf(t, rows...)
	s := CACMetric.NewSettings().(*CACSettings)
	s.Events = []string{"go"}
	if spendFile == "" {
		if err := s.Spend.Set("10000"); err != nil {
			t.Fatal(err)
		}
	} else if err := s.SpendFile.SetFile("spend.csv", []byte(spendFile)); err != nil {
		t.Fatal(err)
	}
	if cohorts {
		s.CohortPeriod = "month"
	}
	if err := CACMetric.Validate(s); err != nil {
		t.Fatal(err)
	}
	r := &Run{Log: l, Loc: time.UTC, Level: 0.95, UserIDs: l.Users, Range: Range{AsOf: mustTime(t, "2024-03-01")},
		UserProps: map[string][]string{"plan": plan}}
	var segs []Segment
	if by {
		r.By = "plan"
		segs = Segments(plan)
	}
	if err := CACMetric.PrepareRun(r, s); err != nil {
		t.Fatal(err)
	}
	res := CACMetric.Evaluate(r, s, l.AllUsers(), segs).Value.(Segmented[CACResult])
	return res.Overall, res
}

func TestCACSpend(t *testing.T) {
	// 300 signups, 40 activated: CAC 10000/300, cost 10000/40 = 250
	x, _ := cacRun(t, "", false, false)
	if x.Signups != 300 || x.Activation.Numerator != 40 || x.Activation.Denominator != 300 || *x.Spend != 10000 || x.SpendBasis != "given" {
		t.Fatalf("%+v", x)
	}
	check(t, "cost", *x.CostPerActivated.Value, 250, 1e-9)
	check(t, "cac", *x.CAC, 10000.0/300, 1e-9)

	// --by: a constant is shared by signups (a: 120, b: 180), so each
	// segment's CAC is the overall one
	_, all := cacRun(t, "", true, false)
	a, b := all.Segments[0].Result, all.Segments[1].Result
	if all.Segments[0].Name != "a" || a.SpendBasis != "shared_by_signups" || a.Activation.Numerator != 40 || b.Activation.Numerator != 0 {
		t.Fatalf("segments %+v", all.Segments)
	}
	check(t, "a spend", *a.Spend, 4000, 1e-9)
	check(t, "a cost", *a.CostPerActivated.Value, 100, 1e-9) // 4000 / 40
	if b.CostPerActivated.Value != nil || !hasWarning(b.Warnings, "no_activations") {
		t.Errorf("b: %+v", b)
	}

	// a file by segment and month: with no --from/--to every row whose
	// period begins before as_of counts (2024-03 begins at it: not);
	// segment c matches no plan
	file := "period,spend,plan\n2024-01,3000,a\n2024-01,1000,b\n2024-02,500,b\n2024-03,999,a\n2024-02,70,c\n"
	x, all = cacRun(t, file, true, true)
	if *x.Spend != 4570 || x.SpendBasis != "file" || !hasWarning(x.Warnings, "unmatched_spend") {
		t.Errorf("overall %v %s %+v", *x.Spend, x.SpendBasis, x.Warnings)
	}
	a, b = all.Segments[0].Result, all.Segments[1].Result
	if *a.Spend != 3000 || *b.Spend != 1500 || a.SpendBasis != "by_segment" {
		t.Errorf("segment spend a %v b %v %s", *a.Spend, *b.Spend, a.SpendBasis)
	}
	// cohorts: January's 200 signups spent 4000 (40 activated: 100 each);
	// February's 100 spent 570, none activated
	if len(x.Cohorts) != 2 || *x.Cohorts[0].Spend != 4000 || *x.Cohorts[0].CostPerActivated.Value != 100 ||
		*x.Cohorts[1].Spend != 570 || x.Cohorts[1].CostPerActivated.Value != nil {
		t.Errorf("cohorts %+v", x.Cohorts)
	}
	if len(a.Cohorts) != 1 || *a.Cohorts[0].Spend != 3000 {
		t.Errorf("a's cohorts %+v", a.Cohorts)
	}
}

func TestCACCheck(t *testing.T) {
	s := CACMetric.NewSettings().(*CACSettings)
	s.Events = []string{"go"}
	if err := CACMetric.Validate(s); err == nil || !strings.Contains(err.Error(), "--spend") {
		t.Errorf("no spend: %v", err)
	}
	_ = s.Spend.Set("5")
	_ = s.SpendFile.SetFile("f.csv", []byte("2024-01,5\n"))
	if err := CACMetric.Validate(s); err == nil {
		t.Error("both --spend and --spend-file accepted")
	}
	if err := new(Money).Set("-1"); err == nil {
		t.Error("negative spend accepted")
	}
}

func TestParseSpend(t *testing.T) {
	for _, tt := range []struct {
		in   string
		rows int
		segs bool
		err  string
	}{
		{"2024-01,100\n2024-02-05,50.5\n", 2, false, ""},
		{"\ufeffPeriod,Spend,Channel\n2024-01,100,ads\n\n2024-01,20,\n", 2, true, ""},
		{"period,spend\n", 0, false, "f.csv: no spend rows"},
		{"2024-01,100\n2024-02,abc\n", 0, false, `f.csv:2: spend "abc": want an amount`},
		{"2024-01,100\n2024-02,-5\n", 0, false, `f.csv:2: spend "-5"`},
		{"2024-01,100\n2024-02,5,x\n", 0, false, "f.csv:2: 3 fields, but the first row has 2"},
		{"March,100\n", 0, false, `f.csv:1: period "March": want a month`},
		{"2024-01\n", 0, false, "f.csv:1: want period,spend or period,spend,segment; got 1 fields"},
		{"period,cost\n2024-01,1\n", 0, false, `f.csv:1: the header's second column is "cost"`},
		{"2024-01,\"1\n", 0, false, "f.csv:1: extraneous or missing \" in quoted-field"},
		{"2024-01,NaN\n", 0, false, `f.csv:1: spend "NaN"`},
	} {
		rows, segs, err := ParseSpend("f.csv", []byte(tt.in))
		switch {
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || len(rows) != tt.rows || segs != tt.segs):
			t.Errorf("%q: %d rows segs %v err %v", tt.in, len(rows), segs, err)
		}
	}
	rows, _, _ := ParseSpend("f.csv", []byte("2024-02-05,50.5,x\n"))
	if r := rows[0]; r.Month || r.Year != 2024 || r.Mon != 2 || r.Day != 5 || r.Spend != 50.5 || r.Segment != "x" || r.Line != 1 {
		t.Errorf("row %+v", r)
	}
}

func FuzzParseSpend(f *testing.F) {
	for _, s := range []string{"2024-01,100\n", "period,spend,seg\n2024-01-02,1.5,a\n", "\"2024-01\",\"1\"\n", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, segs, err := ParseSpend("f.csv", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if len(rows) == 0 {
			t.Error("no rows and no error")
		}
		for _, r := range rows {
			if r.Spend < 0 || r.Spend != r.Spend || r.Line < 1 || (r.Segment != "") && !segs {
				t.Errorf("row %+v", r)
			}
		}
	})
}
