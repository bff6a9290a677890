package detect

import (
	"slices"

	"bianque/event"
)

// scratch is the per-event working state of one match call. It is reused
// through a sync.Pool; every cache is stamped with a generation number so
// nothing needs clearing between events, and lower-cased field values are
// written into per-field buffers that are reused, so steady-state matching
// does not allocate for lower-casing.
type scratch struct {
	rs   *RuleSet
	ev   *event.Event
	plan *classPlan
	gen  uint32

	vals    []fval
	itemGen []uint32
	itemRes []bool
	candGen []uint32
	cands   []int32
	out     []int32

	allGen    uint32
	allLowGen uint32
	allRaw    []string
	allLow    []string
	allBuf    []byte
	ends      []int
	kwBuf     []byte
	hit       anyHit
}

// fval is the cached value of one Sigma field for the current event.
type fval struct {
	gen uint32
	ok  bool
	raw any
	key string   // the event key the value was read from
	str string   // the scalar value (or the first element of a list)
	lst []string // list elements, nil for scalars
	own []string // storage for converted lists

	lowGen uint32
	low    string
	lowLst []string
	buf    []byte

	numGen uint32
	num    float64
	numOK  bool
}

func (e *Engine) getScratch(rs *RuleSet) *scratch {
	d, _ := e.scratch.Get().(*scratch)
	if d == nil {
		d = &scratch{}
	}
	if d.rs != rs {
		d.rs = rs
		d.vals = make([]fval, len(rs.fields))
		d.itemGen = make([]uint32, len(rs.items))
		d.itemRes = make([]bool, len(rs.items))
		d.candGen = make([]uint32, len(rs.rules))
		d.gen = 0
		d.allGen, d.allLowGen = 0, 0
	}
	return d
}

func (d *scratch) begin(ev *event.Event, plan *classPlan) {
	d.ev = ev
	d.plan = plan
	d.gen++
	if d.gen == 0 {
		// Wrapped around: forget every stamp.
		for i := range d.vals {
			d.vals[i].gen, d.vals[i].lowGen, d.vals[i].numGen = 0, 0, 0
		}
		clear(d.itemGen)
		clear(d.candGen)
		d.allGen, d.allLowGen = 0, 0
		d.gen = 1
	}
}

// field returns the value of a Sigma field in the current event.
func (d *scratch) field(fid int32) *fval {
	v := &d.vals[fid]
	if v.gen == d.gen {
		return v
	}
	v.gen = d.gen
	v.ok = false
	v.lst = nil
	for _, k := range d.plan.keys[fid] {
		raw, ok := d.ev.Get(k)
		if !ok {
			continue
		}
		if v.set(raw) {
			v.key = k
			break
		}
	}
	return v
}

// set stores raw as the value; it reports false for values that cannot be
// read as strings (objects), so the next key is tried.
func (v *fval) set(raw any) bool {
	switch x := raw.(type) {
	case string:
		v.str = x
	case []string:
		if len(x) == 0 {
			return false
		}
		v.lst = x
		v.str = x[0]
	case []any:
		v.own = v.own[:0]
		for _, el := range x {
			if s, ok := event.Stringify(el); ok {
				v.own = append(v.own, s)
			}
		}
		if len(v.own) == 0 {
			return false
		}
		v.lst = v.own
		v.str = v.own[0]
	default:
		s, ok := event.Stringify(raw)
		if !ok {
			return false
		}
		v.str = s
	}
	v.raw = raw
	v.ok = true
	return true
}

// lower fills the lower-cased forms of v.
func (d *scratch) lower(v *fval) {
	if v.lowGen == d.gen {
		return
	}
	v.lowGen = d.gen
	if v.lst == nil {
		if !needsLower(v.str) {
			v.low = v.str
			return
		}
		v.buf = appendLower(v.buf[:0], v.str)
		v.low = bytesString(v.buf)
		return
	}
	v.buf = v.buf[:0]
	d.ends = d.ends[:0]
	for _, s := range v.lst {
		v.buf = appendLower(v.buf, s)
		d.ends = append(d.ends, len(v.buf))
	}
	v.lowLst = v.lowLst[:0]
	start := 0
	for _, end := range d.ends {
		v.lowLst = append(v.lowLst, bytesString(v.buf[start:end]))
		start = end
	}
	v.low = v.lowLst[0]
}

