package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
)

// SurveyOptions control ReadSurvey.
type SurveyOptions struct {
	Metric     string // nps, csat or ces: which header names mean "the score"
	ScoreCol   string
	UserCol    string // respondent id column
	TimeCol    string
	SegmentCol string // --by
	AssumeTZ   *time.Location
	// SkipInvalid skips rows whose timestamp cannot be read (and counts them)
	// instead of failing.
	SkipInvalid bool
}

// SurveyRow is one answer as written: the score is still raw text, so that
// the metric can tell missing from invalid and name the line.
type SurveyRow struct {
	Respondent string
	Score      string
	Segment    string
	Time       int64
	HasTime    bool
	Naive      bool
	Source     string // file:line
}

// SurveyFile says how one file was read.
type SurveyFile struct {
	Name       string `json:"path"`
	Score      Field  `json:"score"`
	Respondent Field  `json:"respondent"`
	Time       Field  `json:"time"`
	TimeForm   string `json:"time_form,omitempty"`
	Rows       int64  `json:"rows"`
	Skipped    int64  `json:"skipped"`
}

// Survey is what ReadSurvey returns.
type Survey struct {
	Rows        []SurveyRow
	Files       []SurveyFile
	Naive       int64
	SkipSamples []string
}

// Header names that identify a survey's columns (FORMATS.md §8.3), in order
// of preference. Score names are matched as substrings of the normalised
// header, the others exactly first and then as substrings.
var (
	scoreHints = map[string][]string{
		"nps":  {"nps", "recommend", "likely", "likelihood"},
		"csat": {"csat", "satisf"},
		"ces":  {"ces", "effort", "easy", "ease"},
	}
	genericScore = []string{"score", "rating", "answer", "response"}
	// the person first (dedupe is per respondent), per-response ids last
	respondentNames = []string{"user_id", "customer_id", "customer_unique_id", "person_id", "respondent_id", "external_reference",
		"external_id", "email", "response_id", "token", "#", "id", "review_id"}
	surveyTimeNames = []string{"submitted_at", "submit_date", "recorded_date", "end_date", "created_at", "timestamp",
		"review_creation_date", "date", "time", "created"}
	surveyTimeHints = []string{"submit", "recorded", "enddate", "created", "creation", "timestamp", "date", "time"}
)

// surveyRecord is the row type gocsv fills: the header reader renames the
// chosen columns to these names (and every other column to a name no tag
// matches), so any file shape lands in one typed struct. Scores stay text:
// gocsv's own number parsing would turn "9.7" into 9 and "" into 0.
type surveyRecord struct {
	Respondent string `csv:"respondent"`
	Score      string `csv:"score"`
	Time       string `csv:"time"`
	Segment    string `csv:"segment"`
}

// surveyHeader wraps encoding/csv for gocsv: it maps the header (BOM,
// spaces, case and punctuation folded, as for event files), fails on a
// missing required column, and remembers each record's line.
type surveyHeader struct {
	r     *csv.Reader
	name  string
	o     SurveyOptions
	file  SurveyFile
	lines []int
	seen  bool
	err   error
}

func (h *surveyHeader) Read() ([]string, error) {
	rec, err := h.r.Read()
	if err != nil {
		return nil, err
	}
	line, _ := h.r.FieldPos(0)
	if h.seen {
		h.lines = append(h.lines, line)
		return rec, nil
	}
	h.seen = true
	if err := h.mapHeader(rec); err != nil {
		h.err = err
		return nil, err
	}
	return rec, nil
}

func (h *surveyHeader) ReadAll() ([][]string, error) {
	var all [][]string
	for {
		rec, err := h.Read()
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return nil, err
		}
		all = append(all, rec)
	}
}

