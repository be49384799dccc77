package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// surveyJSONVendor pulls answers out of one vendor's JSON records.
type surveyJSONVendor struct {
	name   string
	scale  string // a scale the export fixes ("good-bad"), or ""
	detect func(m record) bool
	// answer returns the raw score (ok=false: not an answer), respondent
	// and Unix-seconds time of a record, and whether it is for metric.
	answer func(m map[string]any, metric string) (score, who string, sec float64, ok, forMetric bool)
}

var surveyJSONVendors = []surveyJSONVendor{
	{name: "delighted",
		detect: func(m record) bool { return hasAll(m, "score", "survey_type") },
		answer: func(m map[string]any, metric string) (string, string, float64, bool, bool) {
			who := str(sub(m, "person_properties")["user_id"])
			if who == "" {
				who = str(m["person"])
			}
			t, _ := m["created_at"].(float64)
			typ := strings.ToLower(str(m["survey_type"]))
			return str(m["score"]), who, t, m["score"] != nil, typ == metric
		}},
	{name: "intercom",
		detect: func(m record) bool { _, ok := m["conversation_rating"]; return ok },
		answer: func(m map[string]any, metric string) (string, string, float64, bool, bool) {
			r := sub(m, "conversation_rating")
			if r == nil || r["rating"] == nil {
				return "", "", 0, false, metric == "csat" // an unrated conversation
			}
			who := ""
			if cs, ok := sub(m, "contacts")["contacts"].([]any); ok && len(cs) > 0 {
				if c, ok := cs[0].(map[string]any); ok {
					who = str(c["external_id"])
					if who == "" {
						who = str(c["id"])
					}
				}
			}
			t, _ := r["created_at"].(float64)
			return str(r["rating"]), who, t, true, metric == "csat"
		}},
	{name: "zendesk", scale: "good-bad",
		detect: func(m record) bool {
			sc := str(m["score"])
			return m["ticket_id"] != nil && (sc == "good" || sc == "bad" || sc == "offered" || sc == "unoffered")
		},
		answer: func(m map[string]any, metric string) (string, string, float64, bool, bool) {
			var score string
			switch str(m["score"]) {
			case "good":
				score = "1"
			case "bad":
				score = "0"
			default:
				return "", "", 0, false, metric == "csat" // offered or unoffered: not a response
			}
			var sec float64
			if t, err := time.Parse(time.RFC3339, str(m["created_at"])); err == nil {
				sec = float64(t.Unix())
			}
			return score, str(m["requester_id"]), sec, true, metric == "csat"
		}},
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// readJSON reads survey answers from a vendor's JSON or JSON lines export.
func (s *Survey) readJSON(name string, op *opened, format string, o SurveyOptions) error {
	data, err := io.ReadAll(op.r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var recs [][]byte
	var lines []int
	if format == "jsonl" {
		for i, l := range bytes.Split(data, nl) {
			if len(bytes.TrimSpace(l)) > 0 {
				recs = append(recs, l)
				lines = append(lines, i+1)
			}
		}
	} else if recs, lines, err = jsonRecords(name, data); err != nil {
		return err
	}
	f := SurveyFile{Name: name, Content: op.content}
	var v *surveyJSONVendor
	for i, rec := range recs {
		var m map[string]any
		if err := json.Unmarshal(rec, &m); err != nil {
			return &RowError{File: name, Line: lines[i], Msg: "invalid JSON: " + err.Error()}
		}
		if v == nil {
			for j := range surveyJSONVendors {
				if surveyJSONVendors[j].detect(m) {
					v = &surveyJSONVendors[j]
					break
				}
			}
			if v == nil {
				return fmt.Errorf("%s: a JSON survey export from Delighted, Intercom or Zendesk was expected; for answers inside an event export give --event and --score-prop", name)
			}
			f.Vendor = v.name
			f.Score = Field{Paths: []string{"score"}, Reason: "the " + v.name + " export's rating"}
			f.Respondent = Field{Paths: []string{"respondent"}, Reason: "the " + v.name + " export's person"}
			f.Time = Field{Paths: []string{"created_at"}, Reason: "the " + v.name + " export's time"}
			f.TimeForm = "unix seconds"
			if v.scale != "" {
				s.Scale = v.scale
			}
		}
		f.Rows++
		score, who, sec, ok, forMetric := v.answer(m, o.Metric)
		if !ok || !forMetric {
			f.NotAnswers++ // not a rating, or another survey's (Delighted's csat in an nps run)
			continue
		}
		row := SurveyRow{Respondent: who, Score: score, Source: fmt.Sprintf("%s:%d", name, lines[i])}
		if sec != 0 {
			t, err := floatSecondsNanos(sec)
			if err != nil {
				e := &RowError{File: name, Line: lines[i], Column: "created_at", Msg: err.Error()}
				if !o.SkipInvalid {
					return e
				}
				f.Skipped++
				if len(s.SkipSamples) < 5 {
					s.SkipSamples = append(s.SkipSamples, e.Error())
				}
				continue
			}
			row.Time, row.HasTime = t, true
		}
		if o.SegmentCol != "" {
			row.Segment = str(m[o.SegmentCol])
			if row.Segment == "" {
				row.Segment = str(sub(m, "person_properties")[o.SegmentCol])
			}
		}
		s.Rows = append(s.Rows, row)
	}
	if f.Rows == 0 {
		return fmt.Errorf("%s: no records", name)
	}
	s.Files = append(s.Files, f)
	return nil
}
