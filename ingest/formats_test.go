package ingest

import "testing"

// TestFormatTableComplete checks every entry can do its part: a container
// expands; a record format plans, frames and parses (or, read by random
// access, plans and reads) and says when it is empty.
// A format added with a hole would otherwise panic on its first input.
func TestFormatTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range formats {
		if seen[f.name] {
			t.Errorf("%s: listed twice", f.name)
		}
		seen[f.name] = true
		container := f.expand != nil
		stream := f.plan != nil && f.framer != nil && f.parse != nil && f.planAt == nil && f.read == nil
		random := f.planAt != nil && f.read != nil && f.plan == nil && f.framer == nil && f.parse == nil
		record := (stream || random) && f.noRecords != nil
		if f.sniff == nil || container == record {
			t.Errorf("%s: neither a whole container nor a whole record format", f.name)
		}
	}
	for _, name := range []string{"zip", "parquet", "csv", "tsv", "jsonl", "json"} {
		if !seen[name] {
			t.Errorf("%s: missing", name)
		}
	}
}
