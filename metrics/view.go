package metrics

import (
	"fmt"

	"github.com/uptake-dev/uptake/report"
)

// PropText writes a proportion for people: "75.0% [30.1%, 95.4%] (3/4)".
func PropText(p Proportion) string {
	if p.Value == nil {
		return "– (0 eligible)"
	}
	return fmt.Sprintf("%s [%s, %s] (%s/%s)", report.Pct(*p.Value), report.Pct(p.CI.Low), report.Pct(p.CI.High),
		report.Thousands(p.Numerator), report.Thousands(p.Denominator))
}

// CICols are the columns of a proportion in a table.
func CICols(prefix string) []report.Column {
	return []report.Column{
		{Key: prefix, Header: prefix, Kind: report.Percent},
		{Key: prefix + "_ci_low", Header: "ci low", Kind: report.Percent},
		{Key: prefix + "_ci_high", Header: "ci high", Kind: report.Percent},
	}
}

// CIVals are a proportion's cells under CICols.
func CIVals(p Proportion) []any {
	if p.Value == nil {
		return []any{nil, nil, nil}
	}
	return []any{*p.Value, p.CI.Low, p.CI.High}
}

// Tables renders the overall result under title and each segment's under
// "FIELD = value".
func (s Segmented[R]) Tables(title string, table func(title string, r R) report.Table) []report.Table {
	out := []report.Table{table(title, s.Overall)}
	for _, seg := range s.Segments {
		out = append(out, table(s.By+" = "+seg.Name, seg.Result))
	}
	return out
}

// CSV is the tidy table of every result: the overall result's rows and,
// with --by, each segment's, under a leading segment column ("(all)" for
// the overall rows). Every result's rows have the same columns.
func (s Segmented[R]) CSV(rows func(R) report.Table) *report.Table {
	all := rows(s.Overall)
	if s.By == "" {
		return &all
	}
	out := report.Table{Columns: append([]report.Column{{Key: "segment"}}, all.Columns...)}
	add := func(name string, t report.Table) {
		for _, row := range t.Rows {
			out.Rows = append(out.Rows, append([]any{name}, row...))
		}
	}
	add("(all)", all)
	for _, seg := range s.Segments {
		add(seg.Name, rows(seg.Result))
	}
	return &out
}

// withCohorts puts a cohort column first: the overall figures as "(all)",
// then one row per cohort (rows of the same columns as all's).
func withCohorts(all report.Table, cohorts [][]any) report.Table {
	out := report.Table{Columns: append([]report.Column{{Key: "cohort"}}, all.Columns...)}
	for _, row := range all.Rows {
		out.Rows = append(out.Rows, append([]any{"(all)"}, row...))
	}
	out.Rows = append(out.Rows, cohorts...)
	return out
}

// tailRows is how many last rows of a long series a terminal shows
// (about a screen; --all shows every row).
const tailRows = 30

// series marks t a series in time, of which a terminal shows the last
// tailRows rows after a sparkline of column key over all of them.
func series(t report.Table, key string) report.Table {
	for i, c := range t.Columns {
		if c.Key == key {
			t.Fit.Tail, t.Fit.Spark = tailRows, i
		}
	}
	return t
}

// Plural writes a count of a word: "1 event", "3 events".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