func (h *surveyHeader) mapHeader(rec []string) error {
	hi := newHeaderIndex(rec)
	pick := func(role, override, flag string, exact, hints []string) (int, Field, error) {
		if override != "" {
			if i, ok := hi.find(override); ok {
				return i, Field{Paths: []string{hi.names[i]}, Reason: "set with " + flag}, nil
			}
			return -1, Field{}, fmt.Errorf("%s: no column %q (named with %s; have %s)", h.name, override, flag, hi.list())
		}
		for _, c := range exact {
			if i, ok := hi.find(c); ok {
				return i, Field{Paths: []string{hi.names[i]}, Reason: fmt.Sprintf("matches the %s name %q", role, c)}, nil
			}
		}
		for _, hint := range hints {
			for i, n := range hi.names {
				if nameHas(n, hint) {
					return i, Field{Paths: []string{n}, Reason: fmt.Sprintf("its name contains %q", hint)}, nil
				}
			}
		}
		return -1, Field{}, nil
	}
	if h.o.ScoreCol == "" {
		// an event export read by mistake would make every other event a
		// "missing answer" and the rest a plausible, wrong score
		for _, e := range []string{"event", "event_name", "event_type"} {
			if i, ok := hi.find(e); ok {
				return fmt.Errorf("%s: this looks like an event export (it has an %q column), not a survey file: give --event (the answer event) and --score-prop, or --score-col to read it as one answer per row",
					h.name, hi.names[i])
			}
		}
	}
	score, f, err := pick("score", h.o.ScoreCol, "--score-col", nil, scoreHints[h.o.Metric])
	if err != nil {
		return err
	}
	if score < 0 {
		score, f, _ = pick("score", "", "", genericScore, nil)
	}
	if score < 0 {
		return fmt.Errorf("%s: no %s score column found (looked for names containing %s, then %s; have %s); name it with --score-col, or for an event export give --event and --score-prop",
			h.name, strings.ToUpper(h.o.Metric), strings.Join(scoreHints[h.o.Metric], ", "), strings.Join(genericScore, ", "), hi.list())
	}
	h.file.Score = f
	resp, rf, err := pick("respondent", h.o.UserCol, "--user-col", respondentNames, nil)
	if err != nil {
		return err
	}
	h.file.Respondent = rf
	if resp < 0 {
		h.file.Respondent.Reason = "no respondent id column: every row is its own respondent"
	}
	tcol, tf, err := pick("time", h.o.TimeCol, "--time-col", surveyTimeNames, surveyTimeHints)
	if err != nil {
		return err
	}
	h.file.Time = tf
	seg := -1
	if h.o.SegmentCol != "" {
		var ok bool
		if seg, ok = hi.find(h.o.SegmentCol); !ok {
			return fmt.Errorf("%s: --by %s: no column %q (have %s)", h.name, h.o.SegmentCol, h.o.SegmentCol, hi.list())
		}
	}
	for i := range rec {
		rec[i] = fmt.Sprintf("\x00unused%d", i)
	}
	rec[score] = "score"
	if resp >= 0 && resp != score {
		rec[resp] = "respondent"
	}
	if tcol >= 0 && tcol != score {
		rec[tcol] = "time"
	}
	if seg >= 0 {
		rec[seg] = "segment"
	}
	return nil
}

// nameHas reports whether a header contains a hint: as a word for short
// hints ("ces" is in "CES score", not in "preferences"), as a substring of
// the normalised name for longer ones ("satisf" in "Satisfaction").
func nameHas(header, hint string) bool {
	if len(hint) > 4 {
		return strings.Contains(normalizeName(header), normalizeName(hint))
	}
	words := strings.FieldsFunc(strings.ToLower(header), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	return slices.Contains(words, hint)
}

// ReadSurvey reads survey files: CSV or TSV, one row per answer, plain or
// gzipped. Only the score column is required.
func ReadSurvey(inputs []Input, o SurveyOptions) (*Survey, error) {
	if o.AssumeTZ == nil {
		o.AssumeTZ = time.UTC
	}
	s := &Survey{}
	for _, in := range inputs {
		if err := s.read(in, o); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Survey) read(in Input, o SurveyOptions) error {
	op, err := openInput(in, nil)
	if err != nil {
		return err
	}
	defer op.close()
	head, _ := op.r.Peek(64 << 10)
	format, sep := sniffFormat(head)
	if format == "json" || format == "jsonl" {
		return fmt.Errorf("%s: survey files are read as CSV or TSV; for answers inside an event export give --event and --score-prop", in.Name)
	}
	cr := csv.NewReader(op.r)
	cr.Comma = rune(sep)
	h := &surveyHeader{r: cr, name: in.Name, o: o, file: SurveyFile{Name: in.Name}}
	var recs []surveyRecord
	if err := gocsv.UnmarshalCSV(h, &recs); err != nil {
		var pe *csv.ParseError
		switch {
		case h.err != nil:
			return h.err
		case errors.As(err, &pe):
			return &RowError{File: in.Name, Line: pe.Line, Msg: pe.Err.Error()}
		case errors.Is(err, gocsv.ErrEmptyCSVFile):
			return fmt.Errorf("%s: empty file: expected a header row and answers", in.Name)
		}
		return fmt.Errorf("%s: %w", in.Name, err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: header only: no answers", in.Name)
	}
	var tp timeParser
	if len(h.file.Time.Paths) > 0 {
		var sample []string
		for _, r := range recs[:min(len(recs), 500)] {
			if r.Time != "" {
				sample = append(sample, r.Time)
			}
		}
		tp, h.file.TimeForm = sampleTimeColumn(sample, o.AssumeTZ)
	}
	for i, r := range recs {
		row := SurveyRow{Respondent: strings.TrimSpace(r.Respondent), Score: r.Score, Segment: r.Segment,
			Source: fmt.Sprintf("%s:%d", in.Name, h.lines[i])}
		h.file.Rows++
		if len(h.file.Time.Paths) > 0 && strings.TrimSpace(r.Time) != "" {
			t, naive, err := tp.parse([]byte(strings.TrimSpace(r.Time)))
			if err != nil {
				e := &RowError{File: in.Name, Line: h.lines[i], Column: h.file.Time.Column(), Msg: quoteValue([]byte(r.Time)) + " is not a timestamp"}
				if !o.SkipInvalid {
					return e
				}
				h.file.Skipped++
				if len(s.SkipSamples) < 5 {
					s.SkipSamples = append(s.SkipSamples, e.Error())
				}
				continue
			}
			row.Time, row.HasTime, row.Naive = t, true, naive
			if naive {
				s.Naive++
			}
		}
		s.Rows = append(s.Rows, row)
	}
	s.Files = append(s.Files, h.file)
	return nil
}
