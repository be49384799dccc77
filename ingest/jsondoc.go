package ingest

import (
	"bytes"
	"fmt"
)

// A JSON document — an array of records, an object wrapping one
// ({"results": [...]}), or several of these one after another — is read as a
// stream like JSON lines: the reader cuts it into chunks of whole records, and
// the parse workers read each record with the JSON scanner. Memory is bounded
// by the chunk and record size limits, never by the file's size.
//
// docSplitter finds the records. It checks the document's structure around
// the records (brackets, commas, what follows the end) and matches brackets
// inside each record, so a broken document stops the run at its line: a record
// boundary after a structural error cannot be trusted, so such an error is
// never skipped with --on-invalid skip. What is inside a record (its grammar,
// its fields) is the workers' to check, and a bad record there can be skipped.

// span is one record of a chunk: its bytes and the line it starts on.
type span struct {
	off, end int
	line     int
}

type docPhase uint8

const (
	docStart    docPhase = iota // before a document: '[', '{' or the end of the input
	arrayOpen                   // just after '[': a record or ']'
	arrayNext                   // after a record: ',' or ']'
	arrayComma                  // after ',': a record
	wrapperRest                 // in a wrapper object after its array: more members, then '}'
)

type docSplitter struct {
	phase   docPhase
	wrapper bool // the array being read is a wrapper object's member
	docs    int  // documents begun
	stack   []byte
}

// split finds the whole records in buf, whose first byte is on line line.
// It returns how much of buf it has consumed (the records and the structure
// around them; -1 when buf holds nothing whole yet and more input follows),
// the records' spans, and the first structural error, which stops the
// input: the spans before it are still returned. With eof, buf is the rest
// of the input, and split consumes all of it or fails.
func (d *docSplitter) split(buf []byte, eof bool, line int) (int, []span, error) {
	var spans []span
	at, ln := 0, line // the line of buf[at]
	lineOf := func(i int) int {
		ln += bytes.Count(buf[at:i], nl)
		at = i
		return ln
	}
	end := 0 // consumed so far
	i := 0
	for {
		i = skipWS(buf, i)
		if i >= len(buf) {
			if !eof {
				end = i // whitespace between records holds no state: padding costs no memory
				break
			}
			switch d.phase {
			case docStart:
				return len(buf), spans, nil
			case wrapperRest:
				return d.errAt(end, spans, lineOf(i), "the input ends inside the object around the records (missing '}')")
			}
			return d.errAt(end, spans, lineOf(i), "the input ends inside the array of records (missing ']')")
		}
		c := buf[i]
		switch d.phase {
		case docStart:
			if c == '[' || c == '{' {
				d.docs++
			}
			switch c {
			case '[':
				d.phase, d.wrapper = arrayOpen, false
				i++
			case '{':
				j, arr, err := d.wrapperHead(buf, i, eof)
				if err != nil {
					return d.errAt(end, spans, lineOf(err.at), "%s", err.msg)
				}
				if j < 0 {
					return d.more(end, spans)
				}
				if arr {
					d.phase, d.wrapper = arrayOpen, true
				} else { // an object with no array of records is one record
					spans = append(spans, span{off: i, end: j, line: lineOf(i)})
				}
				i = j
			default:
				what := "expected a JSON array or object"
				if d.docs > 0 {
					what = "data after the end of the JSON document"
				}
				return d.errAt(end, spans, lineOf(i), "%s, found %s", what, describeByte(buf, i))
			}
		case arrayOpen, arrayComma:
			if c == ']' && d.phase == arrayOpen {
				d.closeArray()
				i++
				break
			}
			j, err := d.value(buf, i, eof)
			if err != nil {
				return d.errAt(end, spans, lineOf(err.at), "%s", err.msg)
			}
			if j < 0 {
				return d.more(end, spans)
			}
			spans = append(spans, span{off: i, end: j, line: lineOf(i)})
			d.phase = arrayNext
			i = j
		case arrayNext:
			switch c {
			case ',':
				d.phase = arrayComma
			case ']':
				d.closeArray()
			default:
				return d.errAt(end, spans, lineOf(i), "expected ',' or ']' after a record, found %s", describeByte(buf, i))
			}
			i++
		case wrapperRest:
			switch c {
			case '}':
				d.phase = docStart
				i++
			case ',':
				j, err := d.member(buf, i+1, eof)
				if err != nil {
					return d.errAt(end, spans, lineOf(err.at), "%s", err.msg)
				}
				if j < 0 {
					return d.more(end, spans)
				}
				i = j
			default:
				return d.errAt(end, spans, lineOf(i), "expected ',' or '}' after the array of records, found %s", describeByte(buf, i))
			}
		}
		end = i
	}
	return d.more(end, spans)
}

