package metrics

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Segment is one --by value and its units (users, or survey answers).
type Segment struct {
	Name  string
	Users []int32
}

// Segments groups units by their --by value: vals[i] is unit i's. Segments
// are sorted by value; units without one form "(none)", last. No values (no
// --by) make no segments.
func Segments(vals []string) []Segment {
	groups := map[string][]int32{}
	for u, v := range vals {
		groups[v] = append(groups[v], int32(u))
	}
	var names []string
	for k := range groups {
		if k != "" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []Segment
	for _, k := range names {
		out = append(out, Segment{Name: k, Users: groups[k]})
	}
	if g, ok := groups[""]; ok {
		out = append(out, Segment{Name: "(none)", Users: g})
	}
	return out
}

// Segmented is a metric result with its --by breakdown: the overall
// figures, and the same result per segment.
type Segmented[R any] struct {
	Overall  R
	Segments []SegmentResult[R]
	By       string // the --by field, or ""
}

// SegmentResult is one segment's result.
type SegmentResult[R any] struct {
	Name   string
	Result R
}

// BySegment computes a result for all units and, with --by, for each of
// segs; segment warnings are prefixed with "FIELD=value: ".
func BySegment[R any](all []int32, by string, segs []Segment, compute func(units []int32) R, warnings func(R) []Warning) (Segmented[R], []Warning) {
	out := Segmented[R]{Overall: compute(all), By: by, Segments: []SegmentResult[R]{}}
	ws := warnings(out.Overall)
	for _, s := range segs {
		r := compute(s.Users)
		out.Segments = append(out.Segments, SegmentResult[R]{Name: s.Name, Result: r})
		for _, w := range warnings(r) {
			ws = append(ws, Warning{Code: w.Code, Message: by + "=" + s.Name + ": " + w.Message})
		}
	}
	return out, ws
}

// MarshalJSON writes the overall result's fields, then "segments" (only
// with --by), each segment as {"segment": name, …the result's fields}.
func (s Segmented[R]) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.Overall)
	if err != nil || s.By == "" {
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
