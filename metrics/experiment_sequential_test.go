package metrics

import (
	"math/rand/v2"
	"testing"
)

// Single looks against the closed form computed independently in Python
// (plain math: Λ = √(s²/(s²+τ²))·exp(τ²Δ²/(2s²(s²+τ²))), p = min(1, 1/Λ),
// half-width √(s²(s²+τ²)/τ²·(ln((s²+τ²)/s²) − 2 ln α))).
func TestSequentialOneLook(t *testing.T) {
	for _, tt := range []struct {
		a, b         Counts
		tau2         float64
		p, low, high float64
	}{
		// Early, far below the size τ is tuned for: the fixed z test says
		// p = 0.035 here, the always-valid p-value 0.59.
		{Counts{100, 1000}, Counts{130, 1000}, 1e-4, 0.588124496124422, -0.03272786398144774, 0.09272786398144774},
		{Counts{1000, 10000}, Counts{1100, 10000}, 1e-4, 0.2676532900875326, -0.0032247236169621676, 0.023224723616962158},
		{Counts{1000, 10000}, Counts{1200, 10000}, 1e-4, 0.0004774826321321789, 0.00649250922324867, 0.03350749077675131},
		// Λ < 1: the p-value is capped at 1.
		{Counts{50, 500}, Counts{52, 480}, 4e-4, 1, -0.062345780370000214, 0.07901244703666688},
	} {
		steps, err := SequentialProportions([]SequentialLook{{tt.a, tt.b}}, 0.05, tt.tau2)
		if err != nil {
			t.Fatal(err)
		}
		s := steps[0]
		check(t, "p", s.PValue, tt.p, 1e-9)
		check(t, "low", s.CI.Low, tt.low, 1e-9)
		check(t, "high", s.CI.High, tt.high, 1e-9)
		if (s.PValue < 0.05) != (s.CI.Low > 0 || s.CI.High < 0) {
			t.Errorf("p %v and interval %+v disagree", s.PValue, s.CI)
		}
	}
}

func TestSequentialRunningValues(t *testing.T) {
	looks := []SequentialLook{
		{Counts{0, 0}, Counts{0, 0}},               // nothing yet
		{Counts{0, 50}, Counts{0, 50}},             // no variance: no evidence
		{Counts{1000, 10000}, Counts{1200, 10000}}, // p 0.000477 (above)
		{Counts{1100, 11000}, Counts{1230, 11000}}, // weaker: p must not rise, interval not widen
	}
	steps, err := SequentialProportions(looks, 0.05, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Diff != nil || steps[0].PValue != 1 || steps[1].CI != nil || steps[1].PValue != 1 {
		t.Errorf("empty and flat looks: %+v %+v", steps[0], steps[1])
	}
	check(t, "p at look 3", steps[2].PValue, 0.0004774826321321789, 1e-9)
	if steps[3].PValue != steps[2].PValue || steps[3].CI.Low < steps[2].CI.Low || steps[3].CI.High > steps[2].CI.High {
		t.Errorf("look 4 %+v after look 3 %+v: p rose or the interval widened", steps[3], steps[2])
	}
	for _, bad := range [][]SequentialLook{
		{{Counts{5, 10}, Counts{5, 10}}, {Counts{5, 9}, Counts{5, 10}}},  // n fell
		{{Counts{5, 10}, Counts{5, 10}}, {Counts{4, 12}, Counts{5, 10}}}, // x fell
		{{Counts{11, 10}, Counts{5, 10}}},                                // x > n
	} {
		if _, err := SequentialProportions(bad, 0.05, 1e-4); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
	if _, err := SequentialProportions(looks, 0.05, 0); err == nil {
		t.Error("tau2 = 0: want an error")
	}
	check(t, "default tau2", SequentialTau2(DefaultSequentialMDE, 0.1), 1e-4, 1e-12)
	check(t, "2pp tau2", SequentialTau2(MDE{Value: 0.02}, 0.1), 4e-4, 1e-12)
}

// peekingRates simulates experiments of two groups with true rates pa and
// pb, users arriving at perDay per group for days daily looks, and returns
// the share of experiments in which a daily-peeked fixed-horizon pooled z
// test, and the mSPRT, reach p < α at some look (stopping there), and the
// share in which the confidence sequence ever leaves out the true
// difference.
func peekingRates(seed uint64, experiments, days, perDay int, pa, pb, alpha, tau2 float64) (naive, seq, missed float64) {
	rng := rand.New(rand.NewPCG(seed, 2024))
	var nNaive, nSeq, nMissed int
	for e := 0; e < experiments; e++ {
		var a, b Counts
		looks := make([]SequentialLook, 0, days)
		naiveHit := false
		for d := 0; d < days; d++ {
			for u := 0; u < perDay; u++ {
				if rng.Float64() < pa {
					a.X++
				}
				if rng.Float64() < pb {
					b.X++
				}
			}
			a.N += int64(perDay)
			b.N += int64(perDay)
			looks = append(looks, SequentialLook{a, b})
			if TwoProportionP(a.X, a.N, b.X, b.N) < alpha {
				naiveHit = true
			}
		}
		steps, err := SequentialProportions(looks, alpha, tau2)
		if err != nil {
			panic(err)
		}
		last := steps[len(steps)-1] // p never rises: the last look says whether any look rejected
		if naiveHit {
			nNaive++
		}
		if last.PValue < alpha {
			nSeq++
		}
		if truth := pb - pa; last.CI.Low > truth || last.CI.High < truth {
			nMissed++
		}
	}
	n := float64(experiments)
	return float64(nNaive) / n, float64(nSeq) / n, float64(nMissed) / n
}

// Under the null (both groups at 10%), 30 daily looks of 200 users per
// group, 1000 experiments with a fixed seed: stopping at the first daily
// p < 0.05 of the fixed-horizon z test gives a false positive in 29.5% of
// experiments (six times α), while the mSPRT with the default mixing
// variance (τ = 10% of 0.1) stays at 0.8%, below α. Its confidence sequence
// is the same event under the null.
func TestSequentialPeekingUnderNull(t *testing.T) {
	const alpha = 0.05
	naive, seq, missed := peekingRates(1, 1000, 30, 200, 0.1, 0.1, alpha, SequentialTau2(DefaultSequentialMDE, 0.1))
	t.Logf("false-positive rate: peeked z test %.3f, mSPRT %.3f", naive, seq)
	if seq > alpha || missed > alpha {
		t.Errorf("mSPRT false-positive rate %.3f (interval misses %.3f), want ≤ %v", seq, missed, alpha)
	}
	if naive <= 2*alpha {
		t.Errorf("peeked z test false-positive rate %.3f; peeking should inflate it well past %v", naive, alpha)
	}
}

// With a real effect (10% → 12%, 6000 users per group at the end, where a
// fixed test has 80% power at 3841), the mSPRT tuned to a 2pp MDE detects it
// in 76.5% of 400 experiments (the price of looking daily), and its interval
// covers the true +2 points at every look in 98.7% of them.
func TestSequentialPowerAndCoverage(t *testing.T) {
	_, seq, missed := peekingRates(7, 400, 30, 200, 0.10, 0.12, 0.05, SequentialTau2(MDE{Value: 0.02}, 0.1))
	t.Logf("mSPRT power %.3f, interval missed the truth in %.3f", seq, missed)
	if seq < 0.7 {
		t.Errorf("mSPRT power %.3f, want at least 0.7", seq)
	}
	if missed > 0.05 {
		t.Errorf("confidence sequence missed the true difference in %.3f of experiments, want ≤ 0.05", missed)
	}
}
