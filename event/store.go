package event

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

// The field store. An event's fields live in a slice in the order they were
// first set, with a small open-addressing index (linear probing) from key to
// position beside it. Index entries are uint32: the low shift bits hold the
// position plus one (0 marks an empty slot; the index has at least twice as
// many slots as the slice has room, so a position always fits), the high
// bits a tag taken from the key's hash, so that most probes that miss never
// compare strings. Deletion shifts the later fields down, keeping the order,
// and repairs the index by backward shifting, so there are no tombstones.
//
// New allocates the event, its fields, its index and the first slab of
// every boxed kind (box.go) as one block: parsing a message costs one
// allocation for the event instead of a map's several, and the garbage
// collector scans one object.

type field struct {
	key string
	ref uint64 // the value's kind and place (box.go)
}

// hashKey hashes a key with a per-process random seed in the manner of
// wyhash: two multiply-and-fold rounds for keys of up to 16 bytes, one more
// per 16 bytes beyond, reading eight bytes at a time — shorter and cheaper
// to call than hash/maphash for field names. The seed keeps the slots a
// message's keys land in unpredictable to its sender.
func hashKey(s string) uint64 {
	const (
		k1 = 0xa0761d6478bd642f
		k2 = 0xe7037ed1a0b428db
		k3 = 0x8ebc6af09c88c6e3
	)
	n := len(s)
	h := seed
	var a, b uint64
	switch {
	case n > 16:
		for i := 0; i < n-16; i += 16 {
			h = mix(load8(s, i)^k1, load8(s, i+8)^h)
		}
		a, b = load8(s, n-16), load8(s, n-8)
	case n >= 8:
		a, b = load8(s, 0), load8(s, n-8)
	case n >= 4:
		a, b = uint64(load4(s, 0)), uint64(load4(s, n-4))
	case n > 0:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	return mix(k3^uint64(n), mix(a^k1, b^h^k2))
}

var seed = rand.Uint64()

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func load8(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func load4(s string, i int) uint32 {
	b := s[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// Block sizes: fields, index slots (a power of two, at least twice the
// fields), then the first slab of each kind of value, chosen so that each
// block fills its allocation size class (the large one holds a 50-field
// firewall event in 3,072 bytes).
type smallBlock struct {
	ev    Event
	f     [8]field
	idx   [16]uint32
	strs  [10]string
	ints  [2]int64
	times [1]time.Time
	lists [1][]string
	anys  [1]any
}

type mediumBlock struct {
	ev    Event
	f     [24]field
	idx   [64]uint32
	strs  [36]string
	ints  [4]int64
	times [1]time.Time
	lists [2][]string
	anys  [2]any
	bytes [32]byte
}

type largeBlock struct {
	ev    Event
	f     [56]field
	idx   [128]uint32
	strs  [46]string
	ints  [8]int64
	times [2]time.Time
	lists [4][]string
	anys  [2]any
	bytes [32]byte
}

// newEvent returns an event with room for n fields, in one allocation when
// n is at most 56.
func newEvent(n int) *Event {
	switch {
	case n <= 8:
		b := new(smallBlock)
		b.ev.init(b.f[:0], b.idx[:], b.strs[:0], b.ints[:0], b.times[:0], b.lists[:0], b.anys[:0], nil)
		return &b.ev
	case n <= 24:
		b := new(mediumBlock)
		b.ev.init(b.f[:0], b.idx[:], b.strs[:0], b.ints[:0], b.times[:0], b.lists[:0], b.anys[:0], b.bytes[:0])
		return &b.ev
	case n <= 56:
		b := new(largeBlock)
		b.ev.init(b.f[:0], b.idx[:], b.strs[:0], b.ints[:0], b.times[:0], b.lists[:0], b.anys[:0], b.bytes[:0])
		return &b.ev
	}
	e := &Event{fields: make([]field, 0, n)}
	e.setIndex(make([]uint32, indexSize(n)))
	return e
}

func (e *Event) init(f []field, idx []uint32, strs []string, ints []int64, times []time.Time, lists [][]string, anys []any, bytes []byte) {
	e.fields, e.strs, e.ints, e.times, e.lists, e.anys, e.bytes = f, strs, ints, times, lists, anys, bytes
	e.setIndex(idx)
}

// indexSize is the number of index slots for n fields: a power of two of
// at least 2n (and 8).
func indexSize(n int) int {
	s := 8
	for s < 2*n {
		s <<= 1
	}
	return s
}

func (e *Event) setIndex(idx []uint32) {
	e.index = idx
	e.shift = 0
	for 1<<e.shift < len(idx) {
		e.shift++
	}
}

// lookup returns the position of key, or -1.
func (e *Event) lookup(key string) int {
	if len(e.fields) == 0 {
		return -1
	}
	h := hashKey(key)
	mask := uint64(len(e.index) - 1)
	shift := e.shift
	tag := uint32(h>>32) >> shift
	for i := h & mask; ; i = (i + 1) & mask {
		x := e.index[i]
		if x == 0 {
			return -1
		}
		if x>>shift == tag {
			p := int(x&(1<<shift-1)) - 1
			if e.fields[p].key == key {
				return p
			}
		}
	}
}

// get returns the value of key, nil when unset.
func (e *Event) get(key string) any {
	if p := e.lookup(key); p >= 0 {
		return e.value(e.fields[p].ref)
	}
	return nil
}

// put sets key to the value r refers to.
func (e *Event) put(key string, r uint64) { e.putHashed(key, hashKey(key), r) }

// putHashed is put with the key's hash computed.
func (e *Event) putHashed(key string, h uint64, r uint64) {
	if len(e.index) > 0 {
		mask := uint64(len(e.index) - 1)
		shift := e.shift
		tag := uint32(h>>32) >> shift
		i := h & mask
		for ; ; i = (i + 1) & mask {
			x := e.index[i]
			if x == 0 {
				break
			}
			if x>>shift == tag {
				p := int(x&(1<<shift-1)) - 1
				if e.fields[p].key == key {
					e.fields[p].ref = r
					return
				}
			}
		}
		if n := len(e.fields); n < cap(e.fields) {
			e.fields = e.fields[:n+1]
			f := &e.fields[n]
			f.key, f.ref = key, r
			e.index[i] = tag<<shift | uint32(n+1)
			return
		}
	}
	e.grow()
	e.fields = append(e.fields, field{key, r})
	e.insertIndex(h, len(e.fields))
}

// grow doubles the room for fields and rebuilds the index.
func (e *Event) grow() {
	n := 2 * cap(e.fields)
	if n < 8 {
		n = 8
	}
	f := make([]field, len(e.fields), n)
	copy(f, e.fields)
	e.fields = f
	e.setIndex(make([]uint32, indexSize(n)))
	for p := range e.fields {
		e.insertIndex(hashKey(e.fields[p].key), p+1)
	}
}

// insertIndex adds an entry for position pos-1 of a key with hash h that is
// not in the index.
func (e *Event) insertIndex(h uint64, pos int) {
	mask := uint64(len(e.index) - 1)
	i := h & mask
	for e.index[i] != 0 {
		i = (i + 1) & mask
	}
	e.index[i] = uint32(h>>32)>>e.shift<<e.shift | uint32(pos)
}

// remove deletes key, keeping the order of the other fields.
func (e *Event) remove(key string) {
	p := e.lookup(key)
	if p < 0 {
		return
	}
	mask := len(e.index) - 1
	posMask := uint32(1)<<e.shift - 1
	// Find p's slot, empty it and shift the rest of its cluster back so
	// every entry stays reachable from its home slot.
	i := int(hashKey(key)) & mask
	for e.index[i]&posMask != uint32(p+1) {
		i = (i + 1) & mask
	}
	e.index[i] = 0
	for j := (i + 1) & mask; e.index[j] != 0; j = (j + 1) & mask {
		x := e.index[j]
		home := int(hashKey(e.fields[x&posMask-1].key)) & mask
		// The entry at j may move to i unless its home lies cyclically in (i, j].
		if i <= j && (home <= i || home > j) || i > j && home <= i && home > j {
			e.index[i] = x
			e.index[j] = 0
			i = j
		}
	}
	// Close the gap in the fields and renumber the positions after it.
	copy(e.fields[p:], e.fields[p+1:])
	e.fields[len(e.fields)-1] = field{}
	e.fields = e.fields[:len(e.fields)-1]
	for k, x := range e.index {
		if x != 0 && x&posMask > uint32(p+1) {
			e.index[k] = x - 1
		}
	}
}
