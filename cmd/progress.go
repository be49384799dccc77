package cmd

import (
	"fmt"
	"io"
	"time"

	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/report"
)

// startProgress redraws one status line on w (a terminal) every 200 ms while
// ingest runs: file, bytes read of the total, rows, rate and ETA. The
// returned function stops it and clears the line. Reads that finish within
// half a second print nothing.
func startProgress(w io.Writer, p *ingest.Progress) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(w, "\r\x1b[K")
				}
				return
			case now := <-tick.C:
				el := now.Sub(start)
				if el < 500*time.Millisecond {
					continue
				}
				fmt.Fprint(w, "\r\x1b[K"+progressLine(p, el))
				drawn = true
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func progressLine(p *ingest.Progress, el time.Duration) string {
	name := ""
	if f := p.File.Load(); f != nil {
		name = report.Safe(*f)
	}
	b, total, rows := p.Bytes.Load(), p.Total.Load(), p.Rows.Load()
	rate := float64(b) / el.Seconds()
	line := fmt.Sprintf("reading %s: %s", name, mb(b))
	if total > 0 {
		line += fmt.Sprintf(" of %s (%.0f%%)", mb(total), 100*float64(b)/float64(total))
	}
	line += fmt.Sprintf(", %s rows, %s/s", report.Thousands(rows), mb(int64(rate)))
	if total > 0 && rate > 0 && b < total {
		eta := time.Duration(float64(total-b) / rate * float64(time.Second))
		line += ", ETA " + eta.Round(time.Second).String()
	}
	return line
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
