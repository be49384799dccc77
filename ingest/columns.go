package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// Field names where one value of the neutral event comes from: columns (CSV)
// or dotted paths (JSON), tried in order until one is non-empty.
type Field struct {
	Paths  []string `json:"paths"`
	Reason string   `json:"reason"`
}

// Column returns the first path, or "".
func (f Field) Column() string {
	if len(f.Paths) == 0 {
		return ""
	}
	return f.Paths[0]
}

// Mapping says how a file's records become events.
type Mapping struct {
	User  Field `json:"user"`
	Anon  Field `json:"anonymous_id"`
	Event Field `json:"event"`
	Time  Field `json:"time"`
	ID    Field `json:"event_id"`
	// EventName is the constant event name given with --event-name.
	EventName string `json:"event_name,omitempty"`
	// TimeForm says how the time values are read ("unix seconds", ...).
	TimeForm string `json:"time_form"`
}

// fields are the mapped fields, whose columns are not properties.
func (m Mapping) fields() []Field { return []Field{m.User, m.Anon, m.Event, m.Time, m.ID} }

// Candidate names for generic exports, in order of preference (docs/formats.md#columns
// lists them). They are compared after normalizeName.
var (
	userNames = []string{"user_id", "userId", "distinct_id", "customer_id", "customer_unique_id",
		"account_id", "person_id", "member_id", "visitor_id", "uid", "client_id", "respondent_id",
		"email", "anonymous_id", "device_id"}
	eventNames = []string{"event", "event_name", "event_type", "action", "activity", "name", "type"}
	timeNames  = []string{"timestamp", "time", "event_time", "ts", "created_at", "occurred_at", "datetime",
		"date", "event_timestamp", "received_at", "InvoiceDate", "order_date", "purchase_date",
		"order_purchase_timestamp", "submitted_at", "event_date", "created"}
	idNames = []string{"event_id", "$insert_id", "insert_id", "message_id", "messageId", "uuid"}
)

// normalizeName folds a header for matching: BOM and surrounding space
// removed, lower case, and everything but letters and digits dropped, so
// "User ID", "user_id" and "UserId" meet.
func normalizeName(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// cleanHeader is how a header is shown and matched exactly: BOM and
// surrounding spaces removed.
func cleanHeader(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
}

// headerIndex finds columns by name: exact (after cleanHeader) first, then
// by normalizeName (where the first of the columns that fold alike wins; each
// stays reachable by its exact name).
type headerIndex struct {
	names []string
	exact map[string]int
	norm  map[string]int
	// renamed are the columns read under a new name because an earlier
	// column has the same one: without it the later column could not be
	// named, and its values would count under the first's name.
	renamed []ColumnRename
}

// ColumnRename is a repeated header: column Column (1-based) has the name
// of column First and is read as As.
type ColumnRename struct {
	Column int    `json:"column"`
	First  int    `json:"first"`
	Name   string `json:"name"`
	As     string `json:"as"`
}

func (r ColumnRename) String() string {
	return fmt.Sprintf("columns %d and %d are both named %q: the second is read as %q", r.First, r.Column, r.Name, r.As)
}

func newHeaderIndex(header []string) *headerIndex {
	h := &headerIndex{exact: map[string]int{}, norm: map[string]int{}}
	taken := map[string]bool{}
	for _, name := range header {
		taken[cleanHeader(name)] = true
	}
	for i, name := range header {
		c := cleanHeader(name)
		if j, ok := h.exact[c]; ok {
			as := freeName(c, taken)
			h.renamed = append(h.renamed, ColumnRename{Column: i + 1, First: j + 1, Name: c, As: as})
			c = as
		}
		h.names = append(h.names, c)
		h.exact[c] = i
		n := normalizeName(c)
		if _, ok := h.norm[n]; !ok && n != "" {
			h.norm[n] = i
		}
	}
	return h
}

// freeName is name_2, name_3, …: the first not taken (by any header, or by
// an earlier rename), which it then takes.
func freeName(name string, taken map[string]bool) string {
	for k := 2; ; k++ {
		if as := fmt.Sprintf("%s_%d", name, k); !taken[as] {
			taken[as] = true
			return as
		}
	}
}

func (h *headerIndex) find(name string) (int, bool) {
	if i, ok := h.exact[cleanHeader(name)]; ok {
		return i, true
	}
	i, ok := h.norm[normalizeName(name)]
	return i, ok
}

func (h *headerIndex) list() string {
	const max = 12
	names := h.names
	more := ""
	if len(names) > max {
		more = fmt.Sprintf(", … (%d more)", len(names)-max)
		names = names[:max]
	}
	return strings.Join(names, ", ") + more
}

// detect picks a column for a role from the candidate names, or returns the
// override (which must exist when exists is non-nil).
func detect(role string, override string, candidates []string, have func(string) (string, bool), flag string) (Field, error) {
	if override != "" {
		if name, ok := have(override); ok {
			return Field{Paths: []string{name}, Reason: "set with " + flag}, nil
		}
		return Field{}, fmt.Errorf("no column %q (named with %s)", override, flag)
	}
	for _, c := range candidates {
		if name, ok := have(c); ok {
			return Field{Paths: []string{name}, Reason: fmt.Sprintf("matches the %s name %q", role, c)}, nil
		}
	}
	return Field{}, nil
}

func candidateList(c []string) string {
	if len(c) > 6 {
		return strings.Join(c[:6], ", ") + ", …"
	}
	return strings.Join(c, ", ")
}

// MarshalJSON writes an empty path list as [] rather than null.
func (f Field) MarshalJSON() ([]byte, error) {
	type plain Field
	if f.Paths == nil {
		f.Paths = []string{}
	}
	return json.Marshal(plain(f))
}
