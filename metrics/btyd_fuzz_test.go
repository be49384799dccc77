package metrics

import (
	"encoding/binary"
	"math"
	"testing"
)

// rfmsFromBytes reads customers from fuzz input, 5 bytes each: a flag, x,
// t_x as a share of T, T, and spend. Flag bit 0 replaces the customer by
// raw float64s from the next 32 bytes (NaN, infinities, nonsense), which
// the fits must reject with an error.
func rfmsFromBytes(b []byte) []RFM {
	var out []RFM
	for len(b) >= 5 {
		if b[0]&1 == 1 && len(b) >= 33 {
			f := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[1+8*i:])) }
			out = append(out, RFM{X: f(0), Tx: f(1), T: f(2), Monetary: f(3)})
			b = b[33:]
			continue
		}
		x := float64(b[1] % 40)
		T := float64(b[3]) / 2
		c := RFM{X: x, T: T}
		if x > 0 {
			c.Tx = T * float64(b[2]) / 255
			c.Monetary = float64(int(b[4])-20) * 1.5
		}
		out = append(out, c)
		b = b[5:]
	}
	return out
}

// The fits and predictions never panic; a fit either errs or gives finite
// positive parameters whose predictions are numbers in range.
func FuzzBTYD(f *testing.F) {
	f.Add([]byte{0, 2, 200, 78, 40, 0, 0, 0, 78, 0, 0, 1, 10, 60, 30, 0, 5, 255, 78, 90, 0, 0, 0, 10, 0})
	f.Add([]byte{0, 0, 0, 78, 0, 0, 0, 0, 60, 0, 0, 0, 0, 10, 0, 0, 0, 0, 1, 0})
	f.Add(append([]byte{1}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs := rfmsFromBytes(b)
		if len(cs) > 200 {
			cs = cs[:200]
		}
		bg, err := FitBGNBD(cs)
		if err == nil {
			for _, v := range []float64{bg.R, bg.Alpha, bg.A, bg.B, bg.LogLik} {
				if !finite(v) {
					t.Fatalf("fit %+v", bg)
				}
			}
			for _, c := range cs {
				if p := bg.PAlive(c); !(p >= 0 && p <= 1) {
					t.Fatalf("P(alive) %v for %+v under %+v", p, c, bg)
				}
				if e := bg.ConditionalExpected(c, 10); !(e >= 0) || math.IsInf(e, 0) {
					t.Fatalf("E[Y(10)] %v for %+v under %+v", e, c, bg)
				}
			}
		}
		gg, err := FitGammaGamma(cs)
		if err == nil {
			if !finite(gg.P) || !finite(gg.Q) || !finite(gg.Gamma) || !(gg.P > 0 && gg.Q > 0 && gg.Gamma > 0) {
				t.Fatalf("fit %+v", gg)
			}
			for _, c := range cs {
				if v := gg.ConditionalExpectedValue(c); math.IsInf(v, 0) || v < 0 {
					t.Fatalf("E[M] %v for %+v under %+v", v, c, gg)
				}
				CLV(bg, gg, c, CLVHorizon{Periods: 3, Length: 4, Discount: 0.01})
			}
		}
	})
}

// Summaries of any purchases are consistent: whole repeat counts, 0 ≤
// recency ≤ age, recency 0 without repeats, and counts that add up.
func FuzzSummarizeRFM(f *testing.F) {
	f.Add([]byte{10, 5, 10, 3, 40, 2, 100, 4, 130, 9}, byte(100), byte(130))
	f.Add([]byte{200, 1}, byte(100), byte(50))
	f.Fuzz(func(t *testing.T, b []byte, calEnd, holdEnd byte) {
		var ps []Purchase
		for i := 0; i+1 < len(b); i += 2 {
			ps = append(ps, Purchase{Day: int(b[i]), Amount: float64(int(b[i+1]) - 50)})
		}
		c, ok, err := SummarizeRFM(ps, RFMSplit{CalibrationEnd: int(calEnd), HoldoutEnd: int(holdEnd), Unit: Week})
		if err != nil || !ok {
			return
		}
		days := map[int]bool{}
		for _, p := range ps {
			if p.Day <= int(calEnd) || p.Day <= int(holdEnd) {
				days[p.Day] = true
			}
		}
		if c.check() != "" || float64(len(days)) != 1+c.X+float64(c.Holdout) || (c.X == 0 && c.Monetary != 0) {
			t.Fatalf("%+v from %v", c, ps)
		}
	})
}
