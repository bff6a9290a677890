package vendors_test

import (
	"fmt"
	"testing"
	"time"

	"bianque/event"
	"bianque/parse"
)

// ecsCase is a message and some of the fields its event must hold. Values
// are compared by their text (lists element by element).
type ecsCase struct {
	name string
	in   string
	want map[string]any
}

// runECSCases parses each case with the vendor hint and, when detect is
// set, without a hint too (the vendor must then be detected).
func runECSCases(t *testing.T, vendor string, detect bool, cases []ecsCase) {
	t.Helper()
	p := newParser()
	ref := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		hints := []string{vendor}
		if detect {
			hints = append(hints, "")
		}
		for _, h := range hints {
			rec, v, err := p.Split([]byte(c.in), parse.Hint{Vendor: h, ReceivedAt: ref})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if v == nil || v.ID != vendor {
				got := "<none>"
				if v != nil {
					got = v.ID
				}
				t.Errorf("%s (hint %q): vendor %s, want %s", c.name, h, got, vendor)
				continue
			}
			ev, err := p.Normalize(rec, v)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			for k, want := range c.want {
				got, _ := ev.Get(k)
				if fmt.Sprint(norm(got)) != fmt.Sprint(norm(want)) {
					t.Errorf("%s (hint %q): %s = %#v, want %#v", c.name, h, k, got, want)
				}
			}
		}
	}
}

func norm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

// fuzzVendor runs arbitrary input through one vendor: no panic, and an
// event that encodes.
func fuzzVendor(f *testing.F, vendor string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	p := newParser()
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := p.Parse([]byte(s), parse.Hint{Vendor: vendor})
		if err == nil && ev == nil {
			t.Fatal("nil event without error")
		}
		if ev != nil {
			if _, err := ev.MarshalJSON(); err != nil {
				t.Fatalf("event does not encode: %v", err)
			}
		}
	})
}

var _ = event.Message

func parseHint() parse.Hint {
	return parse.Hint{ReceivedAt: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}
}
