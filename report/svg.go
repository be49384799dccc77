package report

// Charts drawn as inline SVG for the HTML format: no script, no external
// resource, and the same bytes for the same chart. Every text from the data
// is escaped (esc), and every chart and mark has a <title>, which screen
// readers read and browsers show on hover.

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Layout, in SVG units (CSS pixels at 100%).
const (
	chartWidth = 720
	charW      = 6.6 // the width of a character of the 12px label font
	padTop     = 28  // room for the legend
	padBottom  = 34  // room for the x labels
	padRight   = 16
	axisWidth  = 56 // room for the y labels
	rowHeight  = 24 // a horizontal bar, a heatmap row, an estimate
	maxLabel   = 32 // characters of a label before it is cut with …
)

// palette is the Okabe–Ito palette, which colour-blind readers tell apart,
// without its yellow (unreadable on white).
// The tones' colours (green, vermillion) come last.
var palette = []string{"#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#D55E00"}

// tones are the colours of the tones other than the default.
var tones = map[Tone]string{ToneGood: "#009E73", ToneBad: "#D55E00", ToneNeutral: "#8C959F"}

// colour is series j's colour: its tone's, or the palette's next.
func (c Chart) colour(j int) string {
	if t, ok := tones[c.Series[j].Tone]; ok {
		return t
	}
	k := 0
	for _, se := range c.Series[:j] {
		if se.Tone == ToneDefault {
			k++
		}
	}
	return palette[k%len(palette)]
}

// esc is text from the data made safe for HTML and SVG.
func esc(s string) string { return html.EscapeString(Safe(s)) }

// num writes a coordinate with one decimal at most.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// svg collects a chart's elements.
type svg struct {
	b strings.Builder
}

func (s *svg) el(format string, args ...any) { fmt.Fprintf(&s.b, format+"\n", args...) }

// text writes a label at x, y anchored at start, middle or end; it is cut
// to maxLabel characters, the whole text in its <title>.
func (s *svg) text(x, y float64, anchor, class, t string) {
	s.textCut(x, y, anchor, class, t, maxLabel)
}

// textCut writes text cut to n characters.
func (s *svg) textCut(x, y float64, anchor, class, t string, n int) {
	short := cut(t, n)
	title := ""
	if short != t {
		title = "<title>" + esc(t) + "</title>"
	}
	s.el(`<text x="%s" y="%s" text-anchor="%s" class="%s">%s%s</text>`, num(x), num(y), anchor, class, title, esc(short))
}

// cut shortens t to n characters, the last an ellipsis.
func cut(t string, n int) string {
	if utf8.RuneCountInString(t) <= n {
		return t
	}
	r := []rune(t)
	return string(r[:n-1]) + "…"
}

// textWidth is the width of the widest label, cut, at most limit.
func textWidth(labels []string, limit float64) float64 {
	w := 0.0
	for _, l := range labels {
		w = max(w, float64(utf8.RuneCountInString(cut(l, maxLabel)))*charW)
	}
	return min(w, limit)
}

// SVG draws c as an <svg> element.
func (c Chart) SVG() string {
	var s svg
	var h float64
	switch c.Kind {
	case BarChart:
		if c.Horizontal {
			h = c.hbars(&s)
		} else {
			h = c.bars(&s)
		}
	case LineChart:
		h = c.lines(&s)
	case HeatmapChart:
		h = c.heatmap(&s)
	case IntervalChart:
		h = c.intervals(&s)
	}
	return fmt.Sprintf("<svg viewBox=\"0 0 %d %s\" role=\"img\" aria-label=\"%s\" class=\"chart\">\n<title>%s</title>\n%s</svg>\n",
		chartWidth, num(h), esc(c.Title), esc(c.Title), s.b.String())
}

// scale maps values in [lo, hi] onto [a, b].
type scale struct{ lo, hi, a, b float64 }

func (k scale) at(v float64) float64 { return k.a + (v-k.lo)/(k.hi-k.lo)*(k.b-k.a) }

