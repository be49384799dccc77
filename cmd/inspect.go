package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/report"
)

// InspectOptions are the flags of `uptake inspect`.
type InspectOptions struct {
	IO    *IOStreams
	Input InputFlags
	Out   output
	TZ    string
	Args  []string
}

// NewCmdInspect builds `uptake inspect`.
func NewCmdInspect(ios *IOStreams, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "inspect [FILE...]",
		Short: "Say what an export is: format, column mapping, rows, users, events, time range",
		Long: `Read an export and say what it is: the format detected, the column mapping
chosen and why, rows read / skipped / deduplicated / filtered, distinct users,
events by name (with counts and distinct users), the time range, how many
timestamps had no zone, and which properties the rows carry.

Run it first on a new export: the mapping it prints is the one every metric
command will use, and --user-col/--event-col/--time-col change it.

FILE is a path or - for stdin; .gz files are decompressed; several files are
read as one stream. --format csv writes the events table.`,
		Example: `  uptake inspect --demo
  uptake inspect events.csv.gz
  uptake inspect --event-name purchase --user-col CustomerID online_retail.csv.gz
  uptake inspect --format json export.jsonl | jq '.result.events[:5]'`,
		GroupID: "data",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runInspect(opts)
		},
	}
	opts.Input.add(cmd)
	opts.Out.add(cmd)
	cmd.Flags().StringVar(&opts.TZ, "tz", "UTC", "`Zone` in which times are shown")
	return cmd
}

// InspectResult is the JSON "result" of inspect.
type InspectResult struct {
	Vendor          string               `json:"vendor"`
	Format          string               `json:"format"`
	Files           []InspectFile        `json:"files"`
	Rows            int64                `json:"rows"`
	Kept            int64                `json:"kept"`
	Skipped         int64                `json:"skipped"`
	Duplicates      int64                `json:"duplicates"`
	Filtered        int64                `json:"filtered"`
	MissingUser     int64                `json:"missing_user"`
	IdentityRecords int64                `json:"identity_records"`
	Users           int64                `json:"users"`
	Identity        ingest.IdentityStats `json:"identity"`
	Events          []EventCount         `json:"events"`
	FirstTime       *string              `json:"first_time"`
	LastTime        *string              `json:"last_time"`
	NaiveTimestamps int64                `json:"naive_timestamps"`
	AssumedTZ       string               `json:"assumed_tz"`
	DatesOnly       bool                 `json:"dates_only"` // every time is a date without a time of day
	AsOfDefault     string               `json:"as_of_default"`
	AsOfRule        string               `json:"as_of_rule"`
	Properties      []PropCount          `json:"properties"`
	// UsersTable is the --users table; UsersKept the users --users-where
	// keeps (the figures above count every user read).
	UsersTable *report.UsersTable `json:"users_table,omitempty"`
	UsersKept  *int64             `json:"users_kept,omitempty"`
}

// InspectFile describes one input file.
type InspectFile struct {
	Path        string         `json:"path"`
	Format      string         `json:"format"`
	Compression string         `json:"compression"`
	Delimiter   string         `json:"delimiter,omitempty"`
	Header      string         `json:"header,omitempty"` // "none": the columns were named with --columns
	Vendor      string         `json:"vendor"`
	Detected    string         `json:"detected"`
	Mapping     ingest.Mapping `json:"mapping"`
	Rows        int64          `json:"rows"`
	Kept        int64          `json:"kept"`
	Skipped     int64          `json:"skipped"`
	Duplicates  int64          `json:"duplicates"`
	Filtered    int64          `json:"filtered"`
	MissingUser int64          `json:"missing_user"`
}

// EventCount is one event name.
type EventCount struct {
	Name     string `json:"name"`
	Count    int64  `json:"count"`
	Users    int64  `json:"users"`
	Internal bool   `json:"internal"` // not user activity (identity calls, engagement pings)
}

// PropCount is one property and the number of kept events carrying it.
type PropCount struct {
	Name   string `json:"name"`
	Events int64  `json:"events"`
}

