package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// WatchGuard EPDR / Endpoint Security (formerly Panda Adaptive Defense):
// the security events of the Endpoint Security API, one JSON object per
// detection — malware, PUPs, tracking cookies, malicious URLs
// ("malware_category", "path", "security_event_date"), blocked programs and
// exploits ("event_type", "date", "item_name", "exploit_technique"), network
// attacks ("network_attack", "remote_ip_address"), blocked devices and
// indicators of attack ("rule_name", "rule_mitre").
var watchguardEPDR = &parse.Vendor{
	ID:       "watchguard-epdr",
	Aliases:  []string{"watchguard-endpoint", "panda-adaptive-defense", "panda-epdr", "wg-epdr"},
	Name:     "WatchGuard EPDR (Endpoint Security API)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "WatchGuard", Product: "WatchGuard EPDR", Type: "edr"},
	Detect: func(r *parse.Record) bool {
		j := r.JSON
		if j == nil {
			return false
		}
		_, dev := j["device_id"]
		_, host := j["host_name"]
		if !dev || !host {
			return false
		}
		_, sed := j["security_event_date"]
		_, eed := j["endpoint_event_date"]
		_, et := j["event_type"]
		_, d := j["date"]
		return sed || eed || (et && d)
	},
	Normalize: normalizeWatchGuardEPDR,
	Verified:  "Sekoia WatchGuard EPDR intake tests (13 events: malware, PUP, URLs, cookies, exploits, blocked programs and devices, network attacks)",
}

func init() { all = append(all, watchguardEPDR) }

func normalizeWatchGuardEPDR(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	e.Set("event.kind", "event")
	e.Set("event.module", "watchguard.epdr")
	e.Set("event.dataset", "Security logs")
	// Dates without an offset are UTC.
	if t, ok := jvTime(j.first("security_event_date", "date"), time.UTC); ok {
		e.SetTimestamp(t)
	}
	jvCopy(e, j, []jvField{
		{"device_id", []string{"device.id"}}, {"host_name", []string{"host.name"}},
		{"account_id", []string{"cloud.account.id"}}, {"id", []string{"event.id"}},
		{"hash", []string{"file.hash.md5"}}, {"sha256", []string{"file.hash.sha256"}},
		{"network_attack", []string{"event.reason"}}, {"exploit_technique", []string{"threat.technique.name"}},
		{"site_name", []string{"watchguard.epdr.site_name"}},
		{"malware_name", []string{"threat.software.name"}},
		{"rule_id", []string{"rule.id"}}, {"rule_name", []string{"rule.name"}},
		{"rule_risk", []string{"threat.indicator.confidence"}},
	})
	// Indicators of attack: the MITRE ATT&CK tactics and techniques.
	for _, m := range j.list("rule_mitre") {
		mm, _ := m.(map[string]any)
		if t, _ := mm["tactic"].(string); t != "" {
			e.AppendUnique("threat.tactic.id", t)
		}
		if t, _ := mm["technique"].(string); t != "" {
			e.AppendUnique("threat.technique.id", t)
		}
	}
	if p := j.str("path"); p != "" {
		// "PROGRAM_FILES|\dir\file" and "3|DESKTOPDIRECTORY|\dir\file": the
		// prefixes name the known folder the path is relative to.
		if i := strings.LastIndexByte(p, '|'); i >= 0 {
			p = p[i+1:]
		}
		e.Set("file.path", p)
		if d := jvDir(p); d != "" {
			e.Set("file.directory", d)
		}
		e.Set("file.name", jvBase(p))
	}
	if n := j.str("item_name"); n != "" {
		e.Set("file.name", n)
	}
	if ip := j.str("local_ip_address"); parse.IsIP(ip) {
		parse.Set(e, "host.ip", ip)
	}
	if ip := j.str("remote_ip_address"); parse.IsIP(ip) {
		parse.SetAddress(e, "client", ip)
	}
	cat, typ := "malware", "info"
	switch {
	case j.val("network_attack") != nil:
		cat = "network"
	case j.val("item_name") != nil && j.val("exploit_technique") == nil:
		// Programs the lock / hardening modes blocked.
		cat, typ = "intrusion_detection", "denied"
	}
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
	parse.FillRelated(e, "host.ip", "client.ip", "file.hash.md5", "file.hash.sha256")
	return nil
}
