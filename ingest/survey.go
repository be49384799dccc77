package ingest

import (
	"encoding/csv"
	"encoding/json"
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
	Vendor     string `json:"vendor"`
	Score      Field  `json:"score"`
	Respondent Field  `json:"respondent"`
	Time       Field  `json:"time"`
	TimeForm   string `json:"time_form,omitempty"`
	Rows       int64  `json:"rows"`
	Skipped    int64  `json:"skipped"`
	// NotAnswers are rows that are not answers: partial or preview
	// responses, unrated conversations, offered-but-unrated ratings.
	NotAnswers int64          `json:"not_answers"`
	Content    *ContentDigest `json:"-"` // see SameFiles
	// Renamed are the columns whose header repeats an earlier one's.
	Renamed []ColumnRename `json:"renamed,omitempty"`
}

// Survey is what ReadSurvey returns.
type Survey struct {
	Rows        []SurveyRow
	Files       []SurveyFile
	Naive       int64
	SkipSamples []string
	// Scale, when set, is the scale the export itself fixes (Zendesk's
	// good/bad ratings are "good-bad").
	Scale string
}

// Header names that identify a survey's columns (docs/formats.md#survey-files), in order
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
	respondentNames = []string{"user_id", "customer_id", "customer_unique_id", "person_id", "external_reference",
		"custom_data_1", "external_id", "respondent_id", "email", "response_id", "token", "#", "id", "review_id"}
	surveyTimeNames = []string{"submitted_at", "submit_date_utc", "submit_date", "recorded_date", "end_date", "created_at",
		"timestamp", "review_creation_date", "date", "time", "created"}
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
	// vendor columns that say a row is not an answer
	ResponseType string `csv:"x_response_type"` // Typeform: completed | partial
	Status       string `csv:"x_status"`        // Qualtrics: 0 answer, 1 preview, 2 test, 8 spam
	Finished     string `csv:"x_finished"`      // Qualtrics: 1 | 0
}

// notAnswer reports whether a vendor marks the row as not an answer.
func (r *surveyRecord) notAnswer() bool {
	switch {
	case strings.EqualFold(strings.TrimSpace(r.ResponseType), "partial"):
		return true
	case r.Status != "" && strings.TrimSpace(r.Status) != "0":
		return true
	}
	f := strings.ToLower(strings.TrimSpace(r.Finished))
	return f == "0" || f == "false"
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
	// sub-header rows read ahead that turned out to be answers
	pending     [][]string
	pendingLine []int
	questions   []string       // row-2 question text (Qualtrics), by column
	zone        *time.Location // Qualtrics' import-row time zone
}

func (h *surveyHeader) Read() ([]string, error) {
	if len(h.pending) > 0 {
		rec, line := h.pending[0], h.pendingLine[0]
		h.pending, h.pendingLine = h.pending[1:], h.pendingLine[1:]
		h.lines = append(h.lines, line)
		return rec, nil
	}
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
	h.subHeaders(rec)
	if err := h.mapHeader(rec); err != nil {
		h.err = err
		return nil, err
	}
	return rec, nil
}

