package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
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

// shapeScanner is configured like inspect's: slots at a few paths, keys
// counted at the top level and in "properties", ids from one registry so
// two scanners' ids compare.
func shapeScanner(ids map[string]int32) *jsonScanner {
	paths := []string{"event", "user_id", "time", "properties.plan", "properties.n.k", "list", "a.b"}
	s := &jsonScanner{root: newPathNode(), slots: make([][]byte, len(paths))}
	for i, p := range paths {
		s.root.add(p, i)
	}
	s.root.collect = true
	props := s.root.ensure("properties")
	props.collect, props.prefix = true, "properties."
	s.resolve = func(n *pathNode, k []byte) int32 {
		name := n.prefix + string(k)
		if name == "properties" || name == "time" {
			return -1 // like the mapped keys inspect excludes
		}
		id, ok := ids[name]
		if !ok {
			id = int32(len(ids))
			ids[name] = id
		}
		return id
	}
	return s
}

// scanResult is everything a scan tells its caller.
func scanResult(s *jsonScanner, line []byte) string {
	s.keys = s.keys[:0]
	err := s.scan(line)
	var out strings.Builder
	for _, v := range s.slots {
		if v == nil {
			out.WriteString("<nil>|")
		} else {
			fmt.Fprintf(&out, "%q|", v)
		}
	}
	fmt.Fprintf(&out, " keys %v err %v", s.keys, err)
	return out.String()
}

// checkShapes scans lines with one scanner, which learns their layouts,
// and each line again with a fresh scanner: the results must be the same.
func checkShapes(t *testing.T, lines []string) {
	t.Helper()
	ids := map[string]int32{}
	warm := shapeScanner(ids)
	for i, l := range lines {
		got := scanResult(warm, []byte(l))
		want := scanResult(shapeScanner(ids), []byte(l))
		if got != want {
			t.Fatalf("line %d %q:\nwith shapes %s\nfresh       %s", i+1, l, got, want)
		}
	}
}

func TestJSONScannerShapes(t *testing.T) {
	base := `{"time":"2024-01-01T00:00:00Z","user_id":"u1","event":"signup","properties":{"plan":"team","role":"pm"}}`
	checkShapes(t, []string{
		base, base, // the second line is read by its shape
		`{"time":"2024-01-02T00:00:00Z","user_id":"u2","event":"login","properties":{}}`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u\"2","event":"login","properties":{"plan":""}}`, // an escape in a value
		`{"time":"2024-01-02T00:00:00Z","user_id":7,"event":null,"properties":{"plan":["x"]}}`,      // other kinds of value
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"plan":"a","role":"b","extra":1}}`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"plan":"a"}}`, // fewer members
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x"}`,
		`{"time":"2024-01-02T00:00:00Z", "user_id":"u3","event":"x"}`, // other spacing
		`{"time":"2024-01-02T00:00:00Z","user_id": "u3","event":"x"}`, // space after a colon (a fuzz find)
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3" ,"event":"x" }`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","event":"y"}`, // a repeated key: the last wins
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x",}`,            // errors at every place
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x"`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x"} x`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"n":{"k":"v"},"plan":"p"}}`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"n":{"k":"w"},"plan":"q"}}`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"n":{"k":"w","j":1},"plan":"q"}}`,
		`{"time":"2024-01-02T00:00:00Z","user_id":"u3","event":"x","properties":{"n":{"k":"w"},"plan":"q"}}`,
		`{"a.b":"flat","list":[1,{"x":2}],"event":"e"}`,
		`{"a.b":"flat","list":[1,{"x":2}],"event":"e"}`,
		`{"a":{"b":"nested"},"event":"e"}`,
		`{"user_id":"u1"}`, `{"user_id":"u1"}`, `{"user_id":"u1","event":"\u00e9"}`, `{}`, `{"user_id":"u1"}`,
	})
	// more layouts of one object than a node keeps, in turn
	var lines []string
	for round := 0; round < 3; round++ {
		for k := 0; k < maxShapes+2; k++ {
			lines = append(lines, fmt.Sprintf(`{"event":"e","properties":{"k%d":"v","plan":"p%d"}}`, k, round))
		}
	}
	checkShapes(t, lines)
	// a new layout on every line until recording pauses, then one layout
	// over and over (read member by member while paused, then by shape)
	lines = lines[:0]
	for k := 0; k < shapeBackoff+shapePause+40; k++ {
		if k < 3*shapeBackoff {
			lines = append(lines, fmt.Sprintf(`{"event":"e%d","properties":{"k%d":"v","plan":"p"}}`, k, k))
		} else {
			lines = append(lines, fmt.Sprintf(`{"event":"e%d","properties":{"plan":"p%d","role":"r"}}`, k, k))
		}
	}
	checkShapes(t, lines)
}

// FuzzJSONShapes: whatever lines come in whatever order, a scanner that
// remembers layouts reads each line as a fresh scanner does. The input is
// split into lines; the seeds share layouts so the fuzzer starts where
// shapes are used.
func FuzzJSONShapes(f *testing.F) {
	f.Add("{\"event\":\"a\",\"user_id\":\"u\",\"properties\":{\"plan\":\"x\"}}\n{\"event\":\"b\",\"user_id\":\"v\",\"properties\":{\"plan\":\"y\"}}\n{\"event\":\"b\",\"user_id\":\"v\",\"properties\":{\"plan\":\"y\",\"z\":1}}")
	f.Add("{\"a.b\":1,\"list\":[]}\n{\"a.b\":2,\"list\":[3]}\n{\"a.b\":2,\"list\":[3]")
	f.Add("{\"time\":\"t\",\"properties\":{\"n\":{\"k\":\"1\"}}}\n{\"time\":\"t\",\"properties\":{\"n\":{\"k\":\"\\u0041\"}}}")
	f.Fuzz(func(t *testing.T, in string) {
		checkShapes(t, strings.Split(in, "\n"))
	})
}

// Lone UTF-16 surrogates stay distinct (and invalid UTF-8, like raw invalid
// bytes); pairs decode; U+FFFD written as such stays U+FFFD.
func TestUnescapeSurrogates(t *testing.T) {
	tests := []struct{ in, want string }{
		{`u\ud800`, "u\xed\xa0\x80"},
		{`u\udbff`, "u\xed\xaf\xbf"},
		{`\udc00`, "\xed\xb0\x80"},
		{`\ud83d\ude00`, "\U0001F600"},
		{`\ud83d\u0041`, "\xed\xa0\xbdA"},
		{`\ud83d\\`, "\xed\xa0\xbd\\"},
		{`\ufffd`, "\uFFFD"},
	}
	for _, tt := range tests {
		got, err := unescape([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("unescape(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
