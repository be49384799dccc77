package report

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestTicks(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		want   []float64
		step   float64
	}{
		{0, 1, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 0.2},
		{0, 0.74, []float64{0, 0.2, 0.4, 0.6, 0.8}, 0.2},
		{-158, 582, []float64{-200, 0, 200, 400, 600}, 200},
		{-20.3, 0, []float64{-25, -20, -15, -10, -5, 0}, 5},
		{0, 0, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 0.2}, // no span: 0..1
	} {
		got, step := ticks(tt.lo, tt.hi, 5)
		if step != tt.step || len(got) != len(tt.want) {
			t.Errorf("ticks(%v, %v) = %v step %v, want %v step %v", tt.lo, tt.hi, got, step, tt.want, tt.step)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-12 {
				t.Errorf("ticks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
				break
			}
		}
	}
}

func TestTickLabels(t *testing.T) {
	for _, tt := range []struct {
		unit    Kind
		v, step float64
		want    string
	}{
		{Percent, 0.4, 0.2, "40%"},
		{Percent, 0.025, 0.025, "2.5%"},
		{Int, 2000, 1000, "2,000"},
		{Int, -200, 200, "-200"},
		{Points, -12.5, 2.5, "-12.5"},
	} {
		if got := (Chart{Unit: tt.unit}).tick(tt.v, tt.step); got != tt.want {
			t.Errorf("tick(%v, %v) in %v = %q, want %q", tt.v, tt.step, tt.unit, got, tt.want)
		}
	}
}

func TestHeatColour(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
		dark bool
	}{
		{0, "#f7fbff", false}, {1, "#08306b", true}, {-1, "#f7fbff", false}, {2, "#08306b", true},
		{0.25, "#8096b5", false}, // √0.25 = 0.5: halfway
	} {
		got, dark := heatColour(tt.v)
		if got != tt.want || dark != tt.dark {
			t.Errorf("heatColour(%v) = %s %v, want %s %v", tt.v, got, dark, tt.want, tt.dark)
		}
	}
}

// An interval chart of one estimate, drawn exactly: the label "all" takes
// 3 × 6.6 + 12 = 31.8 and the text "40%" as much on the right, so the axis
// 0–60% runs from 31.8 + 8 = 39.8 to 720 − 16 − 31.8 = 672.2: 20% at
// 250.6, the dot at 40% at 461.4, the whisker from 20% to 60%.
func TestIntervalSVG(t *testing.T) {
	c := Chart{Kind: IntervalChart, Title: "Rate", Unit: Percent, Labels: []string{"all"},
		Estimates: []Estimate{{Value: 0.4, Low: 0.2, High: 0.6, Text: "40%"}}}
	want := `<svg viewBox="0 0 720 58" role="img" aria-label="Rate" class="chart">
<title>Rate</title>
<line x1="39.8" y1="8" x2="39.8" y2="32" class="axis"/>
<text x="39.8" y="48" text-anchor="middle" class="lbl">0%</text>
<line x1="250.6" y1="8" x2="250.6" y2="32" class="grid"/>
<text x="250.6" y="48" text-anchor="middle" class="lbl">20%</text>
<line x1="461.4" y1="8" x2="461.4" y2="32" class="grid"/>
<text x="461.4" y="48" text-anchor="middle" class="lbl">40%</text>
<line x1="672.2" y1="8" x2="672.2" y2="32" class="grid"/>
<text x="672.2" y="48" text-anchor="middle" class="lbl">60%</text>
<text x="23.8" y="24" text-anchor="end" class="lbl">all</text>
<path d="M250.6 15V25M250.6 20H672.2M672.2 15V25" class="whisker"/>
<circle cx="461.4" cy="20" r="4.5" class="dot"><title>all: 40%</title></circle>
<text x="684.2" y="24" text-anchor="start" class="val">40%</text>
</svg>
`
	if got := c.SVG(); got != want {
		t.Errorf("SVG() =\n%s\nwant\n%s", got, want)
	}
}

func TestBarSVG(t *testing.T) {
	// stacked: 3 up and 1 down at a, a gap (NaN) at b
	c := Chart{Kind: BarChart, Stacked: true, Title: "Users", Unit: Int, Labels: []string{"a", "b"},
		Series: []Series{{Name: "up", Values: []float64{2, math.NaN()}}, {Name: "more", Values: []float64{1, 5}},
			{Name: "down", Values: []float64{-1, 0}, Tone: ToneBad}}}
	got := c.SVG()
	for _, frag := range []string{
		`<title>a · up: 2</title>`, `<title>a · more: 1</title>`, `<title>a · down: -1</title>`, `<title>b · more: 5</title>`,
		`fill="#0072B2"`, `fill="#E69F00"`, `fill="#D55E00"`, // the palette's first two, then the bad tone
	} {
		if !strings.Contains(got, frag) {
			t.Errorf("bar chart lacks %q:\n%s", frag, got)
		}
	}
	if n := strings.Count(got, "<rect "); n != 4+3 { // 4 bars, 3 legend keys
		t.Errorf("%d rects, want 7:\n%s", n, got)
	}
	// the pile at a: up from 0 to 2, more from 2 to 3 (touching), down below 0
	up := rectAt(t, got, "a · up")
	more := rectAt(t, got, "a · more")
	down := rectAt(t, got, "a · down")
	if math.Abs(more[1]+more[3]-up[1]) > 0.11 || math.Abs(up[1]+up[3]-down[1]) > 0.11 {
		t.Errorf("bars do not pile: up %v, more %v, down %v", up, more, down)
	}
}

