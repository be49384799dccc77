package event

// Tee is a Sink that hands every call to each of its sinks, so one read
// feeds several (one per metric that keeps a summary of its own).
type Tee []Sink

// NewName implements Sink.
func (t Tee) NewName(id int32, name string, internal bool) {
	for _, s := range t {
		s.NewName(id, name, internal)
	}
}

// Events implements Sink.
func (t Tee) Events(evs []Event) {
	for _, s := range t {
		s.Events(evs)
	}
}

// Remap implements Sink.
func (t Tee) Remap(to []int32, n int) {
	for _, s := range t {
		s.Remap(to, n)
	}
}
