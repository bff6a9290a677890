// Package evstore is the storage engine the event stores of package sqlite
// and package postgres share: the binary record of an event, compressed
// blocks of records, the matcher of a search, and the search, lookup and
// export over the blocks a store keeps.
//
// Events are stored in blocks: up to BlockEvents events of one tenant and
// one day, sorted newest first, each event a binary record, the whole block
// compressed with zstd. A block row carries the smallest and largest
// @timestamp of its events, so that a search decompresses only the blocks
// that overlap its time range and stops as soon as no remaining block can
// hold a newer match. Idempotency lives beside the blocks, in a table of
// event keys (@timestamp in nanoseconds, 64-bit hash of event.id) with the
// block each event went to: an append inserts the keys first and puts into
// the block only the events whose key was new.
package evstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"bianque/event"
)

// Value types of a record field.
const (
	tString  = 's'
	tInt     = 'i'
	tFloat   = 'f'
	tTrue    = 'T'
	tFalse   = 'F'
	tTime    = 't'
	tStrings = 'l'
	tJSON    = 'j' // []any and map[string]any, as JSON
	// tSuffix is a string that ends event.original (written before it):
	// uvarint offset into it. Parsers copy the syslog message after the
	// header into message, so most events hold that text once.
	tSuffix = 'o'
)

// dictTable finds a name of dictKeys by a cheap hash of its length and
// three of its bytes, with linear probing; slots hold index+1 (0: empty).
var dictTable = func() *[dictSlots]uint16 {
	var t [dictSlots]uint16
	for i, k := range dictKeys {
		h := dictHash(k)
		for t[h] != 0 {
			h = (h + 1) & (dictSlots - 1)
		}
		t[h] = uint16(i + 1)
	}
	return &t
}()

const dictSlots = 1024

func dictHash(k string) uint32 {
	n := uint32(len(k))
	if n == 0 {
		return 0
	}
	return (n*0x9e37 ^ uint32(k[0])*0x85eb ^ uint32(k[n-1])*0xc2b2 ^ uint32(k[n/2])*0x27d4 ^ uint32(k[n*3/4])*0x1656) & (dictSlots - 1)
}

// dictLookup returns the index of k in dictKeys.
func dictLookup(k string) (uint64, bool) {
	for h := dictHash(k); ; h = (h + 1) & (dictSlots - 1) {
		i := dictTable[h]
		if i == 0 {
			return 0, false
		}
		if dictKeys[i-1] == k {
			return uint64(i - 1), true
		}
	}
}

// appendKey writes a field name: uvarint 2*index+1 for a name of dictKeys,
// else uvarint 2*length and the name.
func appendKey(dst []byte, k string) []byte {
	if i, ok := dictLookup(k); ok {
		return binary.AppendUvarint(dst, i<<1|1)
	}
	dst = binary.AppendUvarint(dst, uint64(len(k))<<1)
	return append(dst, k...)
}

// AppendRecord appends the binary record of e to dst: uvarint field count,
// then per field the name (appendKey), a type byte and the value. Fields are
// in map order: records are read back into events, whose JSON is sorted.
func AppendRecord(dst []byte, e *event.Event) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(e.Len()))
	orig, _ := e.Get(event.EventOriginal)
	origText, hasOrig := orig.(string)
	if hasOrig {
		dst = appendKey(dst, event.EventOriginal)
		dst = append(dst, tString)
		dst = binary.AppendUvarint(dst, uint64(len(origText)))
		dst = append(dst, origText...)
	}
	var err error
	e.Range(func(k string, v any) bool {
		if hasOrig && k == event.EventOriginal {
			return true
		}
		if s, ok := v.(string); ok && hasOrig && len(s) >= 16 && strings.HasSuffix(origText, s) {
			dst = appendKey(dst, k)
			dst = append(dst, tSuffix)
			dst = binary.AppendUvarint(dst, uint64(len(origText)-len(s)))
			return true
		}
		dst = appendKey(dst, k)
		switch x := v.(type) {
		case string:
			dst = append(dst, tString)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			dst = append(dst, x...)
		case int64:
			dst = append(dst, tInt)
			dst = binary.AppendVarint(dst, x)
		case float64:
			dst = append(dst, tFloat)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
		case bool:
			if x {
				dst = append(dst, tTrue)
			} else {
				dst = append(dst, tFalse)
			}
		case time.Time:
			dst = append(dst, tTime)
			dst = binary.AppendVarint(dst, x.Unix())
			dst = binary.AppendUvarint(dst, uint64(x.Nanosecond()))
		case []string:
			dst = append(dst, tStrings)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			for _, s := range x {
				dst = binary.AppendUvarint(dst, uint64(len(s)))
				dst = append(dst, s...)
			}
		default:
			b, jerr := json.Marshal(x)
			if jerr != nil {
				err = fmt.Errorf("field %s: %w", k, jerr)
				return false
			}
			dst = append(dst, tJSON)
			dst = binary.AppendUvarint(dst, uint64(len(b)))
			dst = append(dst, b...)
		}
		return true
	})
	return dst, err
}

