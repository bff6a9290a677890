package event

import (
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// A field holds its key and a reference to its value: the value's kind and
// where it is. Strings, integers, times and string lists live in slabs of
// their own type, the first of each inside the event's block (store.go);
// other values (floats, objects, lists of any) are kept as interfaces in a
// slab of their own. Get builds the interface over the slab slot, which
// costs no allocation, where boxing a string or an int64 into an
// interface costs one each — half of what parsing a firewall log allocated
// before. A slot is written once, before any interface over it exists, and
// never again — Set of the same key takes a new slot — so the interfaces
// are as immutable as ones the compiler builds, and the garbage collector
// keeps a slab alive while any of its interfaces is reachable. When a slab
// is full it grows by copying, as append does: the old array stays valid
// for the interfaces that point into it.

const slabSize = 32

// listRoom is the capacity of a string list started in the string slab
// (related.* fields rarely hold more).
const listRoom = 4

// Value kinds (the low byte of a ref; the rest is a slab index or the
// value itself).
const (
	kindString   = iota + 1 // e.strs[i]
	kindEmpty               // ""
	kindInt                 // e.ints[i]
	kindSmallInt            // i, 0 to 255
	kindBool                // i, 0 or 1
	kindTime                // e.times[i]
	kindList                // e.lists[i]
	kindAny                 // e.anys[i]
)

func ref(kind uint8, i int) uint64 { return uint64(i)<<8 | uint64(kind) }

// eface is the layout of an empty interface (runtime.eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var (
	stringType = typeOf("")
	int64Type  = typeOf(int64(0))
	boolType   = typeOf(false)
	timeType   = typeOf(time.Time{})
	listType   = typeOf([]string(nil))

	emptyString string
	smallInts   = func() (t [256]int64) {
		for i := range t {
			t[i] = int64(i)
		}
		return t
	}()
	bools = [2]bool{false, true}
)

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// boxAt returns an interface of dynamic type typ holding *p.
func boxAt(typ, p unsafe.Pointer) any {
	var x any
	ef := (*eface)(unsafe.Pointer(&x))
	ef.typ, ef.data = typ, p
	return x
}

// value returns the value r refers to as an interface.
func (e *Event) value(r uint64) any {
	i := r >> 8
	switch r & 0xff {
	case kindString:
		return boxAt(stringType, unsafe.Pointer(&e.strs[i]))
	case kindEmpty:
		return boxAt(stringType, unsafe.Pointer(&emptyString))
	case kindInt:
		return boxAt(int64Type, unsafe.Pointer(&e.ints[i]))
	case kindSmallInt:
		return boxAt(int64Type, unsafe.Pointer(&smallInts[i&0xff]))
	case kindBool:
		return boxAt(boolType, unsafe.Pointer(&bools[i&1]))
	case kindTime:
		return boxAt(timeType, unsafe.Pointer(&e.times[i]))
	case kindList:
		return boxAt(listType, unsafe.Pointer(&e.lists[i]))
	case kindAny:
		return e.anys[i]
	}
	return nil
}

// refOf stores v in the slab of its type and returns the reference to it.
// v is nil or normalized (see normalize).
func (e *Event) refOf(v any) uint64 {
	switch x := v.(type) {
	case string:
		return e.strRef(x)
	case int64:
		return e.intRef(x)
	case bool:
		if x {
			return ref(kindBool, 1)
		}
		return ref(kindBool, 0)
	case time.Time:
		return e.timeRef(x)
	case []string:
		return e.listRef(x)
	}
	e.anys = append(e.anys, v)
	return ref(kindAny, len(e.anys)-1)
}

func (e *Event) strRef(s string) uint64 {
	if s == "" {
		return ref(kindEmpty, 0)
	}
	e.strs = append(e.strs, s)
	return ref(kindString, len(e.strs)-1)
}

func (e *Event) intRef(n int64) uint64 {
	if n >= 0 && n < 256 {
		return ref(kindSmallInt, int(n))
	}
	e.ints = append(e.ints, n)
	return ref(kindInt, len(e.ints)-1)
}

func (e *Event) timeRef(t time.Time) uint64 {
	e.times = append(e.times, t)
	return ref(kindTime, len(e.times)-1)
}

func (e *Event) listRef(l []string) uint64 {
	e.lists = append(e.lists, l)
	return ref(kindList, len(e.lists)-1)
}

// newList returns the list [s] with room to grow, carved from the string
// slab when it has room: the slots are the list's alone (no reference
// points to them), and appending past them moves the list to the heap as
// append does.
func (e *Event) newList(s string) []string {
	n := len(e.strs)
	if cap(e.strs)-n < listRoom {
		l := make([]string, 1, 2)
		l[0] = s
		return l
	}
	e.strs = e.strs[:n+listRoom]
	l := e.strs[n : n+1 : n+listRoom]
	l[0] = s
	return l
}

// alloc returns n bytes of the event's byte slab, for strings the event
// builds (lower-cased or joined values). The bytes are written once, before
// the string over them exists.
func (e *Event) alloc(n int) []byte {
	if cap(e.bytes)-len(e.bytes) < n {
		if n > slabSize*4 {
			return make([]byte, n)
		}
		e.bytes = make([]byte, 0, slabSize*8)
	}
	b := e.bytes[len(e.bytes) : len(e.bytes)+n]
	e.bytes = e.bytes[:len(e.bytes)+n]
	return b
}

// SetLower sets key to s in lower case unless s is empty; an ASCII value
// that is not lower case already is copied into the event's byte slab
// instead of a string of its own.
func (e *Event) SetLower(key, s string) {
	upper := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			e.SetString(key, strings.ToLower(s))
			return
		}
		if upper < 0 && 'A' <= c && c <= 'Z' {
			upper = i
		}
	}
	if upper < 0 {
		e.SetString(key, s)
		return
	}
	b := e.alloc(len(s))
	copy(b, s[:upper])
	for i := upper; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	e.SetString(key, unsafe.String(&b[0], len(b)))
}

// SetConcat sets key to the concatenation of parts unless it is empty,
// building it in the event's byte slab.
func (e *Event) SetConcat(key string, parts ...string) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return
	}
	b := e.alloc(n)[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	e.SetString(key, unsafe.String(&b[0], len(b)))
}

// SetInt sets key to n.
func (e *Event) SetInt(key string, n int64) { e.put(key, e.intRef(n)) }
