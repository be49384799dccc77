package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// simulatePurchases draws n customers as dated purchases: first purchases
// spread over a quarter (days 0–90), 78 weeks of data to day 545. A
// calibration to day 364 and holdout to day 545 suit them.
func simulatePurchases(seed uint64, n int) [][]Purchase {
	rng := rand.New(rand.NewPCG(seed, 1))
	cs := make([][]Purchase, n)
	const last = 545
	for i := range cs {
		first := rng.IntN(91)
		c := simulateBTYD(seed+uint64(i)*7919, 1, float64(last-first)/7, simBG, simGG)[0]
		ps := []Purchase{{Day: first, Amount: 20 + 30*rng.Float64()}}
		for k, t := range c.times {
			ps = append(ps, Purchase{Day: first + int(math.Floor(t*7)), Amount: c.values[k]})
		}
		cs[i] = ps
	}
	return cs
}

var benchSplit = RFMSplit{CalibrationEnd: 364, HoldoutEnd: 545, Unit: Week}

// clvPipeline is what a clv command does with the customers' purchases:
// summaries, both fits, and per customer P(alive), the holdout prediction
// and CLV over the horizon.
func clvPipeline(b *testing.B, purchases [][]Purchase, h CLVHorizon) {
	rfm := make([]RFM, 0, len(purchases))
	for _, ps := range purchases {
		c, ok, err := SummarizeRFM(ps, benchSplit)
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			rfm = append(rfm, c.RFM)
		}
	}
	bg, err := FitBGNBD(rfm)
	if err != nil {
		b.Fatal(err)
	}
	gg, err := FitGammaGamma(rfm)
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, c := range rfm {
		sum += bg.PAlive(c) + bg.ConditionalExpected(c, benchSplit.HoldoutLength()) + CLV(bg, gg, c, h)
	}
	if !finite(sum) {
		b.Fatal("not finite")
	}
}

func BenchmarkFitBGNBD(b *testing.B) {
	b.Run("cdnow-2357", func(b *testing.B) {
		_, cs, _ := cdnowRFM(b)
		rfm := rfmsOf(cs)
		for b.Loop() {
			if _, err := FitBGNBD(rfm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("continuous-136k", func(b *testing.B) {
		// Continuous times: every repeat customer is a distinct pattern.
		rfm := rfmOf(simulateBTYD(3, 136000, 52, simBG, simGG))
		for b.Loop() {
			if _, err := FitBGNBD(rfm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCLVPipeline(b *testing.B) {
	purchases := simulatePurchases(5, 136000)
	b.Run("136k-undiscounted-year", func(b *testing.B) {
		for b.Loop() {
			clvPipeline(b, purchases, CLVHorizon{Periods: 1, Length: 52})
		}
	})
	b.Run("136k-monthly-discount-year", func(b *testing.B) {
		for b.Loop() {
			clvPipeline(b, purchases, CLVHorizon{Periods: 12, Length: 52.0 / 12, Discount: 0.01})
		}
	})
}
