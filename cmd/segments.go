package cmd

import (
	"bytes"
	"encoding/json"

	"github.com/uptake-dev/uptake/metrics"
	"github.com/uptake-dev/uptake/report"
)

// segmented is a metric result with its --by breakdown: the overall
// figures, and the same result per segment under "segments".
type segmented[R any] struct {
	Overall  R
	Segments []segResult[R]
	by       bool
}

type segResult[R any] struct {
	Name   string
	Result R
}

// bySegment computes a result for all units and, with --by, for each of
// segs; segment warnings are prefixed with "FIELD=value: ".
func bySegment[R any](all []int32, by string, segs []segment, compute func(units []int32) R, warnings func(R) []metrics.Warning) (segmented[R], []metrics.Warning) {
	out := segmented[R]{Overall: compute(all), by: by != "", Segments: []segResult[R]{}}
	ws := warnings(out.Overall)
	for _, s := range segs {
		r := compute(s.Users)
		out.Segments = append(out.Segments, segResult[R]{Name: s.Name, Result: r})
		ws = append(ws, prefixWarnings(warnings(r), by+"="+s.Name)...)
	}
	return out, ws
}

// tables renders the overall result under title and each segment's under
// "FIELD = value".
func (s segmented[R]) tables(title, by string, table func(title string, r R) report.Table) []report.Table {
	out := []report.Table{table(title, s.Overall)}
	for _, seg := range s.Segments {
		out = append(out, table(by+" = "+seg.Name, seg.Result))
	}
	return out
}

// MarshalJSON writes the overall result's fields, then "segments" (only
// with --by), each segment as {"segment": name, …the result's fields}.
func (s segmented[R]) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.Overall)
	if err != nil || !s.by {
		return b, err
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	buf.WriteString(`,"segments":[`)
	for i, seg := range s.Segments {
		if i > 0 {
			buf.WriteByte(',')
		}
		r, err := json.Marshal(seg.Result)
		if err != nil {
			return nil, err
		}
		name, _ := json.Marshal(seg.Name)
		buf.WriteString(`{"segment":`)
		buf.Write(name)
		if len(r) > 2 {
			buf.WriteByte(',')
		}
		buf.Write(r[1:])
	}
	buf.WriteString("]}")
	return buf.Bytes(), nil
}
