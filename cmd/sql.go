package cmd

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/event"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/metrics/sqlgen"
	"github.com/uptake-dev/uptake/report"
)

// SQLOptions are the flags of `uptake sql METRIC`: the metric's own
// settings and reporting flags, and where the query goes.
type SQLOptions struct {
	IO       *IOStreams
	Metric   metrics.Metric
	Report   ReportFlags
	Settings any
	Dialect  string
	Table    string
	Dedup    string
	Vendor   string
	// FromResult is a file holding the query's result (CSV with a header);
	// Run a database to run the query on.
	FromResult, Run string
	Output          string
}

const sqlLong = `Print the metric as one SQL query for a warehouse or an analytical database,
with the same definitions uptake applies to a file: the same anchors, windows
(end included), calendar periods in --tz with their week start, censoring at
--as-of, and activity that leaves internal events out (docs/sql.md).

The query reads a relation (--table, default events) with the columns user_id,
event and ts (the event's instant in UTC: TIMESTAMPTZ in DuckDB and Postgres,
DateTime64 in ClickHouse, TIMESTAMP in BigQuery, TIMESTAMP_TZ in Snowflake),
plus the property columns the metric's flags name. Its rows are those of the
metric's --format csv, without the interval columns.

Run it with --run DSN (PostgreSQL, or ClickHouse over HTTP), or read a result
back with --from-result FILE (the query's result saved as CSV with a header),
to get uptake's output for it — the JSON envelope, the tables,
Markdown — with the intervals and warnings the Go engine adds.

A flag the query cannot express is a usage error, never a different query.
DuckDB, ClickHouse and PostgreSQL queries are run against uptake's own results
in CI; BigQuery and Snowflake queries are checked as text only.`

// NewCmdSQL builds sql, with one subcommand per metric that writes itself
// as SQL (metrics.Def.SQL).
func NewCmdSQL(ios *IOStreams, runF func(*SQLOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sql METRIC [flags] --dialect " + strings.Join(sqlgen.Names(), "|"),
		Short: "The same metric as one SQL query, for a warehouse",
		Long:  sqlLong + "\n\nMetrics: " + strings.Join(metrics.SQLMetrics(), ", ") + ".",
		Example: `  uptake sql retention --period week --dialect duckdb > retention.sql
  duckdb events.db -csv < retention.sql > result.csv
  uptake sql retention --period week --dialect duckdb --from-result result.csv
  uptake sql activation --activation-event report_created --within 7d --dialect clickhouse --table analytics.events`,
		GroupID: "data",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageErrorf("sql %q: no such metric as SQL; sql writes %s", args[0], strings.Join(metrics.SQLMetrics(), ", "))
		},
	}
	for _, m := range metrics.Registry {
		if m.HasSQL() {
			cmd.AddCommand(newCmdSQLMetric(ios, m, runF))
		}
	}
	return cmd
}

func newCmdSQLMetric(ios *IOStreams, m metrics.Metric, runF func(*SQLOptions) error) *cobra.Command {
	info := m.About()
	opts := &SQLOptions{IO: ios, Metric: m, Settings: m.NewSettings()}
	use := strings.TrimSpace(strings.TrimPrefix(info.Use, "[FILE...]"))
	cmd := &cobra.Command{
		Use:   info.Name + " " + use + " --dialect D",
		Short: info.Short + ", as SQL",
		Long:  info.Long + "\n\nAs SQL: " + info.SQLHelp + "\n\n" + sqlLong,
		Args:  cobra.NoArgs,
	}
	opts.Report.add(cmd, info.ActiveEvents)
	check := bindSettings(cmd, opts.Settings, info.FlagUsage)
	for _, group := range info.Exclusive {
		cmd.MarkFlagsMutuallyExclusive(group...)
	}
	f := cmd.Flags()
	enumFlag(cmd, &opts.Dialect, "dialect", "", append([]string{""}, sqlgen.Names()...), "SQL dialect of the query")
	f.StringVar(&opts.Table, "table", "events", "The relation to read: user_id, event, ts and the property columns the flags name (schema.table works)")
	enumFlag(cmd, &opts.Dedup, "dedup", "off", []string{"off", "exact"}, "Take the table's rows as they are, or drop rows that repeat a user, event and time")
	f.StringVar(&opts.Vendor, "vendor", "", "The vendor whose export the table holds, for its internal events (amplitude, ga4, snowplow…): they are not activity")
	f.StringVar(&opts.FromResult, "from-result", "", "Read the query's result from `file` (CSV with a header; - for stdin) and print uptake's output for it")
	f.StringVar(&opts.Run, "run", "", "Run the query on this database and print uptake's output for its result: postgres://user@host/db, or clickhouse://user@host:8123/db (its HTTP interface)")
	f.StringVarP(&opts.Output, "output", "o", "", "Write the query to `file` instead of stdout")
	cmd.MarkFlagsMutuallyExclusive("from-result", "output", "run")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := check(); err != nil {
			return &usageError{err}
		}
		if err := m.Validate(opts.Settings); err != nil {
			return &usageError{err}
		}
		if runF != nil {
			return runF(opts)
		}
		return runSQL(opts)
	}
	return cmd
}

