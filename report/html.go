package report

// The HTML format: a report as one self-contained page to mail or attach.
// Styles are inline and charts are inline SVG drawn here, so the page
// loads nothing (its Content-Security-Policy forbids it) and runs nothing.
// Every text from the data goes through esc: Safe, then HTML escaping.

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"
)

// longTable is the number of rows above which a table starts folded.
const longTable = 15

// css is the page's style: light, readable, printable.
const css = `:root{color-scheme:light;--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--band:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:21px;margin:40px 0 4px;padding-top:12px;border-top:2px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
h4{font-size:14px;margin:0 0 4px}
nav ol{margin:0;padding-left:20px;columns:2}
.headline{font-weight:600;font-size:16px;margin:4px 0 12px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.summary dt{color:var(--muted)}
dl.summary dd{margin:0}
figure{margin:16px 0}
figcaption{font-weight:600;font-size:14px;margin-bottom:4px}
.chart{width:100%;max-width:800px;height:auto;display:block}
.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:var(--ink)}
.chart .lbl{fill:var(--muted)}
.chart .cell{fill:var(--ink)}
.chart .cell.on-dark{fill:#fff}
.chart .grid{stroke:#e6e9ed;stroke-width:1}
.chart .axis{stroke:#8c959f;stroke-width:1}
.chart .marked{stroke:#24292f;stroke-width:1.5;stroke-dasharray:3 2}
.chart .key{stroke:var(--line)}
.chart .whisker{stroke:#0072B2;stroke-width:2;fill:none}
.chart .dot{fill:#0072B2}
.note{color:var(--muted);font-size:13px;margin:2px 0}
table{border-collapse:collapse;margin:6px 0 14px;font-size:13px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;white-space:nowrap}
th{background:var(--band);font-weight:600}
td.n,th.n{text-align:right}
.scroll{overflow-x:auto}
details summary{cursor:pointer;font-weight:600;font-size:14px;margin:8px 0}
ul.notes,ul.warnings{padding-left:20px;font-size:13px}
ul.notes{color:var(--muted)}
ul.warnings li{color:#9a3412}
@media print{h2{break-before:page}details{display:block}}
`

// WriteHTML renders a report's sections under title as one HTML page:
// per section its name, headline, summary, charts, tables, notes and
// warnings. A single document is a section without a name (Write with
// FormatHTML). Like Write, it writes once, when everything rendered.
func WriteHTML(w io.Writer, title string, notes []string, secs []Section, o Options) error {
	if o.TZ == nil {
		o.TZ = time.UTC
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>%s</h1>\n", esc(title), css, esc(title))
	htmlList(&b, "warnings", notes)
	named := 0
	for _, s := range secs {
		if s.Name != "" {
			named++
		}
	}
	if named > 1 {
		b.WriteString("<nav aria-label=\"Metrics\"><ol>\n")
		for i, s := range secs {
			fmt.Fprintf(&b, "<li><a href=\"#m%d\">%s</a></li>\n", i+1, esc(s.Name))
		}
		b.WriteString("</ol></nav>\n")
	}
	for i, s := range secs {
		htmlSection(&b, i+1, s, o)
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// htmlSection writes section number i; the document's title is the page's
// heading when the section has no name.
func htmlSection(b *bytes.Buffer, i int, s Section, o Options) {
	fmt.Fprintf(b, "<section id=\"m%d\">\n", i)
	if s.Name != "" {
		fmt.Fprintf(b, "<h2>%s</h2>\n", esc(s.Name))
	}
	d := s.Doc
	// a headline that only repeats the name, or a title that repeats
	// either, is left out (the single document's title is the page's)
	if s.Headline != "" && s.Headline != s.Name {
		fmt.Fprintf(b, "<p class=\"headline\">%s</p>\n", esc(s.Headline))
	}
	if d.Title != "" && s.Name != "" && d.Title != s.Headline && d.Title != s.Name {
		fmt.Fprintf(b, "<h3>%s</h3>\n", esc(d.Title))
	}
	if len(d.Summary) > 0 {
		b.WriteString("<dl class=\"summary\">\n")
		for _, kv := range d.Summary {
			fmt.Fprintf(b, "<dt>%s</dt><dd>%s</dd>\n", esc(kv[0]), esc(kv[1]))
		}
		b.WriteString("</dl>\n")
	}
	for _, c := range d.Charts {
		fmt.Fprintf(b, "<figure>\n<figcaption>%s</figcaption>\n%s", esc(c.Title), c.SVG())
		if c.Note != "" {
			fmt.Fprintf(b, "<p class=\"note\">%s</p>\n", esc(c.Note))
		}
		b.WriteString("</figure>\n")
	}
	for _, t := range d.Tables {
		htmlTable(b, t, o)
	}
	htmlList(b, "notes", d.Notes)
	var ws []string
	for _, w := range s.Warnings {
		ws = append(ws, w.Note())
	}
	htmlList(b, "warnings", ws)
	b.WriteString("</section>\n")
}

// htmlTable writes t, folded under its title when it is long; rate cells
// (Heat) are shaded as in the heatmap.
func htmlTable(b *bytes.Buffer, t Table, o Options) {
	title := t.Title
	if title == "" {
		title = "Table"
	}
	if len(t.Rows) > longTable {
		fmt.Fprintf(b, "<details>\n<summary>%s (%s rows)</summary>\n", esc(title), strconv.Itoa(len(t.Rows)))
	} else if t.Title != "" {
		fmt.Fprintf(b, "<h4>%s</h4>\n", esc(t.Title))
	}
	b.WriteString("<div class=\"scroll\"><table>\n<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(b, "<th%s scope=\"col\">%s</th>", numClass(c.Kind), esc(header(c)))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for i, v := range row {
			k := Text
			if i < len(t.Columns) {
				k = t.Columns[i].Kind
			}
			style := ""
			if h, ok := v.(Heat); ok && h.Value != nil {
				fill, dark := heatColour(*h.Value)
				ink := "#1b1f24"
				if dark {
					ink = "#fff"
				}
				style = fmt.Sprintf(" style=\"background:%s;color:%s\"", fill, ink)
			}
			fmt.Fprintf(b, "<td%s%s>%s</td>", numClass(k), style, esc(humanCell(v, k, o)))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table></div>\n")
	if len(t.Rows) > longTable {
		b.WriteString("</details>\n")
	}
}

// numClass right-aligns the columns of numbers.
func numClass(k Kind) string {
	if k == Text || k == Time {
		return ""
	}
	return " class=\"n\""
}

// htmlList writes items as a list of class cls, if there are any.
func htmlList(b *bytes.Buffer, cls string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "<ul class=\"%s\">\n", cls)
	for _, it := range items {
		fmt.Fprintf(b, "<li>%s</li>\n", esc(it))
	}
	b.WriteString("</ul>\n")
}
