package ingest

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

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
	ra, random := rc.(io.ReaderAt)
	if f := container(magic); f != nil && random && size >= 0 {
		members, err := f.expand(in.Name, ra, size)
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
	if random && size >= 0 {
		in.ra, in.size = ra, size
	}
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
