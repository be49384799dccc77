package cmd

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// A users table (--users) adds user properties to the events, joined by
// user id, and may re-key the events' users (--user-key); --users-where
// keeps the users whose first-seen property matches. The read joins and
// re-keys (ingest/users.go); the engine applies --users-where to the
// units of every job (keepUnits), so every metric counts the same users.

// usersState is what the read derived from the users flags.
type usersState struct {
	table   *ingest.UserTable
	where   []ingest.Filter
	kept    []bool // per user of the read: passes --users-where (nil: no filter)
	keptN   int64
	readErr error
}

func (f *InputFlags) addUsers(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.Users, "users", "", "A users table `file` (CSV or JSON lines, one row per user) whose columns become user properties for --by and --users-where")
	fl.StringVar(&f.UsersJoin, "users-join", "", "The users table's `column` of user ids (default: the column named as the events' user column, else its first)")
	fl.StringVar(&f.UserKey, "user-key", "", "Count users by this `column` of the users table: every event's user id becomes its row's value (several ids of one person become one user)")
	fl.StringArrayVar(&f.UsersWhere, "users-where", nil, "Keep users (with all their events) whose first-seen property matches `FIELD OP VALUE` (the --where operators); repeatable, AND-ed")
}

// usersOptions adds the users table and the --users-where fields to a
// read's options, reading the table once.
func (f *InputFlags) usersOptions(o *ingest.Options) error {
	if f.Users == "" {
		for _, fl := range []struct{ name, v string }{{"--users-join", f.UsersJoin}, {"--user-key", f.UserKey}} {
			if fl.v != "" {
				return usageErrorf("%s names a column of the users table: give the table with --users FILE", fl.name)
			}
		}
	}
	if f.users.where == nil && len(f.UsersWhere) > 0 {
		for _, w := range f.UsersWhere {
			flt, err := ingest.ParseFilterOf("--users-where", w)
			if err != nil {
				return &usageError{err}
			}
			f.users.where = append(f.users.where, flt)
			f.refer("--users-where", propertyRef, flt.Field)
		}
	}
	props := slices.Clone(o.Need.UserProps)
	for _, w := range f.users.where {
		if !slices.Contains(props, w.Field) {
			props = append(props, w.Field)
		}
	}
	o.Need.UserProps = props
	if f.Users == "" {
		return nil
	}
	if f.Users == "-" {
		return usageErrorf("--users reads a file: give its path (stdin is for the events)")
	}
	if f.users.table == nil && f.users.readErr == nil {
		f.users.table, f.users.readErr = ingest.ReadUserTable(ingest.FileInput(f.Users, nil), f.UsersJoin, f.UserKey)
		if ce := (*ingest.ColumnError)(nil); errors.As(f.users.readErr, &ce) {
			msg := fmt.Sprintf("%s: %s has no column %q", ce.Flag, ce.File, ce.Name)
			if s := suggest(ce.Name, ce.Have); len(s) > 0 {
				msg += "; did you mean " + orList(s) + "?"
			} else {
				msg += "; its columns are " + orList(ce.Have)
			}
			f.users.readErr = errors.New(msg)
		}
	}
	if f.users.readErr != nil {
		return f.users.readErr
	}
	o.Users = f.users.table
	return nil
}

// keepUsers decides, per user of the read, whether --users-where keeps
// them: every filter must match the user's value of its field, the value
// first seen (as --by reads it) or the users table's.
func (f *InputFlags) keepUsers(d *ingest.Dataset) {
	f.users.kept, f.users.keptN = nil, 0
	if len(f.users.where) == 0 {
		return
	}
	kept := make([]bool, len(d.Users))
	for u := range kept {
		kept[u] = true
		for i := range f.users.where {
			w := &f.users.where[i]
			var v string
			if vals := d.UserProps[w.Field]; u < len(vals) {
				v = vals[u]
			}
			if !w.Match([]byte(v)) {
				kept[u] = false
				break
			}
		}
		if kept[u] {
			f.users.keptN++
		}
	}
	f.users.kept = kept
}

// keepUnits is units without the users --users-where leaves out.
func (f *InputFlags) keepUnits(units []int32) []int32 {
	if f.users.kept == nil {
		return units
	}
	out := make([]int32, 0, len(units))
	for _, u := range units {
		if int(u) < len(f.users.kept) && f.users.kept[u] {
			out = append(out, u)
		}
	}
	return out
}

// keepSegments is segs without the users --users-where leaves out, and
// without the segments left empty.
func (f *InputFlags) keepSegments(segs []metrics.Segment) []metrics.Segment {
	if f.users.kept == nil {
		return segs
	}
	var out []metrics.Segment
	for _, s := range segs {
		if users := f.keepUnits(s.Users); len(users) > 0 {
			out = append(out, metrics.Segment{Name: s.Name, Users: users})
		}
	}
	return out
}

// keptUser reports whether --users-where keeps user u.
func (f *InputFlags) keptUser(u int32) bool {
	return f.users.kept == nil || int(u) < len(f.users.kept) && f.users.kept[u]
}

// describeUsers adds the users table and --users-where to an envelope's
// input section.
func (f *InputFlags) describeUsers(in *report.Input, d *ingest.Dataset) {
	if t := d.Table; t != nil {
		in.UsersTable = &report.UsersTable{Path: t.Name, Rows: int64(t.Rows()), Join: t.JoinColumn(), Key: t.KeyCol,
			NotInTable: d.Stats.NotInTable}
	}
	if len(f.users.where) > 0 {
		in.UsersWhere = make([]string, len(f.users.where))
		for i, w := range f.users.where {
			in.UsersWhere[i] = w.String()
		}
		kept := f.users.keptN
		in.UsersKept = &kept
	}
}

// usersWarnings are the caveats of a users table and --users-where.
func (f *InputFlags) usersWarnings(d *ingest.Dataset) []report.Warning {
	var ws []report.Warning
	if t := d.Table; t != nil && d.Stats.NotInTable > 0 {
		ws = append(ws, report.Warning{Code: "users_not_in_table", Message: fmt.Sprintf(
			"%s of %s users are not in the users table %s (joined on its column %q): their table properties are empty",
			report.Thousands(d.Stats.NotInTable), report.Thousands(int64(len(d.Users))), t.Name, t.JoinColumn())})
	}
	if f.users.kept != nil && f.users.keptN == 0 && len(d.Users) > 0 {
		ws = append(ws, report.Warning{Code: "users_where_kept_nothing", Message: fmt.Sprintf(
			"--users-where kept none of the %s users: every figure is empty (is a value misspelled?)", report.Thousands(int64(len(d.Users))))})
	}
	return ws
}

// noUsersForSurveyFiles refuses the users flags for survey files, which
// have respondents, not the users of an event export.
func (f *InputFlags) noUsersForSurveyFiles() error {
	if f.Users != "" || len(f.UsersWhere) > 0 {
		return usageErrorf("--users and --users-where apply to the users of event exports; for a survey file, join and filter it first (or use --by)")
	}
	return nil
}
