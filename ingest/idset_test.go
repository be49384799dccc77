package ingest

import "testing"

func TestIDSet(t *testing.T) {
	var s idSet
	for i := uint64(0); i < 300000; i++ {
		if s.add(i * 7919) {
			t.Fatalf("%d reported as a duplicate", i)
		}
	}
	for i := uint64(0); i < 300000; i += 997 {
		if !s.add(i * 7919) {
			t.Fatalf("%d not found again", i)
		}
	}
	if s.n != 300000 || s.add(0) != true { // key 0 was stored (as 1) with i = 0
		t.Errorf("n = %d", s.n)
	}
}
