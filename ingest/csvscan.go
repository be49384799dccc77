package ingest

import (
	"bytes"
	"errors"
)

// csvScanner splits delimited records (CSV, TSV, ';'-separated) out of a
// chunk of bytes. Fields are sub-slices of the chunk, so a record costs no
// allocation unless a quoted field holds an escaped quote ("").
//
// Quoting follows RFC 4180 strictly: a quoted field may hold separators,
// newlines and doubled quotes; a quote inside an unquoted field is an error
// (the record ends at the end of its line).
type csvScanner struct {
	sep    byte
	fields [][]byte
}

var (
	errBareQuote    = errors.New(`bare " in a field that is not quoted (quote the whole field, or this is not CSV)`)
	errQuoteEnd     = errors.New(`extraneous characters after the closing quote of a quoted field`)
	errUnterminated = errors.New(`quoted field is never closed (missing ")`)
)

// next parses the record that starts at data[pos]. It returns the fields
// (valid until the next call), the position after the record, and the number
// of newlines consumed. A blank line yields nil fields. On error, next is the
// end of the physical line so a caller that skips bad rows can go on.
func (s *csvScanner) next(data []byte, pos int) (fields [][]byte, next, lines int, err error) {
	s.fields = s.fields[:0]
	end := bytes.IndexByte(data[pos:], '\n')
	var line []byte
	if end < 0 {
		line = data[pos:]
		next = len(data)
	} else {
		line = data[pos : pos+end]
		next = pos + end + 1
		lines = 1
	}
	// One pass splits the line and looks for quotes: per-field IndexByte
	// calls cost more than this loop for the short fields of event exports.
	sep := s.sep
	start := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case sep:
			s.fields = append(s.fields, line[start:i])
			start = i + 1
		case '"':
			return s.slow(data, pos)
		}
	}
	last := trimCR(line[start:])
	if len(s.fields) == 0 && len(last) == 0 {
		return nil, next, lines, nil // blank line
	}
	s.fields = append(s.fields, last)
	return s.fields, next, lines, nil
}

// slow handles records with quotes, which may span several lines.
func (s *csvScanner) slow(data []byte, pos int) (fields [][]byte, next, lines int, err error) {
	s.fields = s.fields[:0] // the fast path may have split part of the line
	i := pos
	n := len(data)
	for {
		// start of a field
		if i < n && data[i] == '"' {
			i++
			start := i
			var buf []byte
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					lines += bytes.Count(data[i:], nl)
					return nil, n, lines, errUnterminated
				}
				lines += bytes.Count(data[i:i+j], nl)
				if i+j+1 < n && data[i+j+1] == '"' { // escaped quote
					if buf == nil {
						buf = make([]byte, 0, j+16)
					}
					buf = append(buf, data[i:i+j+1]...)
					i += j + 2
					continue
				}
				if buf == nil {
					s.fields = append(s.fields, data[start:i+j])
				} else {
					s.fields = append(s.fields, append(buf, data[i:i+j]...))
				}
				i += j + 1
				break
			}
			switch {
			case i >= n:
				return s.fields, n, lines, nil
			case data[i] == s.sep:
				i++
				continue
			case data[i] == '\n':
				return s.fields, i + 1, lines + 1, nil
			case data[i] == '\r' && i+1 < n && data[i+1] == '\n':
				return s.fields, i + 2, lines + 1, nil
			case data[i] == '\r' && i+1 == n:
				return s.fields, n, lines, nil
			}
			return nil, skipLine(data, i, &lines), lines, errQuoteEnd
		}
		// unquoted field
		j := i
		for j < n && data[j] != s.sep && data[j] != '\n' {
			if data[j] == '"' {
				return nil, skipLine(data, j, &lines), lines, errBareQuote
			}
			j++
		}
		if j >= n {
			s.fields = append(s.fields, trimCR(data[i:j]))
			return s.fields, n, lines, nil
		}
		if data[j] == '\n' {
			s.fields = append(s.fields, trimCR(data[i:j]))
			return s.fields, j + 1, lines + 1, nil
		}
		s.fields = append(s.fields, data[i:j])
		i = j + 1
	}
}

var nl = []byte{'\n'}

func skipLine(data []byte, i int, lines *int) int {
	j := bytes.IndexByte(data[i:], '\n')
	if j < 0 {
		return len(data)
	}
	*lines++
	return i + j + 1
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// csvBoundary returns the index just past the last complete record in buf
// (which starts at a record start), or -1. Without quotes that is the last
// newline. With quotes it walks the records by exactly csvScanner's rules,
// error recovery included (a bare quote, or junk after a closing quote,
// ends the record at the end of its line), so chunk boundaries always fall
// where the scanner would end a record — in skip mode too. Counting quote
// parity instead would misplace boundaries after a bare quote (found by
// FuzzReadChunking).
//
// It is a second reading of the scanner's grammar, kept because it runs
// on the one reader goroutine and is twice as fast as walking the records
// with csvScanner (1.3 vs 0.7 GB/s on a chunk quoted on every row);
// FuzzCSVBoundary holds it to scannerBoundary, which does exactly that.
func csvBoundary(buf []byte, sep byte) int {
	if bytes.IndexByte(buf, '"') < 0 {
		return lineBoundary(buf)
	}
	n := len(buf)
	last := -1
	// lineEnd moves i past the next newline (the end of a record that went
	// wrong), or reports that the buffer ends first.
	lineEnd := func(i int) (int, bool) {
		k := bytes.IndexByte(buf[i:], '\n')
		if k < 0 {
			return n, false
		}
		return i + k + 1, true
	}
	i := 0
	for i < n {
		// the start of a field
		if buf[i] == '"' {
			j := i + 1
			for {
				k := bytes.IndexByte(buf[j:], '"')
				if k < 0 || j+k+1 >= n {
					return last // not closed, or we cannot yet tell "" from a close
				}
				j += k
				if buf[j+1] == '"' {
					j += 2
					continue
				}
				break
			}
			i = j + 1 // after the closing quote
			switch {
			case buf[i] == sep:
				i++
				continue
			case buf[i] == '\n':
				i++
				last = i
				continue
			case buf[i] == '\r' && i+1 < n && buf[i+1] == '\n':
				i += 2
				last = i
				continue
			case buf[i] == '\r' && i+1 == n:
				return last // \r at the end of the buffer: undecided
			}
			// anything else after the closing quote is junk: the record
			// ends at the end of its line
			var ok bool
			if i, ok = lineEnd(i); !ok {
				return last
			}
			last = i
			continue
		}
		// an unquoted field: up to a separator or a newline; a quote in it
		// makes the record bad, and it ends at the end of the line
		for i < n && buf[i] != sep && buf[i] != '\n' && buf[i] != '"' {
			i++
		}
		switch {
		case i >= n:
			return last
		case buf[i] == sep:
			i++
		case buf[i] == '\n':
			i++
			last = i
		default: // a bare quote
			var ok bool
			if i, ok = lineEnd(i); !ok {
				return last
			}
			last = i
		}
	}
	return last
}

var quote = []byte{'"'}

// lineBoundary is csvBoundary for formats without multi-line records (JSONL).
func lineBoundary(buf []byte) int {
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		return -1
	}
	return i + 1
}
