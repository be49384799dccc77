package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonRecs renders n event records; pretty spreads each over three lines.
func jsonRecs(n int, pretty bool) []string {
	out := make([]string, n)
	for i := range out {
		sep := ""
		if pretty {
			sep = "\n  "
		}
		out[i] = fmt.Sprintf(`{%s"user_id":"u%d",%s"event":"e%d","timestamp":%d}`, sep, i%97, sep, i%5, 1709287200+i)
	}
	return out
}

// A JSON document of any size is read record by record, in chunks, and gives
// what the same records give as JSON lines: more than one batch of records
// (the old reader crashed past 4,096), wrapped or not, several documents one
// after another, chunk boundaries anywhere.
func TestJSONDocumentStreams(t *testing.T) {
	const n = 10_000
	recs := jsonRecs(n, false)
	want := events(mustRead(t, "w.jsonl", strings.Join(recs, "\n"), keepAll))
	pretty := jsonRecs(n, true)
	docs := map[string]string{
		"array":         "[" + strings.Join(recs, ",") + "]",
		"pretty array":  "[\n" + strings.Join(pretty, ",\n") + "\n]\n",
		"wrapper":       `{"page": {"n": [1, 2]}, "results": [` + strings.Join(recs, ", ") + `], "next": null, "tail": [1, {"x": "]"}]}`,
		"two arrays":    "[" + strings.Join(recs[:n/2], ",") + "]\n[" + strings.Join(recs[n/2:], ",") + "]",
		"two wrappers":  `{"results":[` + strings.Join(recs[:3], ",") + `]} {"results":[` + strings.Join(recs[3:], ",") + `]}`,
		"strings":       "[" + strings.Join(recs, ` , `) + "]",
		"records split": "[" + strings.Join(recs[:1], ",") + "," + strings.Join(recs[1:], ",") + "]",
	}
	for name, doc := range docs {
		for _, size := range []int{1 << 20, 4096, 97} {
			t.Run(fmt.Sprintf("%s/chunk %d", name, size), func(t *testing.T) {
				defer func(old int) { chunkSize = old }(chunkSize)
				chunkSize = size
				d := mustRead(t, "d.json", doc, Options{Workers: 3, Need: Need{AllEvents: true}})
				if f := d.Stats.Files[0]; f.Format != "json" || f.Rows != n {
					t.Fatalf("format %q, %d rows; want json, %d", f.Format, f.Rows, n)
				}
				if diff := cmp.Diff(want, events(d)); diff != "" {
					t.Errorf("events differ from the JSON lines read (-jsonl +json)\n%s", diff)
				}
			})
		}
	}
}

// A bad record inside a well-formed document is a row error at the line the
// record starts on, and --on-invalid skip skips just that record.
func TestJSONDocumentBadRecord(t *testing.T) {
	recs := jsonRecs(6, true)
	recs[3] = "{\n  \"user_id\": \"u3\",\n  \"event\": \"e\",\n  \"timestamp\": \"yesterday\"}"
	recs[4] = `{"user_id": tru, "event": "e", "timestamp": 1}`
	doc := "[\n" + strings.Join(recs, ",\n") + "\n]\n"
	_, err := readText(t, "d.json", doc, Options{})
	if want := `d.json:11: column "timestamp": "yesterday" is not a timestamp`; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	d := mustRead(t, "d.json", doc, Options{SkipInvalid: true, Need: Need{AllEvents: true}})
	if d.Stats.Rows != 6 || d.Stats.Skipped != 2 || d.Stats.Events != 4 {
		t.Errorf("rows %d skipped %d events %d; want 6, 2, 4", d.Stats.Rows, d.Stats.Skipped, d.Stats.Events)
	}
}

