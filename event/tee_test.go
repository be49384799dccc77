package event

import (
	"fmt"
	"slices"
	"testing"
)

// logSink records every call it gets, in order.
type logSink struct{ calls []string }

func (s *logSink) NewName(id int32, name string, internal bool) {
	s.calls = append(s.calls, fmt.Sprint("name ", id, " ", name, " ", internal))
}

func (s *logSink) Events(evs []Event) {
	s.calls = append(s.calls, fmt.Sprint("events ", evs))
}

func (s *logSink) Remap(to []int32, n int) {
	s.calls = append(s.calls, fmt.Sprint("remap ", to, " ", n))
}

func TestTeeHandsEveryCallToEachSink(t *testing.T) {
	a, b := &logSink{}, &logSink{}
	var sink Sink = Tee{a, b}
	sink.NewName(0, "signup", false)
	sink.NewName(1, "$identify", true)
	sink.Events([]Event{{Time: 5, User: 0, Name: 0}, {Time: 7, User: 1, Name: 1}})
	sink.Remap([]int32{0, 0}, 1)
	want := []string{
		"name 0 signup false",
		"name 1 $identify true",
		"events [{5 0 0} {7 1 1}]",
		"remap [0 0] 1",
	}
	for i, s := range []*logSink{a, b} {
		if !slices.Equal(s.calls, want) {
			t.Errorf("sink %d got %q, want %q", i, s.calls, want)
		}
	}
}
