package ingest

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	pqformat "github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// maxPageSize bounds a page's stated size: writers cut pages at about
// 1 MiB; a damaged header can state 2 GiB.
const maxPageSize = 1 << 30

// checkLZ4 decompresses every page of an LZ4_RAW column chunk into the
// size its header states, before parquet-go reads it: parquet-go's
// LZ4_RAW decoder retries a block it cannot decode with a buffer twice as
// large, without end, so one damaged page would take all the memory there
// is. Each page is decompressed twice; LZ4 runs at GB/s.
func checkLZ4(f *parquet.File, md *pqformat.ColumnMetaData) error {
	start := md.DataPageOffset
	if d := md.DictionaryPageOffset; d > 0 && d < start {
		start = d
	}
	n := md.TotalCompressedSize
	if start < 4 || n < 0 || n > f.Size()-start {
		return errors.New("its pages lie outside the file")
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, start); err != nil {
		return err
	}
	var proto thrift.CompactProtocol
	var dst []byte
	for pos := 0; pos < len(buf); {
		var h pqformat.PageHeader
		r := proto.NewReaderFromBytes(buf[pos:])
		if err := thrift.NewDecoder(r).Decode(&h); err != nil {
			return fmt.Errorf("a page header: %w", err)
		}
		pos += r.BytesRead()
		cs, us := int(h.CompressedPageSize), int(h.UncompressedPageSize)
		if cs < 0 || cs > len(buf)-pos || us < 0 || us > maxPageSize {
			return fmt.Errorf("a page of %d bytes (%d uncompressed) in %d", cs, us, len(buf)-pos)
		}
		data := buf[pos : pos+cs]
		pos += cs
		if v2 := h.DataPageHeaderV2; h.Type == pqformat.DataPageV2 && v2.Valid {
			levels := int(v2.V.RepetitionLevelsByteLength) + int(v2.V.DefinitionLevelsByteLength)
			if levels < 0 || levels > cs || levels > us {
				return errors.New("a page's levels are longer than the page")
			}
			if v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V {
				continue
			}
			data, us = data[levels:], us-levels
		}
		if cap(dst) < us {
			dst = make([]byte, us)
		}
		if m, err := lz4.UncompressBlock(data, dst[:us]); err != nil || m != us {
			return errors.New("an LZ4 page does not decompress to its stated size")
		}
	}
	return nil
}
