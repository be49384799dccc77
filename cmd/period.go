package cmd

import (
	"time"

	"github.com/uptake-dev/uptake/metrics"
)

// periodFlags are a calendar period and --week-start, for the commands not
// yet on the metric engine (--cohort-period, the surveys' --period).
type periodFlags struct {
	Period    string
	WeekStart string
}

// optional is the calendar, or nil when no period was asked for.
func (p periodFlags) optional(loc *time.Location) *metrics.Calendar {
	if p.Period == "" {
		return nil
	}
	c := metrics.NewCalendar(metrics.Period(p.Period), p.WeekStart, loc)
	return &c
}
