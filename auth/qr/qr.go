// Package qr encodes text as a QR code (ISO/IEC 18004, Model 2) for the TOTP
// enrolment page: byte mode, versions 1–40, all four error-correction levels,
// automatic mask selection by the standard's penalty rules. It renders to SVG
// so the portal needs no image library and no script.
package qr

import (
	"errors"
	"fmt"
	"strings"
)

// Level is the error-correction level.
type Level int

// Error-correction levels, from about 7% to about 30% recoverable.
const (
	L Level = iota
	M
	Q
	H
)

// formatBits are the two level bits of the format information (not in L, M, Q, H order).
var formatBits = [4]int{1, 0, 3, 2}

// eccPerBlock and numBlocks are the standard's table 9, indexed [level][version].
var eccPerBlock = [4][41]int{
	{-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	{-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

var numBlocks = [4][41]int{
	{-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	{-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	{-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	{-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// ErrTooLong is returned when the text does not fit in a version-40 symbol.
var ErrTooLong = errors.New("qr: text too long for a QR code")

// Code is an encoded symbol.
type Code struct {
	Version int
	Level   Level
	Mask    int
	Size    int      // modules per side: 17 + 4 × Version
	modules [][]bool // [y][x], true = dark
	isFunc  [][]bool
}

// Dark reports whether the module at column x, row y is dark; outside the
// symbol everything is light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return false
	}
	return c.modules[y][x]
}

// Encode encodes data in byte mode at level lv with the smallest version that
// fits and the mask of lowest penalty.
func Encode(data []byte, lv Level) (*Code, error) { return EncodeMask(data, lv, -1) }

// EncodeMask is Encode with a fixed mask (0–7); -1 chooses automatically.
func EncodeMask(data []byte, lv Level, mask int) (*Code, error) {
	if lv < L || lv > H {
		return nil, fmt.Errorf("qr: unknown level %d", lv)
	}
	if mask < -1 || mask > 7 {
		return nil, fmt.Errorf("qr: mask %d out of range", mask)
	}
	version := 0
	for v := 1; v <= 40; v++ {
		if bitsNeeded(len(data), v) <= dataCodewords(v, lv)*8 {
			version = v
			break
		}
	}
	if version == 0 {
		return nil, ErrTooLong
	}
	codewords := addECC(dataBits(data, version, lv), version, lv)

	c := &Code{Version: version, Level: lv, Size: 17 + 4*version}
	c.modules = grid(c.Size)
	c.isFunc = grid(c.Size)
	c.drawFunctionPatterns()
	c.drawCodewords(codewords)
	if mask < 0 {
		best := -1
		for m := 0; m < 8; m++ {
			c.applyMask(m)
			c.drawFormat(m)
			if p := c.penalty(); best < 0 || p < best {
				best, mask = p, m
			}
			c.applyMask(m) // XOR again undoes it
		}
	}
	c.Mask = mask
	c.applyMask(mask)
	c.drawFormat(mask)
	return c, nil
}

func grid(n int) [][]bool {
	g := make([][]bool, n)
	for i := range g {
		g[i] = make([]bool, n)
	}
	return g
}

func charCountBits(version int) int {
	if version <= 9 {
		return 8
	}
	return 16
}

func bitsNeeded(n, version int) int {
	if n >= 1<<charCountBits(version) {
		return 1 << 30
	}
	return 4 + charCountBits(version) + 8*n
}

// rawModules is the number of modules available for data and ECC bits.
func rawModules(v int) int {
	r := (16*v+128)*v + 64
	if v >= 2 {
		n := v/7 + 2
		r -= (25*n-10)*n - 55
		if v >= 7 {
			r -= 36
		}
	}
	return r
}

func dataCodewords(v int, lv Level) int {
	return rawModules(v)/8 - eccPerBlock[lv][v]*numBlocks[lv][v]
}

type bitBuffer struct {
	b []byte
	n int
}

func (bb *bitBuffer) put(val uint, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if bb.n%8 == 0 {
			bb.b = append(bb.b, 0)
		}
		if val>>uint(i)&1 == 1 {
			bb.b[bb.n/8] |= 0x80 >> uint(bb.n%8)
		}
		bb.n++
	}
}

// dataBits builds the data codewords: mode, count, bytes, terminator, padding.
func dataBits(data []byte, v int, lv Level) []byte {
	var bb bitBuffer
	bb.put(0x4, 4) // byte mode
	bb.put(uint(len(data)), charCountBits(v))
	for _, b := range data {
		bb.put(uint(b), 8)
	}
	capacity := dataCodewords(v, lv) * 8
	bb.put(0, min(4, capacity-bb.n))
	bb.put(0, (8-bb.n%8)%8)
	for pad := uint(0xEC); bb.n < capacity; pad ^= 0xEC ^ 0x11 {
		bb.put(pad, 8)
	}
	return bb.b
}

// addECC splits data into blocks, appends each block's Reed–Solomon
// remainder, and interleaves the blocks.
func addECC(data []byte, v int, lv Level) []byte {
	nb, ecLen := numBlocks[lv][v], eccPerBlock[lv][v]
	raw := rawModules(v) / 8
	numShort := nb - raw%nb
	shortLen := raw / nb
	gen := rsGenerator(ecLen)
	blocks := make([][]byte, nb)
	k := 0
	for i := range blocks {
		n := shortLen - ecLen
		if i >= numShort {
			n++
		}
		d := data[k : k+n]
		k += n
		b := append(append([]byte{}, d...), rsRemainder(d, gen)...)
		if i < numShort {
			// Short blocks get a placeholder at the data/ECC boundary so that
			// columns line up during interleaving; it is skipped below.
			b = append(b[:n], append([]byte{0}, b[n:]...)...)
		}
		blocks[i] = b
	}
	out := make([]byte, 0, raw)
	for i := 0; i < len(blocks[0]); i++ {
		for j, b := range blocks {
			if i != shortLen-ecLen || j >= numShort {
				out = append(out, b[i])
			}
		}
	}
	return out
}

func gfMul(x, y byte) byte {
	var z byte
	for i := 7; i >= 0; i-- {
		z = z<<1 ^ (z>>7)*0x1D
		z ^= (y >> uint(i) & 1) * x
	}
	return z
}

func rsGenerator(degree int) []byte {
	g := make([]byte, degree)
	g[degree-1] = 1
	root := byte(1)
	for i := 0; i < degree; i++ {
		for j := range g {
			g[j] = gfMul(g[j], root)
			if j+1 < degree {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

func rsRemainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, b := range data {
		f := b ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for j := range r {
			r[j] ^= gfMul(gen[j], f)
		}
	}
	return r
}

func (c *Code) setFunc(x, y int, dark bool) {
	c.modules[y][x] = dark
	c.isFunc[y][x] = true
}

func alignmentPositions(v int) []int {
	if v == 1 {
		return nil
	}
	n := v/7 + 2
	step := 26
	if v != 32 {
		step = (v*4 + n*2 + 1) / (n*2 - 2) * 2
	}
	pos := make([]int, n)
	pos[0] = 6
	for i, p := n-1, v*4+10; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

func (c *Code) drawFunctionPatterns() {
	n := c.Size
	for i := 0; i < n; i++ { // timing patterns
		c.setFunc(6, i, i%2 == 0)
		c.setFunc(i, 6, i%2 == 0)
	}
	for _, p := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} { // finders with separators
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := p[0]+dx, p[1]+dy
				if x < 0 || y < 0 || x >= n || y >= n {
					continue
				}
				d := max(abs(dx), abs(dy))
				c.setFunc(x, y, d != 2 && d != 4)
			}
		}
	}
	pos := alignmentPositions(c.Version)
	for i := range pos {
		for j := range pos {
			if i == 0 && j == 0 || i == 0 && j == len(pos)-1 || i == len(pos)-1 && j == 0 {
				continue // those corners hold finders
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					c.setFunc(pos[i]+dx, pos[j]+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	c.drawFormat(0) // reserve the format areas; redrawn once the mask is known
	if c.Version >= 7 {
		rem := c.Version
		for i := 0; i < 12; i++ {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := c.Version<<12 | rem
		for i := 0; i < 18; i++ {
			dark := bits>>uint(i)&1 == 1
			a, b := n-11+i%3, i/3
			c.setFunc(a, b, dark)
			c.setFunc(b, a, dark)
		}
	}
}

func (c *Code) drawFormat(mask int) {
	data := formatBits[c.Level]<<3 | mask
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>uint(i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		c.setFunc(8, i, bit(i))
	}
	c.setFunc(8, 7, bit(6))
	c.setFunc(8, 8, bit(7))
	c.setFunc(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		c.setFunc(14-i, 8, bit(i))
	}
	n := c.Size
	for i := 0; i < 8; i++ {
		c.setFunc(n-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		c.setFunc(8, n-15+i, bit(i))
	}
	c.setFunc(8, n-8, true) // the dark module
}

// drawCodewords places the bits in the zigzag order of the standard.
func (c *Code) drawCodewords(data []byte) {
	i, n := 0, c.Size
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < n; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = n - 1 - vert
				}
				if !c.isFunc[y][x] && i < len(data)*8 {
					c.modules[y][x] = data[i>>3]>>uint(7-i&7)&1 == 1
					i++
				}
			}
		}
	}
}

func maskBit(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

func (c *Code) applyMask(mask int) {
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.isFunc[y][x] && maskBit(mask, x, y) {
				c.modules[y][x] = !c.modules[y][x]
			}
		}
	}
}

// penalty scores the symbol by the four rules of the standard (§7.8.3).
func (c *Code) penalty() int {
	n := c.Size
	score := 0
	line := func(get func(i int) bool) {
		// Rule 1: runs of five or more of one colour.
		run := 1
		for i := 1; i <= n; i++ {
			if i < n && get(i) == get(i-1) {
				run++
				continue
			}
			if run >= 5 {
				score += 3 + run - 5
			}
			run = 1
		}
		// Rule 3: 1:1:3:1:1 finder-like pattern with four light modules on either side.
		pattern := []bool{true, false, true, true, true, false, true}
		for i := 0; i+7 <= n; i++ {
			match := true
			for k, want := range pattern {
				if get(i+k) != want {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			lightBefore, lightAfter := true, true
			for k := 1; k <= 4; k++ {
				if i-k >= 0 && get(i-k) {
					lightBefore = false
				}
				if i+6+k < n && get(i+6+k) {
					lightAfter = false
				}
			}
			if lightBefore {
				score += 40
			}
			if lightAfter {
				score += 40
			}
		}
	}
	for y := 0; y < n; y++ {
		line(func(i int) bool { return c.modules[y][i] })
	}
	for x := 0; x < n; x++ {
		line(func(i int) bool { return c.modules[i][x] })
	}
	// Rule 2: 2×2 blocks of one colour.
	dark := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			m := c.modules[y][x]
			if m {
				dark++
			}
			if x+1 < n && y+1 < n && m == c.modules[y][x+1] && m == c.modules[y+1][x] && m == c.modules[y+1][x+1] {
				score += 3
			}
		}
	}
	// Rule 4: balance of dark and light modules.
	total := n * n
	k := (abs(dark*20-total*10) + total - 1) / total
	score += max(k-1, 0) * 10
	return score
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// SVG renders the code as a standalone SVG image with a four-module quiet
// zone, each module scale pixels wide, as one path so that it stays small.
func (c *Code) SVG(scale int) string {
	if scale < 1 {
		scale = 1
	}
	const quiet = 4
	dim := (c.Size + 2*quiet) * scale
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, dim, dim, c.Size+2*quiet, c.Size+2*quiet)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.modules[y][x] {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

// String renders the code as text, "##" for dark modules, for terminals and tests.
func (c *Code) String() string {
	var b strings.Builder
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.modules[y][x] {
				b.WriteString("##")
			} else {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
