package parse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianque/event"
)

func TestKeyIndex(t *testing.T) {
	keys := []string{"srcip", "dstip", "src", "dst", "type", "subtype", "a", "srcip", "deviceDirection", "中文"}
	x := NewKeyIndex(keys...)
	for i, k := range keys {
		want := i
		if k == "srcip" {
			want = 0 // a repeated key keeps its first number
		}
		if got := x.Lookup(k); got != want {
			t.Errorf("Lookup(%q) = %d, want %d", k, got, want)
		}
	}
	for _, k := range []string{"", "b", "srcipx", "sr", "Type", "deviceDirectio", "中"} {
		if got := x.Lookup(k); got != -1 {
			t.Errorf("Lookup(%q) = %d, want -1", k, got)
		}
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "123", "-5", "+7", " 8", "9 ", "1.0", "1e3", "99999999999999999999", "123456789012345678", "", "0x10", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := strconv.ParseInt(s, 10, 64)
		if got, ok := ParseInt(s); ok != (err == nil) || ok && got != n {
			t.Fatalf("ParseInt(%q) = %d, %v; strconv gives %d, %v", s, got, ok, n, err)
		}
		// parseLong is the ECS long conversion of set.go.
		want, wok := func() (int64, bool) {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err == nil {
				return n, true
			}
			fl, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || fl != math.Trunc(fl) || math.IsInf(fl, 0) {
				return 0, false
			}
			return int64(fl), true
		}()
		if got, ok := parseLong(s); ok != wok || got != want {
			t.Fatalf("parseLong(%q) = %d, %v; want %d, %v", s, got, ok, want, wok)
		}
	})
}

func FuzzScanHelpers(f *testing.F) {
	for _, s := range []string{"", " [", "[", "a [b", "a[ [c", "x\r\n\x00", "\n\n", "a b\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := indexSpaceBracket(s), strings.Index(s, " ["); got != want {
			t.Fatalf("indexSpaceBracket(%q) = %d, want %d", s, got, want)
		}
		if got, want := trimEnd(s), strings.TrimRight(s, "\r\n\x00"); got != want {
			t.Fatalf("trimEnd(%q) = %q, want %q", s, got, want)
		}
	})
}

func FuzzParseTimeLayouts(f *testing.F) {
	for _, s := range []string{"2024/08/12 15:57:12", "2024-05-02T10:51:55Z", "2024-05-02 10:51:55.123+08:00", "26/Dec/2016:16:22:00 +0000",
		"Jan 18 2024 11:07:53 GMT", "01/18/2024 11:07:53", "2024-05-02", "1714639915", "2024/08/12 15:57:12 +08:00", "20240", "2x24-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gok := ParseTime(s, time.UTC)
		// The reference: every layout in order.
		var want time.Time
		wok := false
		if ts := strings.TrimSpace(s); ts != "" {
			if isEpoch(ts) {
				want, wok = ParseEpoch(ts)
			} else {
				for _, l := range timeLayouts {
					if tt, err := time.ParseInLocation(l, ts, time.UTC); err == nil {
						want, wok = tt, true
						break
					}
				}
			}
		}
		if gok != wok || !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, %v; want %v, %v", s, got, gok, want, wok)
		}
	})
}

func FuzzTrimHelpers(f *testing.F) {
	for _, s := range []string{"", " \t{", "\ufeff {", "\t\ufeff\ufeff x", "\xef\xbb", " \xef\xbb\xbf{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimBlanks(s), strings.TrimLeft(s, " \t"); got != want {
			t.Fatalf("trimBlanks(%q) = %q, want %q", s, got, want)
		}
		if got, want := startsJSON(s), strings.HasPrefix(strings.TrimLeft(s, " \t\ufeff"), "{"); got != want {
			t.Fatalf("startsJSON(%q) = %v, want %v", s, got, want)
		}
	})
}

// TestParseReusesRecordsSafely parses from several goroutines with one
// parser: records come from a pool, and no event may see another message's
// fields (run with -race).
func TestParseReusesRecordsSafely(t *testing.T) {
	r := NewRegistry()
	kv := &Vendor{ID: "kv", Formats: []Format{FormatKV}, Normalize: func(rec *Record, e *event.Event) error {
		for _, p := range rec.Pairs {
			e.SetString("kv."+p.Key, p.Value)
		}
		return nil
	}}
	r.MustRegister(kv, &Vendor{ID: "other", Normalize: func(rec *Record, e *event.Event) error {
		e.SetString("other.body", rec.Body)
		return nil
	}})
	p := NewParser(r, Options{})
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 300; i++ {
				id := strconv.Itoa(g*1000 + i)
				msg := "<13>Jan  2 03:04:05 host app: id=" + id + " n=" + strings.Repeat("x", i%40) + " k" + id + "=v"
				vendor := "kv"
				if i%3 == 0 {
					vendor = "other"
					msg = "<13>Jan  2 03:04:05 host app: plain " + id
				}
				e, err := p.Parse([]byte(msg), Hint{Vendor: vendor, ReceivedAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)})
				if err != nil {
					done <- err
					return
				}
				if vendor == "kv" && (e.Str("kv.id") != id || e.Str("kv.k"+id) != "v" || e.Has("other.body")) {
					done <- fmt.Errorf("message %s: got %v", id, e.Keys())
					return
				}
				if vendor == "other" && (e.Str("other.body") != "plain "+id || e.Has("kv.id")) {
					done <- fmt.Errorf("message %s: got %v", id, e.Keys())
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
