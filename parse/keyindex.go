package parse

import (
	"math"
	"strconv"
	"strings"
)

// KeyIndex numbers a fixed set of field names, for normalizers that
// dispatch on the keys a device sends: Lookup hashes a key's length and
// three of its bytes and compares one string in the common case, where a
// map hashes every byte and a string switch compares several.
//
// The table is at most a quarter full and never changes after NewKeyIndex,
// so whatever a message holds, a lookup probes no more slots than the
// longest run the fixed keys make.
type KeyIndex struct {
	slots []keySlot
	mask  uint32
}

type keySlot struct {
	key string
	id  int32 // position in the NewKeyIndex arguments, plus one; 0 is empty
}

// NewKeyIndex numbers keys from 0 in order; a repeated key keeps its first
// number.
func NewKeyIndex(keys ...string) *KeyIndex {
	size := 16
	for size < 4*len(keys) {
		size <<= 1
	}
	x := &KeyIndex{slots: make([]keySlot, size), mask: uint32(size - 1)}
	for id, k := range keys {
		if k == "" || x.Lookup(k) >= 0 {
			continue
		}
		i := keyHash(k) & x.mask
		for x.slots[i].id != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = keySlot{key: k, id: int32(id + 1)}
	}
	return x
}

func keyHash(k string) uint32 {
	n := len(k)
	h := uint32(n)*0x9e3779b1 ^ uint32(k[0])*0x85ebca6b ^ uint32(k[n-1])*0xc2b2ae35 ^ uint32(k[n/2])*0x27d4eb2f
	return h ^ h>>15
}

// Lookup returns the number of k, or -1.
func (x *KeyIndex) Lookup(k string) int {
	if k == "" {
		return -1
	}
	for i := keyHash(k) & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.id == 0 {
			return -1
		}
		if s.key == k {
			return int(s.id - 1)
		}
	}
}

// ParseInt is strconv.ParseInt(s, 10, 64) with a fast path for plain
// digits.
func ParseInt(s string) (int64, bool) {
	if n, ok := digits(s); ok {
		return n, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// digits reads 1 to 18 decimal digits (which cannot overflow).
func digits(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	return v, true
}

// parseLong reads an ECS long: an integer, or a float with no fraction,
// with spaces around.
func parseLong(s string) (int64, bool) {
	if n, ok := digits(s); ok {
		return n, true
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	fl, err := strconv.ParseFloat(s, 64)
	if err != nil || fl != math.Trunc(fl) || math.IsInf(fl, 0) {
		return 0, false
	}
	return int64(fl), true
}
