package metrics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// FileSetting is a setting whose flag names a file (--spend-file). Metrics
// do no I/O: the command reads the file and hands its name and bytes to
// SetFile, which parses them (an error names file:line).
type FileSetting interface {
	SetFile(name string, data []byte) error
}

// Money is an amount a flag gives (--spend 12000), and whether it was
// given.
type Money struct {
	Value float64
	Given bool
}

// Set implements the flag interface: a finite number ≥ 0.
func (m *Money) Set(v string) error {
	f, err := parseMoney(v)
	if err != nil {
		return err
	}
	*m = Money{Value: f, Given: true}
	return nil
}

func (m *Money) String() string {
	if !m.Given {
		return ""
	}
	return strconv.FormatFloat(m.Value, 'f', -1, 64)
}

func (m *Money) Type() string { return "amount" }

// MarshalJSON writes the amount, or null when not given.
func (m Money) MarshalJSON() ([]byte, error) {
	if !m.Given {
		return []byte("null"), nil
	}
	return json.Marshal(m.Value)
}

func parseMoney(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, errors.New("want an amount of money ≥ 0, such as 12000 or 499.50")
	}
	return f, nil
}

// SpendFile is a table of acquisition spend (--spend-file): rows of
// period,spend and optionally a segment, which --by matches against its
// values.
type SpendFile struct {
	Name     string
	Rows     []SpendRow
	Segments bool // the file has a segment column
}

// SpendRow is one row of a spend file.
type SpendRow struct {
	Period  string // as written: 2024-03 (a month) or 2024-03-04 (a day, or the week starting then)
	Month   bool
	Year    int
	Mon     time.Month
	Day     int
	Spend   float64
	Segment string
	Line    int
}

// Start is when the row's period begins, in loc.
func (r SpendRow) Start(loc *time.Location) int64 {
	return unixNS(time.Date(r.Year, r.Mon, r.Day, 0, 0, 0, 0, loc))
}

// SetFile implements FileSetting.
func (f *SpendFile) SetFile(name string, data []byte) error {
	rows, segs, err := ParseSpend(name, data)
	if err != nil {
		return err
	}
	*f = SpendFile{Name: name, Rows: rows, Segments: segs}
	return nil
}

// Given says whether a file was read.
func (f *SpendFile) Given() bool { return f.Name != "" }

// MarshalJSON writes the file's name, or null.
func (f SpendFile) MarshalJSON() ([]byte, error) {
	if f.Name == "" {
		return []byte("null"), nil
	}
	return json.Marshal(f.Name)
}

// ParseSpend reads a spend CSV: rows of period,spend[,segment], with an
// optional header row (period,spend[,NAME]). A period is a month
// (2024-03) or a day (2024-03-04); spend is a number ≥ 0. Every row has
// the first row's number of fields (2 or 3). segs says whether the rows
// have a segment.
func ParseSpend(name string, data []byte) (rows []SpendRow, segs bool, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	width := 0
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // before FieldPos, which has no record to point into
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, false, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, false, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := r.FieldPos(0)
		at := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
		}
		if width == 0 {
			width = len(rec)
			if width < 2 || width > 3 {
				return nil, false, at("want period,spend or period,spend,segment; got %d fields", width)
			}
		}
		if len(rec) != width {
			return nil, false, at("%d fields, but the first row has %d", len(rec), width)
		}
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "period") {
			if !strings.EqualFold(strings.TrimSpace(rec[1]), "spend") {
				return nil, false, at("the header's second column is %q; want spend", rec[1])
			}
			continue
		}
		row := SpendRow{Period: strings.TrimSpace(rec[0]), Line: line}
		if t, err := time.Parse("2006-01", row.Period); err == nil {
			row.Month, row.Year, row.Mon, row.Day = true, t.Year(), t.Month(), 1
		} else if t, err := time.Parse("2006-01-02", row.Period); err == nil {
			row.Year, row.Mon, row.Day = t.Year(), t.Month(), t.Day()
		} else {
			return nil, false, at("period %q: want a month (2024-03) or a day (2024-03-04)", row.Period)
		}
		if row.Spend, err = parseMoney(rec[1]); err != nil {
			return nil, false, at("spend %q: %v", rec[1], err)
		}
		if width == 3 {
			row.Segment = strings.TrimSpace(rec[2])
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, false, fmt.Errorf("%s: no spend rows (want period,spend[,segment] lines)", name)
	}
	return rows, width == 3, nil
}
