package metrics

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// clv: probabilistic customer lifetime value. BG/NBD (how often each
// customer buys, and whether they are still a customer) and Gamma-Gamma
// (how much they spend per purchase) are fitted by maximum likelihood on a
// calibration period (btyd*.go); the command reports the fits, checks them
// against a holdout period when one is given, and predicts each customer's
// purchases and value over a horizon (docs/metrics.md#probabilistic-clv).

// CLVSettings are clv's flags.
type CLVSettings struct {
	OrderSettings
	CalibrationEnd string   `flag:"calibration-end" usage:"Last day (YYYY-MM-DD in --tz) of the calibration period the models are fitted on, inclusive (default: the last day before as_of)" json:"calibration_end"`
	HoldoutEnd     string   `flag:"holdout-end" usage:"Last day (YYYY-MM-DD) of a holdout period after --calibration-end, inclusive: the models' predictions for it are compared with what customers did" json:"holdout_end"`
	TimeUnit       string   `flag:"time-unit" enum:"week,day" usage:"Unit of recency, age and the models' rates" json:"time_unit"`
	Horizon        Duration `flag:"horizon" usage:"Forecast horizon from --calibration-end for each customer's expected purchases and CLV" json:"horizon"`
	DiscountRate   float64  `flag:"discount-rate" usage:"Monthly discount rate of the CLV forecast (0.01 a month is about 12.7% a year)" json:"discount_rate"`

	cache *clvCache // the fits of this job's sets of users (runCLV)
}

// CLVResult is clv's result.
type CLVResult struct {
	TimeUnit       string         `json:"time_unit"`
	CalibrationEnd string         `json:"calibration_end"`
	HoldoutEnd     *string        `json:"holdout_end"`
	Calibration    CLVCalibration `json:"calibration"`
	BGNBD          *CLVBGNBD      `json:"bgnbd"`
	GammaGamma     *CLVGammaGamma `json:"gamma_gamma"`
	Holdout        *CLVHoldout    `json:"holdout"`
	Forecast       *CLVForecast   `json:"forecast"`
	Excluded       CLVExcluded    `json:"excluded"`
	warnings       []Warning
}

// CLVCalibration describes the customers the models are fitted on.
type CLVCalibration struct {
	Customers          int64    `json:"customers"`
	RepeatCustomers    int64    `json:"repeat_customers"`
	RepeatTransactions int64    `json:"repeat_transactions"`
	MeanRepeatValue    *float64 `json:"mean_repeat_value"`
}

// CLVExcluded counts customers left out of the fit.
type CLVExcluded struct {
	// AfterCalibration: their first purchase is after --calibration-end.
	AfterCalibration int64 `json:"after_calibration"`
	// OutsideRange: their first purchase is outside --from/--to.
	OutsideRange int64 `json:"outside_range"`
}

