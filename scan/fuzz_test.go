package scan

import (
	"context"
	"net/netip"
	"testing"
)

// Seeds are greetings real servers send (the test servers of scan/creds and
// the shared corpus' nmap reports name them).
var bannerSeeds = []string{
	"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
	"SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n",
	"SSH-1.99-Cisco-1.25\r\n",
	"220 (vsFTPd 3.0.3)\r\n",
	"220 ProFTPD 1.3.5e Server (Debian) [::ffff:10.0.0.8]\r\n",
	"220 bianque.test ESMTP Exim 4.96 Sat, 21 Nov 2026 18:59:13 +0000\r\n",
	"HTTP/1.1 200 OK\r\nServer: Apache/2.4.49 (Debian)\r\n\r\n",
	"HTTP/1.0 401 Unauthorized\r\nServer: lighttpd/1.4.69\r\n",
	"RFB 003.008\n",
	"VERSION 1.6.18\r\n",
	"-NOAUTH Authentication required.\r\n",
	"+PONG\r\n$3000\r\n# Server\r\nredis_version:7.0.15\r\n",
	"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27",
	"N",
	"\x5b\x00\x00\x00\x0a5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x08\x00\x00\x00",
	"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x02\x00\x00\x00",
	"\x04\x01\x00\x1a\x00\x00\x01\x00\x00\x00\x0b\x00\x06\x01\x00\x11\x00\x01\xff\x0f\x00\x10\x9a\x00\x00\x02",
}

func FuzzIdentify(f *testing.F) {
	for _, s := range bannerSeeds {
		for _, port := range []int{22, 3306, 3389, 1433, 5432, 6379, 9999} {
			f.Add(port, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, port int, b []byte) {
		id := Identify(port, b)
		if id.CPE != "" && len(id.CPE) < 8 {
			t.Fatalf("bad CPE %q", id.CPE)
		}
		_ = printable(b)
	})
}

func TestIdentifySeeds(t *testing.T) {
	cases := []struct {
		port                      int
		banner                    string
		service, product, ver, os string
	}{
		{22, bannerSeeds[0], "ssh", "OpenSSH", "9.2p1", "Debian 12"},
		{21, bannerSeeds[4], "ftp", "ProFTPD", "1.3.5e", ""},
		{25, bannerSeeds[5], "smtp", "Exim", "4.96", ""},
		{80, bannerSeeds[6], "http", "Apache httpd", "2.4.49", "Debian"},
		{3306, bannerSeeds[14], "mysql", "MariaDB", "10.11.19", "Debian 12"},
		{6379, bannerSeeds[11], "redis", "Redis", "7.0.15", ""},
		{5432, "N", "postgresql", "PostgreSQL", "", ""},
		{23, bannerSeeds[12], "telnet", "", "", ""},
		{1433, bannerSeeds[16], "mssql", "Microsoft SQL Server", "15.0.4250", "Windows"},
	}
	for _, c := range cases {
		id := Identify(c.port, []byte(c.banner))
		if id.Service != c.service || id.Product != c.product || id.Version != c.ver || id.OS != c.os {
			t.Errorf("%q: %+v", c.banner, id)
		}
	}
	rdp := Identify(3389, []byte(bannerSeeds[15]))
	if rdp.Service != "rdp" || rdp.Auth != "nla" {
		t.Errorf("RDP with CredSSP selected: %+v", rdp)
	}
	// Only a negotiation response that selected a non-NLA protocol is a finding.
	noNLA := []byte("\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x00\x00\x00\x00")
	if id := Identify(3389, noNLA); id.Auth != "no-nla" {
		t.Errorf("RDP standard security: %+v", id)
	}
	if id := Identify(3389, []byte("\x03\x00\x00\x0b\x06\xd0\x00\x00\x12\x34\x00")); id.Auth != "" {
		t.Errorf("RDP without a negotiation response must not claim anything about NLA: %+v", id)
	}
}

func BenchmarkIdentify(b *testing.B) {
	banners := make([][]byte, len(bannerSeeds))
	for i, s := range bannerSeeds {
		banners[i] = []byte(s)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Identify(22, banners[i%len(banners)])
	}
}

// BenchmarkScanLoopback connect-scans ports 1–65535 of 127.0.0.1 (the
// comparison with nmap is scripts/scan-vs-nmap.sh).
func BenchmarkScanLoopback(b *testing.B) {
	ports, _ := ParsePorts("all")
	for b.Loop() {
		g := &Guard{Scope: scope("127.0.0.1")}
		if _, err := ScanPorts(context.Background(), g, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, ports, 2048, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}
