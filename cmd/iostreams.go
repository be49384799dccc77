package cmd

import (
	"bytes"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// IOStreams bundles the process's standard streams with the facts that
// change how output is rendered. Commands never touch os.Stdout directly.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdoutTTY bool // bordered tables and colour on stdout
	// Width is the terminal's width in columns (0: not a terminal, or
	// unknown), which long tables are cut to.
	Width     int
	StderrTTY bool // progress on stderr
	NoColor   bool // NO_COLOR set, TERM=dumb, or --no-color
	Debug     bool // UPTAKE_DEBUG set: internal errors print their stack

	// Now is the time of the run (nil: the clock), against which events
	// dated in the future are counted.
	Now func() time.Time
	// Getenv reads the environment (nil: an empty one), for what a
	// command takes from its CI system ($GITHUB_STEP_SUMMARY).
	Getenv func(string) string
}

func (s *IOStreams) getenv(key string) string {
	if s.Getenv == nil {
		return ""
	}
	return s.Getenv(key)
}

func (s *IOStreams) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// System binds IOStreams to the real process.
func System() *IOStreams {
	width, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		width = 0
	}
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		Width:     width,
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		NoColor:   os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb",
		Debug:     os.Getenv("UPTAKE_DEBUG") != "",
		Getenv:    os.Getenv,
	}
}

// Test returns IOStreams backed by buffers: not a terminal, no colour.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, NoColor: true}, in, out, errOut
}

// Color reports whether stdout may carry ANSI colour.
func (s *IOStreams) Color() bool { return s.StdoutTTY && !s.NoColor }
