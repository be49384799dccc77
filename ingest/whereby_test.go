package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wbRecord is one event of the --where/--by tests, rendered alike in every
// input format: the user, event and time fields, a property named by the
// test, and a nested property a.b.
type wbRecord struct {
	user, event string
	time        int64 // Unix seconds
	prop, ab    string
}

// wbShape is the fields the records are written with.
type wbShape struct {
	prop string // the property's name
}

// wbFormats renders the same records in each input format, with the
// options that read them back (the generic ones name the mapped columns, so
// that a property name cannot change the mapping).
func wbFormats(sh wbShape, recs []wbRecord) map[string][]byte {
	generic := func(r wbRecord) map[string]any {
		return map[string]any{"distinct_id": r.user, "event": r.event, "time": r.time, sh.prop: r.prop, "a": map[string]any{"b": r.ab}}
	}
	var c, l, a, m bytes.Buffer
	w := csv.NewWriter(&c)
	w.Write([]string{"distinct_id", "event", "time", sh.prop, "a.b"})
	a.WriteString("[")
	for i, r := range recs {
		w.Write([]string{r.user, r.event, strconv.FormatInt(r.time, 10), r.prop, r.ab})
		line, _ := json.Marshal(generic(r))
		l.Write(append(line, '\n'))
		if i > 0 {
			a.WriteString(",\n")
		}
		a.Write(line)
		mp, _ := json.Marshal(map[string]any{"event": r.event, "a": map[string]any{"b": r.ab},
			"properties": map[string]any{"distinct_id": r.user, "time": r.time, sh.prop: r.prop}})
		m.Write(append(mp, '\n'))
	}
	w.Flush()
	a.WriteString("]\n")
	out := map[string][]byte{"csv": c.Bytes(), "jsonl": l.Bytes(), "json": a.Bytes()}
	if mixpanelSafe(sh, recs) {
		out["mixpanel"] = m.Bytes()
	}
	return out
}

// mixpanelSafe says whether the Mixpanel rendering means the same: its
// export gives "$…" and "mp_…" properties and "$device:" ids their own
// meaning.
func mixpanelSafe(sh wbShape, recs []wbRecord) bool {
	if strings.HasPrefix(sh.prop, "$") || strings.HasPrefix(sh.prop, "mp_") || slices.Contains([]string{"distinct_id", "time"}, sh.prop) {
		return false
	}
	for _, r := range recs {
		if strings.HasPrefix(r.user, "$device:") {
			return false
		}
	}
	return true
}

func wbOptions(format string, where []Filter, by string) Options {
	o := Options{Format: format, Where: where, Dedup: DedupOff, Workers: 1,
		Need: Need{AllEvents: true, EventProps: []string{by}, UserProps: []string{by}}}
	if format == "mixpanel" {
		return o
	}
	o.Format, o.UserCol, o.EventCol, o.TimeCol = "", "distinct_id", "event", "time"
	return o
}

// field is the record's value of a --where/--by field, as written.
func (r wbRecord) field(sh wbShape, name string) string {
	switch name {
	case "distinct_id":
		return r.user
	case "event":
		return r.event
	case "time":
		return strconv.FormatInt(r.time, 10)
	case "a.b":
		return r.ab
	case sh.prop:
		return r.prop
	}
	return ""
}

// wbWant is the reference: each kept event as "user event time by", and
// each user's --by value (that of its earliest event carrying one).
func wbWant(sh wbShape, recs []wbRecord, where []Filter, by string) ([]string, map[string]string) {
	var evs []string
	users := map[string]string{}
	seenAt := map[string]int64{}
	for _, r := range recs {
		keep := r.user != ""
		for _, f := range where {
			keep = keep && f.Match([]byte(r.field(sh, f.Field)))
		}
		if !keep {
			continue
		}
		v := r.field(sh, by)
		evs = append(evs, fmt.Sprintf("%q %q %d %q", r.user, r.event, r.time, v))
		if _, ok := users[r.user]; !ok {
			users[r.user] = ""
		}
		if t, ok := seenAt[r.user]; v != "" && (!ok || r.time < t) {
			users[r.user], seenAt[r.user] = v, r.time
		}
	}
	return evs, users
}

func wbGot(d *Dataset, by string) ([]string, map[string]string) {
	var evs []string
	for i, e := range d.Events.All() {
		evs = append(evs, fmt.Sprintf("%q %q %d %q", d.Users[e.User], d.Names[e.Name], e.Time/1e9, d.EventProps[by][i]))
	}
	users := map[string]string{}
	for u, name := range d.Users {
		users[name] = d.UserProps[by][u]
	}
	return evs, users
}

// checkWhereBy reads the records in every format and compares each with
// the reference.
func checkWhereBy(t *testing.T, sh wbShape, recs []wbRecord, where []Filter, by string) {
	t.Helper()
	wantEvs, wantUsers := wbWant(sh, recs, where, by)
	for format, data := range wbFormats(sh, recs) {
		d, err := Read([]Input{BytesInput("f."+format, data)}, wbOptions(format, where, by))
		if err != nil {
			t.Errorf("%s: %v\n%s", format, err, data)
			continue
		}
		evs, users := wbGot(d, by)
		if diff := cmp.Diff(wantEvs, evs); diff != "" {
			t.Errorf("%s, --where %v --by %q: events (-want +got)\n%s\n%s", format, where, by, diff, data)
		}
		if diff := cmp.Diff(wantUsers, users); diff != "" {
			t.Errorf("%s, --where %v --by %q: user values (-want +got)\n%s\n%s", format, where, by, diff, data)
		}
	}
}

