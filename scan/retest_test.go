package scan

import (
	"context"
	"net"
	"testing"
	"time"

	"bianque"
)

func TestRetestOneFinding(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	banner := "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n"
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(banner))
			time.AfterFunc(100*time.Millisecond, func() { c.Close() })
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	g := &Guard{Scope: scope("127.0.0.1")}
	now := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	imported := &bianque.Finding{Title: "CVE-2018-15919", Severity: bianque.VulnMedium, Scanner: "nmap", Host: "127.0.0.1", Port: port,
		Component: "openssh", ComponentVersion: "7.4p1", State: bianque.FindingRetest}
	r, err := Retest(context.Background(), g, imported, nil, 300*time.Millisecond)
	if err != nil || !r.Present {
		t.Fatalf("same version still running: %+v %v", r, err)
	}
	if err := ApplyRetest(imported, r, now); err != nil || imported.State != bianque.FindingOpen || imported.ReopenCount != 1 {
		t.Fatalf("retest fail → open: %v %s", err, imported.State)
	}
	banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" // upgraded
	imported.State = bianque.FindingRetest
	r, err = Retest(context.Background(), g, imported, nil, 300*time.Millisecond)
	if err != nil || r.Present {
		t.Fatalf("upgraded service: %+v %v", r, err)
	}
	ln.Close()
	own := &bianque.Finding{Title: "High-risk service port open", Severity: bianque.VulnInfo, Scanner: "bianque", PluginID: "high-risk-port", Host: "127.0.0.1", Port: port}
	r, err = Retest(context.Background(), g, own, nil, 300*time.Millisecond)
	if err != nil || r.Present {
		t.Fatalf("closed port: %+v %v", r, err)
	}
	if err := ApplyRetest(own, r, now); err != nil || own.State != bianque.FindingClosed || own.ClosedAt == nil {
		t.Fatalf("retest pass → closed: %v %s", err, own.State)
	}
	// Retests obey the scope like scans.
	out := &bianque.Finding{Title: "x", Severity: bianque.VulnLow, Scanner: "nmap", Host: "127.0.0.2", Port: port}
	if _, err := Retest(context.Background(), g, out, nil, 0); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("retest out of scope: %v", err)
	}
}
