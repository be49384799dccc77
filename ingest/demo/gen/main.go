// Command gen writes demo.csv.gz, the export embedded in the uptake binary.
// Run it with `go generate ./ingest/demo`.
package main

import (
	"bytes"
	"compress/gzip"
	"log"
	"os"

	"github.com/uptake-dev/uptake/ingest/demo"
)

func main() {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if err := demo.Write(zw, demo.DefaultUsers, demo.DefaultSeed); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("demo.csv.gz", buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