func runSQL(opts *SQLOptions) error {
	r := &opts.Report
	if err := r.resolve(); err != nil {
		return err
	}
	if opts.Dialect == "" {
		return usageErrorf("--dialect is required: one of %s", strings.Join(sqlgen.Names(), ", "))
	}
	d, err := sqlgen.Lookup(opts.Dialect)
	if err != nil {
		return &usageError{err}
	}
	switch {
	case r.By != "":
		return usageErrorf("--by: sql writes the overall figures only; group the relation yourself, or run uptake on an export")
	case r.UsersOut != "":
		return usageErrorf("--users-out: sql returns the figures, not the per-user rows")
	}
	internal, ok := ingest.InternalEvents(opts.Vendor)
	if !ok {
		return usageErrorf("--vendor %q: want one of %s", opts.Vendor, strings.Join(ingest.VendorNames(), ", "))
	}
	c := &metrics.SQLContext{D: d, Table: opts.Table, TZ: r.TZ, Loc: r.loc, From: r.from, To: r.to, Since: r.sinc, AsOf: r.asOf,
		ActiveEvents: r.ActiveEvents, Internal: internal, Exact: opts.Dedup == "exact", Level: r.Conf}
	// a selector is read by uptake's reader, which the relation has passed
	needs := opts.Metric.NeedsOf(opts.Settings)
	refs := append(needs.Refs, metrics.Ref{Flag: "--active-event", Names: r.ActiveEvents})
	if needs.Answers != nil {
		refs = append(refs, metrics.Ref{Flag: "--event", Names: []string{needs.Answers.Event}})
	}
	for _, ref := range refs {
		for _, e := range ref.Names {
			if !ref.Property && event.IsSelector(e) {
				return usageErrorf("%s %q: event selectors are uptake's and not written into SQL; filter the relation in a view and name its event instead", ref.Flag, e)
			}
		}
	}
	query, err := opts.Metric.SQLOf(c, opts.Settings)
	if err != nil {
		return &usageError{err}
	}
	var rows *metrics.QueryRows
	switch {
	case opts.Run != "":
		rows, err = runQuery(context.Background(), opts.Dialect, opts.Run, query)
	case opts.FromResult != "":
		rows, err = readQueryResult(opts.IO, opts.FromResult)
	default:
		if err := writeOutput(opts.IO, opts.Output, query); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	return writeSQLResult(opts, rows)
}

// readQueryResult reads a query's result saved as CSV with a header.
func readQueryResult(ios *IOStreams, path string) (*metrics.QueryRows, error) {
	var in io.Reader = ios.In
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in, name = f, path
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty: want the query's result as CSV with a header row", name)
	}
	q := &metrics.QueryRows{Columns: recs[0], Rows: recs[1:], Source: name}
	for i, c := range q.Columns {
		q.Columns[i] = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
	}
	return q, nil
}

// writeSQLResult prints uptake's output for a query's result rows.
func writeSQLResult(opts *SQLOptions, rows *metrics.QueryRows) error {
	r := &opts.Report
	run := &metrics.Run{Loc: r.loc, Level: r.Conf, By: "", Range: metrics.Range{AsOf: math.MaxInt64}}
	// as_of: --as-of, or the one the query computed (its last column)
	at, rule := r.asOf, "--as-of"
	if at == nil {
		rule = "1 µs after the last event (computed by the query)"
		t, ok, err := rows.AsOf()
		if err != nil {
			return err
		}
		if ok {
			at = &t
			if t.Equal(t.Truncate(24 * time.Hour)) {
				rule = "start of the day after the last date (the times are dates only; computed by the query)"
			}
		}
	}
	asOf := ""
	var asOfParam any
	if at != nil {
		run.Range.AsOf = at.UnixNano()
		asOf = at.In(r.loc).Format(time.RFC3339Nano)
		asOfParam = at.UTC().Format(time.RFC3339Nano)
	}
	run.AsOf = asOf
	if r.from != nil {
		v := r.from.UnixNano()
		run.Range.From = &v
	}
	if r.to != nil {
		v := r.to.UnixNano()
		run.Range.To = &v
	}
	if r.sinc != nil {
		v := r.sinc.UnixNano()
		run.Since = &v
	}
	res, err := opts.Metric.EvaluateRows(run, opts.Settings, rows)
	if err != nil {
		return err
	}
	params, err := paramsMap(res.Params)
	if err != nil {
		return err
	}
	for k, v := range map[string]any{"tz": r.TZ, "conf": r.Conf, "by": r.By, "from": nullable(r.from), "to": nullable(r.to),
		"since": nullable(r.sinc), "as_of": asOfParam, "as_of_rule": rule, "dialect": opts.Dialect, "table": opts.Table} {
		params[k] = v
	}
	if opts.Metric.About().ActiveEvents {
		active := r.ActiveEvents
		if active == nil {
			active = []string{}
		}
		params["active_events"] = active
	}
	env := report.Envelope{Metric: opts.Metric.About().Name, Params: params,
		Input: report.Input{Files: []string{rows.Source}, Format: "sql-result", Vendor: opts.Vendor, Rows: int64(len(rows.Rows))},
		AsOf:  asOf, TZ: r.TZ, Result: res.Value, Warnings: metricWarnings(res.Warnings)}
	return r.Out.write(opts.IO, env, res.Doc, r.loc)
}