// ticks are about n round values spanning lo..hi, and the step.
func ticks(lo, hi float64, n int) ([]float64, float64) {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	var out []float64
	for i := math.Floor(lo/step + 1e-9); i <= math.Ceil(hi/step-1e-9); i++ {
		out = append(out, i*step+0) // +0: no "-0"
	}
	return out, step
}

// tick writes an axis value in the chart's unit with the decimals its
// step needs.
func (c Chart) tick(v, step float64) string {
	if c.Unit == Percent {
		v, step = 100*v, 100*step
	}
	d := 0 // the decimals the step has: 2.5 has 1
	for d < 6 && math.Abs(step*math.Pow10(d)-math.Round(step*math.Pow10(d))) > 1e-9 {
		d++
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if c.Unit == Percent {
		s += "%"
	}
	if c.Unit == Int || c.Unit == Float || c.Unit == Money {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) >= 1000 {
			return Thousands(int64(f))
		}
	}
	return s
}

// value writes a value for people in the chart's unit.
func (c Chart) value(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return humanCell(v, c.Unit, Options{})
}

// domain is the range of the values, with zero, clamped for fractions.
func (c Chart) domain(lo, hi float64) (float64, float64) {
	lo, hi = min(lo, 0), max(hi, 0)
	if c.Unit == Percent {
		lo, hi = max(lo, -1), min(hi, 1)
	}
	if c.Unit == Points {
		lo, hi = max(lo, -100), min(hi, 100)
	}
	return lo, hi
}

// legend names the series above the plot, in rows that wrap at the
// chart's right edge; a dashed line's key is a dashed stroke.
func (c Chart) legend(s *svg, x float64) {
	if len(c.Series) < 2 {
		return
	}
	xs, rows := c.legendAt(x)
	for i, se := range c.Series {
		y := 8 + float64(16*rows[i])
		if d := c.dash(i); d != "" {
			s.el(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`, num(xs[i]), num(y+5), num(xs[i]+10), num(y+5), c.colour(i), d)
		} else {
			s.el(`<rect x="%s" y="%s" width="10" height="10" fill="%s"/>`, num(xs[i]), num(y), c.colour(i))
		}
		s.text(xs[i]+14, y+9, "start", "lbl", se.Name)
	}
}

// legendAt places the legend's keys from x: each key's x and row.
func (c Chart) legendAt(x float64) (xs []float64, rows []int) {
	x0, row := x, 0
	for _, se := range c.Series {
		w := 14 + float64(utf8.RuneCountInString(cut(se.Name, maxLabel)))*charW
		if x > x0 && x+w > chartWidth-padRight {
			x, row = x0, row+1
		}
		xs, rows = append(xs, x), append(rows, row)
		x += w + 16
	}
	return xs, rows
}

// legendRoom is the room above the plot the legend takes.
func (c Chart) legendRoom() float64 {
	if len(c.Series) < 2 {
		return 8
	}
	_, rows := c.legendAt(axisWidth)
	return padTop + float64(16*rows[len(rows)-1])
}

// dash is the stroke-dasharray attribute of line series j: once the
// palette's colours are used up, lines take them again dashed, then dotted.
func (c Chart) dash(j int) string {
	if c.Kind != LineChart || c.Series[j].Tone != ToneDefault {
		return ""
	}
	k := 0
	for _, se := range c.Series[:j] {
		if se.Tone == ToneDefault {
			k++
		}
	}
	switch (k / len(palette)) % 3 {
	case 1:
		return ` stroke-dasharray="7 4"`
	case 2:
		return ` stroke-dasharray="2 3"`
	}
	return ""
}

// yAxis draws the grid lines and value labels of a vertical scale.
func (c Chart) yAxis(s *svg, k scale, ts []float64, step, x0, x1 float64) {
	for _, t := range ts {
		y := k.at(t)
		cls := "grid"
		if t == 0 {
			cls = "axis"
		}
		s.el(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"/>`, num(x0), num(y), num(x1), num(y), cls)
		s.text(x0-6, y+4, "end", "lbl", c.tick(t, step))
	}
}

// xLabels writes the labels under n evenly spaced positions, skipping
// some so that they do not overlap.
func (c Chart) xLabels(s *svg, at func(i int) float64, y, room float64) {
	w := textWidth(c.Labels, 12*charW) + 8
	every := max(1, int(math.Ceil(w/room)))
	for i, l := range c.Labels {
		if i%every == 0 {
			s.text(at(i), y, "middle", "lbl", cut(l, 12))
		}
	}
}

// stackRange is the lowest and highest a label's bars reach.
func (c Chart) stackRange() (lo, hi float64) {
	for i := range c.Labels {
		var pos, neg float64
		for _, se := range c.Series {
			v := at(se.Values, i)
			switch {
			case math.IsNaN(v):
			case !c.Stacked:
				lo, hi = min(lo, v), max(hi, v)
			case v >= 0:
				pos += v
			default:
				neg += v
			}
		}
		lo, hi = min(lo, neg), max(hi, pos)
	}
	return lo, hi
}

// at is vs[i], or NaN past its end.
func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return math.NaN()
}

