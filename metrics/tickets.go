package metrics

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/uptake-dev/uptake/report"
)

// Support tickets during onboarding (docs/metrics.md#tickets): among the
// users who started onboarding in the reporting range and whose window is
// complete, tickets created within W of their start, per 100 users, and the
// share of users with at least one.

// TicketsSettings are the tickets command's flags and config keys.
type TicketsSettings struct {
	TicketEvent string `flag:"ticket-event" usage:"Event of a support ticket being created" json:"ticket_event"`
	StartEvent  string `flag:"start-event" usage:"Event that starts onboarding (each user's first counts)" json:"start_event"`
	TicketCol   string `flag:"ticket-col" usage:"Property holding the ticket id: events that share one are one ticket (default: every event is a ticket)" json:"ticket_col"`
	WindowSettings
	CohortSettings
}

// TicketsResult is tickets per 100 onboarding users and the share with one.
type TicketsResult struct {
	Users              int64           `json:"users"`
	Tickets            int64           `json:"tickets"`
	TicketsPer100Users *float64        `json:"tickets_per_100_users"`
	PctUsersWithTicket Proportion      `json:"pct_users_with_ticket"`
	Started            int64           `json:"started"` // started in range: users and censored
	Excluded           TicketsExcluded `json:"excluded"`
	// Cohorts are the same figures per onboarding-start cohort, with
	// --cohort-period.
	Cohorts  []TicketsCohort `json:"cohorts"`
	Warnings []Warning       `json:"-"`
}

// TicketsCohort is one onboarding-start cohort's figures.
type TicketsCohort struct {
	Cohort             string     `json:"cohort"`
	Users              int64      `json:"users"`
	Tickets            int64      `json:"tickets"`
	TicketsPer100Users *float64   `json:"tickets_per_100_users"`
	PctUsersWithTicket Proportion `json:"pct_users_with_ticket"`
	Censored           int64      `json:"censored"`
	Status             string     `json:"status"` // complete, or incomplete when some users are censored
}

// TicketsExcluded counts what the figures leave out.
type TicketsExcluded struct {
	Censored   int64 `json:"censored"`   // users whose window is not complete
	Duplicates int64 `json:"duplicates"` // ticket events repeating an id already counted
}

// TicketsParams configure Tickets.
type TicketsParams struct {
	TicketEvent, StartEvent, TicketCol string
	Window                             Window
	Range                              Range
	Level                              float64
	each                               func(ticketUser)
}

// ticketUser is a user's outcome.
type ticketUser struct {
	user    int32
	status  string // counted, censored, out_of_range, no_start
	start   int64
	tickets int64
}

// Tickets counts tickets during onboarding over users.
func Tickets(l *Log, users []int32, p TicketsParams) TicketsResult {
	startID, ticketID := l.NameID(p.StartEvent), l.NameID(p.TicketEvent)
	res := TicketsResult{Warnings: []Warning{}}
	var with int64
	ids := map[string]int64{} // a user's ticket ids: the first event of each
	for _, u := range users {
		ts, ns := l.Events(u)
		start, i0 := firstOf(ts, ns, startID, 0, 0)
		if i0 >= 0 { // a ticket at the very instant counts, whichever sorts first
			i0 = sort.Search(i0, func(i int) bool { return ts[i] >= start })
		}
		o := ticketUser{user: u, start: start, status: "counted"}
		switch {
		case i0 < 0:
			o.status = "no_start"
		case !p.Range.Contains(start):
			o.status = "out_of_range"
		case !p.Range.Complete(p.Window.End(start)):
			o.status = "censored"
			res.Started++
			res.Excluded.Censored++
		default:
			res.Started++
			res.Users++
			end := p.Window.End(start)
			var ds []int32
			if p.TicketCol != "" {
				ds = l.Details(u)
				clear(ids)
				for i, t := range ts { // every id's first event, whenever
					if ns[i] == ticketID {
						if id := l.Prop(p.TicketCol, ds[i]); id != "" {
							if _, seen := ids[id]; !seen {
								ids[id] = t
							}
						}
					}
				}
			}
			for i := i0; i < len(ts) && ts[i] <= end; i++ {
				if ns[i] != ticketID {
					continue
				}
				if ds != nil {
					if id := l.Prop(p.TicketCol, ds[i]); id != "" {
						if first, ok := ids[id]; !ok || first != ts[i] {
							res.Excluded.Duplicates++ // counted at its first event, or not at all
							continue
						}
						delete(ids, id) // a second event at the same instant is a duplicate
					}
				}
				o.tickets++
			}
			res.Tickets += o.tickets
			if o.tickets > 0 {
				with++
			}
		}
		if p.each != nil {
			p.each(o)
		}
	}
	if res.Users > 0 {
		res.TicketsPer100Users = Ptr(100 * float64(res.Tickets) / float64(res.Users))
	}
	res.PctUsersWithTicket = NewProportion(with, res.Users, p.Level)
	res.Warnings = append(res.Warnings, proportionWarnings("users with a ticket", res.PctUsersWithTicket)...)
	if res.Excluded.Censored > 0 {
		res.Warnings = append(res.Warnings, Warning{Code: "censored", Message: fmt.Sprintf(
			"%d users started onboarding less than %s before as_of and are left out (their window is not complete)",
			res.Excluded.Censored, FormatDuration(p.Window.Length))})
	}
	return res
}

