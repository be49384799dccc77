// Package ingest turns event exports (CSV, TSV, JSON lines, JSON arrays;
// plain or gzipped; files or stdin) into compact, normalized events: an
// interned user, an interned event name and a Unix-nanosecond time, plus the
// properties a command asked for.
//
// It streams: memory grows with distinct users and with the events a command
// keeps, not with the rows read. It does no metric arithmetic and prints
// nothing; errors name the file and line ("file:line: column "x": …").
package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"time"

	"github.com/uptake-dev/uptake/event"
)

// DedupMode is the --dedup setting.
type DedupMode string

// Dedup modes (--dedup).
const (
	DedupAuto  DedupMode = "auto"  // drop repeats of the export's event id
	DedupExact DedupMode = "exact" // also drop identical (user, event, time)
	DedupOff   DedupMode = "off"
)

// Options controls Read. The zero value reads with auto detection, fails on
// the first bad row, dedups by event id and keeps no events.
type Options struct {
	Format    string // auto (""), csv, tsv, jsonl, json
	UserCol   string
	EventCol  string
	TimeCol   string
	EventName string // every row is this event (files without an event column)
	// Amount, when set with Need.Amounts, is read from every row that has
	// it; a value that is not a number is a bad row.
	Amount *Amount
	// Delimiter overrides the separator sniffed from delimited text: ",",
	// "\t", ";", "|" or Whitespace (ParseDelimiter); "" sniffs.
	Delimiter string
	// Columns, when set, name the columns of delimited text without a
	// header row: every line is data (--header none --columns).
	Columns []string
	Where   []Filter
	// Selectors add, for each row they match, an event named by the
	// selector (Selector); their names go in Need.Events to be kept.
	Selectors []Selector
	// AssumeTZ is the zone of timestamps written without one (default UTC).
	AssumeTZ *time.Location
	// SourceTZ, when set, is the zone whose wall clock epoch numbers in the
	// time column count (Mixpanel projects created before 2023 export
	// project time as if it were UTC).
	SourceTZ    *time.Location
	SkipInvalid bool
	Dedup       DedupMode
	// Since and Until bound the events read to [Since, Until) when non-nil.
	Since, Until *time.Time
	Need         Need
	Progress     *Progress
	Workers      int // parse goroutines; 0 = GOMAXPROCS
	// Identity is "stitch" (default: anonymous ids linked to exactly one
	// user are merged into that user) or "raw" (anonymous ids stay users).
	Identity string
	// Now is the time of reading: events dated after it are counted in
	// Stats.Future. Zero: not counted.
	Now time.Time
	// Users, when set, is a table of user properties (--users): the
	// Need.UserProps it has columns for are its values, whatever the events
	// carry; with its KeyCol (--user-key) every user id is replaced by its
	// row's key as it is read.
	Users *UserTable
}

// Need declares what a command uses, so that nothing else is kept. It is
// the event package's (an alias: commands name it ingest.Need).
type Need = event.Need

// internalEvents are identity calls and engagement pings that are not user
// activity, whatever the vendor (docs/formats.md#internal-events); vendors add their own.
var internalEvents = []string{"$identify", "$create_alias", "$merge", "$groupidentify", "$set", "$set_once",
	"$feature_flag_called", "$pageleave", "$mp_session_record"}

// DetailOf returns the index of kept event i's values in EventProps' lists
// and EventSources, or -1 when it has none (Need.DetailEvents).
func (d *Dataset) DetailOf(i int) int {
	if d.EventDetail == nil {
		return i
	}
	return int(d.EventDetail[i])
}

// Dataset is what Read returns.
type Dataset struct {
	Users  []string
	Names  []string
	Events event.Events // kept events, in input order
	// EventProps holds, per Need.EventProps name, one value per kept event.
	EventProps map[string][]string
	// UserProps holds, per Need.UserProps name, one value per user ("" = never seen).
	UserProps map[string][]string
	// UserPropsMixed holds, per Need.UserProps name, per user whether the
	// user's rows carried more than one distinct non-empty value (a user
	// seen in several experiment variants).
	UserPropsMixed map[string][]bool
	// UserPropsAt holds, per Need.UserProps name, per user the time of the
	// earliest row that carried their value (a variant's exposure), or
	// math.MinInt64 when no row did (no value, or one from the users table).
	UserPropsAt map[string][]int64
	// Amounts is the --amount per kept event with details (NaN: the row
	// has none), with Need.Amounts; indexed like EventSources.
	Amounts []float64
	// EventSources is "file:line" per kept event, with Need.EventSources.
	EventSources []string
	// EventDetail, with Need.DetailEvents, is per kept event the index of
	// its values in EventProps' lists and EventSources, or -1 (see
	// DetailOf); without, those lists run parallel to Events.
	EventDetail []int32
	// FirstSeen and LastSeen are each user's earliest and latest event time
	// (over every event read, not only kept ones).
	FirstSeen, LastSeen []int64
	// Internal lists the event names read that are not user activity.
	Internal []string
	// Table is Options.Users, joined.
	Table *UserTable
	Stats Stats
}