// more returns what split has consumed, or -1 when that is nothing.
func (d *docSplitter) more(end int, spans []span) (int, []span, error) {
	if end == 0 && len(spans) == 0 {
		return -1, nil, nil
	}
	return end, spans, nil
}

func (d *docSplitter) errAt(end int, spans []span, line int, format string, args ...any) (int, []span, error) {
	return end, spans, &RowError{Line: line, Msg: "invalid JSON document: " + fmt.Sprintf(format, args...)}
}

func (d *docSplitter) closeArray() {
	if d.wrapper {
		d.phase = wrapperRest
	} else {
		d.phase = docStart
	}
}

// docError is a structural error at a byte of the buffer.
type docError struct {
	at  int
	msg string
}

// wrapperHead reads an object at buf[i] up to the first member whose value
// is an array of objects, and returns the position just inside that array
// and true; or, when the object has no such member, its end and false. It
// returns -1 when buf ends first and more input follows.
func (d *docSplitter) wrapperHead(buf []byte, i int, eof bool) (int, bool, *docError) {
	j := skipWS(buf, i+1)
	if j < len(buf) && buf[j] == '}' {
		return j + 1, false, nil
	}
	for {
		k, err := d.key(buf, j, eof)
		if err != nil || k < 0 {
			return k, false, err
		}
		if k < len(buf) && buf[k] == '[' {
			if v := skipWS(buf, k+1); v < len(buf) && buf[v] == '{' {
				return k + 1, true, nil
			} else if v >= len(buf) && !eof {
				return -1, false, nil
			}
		}
		if k, err = d.value(buf, k, eof); err != nil || k < 0 {
			return k, false, err
		}
		k = skipWS(buf, k)
		switch {
		case k >= len(buf) && !eof:
			return -1, false, nil
		case k < len(buf) && buf[k] == ',':
			j = skipWS(buf, k+1)
		case k < len(buf) && buf[k] == '}':
			return k + 1, false, nil
		default:
			return 0, false, d.unexpected(buf, k, eof, "expected ',' or '}' in an object")
		}
	}
}

// member reads one `"key": value` member from buf[i], after a wrapper's
// array of records, and returns its end. A second array of records is an
// error: reading one and dropping the other would lose records unsaid.
func (d *docSplitter) member(buf []byte, i int, eof bool) (int, *docError) {
	i = skipWS(buf, i)
	k, err := d.key(buf, i, eof)
	if err != nil || k < 0 {
		return k, err
	}
	if k < len(buf) && buf[k] == '[' {
		v := skipWS(buf, k+1)
		if v >= len(buf) && !eof {
			return -1, nil
		}
		if v < len(buf) && buf[v] == '{' {
			return 0, &docError{i, fmt.Sprintf("a second array of records (%s) in the object around the records: uptake reads one array per document (split the file, or keep one array with jq)", buf[i:stringEnd(buf, i)])}
		}
	}
	return d.value(buf, k, eof)
}

// key reads `"key":` from buf[i] and returns where its value starts.
func (d *docSplitter) key(buf []byte, i int, eof bool) (int, *docError) {
	if i >= len(buf) && !eof {
		return -1, nil
	}
	if i >= len(buf) || buf[i] != '"' {
		return 0, d.unexpected(buf, i, eof, "expected a quoted key")
	}
	j := stringEnd(buf, i)
	if j < 0 {
		if !eof {
			return -1, nil
		}
		return 0, &docError{i, "a string is never closed (missing \")"}
	}
	j = skipWS(buf, j)
	if j >= len(buf) && !eof {
		return -1, nil
	}
	if j >= len(buf) || buf[j] != ':' {
		return 0, d.unexpected(buf, j, eof, "expected ':' after a key")
	}
	j = skipWS(buf, j+1)
	if j >= len(buf) && !eof {
		return -1, nil
	}
	return j, nil
}

func (d *docSplitter) unexpected(buf []byte, i int, eof bool, what string) *docError {
	if i >= len(buf) && eof {
		return &docError{i, what + ", found the end of the input"}
	}
	return &docError{i, what + ", found " + describeByte(buf, i)}
}

