package report

// A report is several metrics' documents in one: a section each, with a
// one-line headline first (uptake report).

import (
	"bytes"
	"fmt"
	"io"
)

// Section is one metric of a report.
type Section struct {
	Name     string // the config's name for it
	Headline string // "Activation (report_created within 48h): 53.2% [50.1%, 56.3%]"
	Doc      Doc
	// Warnings are the metric's caveats; the HTML page shows them in the
	// section (text and Markdown callers print them as they do for a
	// single metric).
	Warnings []Warning
}

// WriteReport renders a report's sections under title, with notes (the
// input's warnings, say) after it, as text, Markdown or HTML (CSV and JSON
// reports are written by their callers). Like Write, it writes once, when
// everything rendered.
func WriteReport(w io.Writer, title string, notes []string, secs []Section, f Format, o Options) error {
	var b bytes.Buffer
	switch f {
	case FormatHTML:
		return WriteHTML(w, title, notes, secs, o)
	case FormatMarkdown:
		o.Color = false
		fmt.Fprintf(&b, "# %s\n", mdSafe(title))
		if len(notes) > 0 {
			b.WriteString("\n")
			for _, n := range notes {
				fmt.Fprintf(&b, "> %s\n", mdSafe(n))
			}
		}
		for _, s := range secs {
			fmt.Fprintf(&b, "\n## %s\n\n**%s**\n\n", mdSafe(s.Name), mdSafe(s.Headline))
			if err := markdownDoc(&b, s.Doc, o, 3); err != nil {
				return err
			}
		}
	case FormatTable, "":
		b.WriteString(style(Safe(title), o, bold) + "\n")
		for _, n := range notes {
			b.WriteString(style(Safe(n), o, dim) + "\n")
		}
		for _, s := range secs {
			fmt.Fprintf(&b, "\n%s\n%s\n\n", style("━━ "+Safe(s.Name)+" ━━", o, bold), Safe(s.Headline))
			if err := writeText(&b, s.Doc, o); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("a report has no %s form", f)
	}
	_, err := w.Write(b.Bytes())
	return err
}
