package ingest

import (
	"bytes"
	"compress/gzip"
	"sync"
	"testing"

	"github.com/uptake-dev/uptake/ingest/demo"
)

// Benchmarks read a demo export held in memory (about 1M events), so disk
// speed does not count. scripts/bench.sh measures whole-file runs.

var (
	benchOnce            sync.Once
	benchCSV, benchJSONL []byte
	benchGz, benchPQ     []byte
)

func benchData(b *testing.B) {
	benchOnce.Do(func() {
		benchCSV = demo.CSV(11000, 3)
		benchJSONL = csvToJSONL(benchCSV)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(benchCSV)
		zw.Close()
		benchGz = buf.Bytes()
		var pq bytes.Buffer
		demo.WriteShape(&pq, 11000, 3, "parquet")
		benchPQ = pq.Bytes()
	})
}

// csvToJSONL rewrites the demo CSV as one JSON object per line with the
// user properties nested under "properties", like analytics exports.
func csvToJSONL(csv []byte) []byte {
	var out bytes.Buffer
	lines := bytes.Split(csv, []byte("\n"))
	head := bytes.Split(lines[0], []byte(","))
	for _, l := range lines[1:] {
		if len(l) == 0 {
			continue
		}
		f := bytes.Split(l, []byte(","))
		out.WriteString(`{"timestamp":"` + string(f[0]) + `","user_id":"` + string(f[1]) + `","event":"` + string(f[2]) + `","properties":{`)
		n := 0
		for i := 3; i < len(f); i++ {
			if len(f[i]) == 0 {
				continue
			}
			if n > 0 {
				out.WriteByte(',')
			}
			out.WriteString(`"` + string(head[i]) + `":"` + string(f[i]) + `"`)
			n++
		}
		out.WriteString("}}\n")
	}
	return out.Bytes()
}

// benchRead reports, besides the time, the CPU time (user and system) per
// read: on a shared machine the wall time shows what other processes left,
// the CPU time what the read costs.
func benchRead(b *testing.B, data []byte, need Need) {
	b.SetBytes(int64(len(data)))
	var rows int64
	cpu0 := cpuTime()
	for b.Loop() {
		d, err := Read([]Input{BytesInput("bench", data)}, Options{Need: need})
		if err != nil {
			b.Fatal(err)
		}
		rows = d.Stats.Rows
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkReadParquetInspect reads the same events as Parquet (zstd),
// every column for the property statistics.
func BenchmarkReadParquetInspect(b *testing.B) {
	benchData(b)
	benchRead(b, benchPQ, Need{PropertyStats: true})
}

// BenchmarkReadParquet reads only the user, event and time columns.
func BenchmarkReadParquet(b *testing.B) {
	benchData(b)
	benchRead(b, benchPQ, Need{})
}

func BenchmarkReadCSV(b *testing.B) {
	benchData(b)
	benchRead(b, benchCSV, Need{})
}

func BenchmarkReadCSVInspect(b *testing.B) {
	benchData(b)
	benchRead(b, benchCSV, Need{PropertyStats: true})
}

func BenchmarkReadCSVKeepAll(b *testing.B) {
	benchData(b)
	benchRead(b, benchCSV, Need{AllEvents: true})
}

func BenchmarkReadJSONL(b *testing.B) {
	benchData(b)
	benchRead(b, benchJSONL, Need{PropertyStats: true})
}

func BenchmarkReadCSVGzip(b *testing.B) {
	benchData(b)
	benchRead(b, benchGz, Need{})
}

// BenchmarkJSONScan is the JSON scanner alone, one goroutine, on the demo
// JSONL lines, configured as inspect configures it (the planned paths and
// property-key statistics): the part of ReadJSONL that parallel workers and
// the machine's scheduling do not blur.
func BenchmarkJSONScan(b *testing.B) {
	benchData(b)
	lines := bytes.Split(bytes.TrimSpace(benchJSONL), []byte("\n"))[:100000]
	c := newConsumer(Options{Need: Need{PropertyStats: true}})
	p, err := planJSON(&c.opts, c.keys, "bench", lines[:100])
	if err != nil {
		b.Fatal(err)
	}
	w := newWorker(p)
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	b.SetBytes(n)
	for b.Loop() {
		for _, l := range lines {
			w.js.keys = w.js.keys[:0]
			if err := w.js.scan(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
