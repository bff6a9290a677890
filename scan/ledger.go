package scan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"bianque"
)

// LedgerChange is what a scan changed in an asset's ledger entry (R6.3): the
// platform opens a ticket for the hospital to confirm when Changed is set.
type LedgerChange struct {
	Changed bool     `json:"changed"`
	Opened  []string `json:"opened,omitempty"`  // "3306/tcp mysql"
	Closed  []string `json:"closed,omitempty"`  // services gone since the last scan
	Changes []string `json:"changes,omitempty"` // fingerprint changes ("22/tcp OpenSSH 7.4p1 → 9.2p1", "OS Debian 9 → Debian 12")
}

// Summary is one line for a ticket title.
func (c LedgerChange) Summary() string {
	var p []string
	if len(c.Opened) > 0 {
		p = append(p, "new services: "+strings.Join(c.Opened, ", "))
	}
	if len(c.Closed) > 0 {
		p = append(p, "services gone: "+strings.Join(c.Closed, ", "))
	}
	p = append(p, c.Changes...)
	return strings.Join(p, "; ")
}

// UpdateAsset applies one scanned host to its ledger entry: services with
// product, version, CPE and banner, last seen times, the OS hint, the "scan"
// source. The first scan of an asset (or the first that finds services)
// records without reporting a change.
func UpdateAsset(a *bianque.Asset, h *Host, now time.Time) LedgerChange {
	var ch LedgerChange
	// The first scan of an asset (no scan recorded yet, or nothing known of
	// its services: a manual or passive entry) records without a change.
	first := !slices.Contains(a.Sources, bianque.SourceScan) || len(a.Services) == 0
	if !h.Alive && len(h.Services) == 0 {
		return ch
	}
	a.LastSeen = now
	if a.FirstSeen.IsZero() {
		a.FirstSeen = now
	}
	if !slices.Contains(a.Sources, bianque.SourceScan) {
		a.Sources = append(a.Sources, bianque.SourceScan)
	}
	if h.OS != "" && h.OS != a.OS {
		if a.OS != "" {
			ch.Changes = append(ch.Changes, fmt.Sprintf("OS %s → %s", a.OS, h.OS))
		}
		a.OS = h.OS
	}
	key := func(port int, proto string) string { return strconv.Itoa(port) + "/" + proto }
	old := map[string]bianque.Service{}
	for _, s := range a.Services {
		if s.Protocol == "tcp" {
			old[key(s.Port, s.Protocol)] = s
		}
	}
	var next []bianque.Service
	for _, s := range a.Services {
		if s.Protocol != "tcp" {
			next = append(next, s) // UDP and passively seen services are not this scan's to judge
		}
	}
	seen := map[string]bool{}
	for _, sv := range h.Services {
		k := key(sv.Port, sv.Protocol)
		seen[k] = true
		ns := bianque.Service{Port: sv.Port, Protocol: sv.Protocol, Name: sv.Service, Product: sv.Product, Version: sv.Version,
			CPE: sv.CPE, Banner: firstLine(sv.Banner), FirstSeen: now, LastSeen: now}
		if o, ok := old[k]; ok {
			ns.FirstSeen, ns.Exposed = o.FirstSeen, o.Exposed
			if o.Product != "" && ns.Product != "" && (o.Product != ns.Product || o.Version != ns.Version) {
				ch.Changes = append(ch.Changes, fmt.Sprintf("%s %s %s → %s %s", k, o.Product, o.Version, ns.Product, ns.Version))
			}
		} else {
			ch.Opened = append(ch.Opened, strings.TrimSpace(k+" "+sv.Service))
		}
		next = append(next, ns)
	}
	for k, o := range old {
		if !seen[k] {
			ch.Closed = append(ch.Closed, strings.TrimSpace(k+" "+o.Name))
		}
	}
	slices.Sort(ch.Closed)
	slices.SortFunc(next, func(x, y bianque.Service) int { return x.Port - y.Port })
	a.Services = next
	a.UpdatedAt = now
	if first {
		return LedgerChange{}
	}
	ch.Changed = len(ch.Opened)+len(ch.Closed)+len(ch.Changes) > 0
	return ch
}
