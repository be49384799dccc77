package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// format is one kind of input, in the table the reader consults: a
// container holds other inputs (a zip archive); a record format is read
// into events. A new format (Parquet, say) is one more entry.
type format struct {
	name string
	// sniff says whether head, the start of an input, is this format. A
	// container's is the raw input's first bytes; a record format's is
	// the decompressed text's, and the first record format in the table
	// that claims it wins (--input-format names one instead).
	sniff func(head []byte) bool
	// expand lists a container's inputs, read by random access.
	expand func(name string, ra io.ReaderAt, size int64) ([]Input, error)
	// plan maps a record format's fields, from the start of the input
	// (sep: the delimiter of its first line, or the one --input-format
	// implies).
	plan func(opts *Options, keys *keyRegistry, name string, head []byte, sep byte) (*plan, error)
	// framer cuts the input into chunks of whole records; parse reads a
	// chunk's records into a batch.
	framer func(p *plan) framer
	parse  func(w *worker, b *batch, ch *chunk)
	// planAt plans a record format read by random access (Parquet, whose
	// schema is in a footer at the end) instead of plan, and read reads
	// it instead of the framer and parse: row groups, not chunks of text.
	planAt func(opts *Options, keys *keyRegistry, name string, ra io.ReaderAt, size int64) (*plan, error)
	read   func(c *consumer, p *plan, fs *FileStats) error
	// noRecords is the error for an input that has none.
	noRecords func(p *plan) error
}

// formats is every format read, in the order sniffing tries them.
var formats = []*format{
	{name: "zip", sniff: isZip, expand: zipMembers},
	{name: "parquet", sniff: isParquet, planAt: planParquet, read: (*consumer).pqPipeline,
		noRecords: func(p *plan) error {
			return fmt.Errorf("%s: no rows (a Parquet file with a schema and no data)", p.name)
		}},
	{name: "json", sniff: jsonDocument, plan: planJSONDoc, framer: docFramer, parse: (*worker).parseDoc,
		noRecords: func(p *plan) error { return fmt.Errorf("%s: no records (an empty JSON array)", p.name) }},
	{name: "jsonl", sniff: jsonLines, plan: planJSONLines, framer: lineFramer, parse: (*worker).parseLines,
		noRecords: func(p *plan) error { return fmt.Errorf("%s: no records", p.name) }},
	// whitespace-separated text is never sniffed: --delimiter whitespace
	// chooses it, and its scanner (wsScanner)
	{name: "whitespace", sniff: never, plan: planWhitespace, framer: lineFramer, parse: (*worker).parseWhitespace, noRecords: headerOnly},
	{name: "tsv", sniff: tabSeparated, plan: planCSV, framer: csvFramer, parse: (*worker).parseCSV, noRecords: headerOnly},
	{name: "csv", sniff: delimited, plan: planCSV, framer: csvFramer, parse: (*worker).parseCSV, noRecords: headerOnly},
}

// container is the container format whose magic starts an input, or nil.
func container(magic []byte) *format {
	for _, f := range formats {
		if f.expand != nil && f.sniff(magic) {
			return f
		}
	}
	return nil
}

// records says whether f is a record format (not a container).
func (f *format) records() bool { return f.plan != nil || f.planAt != nil }

// recordFormat is the record format of a name, or nil.
func recordFormat(name string) *format {
	for _, f := range formats {
		if f.records() && f.name == name {
			return f
		}
	}
	return nil
}

// planJSONLines plans JSON lines from the first lines.
func planJSONLines(opts *Options, keys *keyRegistry, name string, head []byte, _ byte) (*plan, error) {
	p, err := planJSON(opts, keys, name, splitLines(head, 200))
	if line := bytes.TrimSpace(firstLine(head)); err != nil && firstArrayOfObjects(line) >= 0 {
		// no mapping, and the records wrap arrays of records: pages
		// of an API's responses, one a line
		err = fmt.Errorf("%s: each line is an object wrapping an array of records: read the file with --input-format json", name)
	}
	return p, err
}

