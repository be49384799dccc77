package ingest

import (
	"bytes"
	"fmt"
	"strings"
)

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

// sniffFormat looks at the start of a decompressed input: '{' is JSON lines
// (or one JSON document when the first line is not a whole object), '[' then
// a JSON value a JSON array, anything else delimited text. The separator
// is the most frequent of , \t ; | in the first line, whatever the format.
func sniffFormat(head []byte) (format string, sep byte) {
	sep = separator(firstLine(head))
	i := skipWS(head, 0)
	if i < len(head) {
		switch head[i] {
		case '{':
			line := firstLine(head[i:])
			var s jsonScanner
			s.root = newPathNode()
			if s.scan(line) != nil {
				return "json", sep // a pretty-printed document
			}
			// one line in all holding {"results": [{…}, …]} is a wrapped
			// array (API responses); several lines are JSON lines, whose
			// records may well hold arrays of objects (GA4 event_params)
			rest := bytes.TrimSpace(head[i+len(line):])
			if len(rest) == 0 && len(head) < peekSize && firstArrayOfObjects(bytes.TrimSpace(line)) >= 0 {
				return "json", sep
			}
			return "jsonl", sep
		case '[':
			// a CSV header may start with [ too: "[user],event,time"
			if jsonValueStart(head[skipWS(head, i+1):]) {
				return "json", sep
			}
		}
	}
	if sep == '\t' {
		return "tsv", sep
	}
	return "csv", sep
}

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

func (p *plan) framer() framer {
	switch p.format {
	case "json":
		var d docSplitter
		return d.split
	case "jsonl":
		return whole(lineBoundary)
	}
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
