package ingest

// idSet is a set of 64-bit dedup keys: open addressing with linear probing
// in one flat array, 8 bytes a key at up to 3/4 load. A Go map spends most
// of its time probing control groups on tens of millions of distinct keys;
// this does one cache-line read for most lookups.
type idSet struct {
	slots []uint64 // 0 = empty (key 0 is stored as 1: a 2⁻⁶⁴ chance to merge two keys)
	n     int
	mask  uint64
}

// add inserts k and reports whether it was already there.
func (s *idSet) add(k uint64) (dup bool) {
	if k == 0 {
		k = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	i := (k * 0x9e3779b97f4a7c15) & s.mask // the keys are hashes already; this spreads low bits
	for {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			s.n++
			return false
		case k:
			return true
		}
		i = (i + 1) & s.mask
	}
}

// warm loads the home slots of keys before they are added: independent
// loads overlap, so the misses of a whole batch cost about one miss, and the
// adds that follow find their cache lines. It returns a value only so the
// loads are not optimised away.
func (s *idSet) warm(keys func(yield func(uint64))) uint64 {
	if len(s.slots) == 0 {
		return 0
	}
	var x uint64
	keys(func(k uint64) {
		if k == 0 {
			k = 1
		}
		x ^= s.slots[(k*0x9e3779b97f4a7c15)&s.mask]
	})
	return x
}

func (s *idSet) grow() {
	old := s.slots
	size := max(1<<16, 2*len(old))
	s.slots = make([]uint64, size)
	s.mask = uint64(size - 1)
	s.n = 0
	for _, k := range old {
		if k != 0 {
			s.add(k)
		}
	}
}
