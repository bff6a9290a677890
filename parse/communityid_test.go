package parse

import (
	"net/netip"
	"testing"
)

// Test vectors from the Community ID specification's baseline.
func TestCommunityID(t *testing.T) {
	cases := []struct {
		src, dst     string
		proto        uint8
		sport, dport uint16
		want         string
	}{
		{"128.232.110.120", "66.35.250.204", 6, 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"66.35.250.204", "128.232.110.120", 6, 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
		{"192.168.0.1", "192.168.0.89", 1, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
	}
	for _, c := range cases {
		got := CommunityID(netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst), c.proto, c.sport, c.dport)
		if got != c.want {
			t.Errorf("%s:%d -> %s:%d/%d: %s, want %s", c.src, c.sport, c.dst, c.dport, c.proto, got, c.want)
		}
	}
}
