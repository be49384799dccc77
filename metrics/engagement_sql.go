package metrics

import (
	"fmt"

	"github.com/uptake-dev/uptake/metrics/sqlgen"
)

// engagementSQL is Engagement's days as one query: DAU, WAU and MAU of
// each day between the first and the last active day, stickiness and the
// day's status. The active-days histogram is uptake's only.
func engagementSQL(c *SQLContext, s *EngagementSettings) (string, error) {
	d := c.D
	q, err := c.Query()
	if err != nil {
		return "", err
	}
	q.With("active_days", sqlgen.Lines("-- each user's local days with activity",
		"SELECT DISTINCT user_id, "+d.Day("ts", c.TZ)+" AS day FROM ev", where(c.Active("event"))))
	q.With("span", "SELECT min(day) AS lo, max(day) AS hi FROM active_days")
	q.With("days", sqlgen.Lines("-- every day from the first active day to the last, in the reporting range",
		"SELECT day FROM "+d.DaySeries("span")+" s", where(c.InRange(d.Midnight("day", c.TZ)))))
	// a user counts on day d of a trailing window when active on one of the
	// days the window reaches back to: each active day stands for the days
	// it keeps the user in
	covers := func(name string, w int) {
		q.With(name, sqlgen.Lines(
			fmt.Sprintf("-- users active in the %d days up to each day", w),
			"SELECT day, count(DISTINCT user_id) AS n FROM (",
			"  SELECT a.user_id AS user_id, "+d.AddDays("a.day", "w.k")+" AS day",
			"  FROM active_days a CROSS JOIN "+d.Series(w)+" w",
			") c GROUP BY day"))
	}
	q.With("dau", "SELECT day, count(*) AS n FROM active_days GROUP BY day")
	covers("wau", 7)
	win := 30
	lookback := d.AddDays("d.day", fmt.Sprint(-(win - 1)))
	switch s.MAUWindow {
	case "28":
		win = 28
		lookback = d.AddDays("d.day", fmt.Sprint(-(win - 1)))
		covers("mau", win)
	case "calendar-month":
		lookback = d.MonthStart("d.day")
		q.With("mau", sqlgen.Lines("-- users active in the month up to each day",
			"SELECT day, count(DISTINCT user_id) AS n FROM (",
			"  SELECT a.user_id AS user_id, "+d.AddDays("a.day", "w.k")+" AS day, a.day AS active",
			"  FROM active_days a CROSS JOIN "+d.Series(31)+" w",
			") c",
			"WHERE "+d.MonthStart("day")+" = "+d.MonthStart("active"),
			"GROUP BY day"))
	default:
		covers("mau", win)
	}
	since := "(SELECT lo FROM span)"
	if c.Since != nil {
		since = d.Day(d.Instant(*c.Since), c.TZ)
	}
	dau, mau := "COALESCE(x.n, 0)", "COALESCE(m.n, 0)"
	return c.Result(q, sqlgen.Lines(
		"SELECT "+c.periodLabel("day", "d.day")+" AS day, "+dau+" AS dau, COALESCE(w.n, 0) AS wau, "+mau+" AS mau,",
		"  "+d.Div(dau, mau)+" AS stickiness,",
		"  CASE WHEN NOT ("+c.Complete(d.Midnight(d.AddDays("d.day", "1"), c.TZ))+") THEN 'incomplete'",
		"    WHEN "+lookback+" < "+since+" THEN 'incomplete_lookback' ELSE 'complete' END AS status",
		"FROM days d",
		"LEFT JOIN dau x ON x.day = d.day",
		"LEFT JOIN wau w ON w.day = d.day",
		"LEFT JOIN mau m ON m.day = d.day",
		"ORDER BY d.day")), nil
}

// engagementFromRows rebuilds the days and the stickiness over the
// complete ones; the histogram is not in the rows (null).
func engagementFromRows(r *Run, s *EngagementSettings, q *QueryRows) (EngagementResult, error) {
	rd, err := q.Reader("day", "dau", "wau", "mau", "status")
	if err != nil {
		return EngagementResult{}, err
	}
	res := EngagementResult{Days: []EngagementDay{}, Warnings: []Warning{}, StickinessMethod: s.Stickiness}
	if res.StickinessMethod == "" {
		res.StickinessMethod = "mean-of-ratios"
	}
	var cd, cm []int64
	for rd.Next() {
		day := EngagementDay{Day: rd.Str("day"), DAU: rd.Count("dau"), WAU: rd.Count("wau"), MAU: rd.Count("mau"), Status: rd.Str("status")}
		rd.Part("dau", "mau", day.DAU, day.MAU)
		if day.MAU > 0 {
			day.Stickiness = Ptr(float64(day.DAU) / float64(day.MAU))
		}
		if day.Status == "complete" {
			cd, cm = append(cd, day.DAU), append(cm, day.MAU)
		}
		res.Days = append(res.Days, day)
	}
	if err := rd.Err(); err != nil {
		return res, err
	}
	engagementSummary(&res, cd, cm, engagementParams(r, s))
	return res, nil
}

// engagementSQLHelp is what uptake sql engagement writes (its --help).
const engagementSQLHelp = `DAU, WAU and MAU (30 or 28 days, or the calendar month) of
every day from the first active day to the last, stickiness and each day's
status; the summary and its intervals are rebuilt from those rows when
read back. The active-days histogram is uptake's only (null when read
back).`