// A document whose structure is broken stops the run at the line where it
// breaks, even with --on-invalid skip: what follows cannot be split into
// records with any confidence. Nothing after a document's end is ignored.
func TestJSONDocumentErrors(t *testing.T) {
	rec := `{"user_id":"u1","event":"e","timestamp":1709287200}`
	tests := []struct{ name, doc, want string }{
		{"garbage after the array", "[" + rec + "]\ngarbage", `d.json:2: invalid JSON document: data after the end of the JSON document, found 'g'`},
		{"extra bracket", "[" + rec + "]]", `d.json:1: invalid JSON document: data after the end of the JSON document, found ']'`},
		{"garbage after an empty array", "[] x", `d.json:1: invalid JSON document: data after the end of the JSON document, found 'x'`},
		{"garbage after a wrapper", `{"results":[` + rec + "]}\n\n}", `d.json:3: invalid JSON document: data after the end of the JSON document, found '}'`},
		{"array never closed", "[" + rec + ",\n" + rec + "\n", `d.json:3: invalid JSON document: the input ends inside the array of records (missing ']')`},
		{"wrapper never closed", `{"results":[` + rec + `], "n": 1`, `d.json:1: invalid JSON document: the input ends inside the object around the records (missing '}')`},
		{"record never closed", "[" + rec + ",\n" + `{"user_id":"u1","p":{"a":1}`, `d.json:2: invalid JSON document: a record starting here is never closed (missing '}')`},
		{"string never closed", "[" + rec + ",\n" + `{"user_id":"u1}]`, `d.json:2: invalid JSON document: a string is never closed (missing ")`},
		{"brackets do not match", "[\n" + `{"user_id":"u1","p":[1}` + ",\n" + rec + "]", `d.json:2: invalid JSON document: expected ']', found '}': brackets do not match`},
		{"missing comma", "[" + rec + "\n" + rec + "]", `d.json:2: invalid JSON document: expected ',' or ']' after a record, found '{'`},
		{"not JSON", "[x", `d.json:1: invalid JSON document: the input ends inside the array of records (missing ']')`},
		{"empty array", "[ ]", `d.json: no records (an empty JSON array)`},
		{"second array of records", `{"results":[` + rec + "],\n" + `"more": [` + rec + "]}", `d.json:2: invalid JSON document: a second array of records ("more") in the object around the records: uptake reads one array per document (split the file, or keep one array with jq)`},
		{"records key twice", `{"results":[` + rec + `], "results":[` + rec + "]}", `d.json:1: invalid JSON document: a second array of records ("results") in the object around the records: uptake reads one array per document (split the file, or keep one array with jq)`},
		{"wrapper member without colon", `{"meta" 1, "results":[` + rec + "]}", `d.json:1: invalid JSON document: expected ':' after a key, found '1'`},
	}
	for _, tt := range tests {
		for _, skip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/skip=%v", tt.name, skip), func(t *testing.T) {
				_, err := readText(t, "d.json", tt.doc, Options{Format: "json", SkipInvalid: skip})
				if err == nil || err.Error() != tt.want {
					t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
				}
			})
		}
	}
}

// FuzzJSONDocument holds the document splitter to encoding/json: a valid
// array (or wrapped array) is split into exactly its elements, and no input
// panics. Chunked reads of documents are FuzzReadChunking's.
func FuzzJSONDocument(f *testing.F) {
	for _, s := range []string{`[{"a":1},{"b":"]"}]`, `{"x":[1],"results":[{"a":{"b":[]}}],"y":{}}`, `[1,"x",null]`, `[{"a":"\\\"]"}]`, `[{"a":[}]`, `[]`, `{}`, `[{}] [{}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		recs, _, err := jsonRecords("f", []byte(doc))
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		var elems []json.RawMessage
		switch v.(type) {
		case []any:
			_ = json.Unmarshal([]byte(doc), &elems)
		case map[string]any:
			if err != nil && strings.Contains(err.Error(), "a second array of records") {
				return // refused on purpose: one array of records per document
			}
			if i := firstArrayOfObjects([]byte(strings.TrimSpace(doc))); i >= 0 {
				dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(doc)[i:]))
				if dec.Decode(&elems) != nil {
					t.Fatalf("%q: no array at %d", doc, i)
				}
			} else {
				elems = []json.RawMessage{json.RawMessage(strings.TrimSpace(doc))}
			}
		default:
			if err == nil {
				t.Fatalf("%q: a JSON scalar read as a document", doc)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: valid JSON rejected: %v", doc, err)
		}
		if len(recs) != len(elems) {
			t.Fatalf("%q: %d records, encoding/json has %d elements", doc, len(recs), len(elems))
		}
		for i := range recs {
			if string(recs[i]) != strings.TrimSpace(string(elems[i])) {
				t.Fatalf("%q: record %d is %q, encoding/json says %q", doc, i, recs[i], elems[i])
			}
		}
	})
}