// TicketsMetric is the tickets command (docs/metrics.md#tickets).
var TicketsMetric = &Def[TicketsSettings, TicketsResult]{
	Info: Info{
		Name:  "tickets",
		Use:   "[FILE...] [--ticket-event E] [--start-event E] [--within 14d] [--ticket-col C]",
		Short: "Support tickets during onboarding, per 100 users",
		Long: `Support tickets during onboarding (docs/metrics.md#tickets). The users are
those whose first --start-event falls in the reporting range and whose window
(--within of that start, end included) is complete at --as-of; the others are
censored (excluded.censored). A ticket counts when it is created inside the
user's window.

tickets_per_100_users is 100 × tickets / users, a rate with no interval (a
user may file many); pct_users_with_ticket is the share of users with at least
one, with a Wilson interval. --ticket-col names the ticket id: events that
share an id are one ticket, counted at its first event (excluded.duplicates
counts the rest).`,
		Example: `  uptake tickets --demo
  uptake tickets --demo --within 7d --by plan
  uptake tickets events.csv --ticket-event ticket_created --ticket-col ticket_id --start-event signup`,
		FlagUsage: map[string]string{"within": "Onboarding window after the start event (7d, 14d; the end is included)"},
	},
	Defaults: func() TicketsSettings {
		return TicketsSettings{TicketEvent: "support_ticket_created", StartEvent: "onboarding_started", WindowSettings: NewWindow(Days(14)), CohortSettings: NewCohorts()}
	},
	Check: func(s *TicketsSettings) error {
		if s.TicketEvent == "" || s.StartEvent == "" {
			return fmt.Errorf("--ticket-event and --start-event need an event name")
		}
		return s.WindowSettings.Check()
	},
	Needs: func(s *TicketsSettings) Needs {
		n := Needs{Events: []string{s.StartEvent, s.TicketEvent}, Refs: []Ref{
			{Flag: "--ticket-event", Names: []string{s.TicketEvent}}, {Flag: "--start-event", Names: []string{s.StartEvent}}}}
		if s.TicketCol != "" {
			n.EventProps = []string{s.TicketCol}
			n.Refs = append(n.Refs, Ref{Flag: "--ticket-col", Property: true, Names: []string{s.TicketCol}})
		}
		return n
	},
	Compute: func(r *Run, s *TicketsSettings, users []int32) TicketsResult {
		p := ticketsParams(r, s)
		res := Tickets(r.Log, users, p)
		res.Cohorts = ticketCohorts(r.Log, users, p, s.Calendar(r.Loc))
		return res
	},
	Users:    ticketsUsers,
	Warnings: func(x TicketsResult) []Warning { return x.Warnings },
	Params: func(_ *Run, s *TicketsSettings) any {
		return struct {
			*TicketsSettings
			Incomplete string `json:"incomplete"`
		}{s, "exclude"}
	},
	View: ticketsView,
	Rows: func(_ *Run, s *TicketsSettings, x TicketsResult) report.Table {
		if s.CohortPeriod == "" {
			return report.Table{Columns: ticketsCols, Rows: [][]any{ticketsRow(x)}}
		}
		t := report.Table{Columns: append(append([]report.Column{{Key: "cohort"}}, ticketsCols...), report.Column{Key: "status"}),
			Rows: [][]any{append(append([]any{"(all)"}, ticketsRow(x)...), nil)}}
		for _, c := range x.Cohorts {
			t.Rows = append(t.Rows, append(append([]any{c.Cohort}, ticketCohortRow(c)...), c.Status))
		}
		return t
	},
	Headline: func(_ *Run, s *TicketsSettings, all Segmented[TicketsResult]) string {
		x := all.Overall
		return fmt.Sprintf("Support tickets within %s of %s: %s per 100 users; %s with a ticket", s.Within.Text, s.StartEvent,
			per100Text(x.TicketsPer100Users), PropText(x.PctUsersWithTicket))
	},
}

func ticketsParams(r *Run, s *TicketsSettings) TicketsParams {
	return TicketsParams{TicketEvent: s.TicketEvent, StartEvent: s.StartEvent, TicketCol: s.TicketCol, Window: s.Window(r.Loc),
		Range: r.Range, Level: r.Level}
}

