package cmd

import (
	"encoding/csv"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
)

// NormalizeOptions are the flags of `uptake normalize`.
type NormalizeOptions struct {
	IO     *IOStreams
	Input  InputFlags
	Props  []string
	Output string
	Args   []string
}

// NewCmdNormalize builds `uptake normalize`: the events as uptake reads
// them, as the relation uptake sql queries.
func NewCmdNormalize(ios *IOStreams, runF func(*NormalizeOptions) error) *cobra.Command {
	opts := &NormalizeOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "normalize [FILE...] [-o events.csv]",
		Short: "Write the events as uptake reads them: the table uptake sql queries",
		Long: `Read an export as every metric command does — vendor and format detected,
columns mapped, timestamps in UTC, duplicates dropped, identities stitched,
--where applied — and write its events as one CSV table with the columns
user_id, event, ts (RFC 3339, UTC) and the properties --props names.

This is the relation 'uptake sql' reads (docs/sql.md): load it into DuckDB,
ClickHouse, PostgreSQL or a warehouse, and the queries uptake prints compute
the same numbers as uptake on the export. Cells are written as they are (no
spreadsheet escaping): the file is for a database.

--props all writes every property the rows carry; it reads the input twice,
so it needs files, not stdin.`,
		Example: `  uptake normalize export.jsonl --props plan,score -o events.csv
  duckdb -c "CREATE TABLE events AS SELECT * FROM read_csv('events.csv')" warehouse.db
  uptake normalize --demo --props all -o demo.csv`,
		GroupID: "data",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runNormalize(opts)
		},
	}
	opts.Input.add(cmd)
	cmd.Flags().StringSliceVar(&opts.Props, "props", nil, "Property `names` to write as columns (comma-separated), or all")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Write the table to `file` instead of stdout")
	return cmd
}

func runNormalize(opts *NormalizeOptions) error {
	props := opts.Props
	if slices.Contains(props, "all") {
		if len(props) > 1 {
			return usageErrorf("--props all writes every property; name no others beside it")
		}
		if slices.Contains(opts.Args, "-") || (len(opts.Args) == 0 && !opts.Input.Demo) {
			return usageErrorf("--props all reads the input twice: give files, not stdin")
		}
		d, err := opts.Input.read(opts.IO, opts.Args, ingest.Need{PropertyStats: true}, nil, nil)
		if err != nil {
			return err
		}
		props = nil
		for _, p := range d.Stats.Props {
			if p.Name != "(other)" {
				props = append(props, p.Name)
			}
		}
	}
	for _, p := range props {
		if slices.Contains([]string{"user_id", "event", "ts"}, p) {
			return usageErrorf("--props %s: the table already has a column %s", p, p)
		}
	}
	opts.Input.refer("--props", propertyRef, props...)
	d, err := opts.Input.read(opts.IO, opts.Args, ingest.Need{AllEvents: true, EventProps: props}, nil, nil)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(append([]string{"user_id", "event", "ts"}, props...))
	row := make([]string, 3+len(props))
	for i, e := range d.Events.All() {
		row[0], row[1] = d.Users[e.User], d.Names[e.Name]
		row[2] = time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano)
		k := d.DetailOf(i)
		for j, p := range props {
			row[3+j] = ""
			if k >= 0 {
				row[3+j] = d.EventProps[p][k]
			}
		}
		_ = w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return writeOutput(opts.IO, opts.Output, b.String())
}
