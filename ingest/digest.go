package ingest

import (
	"crypto/sha256"
	"hash"
	"io"
)

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
