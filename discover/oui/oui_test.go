package oui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/discover/decode"
	"bianque/internal/testutil"
)

func TestBuiltinMatchesIEEERegistry(t *testing.T) {
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "oui", "ieee-oui.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ieee, err := Load(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != ieee.Len() || tab.Len() < 30000 {
		t.Fatalf("builtin has %d prefixes, registry %d", tab.Len(), ieee.Len())
	}
	for k, v := range ieee.l {
		if tab.l[k] != v {
			t.Fatalf("prefix %06x: builtin %q, registry %q", k, tab.l[k], v)
		}
	}
}

func TestLookup(t *testing.T) {
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ mac, want string }{
		{"c4:61:8b:35:82:a9", "Apple, Inc."},
		{"00:0c:29:b1:5a:6c", "VMware, Inc."},
		{"b8:27:eb:b8:53:c8", "Raspberry Pi Foundation"},
		{"c6:2c:03:60:6a:64", ""}, // locally administered
		{"01:00:5e:00:00:fb", ""}, // group address
	} {
		m, ok := decode.ParseMAC(c.mac)
		if !ok {
			t.Fatalf("parse %s", c.mac)
		}
		got, _ := tab.Lookup(m)
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.mac, got, c.want)
		}
	}
}

func TestLoadMoreSpecificAssignments(t *testing.T) {
	csv := "Registry,Assignment,Organization Name,Organization Address\n" +
		"MA-L,001122,Big Maker,addr\nMA-M,0011223,Medium Maker,addr\nMA-S,001122334,Small Maker,addr\n"
	tab, err := Load(nil, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ mac, want string }{
		{"00:11:22:33:44:55", "Small Maker"},
		{"00:11:22:33:55:55", "Medium Maker"},
		{"00:11:22:44:55:66", "Big Maker"},
	} {
		m, _ := decode.ParseMAC(c.mac)
		if got, _ := tab.Lookup(m); got != c.want {
			t.Errorf("%s: got %q, want %q", c.mac, got, c.want)
		}
	}
}
