package ioc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/internal/testutil"
)

func ind(t bianque.IndicatorType, v string, tags ...string) *bianque.Indicator {
	return &bianque.Indicator{Type: t, Value: v, Tags: tags, Confidence: 80}
}

func TestLookups(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	expired := ind(bianque.IndicatorIP, "198.51.100.9", "old")
	expired.ValidUntil = now.Add(-time.Hour)
	future := ind(bianque.IndicatorIP, "198.51.100.10")
	future.ValidFrom = now.Add(time.Hour)
	s, errs := NewSet([]*bianque.Indicator{
		ind(bianque.IndicatorIP, "203.0.113.5", "apt-x"),
		ind(bianque.IndicatorIP, "2001:db8::5"),
		ind(bianque.IndicatorCIDR, "10.0.0.0/8", "wide"),
		ind(bianque.IndicatorCIDR, "10.1.0.0/16", "narrow"),
		ind(bianque.IndicatorCIDR, "2001:db8:1::/48"),
		ind(bianque.IndicatorDomain, "Evil.EXAMPLE.com."),
		ind(bianque.IndicatorURL, "HTTP://Drop.example.net:80/a/b.exe?x=1#frag"),
		ind(bianque.IndicatorMD5, "EB20E119AAF500E2752DC5A588B54C12"),
		ind(bianque.IndicatorSHA1, "e65faa187d27d84106b78b909c06d405837ec64e"),
		ind(bianque.IndicatorSHA256, "c6a168c81654f5901e864c8fd61fa54f084cd8b2e0a8ac1b83eacf9eb4484f75"),
		ind(bianque.IndicatorFilePath, `C:\Users\Public\evil.exe`),
		ind(bianque.IndicatorRegistryKey, `HKEY_LOCAL_MACHINE\Software\Evil`),
		expired, future,
		ind(bianque.IndicatorSHA1, "not-a-hash"),
	})
	if len(errs) != 1 {
		t.Errorf("errors %v, want the bad hash only", errs)
	}
	tag := func(in *bianque.Indicator) string {
		if in == nil {
			return "-"
		}
		return in.Value
	}
	for _, c := range []struct {
		name string
		got  *bianque.Indicator
		want string
	}{
		{"ip", s.LookupIP(netip.MustParseAddr("203.0.113.5")), "203.0.113.5"},
		{"ip mapped", s.LookupIP(netip.MustParseAddr("::ffff:203.0.113.5")), "203.0.113.5"},
		{"ip other", s.LookupIP(netip.MustParseAddr("203.0.113.6")), "-"},
		{"ip6", s.LookupIP(netip.MustParseAddr("2001:db8::5")), "2001:db8::5"},
		{"most specific cidr", s.LookupIP(netip.MustParseAddr("10.1.2.3")), "10.1.0.0/16"},
		{"wider cidr", s.LookupIP(netip.MustParseAddr("10.2.2.3")), "10.0.0.0/8"},
		{"cidr6", s.LookupIP(netip.MustParseAddr("2001:db8:1:ffff::1")), "2001:db8:1::/48"},
		{"domain", s.LookupDomain("evil.example.com"), "evil.example.com"},
		{"subdomain", s.LookupDomain("A.B.evil.example.com."), "evil.example.com"},
		{"parent is not covered", s.LookupDomain("example.com"), "-"},
		{"lookalike", s.LookupDomain("notevil.example.com"), "-"},
		{"url", s.LookupURL("http://drop.example.net/a/b.exe?x=1"), "http://drop.example.net/a/b.exe?x=1"},
		{"url other path", s.LookupURL("http://drop.example.net/a/c.exe"), "-"},
		{"url by domain", s.LookupURL("https://x.evil.example.com/path"), "evil.example.com"},
		{"url by ip", s.LookupURL("http://10.1.0.1:8080/"), "10.1.0.0/16"},
		{"md5", s.LookupHash("eb20e119aaf500e2752dc5a588b54c12"), "eb20e119aaf500e2752dc5a588b54c12"},
		{"sha1", s.LookupHash("e65faa187d27d84106b78b909c06d405837ec64e"), "e65faa187d27d84106b78b909c06d405837ec64e"},
		{"sha256", s.LookupHash("c6a168c81654f5901e864c8fd61fa54f084cd8b2e0a8ac1b83eacf9eb4484f75"), "c6a168c81654f5901e864c8fd61fa54f084cd8b2e0a8ac1b83eacf9eb4484f75"},
		{"hash differs", s.LookupHash("eb20e119aaf500e2752dc5a588b54c13"), "-"},
		{"path", s.LookupPath(`c:\users\public\EVIL.exe`), `c:\users\public\evil.exe`},
		{"registry value below key", s.LookupRegistry(`HKLM\SOFTWARE\Evil\Run\x`), `hklm\software\evil`},
		{"registry kernel path", s.LookupRegistry(`\REGISTRY\MACHINE\Software\Evil`), `hklm\software\evil`},
		{"registry sibling", s.LookupRegistry(`HKLM\Software\EvilCorp`), "-"},
	} {
		if g := tag(c.got); g != c.want {
			t.Errorf("%s: got %s, want %s", c.name, g, c.want)
		}
	}

	// Match reads ECS and raw Windows fields and honours validity.
	ev := event.FromMap(map[string]any{
		"source":      map[string]any{"ip": "198.51.100.9"},
		"destination": map[string]any{"ip": "203.0.113.5"},
		"related":     map[string]any{"ip": []any{"198.51.100.10"}},
		"Event": map[string]any{"EventData": map[string]any{
			"Hashes":       "SHA1=E65FAA187D27D84106B78B909C06D405837EC64E,MD5=00000000000000000000000000000000",
			"TargetObject": `HKLM\Software\Evil\x`,
		}},
	})
	hits := s.Match(ev, now, nil)
	var got []string
	for _, h := range hits {
		got = append(got, h.Field+"="+h.Indicator.Value)
	}
	want := []string{"destination.ip=203.0.113.5", "Event.EventData.Hashes=e65faa187d27d84106b78b909c06d405837ec64e", `Event.EventData.TargetObject=hklm\software\evil`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hits %v, want %v", got, want)
	}
	// Once the future indicator starts, it matches too.
	if n := len(s.Match(ev, now.Add(2*time.Hour), nil)); n != 4 {
		t.Errorf("later: %d hits, want 4", n)
	}
}

