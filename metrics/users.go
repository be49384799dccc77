package metrics

import (
	"time"

	"github.com/uptake-dev/uptake/report"
)

// Per-user tables (Def.Users, --users-out) share their first columns: the
// user, and the cohort when the metric has cohorts.

// userCols are a per-user table's columns: user, cohort (when cohorts),
// then the metric's own.
func userCols(cohorts bool, own ...report.Column) []report.Column {
	cols := []report.Column{{Key: "user"}}
	if cohorts {
		cols = append(cols, report.Column{Key: "cohort"})
	}
	return append(cols, own...)
}

// userRow is a row of userCols: cohort is nil when the table has no
// cohort column, "" when the user has none.
func userRow(r *Run, u int32, cohort *string, own ...any) []any {
	row := []any{r.UserID(u)}
	if cohort != nil {
		var c any
		if *cohort != "" {
			c = *cohort
		}
		row = append(row, c)
	}
	return append(row, own...)
}

// label is the cohort of a time t (ok: t is one) as userRow takes it:
// nil without a calendar.
func (c *cohortRows) label(t int64, ok bool) *string {
	if c == nil || c.cal == nil {
		return nil
	}
	s := ""
	if ok {
		s = c.cal.Label(c.cal.Start(t))
	}
	return &s
}

// nsTime is a Unix-nanosecond time as a table cell.
func nsTime(t int64) time.Time { return time.Unix(0, t) }
