package bianque

import (
	"net/netip"
	"testing"
	"time"
)

func TestFindingKeyDedup(t *testing.T) {
	a := &Finding{Host: "10.0.0.5", Port: 443, Protocol: "tcp", Scanner: "nessus", PluginID: "42873", Title: "SWEET32"}
	b := &Finding{Host: "10.0.0.5", Port: 443, Protocol: "tcp", Scanner: "Nessus", PluginID: "42873", Title: "SSL Medium Strength Cipher Suites (SWEET32)"}
	if FindingKey(a) != FindingKey(b) {
		t.Error("same plugin on the same service must share a key")
	}
	c := *a
	c.Port = 8443
	if FindingKey(a) == FindingKey(&c) {
		t.Error("another port is another service")
	}
	d := *a
	d.AssetID = "asset1"
	e := *a
	e.AssetID, e.Host = "asset1", "10.0.0.6" // same asset, second address
	if FindingKey(&d) != FindingKey(&e) {
		t.Error("the asset, not its address, identifies the finding once it is in the ledger")
	}
	n1 := &Finding{Host: "h", Port: 22, Scanner: "nmap", CVEs: []string{"CVE-2018-15919", "CVE-2017-15906"}, Title: "x"}
	n2 := &Finding{Host: "h", Port: 22, Scanner: "openvas", CVEs: []string{"CVE-2017-15906", "CVE-2018-15919"}, Title: "y"}
	if FindingKey(n1) != FindingKey(n2) {
		t.Error("without plugin IDs the CVE set identifies the vulnerability across scanners")
	}
}

func TestFindingLifecycle(t *testing.T) {
	now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	f := &Finding{Title: "t", Severity: VulnHigh, Scanner: "s"}
	steps := []struct {
		a    FindingAction
		want FindingState
	}{
		{FindingActStartFix, FindingFixing},
		{FindingActReportFixed, FindingRetest},
		{FindingActRetestFail, FindingOpen},
		{FindingActReportFixed, FindingRetest},
		{FindingActRetestPass, FindingClosed},
		{FindingActSeenAgain, FindingOpen},
	}
	for _, s := range steps {
		if err := ApplyFindingAction(f, s.a, "u1", "", nil, now); err != nil {
			t.Fatalf("%s: %v", s.a, err)
		}
		if f.State != s.want {
			t.Fatalf("%s: state %s, want %s", s.a, f.State, s.want)
		}
	}
	if f.ReopenCount != 2 || f.ClosedAt != nil || f.RetestedAt == nil {
		t.Errorf("reopen count %d closed %v retested %v", f.ReopenCount, f.ClosedAt, f.RetestedAt)
	}
	if err := ApplyFindingAction(f, FindingActSeenAgain, "u1", "", nil, now); ErrorCode(err) != ECONFLICT {
		t.Errorf("seen_again on an open finding: %v", err)
	}
	// Risk acceptance needs a reason and a future expiry, and expires.
	if err := ApplyFindingAction(f, FindingActAcceptRisk, "u1", "", nil, now); ErrorCode(err) != EINVALID {
		t.Errorf("accept without reason: %v", err)
	}
	past := now.Add(-time.Hour)
	if err := ApplyFindingAction(f, FindingActAcceptRisk, "u1", "vendor patch in Q3", &past, now); ErrorCode(err) != EINVALID {
		t.Errorf("accept with past expiry: %v", err)
	}
	until := now.Add(30 * 24 * time.Hour)
	if err := ApplyFindingAction(f, FindingActAcceptRisk, "u1", "vendor patch in Q3", &until, now); err != nil || f.State != FindingAccepted {
		t.Fatalf("accept: %v %s", err, f.State)
	}
	if err := ApplyFindingAction(f, FindingActExpire, "", "", nil, now.Add(24*time.Hour)); ErrorCode(err) != ECONFLICT {
		t.Errorf("expire before the date: %v", err)
	}
	if err := ApplyFindingAction(f, FindingActExpire, "", "expired", nil, until.Add(time.Minute)); err != nil || f.State != FindingOpen || f.AcceptedUntil != nil {
		t.Errorf("expire: %v %s %v", err, f.State, f.AcceptedUntil)
	}
	due := now.Add(time.Hour)
	f.DueAt = &due
	if !f.IsOverdue(now.Add(2*time.Hour)) || f.IsOverdue(now) {
		t.Error("overdue after the due date only")
	}
}

func TestScanScope(t *testing.T) {
	s := &ScanScope{Include: []string{"10.1.0.0/16", "127.0.0.1"}, Exclude: []string{"10.1.5.0/24"},
		Windows: []ScanWindow{{Weekdays: []time.Weekday{time.Saturday}, Start: "22:00", End: "06:00"}}, TimeZone: "Asia/Shanghai"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{"10.1.2.3": true, "10.1.5.9": false, "127.0.0.1": true, "127.0.0.2": false, "10.2.0.1": false} {
		if got := s.Allows(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Allows(%s) = %v", ip, got)
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for at, want := range map[time.Time]bool{
		time.Date(2025, 5, 3, 23, 0, 0, 0, sh): true,  // Saturday night
		time.Date(2025, 5, 4, 5, 59, 0, 0, sh): true,  // Sunday early morning, still Saturday's window
		time.Date(2025, 5, 4, 6, 0, 0, 0, sh):  false, // window closed
		time.Date(2025, 5, 2, 23, 0, 0, 0, sh): false, // Friday
	} {
		if got := s.InWindow(at); got != want {
			t.Errorf("InWindow(%v) = %v", at, got)
		}
	}
	if err := (&ScanScope{}).Validate(); ErrorCode(err) != EINVALID {
		t.Error("an empty scope must not validate")
	}
}
