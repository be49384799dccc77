package metrics

import (
	"fmt"
	"time"

	"github.com/uptake-dev/uptake/report"
)

// CLVMetric is probabilistic customer lifetime value: BG/NBD and
// Gamma-Gamma (docs/metrics.md#probabilistic-clv).
var CLVMetric = &Def[CLVSettings, CLVResult]{
	Info: Info{
		Name:  "clv",
		Use:   "[FILE...] --amount EXPR [--calibration-end DAY] [--holdout-end DAY]",
		Short: "Probabilistic CLV: BG/NBD and Gamma-Gamma fits, holdout check, per-customer predictions",
		Long: `Probabilistic customer lifetime value (docs/metrics.md#probabilistic-clv).

Two models are fitted by maximum likelihood on each customer's purchases up to
--calibration-end (default: the last day before as_of): BG/NBD, for how often
a customer buys and the chance they have stopped, and Gamma-Gamma, for how
much they spend per purchase. Purchases are orders as repeat and revenue count
them (--order-event, --order-col); purchases on one day are one transaction,
and a customer's clock starts at their first purchase. Customers whose first
purchase is in the range (--from/--to) are the cohort.

With --holdout-end, the purchases after --calibration-end up to it are
compared with what the model predicted: in total (each customer's expectation
given their history) and per time unit (the cohort's forecast).

The forecast over --horizon (default 52w) from --calibration-end gives each
customer's expected purchases, the chance they are still a customer
(P(alive)) and CLV = expected purchases × expected spend per purchase,
discounted monthly with --discount-rate. --users-out FILE (or
--customers-out) writes them per customer, CSV or JSON lines.`,
		Example: `  uptake clv --demo --amount amount
  uptake clv CDNOW_sample.txt --delimiter whitespace --header none \
      --columns orig_id,customer_id,date,cds,amount --event-name purchase --amount amount \
      --calibration-end 1997-09-30 --holdout-end 1998-06-30
  uptake clv orders.csv --amount total --customers-out customers.csv`,
		UsersOutAlias: "customers-out",
	},
	Defaults: func() CLVSettings {
		return CLVSettings{TimeUnit: "week", Horizon: Duration{Text: "52w", D: 364 * 24 * time.Hour}, cache: &clvCache{}}
	},
	Check: func(s *CLVSettings) error {
		for _, d := range []struct{ flag, v string }{{"--calibration-end", s.CalibrationEnd}, {"--holdout-end", s.HoldoutEnd}} {
			if _, err := time.Parse(time.DateOnly, d.v); d.v != "" && err != nil {
				return fmt.Errorf("%s %q: want a day, YYYY-MM-DD", d.flag, d.v)
			}
		}
		if s.CalibrationEnd != "" && s.HoldoutEnd != "" && s.HoldoutEnd <= s.CalibrationEnd {
			return fmt.Errorf("--holdout-end %s is not after --calibration-end %s", s.HoldoutEnd, s.CalibrationEnd)
		}
		if s.Horizon.D <= 0 {
			return fmt.Errorf("--horizon %s: want a positive duration (52w, 365d)", s.Horizon.Text)
		}
		if !(s.DiscountRate >= 0 && s.DiscountRate < 1) {
			return fmt.Errorf("--discount-rate %v: want a monthly rate from 0 to 1 (0.01 is 1%% a month)", s.DiscountRate)
		}
		return nil
	},
	Needs: func(s *CLVSettings) Needs {
		n := s.orderNeeds()
		n.Amounts = true
		return n
	},
	Prepare: func(r *Run, s *CLVSettings) error {
		if _, err := newOrderSource(r, &s.OrderSettings); err != nil {
			return &UsageError{err}
		}
		if _, err := clvDays(r, s); err != nil {
			return &UsageError{err}
		}
		return nil
	},
	Compute:  computeCLV,
	Warnings: func(x CLVResult) []Warning { return x.warnings },
	Params: func(r *Run, s *CLVSettings) any {
		src, _ := newOrderSource(r, &s.OrderSettings)
		split, _ := clvDays(r, s)
		cal := NewCalendar(Day, "monday", r.Loc)
		p := struct {
			*CLVSettings
			orderParams
			Amount         string `json:"amount"`
			CalibrationEnd string `json:"calibration_end"`
			Transactions   string `json:"transactions"`
		}{CLVSettings: s, orderParams: src.params(r.Log), Amount: r.Amount, CalibrationEnd: dayLabel(cal, split.CalibrationEnd), Transactions: "purchase days"}
		return p
	},
	View:  clvView,
	Rows:  clvRows,
	Users: clvUsers,
	Headline: func(_ *Run, s *CLVSettings, all Segmented[CLVResult]) string {
		x := all.Overall
		if x.Forecast == nil || x.Forecast.CLVMean == nil {
			return fmt.Sprintf("CLV (BG/NBD + Gamma-Gamma): not fitted (%d customers)", x.Calibration.Customers)
		}
		return fmt.Sprintf("CLV over %s (BG/NBD + Gamma-Gamma): %s per customer, %s customers", s.Horizon.Text, report.MoneyText(*x.Forecast.CLVMean), report.Thousands(x.Calibration.Customers))
	},
}

