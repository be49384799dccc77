package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// Input is one file to read: a path, standard input, or bytes in memory.
type Input struct {
	// Name is how the input is named in messages ("events.csv", "-", "demo").
	Name string
	open func() (io.ReadCloser, int64, error)
	// archive and member name a file inside a zip archive
	archive, member string
	// ra, when set, reads the file (of size size) by random access, as
	// Parquet is read: eachInput sets it for regular files and bytes
	ra   io.ReaderAt
	size int64
}

// FileInput reads a path; "-" reads stdin. Only a regular file has a
// size: a pipe, FIFO or device reports -1, and can be read only once.
func FileInput(path string, stdin io.Reader) Input {
	if path == "-" {
		return Input{Name: "-", open: func() (io.ReadCloser, int64, error) {
			return io.NopCloser(stdin), -1, nil
		}}
	}
	return Input{Name: path, open: func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		switch {
		case st.IsDir():
			f.Close()
			return nil, 0, fmt.Errorf("%s: is a directory", path)
		case !st.Mode().IsRegular():
			return f, -1, nil
		}
		return f, st.Size(), nil
	}}
}

// BytesInput reads data held in memory (the embedded demo export). It has
// random access, as a file does, so it may hold a zip archive.
func BytesInput(name string, data []byte) Input {
	return Input{Name: name, open: func() (io.ReadCloser, int64, error) {
		return memFile{bytes.NewReader(data)}, int64(len(data)), nil
	}}
}

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

var gzipMagic = []byte{0x1f, 0x8b}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

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
	content    *ContentDigest
	close      func() error
}

const peekSize = 1 << 20

// sniffSize is how much of an input is looked at to tell what it is.
const sniffSize = 4 << 10

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
	br, releaseRaw := pooledReader(&rawReaders, raw)
	o := &opened{close: rc.Close, content: &ContentDigest{}}
	var text io.Reader = br
	if magic, _ := br.Peek(len(gzipMagic)); bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			releaseRaw()
			return nil, fmt.Errorf("%s: %w", in.Name, decodeError("gzip", err))
		}
		zr.Multistream(false)
		o.compressed = "gzip"
		o.close = func() error { zr.Close(); return rc.Close() }
		text = &gzipStream{zr: zr, src: br}
	}
	r, releaseText := pooledReader(&textReaders, digestReader{text, sha256.New(), o.content})
	closeInput, once := o.close, sync.Once{}
	o.r, o.close = r, func() error {
		err := closeInput()
		once.Do(func() { releaseRaw(); releaseText() })
		return err
	}
	head, err := o.r.Peek(sniffSize)
	if err != nil && err != io.EOF {
		o.close()
		return nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	if err := refuse(in, head, o.compressed); err != nil {
		o.close()
		return nil, err
	}
	if bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}) {
		o.r.Discard(3)
	}
	return o, nil
}

// The buffers of an input are reused by the next: a zip archive may hold
// thousands of small files, and a MiB allocated and cleared for each cost
// more than reading them.
var (
	rawReaders  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 256<<10) }}
	textReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, peekSize) }}
)

func pooledReader(pool *sync.Pool, r io.Reader) (*bufio.Reader, func()) {
	br := pool.Get().(*bufio.Reader)
	br.Reset(r)
	return br, func() { br.Reset(nil); pool.Put(br) }
}

