package report

import "math"

// A chart is a figure for people who would rather look than read. Views
// add them to a Doc next to its tables; only the HTML format draws them
// (as inline SVG), so text, CSV, Markdown and JSON are unchanged by them.

// ChartKind is how a chart is drawn.
type ChartKind int

// Chart kinds.
const (
	// BarChart is a bar per label for each series, side by side, or piled
	// up with Stacked (negative values pile downwards from zero); with
	// Horizontal the labels run down the left and the bars to the right.
	BarChart ChartKind = iota
	// LineChart is a line per series over the labels, with a shaded band
	// where a series has Low and High.
	LineChart
	// HeatmapChart is a grid of Cells shaded by value, rows Labels and
	// columns Columns.
	HeatmapChart
	// IntervalChart is an estimate per label drawn as a point with a
	// whisker for its interval (a forest plot).
	IntervalChart
)

// Chart is one figure. Values are raw (a fraction for Percent) and are
// labelled in the chart's Unit.
type Chart struct {
	Kind  ChartKind
	Title string
	Unit  Kind // how values read: Percent, Int, Float or Points
	// Labels are the categories: bars, the x axis of lines, the rows of a
	// heatmap, the estimates of an interval chart.
	Labels []string
	// Series are the values of bar and line charts.
	Series     []Series
	Stacked    bool // BarChart: series piled up
	Horizontal bool // BarChart: bars run left to right
	// Columns and Cells are a heatmap's: Cells[i][j] is row i, column j; a
	// nil Value is an empty cell, Mark a flag drawn in it ("*").
	Columns []string
	Cells   [][]Heat
	// Estimates are an interval chart's, one per label.
	Estimates []Estimate
	// Note is a line under the chart ("* incomplete").
	Note string
}

// Series is one named run of values, one per label; NaN is a gap.
type Series struct {
	Name   string
	Values []float64
	// Low and High, when set, are an interval around each value (a line
	// chart shades the band between them).
	Low, High []float64
	// Text, when set, is written next to each bar ("−38 (21.3%)").
	Text []string
	// Tone says what the series means, which picks its colour; by default
	// the series take the palette's colours in turn.
	Tone Tone
}

// Tone is what a series means to the reader.
type Tone int

// Tones.
const (
	ToneDefault Tone = iota
	ToneGood         // promoters, satisfied answers, new users
	ToneBad          // detractors, dormant users
	ToneNeutral      // passives, the rest of a scale
)

// Estimate is a value with its interval; NaN for none.
type Estimate struct {
	Value, Low, High float64
	Text             string // the value for people: "53.2% [50.1%, 56.3%]"
}

// Val is *v, or NaN (a gap) when v is nil.
func Val(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}
