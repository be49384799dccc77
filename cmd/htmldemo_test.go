package cmd

import (
	"os"
	"strings"
	"testing"
)

// TestReportHTML renders the demo report as one HTML page: every section
// has its charts, the page refers to nothing outside it, and it is the same
// bytes twice. With UPTAKE_HTML_OUT=FILE it also writes the page there
// (scripts/html-shot.sh screenshots it).
func TestReportHTML(t *testing.T) {
	code, page, errOut := run(t, false, "report", "--demo", "-q", "--format", "html")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, again, _ := run(t, false, "report", "--demo", "-q", "--format", "html"); again != page {
		t.Error("the demo report's HTML differs between two runs")
	}
	sections := strings.Split(page, "<section ")[1:]
	if len(sections) != 20 {
		t.Fatalf("%d sections, want the demo config's 20", len(sections))
	}
	for _, s := range sections {
		if !strings.Contains(s, "<svg ") {
			t.Errorf("a section without a chart: %.80s", s)
		}
	}
	for _, bad := range []string{"<script", "<link", "http://", "https://", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if !strings.Contains(page, `<ul class="warnings">`) {
		t.Error("the metrics' warnings are not on the page")
	}
	if out := os.Getenv("UPTAKE_HTML_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