// rectAt is the x, y, width and height of the rect titled title.
func rectAt(t *testing.T, svg, title string) [4]float64 {
	t.Helper()
	re := regexp.MustCompile(`<rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)"[^>]*><title>` + regexp.QuoteMeta(title))
	m := re.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no rect %q", title)
	}
	var out [4]float64
	for i := range out {
		out[i] = mustFloat(t, m[i+1])
	}
	return out
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLineSVGGaps(t *testing.T) {
	c := Chart{Kind: LineChart, Title: "DAU", Unit: Int, Labels: []string{"1", "2", "3", "4", "5"},
		Series: []Series{{Name: "dau", Values: []float64{1, 2, math.NaN(), 4, 5}, Low: []float64{0, 1, math.NaN(), 3, 4}, High: []float64{2, 3, math.NaN(), 5, 6}}}}
	got := c.SVG()
	if n := strings.Count(got, "<path "); n != 2 {
		t.Errorf("%d paths, want 2 (the gap splits the line):\n%s", n, got)
	}
	if n := strings.Count(got, "<polygon "); n != 2 {
		t.Errorf("%d bands, want 2:\n%s", n, got)
	}
	if n := strings.Count(got, "<circle "); n != 4 {
		t.Errorf("%d dots, want 4:\n%s", n, got)
	}
}

func TestHeatmapSVG(t *testing.T) {
	half, one := 0.5, 1.0
	c := Chart{Kind: HeatmapChart, Title: "Retention", Unit: Percent, Labels: []string{"w1", "w2"}, Columns: []string{"0", "1"},
		Cells: [][]Heat{{{Value: &one}, {Value: &half, Mark: "*"}}, {{Value: &one}, {}}}}
	got := c.SVG()
	for _, frag := range []string{`<title>w1 · 1: 50.0%*</title>`, `>50%*</text>`, `<title>w2 · 0: 100.0%</title>`} {
		if !strings.Contains(got, frag) {
			t.Errorf("heatmap lacks %q:\n%s", frag, got)
		}
	}
	if n := strings.Count(got, `class="marked"`); n != 1 {
		t.Errorf("%d marked cells, want 1", n)
	}
	if strings.Contains(got, "w2 · 1") {
		t.Error("an empty cell was drawn")
	}
}

// evil is text from the data that tries to break out of HTML, SVG or
// the terminal.
const evil = "</script><script>alert(1)</script><img src=x onerror=alert(1)>\x1b]0;pwn\x07\u202e"

func htmlHostileDoc() Doc {
	v := 0.5
	return Doc{
		Title:   "T " + evil,
		Summary: [][2]string{{evil, evil}},
		Tables: []Table{{Title: evil, Columns: []Column{{Key: evil}, {Key: "n", Kind: Int}, {Key: "rate", Kind: Percent}},
			Rows: [][]any{{evil, 3, Heat{Value: &v, Mark: evil}}}}},
		Notes: []string{evil},
		Charts: []Chart{
			{Kind: BarChart, Title: evil, Unit: Int, Labels: []string{evil}, Series: []Series{{Name: evil, Values: []float64{1}}, {Name: "b", Values: []float64{2}}}},
			{Kind: BarChart, Horizontal: true, Title: evil, Unit: Int, Labels: []string{evil}, Series: []Series{{Name: "u", Values: []float64{1}, Text: []string{evil}}}},
			{Kind: LineChart, Title: evil, Unit: Int, Labels: []string{evil}, Series: []Series{{Name: evil, Values: []float64{1}}}},
			{Kind: HeatmapChart, Title: evil, Unit: Percent, Labels: []string{evil}, Columns: []string{evil}, Cells: [][]Heat{{{Value: &v, Mark: evil}}}},
			{Kind: IntervalChart, Title: evil, Unit: Percent, Labels: []string{evil}, Estimates: []Estimate{{Value: 0.5, Low: 0.4, High: 0.6, Text: evil}}, Note: evil},
		},
	}
}

