package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
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

// isZip says whether b starts as a zip archive does: a file's header, or
// the end of an archive of no files, or a split archive's marker.
func isZip(b []byte) bool {
	return len(b) >= 4 && string(b[:2]) == "PK" &&
		slices.Contains([]string{"\x03\x04", "\x05\x06", "\x07\x08"}, string(b[2:4]))
}

// eachInput opens in, once, and hands fn what there is to read in it: in
// itself, read from the handle already open (a pipe or FIFO cannot be
// opened again), or each file inside a zip archive (Amplitude's export
// download: a zip of .json.gz files) in name order. A zip archive is read
// from its directory at the end, so it must come with a size and random
// access: a regular file or bytes in memory.
func eachInput(in Input, fn func(Input) error) error {
	rc, size, err := in.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	// the smallest buffer holds the magic number; larger reads go past it
	sr := bufio.NewReaderSize(rc, 16)
	magic, _ := sr.Peek(4)
	if ra, ok := rc.(io.ReaderAt); ok && size >= 0 && isZip(magic) {
		members, err := zipMembers(in.Name, ra, size)
		if err != nil {
			return err
		}
		for _, m := range members {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	in.open = func() (io.ReadCloser, int64, error) { return io.NopCloser(sr), size, nil }
	return fn(in)
}

// zipMembers lists the files of a zip archive, each opened from its own
// directory entry: names may repeat, and finding an entry by name again
// for each file would cost the square of their number.
func zipMembers(name string, ra io.ReaderAt, size int64) ([]Input, error) {
	zr, err := zip.NewReader(ra, size)
	// an unsafe member path is only a name here: nothing is extracted
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%s: the zip archive is damaged or incomplete (%s); get it again", name, strings.TrimPrefix(err.Error(), "zip: "))
	}
	if what := officeDocument(zr.File); what != "" {
		return nil, fmt.Errorf("%s: is %s, which uptake does not read; export the data as CSV", name, what)
	}
	var files []*zip.File
	for _, e := range zr.File {
		if !e.FileInfo().IsDir() && !unlisted(e.Name) {
			files = append(files, e)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: the zip archive holds no files", name)
	}
	// name order is time order for an export's parts; files of one name
	// stay in the archive's order
	slices.SortStableFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	out := make([]Input, len(files))
	for i, e := range files {
		out[i] = Input{Name: name + "!" + e.Name, archive: name, member: e.Name, open: func() (io.ReadCloser, int64, error) {
			if e.Flags&0x1 != 0 { // archive/zip would hand over the ciphertext
				return nil, 0, fmt.Errorf("%s: member %s is encrypted: unzip it with its password first", name, e.Name)
			}
			rc, err := e.Open()
			if err != nil {
				return nil, 0, fmt.Errorf("%s: member %s: %w", name, e.Name, decodeError("zip member", err))
			}
			return readCloser{decodeErrors{rc, "zip member"}, rc.Close}, max(int64(e.UncompressedSize64), -1), nil
		}}
	}
	return out, nil
}

// unlisted says whether a zip member is left out: a folder, or a hidden
// file (macOS's ._ resource forks and .DS_Store).
func unlisted(name string) bool {
	return strings.HasSuffix(name, "/") || strings.HasPrefix(path.Base(name), ".")
}

// officeDocument says what kind of office file a zip archive is, by the
// parts every such file holds; "" for other archives.
func officeDocument(files []*zip.File) string {
	has := func(name string) bool {
		return slices.ContainsFunc(files, func(e *zip.File) bool { return e.Name == name })
	}
	switch {
	case has("xl/workbook.xml"):
		return "an Excel workbook (.xlsx)"
	case has("mimetype") && has("content.xml"):
		return "an OpenDocument file (.ods, .odt)"
	case has("[Content_Types].xml"):
		return "an Office document (.docx, .pptx)"
	}
	return ""
}

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
	{"PAR1", "a Parquet file", "export JSONL or CSV instead"},
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

// digestHead is how much of an input its digest hashes.
const digestHead = 1 << 20

// ContentDigest identifies an input by its decompressed size and a hash of
// its first MiB, taken as it is read: the same file given twice, or once
// plain and once gzipped, has the same digest. Decompressed, because what
// counts twice is the events, whatever the transport.
type ContentDigest struct {
	Size     int64
	Head     [sha256.Size]byte // SHA-256 of the first MiB
	Complete bool              // read to the end: Size and Head are final
}

type digestReader struct {
	r io.Reader
	h hash.Hash
	d *ContentDigest
}

func (r digestReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	d := r.d
	if rest := digestHead - d.Size; rest > 0 {
		r.h.Write(p[:min(int64(n), rest)])
	}
	d.Size += int64(n)
	if err == io.EOF && !d.Complete {
		d.Complete = true
		r.h.Sum(d.Head[:0])
	}
	return n, err
}

// SameFile is an input whose content is that of an earlier one.
type SameFile struct {
	Name, SameAs string
	// Dropped: all its rows were dropped as duplicates, so its events
	// were not counted twice
	Dropped bool
}

// SameFiles lists the inputs read whose size and first MiB are those of an
// earlier input: a file given twice, whose events count twice.
func (s *Stats) SameFiles() []SameFile {
	files := make([]fileContent, len(s.Files))
	for i, f := range s.Files {
		files[i] = fileContent{f.Name, f.Content, f.Rows > 0 && f.Duplicates == f.Rows}
	}
	return sameFiles(files)
}

// SameFiles lists the survey files whose size and first MiB are those of
// an earlier file: a file given twice, whose answers count twice.
func (s *Survey) SameFiles() []SameFile {
	files := make([]fileContent, len(s.Files))
	for i, f := range s.Files {
		files[i] = fileContent{name: f.Name, content: f.Content}
	}
	return sameFiles(files)
}

type fileContent struct {
	name    string
	content *ContentDigest
	dropped bool
}

func sameFiles(files []fileContent) []SameFile {
	var out []SameFile
	first := map[ContentDigest]string{}
	for _, f := range files {
		if f.content == nil || !f.content.Complete {
			continue
		}
		if prev, ok := first[*f.content]; ok {
			out = append(out, SameFile{Name: f.name, SameAs: prev, Dropped: f.dropped})
		} else {
			first[*f.content] = f.name
		}
	}
	return out
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
