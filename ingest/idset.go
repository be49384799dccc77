package ingest

import (
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// idSet is a set of 64-bit dedup keys: open addressing with linear probing
// in one flat array, 8 bytes a key at up to 3/4 load. A Go map spends most
// of its time probing control groups on tens of millions of distinct keys;
// this does one cache-line read for most lookups. A key's home slot is the
// top bits of its mixed hash, so the table is in hash order: growing it
// walks the old slots in order and writes the new table front to back
// (slot i's keys go to 2i or 2i+1), a stream rather than one cache miss per
// key. On 10M distinct ids, re-inserting at every doubling took 0.9 s.
type idSet struct {
	slots []uint64 // 0 = empty (key 0 is stored as 1: a 2⁻⁶⁴ chance to merge two keys)
	n     int
	shift uint
}

func (s *idSet) home(k uint64) uint64 { return (k * golden) >> s.shift }

// add inserts k and reports whether it was already there.
func (s *idSet) add(k uint64) (dup bool) {
	if k == 0 {
		k = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.home(k); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			s.n++
			return false
		case k:
			return true
		}
	}
}

// warm loads the home slot of k before it is added: called for a block of
// keys, the independent loads overlap, so their misses cost about one, and
// the adds that follow find their cache lines. It returns the slot only so
// the load is not optimised away.
func (s *idSet) warm(k uint64) uint64 {
	if len(s.slots) == 0 {
		return 0
	}
	if k == 0 {
		k = 1
	}
	return s.slots[s.home(k)]
}

func (s *idSet) grow() {
	old := s.slots
	size := max(1<<16, 2*len(old))
	s.slots = make([]uint64, size)
	hugePages(s.slots)
	s.shift = uint(64 - bits.TrailingZeros(uint(size)))
	mask := uint64(size - 1)
	for _, k := range old {
		if k == 0 {
			continue
		}
		i := s.home(k)
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = k
	}
}

// userTable interns user keys to dense ids in first-seen order. Keys come
// with their 64-bit hash, computed by the parse workers, so the one consumer
// goroutine does not hash; slots are 8 bytes (the hash's top half and the
// id), open addressing at up to 1/2 load, and a slot whose tag matches is
// confirmed against the key itself: ids are exact, whatever the hash does.
// Lookups are cache misses at 100k+ users; see slot for overlapping them.
type userTable struct {
	slots  []uint64 // tag<<32 | id+1; 0 = empty
	shift  uint     // home slot = (h * golden) >> shift
	names  []string // by id
	hashes []uint64 // by id, for growing
}

const golden = 0x9e3779b97f4a7c15

func (t *userTable) home(h uint64) uint64 { return (h * golden) >> t.shift }

// intern returns key's id, adding it (isNew) when it was not there.
func (t *userTable) intern(key []byte, h uint64) (id int32, isNew bool) {
	if 2*(len(t.names)+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	tag := h >> 32
	for i := t.home(h); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			id = int32(len(t.names))
			t.slots[i] = tag<<32 | uint64(id+1)
			t.names = append(t.names, string(key))
			t.hashes = append(t.hashes, h)
			return id, true
		}
		if s>>32 == tag {
			if id := int32(uint32(s) - 1); t.names[id] == string(key) {
				return id, false
			}
		}
	}
}

// find returns key's id, if it is there.
func (t *userTable) find(key string) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	h := userHash([]byte(key))
	mask := uint64(len(t.slots) - 1)
	for i := t.home(h); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s>>32 == h>>32 {
			if id := int32(uint32(s) - 1); t.names[id] == key {
				return id, true
			}
		}
	}
}

// slot, peek and nameByte let a caller load what intern will touch ahead
// of it (see consumer.warmUsers): the home slot of h, the id a matching
// slot holds (or -1), and a byte of that id's name.
func (t *userTable) slot(h uint64) uint64 {
	if len(t.slots) == 0 {
		return 0
	}
	return t.slots[t.home(h)]
}

func (t *userTable) peek(h uint64) int32 {
	if s := t.slot(h); s != 0 && s>>32 == h>>32 {
		return int32(uint32(s) - 1)
	}
	return -1
}

func (t *userTable) nameByte(id int32) uint64 {
	if name := t.names[id]; len(name) > 0 {
		return uint64(name[0])
	}
	return 0
}

func (t *userTable) grow() {
	size := max(1<<12, 2*len(t.slots))
	t.slots = make([]uint64, size)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	mask := uint64(size - 1)
	for id, h := range t.hashes {
		i := t.home(h)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = (h>>32)<<32 | uint64(id+1)
	}
}

// userHash is the hash userTable expects for a key.
func userHash(key []byte) uint64 { return xxhash.Sum64(key) }
