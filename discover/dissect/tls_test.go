package dissect

import "testing"

// TestJA4SpecExample rebuilds the example of the JA4 specification (FoxIO
// technical details): 15 ciphers, 16 extensions, ALPN h2, TLS 1.3.
func TestJA4SpecExample(t *testing.T) {
	h := &ClientHello{
		Version:    0x0303,
		Ciphers:    []uint16{0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		Extensions: []uint16{0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015},
		SigAlgs:    []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		Versions:   []uint16{0x2a2a, 0x0304, 0x0303},
		ALPN:       [][]byte{[]byte("h2"), []byte("http/1.1")},
	}
	if got := string(h.AppendJA4(nil, false, nil)); got != "t13d1516h2_8daaf6152771_e5627efa2ab1" {
		t.Fatalf("JA4 %s", got)
	}
	// Without signature algorithms the extension hash covers the list alone.
	h.SigAlgs = nil
	if got := string(h.AppendJA4(nil, false, nil)); got != "t13d1516h2_8daaf6152771_6d807ffa2a79" {
		t.Fatalf("JA4 without signature algorithms %s", got)
	}
}
