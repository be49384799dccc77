package cmd

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	out := runOK(t, "normalize", filepath.Join("testdata", "events.csv"), "--props", "plan")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "user_id,event,ts,plan" {
		t.Fatalf("header %q", lines[0])
	}
	// every kept event is a row: as many as inspect keeps
	env := envelopeOf(t, runOK(t, "inspect", filepath.Join("testdata", "events.csv"), "--format", "json"))
	if kept := env["result"].(map[string]any)["kept"].(float64); len(lines)-1 != int(kept) {
		t.Errorf("%d rows, inspect keeps %v", len(lines)-1, kept)
	}
	golden(t, "normalize_events", out)
}

// TestNormalizeVendor: a vendor export comes out in UTC with its mapped
// user and event, and identity stitched (u_1003's anonymous events are
// theirs), as every metric reads it.
func TestNormalizeVendor(t *testing.T) {
	out := runOK(t, "normalize", filepath.Join("..", "testdata", "formats", "segment.jsonl"), "--props", "all")
	if !strings.HasPrefix(out, "user_id,event,ts,") {
		t.Errorf("%.300s", out)
	}
	users := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.SplitN(l, ",", 4)
		if !strings.HasSuffix(f[2], "Z") || f[0] == "" {
			t.Fatalf("row %q: want a user and a UTC time", l)
		}
		users[f[0]]++
	}
	// the browser's anonymous id is merged into the user who signed up on it
	if users["a8bd7e79-5f90-47dc-ade0-e5db1eab9313"] != 0 || users["u_1001"] == 0 {
		t.Errorf("users %v: the anonymous id should be u_1001's", users)
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--demo", "--props", "plna"}, ExitError, `did you mean "plan"`},
		{[]string{"--demo", "--props", "all,plan"}, ExitUsage, "name no others"},
		{[]string{"-", "--props", "all"}, ExitUsage, "not stdin"},
		{[]string{"--demo", "--props", "ts"}, ExitUsage, "already has a column ts"},
	} {
		code, out, errOut := run(t, false, append([]string{"normalize"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tt.args, code, out, errOut)
		}
	}
}
