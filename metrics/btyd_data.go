package metrics

import (
	"fmt"
	"slices"
)

// Purchase is one transaction of a customer: Day numbers calendar days
// (consecutive days differ by one, as Calendar{Period: Day}.Index gives them
// in the report's zone) and Amount is its value.
type Purchase struct {
	Day    int
	Amount float64
}

// RFMSplit says how a customer's purchases are summarised for the models.
type RFMSplit struct {
	// CalibrationEnd is the last day of the calibration period, inclusive.
	CalibrationEnd int
	// HoldoutEnd is the last day of the holdout period, inclusive; the
	// holdout is the days after CalibrationEnd up to it. HoldoutEnd ≤
	// CalibrationEnd means no holdout.
	HoldoutEnd int
	// Unit is the time unit of recency and age: Week (7 days) or Day.
	Unit Period
}

// UnitDays is the length of the time unit in days: 7 for Week, 1 for Day.
func (s RFMSplit) UnitDays() (float64, error) {
	switch s.Unit {
	case Week:
		return 7, nil
	case Day:
		return 1, nil
	}
	return 0, fmt.Errorf("time unit %q: want week or day", s.Unit)
}

// HoldoutLength is the holdout's length in time units (0 without one):
// the t to give ConditionalExpected to predict CustomerRFM.Holdout.
func (s RFMSplit) HoldoutLength() float64 {
	u, err := s.UnitDays()
	if err != nil || s.HoldoutEnd <= s.CalibrationEnd {
		return 0
	}
	return float64(s.HoldoutEnd-s.CalibrationEnd) / u
}

// CustomerRFM is a customer's calibration summary and holdout counts.
type CustomerRFM struct {
	RFM
	// First is the day of the first purchase.
	First int
	// Holdout is the number of transactions (purchase days) in the
	// holdout period; all of them are repeat transactions.
	Holdout int
	// HoldoutValue is their total value.
	HoldoutValue float64
}

// SummarizeRFM turns one customer's purchases into the models' summary, the
// BTYD convention for dated transactions:
//
//   - A transaction is a purchase day: purchases on the same day merge into
//     one, whose value is the sum of their amounts.
//   - The first purchase day starts the customer's clock; X counts the later
//     purchase days up to CalibrationEnd, Tx is the last of them minus the
//     first (0 when X = 0) and T is CalibrationEnd minus the first, both
//     divided by the unit's days (so a purchase on CalibrationEnd has
//     recency T).
//   - Monetary is the mean value of those X repeat transactions (0 when
//     X = 0): the first purchase is left out, as Gamma-Gamma is fitted on
//     repeat spend.
//   - Holdout counts the purchase days after CalibrationEnd up to
//     HoldoutEnd.
//
// ps need not be sorted. ok is false when the customer has no purchase up to
// CalibrationEnd (they are not in the calibration cohort). An amount that is
// not a finite number is an error.
func SummarizeRFM(ps []Purchase, s RFMSplit) (c CustomerRFM, ok bool, err error) {
	unit, err := s.UnitDays()
	if err != nil {
		return CustomerRFM{}, false, err
	}
	for i, p := range ps {
		if !finite(p.Amount) {
			return CustomerRFM{}, false, fmt.Errorf("purchase %d on day %d: amount %v is not a finite number", i, p.Day, p.Amount)
		}
	}
	if !slices.IsSortedFunc(ps, byDay) {
		ps = slices.Clone(ps)
		slices.SortStableFunc(ps, byDay)
	}
	if len(ps) == 0 || ps[0].Day > s.CalibrationEnd {
		return CustomerRFM{}, false, nil
	}
	c.First = ps[0].Day
	var repeat float64
	last := c.First
	for i := 0; i < len(ps); {
		day, value := ps[i].Day, 0.0
		for ; i < len(ps) && ps[i].Day == day; i++ {
			value += ps[i].Amount
		}
		switch {
		case day == c.First:
		case day <= s.CalibrationEnd:
			c.X++
			repeat += value
			last = day
		case day <= s.HoldoutEnd:
			c.Holdout++
			c.HoldoutValue += value
		}
	}
	c.T = float64(s.CalibrationEnd-c.First) / unit
	c.Tx = float64(last-c.First) / unit
	if c.X > 0 {
		c.Monetary = repeat / c.X
	}
	return c, true, nil
}

func byDay(a, b Purchase) int { return a.Day - b.Day }
