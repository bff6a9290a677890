package evstore

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"

	"bianque"
)

// BlockEvents is the most events one block holds; an append of more is cut
// into several blocks.
const BlockEvents = 2048

// blockS2 is the first byte of a block compressed with S2 (block format).
const blockS2 = 2

// maxBlockRaw bounds a block's decompressed size (corrupt input cannot make
// a reader allocate more).
const maxBlockRaw = 256 << 20

// Item is one event of a block: its key and its binary record.
type Item struct {
	Key bianque.EventKey
	Rec []byte
}

func compareDesc(a, b bianque.EventKey) int {
	switch {
	case b.Less(a):
		return -1
	case a.Less(b):
		return 1
	}
	return 0
}

// SortItems sorts items newest first (key descending), the order of a block.
func SortItems(items []Item) {
	slices.SortFunc(items, func(a, b Item) int { return compareDesc(a.Key, b.Key) })
}

// Block is a block as stored: its time bounds, event count, decompressed
// size and compressed data.
type Block struct {
	ID           int64
	TSMin, TSMax int64
	N            int
	Raw          int
	Data         []byte
}

// appendItem appends one item to an uncompressed block.
func appendItem(raw []byte, k bianque.EventKey, rec []byte) []byte {
	raw = binary.AppendVarint(raw, k.TS)
	raw = binary.LittleEndian.AppendUint64(raw, k.Hash)
	raw = binary.AppendUvarint(raw, uint64(len(rec)))
	return append(raw, rec...)
}

// bufPool recycles the large buffers of appends (uncompressed blocks,
// compression scratch).
var bufPool sync.Pool

func getBuf(n int) []byte {
	if b, ok := bufPool.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([]byte, 0, n)
}

func putBuf(b []byte) {
	if cap(b) >= 64<<10 && cap(b) <= 64<<20 {
		b = b[:0]
		bufPool.Put(&b)
	}
}

// seal compresses an uncompressed block of n items (newest first) into a
// buffer of bufPool, which the caller may give back (putBuf) once the block
// is stored.
func seal(raw []byte, n int, tsMin, tsMax int64) Block {
	buf := getBuf(1 + s2.MaxEncodedLen(len(raw)))
	buf = buf[:cap(buf)]
	buf[0] = blockS2
	enc := s2.Encode(buf[1:], raw)
	return Block{TSMin: tsMin, TSMax: tsMax, N: n, Raw: len(raw), Data: buf[:1+len(enc)]}
}

// EncodeBlock builds the block of items (sorted newest first, at least one).
// scratch is reused for the uncompressed form, which is returned.
func EncodeBlock(items []Item, scratch []byte) (Block, []byte) {
	raw := binary.AppendUvarint(scratch[:0], uint64(len(items)))
	for _, it := range items {
		raw = appendItem(raw, it.Key, it.Rec)
	}
	return seal(raw, len(items), items[len(items)-1].Key.TS, items[0].Key.TS), raw
}

// DecodeBlock decompresses a block's data into buf (reused when large
// enough) and returns the uncompressed form for EachItem.
func DecodeBlock(data, buf []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != blockS2 {
		return nil, fmt.Errorf("event block: unknown format")
	}
	n, err := s2.DecodedLen(data[1:])
	if err != nil || n > maxBlockRaw {
		return nil, fmt.Errorf("event block: corrupt")
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	out, err := s2.Decode(buf[:n], data[1:])
	if err != nil {
		return nil, fmt.Errorf("event block: %w", err)
	}
	return out, nil
}

// EachItem calls fn for every event of an uncompressed block, newest first,
// until fn returns false. rec aliases raw.
func EachItem(raw []byte, fn func(k bianque.EventKey, rec []byte) bool) error {
	r := reader{b: raw}
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		ts := r.varint()
		h := r.fixed64()
		rec := r.bytes()
		if r.err != nil {
			break
		}
		if !fn(bianque.EventKey{TS: ts, Hash: h}, rec) {
			return nil
		}
	}
	if r.err != nil {
		return fmt.Errorf("event block: %w", r.err)
	}
	return nil
}