// ticketCohorts are the figures per cohort of onboarding start (none
// without a calendar): Tickets over each cohort's users.
func ticketCohorts(l *Log, users []int32, p TicketsParams, cal *Calendar) []TicketsCohort {
	out := []TicketsCohort{}
	if cal == nil {
		return out
	}
	startID := l.NameID(p.StartEvent)
	groups := map[int][]int32{}
	for _, u := range users {
		ts, ns := l.Events(u)
		if start, i := firstOf(ts, ns, startID, 0, 0); i >= 0 && p.Range.Contains(start) {
			k := cal.Index(start)
			groups[k] = append(groups[k], u)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		x := Tickets(l, groups[k], p)
		c := TicketsCohort{Cohort: cal.Label(cal.PeriodStart(k)), Users: x.Users, Tickets: x.Tickets, TicketsPer100Users: x.TicketsPer100Users,
			PctUsersWithTicket: x.PctUsersWithTicket, Censored: x.Excluded.Censored, Status: "complete"}
		if c.Censored > 0 {
			c.Status = "incomplete"
		}
		out = append(out, c)
	}
	return out
}

func per100Text(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *v)
}

// ticketsUsers are each user's tickets in their window, and whether they
// count.
func ticketsUsers(r *Run, s *TicketsSettings, users []int32) report.Table {
	t := report.Table{Columns: userCols(false, report.Column{Key: "start_time", Kind: report.Time},
		report.Column{Key: "tickets", Kind: report.Int}, report.Column{Key: "status"})}
	p := ticketsParams(r, s)
	p.each = func(o ticketUser) {
		var start, n any
		if o.status != "no_start" {
			start = nsTime(o.start)
		}
		if o.status == "counted" {
			n = o.tickets
		}
		t.Rows = append(t.Rows, userRow(r, o.user, nil, start, n, o.status))
	}
	Tickets(r.Log, users, p)
	return t
}

var ticketsCols = append(append([]report.Column{{Key: "users", Kind: report.Int}, {Key: "tickets", Kind: report.Int},
	{Key: "tickets_per_100_users", Header: "per 100 users", Kind: report.Float}, {Key: "users_with_ticket", Header: "with a ticket", Kind: report.Int}},
	CICols("pct_users_with_ticket")...), report.Column{Key: "censored", Kind: report.Int}, report.Column{Key: "duplicates", Kind: report.Int})

func ticketsRow(x TicketsResult) []any {
	return append(append([]any{x.Users, x.Tickets, x.TicketsPer100Users, x.PctUsersWithTicket.Numerator}, CIVals(x.PctUsersWithTicket)...),
		x.Excluded.Censored, x.Excluded.Duplicates)
}

// ticketCohortRow is a cohort's row under ticketsCols (no duplicates).
func ticketCohortRow(c TicketsCohort) []any {
	return append(append([]any{c.Users, c.Tickets, c.TicketsPer100Users, c.PctUsersWithTicket.Numerator}, CIVals(c.PctUsersWithTicket)...), c.Censored, nil)
}

func ticketsView(r *Run, s *TicketsSettings, all Segmented[TicketsResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: fmt.Sprintf("Support tickets within %s of %s", s.Within.Text, s.StartEvent)}
	doc.Add("tickets per 100 users", fmt.Sprintf("%s (%s tickets, %s users)", per100Text(x.TicketsPer100Users),
		report.Thousands(x.Tickets), report.Thousands(x.Users)))
	doc.Add("users with a ticket", PropText(x.PctUsersWithTicket))
	doc.Add("users", fmt.Sprintf("%s of %s who started in range; %s censored (window not complete at as_of)",
		report.Thousands(x.Users), report.Thousands(x.Started), report.Thousands(x.Excluded.Censored)))
	if s.TicketCol != "" {
		doc.Add("ticket id", fmt.Sprintf("%s (%s repeated ids not counted again)", s.TicketCol, report.Thousands(x.Excluded.Duplicates)))
	}
	doc.Add("window", fmt.Sprintf("%s, %s, end included", s.Within.Text, s.Window(r.Loc).Mode()))
	if len(all.Segments) > 0 {
		seg := report.Table{Title: "By " + r.By, Columns: append([]report.Column{{Key: "segment"}}, ticketsCols[:len(ticketsCols)-1]...)}
		for _, sr := range all.Segments {
			row := ticketsRow(sr.Result)
			seg.Rows = append(seg.Rows, append([]any{sr.Name}, row[:len(row)-1]...))
		}
		doc.Tables = append(doc.Tables, seg)
	}
	if len(x.Cohorts) > 0 {
		ct := report.Table{Title: "By onboarding-start " + s.CohortPeriod, Columns: append(append([]report.Column{{Key: "cohort"}}, ticketsCols[:len(ticketsCols)-1]...), report.Column{Key: "status"})}
		for _, c := range x.Cohorts {
			row := ticketCohortRow(c)
			ct.Rows = append(ct.Rows, append(append([]any{c.Cohort}, row[:len(row)-1]...), c.Status))
		}
		doc.Tables = append(doc.Tables, ct)
	}
	doc.Charts = append(doc.Charts, segmentIntervals("Users with a support ticket", all, func(x TicketsResult) Proportion { return x.PctUsersWithTicket }))
	doc.Notes = append(doc.Notes, fmt.Sprintf("as of %s; the share with a ticket has a %s Wilson interval; tickets per 100 users has no interval (a user may file several)", r.AsOf, report.Pct(r.Level)))
	return doc
}
