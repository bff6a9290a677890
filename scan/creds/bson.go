package creds

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// A minimal BSON (bsonspec.org 1.1) codec for the handful of MongoDB
// commands a credential check sends: ordered documents out (the command
// name must come first), maps in.

// bsonD is an ordered document.
type bsonD []bsonE

// bsonE is one element of an ordered document.
type bsonE struct {
	K string
	V any
}

// bsonBinary is binary data with a subtype (0 = generic).
type bsonBinary struct {
	Subtype byte
	Data    []byte
}

// appendBSON encodes d. Supported values: string, int32, int, int64,
// float64, bool, nil, []byte, bsonBinary, bsonD, map[string]any (keys sorted)
// and []any.
func appendBSON(dst []byte, d bsonD) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	for _, e := range d {
		var err error
		if dst, err = appendBSONElem(dst, e.K, e.V); err != nil {
			return nil, err
		}
	}
	dst = append(dst, 0)
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst, nil
}

func appendCString(dst []byte, s string) ([]byte, error) {
	if bytes.IndexByte([]byte(s), 0) >= 0 {
		return nil, fmt.Errorf("bson key %q contains NUL", s)
	}
	return append(append(dst, s...), 0), nil
}

func appendBSONElem(dst []byte, k string, v any) ([]byte, error) {
	typ := func(t byte) ([]byte, error) { return appendCString(append(dst, t), k) }
	var err error
	switch x := v.(type) {
	case string:
		if dst, err = typ(0x02); err != nil {
			return nil, err
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x)+1))
		return append(append(dst, x...), 0), nil
	case int32:
		if dst, err = typ(0x10); err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint32(dst, uint32(x)), nil
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return appendBSONElem(dst, k, int32(x))
		}
		return appendBSONElem(dst, k, int64(x))
	case int64:
		if dst, err = typ(0x12); err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint64(dst, uint64(x)), nil
	case float64:
		if dst, err = typ(0x01); err != nil {
			return nil, err
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x)), nil
	case bool:
		if dst, err = typ(0x08); err != nil {
			return nil, err
		}
		if x {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case nil:
		return typ(0x0a)
	case []byte:
		return appendBSONElem(dst, k, bsonBinary{Data: x})
	case bsonBinary:
		if dst, err = typ(0x05); err != nil {
			return nil, err
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x.Data)))
		return append(append(dst, x.Subtype), x.Data...), nil
	case bsonD:
		if dst, err = typ(0x03); err != nil {
			return nil, err
		}
		return appendBSON(dst, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for key := range x {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		d := make(bsonD, 0, len(keys))
		for _, key := range keys {
			d = append(d, bsonE{key, x[key]})
		}
		return appendBSONElem(dst, k, d)
	case []any:
		if dst, err = typ(0x04); err != nil {
			return nil, err
		}
		d := make(bsonD, len(x))
		for i, e := range x {
			d[i] = bsonE{fmt.Sprint(i), e}
		}
		return appendBSON(dst, d)
	}
	return nil, fmt.Errorf("bson: cannot encode %T", v)
}

// decodeBSON reads one document from the start of b and returns it with
// the number of bytes it took. Arrays decode as []any, binaries as
// bsonBinary, int32/int64 as int32/int64, doubles as float64; ObjectIDs,
// timestamps, dates and decimals as their raw bytes.
func decodeBSON(b []byte) (map[string]any, int, error) {
	return decodeBSONDepth(b, 0)
}

func decodeBSONDepth(b []byte, depth int) (map[string]any, int, error) {
	if depth > 32 {
		return nil, 0, fmt.Errorf("bson nested too deeply")
	}
	if len(b) < 5 {
		return nil, 0, fmt.Errorf("bson document truncated")
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 5 || n > len(b) || b[n-1] != 0 {
		return nil, 0, fmt.Errorf("bson document length %d of %d bytes", n, len(b))
	}
	out := map[string]any{}
	p := b[4 : n-1]
	for len(p) > 0 {
		t := p[0]
		end := bytes.IndexByte(p[1:], 0)
		if end < 0 {
			return nil, 0, fmt.Errorf("bson key unterminated")
		}
		key := string(p[1 : 1+end])
		p = p[2+end:]
		need := func(k int) error {
			if k < 0 || k > len(p) {
				return fmt.Errorf("bson value of %q truncated", key)
			}
			return nil
		}
		var v any
		var used int
		switch t {
		case 0x01, 0x09, 0x11, 0x12: // double, datetime, timestamp, int64
			if err := need(8); err != nil {
				return nil, 0, err
			}
			u := binary.LittleEndian.Uint64(p)
			switch t {
			case 0x01:
				v = math.Float64frombits(u)
			case 0x12:
				v = int64(u)
			default:
				v = append([]byte(nil), p[:8]...)
			}
			used = 8
		case 0x02, 0x0d, 0x0e: // string, JavaScript, symbol
			if err := need(4); err != nil {
				return nil, 0, err
			}
			l := int(binary.LittleEndian.Uint32(p))
			if l < 1 {
				return nil, 0, fmt.Errorf("bson string length %d", l)
			}
			if err := need(4 + l); err != nil {
				return nil, 0, err
			}
			v = string(p[4 : 4+l-1])
			used = 4 + l
		case 0x03, 0x04: // document, array
			doc, k, err := decodeBSONDepth(p, depth+1)
			if err != nil {
				return nil, 0, err
			}
			if t == 0x04 {
				arr := make([]any, 0, len(doc))
				for i := 0; ; i++ {
					e, ok := doc[fmt.Sprint(i)]
					if !ok {
						break
					}
					arr = append(arr, e)
				}
				v = arr
			} else {
				v = doc
			}
			used = k
		case 0x05:
			if err := need(5); err != nil {
				return nil, 0, err
			}
			l := int(binary.LittleEndian.Uint32(p))
			if err := need(5 + l); err != nil {
				return nil, 0, err
			}
			v = bsonBinary{Subtype: p[4], Data: append([]byte(nil), p[5:5+l]...)}
			used = 5 + l
		case 0x06, 0x0a, 0x7f, 0xff: // undefined, null, max key, min key
			v = nil
		case 0x07: // ObjectId
			if err := need(12); err != nil {
				return nil, 0, err
			}
			v = append([]byte(nil), p[:12]...)
			used = 12
		case 0x08:
			if err := need(1); err != nil {
				return nil, 0, err
			}
			v = p[0] != 0
			used = 1
		case 0x0b: // regex: two C strings
			e1 := bytes.IndexByte(p, 0)
			if e1 < 0 {
				return nil, 0, fmt.Errorf("bson regex truncated")
			}
			e2 := bytes.IndexByte(p[e1+1:], 0)
			if e2 < 0 {
				return nil, 0, fmt.Errorf("bson regex truncated")
			}
			v = string(p[:e1])
			used = e1 + 1 + e2 + 1
		case 0x10:
			if err := need(4); err != nil {
				return nil, 0, err
			}
			v = int32(binary.LittleEndian.Uint32(p))
			used = 4
		case 0x13: // decimal128
			if err := need(16); err != nil {
				return nil, 0, err
			}
			v = append([]byte(nil), p[:16]...)
			used = 16
		default:
			return nil, 0, fmt.Errorf("bson type 0x%02x of %q not supported", t, key)
		}
		out[key] = v
		p = p[used:]
	}
	return out, n, nil
}

// bsonNumber reads a numeric field as float64 (MongoDB answers ok as a
// double on most versions and as an int32 on some).
func bsonNumber(m map[string]any, k string) (float64, bool) {
	switch x := m[k].(type) {
	case float64:
		return x, true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
