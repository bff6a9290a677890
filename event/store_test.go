package event

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// model is the reference the field store is checked against: a map and the
// order keys were first set in.
type model struct {
	vals  map[string]any
	order []string
}

func (m *model) set(k string, v any) {
	if _, ok := m.vals[k]; !ok {
		m.order = append(m.order, k)
	}
	m.vals[k] = v
}

func (m *model) del(k string) {
	if _, ok := m.vals[k]; !ok {
		return
	}
	delete(m.vals, k)
	m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == k })
}

// storeKey names key i of a universe large enough to grow past every block.
func storeKey(i int) string {
	switch i % 4 {
	case 0:
		return "source.k" + strconv.Itoa(i)
	case 1:
		return "destination.field." + strconv.Itoa(i)
	case 2:
		return strconv.Itoa(i)
	}
	return "vendor.some.long.nested.key.name." + strconv.Itoa(i*7919)
}

// runStoreOps interprets ops as Set, SetString, SetInt, Delete and Get
// operations on an event of capacity hint n and checks every result
// against the model.
func runStoreOps(t *testing.T, n int, universe int, ops []byte) {
	t.Helper()
	e := New(n)
	if n < 0 {
		e = &Event{} // the zero value is usable too
	}
	m := &model{vals: map[string]any{}}
	type read struct {
		key       string
		got, want any
	}
	var held []read // values read earlier must never change
	for i := 0; i+1 < len(ops); i += 2 {
		k := storeKey(int(ops[i+1]) % universe)
		switch ops[i] % 8 {
		case 0:
			v := "s" + strconv.Itoa(i)
			e.SetString(k, v)
			m.set(k, v)
		case 1:
			v := "k" + strconv.Itoa(i)
			e.SetStringKey(NewKey(k), v)
			m.set(k, v)
		case 2:
			v := int64(i) * 1000
			if i%4 == 0 {
				e.SetIntKey(NewKey(k), v)
			} else {
				e.SetInt(k, v)
			}
			m.set(k, v)
		case 3:
			e.Set(k, i%2 == 0)
			m.set(k, i%2 == 0)
		case 4:
			e.Delete(k)
			m.del(k)
		case 5:
			e.Set(k, nil) // deletes
			m.del(k)
		case 6:
			ts := time.Unix(int64(i), 0).UTC()
			e.SetTime(k, ts)
			m.set(k, ts)
		case 7:
			got, ok := e.Get(k)
			want, wok := m.vals[k]
			if ok != wok || ok && got != want {
				t.Fatalf("op %d: Get(%q) = %v, %v; want %v, %v", i, k, got, ok, want, wok)
			}
			if ok {
				held = append(held, read{k, got, want})
			}
		}
		if e.Len() != len(m.vals) {
			t.Fatalf("op %d: Len = %d, want %d", i, e.Len(), len(m.vals))
		}
	}
	for k, want := range m.vals {
		if got, ok := e.Get(k); !ok || got != want {
			t.Fatalf("Get(%q) = %v, %v; want %v", k, got, ok, want)
		}
		if !e.Has(k) {
			t.Fatalf("Has(%q) = false", k)
		}
	}
	for j := 0; j < universe; j++ {
		k := storeKey(j)
		if _, ok := m.vals[k]; !ok && e.Has(k) {
			t.Fatalf("Has(%q) = true for a key never set or deleted", k)
		}
	}
	var order []string
	e.Range(func(k string, v any) bool {
		if v != m.vals[k] {
			t.Fatalf("Range: %q = %v, want %v", k, v, m.vals[k])
		}
		order = append(order, k)
		return true
	})
	if !slices.Equal(order, m.order) {
		t.Fatalf("Range order %q, want %q", order, m.order)
	}
	keys := e.Keys()
	want := slices.Clone(m.order)
	slices.SortFunc(want, ComparePaths)
	if !slices.Equal(keys, want) {
		t.Fatalf("Keys %q, want %q", keys, want)
	}
	for _, h := range held {
		if h.got != h.want {
			t.Fatalf("value read from %s changed to %v, want %v", h.key, h.got, h.want)
		}
	}
	c := e.Clone()
	if c.Len() != e.Len() {
		t.Fatalf("Clone Len = %d, want %d", c.Len(), e.Len())
	}
	for k, v := range m.vals {
		if got, _ := c.Get(k); got != v {
			t.Fatalf("Clone Get(%q) = %v, want %v", k, got, v)
		}
	}
}

func TestStoreRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		ops := make([]byte, 2*r.IntN(600))
		for i := range ops {
			ops[i] = byte(r.Uint32())
		}
		n := []int{-1, 0, 8, 16, 24, 48, 64, 100}[round%8]
		universe := []int{3, 20, 70, 256}[round%4]
		runStoreOps(t, n, universe, ops)
	}
}

func FuzzStore(f *testing.F) {
	f.Add(48, 70, []byte{0, 1, 0, 2, 4, 1, 7, 2, 0, 1})
	f.Add(0, 256, []byte{2, 1, 2, 3, 5, 3, 6, 9, 7, 9})
	f.Fuzz(func(t *testing.T, n, universe int, ops []byte) {
		universe = 1 + abs(universe)%256
		runStoreOps(t, abs(n)%200-1, universe, ops)
	})
}

func abs(n int) int {
	if n < 0 {
		if -n < 0 {
			return 0
		}
		return -n
	}
	return n
}

func TestBoxedValuesStayPut(t *testing.T) {
	e := New(48)
	e.SetString("a", "one")
	e.SetInt("n", 100000)
	e.SetTimestamp(time.Unix(5, 0))
	e.AppendUnique(RelatedIP, "1.1.1.1")
	a, _ := e.Get("a")
	n, _ := e.Get("n")
	ts, _ := e.Get(Timestamp)
	l, _ := e.Get(RelatedIP)
	e.SetString("a", "two")
	e.SetInt("n", 200000)
	e.SetTimestamp(time.Unix(6, 0))
	e.AppendUnique(RelatedIP, "2.2.2.2")
	for i := 0; i < 200; i++ { // past the first slabs
		e.SetString("k"+strconv.Itoa(i), "v")
		e.SetInt("i"+strconv.Itoa(i), int64(1000+i))
	}
	if a != "one" || n != int64(100000) || !ts.(time.Time).Equal(time.Unix(5, 0)) || len(l.([]string)) != 1 {
		t.Fatalf("held values changed: %v %v %v %v", a, n, ts, l)
	}
	if got := e.Str("a"); got != "two" {
		t.Fatalf("a = %q", got)
	}
	if got, _ := e.Int("n"); got != 200000 {
		t.Fatalf("n = %d", got)
	}
	if got, _ := e.Get(RelatedIP); !slices.Equal(got.([]string), []string{"1.1.1.1", "2.2.2.2"}) {
		t.Fatalf("related.ip = %v", got)
	}
}

func TestAppendUniqueGrowsPastSlab(t *testing.T) {
	e := New(0)
	var want []string
	for i := 0; i < 40; i++ {
		s := strconv.Itoa(i % 25)
		e.AppendUnique(RelatedHosts, s)
		if !slices.Contains(want, s) {
			want = append(want, s)
		}
		e.SetString("x"+strconv.Itoa(i), "y") // compete for the string slab
	}
	got, _ := e.Get(RelatedHosts)
	if !slices.Equal(got.([]string), want) {
		t.Fatalf("related.hosts = %v, want %v", got, want)
	}
	e.SetString("s", "a")
	e.AppendUnique("s", "b")
	e.AppendUnique("s", "a")
	if got, _ := e.Get("s"); !slices.Equal(got.([]string), []string{"a", "b"}) {
		t.Fatalf("s = %v", got)
	}
}