func htmlHostilePage(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	secs := []Section{{Name: evil, Headline: evil, Doc: htmlHostileDoc(), Warnings: []Warning{{Code: evil, Message: evil}}},
		{Name: "second", Doc: sample()}}
	if err := WriteHTML(&b, evil, nil, secs, Options{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTMLEscapesHostileText(t *testing.T) {
	page := htmlHostilePage(t)
	for _, bad := range []string{"<script", "<img", "\x1b", "\x07", "\u202e", "onerror=alert(1)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	// what the data said is shown, as text
	shown := `&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;\x1b]0;pwn\x07\u202e`
	if n := strings.Count(page, shown); n < 15 {
		t.Errorf("the evil text is shown escaped %d times, want every place it was given", n)
	}
}

// The page loads nothing: no attribute or style points outside it.
func TestHTMLSelfContained(t *testing.T) {
	page := htmlHostilePage(t)
	// text is escaped, so every < starts a tag the page itself wrote, and
	// every attribute value is quoted with no quote inside
	attr := regexp.MustCompile(`\s([a-zA-Z][a-zA-Z0-9:-]*)="([^"]*)"`)
	for _, tag := range regexp.MustCompile(`<[a-zA-Z][^>]*>`).FindAllString(page, -1) {
		for _, a := range attr.FindAllStringSubmatch(tag, -1) {
			switch strings.ToLower(a[1]) {
			case "src", "href", "xlink:href", "action", "srcset", "poster", "data":
				if !strings.HasPrefix(a[2], "#") {
					t.Errorf("a reference out of the page: %s", a[0])
				}
			}
		}
		if strings.Contains(attr.ReplaceAllString(tag, ""), "=") {
			t.Errorf("an attribute that is not name=\"value\": %s", tag)
		}
	}
	for _, bad := range []string{"url(", "@import", "<link", "<script", "<iframe", "<object", "<embed"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("no Content-Security-Policy")
	}
	if !strings.Contains(page, "<title>T ") && !strings.Contains(page, "<title>&lt;/script") {
		t.Error("no <title>")
	}
}

func TestHTMLDeterministic(t *testing.T) {
	if a, b := htmlHostilePage(t), htmlHostilePage(t); a != b {
		t.Error("two renderings differ")
	}
}

// A single document is a page of its own: Write with FormatHTML.
func TestWriteHTMLDoc(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), FormatHTML, Options{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, frag := range []string{"<title>Title</title>", "<h1>Title</h1>", "<dt>rows</dt><dd>3</dd>", "<td>a|b</td>", `<td class="n">12,345</td>`,
		`<td class="n">50.0%</td>`, `<td class="n">1h02m</td>`, "<td>2024-03-01T10:00:00Z</td>"} {
		if !strings.Contains(page, frag) {
			t.Errorf("the page lacks %q:\n%s", frag, page)
		}
	}
	if strings.Contains(page, "<nav") || strings.Contains(page, "<h2>") {
		t.Error("a single document has no table of contents or section heading")
	}
}

// Ten lines: the legend wraps onto a second row inside the chart (the
// plot grows by the row), and lines past the palette's six colours take
// them again dashed, their keys dashed strokes.
func TestLineSVGManySeries(t *testing.T) {
	c := Chart{Kind: LineChart, Title: "Events", Unit: Int, Labels: []string{"a", "b"}}
	for i := 0; i < 10; i++ {
		c.Series = append(c.Series, Series{Name: fmt.Sprintf("step_%d", i), Values: []float64{float64(i), 1}})
	}
	got := c.SVG()
	if !strings.Contains(got, `viewBox="0 0 720 276"`) {
		t.Errorf("want a chart 16 units taller for the second legend row:\n%.200s", got)
	}
	keys := regexp.MustCompile(`<text x="([\d.]+)" y="([\d.]+)"[^>]*>step_\d</text>`).FindAllStringSubmatch(got, -1)
	rows := map[string]int{}
	for _, k := range keys {
		x, _ := strconv.ParseFloat(k[1], 64)
		if x+6*charW > chartWidth-padRight {
			t.Errorf("legend key at x %s runs past the chart", k[1])
		}
		rows[k[2]]++
	}
	if len(keys) != 10 || len(rows) != 2 {
		t.Errorf("%d legend keys in rows %v, want 10 in 2 rows", len(keys), rows)
	}
	if n := strings.Count(got, `stroke-dasharray="7 4"`); n != 2*4 { // 4 dashed lines and their keys
		t.Errorf("%d dashed strokes, want 8:\n%s", n, got)
	}
	if n := strings.Count(got, "<rect "); n != 6 {
		t.Errorf("%d solid keys, want 6", n)
	}
}

func TestSparkline(t *testing.T) {
	for _, tt := range []struct {
		vals  []float64
		width int
		want  string
	}{
		{[]float64{0, 7, 3.5, math.NaN()}, 10, "▁█▄ "},
		{[]float64{2, 2}, 10, "▅▅"},
		{[]float64{0, 0, 7, 7, 1}, 2, "▃▅"}, // buckets of 3 and 2: means 2.33 and 4, of 0 to 7
		{nil, 10, ""},
	} {
		if got := Sparkline(tt.vals, tt.width); got != tt.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", tt.vals, tt.width, got, tt.want)
		}
	}
}
