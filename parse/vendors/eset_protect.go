package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// ESET PROTECT (on-premises and cloud) exports its events to syslog as
// JSON: every record names its type (event_type: Threat_Event,
// FirewallAggregated_Event, HipsAggregated_Event, Audit_Event, ESET
// Inspect Alert, ...), the managed computer (ipv4, hostname, os_name,
// group_name, source_uuid) and when it occurred ("occured", as ESET spells
// it, "10-May-2024 10:58:28" in UTC).
var esetProtect = &parse.Vendor{
	ID:       "eset-protect",
	Aliases:  []string{"eset", "eset_protect", "eset-protect-on-prem", "eset-inspect", "era"},
	Name:     "ESET PROTECT",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "ESET", Product: "ESET Protect", Type: "sensor"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, t := r.JSON["event_type"]
		_, o := r.JSON["occured"]
		return t && o
	},
	Normalize: normalizeESET,
	Verified:  "Sekoia ESET Protect intake tests (13 events: threats, firewall, HIPS, audit, ESET Inspect alerts)",
}

// esetAuditCategory maps the audit domains.
var esetAuditCategory = map[string]string{
	"Update modules": "package", "Native user": "authentication", "ESET INSPECT": "host",
	"Single-sign-on token": "authentication", "Domain user": "authentication", "Access group": "iam",
	"User": "iam", "Permission set": "iam", "Policy": "configuration", "Client task": "process", "Server task": "process",
}

func normalizeESET(r *parse.Record, e *event.Event) error {
	if r.JSON == nil {
		return errNotVendorRecord("ESET PROTECT JSON")
	}
	str := func(key string) string {
		s, _ := parse.JSONString(r.JSON, key)
		return strings.TrimSpace(s)
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := str(k); v != "" {
				return v
			}
		}
		return ""
	}
	typ := str("event_type")
	if t, err := time.ParseInLocation("02-Jan-2006 15:04:05", str("occured"), time.UTC); err == nil {
		e.SetTimestamp(t)
	}
	parse.Set(e, "event.dataset", typ)
	parse.Set(e, "event.action", first("action", "action_taken"))
	parse.Set(e, "event.reason", first("operation", "detail", "event", "cause"))
	parse.Set(e, "event.reference", str("eiconsolelink"))
	parse.Set(e, "host.ip", str("ipv4"))
	parse.Set(e, "host.ip", str("ipv6"))
	parse.Set(e, "host.name", str("hostname"))
	parse.Set(e, "host.id", str("source_uuid"))
	parse.Set(e, "host.os.full", str("os_name"))
	parse.Set(e, "host.domain", str("group_name"))
	parse.Set(e, "rule.name", first("rulename", "rule_name"))
	parse.Set(e, "rule.id", str("rule_id"))
	parse.Set(e, "source.ip", str("source_address"))
	parse.Set(e, "source.port", str("source_port"))
	parse.Set(e, "destination.ip", first("target_address", "destination_address"))
	parse.Set(e, "destination.port", first("target_port", "destination_port"))
	parse.Set(e, "network.protocol", str("protocol"))
	if u := str("user"); u != "" {
		name, domain, ok := strings.Cut(u, "@")
		e.Set("user.name", name)
		if ok {
			parse.Set(e, "user.domain", domain)
		}
	}
	switch str("result") {
	case "Success":
		e.Set("event.outcome", "success")
	case "Failure":
		e.Set("event.outcome", "failure")
	}
	for _, k := range []string{"domain", "eialarmid", "scanner_id", "scan_id", "threat_type", "threat_name", "threat_flags", "username", "hash", "engine_version"} {
		if v := str(k); v != "" {
			e.Set("eset.protect."+k, v)
		}
	}
	if str("object_type") == "File" {
		setFilePathParts(e, str("object_uri"))
	}
	if app := str("application"); app != "" {
		e.Set("process.parent.executable", app)
		e.Set("process.parent.name", winBasename(app))
	}
	proc := first("processname", "process_name")
	if typ == "HipsAggregated_Event" {
		proc = str("target")
	}
	if proc != "" {
		e.Set("process.executable", proc)
		e.Set("process.name", winBasename(proc))
	}
	action := str("action")
	switch typ {
	case "Audit_Event":
		domain := str("domain")
		if c, ok := esetAuditCategory[domain]; ok {
			e.Set("event.category", []string{c})
		}
		t := "info"
		switch {
		case domain == "Update modules" && action == "Update":
			t = "change"
		case domain == "Native user" && action == "Logout":
			t = "end"
		case domain == "Native user" && action == "Login":
			t = "start"
		}
		e.Set("event.type", []string{t})
	case "ESET Inspect Alert", "EnterpriseInspectorAlert_Event":
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"info"})
	case "Threat_Event":
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"info"})
	case "FirewallAggregated_Event":
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{esetDecision(action)})
	case "HipsAggregated_Event":
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{esetDecision(action)})
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "host.ip", "source.ip", "destination.ip", "user.name")
	return nil
}

func esetDecision(action string) string {
	switch strings.ToLower(action) {
	case "blocked", "denied":
		return "denied"
	case "allowed":
		return "allowed"
	}
	return "info"
}

func init() { all = append(all, esetProtect) }