// bars draws vertical bars; it returns the chart's height.
func (c Chart) bars(s *svg) float64 {
	const h = 260.0
	x0, x1, y0, y1 := float64(axisWidth), float64(chartWidth-padRight), c.legendRoom(), h-padBottom
	lo, hi := c.domain(c.stackRange())
	ts, step := ticks(lo, hi, 5)
	k := scale{ts[0], ts[len(ts)-1], y1, y0}
	c.yAxis(s, k, ts, step, x0, x1)
	c.legend(s, x0)
	band := (x1 - x0) / float64(max(1, len(c.Labels)))
	groups := 1
	if !c.Stacked {
		groups = max(1, len(c.Series))
	}
	bw := band * 0.8 / float64(groups)
	for i, l := range c.Labels {
		var pos, neg float64
		for j, se := range c.Series {
			v := at(se.Values, i)
			if math.IsNaN(v) || v == 0 {
				continue
			}
			x := x0 + float64(i)*band + band*0.1
			base := 0.0
			switch {
			case !c.Stacked:
				x += float64(j) * bw
			case v > 0:
				base, pos = pos, pos+v
			default:
				base, neg = neg, neg+v
			}
			ya, yb := k.at(base), k.at(base+v)
			s.el(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
				num(x), num(min(ya, yb)), num(max(bw-1, 1)), num(math.Abs(yb-ya)), c.colour(j), esc(c.markTitle(l, se.Name, v)))
		}
	}
	c.xLabels(s, func(i int) float64 { return x0 + (float64(i)+0.5)*band }, y1+16, band)
	return h
}

// markTitle is a bar's or point's tooltip: "2024-03 · new: 12".
func (c Chart) markTitle(label, series string, v float64) string {
	if series == "" {
		return label + ": " + c.value(v)
	}
	return label + " · " + series + ": " + c.value(v)
}

