package metrics

import (
	"encoding/csv"
	"math"
	"reflect"
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
	f.Add("cohort,step,event,users,median_seconds_from_previous,avg_seconds_from_previous,censored_users,exclusions,censored,status,as_of_unix_us\n" +
		"(all),1,a,5,,,0,0,,,1722383920000001\n(all),2,b,3,1,1,0,0,,,1722383920000001\n2024-01,1,a,5,,,,,0,complete,1\n2024-01,2,b,7,,,,,1,warm_up,1\n2024-02,2,b,1,,,,,0,x,1\n")
	f.Add("cohort,eligible,activated,censored,median_ttv_seconds,min_ttv_seconds,p25_ttv_seconds,p75_ttv_seconds,p90_ttv_seconds,max_ttv_seconds,anchored,no_anchor,events_before_anchor,status\n" +
		"(all),10,4,0,1,1,1,1,1,1,10,0,0,\n2024-01,4,5,0,,,,,,,,,,warm_up\n")
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
			// the defaults, and with two steps and weekly cohorts where the
			// settings have them (the cohort rows' reader)
			for _, cohorts := range []bool{false, true} {
				s := m.NewSettings()
				if v := reflect.ValueOf(s).Elem(); cohorts {
					if f := v.FieldByName("CohortPeriod"); !f.IsValid() {
						continue
					} else {
						f.SetString("week")
					}
					if f := v.FieldByName("Steps"); f.IsValid() {
						f.Set(reflect.ValueOf(Steps{Text: "a,b", Names: []string{"a", "b"}}))
					}
				}
				run := &Run{Loc: time.UTC, Level: 0.95, Range: Range{AsOf: math.MaxInt64}}
				if at, ok, err := q.AsOf(); ok && err == nil {
					run.Range.AsOf = at.UnixNano()
				}
				_, _ = m.EvaluateRows(run, s, q)
			}
		}
	})
}
