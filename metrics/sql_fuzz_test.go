package metrics

import (
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzFromRows: whatever a query's result holds (a hand-edited CSV, the
// wrong query's result), reading it back is a result or an error naming
// the row and column, never a panic — for every metric that reads rows.
func FuzzFromRows(f *testing.F) {
	f.Add("eligible,activated,rate,censored,median_ttv_seconds,min_ttv_seconds,p25_ttv_seconds,p75_ttv_seconds,p90_ttv_seconds,max_ttv_seconds,anchored,no_anchor,events_before_anchor\n10,4,0.4,2,3600,60,1800,7200,9000,10000,12,1,0\n")
	f.Add("eligible,activated\n-1,5\n")
	f.Add("a,b\n1\n\"x\n")
	f.Add("cohort,size,offset,eligible,retained,rate,status\n2024-01-01,5,0,5,5,1,complete\n2024-01-01,5,1,5,9,1.8,incomplete\n")
	f.Add("period,start_users,retained,churned,churn_rate,retention_rate\n2024-02,3,5,-2,,\n")
	f.Fuzz(func(t *testing.T, text string) {
		r := csv.NewReader(strings.NewReader(text))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil || len(recs) == 0 {
			return
		}
		q := &QueryRows{Columns: recs[0], Rows: recs[1:], Source: "fuzz.csv"}
		for _, m := range Registry {
			if !m.HasSQL() {
				continue
			}
			s := m.NewSettings()
			run := &Run{Loc: time.UTC, Level: 0.95, Range: Range{AsOf: math.MaxInt64}}
			_, _ = m.EvaluateRows(run, s, q)
		}
	})
}