func fmtOr(v *float64, f func(float64) string) string {
	if v == nil {
		return "–"
	}
	return f(*v)
}

func clvView(r *Run, s *CLVSettings, all Segmented[CLVResult]) report.Doc {
	x := all.Overall
	doc := report.Doc{Title: fmt.Sprintf("Probabilistic CLV (BG/NBD + Gamma-Gamma), calibration to %s, in %ss", x.CalibrationEnd, x.TimeUnit)}
	c := x.Calibration
	doc.Add("customers", fmt.Sprintf("%s (%s bought again: %s repeat transactions, mean spend %s)", report.Thousands(c.Customers), report.Thousands(c.RepeatCustomers),
		report.Thousands(c.RepeatTransactions), fmtOr(c.MeanRepeatValue, report.MoneyText)))
	if b := x.BGNBD; b != nil {
		doc.Add("BG/NBD", fmt.Sprintf("r %.3f, α %.3f, a %.3f, b %.3f; log-likelihood %.3f%s", b.R, b.Alpha, b.A, b.B, b.LogLik, convergedText(b.Converged)))
	}
	if g := x.GammaGamma; g != nil {
		left := ""
		if g.Excluded > 0 {
			left = fmt.Sprintf("; %s left out: mean repeat spend ≤ 0", report.Thousands(int64(g.Excluded)))
		}
		doc.Add("Gamma-Gamma", fmt.Sprintf("p %.2f, q %.2f, γ %.2f; mean spend per purchase %s (%s customers%s)%s", g.P, g.Q, g.Gamma, fmtOr(g.MeanValue, report.MoneyText),
			report.Thousands(int64(g.Customers)), left, convergedText(g.Converged)))
	}
	if h := x.Holdout; h != nil {
		doc.Add("holdout", fmt.Sprintf("%s repeat transactions to %s; the model predicted %s (%+.1f%%)", report.Thousands(h.RepeatTransactions), *x.HoldoutEnd,
			report.FloatText(h.PredictedRepeatTransactions, 1), 100*(h.PredictedRepeatTransactions/float64(h.RepeatTransactions)-1)))
	}
	if f := x.Forecast; f != nil {
		doc.Add("forecast", fmt.Sprintf("%s purchases expected in the %s after %s", report.FloatText(f.ExpectedTransactions, 1), s.Horizon.Text, x.CalibrationEnd))
		doc.Add("alive", fmt.Sprintf("%s of the %s customers, by P(alive) summed at %s", report.FloatText(f.ExpectedAlive, 1), report.Thousands(c.Customers), x.CalibrationEnd))
		doc.Add("CLV", fmt.Sprintf("%s per customer, %s in all", fmtOr(f.CLVMean, report.MoneyText), fmtOr(f.CLVTotal, report.MoneyText)))
	}
	if len(all.Segments) > 0 {
		t := report.Table{Title: "By " + all.By, Columns: []report.Column{{Key: "segment", Header: all.By}, {Key: "customers", Kind: report.Int},
			{Key: "repeat_customers", Kind: report.Int}, {Key: "expected_transactions", Kind: report.Float}, {Key: "clv_mean", Kind: report.Money}}}
		for _, sg := range all.Segments {
			var et float64
			var mean *float64
			if f := sg.Result.Forecast; f != nil {
				et, mean = f.ExpectedTransactions, f.CLVMean
			}
			t.Rows = append(t.Rows, []any{sg.Name, sg.Result.Calibration.Customers, sg.Result.Calibration.RepeatCustomers, et, mean})
		}
		doc.Tables = append(doc.Tables, t)
	}
	if h := x.Holdout; h != nil && len(h.Periods) > 0 {
		t := report.Table{Title: "Holdout per " + x.TimeUnit + ": purchase days, and the cohort forecast", Columns: []report.Column{{Key: "period", Header: x.TimeUnit},
			{Key: "actual", Kind: report.Int}, {Key: "expected", Kind: report.Float}}, Fit: report.Fit{Tail: 12, Spark: 1}}
		ch := report.Chart{Kind: report.LineChart, Title: "Holdout: repeat transactions per " + x.TimeUnit + ", actual and forecast", Unit: report.Float,
			Series: []report.Series{{Name: "actual"}, {Name: "forecast"}}}
		for _, p := range h.Periods {
			t.Rows = append(t.Rows, []any{p.Period, p.Actual, p.Expected})
			ch.Labels = append(ch.Labels, p.Period)
			ch.Series[0].Values = append(ch.Series[0].Values, float64(p.Actual))
			ch.Series[1].Values = append(ch.Series[1].Values, p.Expected)
		}
		doc.Tables = append(doc.Tables, t)
		doc.Charts = append(doc.Charts, ch)
	}
	doc.Notes = append(doc.Notes, "a transaction is a purchase day; the models assume customers buy at steady rates until they stop for good (docs/metrics.md#probabilistic-clv)")
	return doc
}