// values calls fn for every string of v (each list element), lowered or not.
func (d *scratch) each(v *fval, lowered bool, fn func(string) bool) bool {
	if lowered {
		d.lower(v)
		if v.lst == nil {
			return fn(v.low)
		}
		for _, s := range v.lowLst {
			if fn(s) {
				return true
			}
		}
		return false
	}
	if v.lst == nil {
		return fn(v.str)
	}
	for _, s := range v.lst {
		if fn(s) {
			return true
		}
	}
	return false
}

// rawValues returns every string value of the event (for keyword searches).
func (d *scratch) rawValues() []string {
	if d.allGen == d.gen {
		return d.allRaw
	}
	d.allGen = d.gen
	d.allRaw = d.allRaw[:0]
	d.ev.Range(func(_ string, val any) bool {
		switch x := val.(type) {
		case string:
			d.allRaw = append(d.allRaw, x)
		case []string:
			d.allRaw = append(d.allRaw, x...)
		case []any:
			for _, el := range x {
				if s, ok := event.Stringify(el); ok {
					d.allRaw = append(d.allRaw, s)
				}
			}
		default:
			if s, ok := event.Stringify(val); ok {
				d.allRaw = append(d.allRaw, s)
			}
		}
		return true
	})
	return d.allRaw
}

// allValues returns every string value of the event, raw and lower-cased.
func (d *scratch) allValues() (raw, low []string) {
	raw = d.rawValues()
	if d.allLowGen == d.gen {
		return raw, d.allLow
	}
	d.allLowGen = d.gen
	d.allBuf = d.allBuf[:0]
	d.ends = d.ends[:0]
	for _, s := range raw {
		d.allBuf = appendLower(d.allBuf, s)
		d.ends = append(d.ends, len(d.allBuf))
	}
	d.allLow = d.allLow[:0]
	start := 0
	for _, end := range d.ends {
		d.allLow = append(d.allLow, bytesString(d.allBuf[start:end]))
		start = end
	}
	return raw, d.allLow
}

// scanKeywords runs a keyword automaton over the values of the event. The
// ASCII automaton skips values a field automaton has scanned already (its
// needles are in there too); the non-ASCII one reads only non-ASCII values.
func (d *scratch) scanKeywords(sc *fieldScan) {
	scan := func(s string) {
		switch {
		case isASCII(s):
			if !sc.nonASCII {
				sc.ac.Scan(s, d)
			}
		default:
			d.kwBuf = appendLower(d.kwBuf[:0], s)
			sc.ac.Scan(bytesString(d.kwBuf), d)
		}
	}
	d.ev.Range(func(k string, val any) bool {
		if !sc.nonASCII {
			if fid, ok := d.plan.keyFid[k]; ok {
				if v := &d.vals[fid]; v.gen == d.gen && v.ok && v.key == k {
					return true
				}
			}
		}
		switch x := val.(type) {
		case string:
			scan(x)
		case []string:
			for _, s := range x {
				scan(s)
			}
		case []any:
			for _, el := range x {
				if s, ok := event.Stringify(el); ok {
					scan(s)
				}
			}
		default:
			if s, ok := event.Stringify(val); ok {
				scan(s)
			}
		}
		return true
	})
}

// Hit marks a rule as a candidate (the prefilter's callback).
func (d *scratch) Hit(rule int32) {
	if d.candGen[rule] != d.gen {
		d.candGen[rule] = d.gen
		d.cands = append(d.cands, rule)
	}
}

// candidates runs the prefilter and returns the rules to evaluate, in rule order.
func (d *scratch) candidates() []int32 {
	p := d.plan
	d.cands = d.cands[:0]
	for i := range p.scans {
		sc := &p.scans[i]
		if sc.fid < 0 {
			d.scanKeywords(sc)
			continue
		}
		v := d.field(sc.fid)
		if !v.ok {
			continue
		}
		if v.lst == nil {
			switch {
			case isASCII(v.str):
				if !sc.nonASCII {
					sc.ac.Scan(v.str, d)
				}
			default:
				d.lower(v)
				sc.ac.Scan(v.low, d)
			}
			continue
		}
		d.lower(v)
		for _, s := range v.lowLst {
			if sc.nonASCII && isASCII(s) {
				continue
			}
			sc.ac.Scan(s, d)
		}
	}
	if len(d.cands) == 0 {
		return p.always
	}
	if len(p.always) == 0 {
		slices.Sort(d.cands)
		return d.cands
	}
	slices.Sort(d.cands)
	d.out = d.out[:0]
	a, b := p.always, d.cands
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			d.out = append(d.out, a[0])
			a = a[1:]
		} else {
			d.out = append(d.out, b[0])
			b = b[1:]
		}
	}
	d.out = append(d.out, a...)
	d.out = append(d.out, b...)
	return d.out
}
