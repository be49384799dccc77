// Package event is the event model the reader and the metrics share: the
// event, what a command needs kept of a read, the sink that streams events
// as they are read, and the warnings results carry. It imports neither
// side, so ingest needs no metric code and metrics no reader.
package event

import "strings"

// Event is one normalized event: 16 bytes, no pointers. User and Name index
// the Users and Names tables it came with.
type Event struct {
	Time int64 // Unix nanoseconds
	User int32
	Name int32
}

// Need declares what a command uses, so that nothing else is kept.
type Need struct {
	AllEvents     bool     // keep every event
	Events        []string // or keep only these event names
	EventProps    []string // per kept event: these properties' values
	UserProps     []string // per user: the value first seen (earliest event carrying it)
	PropertyStats bool     // count rows per property name (inspect)
	NameUsers     bool     // count distinct users per event name (inspect, init)
	// EventSources records "file:line" per kept event, for commands that
	// validate kept events later (survey scores) and must name the line.
	EventSources bool
	// Amounts keeps, per kept event with details (DetailEvents), the
	// --amount the row carries (NaN when it has none).
	Amounts bool
	// AmountRows keeps, besides the events named, every row that carries
	// an --amount, with its details (purchases found by their amounts).
	AmountRows bool
	// DetailEvents, when set, limits EventProps and EventSources to kept
	// events of these names (survey answers among the events other metrics
	// keep): the rest cost no memory for them.
	DetailEvents []string
	// Sink, when set, receives every event that survives filters and dedup,
	// in input order, so a command can keep a compact summary (active days
	// per user) instead of the events.
	Sink Sink
}

// Sink consumes events as they are read (from one goroutine).
type Sink interface {
	// NewName is called once per event name, before its first Event;
	// internal says the vendor (or convention) marks it as not user activity.
	NewName(id int32, name string, internal bool)
	// Events is the next events, in file order: interned user and name,
	// Unix-ns time. The slice is reused after the call.
	Events(evs []Event)
	// Remap is called once at the end when identity stitching merged users:
	// user u becomes to[u], and there are n users.
	Remap(to []int32, n int)
}

// Warning is a machine-readable caveat attached to a result.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// IsSelector reports whether an event name given in a flag is an event
// selector, EVENT[FIELD OP VALUE; …]: it ends in a bracket that holds an
// operator (so "Clicked [CTA]", or a name with an escape sequence's "[",
// stays a name). ingest reads selectors; metrics need only know them.
func IsSelector(name string) bool {
	name = strings.TrimSpace(name)
	open := strings.IndexByte(name, '[')
	return open >= 0 && strings.HasSuffix(name, "]") && strings.ContainsAny(name[open:], "!=<>~")
}
