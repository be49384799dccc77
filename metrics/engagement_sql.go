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
	q.With("all_days", "SELECT day FROM "+d.DaySeries("span")+" s")
	// A user counts on day d of a trailing window when active on a day the
	// window reaches back to: each active day keeps the user counted from
	// itself until the day before their next active day, or to the last day
	// its window reaches (end), whichever is first. A user's spans do not
	// overlap, so the users counted on a day are the spans over it: +1 where
	// a span starts, -1 the day after it ends, summed up to the day.
	covers := func(name, what string, end func(day string) string) {
		q.With(name+"_spans", sqlgen.Lines(
			"-- the days each active day keeps its user in "+what,
			"SELECT day AS first, CASE WHEN nxt IS NOT NULL AND nxt <= last THEN "+d.AddDays("nxt", "-1")+" ELSE last END AS last",
			"FROM (SELECT day, "+d.Min("day")+" OVER (PARTITION BY user_id ORDER BY day ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING) AS nxt, "+end("day")+" AS last",
			"  FROM active_days) a"))
		q.With(name+"_steps", sqlgen.Lines(
			"SELECT day, sum(n) AS n FROM (",
			"  SELECT first AS day, 1 AS n FROM "+name+"_spans",
			"  UNION ALL",
			"  SELECT "+d.AddDays("last", "1")+", -1 FROM "+name+"_spans",
			") x GROUP BY day"))
		q.With(name, sqlgen.Lines(
			"-- users active in "+what+" up to each day",
			"SELECT a.day AS day, sum(COALESCE(x.n, 0)) OVER (ORDER BY a.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n",
			"FROM all_days a LEFT JOIN "+name+"_steps x ON x.day = a.day"))
	}
	days := func(w int) func(string) string {
		return func(day string) string { return d.AddDays(day, fmt.Sprint(w-1)) }
	}
	q.With("dau", "SELECT day, count(*) AS n FROM active_days GROUP BY day")
	covers("wau", "the 7 days", days(7))
	win := 30
	lookback := d.AddDays("d.day", fmt.Sprint(-(win - 1)))
	switch s.MAUWindow {
	case "28":
		win = 28
		lookback = d.AddDays("d.day", fmt.Sprint(-(win - 1)))
		covers("mau", "the 28 days", days(win))
	case "calendar-month":
		lookback = d.MonthStart("d.day")
		covers("mau", "the month", func(day string) string { return d.AddDays(d.AddMonths(d.MonthStart(day), "1"), "-1") })
	default:
		covers("mau", "the 30 days", days(win))
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