func convergedText(ok bool) string {
	if ok {
		return ""
	}
	return " (not converged)"
}

// clvRows are the result as a tidy table: a total row with every figure
// (actual and expected are the holdout's), then a row per holdout period.
func clvRows(_ *Run, _ *CLVSettings, x CLVResult) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "period"}, {Key: "actual", Kind: report.Int}, {Key: "expected", Kind: report.Float},
		{Key: "customers", Kind: report.Int}, {Key: "repeat_customers", Kind: report.Int}, {Key: "repeat_transactions", Kind: report.Int},
		{Key: "r", Kind: report.Float}, {Key: "alpha", Kind: report.Float}, {Key: "a", Kind: report.Float}, {Key: "b", Kind: report.Float},
		{Key: "p", Kind: report.Float}, {Key: "q", Kind: report.Float}, {Key: "gamma", Kind: report.Float},
		{Key: "expected_transactions", Kind: report.Float}, {Key: "expected_alive", Kind: report.Float},
		{Key: "clv_total", Kind: report.Money}, {Key: "clv_mean", Kind: report.Money}}}
	c := x.Calibration
	total := []any{"total", nil, nil, c.Customers, c.RepeatCustomers, c.RepeatTransactions, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
	if h := x.Holdout; h != nil {
		total[1], total[2] = h.RepeatTransactions, h.PredictedRepeatTransactions
	}
	if b := x.BGNBD; b != nil {
		total[6], total[7], total[8], total[9] = b.R, b.Alpha, b.A, b.B
	}
	if g := x.GammaGamma; g != nil {
		total[10], total[11], total[12] = g.P, g.Q, g.Gamma
	}
	if f := x.Forecast; f != nil {
		total[13], total[14], total[15], total[16] = f.ExpectedTransactions, f.ExpectedAlive, f.CLVTotal, f.CLVMean
	}
	t.Rows = append(t.Rows, total)
	if h := x.Holdout; h != nil {
		for _, p := range h.Periods {
			row := make([]any, len(t.Columns))
			row[0], row[1], row[2] = p.Period, p.Actual, p.Expected
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// clvUsers are the per-customer summaries and predictions.
func clvUsers(r *Run, s *CLVSettings, users []int32) report.Table {
	t := report.Table{Columns: []report.Column{{Key: "customer"}, {Key: "first_purchase"}, {Key: "frequency", Kind: report.Int}, {Key: "recency", Kind: report.Float},
		{Key: "age", Kind: report.Float}, {Key: "monetary", Kind: report.Money}, {Key: "holdout_transactions", Kind: report.Int},
		{Key: "p_alive", Kind: report.Float}, {Key: "expected_transactions", Kind: report.Float}, {Key: "expected_spend", Kind: report.Money}, {Key: "clv", Kind: report.Money}}}
	if users == nil {
		return t
	}
	x := runCLV(r, s, users)
	if x.err != nil {
		return t
	}
	cal := NewCalendar(Day, "monday", r.Loc)
	for i, c := range x.d.customers {
		var p clvPrediction
		if x.preds != nil {
			p = x.preds[i]
		}
		var monetary *float64
		if c.X > 0 {
			monetary = Ptr(c.Monetary)
		}
		t.Rows = append(t.Rows, []any{r.UserID(c.user), dayLabel(cal, c.First), int64(c.X), c.Tx, c.T, monetary, int64(c.Holdout), p.pAlive, p.transactions, p.spend, p.clv})
	}
	return t
}
