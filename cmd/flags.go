package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/ingest/demo"
	"github.com/uptake-dev/uptake/report"
)

// enumValue is a string flag restricted to a set of values; a bad value is
// rejected while parsing, so it is a usage error (exit 2).
type enumValue struct {
	p       *string
	allowed []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	if !slices.Contains(e.allowed, v) {
		return fmt.Errorf("valid values are %s", strings.Join(e.allowed, ", "))
	}
	*e.p = v
	return nil
}

func enumFlag(cmd *cobra.Command, p *string, name, def string, allowed []string, usage string) {
	*p = def
	shown := slices.DeleteFunc(slices.Clone(allowed), func(s string) bool { return s == "" }) // "" is "none", the default
	cmd.Flags().Var(&enumValue{p: p, allowed: allowed}, name, usage+" ("+strings.Join(shown, "|")+")")
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// delimiterValue is --delimiter: a bad value is rejected while parsing (a
// usage error); the flag holds the canonical name, which is also what a
// config written by init holds.
type delimiterValue struct{ p *string }

func (d *delimiterValue) String() string { return *d.p }
func (d *delimiterValue) Type() string   { return "string" }
func (d *delimiterValue) Set(v string) error {
	sep, err := ingest.ParseDelimiter(v)
	if err != nil {
		return err
	}
	*d.p = ingest.DelimiterName(sep)
	return nil
}

// inputFormats are the --input-format values: the formats, then the vendors.
var inputFormats = append([]string{"auto", "csv", "tsv", "jsonl", "json", "parquet"}, ingest.VendorNames()...)

// InputFlags are the flags of every command that reads events (README.md
// "Reading exports").
type InputFlags struct {
	Demo        bool
	InputFormat string
	UserCol     string
	EventCol    string
	TimeCol     string
	EventName   string
	Amount      string
	Delimiter   string   // a canonical --delimiter name (ingest.DelimiterName)
	Header      string   // first or none
	Columns     []string // with --header none
	Where       []string
	AssumeTZ    string
	SourceTZ    string
	OnInvalid   string
	Dedup       string
	Identity    string
	Quiet       bool
	// AllowMissing turns names missing from the input into warnings.
	AllowMissing bool
	// amountFromConfig: --amount came from a config's input: section,
	// which serves every metric, so a metric that reads none ignores it.
	amountFromConfig bool
	// A users table (cmd/users.go): --users, --users-join, --user-key,
	// --users-where.
	Users      string
	UsersJoin  string
	UserKey    string
	UsersWhere []string

	refs      []nameRef         // names the command was given (refer)
	selectors []ingest.Selector // the event selectors among them (select)
	missing   []report.Warning  // the missing ones, with --allow-missing
	users     usersState        // the users table and --users-where (users.go)
}

func (f *InputFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.Demo, "demo", false, "Read the sample export built into the binary instead of files")
	enumFlag(cmd, &f.InputFormat, "input-format", "auto", inputFormats, "Input format")
	fl.StringVar(&f.UserCol, "user-col", "", "User id `column` (JSON: dotted path such as properties.distinct_id)")
	fl.StringVar(&f.EventCol, "event-col", "", "Event name `column`")
	fl.StringVar(&f.TimeCol, "time-col", "", "Timestamp `column`")
	fl.StringVar(&f.EventName, "event-name", "", "Every row is this event (for files without an event column)")
	fl.StringVar(&f.Amount, "amount", "", "Each row's money: a `field`, or the product of two or of one and a number (Quantity*UnitPrice)")
	f.Delimiter = "auto"
	fl.Var(&delimiterValue{&f.Delimiter}, "delimiter", "Field separator `SEP` of delimited text instead of the sniffed one: , tab ; | or whitespace (runs of spaces and tabs, no quoting)")
	_ = cmd.RegisterFlagCompletionFunc("delimiter", cobra.FixedCompletions(append([]string{"auto"}, ingest.DelimiterNames()...), cobra.ShellCompDirectiveNoFileComp))
	enumFlag(cmd, &f.Header, "header", "first", []string{"first", "none"}, "Whether delimited text starts with a header row; none needs --columns")
	fl.StringSliceVar(&f.Columns, "columns", nil, "The `names` of the columns of a file without a header row (--header none), comma-separated")
	fl.StringArrayVar(&f.Where, "where", nil, "Keep rows matching `FIELD OP VALUE` (OP: = != < <= > >= ~ !~); repeatable, AND-ed")
	fl.StringVar(&f.AssumeTZ, "assume-tz", "UTC", "`Zone` of timestamps written without one")
	fl.StringVar(&f.SourceTZ, "source-tz", "", "`Zone` whose wall clock epoch-number times count instead of UTC (Mixpanel projects created before 2023)")
	enumFlag(cmd, &f.OnInvalid, "on-invalid", "fail", []string{"fail", "skip"}, "What a bad row does")
	enumFlag(cmd, &f.Dedup, "dedup", "auto", []string{"auto", "exact", "off"}, "Drop repeated events: by event id (auto), also identical user+event+time (exact), or not at all")
	enumFlag(cmd, &f.Identity, "identity", "stitch", []string{"stitch", "raw"}, "Merge anonymous ids into the user they are linked to, or keep them apart")
	fl.BoolVarP(&f.Quiet, "quiet", "q", false, "No progress on stderr")
	fl.BoolVar(&f.AllowMissing, "allow-missing", false, "Warn, instead of failing, when an event or field named in a flag is not in the input")
	f.addUsers(cmd)
	cmd.MarkFlagsMutuallyExclusive("event-col", "event-name")
	_ = cmd.RegisterFlagCompletionFunc("assume-tz", completeZones)
	_ = cmd.RegisterFlagCompletionFunc("source-tz", completeZones)
}

