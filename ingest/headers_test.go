package ingest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Repeated CSV headers: the later columns get a free name_k, each is said,
// each reads its own values, and the statistics count each once.
func TestReadDuplicateHeaders(t *testing.T) {
	const rows = "u1,signup,2024-03-01,a,b,c\nu2,signup,2024-03-02,d,,f\n"
	cases := []struct {
		name, header string
		renamed      []ColumnRename
		props        []PropStat
		by           string // --by naming a renamed column
		byVals       []string
	}{{
		name:    "exact",
		header:  "user_id,event,time,plan,plan,x",
		renamed: []ColumnRename{{Column: 5, First: 4, Name: "plan", As: "plan_2"}},
		props:   []PropStat{{"plan", 2}, {"plan_2", 1}, {"x", 2}},
		by:      "plan_2", byVals: []string{"b", ""},
	}, {
		name:    "spaces and BOM fold",
		header:  "user_id,event,time,\ufeffplan, plan ,x",
		renamed: []ColumnRename{{Column: 5, First: 4, Name: "plan", As: "plan_2"}},
		props:   []PropStat{{"plan", 2}, {"plan_2", 1}, {"x", 2}},
		by:      "plan", byVals: []string{"a", "d"},
	}, {
		name:    "three times, a name_2 already taken",
		header:  "user_id,event,time,plan,plan_2,plan",
		renamed: []ColumnRename{{Column: 6, First: 4, Name: "plan", As: "plan_3"}},
		props:   []PropStat{{"plan", 2}, {"plan_2", 1}, {"plan_3", 2}},
		by:      "plan_3", byVals: []string{"c", "f"},
	}, {
		name:   "a mapped column repeated",
		header: "user_id,event,time,user_id,event,event",
		renamed: []ColumnRename{
			{Column: 4, First: 1, Name: "user_id", As: "user_id_2"},
			{Column: 5, First: 2, Name: "event", As: "event_2"},
			{Column: 6, First: 2, Name: "event", As: "event_3"},
		},
		props: []PropStat{{"event_2", 1}, {"event_3", 2}, {"user_id_2", 2}},
		by:    "event_3", byVals: []string{"c", "f"},
	}, {
		name:   "case differs: two names, nothing renamed",
		header: "user_id,event,time,Plan,plan,x",
		props:  []PropStat{{"Plan", 2}, {"plan", 1}, {"x", 2}},
		by:     "plan", byVals: []string{"b", ""},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustRead(t, "d.csv", tc.header+"\n"+rows, Options{Need: Need{AllEvents: true, PropertyStats: true, UserProps: []string{tc.by}}})
			if diff := cmp.Diff(tc.renamed, d.Stats.Files[0].Renamed); diff != "" {
				t.Errorf("renamed (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.props, d.Stats.Props); diff != "" {
				t.Errorf("property statistics (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.byVals, d.UserProps[tc.by]); diff != "" {
				t.Errorf("--by %s (-want +got)\n%s", tc.by, diff)
			}
		})
	}
}

func TestColumnRenameString(t *testing.T) {
	r := ColumnRename{Column: 5, First: 2, Name: "plan", As: "plan_2"}
	if want := `columns 2 and 5 are both named "plan": the second is read as "plan_2"`; r.String() != want {
		t.Errorf("got %q, want %q", r.String(), want)
	}
}

// A key repeated in one JSON object: the last value is read (as
// encoding/json does), and the row counts once in the statistics.
func TestReadJSONRepeatedKey(t *testing.T) {
	lines := []string{
		`{"user_id":"u1","event":"e","time":"2024-03-01","plan":"a","plan":"b"}`,
		`{"user_id":"u2","event":"e","time":"2024-03-01","plan":"a","pl\u0061n":"c"}`,
		`{"user_id":"u3","event":"e","time":"2024-03-01","plan":"a","plan":null}`,
		`{"user_id":"u4","event":"e","time":"2024-03-01","properties":{"plan":"x","plan":"y"}}`,
	}
	for _, format := range []string{"jsonl", "json"} {
		t.Run(format, func(t *testing.T) {
			data := strings.Join(lines, "\n")
			if format == "json" {
				data = "[" + strings.Join(lines, ",\n") + "]"
			}
			// twice over, so that the second pass meets learned layouts
			data2 := data
			if format == "jsonl" {
				data2 = data + "\n" + data
			} else {
				data2 = "[" + strings.Join(append(lines, lines...), ",\n") + "]"
			}
			d := mustRead(t, "r."+format, data2, Options{Dedup: DedupOff, Need: Need{AllEvents: true, PropertyStats: true, EventProps: []string{"plan"}}})
			if want := []string{"b", "c", "", "y", "b", "c", "", "y"}; !cmp.Equal(want, d.EventProps["plan"]) {
				t.Errorf("plan %q, want %q", d.EventProps["plan"], want)
			}
			want := []PropStat{{"plan", 6}, {"properties.plan", 2}}
			if diff := cmp.Diff(want, d.Stats.Props); diff != "" {
				t.Errorf("property statistics (-want +got)\n%s", diff)
			}
		})
	}
}

// Past 65,535 property names the rest share (other), and the count of
// names says so.
func TestReadTooManyPropertyNames(t *testing.T) {
	const n = MaxPropertyNames + 10
	var b strings.Builder
	b.WriteString("user_id,event,time")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, ",p%d", i)
	}
	for _, u := range []string{"u1", "u2"} {
		fmt.Fprintf(&b, "\n%s,e,2024-03-01", u)
		b.WriteString(strings.Repeat(",v", n))
	}
	d := mustRead(t, "wide.csv", b.String()+"\n", Options{Need: Need{PropertyStats: true}})
	if d.Stats.PropNames != n || d.Stats.PropNamesAtLeast {
		t.Errorf("PropNames %d (at least %v), want %d", d.Stats.PropNames, d.Stats.PropNamesAtLeast, n)
	}
	props := d.Stats.Props
	if len(props) != MaxPropertyNames+1 {
		t.Fatalf("%d property statistics, want %d", len(props), MaxPropertyNames+1)
	}
	for _, p := range props {
		if p.Rows != 2 {
			t.Fatalf("%s: %d rows, want 2 (each row once, (other) included)", p.Name, p.Rows)
		}
	}
	if props[0].Name != "(other)" {
		t.Errorf("first property %q, want (other)", props[0].Name)
	}
}
