package ingest

import (
	"testing"
	"time"
)

// FuzzReadSurvey: a survey file of any bytes, CSV or JSON, is read or
// refused with an error; it never panics, and every answer it returns names
// the line it came from.
func FuzzReadSurvey(f *testing.F) {
	for _, s := range []string{
		"Score,Email,Date\n9,a@x,2024-01-01\n3,b@x,2024-01-02\n",
		"score,score\n1,2\n",
		`[{"score":9,"person":{"email":"a@x"},"created_at":1709251200,"survey_type":"nps"}]`,
		"Response ID,How likely,Submitted At\n\"r1\",\"10\",\"2024-01-01 10:00:00\"\n",
		"{\"score\":9}\n{\"score\":\n",
	} {
		f.Add([]byte(s), "nps")
	}
	f.Fuzz(func(t *testing.T, data []byte, metric string) {
		if metric != "nps" && metric != "csat" && metric != "ces" {
			metric = "nps"
		}
		s, err := ReadSurvey([]Input{BytesInput("f", data)}, SurveyOptions{Metric: metric, AssumeTZ: time.UTC, SkipInvalid: len(data)%2 == 0})
		if err != nil {
			return
		}
		for _, r := range s.Rows {
			if r.Source == "" {
				t.Fatalf("an answer without its line: %+v", r)
			}
		}
	})
}