func completeZones(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"UTC", "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"},
		cobra.ShellCompDirectiveNoFileComp
}

// inputs turns positional arguments into ingest inputs.
func (f *InputFlags) inputs(args []string, stdin interface{ Read([]byte) (int, error) }) ([]ingest.Input, error) {
	if f.Demo {
		if len(args) > 0 {
			return nil, usageErrorf("--demo reads the built-in sample; give either --demo or files, not both")
		}
		return []ingest.Input{ingest.BytesInput("demo", demo.Embedded)}, nil
	}
	if len(args) == 0 {
		return nil, usageErrorf("no input: give FILE... (- for stdin), or --demo for the built-in sample")
	}
	stdinUsed := false
	var ins []ingest.Input
	for _, a := range args {
		if a == "-" {
			if stdinUsed {
				return nil, usageErrorf("- (stdin) given more than once")
			}
			stdinUsed = true
		}
		ins = append(ins, ingest.FileInput(a, stdin))
	}
	return ins, nil
}

// options builds ingest options; errors are usage errors.
func (f *InputFlags) options(need ingest.Need, now time.Time) (ingest.Options, error) {
	loc, err := loadZone(f.AssumeTZ, "--assume-tz")
	if err != nil {
		return ingest.Options{}, err
	}
	var src *time.Location
	if f.SourceTZ != "" {
		if src, err = loadZone(f.SourceTZ, "--source-tz"); err != nil {
			return ingest.Options{}, err
		}
	}
	delim, err := f.delimited()
	if err != nil {
		return ingest.Options{}, err
	}
	o := ingest.Options{
		Delimiter:   delim,
		SourceTZ:    src,
		Format:      f.InputFormat,
		UserCol:     f.UserCol,
		EventCol:    f.EventCol,
		TimeCol:     f.TimeCol,
		EventName:   f.EventName,
		AssumeTZ:    loc,
		Columns:     f.Columns,
		SkipInvalid: f.OnInvalid == "skip",
		Dedup:       ingest.DedupMode(f.Dedup),
		Identity:    f.Identity,
		Need:        need,
		Now:         now,
	}
	for _, w := range f.Where {
		flt, err := ingest.ParseFilter(w)
		if err != nil {
			return ingest.Options{}, &usageError{err}
		}
		o.Where = append(o.Where, flt)
	}
	o.Selectors = f.selectors
	if f.Amount != "" {
		a, err := ingest.ParseAmount(f.Amount)
		if err != nil {
			return ingest.Options{}, &usageError{err}
		}
		o.Amount = a
	}
	if err := f.usersOptions(&o); err != nil {
		return ingest.Options{}, err
	}
	return o, nil
}