// binaryFormats are files that are not text, by their magic number.
var binaryFormats = []struct{ magic, what, todo string }{
	{"PARE", "an encrypted Parquet file", "export it without encryption"},
	{"Obj\x01", "an Avro file", "export JSONL or CSV instead"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel workbook or other Office file (.xls)", "export the data as CSV"},
	{"SQLite format 3\x00", "an SQLite database", "export a table as CSV (sqlite3 -header -csv)"},
	{"\xfd7zXZ\x00", "xz-compressed", "decompress it first (xz -d)"},
	{"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first (zstd -d)"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first"},
	// only after decompression: raw gzip is decompressed
	{string(gzipMagic), "gzip-compressed twice", "decompress it once first (gunzip)"},
}

// isBzip2 reports whether head starts a bzip2 stream: "BZh", the block
// size '1'…'9', then the magic of a first block or of the end of an empty
// stream (a text file does not start so).
func isBzip2(head []byte) bool {
	if len(head) < 10 || string(head[:3]) != "BZh" || head[3] < '1' || head[3] > '9' {
		return false
	}
	m := string(head[4:10])
	return m == "1AY&SY" || m == "\x17\x72\x45\x38\x50\x90"
}

// refuse says what an input is when it is not text uptake can read: a zip
// archive where it cannot be read as one, a binary format, or text in
// UTF-16 or UTF-32. head is the start of the decompressed input.
func refuse(in Input, head []byte, compressed string) error {
	if isZip(head) {
		switch {
		case in.archive != "":
			return fmt.Errorf("%s: member %s is itself a zip archive: unzip it first", in.archive, in.member)
		case compressed != "":
			return fmt.Errorf("%s: is a zip archive inside %s: decompress it first, then pass the zip file", in.Name, compressed)
		}
		return fmt.Errorf("%s: is a zip archive, and zip archives need a file (their directory is at the end): unzip it first, or pass its path", in.Name)
	}
	for _, f := range binaryFormats {
		if strings.HasPrefix(string(head), f.magic) {
			return fmt.Errorf("%s: is %s, which uptake does not read; %s", in.Name, f.what, f.todo)
		}
	}
	if isBzip2(head) {
		return fmt.Errorf("%s: is bzip2-compressed, which uptake does not read; decompress it first (bzip2 -d)", in.Name)
	}
	if enc, bom := wideEncoding(head); enc != "" {
		if bom {
			return fmt.Errorf("%s: is %s text; convert it to UTF-8 first (iconv -f %s -t UTF-8)", in.Name, enc, enc)
		}
		return fmt.Errorf("%s: is %s text (without a byte-order mark); convert it to UTF-8 first (iconv -f %s -t UTF-8)", in.Name, enc, enc)
	}
	return nil
}

// wideEncoding names the UTF-16 or UTF-32 encoding of head: by its
// byte-order mark ("UTF-16", which iconv reads the mark of), or by where its NUL bytes fall: the ASCII that
// headers, numbers, dates and separators are made of has one NUL byte in
// every UTF-16 unit and three in every UTF-32 unit, at the high end
// ("UTF-16LE", …).
func wideEncoding(head []byte) (enc string, bom bool) {
	for _, b := range []struct{ mark, enc string }{
		{"\xff\xfe\x00\x00", "UTF-32"}, {"\x00\x00\xfe\xff", "UTF-32"},
		{"\xff\xfe", "UTF-16"}, {"\xfe\xff", "UTF-16"},
	} {
		if strings.HasPrefix(string(head), b.mark) {
			return b.enc, true
		}
	}
	sample := head[:min(len(head), 1024)&^3]
	units := len(sample) / 4
	if units < 2 {
		return "", false
	}
	var z [4]int // NUL bytes at each position of a 4-byte group
	for i, c := range sample {
		if c == 0 {
			z[i%4]++
		}
	}
	most := func(n, of int) bool { return 10*n >= 9*of }
	few := func(n, of int) bool { return 10*n <= of }
	switch {
	case most(z[2]+z[3], 2*units) && few(z[0], units):
		return "UTF-32LE", false
	case most(z[0]+z[1], 2*units) && few(z[3], units):
		return "UTF-32BE", false
	case z[1]+z[3] >= units && few(z[0]+z[2], 2*units):
		return "UTF-16LE", false
	case z[0]+z[2] >= units && few(z[1]+z[3], 2*units):
		return "UTF-16BE", false
	}
	return "", false
}

// gzipStream reads every member of a gzip file (gzip files joined end to
// end are one valid gzip file), and refuses anything after the last
// member but zero padding.
type gzipStream struct {
	zr  *gzip.Reader
	src *bufio.Reader
	err error
}

func (g *gzipStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for g.err == nil {
		n, err := g.zr.Read(p)
		switch {
		case err == io.EOF:
			g.err = g.next()
		case err != nil:
			g.err = decodeError("gzip", err)
		}
		if n > 0 {
			return n, g.err
		}
	}
	return 0, g.err
}

// next starts the member after the one that just ended: nil when there is
// one, io.EOF at the end of the file.
func (g *gzipStream) next() error {
	magic, err := g.src.Peek(len(gzipMagic))
	switch {
	case len(magic) == 0 && err == io.EOF:
		return io.EOF
	case bytes.Equal(magic, gzipMagic):
		if err := g.zr.Reset(g.src); err != nil {
			return decodeError("gzip", err)
		}
		g.zr.Multistream(false)
		return nil
	case err != nil && err != io.EOF:
		return err
	}
	var n int64
	zero := true
	buf := make([]byte, 32<<10)
	for {
		k, err := g.src.Read(buf)
		n += int64(k)
		zero = zero && !slices.ContainsFunc(buf[:k], func(c byte) bool { return c != 0 })
		switch {
		case err == io.EOF && zero:
			return io.EOF
		case err == io.EOF:
			return fmt.Errorf("data after the end of the gzip stream (%d bytes): the file may be two files joined, or damaged", n)
		case err != nil:
			return err
		}
	}
}

// decodeErrors turns a decoder's errors into messages a user can act on.
type decodeErrors struct {
	r    io.Reader
	what string
}

func (d decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = decodeError(d.what, err)
	}
	return n, err
}

// decodeError says what a gzip or zip decoder's error means for the file.
func decodeError(what string, err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s data is truncated (unexpected end of file)", what)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("%s data is corrupt (checksum mismatch): the file is damaged or truncated", what)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, zip.ErrFormat):
		return fmt.Errorf("%s data is corrupt (invalid header): the file is damaged", what)
	case errors.As(err, &corrupt):
		return fmt.Errorf("%s data is corrupt (invalid compressed data): the file is damaged", what)
	case errors.Is(err, zip.ErrAlgorithm):
		return fmt.Errorf("%s data is compressed with a method uptake does not read: extract it with unzip first", what)
	}
	return err
}
