package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestQueryRowsAsOf(t *testing.T) {
	cols := []string{"n", AsOfColumn}
	for _, c := range []struct {
		name string
		rows [][]string
		want string // RFC 3339, "" for none
		err  string
	}{
		{"every row alike", [][]string{{"1", "1722383920000001"}, {"2", "1722383920000001"}}, "2024-07-30T23:58:40.000001Z", ""},
		{"no rows", nil, "", ""},
		{"NULL: no events", [][]string{{"0", ""}}, "", ""},
		{"ClickHouse NULL", [][]string{{"0", `\N`}}, "", ""},
		{"before 1970", [][]string{{"1", "-1000000"}}, "1969-12-31T23:59:59Z", ""},
		{"not a number", [][]string{{"1", "2024-07-30"}}, "", `row 1: as_of_unix_us "2024-07-30": not a whole number`},
		{"rows disagree", [][]string{{"1", "5"}, {"2", "6"}}, "", "row 2: as_of_unix_us 6 differs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := (&QueryRows{Columns: cols, Rows: c.rows, Source: "r.csv"}).AsOf()
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			case c.want == "":
				if ok {
					t.Fatalf("as_of %v, want none", got)
				}
			default:
				if w, _ := time.Parse(time.RFC3339Nano, c.want); !ok || !got.Equal(w) {
					t.Fatalf("as_of %v (%v), want %s", got, ok, c.want)
				}
			}
		})
	}
	if _, ok, _ := (&QueryRows{Columns: []string{"n"}, Rows: [][]string{{"1"}}}).AsOf(); ok {
		t.Error("rows without the column have an as_of")
	}
}

func TestCalendarParseLabel(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	for _, c := range []struct {
		cal   Calendar
		label string
	}{
		{Calendar{Period: Month, Loc: la}, "2024-03"},
		{Calendar{Period: Week, Loc: la, WeekStart: time.Monday}, "2024-03-04"},
		{Calendar{Period: Week, Loc: la, WeekStart: time.Sunday}, "2024-03-10"},
		{Calendar{Period: Day, Loc: la}, "2024-03-10"}, // 23 hours long
		{Calendar{Period: Day, Loc: time.UTC}, "1969-12-31"},
	} {
		k, err := c.cal.ParseLabel(c.label)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.cal.Label(c.cal.PeriodStart(k)); got != c.label {
			t.Errorf("%s %s: period %d is labelled %s", c.cal.Period, c.label, k, got)
		}
	}
	if _, err := (Calendar{Period: Month}).ParseLabel("2024-03-01"); err == nil {
		t.Error("a day parsed as a month")
	}
}
