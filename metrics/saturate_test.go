package metrics

import (
	"math"
	"testing"
	"time"
)

// Window and period ends beyond what int64 ns hold saturate: they are
// never complete, where the wrapped value lay in the distant past.
func TestEndsSaturate(t *testing.T) {
	anchor := time.Date(2261, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	asOf := time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	ny, _ := time.LoadLocation("America/New_York")
	cal := Calendar{Period: Month, Loc: ny}
	for _, tt := range []struct {
		name string
		end  int64
	}{
		{"elapsed window of 100 years", Window{Length: 100 * 365 * 24 * time.Hour}.End(anchor)},
		{"calendar window of 100 years", Window{Length: 36500 * 24 * time.Hour, Calendar: true, Loc: ny}.End(anchor)},
		{"the 1000th month after", unixNS(cal.PeriodStart(cal.Index(anchor) + 1000))},
		{"elapsed bracket", addNS(anchor, 1001*30*86400e9)},
	} {
		if tt.end != math.MaxInt64 || (Range{AsOf: asOf}).Complete(tt.end) {
			t.Errorf("%s: end %d, want the largest instant, never complete", tt.name, tt.end)
		}
	}
	if got := unixNS(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)); got != math.MinInt64 {
		t.Errorf("year 1000: %d, want the smallest instant", got)
	}
	// within the range nothing changes
	if got := (Window{Length: 7 * 24 * time.Hour}).End(anchor); got != anchor+7*86400e9 {
		t.Errorf("7d: %d", got)
	}
}
