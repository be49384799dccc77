package ingest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// delimiters are the Options.Delimiter values and the names that spell
// them (--delimiter); the first name of each is its canonical one.
var delimiters = []struct {
	sep   string
	names []string
}{
	{",", []string{",", "comma"}},
	{"\t", []string{"tab", "\t", `\t`}},
	{";", []string{";", "semicolon"}},
	{"|", []string{"|", "pipe"}},
	{Whitespace, []string{Whitespace}},
}

// DelimiterNames are the canonical --delimiter values.
func DelimiterNames() []string {
	out := make([]string, len(delimiters))
	for i, d := range delimiters {
		out[i] = d.names[0]
	}
	return out
}

// ParseDelimiter turns a --delimiter value into an Options.Delimiter: ""
// (or auto) to sniff, a separator byte as a string, or Whitespace. Names are
// case-insensitive.
func ParseDelimiter(s string) (string, error) {
	if s == "" || strings.EqualFold(s, "auto") {
		return "", nil
	}
	for _, d := range delimiters {
		for _, n := range d.names {
			if strings.EqualFold(s, n) {
				return d.sep, nil
			}
		}
	}
	return "", fmt.Errorf(`valid values are auto, "," (comma), tab, ";" (semicolon), "|" (pipe) and whitespace`)
}

// DelimiterName is the canonical name of an Options.Delimiter ("auto" for
// none): what --delimiter and a config's delimiter: hold.
func DelimiterName(sep string) string {
	for _, d := range delimiters {
		if d.sep == sep {
			return d.names[0]
		}
	}
	return "auto"
}

// CheckColumns checks the Options.Columns of a file without a header row:
// every name given, none twice.
func CheckColumns(cols []string) error {
	seen := map[string]int{}
	for i, c := range cols {
		switch {
		case strings.TrimSpace(c) == "":
			return fmt.Errorf("column %d has no name (every column needs one)", i+1)
		case !utf8.ValidString(c):
			return fmt.Errorf("column %d: the name is not valid UTF-8", i+1)
		}
		if j, dup := seen[c]; dup {
			return fmt.Errorf("%q names columns %d and %d (each name once)", c, j+1, i+1)
		}
		seen[c] = i
	}
	return nil
}

// delimitedAs applies Delimiter and Columns to the format and separator
// inputFormat chose for file: both are for delimited text only, and
// Delimiter overrides the sniffed separator.
func (o *Options) delimitedAs(file, format string, sep byte) (string, byte, error) {
	if format == "parquet" {
		switch {
		case o.Delimiter != "":
			return "", 0, fmt.Errorf("%s: --delimiter %s: this is a Parquet file, which has no delimiter; leave --delimiter out for it", file, DelimiterName(o.Delimiter))
		case len(o.Columns) > 0:
			return "", 0, fmt.Errorf("%s: --header none: this is a Parquet file, whose schema names its columns; leave --header and --columns out for it", file)
		}
		return format, 0, nil
	}
	if format == "json" || format == "jsonl" {
		switch {
		case o.Delimiter != "":
			return "", 0, fmt.Errorf("%s: --delimiter %s: this is JSON, which has no delimiter; leave --delimiter out for it", file, DelimiterName(o.Delimiter))
		case len(o.Columns) > 0:
			return "", 0, fmt.Errorf("%s: --header none: this is JSON, whose records name their own fields; leave --header and --columns out for it", file)
		}
		return format, sep, nil
	}
	switch o.Delimiter {
	case "":
		return format, sep, nil
	case Whitespace:
		return "whitespace", 0, nil
	case "\t":
		return "tsv", '\t', nil
	}
	return "csv", o.Delimiter[0], nil
}