func runInspect(opts *InspectOptions) error {
	loc, err := loadZone(opts.TZ, "--tz")
	if err != nil {
		return err
	}
	if err := opts.Input.noAmount("inspect"); err != nil {
		return err
	}
	d, err := opts.Input.read(opts.IO, opts.Args, ingest.Need{PropertyStats: true, NameUsers: true}, nil, nil)
	if err != nil {
		return err
	}
	res := inspectResult(d, &opts.Input, loc)
	input := inputSummary(d)
	opts.Input.describeUsers(&input, d)
	res.UsersTable, res.UsersKept = input.UsersTable, input.UsersKept
	env := report.Envelope{
		Metric: "inspect",
		Params: map[string]any{
			"input_format": opts.Input.InputFormat, "assume_tz": opts.Input.AssumeTZ, "source_tz": opts.Input.SourceTZ,
			"dedup": opts.Input.Dedup, "on_invalid": opts.Input.OnInvalid,
			"where": append([]string{}, opts.Input.Where...), "event_name": opts.Input.EventName,
		},
		Input:    input,
		AsOf:     res.AsOfDefault,
		TZ:       opts.TZ,
		Result:   res,
		Warnings: inputWarnings(d, &opts.Input),
	}
	return opts.Out.write(opts.IO, env, inspectDoc(res), loc)
}

// asOfDefault is the end of observed data when --as-of is not given, and
// the rule that set it: 1 ns after the last event, or, when
// every time is a date without a time of day, the start of the day after
// the last date (the last day is whole: its events carry no time to say
// they stop early).
func asOfDefault(d *ingest.Dataset) (time.Time, string) {
	switch {
	case d.Stats.Events == 0:
		return time.Unix(0, 0).UTC(), "no events"
	case d.Stats.DatesOnly:
		return time.Unix(0, d.Stats.NextDay).UTC(), "start of the day after the last date (the times are dates only)"
	}
	return time.Unix(0, d.Stats.Last+1).UTC(), "1 ns after the last event"
}