// subHeaders reads the extra header rows of SurveyMonkey (row 2:
// "Response", "Open-Ended Response") and Qualtrics (row 2: question text,
// row 3: {"ImportId": …} with the time zone), and puts back what they are not.
func (h *surveyHeader) subHeaders(head []string) {
	var rows [][]string
	var lines []int
	for i := 0; i < 2; i++ {
		rec, err := h.r.Read()
		if err != nil {
			break
		}
		line, _ := h.r.FieldPos(0)
		rows, lines = append(rows, slices.Clone(rec)), append(lines, line)
	}
	isImport := func(r []string) bool {
		return slices.ContainsFunc(r, func(c string) bool { return strings.HasPrefix(strings.TrimSpace(c), `{"ImportId"`) })
	}
	switch {
	case len(rows) == 2 && isImport(rows[1]):
		h.file.Vendor = "qualtrics"
		h.questions = rows[0]
		for i, c := range rows[1] {
			var imp struct {
				TimeZone string `json:"timeZone"`
			}
			if json.Unmarshal([]byte(c), &imp) == nil && imp.TimeZone != "" && i < len(head) && normalizeName(head[i]) == "recordeddate" {
				if loc, err := time.LoadLocation(imp.TimeZone); err == nil {
					h.zone = loc
				}
			}
		}
		rows, lines = nil, nil
	case len(rows) >= 1 && slices.Contains(rows[0], "Response") || len(rows) >= 1 && slices.Contains(rows[0], "Open-Ended Response"):
		h.file.Vendor = "surveymonkey"
		rows, lines = rows[1:], lines[1:]
	}
	h.pending, h.pendingLine = rows, lines
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
	h.file.Renamed = hi.renamed
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
				if strings.HasSuffix(strings.ToUpper(n), "_NPS_GROUP") {
					continue // Qualtrics' promoter/passive/detractor group, not the score
				}
				if nameHas(n, hint) {
					return i, Field{Paths: []string{n}, Reason: fmt.Sprintf("its name contains %q", hint)}, nil
				}
				if i < len(h.questions) && nameHas(h.questions[i], hint) {
					return i, Field{Paths: []string{n}, Reason: fmt.Sprintf("its question %q contains %q", trimText(h.questions[i]), hint)}, nil
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
	if _, ok := hi.find("Submit Date (UTC)"); ok && h.file.Vendor == "" {
		if _, ok := hi.find("#"); ok {
			h.file.Vendor = "typeform"
		}
	}
	if h.file.Vendor == "" {
		h.file.Vendor = "generic"
	}
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
	for col, canon := range map[string]string{"Response Type": "x_response_type", "Status": "x_status", "Finished": "x_finished"} {
		if h.file.Vendor == "generic" || h.file.Vendor == "surveymonkey" {
			break // only Typeform and Qualtrics mark non-answers this way
		}
		if i, ok := hi.exact[col]; ok && i != score && i != resp && i != tcol && i != seg {
			rec[i] = canon
		}
	}
	return nil
}

func trimText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// satisfactionLabels are 5-point satisfaction answers exported as text
// (SurveyMonkey's default), read on the 1–5 scale.
var satisfactionLabels = map[string]string{
	"very dissatisfied": "1", "somewhat dissatisfied": "2", "dissatisfied": "2",
	"neither satisfied nor dissatisfied": "3", "neutral": "3",
	"somewhat satisfied": "4", "satisfied": "4", "very satisfied": "5",
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
		if err := eachInput(in, func(in Input) error { return s.read(in, o) }); err != nil {
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
	format, sep, err := inputFormat(in.Name, head, "")
	if err != nil {
		return err
	}
	switch format {
	case "json", "jsonl":
		return s.readJSON(in.Name, op, format, o)
	case "parquet":
		return fmt.Errorf("%s: is a Parquet file: survey tools' exports are read as CSV or JSON; for answers among events, give --event and --score-prop", in.Name)
	}
	cr := csv.NewReader(op.r)
	cr.Comma = rune(sep)
	h := &surveyHeader{r: cr, name: in.Name, o: o, file: SurveyFile{Name: in.Name, Content: op.content}}
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
	known := false // the export states the zone: naive times are not guesses
	if len(h.file.Time.Paths) > 0 {
		var sample []string
		for _, r := range recs[:min(len(recs), 500)] {
			if r.Time != "" {
				sample = append(sample, r.Time)
			}
		}
		zone := o.AssumeTZ
		utc := h.zone == nil && strings.Contains(strings.ToUpper(h.file.Time.Column()), "UTC")
		switch {
		case h.zone != nil:
			zone = h.zone // Qualtrics' import row names it
		case utc:
			zone = time.UTC // Typeform's "Submit Date (UTC)"
		}
		tp, h.file.TimeForm = sampleTimeColumn(sample, zone)
		if h.zone != nil || utc {
			h.file.TimeForm += " in " + zone.String() + " (from the export)"
			known = true
		}
	}
	for i, r := range recs {
		h.file.Rows++
		if r.notAnswer() {
			h.file.NotAnswers++
			continue
		}
		score := r.Score
		if o.Metric == "csat" {
			if v, ok := satisfactionLabels[strings.ToLower(strings.TrimSpace(score))]; ok {
				score = v
			}
		}
		row := SurveyRow{Respondent: strings.TrimSpace(r.Respondent), Score: score, Segment: r.Segment,
			Source: fmt.Sprintf("%s:%d", in.Name, h.lines[i])}
		if len(h.file.Time.Paths) > 0 && strings.TrimSpace(r.Time) != "" {
			t, tf, err := tp.parse([]byte(strings.TrimSpace(r.Time)))
			if err != nil {
				e := &RowError{File: in.Name, Line: h.lines[i], Column: h.file.Time.Column(), Msg: timeErrorMsg([]byte(r.Time), err)}
				if !o.SkipInvalid {
					return e
				}
				h.file.Skipped++
				if len(s.SkipSamples) < 5 {
					s.SkipSamples = append(s.SkipSamples, e.Error())
				}
				continue
			}
			row.Time, row.HasTime, row.Naive = t, true, tf&timeNaive != 0 && !known
			if row.Naive {
				s.Naive++
			}
		}
		s.Rows = append(s.Rows, row)
	}
	s.Files = append(s.Files, h.file)
	return nil
}