func TestMatcherSwapAndClock(t *testing.T) {
	clk := testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := NewMatcher(clk)
	ev := event.FromMap(map[string]any{"dns": map[string]any{"question": map[string]any{"name": "c2.bad.example"}}})
	if len(m.Match(ev, nil)) != 0 {
		t.Fatal("empty matcher matched")
	}
	in := ind(bianque.IndicatorDomain, "bad.example")
	in.ValidUntil = clk.Now().Add(24 * time.Hour)
	s, _ := NewSet([]*bianque.Indicator{in})
	m.Swap(s)
	if len(m.Match(ev, nil)) != 1 {
		t.Fatal("no hit after swap")
	}
	clk.Advance(25 * time.Hour)
	if len(m.Match(ev, nil)) != 0 {
		t.Fatal("expired indicator matched")
	}
}

// TestEveryIndicatorFound checks that the bloom filter never hides an
// indicator: every one of a large random set is found again.
func TestEveryIndicatorFound(t *testing.T) {
	inds := synthetic(60_000, rand.New(rand.NewPCG(7, 8)))
	s, errs := NewSet(inds)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	for _, in := range inds {
		var got *bianque.Indicator
		switch in.Type {
		case bianque.IndicatorMD5, bianque.IndicatorSHA1, bianque.IndicatorSHA256:
			got = s.LookupHash(in.Value)
		case bianque.IndicatorIP:
			got = s.LookupIP(netip.MustParseAddr(in.Value))
		case bianque.IndicatorCIDR:
			got = s.LookupIP(netip.MustParsePrefix(in.Value).Addr().Next())
		case bianque.IndicatorDomain:
			got = s.LookupDomain("www." + in.Value)
		}
		if got == nil {
			t.Fatalf("%s %s not found", in.Type, in.Value)
		}
	}
}

// synthetic builds n indicators of mixed types.
func synthetic(n int, r *rand.Rand) []*bianque.Indicator {
	out := make([]*bianque.Indicator, 0, n)
	hexs := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = "0123456789abcdef"[r.IntN(16)]
		}
		return string(b)
	}
	for i := 0; i < n; i++ {
		var in *bianque.Indicator
		switch i % 6 {
		case 0:
			in = ind(bianque.IndicatorSHA256, hexs(64))
		case 1:
			in = ind(bianque.IndicatorMD5, hexs(32))
		case 2:
			in = ind(bianque.IndicatorIP, netip.AddrFrom4([4]byte{byte(r.IntN(223) + 1), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String())
		case 3:
			in = ind(bianque.IndicatorCIDR, fmt.Sprintf("%d.%d.%d.0/%d", r.IntN(223)+1, r.IntN(256), r.IntN(256), 20+r.IntN(5)))
		case 4:
			in = ind(bianque.IndicatorDomain, hexs(10)+".example"+fmt.Sprint(r.IntN(100)))
		case 5:
			in = ind(bianque.IndicatorSHA1, hexs(40))
		}
		in.Tags = []string{"feed"}
		out = append(out, in)
	}
	return out
}

// BenchmarkMatch matches a Sysmon network and process event (no hit, the
// common case, plus one hashed field) with growing indicator sets:
//
//	go test ./detect/ioc -run '^$' -bench Match -cpu 1
func BenchmarkMatch(b *testing.B) {
	evs := []*event.Event{
		event.FromMap(map[string]any{"Event": map[string]any{"EventData": map[string]any{
			"Image": `C:\Windows\System32\svchost.exe`, "SourceIp": "192.168.1.20", "DestinationIp": "93.184.216.34",
			"DestinationHostname": "www.example.org"}}}),
		event.FromMap(map[string]any{"Event": map[string]any{"EventData": map[string]any{
			"Image": `C:\Windows\System32\reg.exe`, "Hashes": "SHA1=E65FAA187D27D84106B78B909C06D405837EC64E,MD5=EB20E119AAF500E2752DC5A588B54C12,SHA256=C6A168C81654F5901E864C8FD61FA54F084CD8B2E0A8AC1B83EACF9EB4484F75,IMPHASH=E23A24F7BA9B35B3E9706724F6749860"}}}),
		event.FromMap(map[string]any{"source": map[string]any{"ip": "10.20.30.40"}, "destination": map[string]any{"ip": "8.8.8.8", "domain": "dns.google"},
			"url": map[string]any{"original": "https://cdn.example.com/x.js"}}),
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("indicators=%d", n), func(b *testing.B) {
			s, _ := NewSet(synthetic(n, rand.New(rand.NewPCG(1, uint64(n)))))
			runtime.GC()
			var hits []Hit
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				hits = s.Match(evs[i], now, hits[:0])
				if i++; i == len(evs) {
					i = 0
				}
			}
			if used := cpuTime() - cpu0; used > 0 {
				b.ReportMetric(float64(b.N)/used.Seconds(), "events/cpu-s")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// cpuTime returns the CPU time of the process (see detect's benchmarks).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