func TestValueKinds(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	obj := map[string]any{"z": 1}
	vals := map[string]any{
		"s": "text", "empty": "", "small": int64(7), "neg": int64(-7), "big": int64(1 << 40),
		"int": 300, "u8": uint8(9), "f": 1.5, "f32": float32(2), "t": true, "fl": false, "ts": ts,
		"list": []string{"a", "b"}, "anys": []any{"x", int64(1)}, "obj": obj,
	}
	want := map[string]any{"int": int64(300), "u8": int64(9), "f32": float64(2)}
	e := New(0)
	for k, v := range vals {
		e.Set(k, v)
	}
	check := func(name string, e *Event) {
		t.Helper()
		if e.Len() != len(vals) {
			t.Fatalf("%s: Len = %d", name, e.Len())
		}
		for k, v := range vals {
			if w, ok := want[k]; ok {
				v = w
			}
			got, ok := e.Get(k)
			if !ok {
				t.Fatalf("%s: %s missing", name, k)
			}
			switch v.(type) {
			case []string, []any, map[string]any:
				if fmt.Sprint(got) != fmt.Sprint(v) {
					t.Fatalf("%s: %s = %#v, want %#v", name, k, got, v)
				}
			default:
				if got != v {
					t.Fatalf("%s: %s = %#v (%T), want %#v (%T)", name, k, got, got, v, v)
				}
			}
		}
		if s, ok := e.String("small"); !ok || s != "7" {
			t.Fatalf("%s: String(small) = %q", name, s)
		}
		if s, ok := e.String("empty"); !ok || s != "" {
			t.Fatalf("%s: String(empty) = %q, %v", name, s, ok)
		}
		if n, ok := e.Int("big"); !ok || n != 1<<40 {
			t.Fatalf("%s: Int(big) = %d", name, n)
		}
		if got, _ := e.Time("ts"); !got.Equal(ts) {
			t.Fatalf("%s: Time(ts) = %v", name, got)
		}
	}
	check("event", e)
	c := e.Clone()
	check("clone", c)
	c.AppendUnique("list", "c")
	c.AppendUnique("anys", "y")
	if got, _ := e.Get("list"); len(got.([]string)) != 2 {
		t.Fatalf("clone shares its list: %v", got)
	}
	if got, _ := e.Get("anys"); len(got.([]any)) != 2 {
		t.Fatalf("clone shares its list: %v", got)
	}
	if got, _ := c.Get("anys"); len(got.([]any)) != 3 {
		t.Fatalf("AppendUnique on []any: %v", got)
	}
	b, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	e2, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := e2.MarshalJSON()
	if string(b) != string(b2) {
		t.Fatalf("round trip:\n%s\n%s", b, b2)
	}
}

func TestSetList(t *testing.T) {
	e := New(48)
	e.SetList("a", "x", "y")
	e.SetString("s", "kept")
	e.SetList("empty")
	e.AppendUnique("a", "z") // must not overwrite the slot after the list
	if got, _ := e.Get("a"); !slices.Equal(got.([]string), []string{"x", "y", "z"}) {
		t.Fatalf("a = %v", got)
	}
	if got := e.Str("s"); got != "kept" {
		t.Fatalf("s = %q", got)
	}
	if got, ok := e.Get("empty"); !ok || len(got.([]string)) != 0 {
		t.Fatalf("empty = %#v, %v", got, ok)
	}
	vals := []string{"p", "q"}
	e.SetList("b", vals...)
	vals[0] = "changed"
	if got, _ := e.Get("b"); got.([]string)[0] != "p" {
		t.Fatalf("SetList kept the caller's slice: %v", got)
	}
	for i := 0; i < 40; i++ { // past the string slab
		e.SetList("l"+strconv.Itoa(i), "v", strconv.Itoa(i))
	}
	if got, _ := e.Get("l39"); !slices.Equal(got.([]string), []string{"v", "39"}) {
		t.Fatalf("l39 = %v", got)
	}
}
