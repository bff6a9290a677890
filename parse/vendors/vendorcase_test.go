package vendors_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"bianque/event"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

// vendorCase is one message of a normalizer's table test: the fields it
// must produce (lists compare as their fmt form, in order).
type vendorCase struct {
	name string
	in   string
	want map[string]any
}

// assertVendorCases parses every case with the vendor's hint (and, when
// detect is set, without a hint, expecting the vendor to be detected) and
// checks the fields.
func assertVendorCases(t *testing.T, vendor string, detect bool, cases []vendorCase) {
	t.Helper()
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))})
	want, ok := p.Registry().Lookup(vendor)
	if !ok {
		t.Fatalf("vendor %q not registered", vendor)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := p.Parse([]byte(c.in), parse.Hint{Vendor: vendor})
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range c.want {
				got, ok := ev.Get(k)
				if w == nil {
					if ok {
						t.Errorf("%s = %v, want unset", k, got)
					}
					continue
				}
				if !ok {
					t.Errorf("%s unset, want %v", k, w)
					continue
				}
				if tm, isTime := got.(time.Time); isTime {
					got = tm.UTC().Format(time.RFC3339Nano)
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("%s = %#v, want %#v", k, got, w)
				}
			}
			if detect {
				_, v, err := p.Split([]byte(c.in), parse.Hint{})
				if err != nil {
					t.Fatal(err)
				}
				if v != want {
					name := "none"
					if v != nil {
						name = v.ID
					}
					t.Errorf("detected as %s, want %s", name, vendor)
				}
			}
		})
	}
}

// assertVendorRejects checks that the hinted vendor reports records that
// are not in its format as errors, with the event still holding the
// common fields (for the dead letter).
func assertVendorRejects(t *testing.T, vendor string, inputs ...string) {
	t.Helper()
	p := std.NewParser(parse.Options{})
	for _, in := range inputs {
		ev, err := p.Parse([]byte(in), parse.Hint{Vendor: vendor})
		if err == nil {
			t.Errorf("%s accepts %q", vendor, in)
		}
		if ev == nil || ev.Str("event.original") != in {
			t.Errorf("%s: no event with the original for %q", vendor, in)
		}
	}
}

// fuzzVendorNormalizer runs arbitrary input through the vendor's
// normalizer (by hint) and through detection: no panic, an encodable event
// with well-typed addresses and ports.
func fuzzVendorNormalizer(f *testing.F, vendor string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add("")
	f.Add("{")
	f.Add("CEF:0|a|b|c|d|e|f|")
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))})
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range []parse.Hint{{Vendor: vendor}, {}} {
			ev, err := p.Parse([]byte(s), h)
			if ev == nil {
				if err == nil {
					t.Fatal("nil event without error")
				}
				continue
			}
			checkFuzzedEvent(t, ev)
		}
	})
}

func checkFuzzedEvent(t *testing.T, ev *event.Event) {
	t.Helper()
	var b bytes.Buffer
	if err := ev.AppendJSON(&b); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !json.Valid(b.Bytes()) {
		t.Fatalf("invalid JSON: %.200s", b.Bytes())
	}
	for _, k := range []string{"source.ip", "destination.ip", "host.ip", "client.ip", "server.ip"} {
		if s, ok := ev.String(k); ok {
			if _, err := netip.ParseAddr(s); err != nil {
				t.Fatalf("%s %q is not an address", k, s)
			}
		}
	}
	for _, k := range []string{"source.port", "destination.port"} {
		if v, ok := ev.Get(k); ok {
			if _, isInt := v.(int64); !isInt {
				t.Fatalf("%s %v is not a number", k, v)
			}
		}
	}
	if ev.Timestamp().IsZero() {
		t.Fatal("no @timestamp")
	}
}