// hbars draws a bar per label from the left, with the series' Text to the
// right of each bar: a funnel's steps.
func (c Chart) hbars(s *svg) float64 {
	left := textWidth(c.Labels, 220) + 12
	var texts []string
	for _, se := range c.Series {
		texts = append(texts, se.Text...)
	}
	right := textWidth(texts, 260) + 8
	rows := len(c.Labels) * max(1, len(c.Series))
	top := c.legendRoom()
	h := top + float64(rows*rowHeight+8)
	_, hi := c.domain(c.stackRange())
	k := scale{0, hi, left, chartWidth - padRight - right}
	if hi == 0 {
		k.hi = 1
	}
	c.legend(s, left)
	s.el(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="axis"/>`, num(left), num(top), num(left), num(h-8))
	y := top
	for i, l := range c.Labels {
		s.text(left-8, y+rowHeight/2+4, "end", "lbl", l)
		for j, se := range c.Series {
			v := at(se.Values, i)
			if !math.IsNaN(v) {
				s.el(`<rect x="%s" y="%s" width="%s" height="%d" fill="%s"><title>%s</title></rect>`,
					num(left), num(y+3), num(max(k.at(v)-left, 0)), rowHeight-6, c.colour(j), esc(c.markTitle(l, se.Name, v)))
			}
			t := c.value(v)
			if i < len(se.Text) {
				t = se.Text[i]
			}
			s.textCut(max(k.at(v), left)+6, y+rowHeight/2+4, "start", "val", t, 2*maxLabel)
			y += rowHeight
		}
	}
	return h
}

// lines draws a line per series over evenly spaced labels, a band between
// Low and High where a series has them, and a dot per value when there is
// room.
func (c Chart) lines(s *svg) float64 {
	h := 260 + max(0, c.legendRoom()-padTop)
	x0, x1, y0, y1 := float64(axisWidth), float64(chartWidth-padRight), c.legendRoom(), h-padBottom
	var all [][]float64
	for _, se := range c.Series {
		all = append(all, se.Values, se.Low, se.High)
	}
	lo, hi := c.domain(extent(all...))
	ts, step := ticks(lo, hi, 5)
	k := scale{ts[0], ts[len(ts)-1], y1, y0}
	c.yAxis(s, k, ts, step, x0, x1)
	c.legend(s, x0)
	n := len(c.Labels)
	xs := func(i int) float64 {
		if n < 2 {
			return (x0 + x1) / 2
		}
		return x0 + 8 + float64(i)*(x1-x0-16)/float64(n-1)
	}
	for j, se := range c.Series {
		colour := c.colour(j)
		if se.Low != nil && se.High != nil {
			for _, run := range runs(se.Low, se.High) {
				var pts []string
				for i := run[0]; i < run[1]; i++ {
					pts = append(pts, num(xs(i))+","+num(k.at(se.High[i])))
				}
				for i := run[1] - 1; i >= run[0]; i-- {
					pts = append(pts, num(xs(i))+","+num(k.at(se.Low[i])))
				}
				s.el(`<polygon points="%s" fill="%s" fill-opacity="0.18"/>`, strings.Join(pts, " "), colour)
			}
		}
		for _, run := range runs(se.Values) {
			var d strings.Builder
			for i := run[0]; i < run[1]; i++ {
				cmd := "L"
				if i == run[0] {
					cmd = "M"
				}
				d.WriteString(cmd + num(xs(i)) + " " + num(k.at(se.Values[i])))
			}
			s.el(`<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, d.String(), colour, c.dash(j))
		}
		if n <= 60 {
			for i, v := range se.Values {
				if !math.IsNaN(v) {
					s.el(`<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s</title></circle>`, num(xs(i)), num(k.at(v)), colour, esc(c.markTitle(c.Labels[i], se.Name, v)))
				}
			}
		}
	}
	c.xLabels(s, xs, y1+16, (x1-x0)/float64(max(1, n)))
	return h
}

// runs are the [start, end) stretches where every one of vss has values.
func runs(vss ...[]float64) [][2]int {
	var out [][2]int
	start := -1
	n := len(vss[0])
	for i := 0; i <= n; i++ {
		ok := i < n
		for _, vs := range vss {
			ok = ok && !math.IsNaN(at(vs, i))
		}
		switch {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	return out
}

// heatColour shades a fraction from pale to dark blue; the square root
// spreads the low rates most cells have. It also says whether text on it
// must be white.
func heatColour(v float64) (string, bool) {
	t := math.Sqrt(max(0, min(1, v)))
	from, to := [3]float64{0xf7, 0xfb, 0xff}, [3]float64{0x08, 0x30, 0x6b}
	var rgb [3]int
	for i := range rgb {
		rgb[i] = int(math.Round(from[i] + t*(to[i]-from[i])))
	}
	return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]), t > 0.55
}