// delimited checks --delimiter, --header and --columns against each other
// and --input-format, and returns ingest's delimiter.
func (f *InputFlags) delimited() (string, error) {
	delim, err := ingest.ParseDelimiter(f.Delimiter)
	if err != nil {
		return "", usageErrorf("--delimiter %q: %v", f.Delimiter, err)
	}
	switch {
	case f.Header == "none" && len(f.Columns) == 0:
		return "", usageErrorf("--header none: name the columns with --columns a,b,c")
	case f.Header != "none" && len(f.Columns) > 0:
		return "", usageErrorf("--columns names the columns of a file without a header row: give --header none too (a header's own names are read from it; --user-col, --event-col and --time-col pick among them)")
	}
	if err := ingest.CheckColumns(f.Columns); err != nil {
		return "", usageErrorf("--columns: %v", err)
	}
	switch form := f.InputFormat; {
	case delim == "":
	case form == "json" || form == "jsonl":
		return "", usageErrorf("--delimiter is for delimited text, and --input-format %s is JSON: leave one of them out", form)
	case form == "parquet":
		return "", usageErrorf("--delimiter is for delimited text, and --input-format parquet is not: leave one of them out")
	case form == "tsv" && delim != "\t", form == "csv" && (delim == "\t" || delim == ingest.Whitespace):
		return "", usageErrorf("--input-format %s --delimiter %s: these disagree; --delimiter alone is enough", form, f.Delimiter)
	}
	if f.Header == "none" && (f.InputFormat == "json" || f.InputFormat == "jsonl") {
		return "", usageErrorf("--header none is for delimited text, and --input-format %s is JSON: JSON records name their own fields", f.InputFormat)
	}
	if f.Header == "none" && f.InputFormat == "parquet" {
		return "", usageErrorf("--header none is for delimited text, and --input-format parquet is not: a Parquet file's schema names its columns")
	}
	return delim, nil
}

func loadZone(name, flag string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || strings.EqualFold(name, "local") {
		return nil, usageErrorf("%s %q: not an IANA zone name (such as UTC, Europe/Berlin, America/New_York)", flag, name)
	}
	return loc, nil
}

// read runs ingest with progress on stderr, keeping events in [since, until)
// when those are set.
func (f *InputFlags) read(ios *IOStreams, args []string, need ingest.Need, since, until *time.Time) (*ingest.Dataset, error) {
	ins, err := f.inputs(args, ios.In)
	if err != nil {
		return nil, err
	}
	opts, err := f.options(need, ios.now())
	if err != nil {
		return nil, err
	}
	opts.Since, opts.Until = since, until
	var prog *ingest.Progress
	if ios.StderrTTY && !f.Quiet {
		prog = &ingest.Progress{}
		opts.Progress = prog
		stop := startProgress(ios.ErrOut, prog)
		defer stop()
	}
	d, err := ingest.Read(ins, opts)
	if err != nil {
		return nil, err
	}
	if err := f.checkNames(d, ins, opts, args); err != nil {
		return nil, err
	}
	f.keepUsers(d)
	return d, nil
}

// inputSummary is the envelope's "input" object.
func inputSummary(d *ingest.Dataset) report.Input {
	in := report.Input{Files: []string{}, Format: "", Vendor: "generic"}
	for i, f := range d.Stats.Files {
		in.Files = append(in.Files, f.Name)
		if i == 0 {
			in.Format, in.Vendor = f.Format, f.Vendor
		} else if f.Format != in.Format {
			in.Format = "mixed"
		}
	}
	in.Rows = d.Stats.Rows
	in.Skipped = d.Stats.Skipped
	in.Duplicates = d.Stats.Duplicates
	in.Users = int64(len(d.Users))
	return in
}

// naiveWarning reports timestamps read without a zone, in the zone used.
func naiveWarning(n int64, assumeTZ string) []report.Warning {
	if n == 0 {
		return nil
	}
	code := "naive_timestamps_read_as_utc"
	if assumeTZ != "UTC" {
		code = "naive_timestamps_read_in_assumed_zone"
	}
	return []report.Warning{{Code: code, Message: fmt.Sprintf("%s timestamps had no zone and were read as %s (set the zone with --assume-tz)", report.Thousands(n), assumeTZ)}}
}

