// Package cmd is uptake's command-line wiring: each command parses its flags
// into an options struct and hands it to a run function that calls ingest,
// metrics and report. Nothing here computes a metric.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// Exit codes.
const (
	ExitOK    = 0 // success, including an empty result
	ExitError = 1 // data or runtime error, or a failed check
	ExitUsage = 2 // bad flags or arguments
)

// Version is the program version.
var Version = "0.1.0-dev"

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// runError marks errors returned from inside a RunE.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

func markRunErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				return &runError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

const rootLong = `uptake computes product metrics from raw event exports — CSV, TSV, JSON lines
or JSON arrays, plain, gzipped or zipped, from a warehouse or an analytics
vendor — and prints tables for people and JSON, CSV or Markdown for scripts.

Try it with no data of your own: every reading command takes --demo, which reads
the sample SaaS export built into the binary (see 'uptake demo'); 'uptake report
--demo' computes every metric of it in one read.

A team keeps its definitions in a config file (docs/config.md): 'uptake init'
writes a starter one for an export, 'uptake report --config FILE' computes all
its metrics from one read (table, JSON, Markdown or an HTML page with charts),
and every metric command takes --config FILE --metric NAME.

EXIT STATUS
  0  success (an empty result is a success)
  1  data or runtime error: unreadable file, bad row, failed check
  2  usage error: unknown command or flag, bad flag value, wrong arguments

Data goes to stdout; progress, warnings and errors go to stderr. Text for
people (tables, Markdown, warnings, errors) shows control characters in the
data as escapes such as \x1b and \n; CSV text cells starting with = + - @, tab
or CR get a leading ' so that spreadsheets do not run them (--csv-raw: bytes as
they came).

ENVIRONMENT
  NO_COLOR      no colour in tables
  UPTAKE_DEBUG  set to print the stack trace of an internal error`

// NewRootCmd builds the whole command tree around ios.
func NewRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:               "uptake <command> [flags]",
		Short:             "Product metrics from raw event exports",
		Long:              rootLong,
		SilenceErrors:     true,
		SilenceUsage:      true,
		Version:           Version,
		DisableAutoGenTag: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	var noColor bool
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "Disable colour in tables")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if noColor {
			ios.NoColor = true
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddGroup(
		&cobra.Group{ID: "metrics", Title: "Metric commands:"},
		&cobra.Group{ID: "data", Title: "Data commands:"},
	)
	root.SetHelpCommandGroupID("data")
	root.SetCompletionCommandGroupID("data")
	root.AddCommand(
		NewCmdInspect(ios, nil),
		NewCmdDemo(ios, nil),
		NewCmdReport(ios, nil),
		NewCmdCheck(ios, nil),
		NewCmdInit(ios, nil),
		NewCmdSQL(ios, nil),
		NewCmdNormalize(ios, nil),
		newCmdGenDocs(ios),
	)
	for _, m := range metrics.Registry {
		root.AddCommand(NewCmdMetric(ios, m, nil))
	}
	root.AddCommand(NewCmdCompare(ios, nil))
	markRunErrors(root)
	return root
}

// Main runs uptake with args and returns the exit code. It is the only place
// that decides exit codes and prints errors.
func Main(ios *IOStreams, args []string) int {
	return execute(ios, NewRootCmd(ios), args)
}

// execute runs root with args. A panic becomes an internal error, exit 1;
// stdout has nothing of it, since results are written whole once rendered.
func execute(ios *IOStreams, root *cobra.Command, args []string) (code int) {
	defer func() {
		if v := recover(); v != nil {
			code = internalError(ios, v, debug.Stack())
		}
	}()
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(context.Background())
	if err == nil {
		return ExitOK
	}
	if p := (*ingest.Panic)(nil); errors.As(err, &p) {
		return internalError(ios, p.Value, p.Stack) // caught on a parsing goroutine
	}
	fmt.Fprintf(ios.ErrOut, "uptake: %s\n", errorText(err))
	var re *runError
	var ue *usageError
	if errors.As(err, &re) && !errors.As(err, &ue) {
		return ExitError
	}
	fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return ExitUsage
}

// suggestHead starts the list of commands cobra suggests after an unknown
// command.
const suggestHead = "\n\nDid you mean this?\n"

// errorText is err as one line escaped with report.Safe, since messages
// quote file names, values and arguments that may hold control characters.
// Only cobra's suggestions after an unknown command keep their lines: the
// command before them is quoted, so the first suggestHead is cobra's own.
func errorText(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command ") {
		if head, list, ok := strings.Cut(msg, suggestHead); ok {
			return report.Safe(head) + suggestHead + report.SafeLayout(list)
		}
	}
	var le linesError
	if errors.As(err, &le) && strings.HasSuffix(msg, le.Error()) {
		lines := make([]string, len(le))
		for i, l := range le {
			lines[i] = report.Safe(l)
		}
		return report.Safe(strings.TrimSuffix(msg, le.Error())) + strings.Join(lines, "\n")
	}
	return report.Safe(msg)
}

// linesError is an error of several messages, one a line (every misspelled
// name of a command, say): each line is escaped on its own.
type linesError []string

func (e linesError) Error() string { return strings.Join(e, "\n") }

// IssuesURL is where bugs are reported.
const IssuesURL = "https://github.com/uptake-dev/uptake/issues"

// internalError reports a panic: a bug, never the user's fault. The stack
// is printed only with UPTAKE_DEBUG set (IOStreams.Debug), since it means
// nothing to most users and is long.
func internalError(ios *IOStreams, v any, stack []byte) int {
	fmt.Fprintf(ios.ErrOut, "uptake: internal error: %s\n", report.Safe(fmt.Sprint(v)))
	fmt.Fprintf(ios.ErrOut, "This is a bug in uptake %s. Please report it at %s with the command line you ran", Version, IssuesURL)
	if !ios.Debug {
		fmt.Fprintln(ios.ErrOut, " and the stack trace that UPTAKE_DEBUG=1 prints.")
		return ExitError
	}
	fmt.Fprintf(ios.ErrOut, " and this stack trace:\n%s", stack)
	return ExitError
}
