package ingest

import "bytes"

// Whitespace is the Options.Delimiter of text whose fields are separated by
// runs of blanks (see wsScanner).
const Whitespace = "whitespace"

// wsScanner splits whitespace-separated records: one record per line,
// fields separated by runs of spaces and tabs, blanks at the start and end
// of a line ignored. A carriage return, vertical tab and form feed are
// blanks too, so CRLF line ends need nothing of their own. There is no
// quoting: a quote is an ordinary character, and no field is ever empty.
// Fields are sub-slices of the data, as with csvScanner.
type wsScanner struct {
	fields [][]byte
}

// next has csvScanner.next's contract: the fields of the record at
// data[pos] (nil for a blank line), the position after it and the number
// of newlines consumed (0 or 1). It never fails.
func (s *wsScanner) next(data []byte, pos int) (fields [][]byte, next, lines int, err error) {
	end := bytes.IndexByte(data[pos:], '\n')
	var line []byte
	if end < 0 {
		line, next = data[pos:], len(data)
	} else {
		line, next, lines = data[pos:pos+end], pos+end+1, 1
	}
	s.fields = splitBlanks(line, s.fields[:0])
	if len(s.fields) == 0 {
		return nil, next, lines, nil
	}
	return s.fields, next, lines, nil
}

// splitBlanks appends to fields the runs of non-blank bytes of line.
func splitBlanks(line []byte, fields [][]byte) [][]byte {
	i, n := 0, len(line)
	for {
		for i < n && isBlank(line[i]) {
			i++
		}
		if i == n {
			return fields
		}
		start := i
		for i < n && !isBlank(line[i]) {
			i++
		}
		fields = append(fields, line[start:i])
	}
}

// isBlank: space, tab, CR, VT, FF (not a newline: lines are cut first).
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}
