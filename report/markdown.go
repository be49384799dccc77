package report

// The Markdown format: the whole document for a pull request or a wiki.

import (
	"bytes"
	"fmt"
	"io"
)

func writeMarkdown(w io.Writer, doc Doc, o Options) error {
	var b bytes.Buffer
	if doc.Title != "" {
		fmt.Fprintf(&b, "## %s\n\n", mdSafe(doc.Title))
	}
	for _, kv := range doc.Summary {
		fmt.Fprintf(&b, "- **%s:** %s\n", mdSafe(kv[0]), mdSafe(kv[1]))
	}
	for _, t := range doc.Tables {
		b.WriteString("\n")
		if t.Title != "" {
			fmt.Fprintf(&b, "### %s\n\n", mdSafe(t.Title))
		}
		if err := borderTable(&b, t, o, true); err != nil {
			return err
		}
	}
	if len(doc.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range doc.Notes {
			fmt.Fprintf(&b, "> %s\n", mdSafe(n))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// mdSafe escapes text for a Markdown document: Safe, then Markdown syntax.
func mdSafe(s string) string { return markdownText(Safe(s)) }
