package ingest

import (
	"encoding/json"
	"testing"
)

func scanPaths(t *testing.T, line string, paths ...string) ([]string, error) {
	t.Helper()
	s := jsonScanner{root: newPathNode(), slots: make([][]byte, len(paths))}
	for i, p := range paths {
		s.root.add(p, i)
	}
	err := s.scan([]byte(line))
	out := make([]string, len(paths))
	for i, v := range s.slots {
		if v == nil {
			out[i] = "<nil>"
		} else {
			out[i] = string(v)
		}
	}
	return out, err
}

func TestJSONScannerValues(t *testing.T) {
	line := `{"event":"Signed Up","properties":{"time":1709543770,"distinct_id":"u_1","nested":{"k":"v"},"esc":"a\"b\\c\u00e9\ud83d\ude00","n":null,"t":true,"f":-1.5e3},"a.b":"flat","list":[1,{"x":[2]}]}`
	got, err := scanPaths(t, line, "event", "properties.time", "properties.distinct_id", "properties.nested.k",
		"properties.esc", "properties.n", "properties.t", "properties.f", "a.b", "list", "missing", "properties.nested")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Signed Up", "1709543770", "u_1", "v", "a\"b\\cé😀", "<nil>", "true", "-1.5e3", "flat", `[1,{"x":[2]}]`, "<nil>", `{"k":"v"}`}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("path %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestJSONScannerErrors(t *testing.T) {
	for _, line := range []string{
		``, `[1,2]`, `{"a":1`, `{"a" 1}`, `{"a":tru}`, `{"a":"x}`, `{"a":1,}`, `{a:1}`, `{"a":1} x`,
		`{"a":[1,2}`, `{"a":01x}`, `{"a":"\q"}`,
	} {
		if _, err := scanPaths(t, line, "a"); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}

// kvScan reads line with "a" as a GA4 key/value array whose key "k" fills
// the slot.
func kvScan(line string) (string, error) {
	s := jsonScanner{root: newPathNode(), slots: make([][]byte, 1)}
	a := s.root.ensure("a")
	a.kv = true
	a.add("k", 0)
	err := s.scan([]byte(line))
	return string(s.slots[0]), err
}

func TestJSONScannerKeyValueArrays(t *testing.T) {
	for line, want := range map[string]string{
		`{"a":[{"key":"k","value":{"string_value":null,"int_value":"5"}}]}`:                         "5",
		`{"a":[{"key":"j","value":{"string_value":"x"}},{"value":{"double_value":1.5},"key":"k"}]}`: "1.5",
		`{"a":[{},7,{"key":"k","value":{}}]}`:                                                       "",
	} {
		if got, err := kvScan(line); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", line, got, err, want)
		}
	}
	for _, line := range []string{
		`{"a":[{"key":"k" "value":{"string_value":"x"}}]}`,  // no comma between members
		`{"a":[{"key":"k","value":{"string_value":"x",}}]}`, // a trailing comma
		`{"a":[{"key":"k",}]}`,
		`{"a":[{"key":"k","value":{"string_value":`, // cut off: an error, not a panic
		`{"a":[{"key":"k","value":{"string_value"`,
		`{"a":[{"key":"k","value":{`,
	} {
		if _, err := kvScan(line); err == nil {
			t.Errorf("%s: no error", line)
		}
	}
}

// FuzzJSONL checks that the scanner never panics and accepts every object
// encoding/json accepts, with the same top-level string values.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{`{"a":"x","b":{"c":1}}`, `{"a":"\u00e9\n"}`, `{"a":[{"b":null}],"c":true}`, `{}`, `{"a":"x"`} {
		f.Add(s)
	}
	f.Add(`{"a":[{"key":"k","value":{"string_value":`)
	f.Fuzz(func(t *testing.T, line string) {
		kvScan(line) // "a" read as a key/value array: any error, no panic
		got, err := scanPaths(t, line, "a")
		var obj map[string]any
		if json.Unmarshal([]byte(line), &obj) != nil || obj == nil {
			return
		}
		for i := 0; i < len(line); i++ {
			if line[i] == '\n' {
				return // JSON lines cannot hold a raw newline
			}
		}
		if err != nil {
			t.Fatalf("%q: scanner rejects what encoding/json accepts: %v", line, err)
		}
		if s, ok := obj["a"].(string); ok && got[0] != s && isValidUTF8(s) {
			t.Errorf("%q: a = %q, encoding/json says %q", line, got[0], s)
		}
	})
}

func isValidUTF8(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}
