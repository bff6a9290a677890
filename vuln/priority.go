package vuln

import (
	"math"
	"time"

	"bianque"
)

// Priority computes a finding's priority (R7.3) as
//
//	score = base × value × exploit × exposure        (0 – 30.2)
//
//	base     = CVSS base score (0–10); without one, the severity's midpoint:
//	           critical 9.5, high 8.0, medium 5.5, low 2.5, info 0
//	value    = 0.6 + 0.2 × (importance − 1): importance 1 → 0.6, 3 → 1.0, 5 → 1.4
//	           (unknown importance counts as 3); +0.2 for a life-supporting
//	           medical device (monitors, pumps, ventilators)
//	exploit  = 1.0; 1.3 with a public exploit or EPSS ≥ 0.1; 1.6 when in CISA KEV;
//	           1.8 when in KEV with known ransomware use
//	exposure = 1.2 when the service is reachable from the internet, else 1.0
//
// and maps it to a level: P1 ≥ 12, P2 ≥ 8, P3 ≥ 4, else P4. Examples: a
// critical 9.8 on an ordinary server (importance 3) is P2; the same CVE in KEV
// is P1 (15.7); a medium 5.3 on a critical asset (importance 5) is P3 (7.4).
// P1 and P2 raise major vulnerability tickets, P3 and P4 general ones.
func Priority(f *bianque.Finding, asset *bianque.Asset) (float64, string) {
	base := f.CVSSScore
	if base == 0 {
		switch f.Severity {
		case bianque.VulnCritical:
			base = 9.5
		case bianque.VulnHigh:
			base = 8.0
		case bianque.VulnMedium:
			base = 5.5
		case bianque.VulnLow:
			base = 2.5
		}
	}
	importance := 3
	lifeSupport := false
	if asset != nil {
		if asset.Importance >= 1 && asset.Importance <= 5 {
			importance = asset.Importance
		}
		lifeSupport = asset.Medical != nil && asset.Medical.LifeSupporting
	}
	value := 0.6 + 0.2*float64(importance-1)
	if lifeSupport {
		value += 0.2
	}
	exploit := 1.0
	switch {
	case f.KEV && f.Ransomware:
		exploit = 1.8
	case f.KEV:
		exploit = 1.6
	case f.PublicExploit || f.EPSS >= 0.1:
		exploit = 1.3
	}
	exposure := 1.0
	if asset != nil {
		for _, s := range asset.Services {
			if s.Exposed && s.Port == f.Port && f.Port != 0 {
				exposure = 1.2
			}
		}
	}
	score := math.Round(base*value*exploit*exposure*10) / 10
	level := "P4"
	switch {
	case score >= 12:
		level = "P1"
	case score >= 8:
		level = "P2"
	case score >= 4:
		level = "P3"
	}
	return score, level
}

// ApplyPriority sets the finding's KEV flags from the catalog and its priority.
func ApplyPriority(f *bianque.Finding, asset *bianque.Asset, kev *KEV) {
	for _, c := range f.CVEs {
		if e, ok := kev.Lookup(c); ok {
			f.KEV = true
			f.Ransomware = f.Ransomware || e.Ransomware()
		}
	}
	f.PriorityScore, f.Priority = Priority(f, asset)
}

// TicketSeverity is the ticket severity a finding's priority raises.
func TicketSeverity(priority string) bianque.Severity {
	if priority == "P1" || priority == "P2" {
		return bianque.SeverityMajor
	}
	return bianque.SeverityGeneral
}

// DueDate is when a finding must be fixed: found + the tenant contract's
// resolve target for vulnerability tickets of the finding's ticket severity
// (R13.1 defaults: major 15 days, general 30 days).
func DueDate(f *bianque.Finding, c *bianque.Contract, found time.Time) time.Time {
	sev := TicketSeverity(f.Priority)
	if c != nil {
		if t, ok := c.Target(bianque.MetricResolve, bianque.TicketVulnerability, sev); ok {
			return found.Add(t.Within.Std())
		}
	}
	def := bianque.DefaultContract()
	t, _ := def.Target(bianque.MetricResolve, bianque.TicketVulnerability, sev)
	return found.Add(t.Within.Std())
}
