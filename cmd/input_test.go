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
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(data), 0o644)
		return path
	}
	events := "user_id,event,timestamp\nu1,signup,2024-03-01T10:00:00Z\nu1,report_created,2024-03-02T10:00:00Z\n"
	a, b := write("a.csv", events), write("b.csv", events)
	s := write("s.csv", "respondent_id,nps\nr1,9\nr2,10\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inspect", a, b}, b + " has the same content as " + a + " (same size and first MiB): its events count twice; give each file once"},
		{[]string{"activation", "--activation-event", "report_created", a, b}, b + " has the same content as " + a + " (same size and first MiB): its events count twice; give each file once"},
		{[]string{"nps", s, s}, s + " has the same content as " + s + " (same size and first MiB): its answers count twice; give each file once"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, false, append(tt.args, "--format", "json")...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tt.args[0], code, errOut)
		}
		var env struct{ Warnings []report.Warning }
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		want := report.Warning{Code: "same_file_twice", Message: tt.want}
		if !slices.Contains(env.Warnings, want) {
			t.Errorf("%s: warnings %+v lack %+v", tt.args[0], env.Warnings, want)
		}
		if line := "warning: " + tt.want + " [same_file_twice]\n"; !strings.Contains(errOut, line) {
			t.Errorf("%s: stderr %q lacks %q", tt.args[0], errOut, line)
		}
	}
}
