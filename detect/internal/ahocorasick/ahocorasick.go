// Package ahocorasick finds many literal needles in one pass over a text:
// an Aho-Corasick automaton compiled into a dense DFA over byte classes.
// ASCII letters fold to one class, so the search is ASCII case-insensitive
// without lowering the text; needles must be given in lower case.
package ahocorasick

import "fmt"

// Hits receives the payloads of the needles found.
type Hits interface{ Hit(payload int32) }

// Matcher is a compiled automaton. It is immutable and safe for concurrent use.
type Matcher struct {
	class    [256]uint8
	nclass   int32
	delta    []int32 // state*nclass + class -> next state * nclass (negative: has outputs)
	outStart []int32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []int32
	states   int
	needles  int
}

// MaxStates bounds the automaton so that hostile rule sets cannot exhaust memory.
const MaxStates = 1 << 22

// Build compiles needles (lower case; empty ones are ignored) with the
// payload each reports when found. Several needles may share a payload; a
// payload is reported at most once per position.
func Build(needles []string, payloads []int32) (*Matcher, error) {
	if len(needles) != len(payloads) {
		return nil, fmt.Errorf("ahocorasick: %d needles but %d payloads", len(needles), len(payloads))
	}
	m := &Matcher{}
	// Byte classes: class 0 is every byte that occurs in no needle.
	var used [256]bool
	total := 0
	for _, n := range needles {
		total += len(n)
		for i := 0; i < len(n); i++ {
			used[fold(n[i])] = true
		}
	}
	if total+1 > MaxStates {
		return nil, fmt.Errorf("ahocorasick: needles too long (%d bytes)", total)
	}
	next := uint8(1)
	for b := 0; b < 256; b++ {
		if used[b] {
			if next == 0 {
				return nil, fmt.Errorf("ahocorasick: more than 255 distinct bytes")
			}
			m.class[b] = next
			next++
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		m.class[b] = m.class[b+'a'-'A']
	}
	nc := int32(next)
	m.nclass = nc

	// Trie with a dense goto table; -1 is "no edge".
	goTo := make([]int32, nc, int(nc)*(total/2+2))
	for i := range goTo {
		goTo[i] = -1
	}
	own := [][]int32{nil}
	for i, n := range needles {
		if n == "" {
			continue
		}
		s := int32(0)
		for j := 0; j < len(n); j++ {
			c := int32(m.class[n[j]])
			t := goTo[s*nc+c]
			if t < 0 {
				t = int32(len(own))
				own = append(own, nil)
				for k := int32(0); k < nc; k++ {
					goTo = append(goTo, -1)
				}
				goTo[s*nc+c] = t
			}
			s = t
		}
		if !containsInt(own[s], payloads[i]) {
			own[s] = append(own[s], payloads[i])
		}
		m.needles++
	}
	states := len(own)
	m.states = states

	// Breadth-first: failure links, full transitions, merged outputs.
	fail := make([]int32, states)
	outs := make([][]int32, states)
	outs[0] = own[0]
	queue := make([]int32, 0, states)
	for c := int32(0); c < nc; c++ {
		t := goTo[c]
		if t < 0 {
			goTo[c] = 0
			continue
		}
		fail[t] = 0
		queue = append(queue, t)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = mergeOutputs(own[s], outs[fail[s]])
		for c := int32(0); c < nc; c++ {
			t := goTo[s*nc+c]
			if t < 0 {
				goTo[s*nc+c] = goTo[fail[s]*nc+c]
				continue
			}
			fail[t] = goTo[fail[s]*nc+c]
			queue = append(queue, t)
		}
	}
	// Renumber the states in breadth-first order: the shallow states, where a
	// scan spends most of its steps, share the first rows of the table and
	// stay in cache. Then premultiply the targets by nclass so the scan loop
	// avoids a multiply, and flag targets that have outputs by negating them.
	order := append([]int32{0}, queue...)
	perm := make([]int32, states)
	for newIdx, old := range order {
		perm[old] = int32(newIdx)
	}
	m.delta = make([]int32, len(goTo))
	m.outStart = make([]int32, states+1)
	for newIdx, old := range order {
		row := goTo[old*nc : old*nc+nc]
		dst := m.delta[int32(newIdx)*nc : int32(newIdx)*nc+nc]
		for c, t := range row {
			if len(outs[t]) > 0 {
				dst[c] = -(perm[t] * nc) - 1
			} else {
				dst[c] = perm[t] * nc
			}
		}
		m.outStart[newIdx] = int32(len(m.outs))
		m.outs = append(m.outs, outs[old]...)
	}
	m.outStart[states] = int32(len(m.outs))
	return m, nil
}

func fold(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func containsInt(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func mergeOutputs(a, b []int32) []int32 {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]int32, len(a), len(a)+len(b))
	copy(out, a)
	for _, v := range b {
		if !containsInt(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Scan reports every payload whose needle occurs in text. ASCII letters
// match regardless of case; other bytes must match exactly (lower the text
// first when it holds non-ASCII letters).
func (m *Matcher) Scan(text string, h Hits) {
	if m == nil || m.states <= 1 {
		return
	}
	delta, class, nc := m.delta, &m.class, m.nclass
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = delta[s+int32(class[text[i]])]
		if s < 0 {
			s = -s - 1
			st := s / nc
			for _, p := range m.outs[m.outStart[st]:m.outStart[st+1]] {
				h.Hit(p)
			}
		}
	}
}

// States returns the number of automaton states.
func (m *Matcher) States() int { return m.states }

// Needles returns the number of needles compiled.
func (m *Matcher) Needles() int { return m.needles }

// Bytes estimates the memory the automaton holds.
func (m *Matcher) Bytes() int {
	return 4*len(m.delta) + 4*len(m.outStart) + 4*len(m.outs)
}
