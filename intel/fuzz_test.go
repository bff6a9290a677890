package intel

import (
	"bytes"
	"os"
	"testing"
)

func seedFile(f *testing.F, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

func FuzzSTIXPattern(f *testing.F) {
	for _, p := range []string{
		`[ipv4-addr:value = '1.2.3.4']`,
		`([a:b = 'x'] OR [c:d IN ('y', 'z')]) FOLLOWEDBY [e:f.'g'[*].h > 1.5] WITHIN 60 SECONDS`,
		`[file:hashes.'SHA-256' = 'ab' AND NOT file:name = 'x\'y']`,
		`[windows-registry-key:key = 'HKLM\\x'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'`,
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		comps, err := ParseSTIXPattern(p)
		if err != nil {
			return
		}
		for _, c := range comps {
			if c.Object == "" || len(c.Path) == 0 || c.Op == "" {
				t.Fatalf("incomplete comparison %+v from %q", c, p)
			}
			c.indicator()
		}
	})
}

func FuzzParseSTIX(f *testing.F) {
	seedFile(f, "testdata/bundle.json")
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"indicator","id":"x","pattern":"[url:value = 'http://a/']","valid_from":"bad"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseSTIX(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		for _, in := range res.Indicators {
			if err := in.Validate(); err != nil {
				t.Fatalf("invalid indicator imported: %+v: %v", in, err)
			}
		}
	})
}

func FuzzParseMISPEvent(f *testing.F) {
	seedFile(f, "testdata/misp_event.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseMISPEvent(bytes.NewReader(data), Options{IncludeNonIDS: true})
		if err != nil {
			return
		}
		for _, in := range res.Indicators {
			if err := in.Validate(); err != nil {
				t.Fatalf("invalid indicator imported: %+v: %v", in, err)
			}
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	seedFile(f, "testdata/indicators.csv")
	f.Add([]byte("value\n1.2.3.4\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseCSV(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		for _, in := range res.Indicators {
			if err := in.Validate(); err != nil {
				t.Fatalf("invalid indicator imported: %+v: %v", in, err)
			}
		}
	})
}