var errCorrupt = errors.New("corrupt event record")

// reader walks a record.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errCorrupt
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// key reads a field name (see appendKey); a name of the dictionary is
// returned without copying.
func (r *reader) key() (b []byte, dict string) {
	h := r.uvarint()
	if h&1 == 1 {
		if h>>1 >= uint64(len(dictKeys)) {
			r.err = errCorrupt
			r.b = nil
			return nil, ""
		}
		return nil, dictKeys[h>>1]
	}
	n := h >> 1
	if n > uint64(len(r.b)) {
		r.err = errCorrupt
		r.b = nil
		return nil, ""
	}
	b = r.b[:n:n]
	r.b = r.b[n:]
	return b, ""
}

func (r *reader) byte1() byte {
	if len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) fixed64() uint64 {
	if len(r.b) < 8 {
		r.err = errCorrupt
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// DecodeRecord reads a record into a new event.
func DecodeRecord(rec []byte) (*event.Event, error) {
	r := reader{b: rec}
	n := r.uvarint()
	if n > uint64(len(rec)) {
		return nil, errCorrupt
	}
	e := event.New(int(n))
	orig := ""
	for i := uint64(0); i < n && r.err == nil; i++ {
		kb, key := r.key()
		if kb != nil {
			key = string(kb)
		}
		typ := r.byte1()
		switch typ {
		case tString:
			s := string(r.bytes())
			if i == 0 && key == event.EventOriginal {
				orig = s
			}
			e.Set(key, s)
		case tSuffix:
			off := r.uvarint()
			if off > uint64(len(orig)) || i == 0 {
				return nil, fmt.Errorf("%w: field %s refers outside event.original", errCorrupt, key)
			}
			e.Set(key, orig[off:])
		case tInt:
			e.Set(key, r.varint())
		case tFloat:
			e.Set(key, math.Float64frombits(r.fixed64()))
		case tTrue:
			e.Set(key, true)
		case tFalse:
			e.Set(key, false)
		case tTime:
			sec := r.varint()
			nsec := r.uvarint()
			e.Set(key, time.Unix(sec, int64(nsec)).UTC())
		case tStrings:
			m := r.uvarint()
			if m > uint64(len(r.b)) {
				return nil, errCorrupt
			}
			l := make([]string, m)
			for j := range l {
				l[j] = string(r.bytes())
			}
			e.Set(key, l)
		case tJSON:
			var v any
			if err := json.Unmarshal(r.bytes(), &v); err != nil {
				return nil, fmt.Errorf("%w: field %s: %v", errCorrupt, key, err)
			}
			e.Set(key, jsonValue(v))
		default:
			return nil, fmt.Errorf("%w: field %s has type %q", errCorrupt, key, typ)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return e, nil
}

// jsonValue turns encoding/json's float64 numbers back into int64 where
// they are integral, as the event codec does.
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case []any:
		for i := range x {
			x[i] = jsonValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsonValue(x[k])
		}
	}
	return v
}
