package ingest

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestRowRecordIs64Bytes(t *testing.T) {
	if n := unsafe.Sizeof(rowRec{}); n != 64 {
		t.Errorf("rowRec is %d bytes; the consumer's batches are laid out for 64", n)
	}
}

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		event   string
		filters []string
		err     string
	}{
		{"signup", false, "", nil, ""},
		{" feature_used[feature = exports] ", true, "feature_used", []string{`feature = "exports"`}, ""},
		{"a:b[x != 1; y ~ ^p]", true, "a:b", []string{`x != "1"`, `y ~ "^p"`}, ""},
		{"e[x = 1;]", true, "e", []string{`x = "1"`}, ""},
		{"e[x = 1", false, "", nil, ""},          // no closing bracket: a name
		{"Clicked [CTA]", false, "", nil, ""},    // no operator inside: a name
		{"done \x1b[31mred", false, "", nil, ""}, // an escape sequence: a name
		{"[x = 1]", true, "", nil, `event selector "[x = 1]": no event name before [`},
		{"e[ ; = ]", true, "", nil, `event selector "e[ ; = ]": no field name before =: want FIELD OP VALUE`},
		{"e[x == 1]", true, "", nil, `event selector "e[x == 1]": "==" is not an operator; the operators are = != < <= > >= ~ !~`},
	}
	for _, tt := range tests {
		sel, ok, err := ParseSelector(tt.in)
		var fs []string
		for _, f := range sel.Filters {
			fs = append(fs, f.String())
		}
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if ok != tt.ok || sel.Event != tt.event || gotErr != tt.err || !cmp.Equal(fs, tt.filters) {
			t.Errorf("ParseSelector(%q) = %q %v %q, %v; want %q %v %q, %v", tt.in, sel.Event, ok, fs, gotErr, tt.event, tt.ok, tt.filters, tt.err)
		}
	}
}

// A selector adds an event for each matching row, in every format, seen by
// the metrics only: the input's counts and events are unchanged, and a row
// dropped as a duplicate takes its selector event with it.
func TestSelectorEvents(t *testing.T) {
	csv := "user_id,event,feature,timestamp\n" +
		"u1,feature_used,exports,2024-03-01T10:00:00Z\n" +
		"u1,feature_used,exports,2024-03-01T10:00:00Z\n" + // an exact duplicate
		"u2,feature_used,charts,2024-03-01T11:00:00Z\n" +
		"u3,feature_used,exports,2024-03-02T09:00:00Z\n" +
		"u3,signup,exports,2024-03-02T08:00:00Z\n"
	jsonl := `{"user_id":"u1","event":"feature_used","properties":{"feature":"exports"},"timestamp":"2024-03-01T10:00:00Z"}` + "\n" +
		`{"user_id":"u1","event":"feature_used","properties":{"feature":"exports"},"timestamp":"2024-03-01T10:00:00Z"}` + "\n" +
		`{"user_id":"u2","event":"feature_used","properties":{"feature":"charts"},"timestamp":"2024-03-01T11:00:00Z"}` + "\n" +
		`{"user_id":"u3","event":"feature_used","properties":{"feature":"exports"},"timestamp":"2024-03-02T09:00:00Z"}` + "\n" +
		`{"user_id":"u3","event":"signup","properties":{"feature":"exports"},"timestamp":"2024-03-02T08:00:00Z"}` + "\n"
	sel, _, err := ParseSelector("feature_used[feature = exports]")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"e.csv": csv, "e.jsonl": jsonl} {
		t.Run(name, func(t *testing.T) {
			d := mustRead(t, name, data, Options{Dedup: DedupExact, Selectors: []Selector{sel}, Need: Need{Events: []string{sel.Name}}})
			want := []string{
				"u1 feature_used[feature = exports] 2024-03-01T10:00:00Z",
				"u3 feature_used[feature = exports] 2024-03-02T09:00:00Z",
			}
			if diff := cmp.Diff(want, events(d)); diff != "" {
				t.Errorf("events (-want +got)\n%s", diff)
			}
			if s := d.Stats; s.Rows != 5 || s.Events != 4 || s.Duplicates != 1 {
				t.Errorf("rows %d, events %d, duplicates %d; want 5, 4, 1 (selector events are not rows)", s.Rows, s.Events, s.Duplicates)
			}
		})
	}
}

// FuzzParseSelector: any text is a name, a selector or an error, never a
// panic; a selector's filters are parsed filters of its brackets.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"e[x = 1]", "e[x = 1; y ~ ^a]", "Clicked [CTA]", "[x=1]", "e[ ; = ]", "e[x == 1]", "a[b[c = d]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, ok, err := ParseSelector(s)
		if !ok && err != nil {
			t.Fatalf("%q: an error for a plain name: %v", s, err)
		}
		if ok && err == nil && (sel.Event == "" || len(sel.Filters) == 0) {
			t.Fatalf("%q: a selector with no event or no filter: %+v", s, sel)
		}
	})
}