var wbRecords = []wbRecord{
	{user: "x", event: "signup", time: 1709251200, prop: "free", ab: "1"},
	{user: "y", event: "signup", time: 1709251201, prop: "pro", ab: "2"},
	{user: "x", event: "upgrade", time: 1709251202, prop: "pro", ab: ""},
	{user: "z", event: "upgrade", time: 1709251203, prop: "", ab: "3"},
}

// --where and --by on the fields the mapping also reads (the user, event and
// time fields), on a property, a nested path, and one field filtered twice:
// each keeps exactly the rows it names, in every format. A path read by two
// roles once lost its value to one of them (--where 'distinct_id != x' on
// JSON lines kept nothing).
func TestWhereByMappedFields(t *testing.T) {
	sh := wbShape{prop: "plan"}
	cases := []struct {
		where []string
		by    string
		want  int // events kept
	}{
		{[]string{"distinct_id != x"}, "distinct_id", 2},
		{[]string{"distinct_id = x"}, "plan", 2},
		{[]string{"event = upgrade"}, "event", 2},
		{[]string{"event != upgrade"}, "distinct_id", 2},
		{[]string{"time >= 1709251202"}, "time", 2},
		{[]string{"time < 1709251201"}, "event", 1},
		{[]string{"plan = pro"}, "plan", 2},
		{[]string{"plan != pro", "plan != free"}, "plan", 1},
		{[]string{"plan ~ ^p", "plan !~ o$"}, "distinct_id", 0},
		{[]string{"distinct_id != x", "distinct_id != y"}, "distinct_id", 1},
		{[]string{"a.b > 1"}, "a.b", 2},
		{[]string{"a.b = ''"}, "a.b", 1},
		{nil, "time", 4},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.where, ",")+" by "+tc.by, func(t *testing.T) {
			var where []Filter
			for _, w := range tc.where {
				where = append(where, mustFilter(t, w))
			}
			if evs, _ := wbWant(sh, wbRecords, where, tc.by); len(evs) != tc.want {
				t.Fatalf("the reference keeps %d events, want %d", len(evs), tc.want)
			}
			checkWhereBy(t, sh, wbRecords, where, tc.by)
		})
	}
}

// FuzzWhereBy reads the same records as CSV, JSON lines, a JSON array and a
// Mixpanel export, filtered by up to two --where on any field (the mapped
// ones included) and grouped --by any field, and checks each against the
// reference.
func FuzzWhereBy(f *testing.F) {
	f.Add("plan", "x", "signup", "free", "1", "y", "upgrade", "", "", uint8(0), uint8(1), "!=", "x", uint8(3), "=", "pro")
	f.Add("user_id", "x", "e", "v", "w", "x", "e", "v", "w", uint8(3), uint8(0), "<", "y", uint8(1), "~", "^e")
	f.Add("a", "$device:1", "\x00", "\"q\"\n", "\r\n", " ", "é", ",", "", uint8(4), uint8(4), ">=", "", uint8(2), "!=", "1709251200")
	f.Fuzz(func(t *testing.T, prop, u1, e1, p1, ab1, u2, e2, p2, ab2 string, bySel, w1Sel uint8, w1Op, w1Val string, w2Sel uint8, w2Op, w2Val string) {
		if !validPropName(prop) || strings.HasPrefix(u1, "\x00") || strings.HasPrefix(u2, "\x00") {
			return // a user id starting with NUL is a row error (the user table marks anonymous ids so); TestReadErrors has it
		}
		sh := wbShape{prop: prop}
		fields := []string{"distinct_id", "event", "time", prop, "a.b"}
		pick := func(i uint8) string { return fields[int(i)%len(fields)] }
		clean := strings.ToValidUTF8
		event := func(e string) string {
			if e = clean(e, "?"); e == "" {
				return "e" // an empty event name is an invalid row
			}
			return e
		}
		recs := []wbRecord{
			{user: clean(u1, "?"), event: event(e1), time: 1709251200, prop: clean(p1, "?"), ab: clean(ab1, "?")},
			{user: clean(u2, "?"), event: event(e2), time: 1709251201, prop: clean(p2, "?"), ab: clean(ab2, "?")},
			{user: clean(u1, "?"), event: event(e2), time: 1709251202, prop: clean(p2, "?"), ab: clean(ab1, "?")},
		}
		var where []Filter
		for _, w := range []struct {
			sel     uint8
			op, val string
		}{{w1Sel, w1Op, w1Val}, {w2Sel, w2Op, w2Val}} {
			if !slices.Contains(strings.Fields(Operators), w.op) {
				continue
			}
			fl, err := ParseFilter(pick(w.sel) + " " + w.op + " '" + w.val + "'")
			if err != nil {
				continue // a bad regexp
			}
			where = append(where, fl)
		}
		checkWhereBy(t, sh, recs, where, pick(bySel))
	})
}

// validPropName keeps the property names every format writes and finds
// alike: a CSV header of its own that a --where can name (no operator, no
// surrounding space, no dot: "a.b" is a path in JSON) and no other field's.
func validPropName(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, "!=<>~.\ufeff\"'") || !utf8Valid(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return !slices.Contains([]string{"distinct_id", "event", "time", "a", "properties"}, s)
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
