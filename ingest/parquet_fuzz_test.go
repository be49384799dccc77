package ingest

import (
	"errors"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// FuzzParquet feeds the reader any bytes that start as Parquet does: it
// must return events or an error, never panic or hang. Seeds are valid
// files of each shape the reader handles (dictionaries, nulls, JSON text,
// typed timestamps, nested and repeated columns, snappy pages) and cuts of
// them.
func FuzzParquet(f *testing.F) {
	seeds := [][]byte{
		parquetOf(f, simpleRows()),
		parquetOf(f, simpleRows(), parquet.Compression(&snappy.Codec{}), parquet.DataPageVersion(1)),
		parquetOf(f, posthogRows()),
		parquetOf(f, simpleRows(), parquet.Compression(&parquet.Lz4Raw)),
	}
	type nested struct {
		Ctx struct {
			Page string `parquet:"page,optional"`
		} `parquet:"ctx,optional"`
		U    string   `parquet:"user_id"`
		E    string   `parquet:"event"`
		TS   int32    `parquet:"timestamp,date"`
		Tags []string `parquet:"tags,list"`
		F    float64  `parquet:"f"`
		B    bool     `parquet:"b"`
	}
	seeds = append(seeds, parquetOf(f, []nested{{U: "u", E: "e", TS: 19000, Tags: []string{"a", "b"}, F: 1.5, B: true}}))
	for _, s := range seeds[:len(seeds):len(seeds)] {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !isParquet(data) {
			return
		}
		done := make(chan error, 1)
		go func() {
			_, err := Read([]Input{BytesInput("f.parquet", data)}, Options{SkipInvalid: true,
				Need: Need{PropertyStats: true, AllEvents: true, UserProps: []string{"plan", "$browser", "ctx.page"}}})
			done <- err
		}()
		select {
		case err := <-done:
			var p *Panic
			if errors.As(err, &p) {
				t.Fatalf("panic: %v\n%s", p.Value, p.Stack)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no answer in 10 s")
		}
	})
}
