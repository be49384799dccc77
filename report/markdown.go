package report

// The Markdown format: the whole document for a pull request or a wiki.

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

func writeMarkdown(w io.Writer, doc Doc, o Options) error {
	var b bytes.Buffer
	if err := markdownDoc(&b, doc, o, 2); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// markdownDoc writes doc with its title at heading level (## for 2) and
// its tables' titles one level below.
func markdownDoc(b *bytes.Buffer, doc Doc, o Options, level int) error {
	h := strings.Repeat("#", level)
	if doc.Title != "" {
		fmt.Fprintf(b, "%s %s\n\n", h, mdSafe(doc.Title))
	}
	for _, kv := range doc.Summary {
		fmt.Fprintf(b, "- **%s:** %s\n", mdSafe(kv[0]), mdSafe(kv[1]))
	}
	for _, t := range doc.Tables {
		b.WriteString("\n")
		if t.Title != "" {
			fmt.Fprintf(b, "%s# %s\n\n", h, mdSafe(t.Title))
		}
		if err := borderTable(b, t, o, true); err != nil {
			return err
		}
	}
	if len(doc.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range doc.Notes {
			fmt.Fprintf(b, "> %s\n", mdSafe(n))
		}
	}
	return nil
}

// mdSafe escapes text for a Markdown document: Safe, then Markdown syntax.
func mdSafe(s string) string { return markdownText(Safe(s)) }
