package metrics

import (
	"strings"
	"testing"
	"time"
)

// logOf builds a Log from rows "user event time" (RFC 3339, or YYYY-MM-DD
// for midnight UTC). First-seen is each user's earliest row.
func logOf(t *testing.T, rows ...string) *Log {
	t.Helper()
	users, names, events, first, _ := parseRows(t, rows, 3)
	return NewLog(users, names, events, first)
}

// parseRows reads rows "user event time [more…]" of 3 to max fields into
// a Log's inputs: users and names in order of first appearance, each
// user's earliest time, and each row's fields after the third.
func parseRows(t *testing.T, rows []string, max int) (users, names []string, events []Event, first []int64, more [][]string) {
	t.Helper()
	uid, nid := map[string]int32{}, map[string]int32{}
	for _, r := range rows {
		f := strings.Fields(r)
		if len(f) < 3 || len(f) > max {
			t.Fatalf("row %q", r)
		}
		ts := mustTime(t, f[2])
		u, ok := uid[f[0]]
		if !ok {
			u = int32(len(users))
			uid[f[0]] = u
			users = append(users, f[0])
			first = append(first, ts)
		}
		first[u] = min(first[u], ts)
		n, ok := nid[f[1]]
		if !ok {
			n = int32(len(names))
			nid[f[1]] = n
			names = append(names, f[1])
		}
		events = append(events, Event{Time: ts, User: u, Name: n})
		more = append(more, f[3:])
	}
	return users, names, events, first, more
}

func mustTime(t *testing.T, s string) int64 {
	t.Helper()
	layout := time.RFC3339
	if len(s) == 10 {
		layout = "2006-01-02"
	}
	tm, err := time.Parse(layout, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixNano()
}

func ptrTime(t *testing.T, s string) *int64 {
	v := mustTime(t, s)
	return &v
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