// Stats describes what was read.
type Stats struct {
	Files []FileStats
	Counts
	// Naive counts events whose timestamp had no zone and were read in
	// AssumeTZ (or the vendor's zone); dates without a time of day are not
	// counted (see DatesOnly).
	Naive int64
	// Nonexistent and Ambiguous count events whose wall time a change of
	// offset skips or repeats in the zone it was read in (see timeGap,
	// timeOverlap), with the first of each as "file:line: value".
	Nonexistent, Ambiguous             int64
	NonexistentSample, AmbiguousSample string
	// DatesOnly: every event's time was a date without a time of day;
	// NextDay is then the start of the day after the last date, in the zone
	// the dates were read in (the natural end of observed data).
	DatesOnly bool
	NextDay   int64
	// Early and Future count events dated before 2005 or after
	// Options.Now: a wrong time column, epoch unit or zone, more often
	// than real events (docs/formats.md#implausible-dates). Suspect says whether the early
	// ones are: some events are later, or some fall before 1980 (near the
	// epoch's zero). A history all before 2005 (CDNOW's 1997-98
	// purchases) is not suspect.
	Early, Future int64
	SuspectEarly  bool
	First, Last   int64 // time range of the events (valid when Events > 0)
	// NameCounts and NameUsers are per event name: events and distinct
	// users (with Need.NameUsers; nil otherwise).
	NameCounts []int64
	NameUsers  []int64
	Props      []PropStat
	// PropNames is the number of distinct property names met (with
	// Need.PropertyStats); past MaxPropertyNames the later ones share
	// "(other)". It is a lower bound when PropNamesAtLeast.
	PropNames        int
	PropNamesAtLeast bool
	// SkipSamples are the first few messages of skipped rows.
	SkipSamples []string
	Identity    IdentityStats
	// NotInTable counts the users that Options.Users has no row for: their
	// table properties are empty.
	NotInTable int64
}

// IdentityStats says how anonymous ids were resolved.
type IdentityStats struct {
	Mode          string `json:"mode"`
	Merged        int64  `json:"merged"`         // anonymous ids merged into one known user
	AnonymousOnly int64  `json:"anonymous_only"` // anonymous ids never linked: users of their own
	Ambiguous     int64  `json:"ambiguous"`      // anonymous ids linked to several users: not merged
}

// Counts are row tallies. Rows = Events + Skipped + Filtered + MissingUser +
// Duplicates + OutOfRange.
type Counts struct {
	Rows    int64 // data records read
	Events  int64 // events that went on to the metrics
	Skipped int64 // invalid rows skipped (--on-invalid skip)
	// SkippedLines are the physical lines of the skipped rows: more than
	// Skipped when a skipped record spanned lines (a quoted newline, a
	// pretty-printed JSON record), so no line is lost unsaid.
	SkippedLines int64
	Filtered     int64 // rows --where left out
	MissingUser  int64 // rows with an empty user id
	Duplicates   int64 // rows dropped by dedup
	OutOfRange   int64 // events before --since or at/after --as-of
	Links        int64 // identity-only records (Segment identify, …): links, not events
}

func (c *Counts) add(o Counts) {
	c.Rows += o.Rows
	c.Events += o.Events
	c.Skipped += o.Skipped
	c.SkippedLines += o.SkippedLines
	c.Filtered += o.Filtered
	c.MissingUser += o.MissingUser
	c.Duplicates += o.Duplicates
	c.OutOfRange += o.OutOfRange
	c.Links += o.Links
}

// FileStats describes one input.
type FileStats struct {
	Name        string
	Format      string // csv, tsv, whitespace, jsonl, json
	Compression string // gzip or ""
	Delimiter   string // its separator, or Whitespace
	NoHeader    bool   // no header row: the columns are Options.Columns
	Vendor      string
	// Detected says why the vendor was chosen (or that none matched).
	Detected string
	Mapping  Mapping
	// ServerOffset, when the vendor records when its servers received each
	// event (Mixpanel's mp_processing_time_ms), is the median of that minus
	// the event time over the file's first records. Hours mean the event
	// times are in another zone (a legacy Mixpanel project: --source-tz).
	ServerOffset *ServerOffset
	// Renamed are the CSV columns whose header repeats an earlier one's.
	Renamed []ColumnRename
	Counts
	Content *ContentDigest // see SameFiles
}

// ServerOffset is the median gap between a vendor's server-side time and
// the event time.
type ServerOffset struct {
	Field   string        // the server-time field
	Median  time.Duration // server time minus event time
	Records int           // records it is the median of
}

// PropStat is the number of kept events carrying a non-empty property.
type PropStat struct {
	Name string
	Rows int64
}

// RowError is a bad record.
type RowError struct {
	File   string
	Line   int
	Column string
	Msg    string
	// Row: Line is a row number (Parquet), shown as file:row N
	Row bool
}

