package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// Input is one file to read: a path, standard input, or bytes in memory.
type Input struct {
	// Name is how the input is named in messages ("events.csv", "-", "demo").
	Name string
	open func() (io.ReadCloser, int64, error)
	path string // for files: where to look inside a zip archive
}

// FileInput reads a path; "-" reads stdin.
func FileInput(path string, stdin io.Reader) Input {
	if path == "-" {
		return Input{Name: "-", open: func() (io.ReadCloser, int64, error) {
			return io.NopCloser(stdin), -1, nil
		}}
	}
	return Input{Name: path, path: path, open: func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		if st.IsDir() {
			f.Close()
			return nil, 0, fmt.Errorf("%s: is a directory", path)
		}
		return f, st.Size(), nil
	}}
}

// expandZip turns a zip archive on disk (Amplitude's export download: a
// zip of .json.gz files) into one input per file inside, in name order.
// Anything else is returned as it is.
func expandZip(in Input) ([]Input, error) {
	if in.path == "" {
		return []Input{in}, nil
	}
	f, err := os.Open(in.path)
	if err != nil {
		return []Input{in}, nil // opening reports the error
	}
	defer f.Close()
	magic := make([]byte, 4)
	if n, _ := io.ReadFull(f, magic); n < 4 || !bytes.Equal(magic, []byte("PK\x03\x04")) {
		return []Input{in}, nil
	}
	zr, err := zip.OpenReader(in.path)
	if err != nil {
		return nil, fmt.Errorf("%s: zip: %w", in.Name, err)
	}
	zr.Close()
	var names []string
	for _, e := range zr.File {
		if !e.FileInfo().IsDir() && !strings.HasPrefix(filepath.Base(e.Name), ".") {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: the zip archive holds no files", in.Name)
	}
	var out []Input
	for _, name := range names {
		out = append(out, Input{Name: in.Name + "!" + name, open: func() (io.ReadCloser, int64, error) {
			zr, err := zip.OpenReader(in.path)
			if err != nil {
				return nil, 0, err
			}
			for _, e := range zr.File {
				if e.Name == name {
					rc, err := e.Open()
					if err != nil {
						zr.Close()
						return nil, 0, err
					}
					return readCloser{rc, func() error { rc.Close(); return zr.Close() }}, int64(e.CompressedSize64), nil
				}
			}
			zr.Close()
			return nil, 0, fmt.Errorf("%s: %s vanished from the archive", in.Name, name)
		}})
	}
	return out, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// BytesInput reads data held in memory (the embedded demo export).
func BytesInput(name string, data []byte) Input {
	return Input{Name: name, open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
	}}
}

// Progress counts what has been read so far; a caller may poll it from
// another goroutine while Read runs.
type Progress struct {
	Bytes atomic.Int64 // bytes read from the files (compressed size for .gz)
	Total atomic.Int64 // sum of known file sizes, or -1 when unknown (stdin)
	Rows  atomic.Int64 // records parsed
	File  atomic.Pointer[string]
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n != nil {
		c.n.Add(int64(n))
	}
	return n, err
}

// opened is an input ready to parse: decompressed, BOM removed.
type opened struct {
	r          *bufio.Reader
	compressed string // "gzip" or ""
	close      func() error
}

const peekSize = 1 << 20

func openInput(in Input, prog *Progress) (*opened, error) {
	rc, size, err := in.open()
	if err != nil {
		return nil, err
	}
	if prog != nil {
		if size < 0 {
			prog.Total.Store(-1)
		} else if prog.Total.Load() >= 0 {
			prog.Total.Add(size)
		}
	}
	var raw io.Reader = rc
	if prog != nil {
		raw = countingReader{rc, &prog.Bytes}
	}
	br := bufio.NewReaderSize(raw, 256<<10)
	o := &opened{close: rc.Close}
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: %w", in.Name, gzipError(err))
		}
		o.compressed = "gzip"
		o.close = func() error { zr.Close(); return rc.Close() }
		o.r = bufio.NewReaderSize(gzipReader{zr}, peekSize)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
		rc.Close()
		return nil, fmt.Errorf("%s: is a zip archive, which uptake reads from a file, not from stdin: save it and pass its name", in.Name)
	case bytes.HasPrefix(magic, []byte("PAR1")):
		rc.Close()
		return nil, fmt.Errorf("%s: is a Parquet file, which uptake does not read; export JSONL or CSV instead", in.Name)
	case bytes.HasPrefix(magic, []byte("Obj\x01")):
		rc.Close()
		return nil, fmt.Errorf("%s: is an Avro file, which uptake does not read; export JSONL or CSV instead", in.Name)
	default:
		o.r = bufio.NewReaderSize(br, peekSize)
	}
	head, _ := o.r.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		o.r.Discard(3)
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		o.close()
		return nil, fmt.Errorf("%s: is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)", in.Name)
	}
	return o, nil
}

// gzipReader turns the decoder's errors into messages a user can act on.
type gzipReader struct{ r io.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(err)
	}
	return n, err
}

func gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("gzip data is truncated (unexpected end of file)")
	}
	return fmt.Errorf("gzip: %w", err)
}

// sniffFormat looks at the start of a decompressed input: '{' is JSON lines
// (or one JSON document when the first line is not a whole object), '[' a
// JSON array, anything else delimited text whose separator is the most
// frequent of , \t ; | in the first line.
func sniffFormat(head []byte) (format string, sep byte) {
	i := skipWS(head, 0)
	if i < len(head) {
		switch head[i] {
		case '{':
			line := head[i:]
			if j := bytes.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			var s jsonScanner
			s.root = newPathNode()
			if s.scan(line) != nil {
				return "json", 0 // a pretty-printed document
			}
			// one line in all holding {"results": [{…}, …]} is a wrapped
			// array (API responses); several lines are JSON lines, whose
			// records may well hold arrays of objects (GA4 event_params)
			rest := bytes.TrimSpace(head[i+len(line):])
			if len(rest) == 0 && len(head) < peekSize && firstArrayOfObjects(bytes.TrimSpace(line)) >= 0 {
				return "json", 0
			}
			return "jsonl", 0
		case '[':
			return "json", 0
		}
	}
	line := head
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	best, bestN := byte(','), 0
	for _, c := range []byte{',', '\t', ';', '|'} {
		if n := countOutsideQuotes(line, c); n > bestN {
			best, bestN = c, n
		}
	}
	if best == '\t' {
		return "tsv", '\t'
	}
	return "csv", best
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
