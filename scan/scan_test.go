package scan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
)

// countingListener accepts on addr and counts every connection it sees.
func countingListener(t *testing.T, addr string, greeting string) (int, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			if greeting != "" {
				c.Write([]byte(greeting))
			}
			time.AfterFunc(200*time.Millisecond, func() { c.Close() })
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, &n
}

func scope(include ...string) *bianque.ScanScope {
	return &bianque.ScanScope{TenantID: "t1", Include: include}
}

func TestScopeRefusesOutsideTargets(t *testing.T) {
	port, outside := countingListener(t, "127.0.0.2:0", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
	g := &Guard{Scope: scope("127.0.0.1/32")}
	s := &Scanner{Guard: g, Ports: []int{port}}
	_, err := s.Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")})
	if bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("scan with an out-of-scope target: %v, want forbidden", err)
	}
	// A direct dial is refused too.
	if _, err := g.Dial(context.Background(), "127.0.0.2:"+strconv.Itoa(port)); !errors.Is(err, ErrOutOfScope) {
		t.Fatalf("dial outside scope: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := outside.Load(); got != 0 || g.Dials.Load() != 0 {
		t.Fatalf("%d connections reached the out-of-scope address (%d dials)", got, g.Dials.Load())
	}
}

func TestMedicalDeviceNeverProbedWithoutOverride(t *testing.T) {
	port, device := countingListener(t, "127.0.0.3:0", "")
	pump := &bianque.Asset{ID: "a-pump", TenantID: "t1", Name: "infusion pump 3F-12", Kind: bianque.AssetMedical, IPs: []string{"127.0.0.3"}, Importance: 5,
		Medical: &bianque.MedicalProfile{LifeSupporting: true}}
	g := &Guard{Scope: scope("127.0.0.0/29"), Assets: []*bianque.Asset{pump}}
	s := &Scanner{Guard: g, Ports: []int{port}, BannerWait: 100 * time.Millisecond}
	res, err := s.Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.3")})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := device.Load(); got != 0 {
		t.Fatalf("%d connections reached the medical device", got)
	}
	skipped := false
	for _, h := range res.Hosts {
		if h.Addr == "127.0.0.3" && h.Skipped != "" {
			skipped = true
		}
	}
	if !skipped {
		t.Fatalf("the medical device is not reported as skipped: %+v", res.Hosts)
	}

	// A person overrides for this one device: it is probed, and the override is reported once.
	at := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	pump.Medical.ScanOverride, pump.Medical.ScanOverrideBy, pump.Medical.ScanOverrideAt = true, "engineer.li", &at
	var audited atomic.Int64
	g2 := &Guard{Scope: scope("127.0.0.0/29"), Assets: []*bianque.Asset{pump}, OnOverride: func(a *bianque.Asset, ip netip.Addr) { audited.Add(1) }}
	s2 := &Scanner{Guard: g2, Ports: []int{port}, BannerWait: 100 * time.Millisecond}
	res, err = s2.Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.3")})
	if err != nil {
		t.Fatal(err)
	}
	if device.Load() == 0 || len(res.Hosts) != 1 || len(res.Hosts[0].Services) != 1 {
		t.Fatalf("override: %d connections, hosts %+v", device.Load(), res.Hosts)
	}
	if audited.Load() != 1 {
		t.Fatalf("override reported %d times, want once", audited.Load())
	}
}

func TestScanWindowRefuses(t *testing.T) {
	sc := scope("127.0.0.1")
	sc.Windows = []bianque.ScanWindow{{Start: "01:00", End: "02:00"}}
	clock := bianque.ClockFunc(func() time.Time { return time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC) })
	g := &Guard{Scope: sc, Clock: clock}
	_, err := (&Scanner{Guard: g, Ports: []int{1}}).Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	if bianque.ErrorCode(err) != bianque.EFORBIDDEN || g.Dials.Load() != 0 {
		t.Fatalf("scan outside its window: %v, %d dials", err, g.Dials.Load())
	}
}

func TestScanFindsServices(t *testing.T) {
	p1, _ := countingListener(t, "127.0.0.1:0", "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n")
	p2, _ := countingListener(t, "127.0.0.1:0", "220 (vsFTPd 3.0.3)\r\n")
	lo, hi := min(p1, p2), max(p1, p2)
	ports, err := ParsePorts(strconv.Itoa(lo) + "-" + strconv.Itoa(hi))
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) > 20000 {
		ports = []int{p1, p2, lo + 1}
	}
	var reports atomic.Int64
	s := &Scanner{Guard: &Guard{Scope: scope("127.0.0.1")}, Ports: ports, Workers: 256, BannerWait: 300 * time.Millisecond,
		Progress: func(Progress) { reports.Add(1) }, ProgressInterval: 50 * time.Millisecond}
	res, err := s.Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hosts[0]
	found := map[int]Service{}
	for _, sv := range h.Services {
		found[sv.Port] = sv
	}
	if sv := found[p1]; sv.Service != "ssh" || sv.Product != "OpenSSH" || sv.Version != "7.4p1" || sv.CPE != "cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*" {
		t.Errorf("ssh: %+v", sv)
	}
	if sv := found[p2]; sv.Service != "ftp" || sv.Product != "vsftpd" || sv.Version != "3.0.3" {
		t.Errorf("ftp: %+v", sv)
	}
	if !h.Alive || h.OS != "Debian 9" {
		t.Errorf("alive %v os %q", h.Alive, h.OS)
	}
	if reports.Load() == 0 {
		t.Error("no progress reported")
	}
}

func TestScanCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := &Guard{Scope: scope("127.0.0.1"), Rate: 200}
	ports, _ := ParsePorts("1-65535")
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := (&Scanner{Guard: g, Ports: ports}).Run(ctx, []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled scan: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	if n := g.Dials.Load(); n > 260 { // a burst of 200, then 200/s
		t.Fatalf("%d dials in 100 ms at 200/s", n)
	}
}

func TestRateLimits(t *testing.T) {
	port, seen := countingListener(t, "127.0.0.1:0", "")
	g := &Guard{Scope: scope("127.0.0.1"), PerHost: 20}
	start := time.Now()
	for i := 0; i < 30; i++ {
		c, err := g.Dial(context.Background(), "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	// 20 tokens at once, then 10 more at 20/s: at least 0.45 s.
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Fatalf("30 dials at 20/s per host took %v", d)
	}
	time.Sleep(50 * time.Millisecond)
	if seen.Load() != 30 {
		t.Fatalf("listener saw %d connections", seen.Load())
	}
}

func TestExpandTargets(t *testing.T) {
	got, err := ExpandTargets("127.0.0.0/30, 127.0.0.9")
	if err != nil || len(got) != 5 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"example.org", "10.0.0.0/8", ""} {
		if _, err := ExpandTargets(bad); err == nil {
			t.Errorf("ExpandTargets(%q) accepted", bad)
		}
	}
}

func TestParsePorts(t *testing.T) {
	p, err := ParsePorts("22,80,8000-8002,22")
	if err != nil || len(p) != 5 || p[0] != 22 || p[4] != 8002 {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range []string{"0", "70000", "9-3", "x"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q) accepted", bad)
		}
	}
	if all, _ := ParsePorts("all"); len(all) != 65535 {
		t.Errorf("all = %d ports", len(all))
	}
}
