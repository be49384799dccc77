package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/report"
)

// A file given twice counts its events twice: every command says so, in
// the JSON envelope and on stderr.
func TestSameFileTwiceWarning(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	data := "user_id,event,timestamp\nu1,signup,2024-03-01T10:00:00Z\nu1,report_created,2024-03-02T10:00:00Z\n"
	os.WriteFile(a, []byte(data), 0o644)
	os.WriteFile(b, []byte(data), 0o644)
	want := report.Warning{Code: "same_file_twice", Message: b + " has the same content as " + a + " (same size and first MiB): its events count twice; give each file once"}
	for _, args := range [][]string{
		{"inspect", "--format", "json", a, b},
		{"activation", "--activation-event", "report_created", "--format", "json", a, b},
	} {
		code, out, errOut := run(t, false, args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", args[0], code, errOut)
		}
		var env struct{ Warnings []report.Warning }
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(env.Warnings, want) {
			t.Errorf("%s: warnings %+v lack %+v", args[0], env.Warnings, want)
		}
		if line := "warning: " + want.Message + " [same_file_twice]\n"; !strings.Contains(errOut, line) {
			t.Errorf("%s: stderr %q lacks %q", args[0], errOut, line)
		}
	}
}
