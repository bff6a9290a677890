package vendors_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"bianque/parse"
)

// fieldCase is one message and some of the ECS fields it must give.
type fieldCase struct {
	name string
	in   string
	want map[string]any
}

// checkVendorFields checks that detection picks the vendor for every case
// and that parsing it with the vendor hint and without one gives the listed
// fields; values compare by their JSON form, so lists and numbers are
// written as in JSON.
func checkVendorFields(t *testing.T, vendor string, cases []fieldCase) {
	t.Helper()
	p := newParser()
	for _, c := range cases {
		if _, v, err := p.Split([]byte(c.in), parse.Hint{}); err != nil || v == nil || v.ID != vendor {
			t.Errorf("%s: not detected as %s (%v, %v)", c.name, vendor, v, err)
			continue
		}
		for _, hint := range []string{vendor, ""} {
			ev, err := p.Parse([]byte(c.in), parse.Hint{Vendor: hint, ReceivedAt: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatalf("%s (hint %q): %v", c.name, hint, err)
			}
			for k, want := range c.want {
				got, _ := ev.Get(k)
				if g, w := jsonText(got), jsonText(want); g != w {
					t.Errorf("%s (hint %q): %s = %s, want %s", c.name, hint, k, g, w)
				}
			}
		}
	}
}

// hintVendor is the hint of a source configured with vendor v.
func hintVendor(v string) parse.Hint {
	return parse.Hint{Vendor: v, ReceivedAt: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}
}

func jsonText(v any) string {
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// fuzzVendor runs arbitrary input through the vendor and through detection:
// no input may panic or yield an event that does not encode.
func fuzzParseVendor(f *testing.F, vendor string, seeds []string) {
	for _, s := range seeds {
		f.Add(s)
	}
	p := newParser()
	f.Fuzz(func(t *testing.T, s string) {
		for _, hint := range []string{vendor, ""} {
			ev, err := p.Parse([]byte(s), parse.Hint{Vendor: hint})
			if err == nil && ev == nil {
				t.Fatalf("hint %q: nil event without error", hint)
			}
			if ev != nil {
				if _, err := ev.MarshalJSON(); err != nil {
					t.Fatalf("hint %q: event does not encode: %v", hint, err)
				}
			}
		}
	})
}