// planJSONDoc plans a JSON document from its first records.
func planJSONDoc(opts *Options, keys *keyRegistry, name string, head []byte, _ byte) (*plan, error) {
	sample, err := docSample(name, head, len(head) < peekSize, 200)
	if err != nil {
		return nil, err
	}
	return planJSON(opts, keys, name, sample)
}

func headerOnly(p *plan) error {
	if p.headerless {
		return fmt.Errorf("%s: no data rows (blank lines only)", p.name)
	}
	return fmt.Errorf("%s: header only: no data rows after line %d", p.name, p.startLine-1)
}

// inputFormat decides how to parse an input: as --input-format says ("" or
// auto: by its first bytes), with the separator of its first line. It
// refuses what could only be misread: JSON forced to be read as delimited
// text, and lines that end in a carriage return only.
func inputFormat(name string, head []byte, forced string) (string, byte, error) {
	sniffed, sep := sniffFormat(head)
	sniffedSep := sep
	format := forced
	switch forced {
	case "", "auto":
		format = sniffed
	case "tsv":
		sep = '\t'
	case "csv":
		if sep == '\t' {
			sep = ','
		}
	}
	json := func(f string) bool { return f == "json" || f == "jsonl" }
	switch {
	case sniffed == "parquet" && forced != "" && forced != "auto" && forced != "parquet":
		return "", 0, fmt.Errorf("%s: --input-format %s, but this is a Parquet file; use --input-format parquet, or leave --input-format out", name, forced)
	case forced == "parquet" && sniffed != "parquet":
		return "", 0, fmt.Errorf("%s: --input-format parquet, but this is not Parquet (it does not start with PAR1): it looks like %s; leave --input-format out", name, map[bool]string{true: "JSON", false: separatorName(sniffedSep) + " text"}[json(sniffed)])
	case sniffed == "parquet":
		return "parquet", 0, nil
	case (forced == "csv" || forced == "tsv") && json(sniffed):
		return "", 0, fmt.Errorf("%s: --input-format %s, but this is JSON (it starts with %q); use --input-format %s, or leave --input-format out", name, forced, head[skipWS(head, 0)], sniffed)
	case json(forced) && !json(sniffed) && !bytes.ContainsAny(head[skipWS(head, 0):min(len(head), skipWS(head, 0)+1)], "[{"):
		return "", 0, fmt.Errorf("%s: --input-format %s, but this is not JSON (it starts with %q): it looks like %s text; leave --input-format out", name, forced, firstLine(head)[:min(len(firstLine(head)), 20)], separatorName(sniffedSep))
	case forced == "jsonl" && sniffed == "json":
		return "", 0, fmt.Errorf("%s: --input-format jsonl, but this is one JSON document (an array, or an object spread over lines), not one object per line; use --input-format json, or leave --input-format out", name)
	case forced == "tsv" && bytes.IndexByte(firstLine(head), '\t') < 0 && bytes.IndexByte(firstLine(head), sniffedSep) >= 0:
		return "", 0, fmt.Errorf("%s: --input-format tsv, but the header has no tab: it is %s; use --input-format csv, or leave --input-format out", name, separatorName(sniffedSep))
	}
	// a JSON document may be spread over lines of any ending
	if format != "json" && bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		return "", 0, fmt.Errorf("%s: lines end in a carriage return (CR) only, as on classic Mac OS; convert them to LF first (tr '\\r' '\\n' < old > new)", name)
	}
	return format, sep, nil
}

// separatorName names a delimiter for messages.
func separatorName(sep byte) string {
	switch sep {
	case '\t':
		return "tab-separated"
	case ';':
		return "semicolon-separated"
	case '|':
		return "pipe-separated"
	}
	return "comma-separated"
}

// sniffFormat names the record format of a decompressed input: the first
// in the table whose sniff claims its start. The separator is the most
// frequent of , \t ; | in the first line, whatever the format.
func sniffFormat(head []byte) (format string, sep byte) {
	sep = separator(firstLine(head))
	for _, f := range formats {
		if f.records() && f.sniff(head) {
			return f.name, sep
		}
	}
	return "csv", sep // not reached: delimited text claims anything
}