func inspectResult(d *ingest.Dataset, in *InputFlags, loc *time.Location) InspectResult {
	r := InspectResult{
		Vendor: "generic", Files: []InspectFile{}, Events: []EventCount{}, Properties: []PropCount{},
		Rows: d.Stats.Rows, Kept: d.Stats.Events, Skipped: d.Stats.Skipped, Duplicates: d.Stats.Duplicates,
		Filtered: d.Stats.Filtered, MissingUser: d.Stats.MissingUser, IdentityRecords: d.Stats.Links, Users: int64(len(d.Users)),
		Identity:        d.Stats.Identity,
		NaiveTimestamps: d.Stats.Naive, AssumedTZ: in.AssumeTZ, DatesOnly: d.Stats.DatesOnly,
	}
	asOf, rule := asOfDefault(d)
	r.AsOfDefault, r.AsOfRule = asOf.In(loc).Format(time.RFC3339Nano), rule
	sum := inputSummary(d)
	r.Vendor, r.Format = sum.Vendor, sum.Format
	for _, f := range d.Stats.Files {
		r.Files = append(r.Files, InspectFile{
			Path: f.Name, Format: f.Format, Compression: f.Compression, Delimiter: f.Delimiter, Header: headerOf(f),
			Vendor: f.Vendor, Detected: f.Detected, Mapping: f.Mapping, Rows: f.Rows, Kept: f.Events, Skipped: f.Skipped,
			Duplicates: f.Duplicates, Filtered: f.Filtered, MissingUser: f.MissingUser,
		})
	}
	for i, name := range d.Names {
		r.Events = append(r.Events, EventCount{Name: name, Count: d.Stats.NameCounts[i], Users: d.Stats.NameUsers[i],
			Internal: slices.Contains(d.Internal, name)})
	}
	slices.SortFunc(r.Events, func(a, b EventCount) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, p := range d.Stats.Props {
		r.Properties = append(r.Properties, PropCount{Name: p.Name, Events: p.Rows})
	}
	if d.Stats.Events > 0 {
		f := time.Unix(0, d.Stats.First).In(loc).Format(time.RFC3339Nano)
		l := time.Unix(0, d.Stats.Last).In(loc).Format(time.RFC3339Nano)
		r.FirstTime, r.LastTime = &f, &l
	}
	return r
}

// headerOf is an input file's "header": none when it has no header row.
func headerOf(f ingest.FileStats) string {
	if f.NoHeader {
		return "none"
	}
	return ""
}

func inspectDoc(r InspectResult) report.Doc {
	doc := report.Doc{Title: "Input"}
	for _, f := range r.Files {
		form := f.Format
		switch {
		case f.Delimiter == ingest.Whitespace:
			form = "whitespace-separated text"
		case f.Delimiter != "" && f.Delimiter != "," && f.Delimiter != "\t":
			form += fmt.Sprintf(" (%q-separated)", f.Delimiter)
		}
		if f.Header == "none" {
			form += ", no header row (--columns)"
		}
		if f.Compression != "" {
			form += ", " + f.Compression
		}
		doc.Add("file", fmt.Sprintf("%s — %s, %s", f.Path, form, f.Vendor))
		doc.Add("  detected", f.Detected)
		m := f.Mapping
		doc.Add("  user", describeField(m.User))
		if len(m.Anon.Paths) > 0 {
			doc.Add("  anonymous id", describeField(m.Anon))
		}
		if m.EventName != "" {
			doc.Add("  event", fmt.Sprintf("every row is %q (--event-name)", m.EventName))
		} else {
			doc.Add("  event", describeField(m.Event))
		}
		doc.Add("  time", describeField(m.Time)+"; read as "+m.TimeForm)
		if len(m.ID.Paths) > 0 {
			doc.Add("  dedup key", describeField(m.ID))
		}
	}
	doc.Add("rows", fmt.Sprintf("%s read: %s kept, %s skipped, %s duplicates, %s filtered, %s without user id",
		report.Thousands(r.Rows), report.Thousands(r.Kept), report.Thousands(r.Skipped),
		report.Thousands(r.Duplicates), report.Thousands(r.Filtered), report.Thousands(r.MissingUser)))
	if r.IdentityRecords > 0 {
		doc.Summary[len(doc.Summary)-1][1] += fmt.Sprintf(", %s identity records", report.Thousands(r.IdentityRecords))
	}
	doc.Add("users", report.Thousands(r.Users))
	if t := r.UsersTable; t != nil {
		text := fmt.Sprintf("%s — %s rows joined on %s", t.Path, report.Thousands(t.Rows), t.Join)
		if t.Key != "" {
			text += ", users counted by " + t.Key
		}
		doc.Add("users table", text+fmt.Sprintf("; %s users not in it", report.Thousands(t.NotInTable)))
	}
	if r.UsersKept != nil {
		doc.Add("--users-where", report.Thousands(*r.UsersKept)+" users kept")
	}
	if id := r.Identity; id.Merged+id.AnonymousOnly+id.Ambiguous > 0 || r.IdentityRecords > 0 {
		doc.Add("identity", fmt.Sprintf("%s: %s anonymous ids merged into known users, %s anonymous only, %s linked to several users (kept apart); %s identity records",
			id.Mode, report.Thousands(id.Merged), report.Thousands(id.AnonymousOnly), report.Thousands(id.Ambiguous), report.Thousands(r.IdentityRecords)))
	}
	if r.FirstTime != nil {
		doc.Add("time range", *r.FirstTime+" → "+*r.LastTime)
	}
	doc.Add("naive timestamps", fmt.Sprintf("%s (read in %s)", report.Thousands(r.NaiveTimestamps), r.AssumedTZ))
	if r.DatesOnly {
		doc.Add("time values", "dates only, no time of day")
	}
	doc.Add("as_of default", r.AsOfDefault+", "+r.AsOfRule)
	events := report.Table{Title: "Events", Columns: []report.Column{
		{Key: "name", Header: "event"}, {Key: "count", Kind: report.Int}, {Key: "users", Kind: report.Int},
		{Key: "share", Header: "% of events", Kind: report.Percent},
	}}
	for _, e := range r.Events {
		name := e.Name
		if e.Internal {
			name += " (internal)"
		}
		events.Rows = append(events.Rows, []any{name, e.Count, e.Users, frac(e.Count, r.Kept)})
	}
	doc.Tables = append(doc.Tables, events)
	if len(r.Properties) > 0 {
		props := report.Table{Title: "Properties", Columns: []report.Column{
			{Key: "name", Header: "property"}, {Key: "events", Kind: report.Int},
			{Key: "share", Header: "% of events", Kind: report.Percent},
		}}
		for _, p := range r.Properties {
			props.Rows = append(props.Rows, []any{p.Name, p.Events, frac(p.Events, r.Kept)})
		}
		doc.Tables = append(doc.Tables, props)
	}
	return doc
}

func describeField(f ingest.Field) string {
	if len(f.Paths) == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", strings.Join(f.Paths, " | "), f.Reason)
}

func frac(x, n int64) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(x) / float64(n)
	return &v
}