// heatmap draws the grid of cells with the values written in them, and a
// key of shades.
func (c Chart) heatmap(s *svg) float64 {
	left := textWidth(c.Labels, 200) + 10
	cw := min(56, (chartWidth-padRight-left)/float64(max(1, len(c.Columns))))
	top := float64(padTop + 14)
	for j, col := range c.Columns {
		s.text(left+(float64(j)+0.5)*cw, top-6, "middle", "lbl", cut(col, 8))
	}
	for i, l := range c.Labels {
		y := top + float64(i*rowHeight)
		s.text(left-8, y+rowHeight/2+4, "end", "lbl", l)
		for j := range c.Columns {
			if i >= len(c.Cells) || j >= len(c.Cells[i]) || c.Cells[i][j].Value == nil {
				continue
			}
			h := c.Cells[i][j]
			v := *h.Value
			fill, dark := heatColour(v)
			x := left + float64(j)*cw
			stroke := ""
			if h.Mark != "" {
				stroke = ` class="marked"`
			}
			label := Pct(v) + h.Mark
			s.el(`<rect x="%s" y="%s" width="%s" height="%d" fill="%s"%s><title>%s</title></rect>`,
				num(x+1), num(y+1), num(cw-2), rowHeight-2, fill, stroke, esc(l+" · "+c.Columns[j]+": "+label))
			cls := "cell"
			if dark {
				cls = "cell on-dark"
			}
			short := strconv.FormatFloat(100*v, 'f', 0, 64) + "%" + h.Mark
			if cw < 40 {
				short = strconv.FormatFloat(100*v, 'f', 0, 64) + h.Mark
			}
			s.text(x+cw/2, y+rowHeight/2+4, "middle", cls, short)
		}
	}
	y := top + float64(len(c.Labels)*rowHeight) + 12
	x := left
	for _, v := range []float64{0, 0.05, 0.1, 0.25, 0.5, 0.75, 1} {
		fill, _ := heatColour(v)
		s.el(`<rect x="%s" y="%s" width="14" height="12" fill="%s" class="key"/>`, num(x), num(y), fill)
		s.text(x+18, y+10, "start", "lbl", strconv.FormatFloat(100*v, 'f', 0, 64)+"%")
		x += 18 + 5*charW
	}
	return y + 20
}

// intervals draws each estimate as a dot with a whisker over its interval,
// its text to the right.
func (c Chart) intervals(s *svg) float64 {
	left := textWidth(c.Labels, 200) + 12
	var texts []string
	for _, e := range c.Estimates {
		texts = append(texts, e.Text)
	}
	right := textWidth(texts, 240) + 12
	var all [][]float64
	for _, e := range c.Estimates {
		all = append(all, []float64{e.Value, e.Low, e.High})
	}
	lo, hi := c.domain(extent(all...))
	ts, step := ticks(lo, hi, 5)
	top := 8.0
	bottom := top + float64(len(c.Estimates)*rowHeight)
	k := scale{ts[0], ts[len(ts)-1], left + 8, chartWidth - padRight - right}
	for _, t := range ts {
		x := k.at(t)
		cls := "grid"
		if t == 0 {
			cls = "axis"
		}
		s.el(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"/>`, num(x), num(top), num(x), num(bottom), cls)
		s.text(x, bottom+16, "middle", "lbl", c.tick(t, step))
	}
	for i, e := range c.Estimates {
		l := ""
		if i < len(c.Labels) {
			l = c.Labels[i]
		}
		y := top + float64(i*rowHeight) + rowHeight/2
		s.text(left-8, y+4, "end", "lbl", l)
		text := e.Text
		if text == "" {
			text = c.value(e.Value)
		}
		if !math.IsNaN(e.Low) && !math.IsNaN(e.High) {
			xa, xb := k.at(e.Low), k.at(e.High)
			s.el(`<path d="M%s %sV%sM%s %sH%sM%s %sV%s" class="whisker"/>`, num(xa), num(y-5), num(y+5), num(xa), num(y), num(xb), num(xb), num(y-5), num(y+5))
		}
		if !math.IsNaN(e.Value) {
			s.el(`<circle cx="%s" cy="%s" r="4.5" class="dot"><title>%s</title></circle>`, num(k.at(e.Value)), num(y), esc(l+": "+text))
		}
		s.textCut(chartWidth-padRight-right+12, y+4, "start", "val", text, 2*maxLabel)
	}
	return bottom + 26
}

// extent is the lowest and highest finite value of vals, or 0 and 1 when
// none is (an infinite one would stretch the axis without end).
func extent(vals ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range vals {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}