func (e *RowError) Error() string {
	at := strconv.Itoa(e.Line)
	if e.Row {
		at = "row " + at
	}
	if e.Column != "" {
		return fmt.Sprintf("%s:%s: column %q: %s", e.File, at, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%s: %s", e.File, at, e.Msg)
}

// chunkSize is how much the reader hands a parse worker at a time, and
// maxRecordSize the longest record accepted. Variables so tests can make
// many small chunks.
var (
	chunkSize     = 1 << 20
	maxRecordSize = 8 << 20
)

var tooLong = fmt.Sprintf("record is longer than %d MiB (binary data, or the wrong format?)", maxRecordSize>>20)

// Read reads every input as one stream of events.
func Read(inputs []Input, opts Options) (*Dataset, error) {
	if opts.Dedup == "" {
		opts.Dedup = DedupAuto
	}
	if opts.AssumeTZ == nil {
		opts.AssumeTZ = time.UTC
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if err := CheckColumns(opts.Columns); err != nil {
		return nil, fmt.Errorf("--columns: %w", err)
	}
	c := newConsumer(opts)
	for _, in := range inputs {
		if err := eachInput(in, c.readInput); err != nil {
			return nil, err
		}
	}
	return c.finish(), nil
}

// ---------------------------------------------------------------------------
// per input: open, sniff, plan, then the parallel pipeline

// randomAccess gives a format read by random access (Parquet) its input:
// the file itself, or, for an input that came as a stream (standard input,
// a zip member, gzip), its bytes read into memory. Progress then counts
// the bytes read from the file rather than those sniffed (before: its
// count before this input).
func (c *consumer) randomAccess(in Input, o *opened, fs *FileStats, before int64) (io.ReaderAt, int64, error) {
	if in.ra != nil && o.compressed == "" {
		fs.Content = randomDigest(in.ra, in.size)
		if prog := c.opts.Progress; prog != nil {
			prog.Bytes.Store(before)
			return countingReaderAt{in.ra, prog}, in.size, nil
		}
		return in.ra, in.size, nil
	}
	data, err := io.ReadAll(o.r)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", in.Name, err)
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

func (c *consumer) readInput(in Input) error {
	var before int64 // Progress.Bytes before this input
	if c.opts.Progress != nil {
		name := in.Name
		c.opts.Progress.File.Store(&name)
		before = c.opts.Progress.Bytes.Load()
	}
	o, err := openInput(in, c.opts.Progress)
	if err != nil {
		return err
	}
	defer o.close()
	head, err := o.r.Peek(peekSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		if len(c.opts.Columns) > 0 {
			return fmt.Errorf("%s: empty file: expected events", in.Name)
		}
		return fmt.Errorf("%s: empty file: expected a header row and events", in.Name)
	}
	fs := FileStats{Name: in.Name, Compression: o.compressed, Vendor: "generic", Content: o.content}
	forced := c.opts.Format
	if IsVendor(forced) {
		if IsSurveyVendor(forced) {
			return fmt.Errorf("%s: --input-format %s: %s is a survey tool; read its export with uptake nps, csat or ces", in.Name, forced, forced)
		}
		forced = "auto"
	}
	name, sep, err := inputFormat(in.Name, head, forced)
	if err != nil {
		return err
	}
	if name, sep, err = c.opts.delimitedAs(in.Name, name, sep); err != nil {
		return err
	}
	f := recordFormat(name)
	if f == nil {
		return fmt.Errorf("%s: unknown input format %q", in.Name, name)
	}
	var p *plan
	if f.planAt != nil {
		ra, size, err := c.randomAccess(in, o, &fs, before)
		if err != nil {
			return err
		}
		p, err = f.planAt(&c.opts, c.keys, in.Name, ra, size)
		if err != nil {
			return err
		}
	} else if p, err = f.plan(&c.opts, c.keys, in.Name, head, sep); err != nil {
		return err
	}
	p.format = f
	if t := c.table; t != nil {
		if err := t.resolve(p.mapping.User.Paths); err != nil {
			return err
		}
		if t.key >= 0 {
			p.table, p.tableCols = t, c.tableCols
		}
	}
	fs.Format = name
	switch {
	case p.sep != 0:
		fs.Delimiter = string(p.sep)
	case name == "whitespace":
		fs.Delimiter = Whitespace
	}
	fs.NoHeader = p.headerless
	if _, err := o.r.Discard(p.headerLen); err != nil {
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	if p.vendor != nil {
		for _, e := range p.vendor.Internal {
			c.internal[e] = true
		}
	}
	fs.Mapping = p.mapping
	fs.Vendor, fs.Detected = p.vendorName(), p.detected
	fs.ServerOffset = p.serverOffset
	fs.Renamed = p.renamed
	read := func() error { return c.pipeline(p, o, &fs) }
	if f.read != nil {
		read = func() error { return f.read(c, p, &fs) }
	}
	if err := read(); err != nil {
		return err
	}
	if fs.Rows == 0 {
		return f.noRecords(p)
	}
	c.stats.Files = append(c.stats.Files, fs)
	return nil
}
