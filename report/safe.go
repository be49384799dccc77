package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe returns s as it may be shown to a person: every control character is
// replaced by a visible escape, so that text from the data (event names, user
// ids, property values, file and zip member names) can neither drive the
// terminal (ESC sequences retitle or clear it, BEL rings, CR rewrites a line)
// nor forge a row or a message (a newline). Escapes: \n \r \t for those, \xNN
// for other C0 bytes, DEL and bytes that are not UTF-8, and \uNNNN for C1
// controls and for the Unicode bidirectional overrides and line separators,
// which reorder or break what is displayed. A backslash stays as it is, so
// Windows paths read naturally; printable text is never touched.
func Safe(s string) string { return escape(s, false) }

// SafeLayout is Safe except that line breaks and tabs stay: for messages
// whose layout is the program's own, such as cobra's "Did you mean this?"
// list after an unknown command. Never for text that holds data.
func SafeLayout(s string) string { return escape(s, true) }

func escape(s string, keepLayout bool) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s // the common case: printable ASCII, no allocation
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLayout && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// hidden reports the format characters that change what a terminal shows
// without being shown: bidirectional embeddings, overrides and isolates
// ("Trojan Source") and the line and paragraph separators.
func hidden(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029
}

// Defuse returns a text cell for a spreadsheet: a cell starting with = + - @
// TAB or CR would be read as a formula (=HYPERLINK(…) runs on opening), so it
// gets a leading apostrophe, which spreadsheets show as text (the OWASP rule
// for CSV injection). Numbers written by the program are never passed here.
func Defuse(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// markdownText returns s (already Safe) as Markdown that renders as exactly
// that text inside a table cell, a list item, a heading or a quote: the
// characters that start HTML, entities, links, images, emphasis, code spans,
// strikethrough and table cells are escaped. An underscore between two
// letters or digits stays, since it can never start emphasis there
// (snake_case names read as they are in the Markdown source).
func markdownText(s string) string {
	if !strings.ContainsAny(s, "\\`*_[]~|<>&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	for i, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '_':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if !wordRune(prev) || !wordRune(next) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case '\\', '`', '*', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