// value finds the end of the value at buf[i], matching brackets and
// strings; -1 when buf ends first and more input follows. A scalar ends at
// the first byte that cannot continue it (the workers check its grammar).
func (d *docSplitter) value(buf []byte, i int, eof bool) (int, *docError) {
	if i >= len(buf) {
		if !eof {
			return -1, nil
		}
		return 0, &docError{i, "expected a value, found the end of the input"}
	}
	switch buf[i] {
	case '"':
		j := stringEnd(buf, i)
		if j < 0 {
			if !eof {
				return -1, nil
			}
			return 0, &docError{i, "a string is never closed (missing \")"}
		}
		return j, nil
	case '{', '[':
	case ']', '}', ',', ':':
		return 0, &docError{i, "expected a value, found " + describeByte(buf, i)}
	default:
		j := i
		for j < len(buf) && !isWS(buf[j]) && buf[j] != ',' && buf[j] != ']' && buf[j] != '}' {
			j++
		}
		if j >= len(buf) && !eof {
			return -1, nil
		}
		return j, nil
	}
	st := d.stack[:0]
	open := -1 // a string never closed in buf
	for j := i; j < len(buf) && open < 0; j++ {
		switch c := buf[j]; c {
		case '"':
			k := stringEnd(buf, j)
			if k < 0 {
				open = j
				continue
			}
			j = k - 1
		case '{', '[':
			if len(st) >= maxJSONDepth {
				d.stack = st
				return 0, &docError{j, "JSON nested too deeply"}
			}
			st = append(st, c+2) // the closing bracket: '{'+2 is '}', '['+2 is ']'
		case '}', ']':
			if c != st[len(st)-1] {
				d.stack = st
				return 0, &docError{j, fmt.Sprintf("expected %q, found %q: brackets do not match", st[len(st)-1], c)}
			}
			if st = st[:len(st)-1]; len(st) == 0 {
				d.stack = st
				return j + 1, nil
			}
		}
	}
	d.stack = st
	switch {
	case !eof:
		return -1, nil
	case open >= 0:
		return 0, &docError{open, "a string is never closed (missing \")"}
	}
	return 0, &docError{i, fmt.Sprintf("a record starting here is never closed (missing %q)", st[len(st)-1])}
}

// stringEnd returns the position after the closing quote of the string at
// buf[i], or -1 when buf ends first.
func stringEnd(buf []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexByte(buf[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// the quote is escaped when an odd number of backslashes precede it
		n := 0
		for b := j - 1; b > i && buf[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
}

// jsonRecords finds the records of a whole JSON document in memory (small
// survey exports) and the line each starts on.
func jsonRecords(name string, doc []byte) ([][]byte, []int, error) {
	var d docSplitter
	_, spans, err := d.split(doc, true, 1)
	if err != nil {
		err.(*RowError).File = name
		return nil, nil, err
	}
	recs, lines := make([][]byte, len(spans)), make([]int, len(spans))
	for i, s := range spans {
		recs[i], lines[i] = doc[s.off:s.end], s.line
	}
	return recs, lines, nil
}

// docSample is the first records of a JSON document for planning: those
// whole in head, at most n. A broken structure in head is an error at once,
// and so is a head with no whole record.
func docSample(name string, head []byte, eof bool, n int) ([][]byte, error) {
	var d docSplitter
	_, spans, err := d.split(head, eof, 1)
	if err != nil {
		err.(*RowError).File = name
		return nil, err
	}
	if len(spans) == 0 {
		if eof {
			return nil, fmt.Errorf("%s: no records (an empty JSON array)", name)
		}
		return nil, fmt.Errorf("%s: the first record of the JSON document is longer than %d MiB", name, len(head)>>20)
	}
	var out [][]byte
	for _, s := range spans[:min(n, len(spans))] {
		out = append(out, head[s.off:s.end])
	}
	return out, nil
}

// firstArrayOfObjects returns the offset in obj of the first value that is an
// array whose first element is an object, or -1.
func firstArrayOfObjects(obj []byte) int {
	var s jsonScanner
	i, more := firstMember(obj, 0, '}')
	for more {
		_, j, err := memberKey(obj, i)
		if err != nil {
			return -1
		}
		if j < len(obj) && obj[j] == '[' {
			if k := skipWS(obj, j+1); k < len(obj) && obj[k] == '{' {
				return j
			}
		}
		end, err := s.skip(obj, j)
		if err != nil {
			return -1
		}
		if i, more, err = nextMember(obj, end, '}'); err != nil {
			return -1
		}
	}
	return -1
}
