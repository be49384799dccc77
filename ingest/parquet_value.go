package ingest

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go/encoding"
)

// appendText appends the text of value k of v, a page of leaf l: what a
// CSV export of the column would hold.
func (l *pqLeaf) appendText(dst []byte, v *pqValues, k int) []byte {
	switch l.kind {
	case pqBytes, pqFixed:
		return append(dst, v.bytesAt(k)...)
	case pqBool:
		return strconv.AppendBool(dst, v.intAt(k) != 0)
	case pqInt:
		return strconv.AppendInt(dst, v.intAt(k), 10)
	case pqUint:
		if v.kind == encoding.Int32 {
			return strconv.AppendUint(dst, uint64(uint32(v.i32[k])), 10)
		}
		return strconv.AppendUint(dst, uint64(v.intAt(k)), 10)
	case pqFloat:
		bits := 64
		if v.kind == encoding.Float {
			bits = 32
		}
		return appendFloat(dst, v.floatAt(k), bits)
	case pqFloat16:
		return appendFloat(dst, float64(half(binary.LittleEndian.Uint16(v.bytesAt(k)))), 32)
	case pqDecimal:
		return l.appendDecimal(dst, v, k)
	case pqTimestamp, pqDate, pqInt96:
		ns, err := l.instant(v, k)
		if err != nil {
			return append(dst, err.Error()...)
		}
		t := time.Unix(0, ns).UTC()
		switch {
		case l.kind == pqDate:
			return t.AppendFormat(dst, time.DateOnly)
		case l.kind == pqTimestamp && !l.utc:
			return t.AppendFormat(dst, "2006-01-02T15:04:05.999999999")
		}
		return t.AppendFormat(dst, time.RFC3339Nano)
	case pqTimeOfDay:
		ns := v.intAt(k) * l.unit
		if ns < 0 || ns >= 86400e9 {
			return strconv.AppendInt(dst, v.intAt(k), 10)
		}
		return time.Unix(0, ns).UTC().AppendFormat(dst, "15:04:05.999999999")
	case pqUUID:
		b := v.bytesAt(k)
		for i, part := range [][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 16}} {
			if i > 0 {
				dst = append(dst, '-')
			}
			dst = hex.AppendEncode(dst, b[part[0]:part[1]])
		}
		return dst
	}
	return dst
}

// appendFloat writes f as plain decimals where that is short (as
// JavaScript does), in exponent form otherwise.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.AppendFloat(dst, f, 'f', -1, bits)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// half converts an IEEE 754 half-precision float.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(mant) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// appendDecimal writes a DECIMAL's unscaled integer with its scale.
func (l *pqLeaf) appendDecimal(dst []byte, v *pqValues, k int) []byte {
	var digits []byte
	neg := false
	switch v.kind {
	case encoding.Int32, encoding.Int64:
		x := v.intAt(k)
		neg = x < 0
		digits = strconv.AppendUint(nil, absInt(x), 10)
	default: // big-endian two's complement bytes
		b := v.bytesAt(k)
		n := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		neg = n.Sign() < 0
		digits = n.Abs(n).Append(nil, 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	s := int(l.scale)
	if s <= 0 {
		dst = append(dst, digits...)
		for ; s < 0; s++ {
			dst = append(dst, '0')
		}
		return dst
	}
	for len(digits) <= s {
		digits = append([]byte{'0'}, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	return append(append(dst, '.'), digits[len(digits)-s:]...)
}

func absInt(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

// julianEpoch is the Julian day number of 1970-01-01 (INT96's days).
const julianEpoch = 2440588

// instant is value k of a TIMESTAMP, DATE or INT96 leaf as Unix
// nanoseconds: an instant, or for a timestamp not adjusted to UTC and a
// date, a wall time (as if UTC) that the caller reads in its zone.
func (l *pqLeaf) instant(v *pqValues, k int) (int64, error) {
	switch l.kind {
	case pqTimestamp:
		x := v.intAt(k)
		if x < l.lim && x > -l.lim { // no division: 64-bit ones cost more than the rest of a row
			ns := x * l.unit
			return ns, inRange(ns)
		}
		per := 1e9 / l.unit // units per second
		sec := x / per
		rem := x % per
		if rem < 0 {
			sec, rem = sec-1, rem+per
		}
		return unixNanos(sec, rem*l.unit)
	case pqDate:
		return unixNanos(v.intAt(k)*86400, 0)
	case pqInt96:
		b := v.bytesAt(k)
		nanos := binary.LittleEndian.Uint64(b)
		if nanos >= 86400e9 {
			return 0, errors.New("an INT96 timestamp whose time of day is past 24 hours")
		}
		days := int64(binary.LittleEndian.Uint32(b[8:])) - julianEpoch
		return unixNanos(days*86400+int64(nanos/1e9), int64(nanos%1e9))
	}
	return 0, errors.New("not a timestamp")
}