// localTimeWarnings report wall times that a change of offset (DST) skips
// or repeats in the zone they were read in: their order against their
// neighbours is a guess.
func localTimeWarnings(s *ingest.Stats) []report.Warning {
	var ws []report.Warning
	if n := s.Nonexistent; n > 0 {
		ws = append(ws, report.Warning{Code: "nonexistent_local_times", Message: fmt.Sprintf(
			"%s local times do not exist in their zone (the clocks skipped them at a DST change) and were moved forward by the gap, which can reorder events; first: %s",
			report.Thousands(n), s.NonexistentSample)})
	}
	if n := s.Ambiguous; n > 0 {
		ws = append(ws, report.Warning{Code: "ambiguous_local_times", Message: fmt.Sprintf(
			"%s local times occur twice in their zone (the clocks repeated them at a DST change) and were read as the first; first: %s",
			report.Thousands(n), s.AmbiguousSample)})
	}
	return ws
}

// offsetText writes the size of a duration in hours and minutes.
func offsetText(d time.Duration) string {
	d = d.Abs().Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// aheadOrBehind says where event times stand against a server time that is
// d later than them.
func aheadOrBehind(d time.Duration) string {
	if d < 0 {
		return "ahead of"
	}
	return "behind"
}

// inputWarnings are the caveats every command inherits from ingest.
func inputWarnings(d *ingest.Dataset, f *InputFlags) []report.Warning {
	ws := append(naiveWarning(d.Stats.Naive, f.AssumeTZ), f.missing...)
	ws = append(ws, localTimeWarnings(&d.Stats)...)
	if d.Stats.Filtered > 0 && d.Stats.Events == 0 {
		ws = append(ws, report.Warning{Code: "where_kept_nothing", Message: fmt.Sprintf(
			"--where kept none of the %s rows: every figure is empty (is a value misspelled?)", report.Thousands(d.Stats.Filtered))})
	}
	if n := d.Stats.Skipped; n > 0 {
		msg := fmt.Sprintf("%s invalid rows skipped (--on-invalid skip)", report.Thousands(n))
		if l := d.Stats.SkippedLines; l > n {
			msg = fmt.Sprintf("%s invalid rows skipped, %s lines (--on-invalid skip)", report.Thousands(n), report.Thousands(l))
		}
		if len(d.Stats.SkipSamples) > 0 {
			msg += "; first: " + d.Stats.SkipSamples[0]
		}
		ws = append(ws, report.Warning{Code: "skipped_rows", Message: msg})
	}
	if n := d.Stats.MissingUser; n > 0 {
		ws = append(ws, report.Warning{Code: "missing_user_id", Message: fmt.Sprintf("%s rows have no user id and were not used", report.Thousands(n))})
	}
	if n := d.Stats.Early; n > 0 && d.Stats.SuspectEarly {
		ws = append(ws, report.Warning{Code: "timestamps_before_2005", Message: fmt.Sprintf(
			"%s events are dated before 2005 (the earliest %s): is the time column, its epoch unit or its zone right? inspect shows how it was read",
			report.Thousands(n), time.Unix(0, d.Stats.First).UTC().Format(time.RFC3339))})
	}
	for _, f := range d.Stats.Files {
		ws = append(ws, renameWarnings(f.Name, f.Renamed)...)
		if o := f.ServerOffset; o != nil && (o.Median > time.Hour || o.Median < -time.Hour) {
			ws = append(ws, report.Warning{Code: "time_offset_from_server_time", Message: fmt.Sprintf(
				"%s: event times are a median %s %s %s (the vendor's receiving time, over %d records): a Mixpanel project created before 2023 exports times in the project's zone; give that zone with --source-tz",
				f.Name, offsetText(o.Median), aheadOrBehind(o.Median), o.Field, o.Records)})
		}
	}
	ws = append(ws, sameFileWarnings(d.Stats.SameFiles(), "events")...)
	ws = append(ws, f.usersWarnings(d)...)
	if n := d.Stats.Future; n > 0 {
		ws = append(ws, report.Warning{Code: "timestamps_in_the_future", Message: fmt.Sprintf(
			"%s events are dated after the time of this run (the latest %s): is the time column, its epoch unit or its zone right? inspect shows how it was read",
			report.Thousands(n), time.Unix(0, d.Stats.Last).UTC().Format(time.RFC3339))})
	}
	if n := d.Stats.PropNames; n > ingest.MaxPropertyNames {
		more := ""
		if d.Stats.PropNamesAtLeast {
			more = "more than "
		}
		ws = append(ws, report.Warning{Code: "too_many_properties", Message: fmt.Sprintf(
			"%s%s distinct property names; the statistics of those past the first %s are merged into (other)",
			more, report.Thousands(int64(n)), report.Thousands(ingest.MaxPropertyNames))})
	}
	return ws
}

// sameFileWarnings reports inputs read twice, whose events or answers
// (what) count twice unless dropped as duplicates.
func sameFileWarnings(same []ingest.SameFile, what string) []report.Warning {
	var ws []report.Warning
	for _, s := range same {
		msg := "its " + what + " count twice; give each file once"
		if s.Dropped {
			msg = "its rows were all dropped as duplicates"
		}
		ws = append(ws, report.Warning{Code: "same_file_twice", Message: fmt.Sprintf(
			"%s has the same content as %s (same size and first MiB): %s", s.Name, s.SameAs, msg)})
	}
	return ws
}

// renameWarnings says which repeated headers of a file were read under new names.
func renameWarnings(file string, rs []ingest.ColumnRename) []report.Warning {
	if len(rs) == 0 {
		return nil
	}
	msgs := make([]string, len(rs))
	for i, r := range rs {
		msgs[i] = r.String()
	}
	return []report.Warning{{Code: "duplicate_columns", Message: file + ": " + strings.Join(msgs, "; ")}}
}

// output is how a command's result leaves the program.
type output struct {
	Format string
	CSVRaw bool
	All    bool // --all: long tables whole (metric commands)
}

func (o *output) add(cmd *cobra.Command) {
	enumFlag(cmd, &o.Format, "format", "table", report.Formats, "Output format")
	cmd.Flags().BoolVar(&o.CSVRaw, "csv-raw", false, "With --format csv, write text cells byte for byte: no escaped control characters, no ' before a leading = + - @ tab or CR (which keeps a spreadsheet from running the cell as a formula)")
}

// write renders a result: the JSON envelope, or the document for people.
// Warnings always go to stderr too, so that they reach a CI log whatever the
// format; JSON and Markdown also carry them in the output.
func (o *output) write(ios *IOStreams, env report.Envelope, doc report.Doc, loc *time.Location) error {
	var err error
	switch report.Format(o.Format) {
	case report.FormatJSON:
		err = report.WriteJSON(ios.Out, env)
	case report.FormatMarkdown:
		for _, w := range env.Warnings {
			doc.Notes = append(doc.Notes, w.Note())
		}
		fallthrough
	default:
		err = report.Write(ios.Out, doc, report.Format(o.Format), report.Options{TTY: ios.StdoutTTY, Color: ios.Color(), TZ: loc, CSVRaw: o.CSVRaw,
			Width: ios.Width, All: o.All})
	}
	if err != nil {
		return err
	}
	for _, w := range env.Warnings {
		fmt.Fprintln(ios.ErrOut, report.Warn(w, ios.StderrTTY && !ios.NoColor))
	}
	return nil
}

// needAmount checks that --amount is given for a metric that reads
// amounts, and refers to its fields, which must be in the input.
func (f *InputFlags) needAmount(metric string) error {
	if f.Amount == "" {
		return usageErrorf("%s needs --amount: the column or property holding each order's value (amount, revenue, or a product such as Quantity*UnitPrice)", metric)
	}
	a, err := ingest.ParseAmount(f.Amount)
	if err != nil {
		return &usageError{err}
	}
	f.refer("--amount", propertyRef, a.Fields...)
	return nil
}

// noAmount refuses --amount on a command that reads none, rather than
// ignoring it.
func (f *InputFlags) noAmount(command string) error {
	if f.Amount != "" {
		return usageErrorf("--amount: %s reads no amounts (revenue, repeat and clv do)", command)
	}
	return nil
}