// jsonDocument says whether head starts one JSON document: '{' whose first
// line is not a whole object (a pretty-printed document) or is the only
// line and wraps an array of objects, or '[' then a JSON value.
func jsonDocument(head []byte) bool {
	i := skipWS(head, 0)
	if i >= len(head) {
		return false
	}
	switch head[i] {
	case '{':
		line := firstLine(head[i:])
		var s jsonScanner
		s.root = newPathNode()
		if s.scan(line) != nil {
			return true // a pretty-printed document
		}
		// one line in all holding {"results": [{…}, …]} is a wrapped
		// array (API responses); several lines are JSON lines, whose
		// records may well hold arrays of objects (GA4 event_params)
		rest := bytes.TrimSpace(head[i+len(line):])
		return len(rest) == 0 && len(head) < peekSize && firstArrayOfObjects(bytes.TrimSpace(line)) >= 0
	case '[':
		// a CSV header may start with [ too: "[user],event,time"
		return jsonValueStart(head[skipWS(head, i+1):])
	}
	return false
}

// jsonLines says whether head starts with an object: JSON lines, when
// jsonDocument (before it in the table) did not claim it.
func jsonLines(head []byte) bool {
	i := skipWS(head, 0)
	return i < len(head) && head[i] == '{'
}

// tabSeparated says whether head's first line has more tabs than commas,
// semicolons or pipes.
func tabSeparated(head []byte) bool { return separator(firstLine(head)) == '\t' }

// delimited claims any input: delimited text is what is left.
func delimited([]byte) bool { return true }

// never claims no input: a format that only a flag chooses.
func never([]byte) bool { return false }

// firstLine is head up to its first line end (LF, or a CR alone).
func firstLine(head []byte) []byte {
	if j := bytes.IndexAny(head, "\r\n"); j >= 0 {
		return head[:j]
	}
	return head
}

// jsonValueStart says whether b starts with a JSON value, or ends an array.
func jsonValueStart(b []byte) bool {
	if len(b) == 0 {
		return true // "[" alone: an array cut short
	}
	switch c := b[0]; {
	case strings.IndexByte("{[]\"-", c) >= 0, c >= '0' && c <= '9':
		return true
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(b, []byte(lit)) {
			return true
		}
	}
	return false
}

func separator(line []byte) byte {
	best, bestN := byte(','), 0
	for _, c := range []byte{',', '\t', ';', '|'} {
		if n := countOutsideQuotes(line, c); n > bestN {
			best, bestN = c, n
		}
	}
	return best
}

func countOutsideQuotes(line []byte, c byte) int {
	n, inq := 0, false
	for _, b := range line {
		switch {
		case b == '"':
			inq = !inq
		case b == c && !inq:
			n++
		}
	}
	return n
}

func splitLines(head []byte, n int) [][]byte {
	var out [][]byte
	for len(head) > 0 && len(out) < n {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			// an unterminated last line is only whole when the input ended
			out = append(out, head)
			break
		}
		if line := bytes.TrimSpace(head[:i]); len(line) > 0 {
			out = append(out, line)
		}
		head = head[i+1:]
	}
	return out
}

// framer finds the whole records at the start of buf, whose first byte is
// on line line: it returns where they end (-1: none yet, more input follows;
// with eof, buf is the rest of the input), their spans when it knows them,
// and an error that stops the input after those records.
type framer func(buf []byte, eof bool, line int) (int, []span, error)

// docFramer frames one JSON document: its records' spans, found by a
// splitter that keeps its place in the document from chunk to chunk.
func docFramer(*plan) framer {
	var d docSplitter
	return d.split
}

func lineFramer(*plan) framer { return whole(lineBoundary) }

func csvFramer(p *plan) framer {
	return whole(func(b []byte) int { return csvBoundary(b, p.sep) })
}

// whole makes a framer of a boundary function, which finds the end of the
// last whole record (-1: none) of a buffer that more input follows.
func whole(boundary func([]byte) int) framer {
	return func(buf []byte, eof bool, _ int) (int, []span, error) {
		if eof {
			return len(buf), nil, nil
		}
		return boundary(buf), nil, nil
	}
}