// CLVBGNBD is the BG/NBD fit as the JSON spells it (NaN standard errors
// are null).
type CLVBGNBD struct {
	R          float64     `json:"r"`
	Alpha      float64     `json:"alpha"`
	A          float64     `json:"a"`
	B          float64     `json:"b"`
	SE         [4]*float64 `json:"se"`
	LogLik     float64     `json:"log_likelihood"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
}

// CLVGammaGamma is the Gamma-Gamma fit.
type CLVGammaGamma struct {
	P         float64     `json:"p"`
	Q         float64     `json:"q"`
	Gamma     float64     `json:"gamma"`
	SE        [3]*float64 `json:"se"`
	LogLik    float64     `json:"log_likelihood"`
	Customers int         `json:"customers"`
	Excluded  int         `json:"excluded"`
	Converged bool        `json:"converged"`
	MeanValue *float64    `json:"mean_value"`
}

// CLVHoldout compares the model with the holdout period.
type CLVHoldout struct {
	// RepeatTransactions are the calibration customers' purchase days in
	// the holdout; PredictedRepeatTransactions the sum of each customer's
	// conditional expectation given their calibration history.
	RepeatTransactions          int64   `json:"repeat_transactions"`
	PredictedRepeatTransactions float64 `json:"predicted_repeat_transactions"`
	// Periods are the holdout per time unit: actual purchase days, and the
	// model's expectation for the cohort from each customer's first
	// purchase on (the tracking forecast, which uses no customer's history).
	Periods []CLVHoldoutPeriod `json:"periods"`
}

// CLVHoldoutPeriod is one time unit of the holdout.
type CLVHoldoutPeriod struct {
	Period   string  `json:"period"` // its first day
	Actual   int64   `json:"actual"`
	Expected float64 `json:"expected"`
}

// CLVForecast is the forecast over the horizon, summed over customers.
type CLVForecast struct {
	HorizonSeconds       int64    `json:"horizon_seconds"`
	ExpectedTransactions float64  `json:"expected_transactions"`
	CLVTotal             *float64 `json:"clv_total"`
	CLVMean              *float64 `json:"clv_mean"`
	ExpectedAlive        float64  `json:"expected_alive"`
}

// clvCustomer is one calibration customer's summary.
type clvCustomer struct {
	user int32
	CustomerRFM
}

// clvData is the customers' summaries, with what the holdout needs.
type clvData struct {
	split     RFMSplit
	customers []clvCustomer
	// holdout purchase days per time unit of the holdout, and customers
	// by first purchase day (the tracking forecast)
	holdoutUnits []int64
	firstDays    map[int]int64
	excluded     CLVExcluded
	warnings     []Warning
}

// clvDays are the calibration and holdout ends as day numbers in loc.
func clvDays(r *Run, s *CLVSettings) (RFMSplit, error) {
	cal := NewCalendar(Day, "monday", r.Loc)
	split := RFMSplit{Unit: Period(s.TimeUnit)}
	if s.CalibrationEnd == "" {
		split.CalibrationEnd = cal.Index(r.Range.AsOf - 1)
	} else {
		t, err := time.ParseInLocation(time.DateOnly, s.CalibrationEnd, r.Loc)
		if err != nil {
			return split, fmt.Errorf("--calibration-end %q: want a day, YYYY-MM-DD", s.CalibrationEnd)
		}
		split.CalibrationEnd = cal.Index(t.UnixNano())
	}
	split.HoldoutEnd = split.CalibrationEnd
	if s.HoldoutEnd != "" {
		t, err := time.ParseInLocation(time.DateOnly, s.HoldoutEnd, r.Loc)
		if err != nil {
			return split, fmt.Errorf("--holdout-end %q: want a day, YYYY-MM-DD", s.HoldoutEnd)
		}
		split.HoldoutEnd = cal.Index(t.UnixNano())
		if split.HoldoutEnd <= split.CalibrationEnd {
			return split, fmt.Errorf("--holdout-end %s is not after --calibration-end %s", s.HoldoutEnd, dayLabel(cal, split.CalibrationEnd))
		}
	}
	return split, nil
}

func dayLabel(cal Calendar, day int) string { return cal.PeriodStart(day).Format(time.DateOnly) }

// summarize reads users' orders into calibration summaries.
func summarize(r *Run, s *CLVSettings, users []int32) (*clvData, error) {
	split, err := clvDays(r, s)
	if err != nil {
		return nil, err
	}
	src, err := newOrderSource(r, &s.OrderSettings)
	if err != nil {
		return nil, err
	}
	unit, _ := split.UnitDays()
	cal := NewCalendar(Day, "monday", r.Loc)
	d := &clvData{split: split, firstDays: map[int]int64{}}
	nUnits := int(math.Ceil(split.HoldoutLength()))
	d.holdoutUnits = make([]int64, nUnits)
	scan := newOrderScan(r.Log, &src)
	var ps []Purchase
	for _, u := range users {
		scan.scan(u)
		if len(scan.orders) == 0 {
			continue
		}
		if !r.Range.Contains(scan.orders[0].Time) {
			d.excluded.OutsideRange++
			continue
		}
		ps = ps[:0]
		for _, o := range scan.orders {
			if o.Time >= r.Range.AsOf {
				break
			}
			ps = append(ps, Purchase{Day: cal.Index(o.Time), Amount: o.Value})
		}
		c, ok, err := SummarizeRFM(ps, split)
		if err != nil {
			return nil, err
		}
		if !ok {
			d.excluded.AfterCalibration++
			continue
		}
		d.customers = append(d.customers, clvCustomer{user: u, CustomerRFM: c})
		d.firstDays[c.First]++
		if nUnits > 0 { // the holdout's purchase days per time unit
			last := -1
			for _, p := range ps {
				if p.Day > split.CalibrationEnd && p.Day <= split.HoldoutEnd && p.Day != last {
					d.holdoutUnits[int(float64(p.Day-split.CalibrationEnd-1)/unit)]++
					last = p.Day
				}
			}
		}
	}
	d.warnings = scan.warnings()
	return d, nil
}

// clvFit is the models fitted on a set of customers.
type clvFit struct {
	bg    BGNBD
	gg    GammaGamma
	bgOK  bool
	ggOK  bool
	warns []Warning
}

func fitCLV(d *clvData) clvFit {
	var f clvFit
	rfm := make([]RFM, len(d.customers))
	for i, c := range d.customers {
		rfm[i] = c.RFM
	}
	bg, err := FitBGNBD(rfm)
	switch {
	case err != nil:
		f.warns = append(f.warns, Warning{Code: "fit_failed", Message: "BG/NBD: " + err.Error()})
	default:
		f.bg, f.bgOK = bg, true
		if !bg.Converged {
			f.warns = append(f.warns, Warning{Code: "not_converged", Message: "BG/NBD: the fit did not reach an interior maximum (parameters heading for 0 or infinity, as when customers show no sign of dropping out); read its predictions with care"})
		}
	}
	gg, err := FitGammaGamma(rfm)
	switch {
	case errors.Is(err, ErrNoRepeat) && !f.bgOK:
	case err != nil:
		f.warns = append(f.warns, Warning{Code: "fit_failed", Message: "Gamma-Gamma: " + err.Error()})
	default:
		f.gg, f.ggOK = gg, true
		if !gg.Converged {
			f.warns = append(f.warns, Warning{Code: "not_converged", Message: "Gamma-Gamma: the fit did not converge; read the values with care"})
		}
		if gg.Q <= 1 {
			f.warns = append(f.warns, Warning{Code: "no_mean_value", Message: fmt.Sprintf("Gamma-Gamma: q = %.3g ≤ 1, so the spend distribution has no mean: no value per transaction or CLV", gg.Q)})
		}
	}
	return f
}

// horizonOf is the forecast horizon of the settings.
func (s *CLVSettings) horizonOf(unitDays float64) CLVHorizon {
	units := s.Horizon.D.Hours() / 24 / unitDays
	if s.DiscountRate == 0 {
		return CLVHorizon{Periods: 1, Length: units}
	}
	month := 365.25 / 12 / unitDays
	k := int(math.Ceil(units/month - 1e-9))
	return CLVHorizon{Periods: k, Length: units / float64(k), Discount: s.DiscountRate}
}

// clvPrediction is one customer's forecast (nil: not available).
type clvPrediction struct {
	pAlive, transactions, spend, clv *float64
}

// clvRun is the models fitted on a set of customers, with every
// customer's forecast: Compute sums them, Users lists them.
type clvRun struct {
	d     *clvData
	f     clvFit
	preds []clvPrediction
	err   error
}

// clvCache keeps the last runs by their set of units, so that --users-out
// (Users over the units Compute counted) fits nothing twice.
type clvCache struct {
	mu   sync.Mutex
	runs map[clvKey]*clvRun
}

type clvKey struct {
	first *int32
	n     int
}

// runCLV fits the models on users and forecasts each customer, once per
// set of users.
func runCLV(r *Run, s *CLVSettings, users []int32) *clvRun {
	key := clvKey{n: len(users)}
	if len(users) > 0 {
		key.first = &users[0]
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if x, ok := s.cache.runs[key]; ok {
		return x
	}
	x := &clvRun{}
	if s.cache.runs == nil {
		s.cache.runs = map[clvKey]*clvRun{}
	}
	s.cache.runs[key] = x
	if x.d, x.err = summarize(r, s, users); x.err != nil || len(x.d.customers) == 0 {
		return x
	}
	x.f = fitCLV(x.d)
	if !x.f.bgOK {
		return x
	}
	unit, _ := x.d.split.UnitDays()
	h := s.horizonOf(unit)
	value := x.f.ggOK && x.f.gg.Q > 1
	x.preds = make([]clvPrediction, len(x.d.customers))
	for i, c := range x.d.customers {
		p := &x.preds[i]
		p.pAlive = Ptr(x.f.bg.PAlive(c.RFM))
		p.transactions = Ptr(x.f.bg.ConditionalExpected(c.RFM, h.Length*float64(h.Periods)))
		if value {
			p.spend = Ptr(x.f.gg.ConditionalExpectedValue(c.RFM))
			p.clv = Ptr(CLV(x.f.bg, x.f.gg, c.RFM, h))
		}
	}
	return x
}

func computeCLV(r *Run, s *CLVSettings, users []int32) CLVResult {
	res := CLVResult{TimeUnit: s.TimeUnit}
	x := runCLV(r, s, users)
	if x.err != nil { // Prepare checked the settings and the amounts
		res.warnings = append(res.warnings, Warning{Code: "not_computed", Message: x.err.Error()})
		return res
	}
	d, f := x.d, x.f
	cal := NewCalendar(Day, "monday", r.Loc)
	res.CalibrationEnd = dayLabel(cal, d.split.CalibrationEnd)
	res.Excluded = d.excluded
	res.warnings = d.warnings
	var repeatValue float64
	for _, c := range d.customers {
		res.Calibration.Customers++
		if c.X > 0 {
			res.Calibration.RepeatCustomers++
			res.Calibration.RepeatTransactions += int64(c.X)
			repeatValue += c.X * c.Monetary
		}
	}
	if res.Calibration.RepeatTransactions > 0 {
		res.Calibration.MeanRepeatValue = Ptr(repeatValue / float64(res.Calibration.RepeatTransactions))
	}
	if len(d.customers) == 0 {
		res.warnings = append(res.warnings, Warning{Code: "no_customers", Message: "no customer's first purchase falls in the calibration period"})
		return res
	}
	res.warnings = append(res.warnings, f.warns...)
	if f.bgOK {
		res.BGNBD = &CLVBGNBD{R: f.bg.R, Alpha: f.bg.Alpha, A: f.bg.A, B: f.bg.B, LogLik: f.bg.LogLik, Iterations: f.bg.Iterations, Converged: f.bg.Converged}
		for i, v := range f.bg.SE {
			res.BGNBD.SE[i] = Ptr(v)
		}
	}
	if f.ggOK {
		res.GammaGamma = &CLVGammaGamma{P: f.gg.P, Q: f.gg.Q, Gamma: f.gg.Gamma, LogLik: f.gg.LogLik, Customers: f.gg.N, Excluded: f.gg.Excluded, Converged: f.gg.Converged, MeanValue: Ptr(f.gg.MeanValue())}
		for i, v := range f.gg.SE {
			res.GammaGamma.SE[i] = Ptr(v)
		}
	}
	if !f.bgOK {
		return res
	}
	if s.HoldoutEnd != "" {
		res.HoldoutEnd = &s.HoldoutEnd
		res.Holdout = clvHoldoutOf(f.bg, d, cal)
	}
	fc := &CLVForecast{HorizonSeconds: int64(s.Horizon.D / time.Second)}
	var clvSum float64
	clvOK := f.ggOK && f.gg.Q > 1
	for _, p := range x.preds {
		fc.ExpectedTransactions += value(p.transactions)
		fc.ExpectedAlive += value(p.pAlive)
		clvSum += value(p.clv)
	}
	if clvOK {
		fc.CLVTotal = Ptr(clvSum)
		fc.CLVMean = Ptr(clvSum / float64(len(d.customers)))
	}
	res.Forecast = fc
	return res
}

// value is *v, or 0 for nil.
func value(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// clvHoldoutOf compares the BG/NBD's predictions with the holdout.
func clvHoldoutOf(bg BGNBD, d *clvData, cal Calendar) *CLVHoldout {
	h := &CLVHoldout{Periods: []CLVHoldoutPeriod{}}
	t := d.split.HoldoutLength()
	for _, c := range d.customers {
		h.RepeatTransactions += int64(c.Holdout)
		h.PredictedRepeatTransactions += bg.ConditionalExpected(c.RFM, t)
	}
	unit, _ := d.split.UnitDays()
	firsts := slices.Sorted(maps.Keys(d.firstDays))
	for k, actual := range d.holdoutUnits {
		start := d.split.CalibrationEnd + 1 + int(float64(k)*unit)
		end := min(float64(d.split.CalibrationEnd)+float64(k+1)*unit, float64(d.split.HoldoutEnd)) // last day of the unit
		var exp float64
		for _, first := range firsts {
			n := float64(d.firstDays[first])
			// E[X(t)] counts purchases in (first, first+t] days/unit
			hi := (end - float64(first)) / unit
			lo := float64(start-1-first) / unit
			exp += n * (bg.ExpectedTransactions(hi) - bg.ExpectedTransactions(lo))
		}
		h.Periods = append(h.Periods, CLVHoldoutPeriod{Period: dayLabel(cal, start), Actual: actual, Expected: exp})
	}
	return h
}
