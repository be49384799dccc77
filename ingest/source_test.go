package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

const oneRow = "user_id,event,timestamp\nu1,e,2024-01-01T00:00:00Z\n"

// member is one file of a test zip archive.
type member struct{ name, body string }

func zipOf(t testing.TB, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		// stored, not deflated: tests can damage a member's bytes in place
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawZip is an archive of one member written as it is, for headers the
// zip writer would not write (encryption, unknown methods).
func rawZip(t testing.TB, h *zip.FileHeader, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	h.CompressedSize64 = uint64(len(body))
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipOf(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// pipeInput is data that arrives as stdin or a pipe does: no size, no
// random access.
func pipeInput(name string, data []byte) Input {
	return Input{Name: name, open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(bytes.NewReader(data)), -1, nil
	}}
}

// fileOf writes data to a file and reads it from there.
func fileOf(t *testing.T, name string, data []byte) Input {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return FileInput(path, nil)
}

// utf16Of encodes s as UTF-16, little- or big-endian.
func utf16Of(s string, big bool) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if big {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// utf32Of encodes s as UTF-32.
func utf32Of(s string, big bool) string {
	var b []byte
	for _, r := range s {
		u := uint32(r)
		if big {
			b = append(b, byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
		}
	}
	return string(b)
}

// damaged returns a copy of data with the byte at i (from the end when
// negative) changed.
func damaged(data []byte, i int) []byte {
	out := bytes.Clone(data)
	if i < 0 {
		i += len(out)
	}
	out[i] ^= 0xff
	return out
}

func TestSourceErrors(t *testing.T) {
	gz := gzipOf(oneRow)
	csvZip := zipOf(t, member{"a.csv", oneRow})
	bytesIn := func(data []byte) Input { return BytesInput("f", data) }
	str := func(s string) Input { return BytesInput("f", []byte(s)) }
	tests := []struct {
		name string
		in   Input
		opts Options
		want string
	}{
		// zip archives
		{"zip from a pipe", pipeInput("-", csvZip), Options{}, `-: is a zip archive, and zip archives need a file (their directory is at the end): unzip it first, or pass its path`},
		{"not a zip after all", str("PK\x03\x04rest"), Options{}, `f: the zip archive is damaged or incomplete (not a valid zip file); get it again`},
		{"truncated zip", bytesIn(csvZip[:len(csvZip)-30]), Options{}, `f: the zip archive is damaged or incomplete (not a valid zip file); get it again`},
		{"zip in a zip", BytesInput("f.zip", zipOf(t, member{"a.csv", oneRow}, member{"inner.zip", string(csvZip)})), Options{}, `f.zip: member inner.zip is itself a zip archive: unzip it first`},
		{"gzipped zip in a zip", BytesInput("f.zip", zipOf(t, member{"inner.zip.gz", string(gzipOf(string(csvZip)))})), Options{}, `f.zip: member inner.zip.gz is itself a zip archive: unzip it first`},
		{"zip in gzip", bytesIn(gzipOf(string(csvZip))), Options{}, `f: is a zip archive inside gzip: decompress it first, then pass the zip file`},
		{"xlsx", bytesIn(zipOf(t, member{"[Content_Types].xml", "<Types/>"}, member{"xl/workbook.xml", "<workbook/>"})), Options{}, `f: is an Excel workbook (.xlsx), which uptake does not read; export the data as CSV`},
		{"docx", bytesIn(zipOf(t, member{"[Content_Types].xml", "<Types/>"}, member{"word/document.xml", "<document/>"})), Options{}, `f: is an Office document (.docx, .pptx), which uptake does not read; export the data as CSV`},
		{"ods", bytesIn(zipOf(t, member{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, member{"content.xml", "<x/>"})), Options{}, `f: is an OpenDocument file (.ods, .odt), which uptake does not read; export the data as CSV`},
		{"only folders", bytesIn(zipOf(t, member{"d/", ""}, member{"__MACOSX/._a.csv", "x"})), Options{}, `f: the zip archive holds no files`},
		{"empty zip", bytesIn(zipOf(t)), Options{}, `f: the zip archive holds no files`},
		{"encrypted member", bytesIn(rawZip(t, &zip.FileHeader{Name: "a.csv", Flags: 0x1}, "\x8a\x13\x7f")), Options{}, `f: member a.csv is encrypted: unzip it with its password first`},
		{"unknown method", bytesIn(rawZip(t, &zip.FileHeader{Name: "a.csv", Method: 99}, "\x8a\x13\x7f")), Options{}, `f: member a.csv: zip member data is compressed with a method uptake does not read: extract it with unzip first`},
		{"zip member checksum", bytesIn(damaged(csvZip, bytes.Index(csvZip, []byte("u1,e")))), Options{}, `f!a.csv: zip member data is corrupt (checksum mismatch): the file is damaged or truncated`},

		// other binary formats
		{"encrypted parquet", str("PARE\x15\x04"), Options{}, `f: is an encrypted Parquet file, which uptake does not read; export it without encryption`},
		{"avro", str("Obj\x01\x04"), Options{}, `f: is an Avro file, which uptake does not read; export JSONL or CSV instead`},
		{"xls", str("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), Options{}, `f: is an Excel workbook or other Office file (.xls), which uptake does not read; export the data as CSV`},
		{"sqlite", str("SQLite format 3\x00\x10\x00"), Options{}, `f: is an SQLite database, which uptake does not read; export a table as CSV (sqlite3 -header -csv)`},
		{"xz", str("\xfd7zXZ\x00\x00\x04"), Options{}, `f: is xz-compressed, which uptake does not read; decompress it first (xz -d)`},
		{"zstd", str("\x28\xb5\x2f\xfd\x24\x00"), Options{}, `f: is zstd-compressed, which uptake does not read; decompress it first (zstd -d)`},
		{"bzip2", str("BZh91AY&SY\x4e\xec"), Options{}, `f: is bzip2-compressed, which uptake does not read; decompress it first (bzip2 -d)`},
		{"empty bzip2", str("BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00"), Options{}, `f: is bzip2-compressed, which uptake does not read; decompress it first (bzip2 -d)`},
		{"gzipped bzip2", bytesIn(gzipOf("BZh91AY&SY\x4e\xec")), Options{}, `f: is bzip2-compressed, which uptake does not read; decompress it first (bzip2 -d)`},
		{"gzip twice", bytesIn(gzipOf(string(gz))), Options{}, `f: is gzip-compressed twice, which uptake does not read; decompress it once first (gunzip)`},

		// text that is not UTF-8
		{"UTF-16LE with BOM", str("\xff\xfe" + utf16Of(oneRow, false)), Options{}, `f: is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)`},
		{"UTF-16BE with BOM", str("\xfe\xff" + utf16Of(oneRow, true)), Options{}, `f: is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)`},
		{"UTF-32LE with BOM", str("\xff\xfe\x00\x00" + utf32Of(oneRow, false)), Options{}, `f: is UTF-32 text; convert it to UTF-8 first (iconv -f UTF-32 -t UTF-8)`},
		{"UTF-16LE", str(utf16Of(oneRow, false)), Options{}, `f: is UTF-16LE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)`},
		{"UTF-16BE", str(utf16Of(oneRow, true)), Options{}, `f: is UTF-16BE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-16BE -t UTF-8)`},
		{"UTF-16LE, not ASCII", str(utf16Of("utilisateur,événement,horodatage\nü1,é,2024-01-01\n", false)), Options{}, `f: is UTF-16LE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)`},
		{"UTF-32LE", str(utf32Of(oneRow, false)), Options{}, `f: is UTF-32LE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-32LE -t UTF-8)`},
		{"UTF-32BE", str(utf32Of(oneRow, true)), Options{}, `f: is UTF-32BE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-32BE -t UTF-8)`},
		{"gzipped UTF-16", bytesIn(gzipOf(utf16Of(oneRow, false))), Options{}, `f: is UTF-16LE text (without a byte-order mark); convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)`},

		// line endings and forced formats
		{"CR-only CSV", str(strings.ReplaceAll(oneRow, "\n", "\r")), Options{}, `f: lines end in a carriage return (CR) only, as on classic Mac OS; convert them to LF first (tr '\r' '\n' < old > new)`},
		{"CR-only TSV", str("user_id\tevent\ttimestamp\ru1\te\t2024-01-01\r"), Options{}, `f: lines end in a carriage return (CR) only, as on classic Mac OS; convert them to LF first (tr '\r' '\n' < old > new)`},
		{"CR-only JSON lines", str(`{"user_id":"u1","event":"e","timestamp":"2024-01-01"}` + "\r" + `{"user_id":"u2","event":"e","timestamp":"2024-01-01"}` + "\r"), Options{}, `f: lines end in a carriage return (CR) only, as on classic Mac OS; convert them to LF first (tr '\r' '\n' < old > new)`},
		{"JSON array as CSV", str(`[{"user_id":"u1","event":"e","timestamp":"2024-01-01"}]`), Options{Format: "csv"}, `f: --input-format csv, but this is JSON (it starts with '['); use --input-format json, or leave --input-format out`},
		{"JSON lines as TSV", str(`{"user_id":"u1","event":"e","timestamp":"2024-01-01"}` + "\n"), Options{Format: "tsv"}, `f: --input-format tsv, but this is JSON (it starts with '{'); use --input-format jsonl, or leave --input-format out`},

		// gzip
		{"junk after gzip", bytesIn(append(bytes.Clone(gz), "junk\n"...)), Options{}, `f: data after the end of the gzip stream (5 bytes): the file may be two files joined, or damaged`},
		{"gzip and plain text joined", bytesIn(append(bytes.Clone(gz), oneRow...)), Options{}, `f: data after the end of the gzip stream (50 bytes): the file may be two files joined, or damaged`},
		{"junk after two gzip members", bytesIn(append(append(bytes.Clone(gz), gzipOf("u2,e,2024-01-02T00:00:00Z\n")...), "\x00\x00junk"...)), Options{}, `f: data after the end of the gzip stream (6 bytes): the file may be two files joined, or damaged`},
		{"second gzip member cut short", bytesIn(append(bytes.Clone(gz), 0x1f, 0x8b, 0x08)), Options{}, `f: gzip data is truncated (unexpected end of file)`},
		{"gzip checksum", bytesIn(damaged(gz, -8)), Options{}, `f: gzip data is corrupt (checksum mismatch): the file is damaged or truncated`},
		{"gzip size", bytesIn(damaged(gz, -1)), Options{}, `f: gzip data is corrupt (checksum mismatch): the file is damaged or truncated`},
		{"gzip header", str("\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\xff"), Options{}, `f: gzip data is corrupt (invalid header): the file is damaged`},
		// a deflate block of the reserved type 3
		{"deflate data", str("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x07\x00"), Options{}, `f: gzip data is corrupt (invalid compressed data): the file is damaged`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read([]Input{tt.in}, tt.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

// Inputs that look odd but are fine read every row.
func TestSourceReads(t *testing.T) {
	row2 := "u2,e,2024-01-02T00:00:00Z\n"
	two := []string{"u1 e 2024-01-01T00:00:00Z", "u2 e 2024-01-02T00:00:00Z"}
	tests := []struct {
		name string
		in   Input
		opts Options
		want []string
	}{
		{"gzip files joined", BytesInput("f", append(gzipOf(oneRow), gzipOf(row2)...)), Options{}, two},
		{"an empty gzip member between", BytesInput("f", append(append(gzipOf(oneRow), gzipOf("")...), gzipOf(row2)...)), Options{}, two},
		{"gzip padded with zeros", BytesInput("f", append(gzipOf(oneRow+row2), make([]byte, 512)...)), Options{}, two},
		{"zip in memory", BytesInput("f", zipOf(t, member{"a.csv", oneRow + row2})), Options{}, two},
		// before: the first a.csv read twice, the second never
		{"zip members of one name", BytesInput("f", zipOf(t, member{"a.csv", oneRow}, member{"a.csv", "user_id,event,timestamp\n" + row2})), Options{}, two},
		{"zip file, members of one name", fileOf(t, "f.zip", zipOf(t, member{"a.csv", oneRow}, member{"a.csv", "user_id,event,timestamp\n" + row2})), Options{}, two},
		{"gzip from a pipe", pipeInput("f", gzipOf(oneRow+row2)), Options{}, two},
		{"CSV header starting with [", BytesInput("f", []byte("[user],event,timestamp\nu1,e,2024-01-01T00:00:00Z\n"+row2)), Options{UserCol: "[user]"}, two},
		{"the same, --input-format csv", BytesInput("f", []byte("[user];event;timestamp\nu1;e;2024-01-01T00:00:00Z\nu2;e;2024-01-02T00:00:00Z\n")), Options{UserCol: "[user]", Format: "csv"}, two},
		{"CRLF", BytesInput("f", []byte(strings.ReplaceAll(oneRow+row2, "\n", "\r\n"))), Options{}, two},
		{"JSON array of CR-ended lines", BytesInput("f", []byte("[\r"+`{"user_id":"u1","event":"e","timestamp":"2024-01-01T00:00:00Z"}`+",\r"+`{"user_id":"u2","event":"e","timestamp":"2024-01-02T00:00:00Z"}`+"\r]\r")), Options{}, two},
		{"UTF-8 BOM", BytesInput("f", []byte("\xef\xbb\xbf"+oneRow+row2)), Options{}, two},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Need.AllEvents = true
			d, err := Read([]Input{tt.in}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, events(d)); diff != "" {
				t.Errorf("events (-want +got)\n%s", diff)
			}
		})
	}
}

func TestSniffFormat(t *testing.T) {
	tests := []struct {
		head, format string
		sep          byte
	}{
		{"user_id,event,timestamp\n", "csv", ','},
		{"user_id\tevent\ttimestamp\n", "tsv", '\t'},
		{"user_id;event;timestamp\r\nu;e;t\r\n", "csv", ';'},
		{"[user],[event],[time]\n", "csv", ','},
		{"[time]|[event]|[user]\n", "csv", '|'},
		{"[truth],event\n", "csv", ','},
		{"[", "json", ','},
		{"[]", "json", ','},
		{" [\n  {\"a\": 1}\n]", "json", ','},
		{"[true, false]", "json", ','},
		{"[\"a\", \"b\"]", "json", ','},
		{`{"a":1}` + "\n" + `{"a":2}` + "\n", "jsonl", ','},
		{`{"a":1}` + "\r" + `{"a":2}` + "\r", "jsonl", ','},
		{"{\n  \"results\": []\n}", "json", ','},
	}
	for _, tt := range tests {
		format, sep := sniffFormat([]byte(tt.head))
		if format != tt.format || sep != tt.sep {
			t.Errorf("sniffFormat(%q) = %s %q, want %s %q", tt.head, format, sep, tt.format, tt.sep)
		}
	}
}

// withDeadline fails the test when read has not returned in 10 seconds: a
// pipe read twice waits for data that never comes.
func withDeadline(t *testing.T, read func() (*Dataset, error)) *Dataset {
	t.Helper()
	type result struct {
		d   *Dataset
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := read()
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.d
	case <-time.After(10 * time.Second):
		t.Fatal("reading the pipe has not ended after 10 s: it hangs")
	}
	return nil
}

// planRows is a file whose first column would lose its first bytes if
// the pipe were read twice ("plan" became "_id…").
const planRows = "plan,user_id,event,timestamp\npro,u1,e,2024-01-01T00:00:00Z\nfree,u2,e,2024-01-02T00:00:00Z\n"

func checkPlanRows(t *testing.T, d *Dataset) {
	t.Helper()
	if got := d.EventProps["plan"]; !cmp.Equal(got, []string{"pro", "free"}) {
		t.Errorf("plan values %q, want [pro free]", got)
	}
	if got := events(d); !cmp.Equal(got, []string{"u1 e 2024-01-01T00:00:00Z", "u2 e 2024-01-02T00:00:00Z"}) {
		t.Errorf("events %q", got)
	}
}

var planOpts = Options{Need: Need{AllEvents: true, EventProps: []string{"plan"}}}

// A named FIFO is opened once and read whole, gzipped or not.
func TestReadFIFO(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"plain", []byte(planRows)},
		{"gzip", gzipOf(planRows)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.csv")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				f.Write(tt.data)
				f.Close()
			}()
			checkPlanRows(t, withDeadline(t, func() (*Dataset, error) {
				return Read([]Input{FileInput(path, nil)}, planOpts)
			}))
		})
	}
}

// A pipe, given as stdin or by its /dev/fd path (a shell's <(…)), loses no
// bytes.
func TestReadPipe(t *testing.T) {
	for _, byPath := range []bool{false, true} {
		t.Run(fmt.Sprint("by path ", byPath), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			go func() {
				w.Write([]byte(planRows))
				w.Close()
			}()
			in := FileInput("-", r)
			if byPath {
				in = FileInput(fmt.Sprintf("/dev/fd/%d", r.Fd()), nil)
				if _, err := os.Stat(in.Name); err != nil {
					t.Skip("no /dev/fd here")
				}
			}
			checkPlanRows(t, withDeadline(t, func() (*Dataset, error) { return Read([]Input{in}, planOpts) }))
		})
	}
}

// A file given twice is read twice, and said to be.
func TestSameFiles(t *testing.T) {
	big := strings.Repeat("u1,e,2024-01-01T00:00:00Z\n", 50_000) // 1.3 MB
	withIDs := "event_id,user_id,event,timestamp\nx1,u1,e,2024-01-01T00:00:00Z\n"
	tests := []struct {
		name   string
		inputs []Input
		want   []SameFile
	}{
		{"once", []Input{BytesInput("a.csv", []byte(oneRow))}, nil},
		{"twice", []Input{BytesInput("a.csv", []byte(oneRow)), BytesInput("a.csv", []byte(oneRow))}, []SameFile{{Name: "a.csv", SameAs: "a.csv"}}},
		{"plain and gzipped", []Input{BytesInput("a.csv", []byte(oneRow)), BytesInput("b.csv.gz", gzipOf(oneRow)), BytesInput("c.csv", []byte(oneRow))},
			[]SameFile{{Name: "b.csv.gz", SameAs: "a.csv"}, {Name: "c.csv", SameAs: "a.csv"}}},
		{"two files", []Input{BytesInput("a.csv", []byte(oneRow)), BytesInput("b.csv", []byte(oneRow+"u2,e,2024-01-01T00:00:00Z\n"))}, nil},
		{"same first MiB, other sizes", []Input{BytesInput("a.csv", []byte("user_id,event,timestamp\n"+big)), BytesInput("b.csv", []byte("user_id,event,timestamp\n"+big+"u2,e,2024-01-01T00:00:00Z\n"))}, nil},
		{"zip members", []Input{BytesInput("z.zip", zipOf(t, member{"a.csv", oneRow}, member{"b.csv", oneRow}))}, []SameFile{{Name: "z.zip!b.csv", SameAs: "z.zip!a.csv"}}},
		{"dropped as duplicates", []Input{BytesInput("a.csv", []byte(withIDs)), BytesInput("b.csv", []byte(withIDs))}, []SameFile{{Name: "b.csv", SameAs: "a.csv", Dropped: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(tt.inputs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, d.Stats.SameFiles()); diff != "" {
				t.Errorf("same files (-want +got)\n%s", diff)
			}
		})
	}
}

// Reading a zip archive costs time in proportion to its files: each is
// opened from its own directory entry, with buffers reused.
func BenchmarkZipOfTinyFiles(b *testing.B) {
	var members []member
	for i := 0; i < 8000; i++ {
		members = append(members, member{fmt.Sprintf("m%05d.csv", i), fmt.Sprintf("user_id,event,timestamp\nu%d,e,2024-01-01T00:00:00Z\n", i)})
	}
	data := zipOf(b, members...)
	for b.Loop() {
		if _, err := Read([]Input{BytesInput("z.zip", data)}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzZip reads zip archives of two members, of any names and contents
// (the same name twice, the second gzipped, a zip inside): never a panic,
// and the events, users and counts of reading the members one by one.
func FuzzZip(f *testing.F) {
	f.Add([]byte(oneRow), []byte(oneRow), "a.csv", "b.csv", false, false)
	f.Add([]byte(oneRow), []byte("user_id,event,timestamp\nu2,e,2024-01-02T00:00:00Z\n"), "a.csv", "a.csv", true, false)
	f.Add([]byte(`{"user_id":"u1","event":"e","timestamp":"2024-01-01T00:00:00Z"}`+"\n"), []byte(`[{"user_id":"u2","event":"e","timestamp":"2024-01-01T00:00:00Z"}]`), "x/1.json", "x/0.json", false, true)
	f.Add([]byte(oneRow), zipOf(f, member{"in.csv", oneRow}), "a.csv", "in.zip", false, false)
	f.Add([]byte(oneRow), []byte(oneRow), "d/", ".DS_Store", false, false)
	f.Fuzz(func(t *testing.T, body1, body2 []byte, name1, name2 string, sameName, gzipped bool) {
		if sameName {
			name2 = name1
		}
		if gzipped {
			body2 = gzipOf(string(body2))
		}
		members := []member{{name1, string(body1)}, {name2, string(body2)}}
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, m := range members {
			w, err := zw.Create(m.name)
			if err != nil {
				t.Skip(err) // a name zip cannot hold
			}
			if _, err := w.Write([]byte(m.body)); err != nil {
				t.Skip(err) // data for a folder
			}
		}
		if err := zw.Close(); err != nil {
			t.Skip(err)
		}
		opts := Options{Need: Need{AllEvents: true}}
		whole, werr := Read([]Input{BytesInput("z.zip", b.Bytes())}, opts)

		slices.SortStableFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
		var each []Input
		for _, m := range members {
			if !unlisted(m.name) {
				each = append(each, pipeInput("z.zip!"+m.name, []byte(m.body)))
			}
		}
		if len(each) == 0 {
			if werr == nil || werr.Error() != "z.zip: the zip archive holds no files" {
				t.Fatalf("an archive of no files read: %v", werr)
			}
			return
		}
		one, oerr := Read(each, opts)
		switch {
		case (werr == nil) != (oerr == nil):
			t.Fatalf("the archive: %v; its members one by one: %v", werr, oerr)
		case werr != nil:
			// a zip inside is named as a member of the archive
			if werr.Error() != oerr.Error() && !strings.Contains(werr.Error(), "is itself a zip archive: unzip it first") {
				t.Fatalf("the archive: %v\none by one: %v", werr, oerr)
			}
			return
		}
		if diff := cmp.Diff(events(one), events(whole)); diff != "" {
			t.Errorf("events (-one by one +archive)\n%s", diff)
		}
		if !cmp.Equal(one.Users, whole.Users) || one.Stats.Counts != whole.Stats.Counts {
			t.Errorf("users %q counts %+v, one by one %q %+v", whole.Users, whole.Stats.Counts, one.Users, one.Stats.Counts)
		}
	})
}
