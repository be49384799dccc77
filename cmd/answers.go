package cmd

import (
	"fmt"
	"slices"
	"time"

	"github.com/uptake-dev/uptake/ingest"
	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// Survey answers for metrics that count answers (metrics.Needs.Answers).
// They come from the event read, as the answer events of each such metric,
// so that one read serves them and every other metric alike; or, when the
// metric names no answer event (and there is no --demo), from survey files,
// which then serve survey metrics only.

// answerRead is one job's answers and the input they came from.
type answerRead struct {
	*metrics.Answers
	data *ingest.Dataset // the event read; nil for survey files
	// Survey files: what was read, headers read under new names, naive
	// timestamps, and files given twice.
	input   report.Input
	renamed []report.Warning
	naive   int64
	same    []ingest.SameFile
}

// readJobs reads the input for jobs, and gives the jobs that count the
// answers of survey files theirs (answer events are eventAnswers', after
// the read). Survey files are not events: their read is empty.
func readJobs(ios *IOStreams, in *InputFlags, r *ReportFlags, args []string, need ingest.Need, jobs []*job, needs []metrics.Needs) (*ingest.Dataset, int64, error) {
	src, err := surveyFileSource(in, needs)
	if err != nil {
		return nil, 0, err
	}
	if src != nil {
		a, err := readSurveyFiles(ios, in, r, args, src)
		if err != nil {
			return nil, 0, err
		}
		for _, j := range jobs {
			j.answers = a.forJob(in.OnInvalid == "skip")
		}
		return &ingest.Dataset{}, 0, nil
	}
	return r.read(ios, in, args, need)
}

// jobsEventAnswers gives the jobs that count survey answers from answer
// events theirs, from the read d.
func jobsEventAnswers(d *ingest.Dataset, in *InputFlags, jobs []*job, needs []metrics.Needs) error {
	for i, j := range jobs {
		if src := needs[i].Answers; src != nil && j.answers == nil {
			a, err := eventAnswers(d, in, src, j.report.By)
			if err != nil {
				return err
			}
			j.answers = a.forJob(in.OnInvalid == "skip")
		}
	}
	return nil
}

// answerEvent is the event whose events are src's answers, or "" when
// they are survey files.
func answerEvent(src *metrics.AnswerSource, in *InputFlags) string {
	if src.Event == "" && in.Demo {
		return src.DemoEvent
	}
	return src.Event
}

// needAnswers adds the answer events of src to the read: the events, their
// score property, and their lines, which an invalid score names.
func needAnswers(need *ingest.Need, in *InputFlags, src *metrics.AnswerSource) error {
	event := answerEvent(src, in)
	if event == "" {
		return nil
	}
	in.refer("--event", eventRef, event)
	if err := in.selectEvents("--event", []string{event}); err != nil {
		return err
	}
	in.refer("--score-prop", propertyRef, src.ScoreProp)
	need.Events = append(need.Events, event)
	if !slices.Contains(need.EventProps, src.ScoreProp) {
		need.EventProps = append(need.EventProps, src.ScoreProp)
	}
	need.EventSources = true
	need.DetailEvents = append(need.DetailEvents, event) // not the other jobs' events
	return nil
}

// surveyFileSource is the answer source of jobs reading survey files, or
// nil when the input is an event export. Survey files hold the answers to
// one question, so all jobs must then read the same ones.
func surveyFileSource(in *InputFlags, needs []metrics.Needs) (*metrics.AnswerSource, error) {
	var src *metrics.AnswerSource
	files := 0
	for _, n := range needs {
		if a := n.Answers; a != nil && answerEvent(a, in) == "" {
			files++
			if src == nil {
				src = a
			}
			if a.ScoreCol != src.ScoreCol || a.Kind != src.Kind {
				src = nil
				break
			}
		}
	}
	if files > 0 && (src == nil || files < len(needs)) {
		return nil, usageErrorf("a survey file holds the answers to one question: only one survey metric can read it (or give the answer event of an event export)")
	}
	return src, nil
}

// readSurveyFiles reads the survey files of src, keeping the answers in
// [--since, --as-of).
func readSurveyFiles(ios *IOStreams, in *InputFlags, r *ReportFlags, args []string, src *metrics.AnswerSource) (*answerRead, error) {
	if len(in.Where) > 0 {
		return nil, usageErrorf("--where filters event exports; for a survey file, filter it first (or use --by)")
	}
	if err := in.noUsersForSurveyFiles(); err != nil {
		return nil, err
	}
	if (in.Delimiter != "" && in.Delimiter != "auto") || in.Header == "none" {
		return nil, usageErrorf("--delimiter and --header none are for event exports; a survey file is read as its tool exports it (CSV or TSV with a header row)")
	}
	ins, err := in.inputs(args, ios.In)
	if err != nil {
		return nil, err
	}
	loc, err := loadZone(in.AssumeTZ, "--assume-tz")
	if err != nil {
		return nil, err
	}
	s, err := ingest.ReadSurvey(ins, ingest.SurveyOptions{Metric: src.Kind, ScoreCol: src.ScoreCol, UserCol: in.UserCol,
		TimeCol: in.TimeCol, SegmentCol: r.By, AssumeTZ: loc, SkipInvalid: in.OnInvalid == "skip"})
	if err != nil {
		return nil, err
	}
	a := &answerRead{Answers: &metrics.Answers{Files: true, Fixed: s.Scale, SkipSamples: s.SkipSamples},
		input: report.Input{Files: []string{}, Format: "csv", Vendor: "generic"}, naive: s.Naive, same: s.SameFiles()}
	for i, f := range s.Files {
		a.input.Files = append(a.input.Files, f.Name)
		a.input.Rows += f.Rows
		a.input.Skipped += f.Skipped
		a.NotAnswers += f.NotAnswers
		a.renamed = append(a.renamed, renameWarnings(f.Name, f.Renamed)...)
		if i == 0 {
			a.input.Vendor = f.Vendor
		}
	}
	for _, row := range s.Rows {
		if row.HasTime && ((r.sinc != nil && row.Time < r.sinc.UnixNano()) || (r.asOf != nil && row.Time >= r.asOf.UnixNano())) {
			continue
		}
		a.Rows = append(a.Rows, metrics.RawAnswer{Respondent: row.Respondent, Score: row.Score, Segment: row.Segment, Time: row.Time,
			HasTime: row.HasTime, Source: row.Source + ": column \"" + s.Files[0].Score.Column() + "\""})
	}
	return a, nil
}

// eventAnswers are the answer events of src in the read d, with --by's
// user property as their segment.
func eventAnswers(d *ingest.Dataset, in *InputFlags, src *metrics.AnswerSource, by string) (*answerRead, error) {
	event := answerEvent(src, in)
	id := int32(slices.Index(d.Names, event))
	scores := d.EventProps[src.ScoreProp]
	a := &answerRead{Answers: &metrics.Answers{}, data: d}
	if id >= 0 && int(id) < len(d.Stats.NameCounts) { // the rows, at most
		a.Rows = make([]metrics.RawAnswer, 0, d.Stats.NameCounts[id])
	}
	for i, e := range d.Events.All() {
		k := d.DetailOf(i)
		if e.Name != id || k < 0 || !in.keptUser(e.User) { // --users-where keeps a user's answers or none
			continue
		}
		ans := metrics.RawAnswer{Respondent: d.Users[e.User], Score: scores[k], Time: e.Time, HasTime: true, Source: d.EventSources[k]}
		if by != "" {
			ans.Segment = d.UserProps[by][e.User]
		}
		a.Rows = append(a.Rows, ans)
	}
	if len(a.Rows) == 0 {
		return nil, fmt.Errorf("no %q events in the input (see 'uptake inspect' for the event names)", event)
	}
	return a, nil
}

// forJob is a's answers for one more job: the rows are shared, what the
// job's Prepare derives is its own.
func (a *answerRead) forJob(skipInvalid bool) *answerRead {
	c := *a
	ans := *a.Answers
	ans.SkipSamples = slices.Clip(ans.SkipSamples)
	ans.SkipInvalid = skipInvalid
	c.Answers = &ans
	return &c
}

// envelope is the JSON envelope of a metric over answers: the input counts
// the answers' respondents and repeat answers, and as_of is just after the
// last answer (none when no answer has a time).
func (a *answerRead) envelope(metric string, r *ReportFlags, params map[string]any, in *InputFlags, result any, ws []metrics.Warning) report.Envelope {
	input := a.input
	warnings := append(naiveWarning(a.naive, in.AssumeTZ), in.missing...)
	warnings = append(warnings, a.renamed...)
	if a.data != nil {
		input = inputSummary(a.data)
		in.describeUsers(&input, a.data)
		warnings = inputWarnings(a.data, in)
	}
	input.Duplicates = a.Excluded.Duplicates
	input.Users = a.Respondents()
	warnings = append(warnings, metricWarnings(a.Answers.Warnings())...)
	warnings = append(warnings, sameFileWarnings(a.same, "answers")...)
	warnings = append(warnings, metricWarnings(ws)...)
	for k, v := range map[string]any{"tz": r.TZ, "conf": r.Conf, "by": r.By, "from": nullable(r.from), "to": nullable(r.to),
		"since": nullable(r.sinc), "as_of": nil} {
		params[k] = v
	}
	asOf := ""
	if r.asOf != nil {
		asOf = r.asOf.Format(time.RFC3339Nano)
		params["as_of"] = r.asOf.UTC().Format(time.RFC3339Nano)
	} else if t, ok := a.Last(); ok {
		asOf = time.Unix(0, t+1).In(r.loc).Format(time.RFC3339Nano)
		params["as_of"] = time.Unix(0, t+1).UTC().Format(time.RFC3339Nano)
	}
	return report.Envelope{Metric: metric, Params: params, Input: input, AsOf: asOf, TZ: r.TZ, Result: result, Warnings: warnings}
}
