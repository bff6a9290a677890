package scan

import (
	"testing"
	"time"

	"bianque"
)

func TestUpdateAssetDetectsChanges(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &bianque.Asset{ID: "a1", TenantID: "t1", Kind: bianque.AssetServer, Importance: 3, IPs: []string{"10.0.0.5"}}
	h := &Host{Addr: "10.0.0.5", Alive: true, OS: "Debian 9", Services: []Service{
		{Port: 22, Protocol: "tcp", Identity: Identity{Service: "ssh", Product: "OpenSSH", Version: "7.4p1"}},
		{Port: 3306, Protocol: "tcp", Identity: Identity{Service: "mysql", Product: "MariaDB", Version: "10.1.48"}},
	}}
	if ch := UpdateAsset(a, h, t0); ch.Changed {
		t.Fatalf("first scan reported a change: %+v", ch)
	}
	if len(a.Services) != 2 || a.OS != "Debian 9" || !a.LastSeen.Equal(t0) {
		t.Fatalf("ledger after first scan: %+v", a)
	}
	if ch := UpdateAsset(a, h, t0.Add(time.Hour)); ch.Changed {
		t.Fatalf("unchanged host reported a change: %+v", ch)
	}
	h2 := &Host{Addr: "10.0.0.5", Alive: true, OS: "Debian 12", Services: []Service{
		{Port: 22, Protocol: "tcp", Identity: Identity{Service: "ssh", Product: "OpenSSH", Version: "9.2p1"}},
		{Port: 6379, Protocol: "tcp", Identity: Identity{Service: "redis"}},
	}}
	ch := UpdateAsset(a, h2, t0.Add(2*time.Hour))
	if !ch.Changed || len(ch.Opened) != 1 || len(ch.Closed) != 1 || len(ch.Changes) != 2 {
		t.Fatalf("change %+v", ch)
	}
	if ch.Summary() == "" || a.Services[0].FirstSeen != t0 || a.OS != "Debian 12" {
		t.Fatalf("summary %q, ssh first seen %v, os %q", ch.Summary(), a.Services[0].FirstSeen, a.OS)
	}
}
