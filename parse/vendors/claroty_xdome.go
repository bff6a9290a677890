package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Claroty xDome (medical and industrial device security) forwards its
// communication events, alerts and device changes as CEF whose extension
// keys are xDome's own attribute names: device_* (the asset concerned,
// lists written as Python lists "['a', 'b']"), src_ip/dst_ip/..,
// event_type, event_description, event_timestamp, username, certificate_*
// (TLS findings), malicious_ip_* (threat intelligence hits), change_*
// (device changes). "None" means no value.
var clarotyXDome = &parse.Vendor{
	ID:       "claroty-xdome",
	Aliases:  []string{"claroty", "xdome", "claroty_xdome", "claroty-medigate", "medigate"},
	Name:     "Claroty xDome",
	Formats:  []parse.Format{parse.FormatCEF},
	Observer: parse.Observer{Vendor: "Claroty"},
	Detect: func(r *parse.Record) bool {
		return r.CEF != nil && strings.EqualFold(r.CEF.DeviceVendor, "Claroty")
	},
	Normalize: normalizeClaroty,
	Verified:  "Sekoia Claroty xDome intake tests (8 events: PHI protocols, TLS certificates, weak and plaintext credentials, malicious IPs, file transfers, device changes)",
}

func normalizeClaroty(r *parse.Record, e *event.Event) error {
	c := r.CEF
	if c == nil {
		return errNotVendorRecord("Claroty CEF")
	}
	f := make(map[string]string, len(r.Pairs))
	for _, p := range r.Pairs {
		if v := strings.TrimSpace(p.Value); v != "" && v != "None" && v != "[]" {
			f[p.Key] = v
		}
	}
	set := func(field, key string) {
		if v := f[key]; v != "" {
			parse.Set(e, field, v)
		}
	}
	parse.Set(e, "observer.vendor", c.DeviceVendor)
	parse.Set(e, "observer.product", c.DeviceProduct)
	parse.Set(e, "observer.version", c.DeviceVersion)
	if sev, ok := parseSeverity(c.Severity); ok {
		e.Set("event.severity", sev)
	}
	e.Set("event.kind", "alert")
	for _, k := range []string{"event_timestamp", "change_timestamp", "alert_timestamp"} {
		if t, ok := parse.ParseTime(f[k], time.UTC); ok {
			e.SetTimestamp(t)
			break
		}
	}
	switch {
	case f["change_id"] != "":
		e.Set("event.category", []string{"configuration"})
		e.Set("event.type", []string{"change"})
	case f["username"] != "":
		e.Set("event.category", []string{"authentication"})
		e.Set("event.type", []string{"info"})
		d := strings.ToLower(f["event_description"])
		switch {
		case strings.Contains(d, "successful"):
			e.Set("event.outcome", "success")
		case strings.Contains(d, "attempt") || strings.Contains(d, "fail"):
			e.Set("event.outcome", "failure")
		}
	default:
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"connection"})
	}
	set("source.ip", "src_ip")
	set("source.mac", "src_mac")
	set("source.port", "src_port")
	set("user.name", "username")
	if v := f["dst_ip"]; v != "" {
		parse.Set(e, "destination.ip", v)
	} else {
		set("destination.ip", "external_ip")
	}
	set("destination.mac", "dst_mac")
	set("destination.port", "dst_port")
	if d := f["domain"]; d != "" {
		e.Set("destination.domain", d)
		parse.SetDomainParts(e, "destination", d)
	}
	set("network.protocol", "protocol")
	set("event.reason", "event_description")
	set("event.reason", "change_description")
	set("event.code", "event_type")
	for _, m := range pythonList(f["device_mac_list"]) {
		parse.Set(e, "host.mac", m)
	}
	for _, ip := range pythonList(f["device_ip_list"]) {
		parse.Set(e, "host.ip", ip)
	}
	set("host.type", "device_type")
	set("host.os.full", "device_os")
	set("host.id", "device_uid")
	set("device.id", "device_asset_id")
	set("device.manufacturer", "device_manufacturer")
	set("device.model.name", "device_model")
	for k, field := range map[string]string{
		"device_type": "device.type", "device_type_family": "device.type_family", "device_category": "device.category",
		"device_subcategory": "device.subcategory", "device_site_name": "device.site_name",
		"alert_type": "alert.type", "alert_name": "alert.name", "alert_category": "alert.category", "alert_description": "alert.description",
		"malicious_ip_confidence": "malicious_ip.confidence", "malicious_ip_severity": "malicious_ip.severity",
		"malicious_ip_type": "malicious_ip.type", "malicious_ip_source": "malicious_ip.source", "malicious_ip_threat_type": "malicious_ip.threat_type",
		"client_id": "client_id", "sender_id": "sender_id", "event_id": "event_id",
		"change_id": "change.id", "change_type": "change.type", "change_alerted_attribute": "change.alerted_attribute",
		"signature_name": "threat.signature_name", "signature_content": "threat.signature_content",
		"signature_confidence": "threat.signature_confidence", "signature_severity": "threat.signature_severity",
	} {
		if v := f[k]; v != "" {
			e.Set("claroty.xdome."+field, v)
		}
	}
	for _, k := range []string{"alert_id", "change_alert_id", "event_alert_id"} {
		if v := f[k]; v != "" {
			e.Set("claroty.xdome.alert.id", v)
			break
		}
	}
	if ct := strings.ToLower(f["certificate_type"]); ct == "server" || ct == "client" {
		p := "tls." + ct + "."
		set(p+"x509.subject.common_name", "certificate_CN")
		set(p+"x509.subject.country", "certificate_C")
		set(p+"x509.subject.locality", "certificate_L")
		set(p+"x509.subject.organization", "certificate_O")
		set(p+"x509.subject.organizational_unit", "certificate_OU")
		set(p+"x509.subject.state_or_province", "certificate_ST")
		for k, field := range map[string]string{"certificate_expiry_date": "x509.not_after", "certificate_start_date": "x509.not_before"} {
			if t, err := time.Parse("20060102150405Z", f[k]); err == nil {
				e.Set(p+field, t)
			}
		}
		if v := f["certificate_thumbprint"]; v != "" {
			e.Set(p+"hash.sha1", v)
			e.AppendUnique(event.RelatedHash, v)
		}
	}
	if strings.EqualFold(f["event_type"], "Executable File Transfer") || f["file_name"] != "" {
		set("file.name", "file_name")
		set("file.type", "file_type")
	}
	for _, role := range []string{"source", "destination"} {
		if d := e.Str(role + ".domain"); d != "" {
			e.Set(role+".address", d)
		} else if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "user.name", "destination.domain")
	return nil
}

// pythonList reads "['a', 'b', None]" into its non-empty string items.
func pythonList(s string) []string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		if s != "" && s != "None" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, it := range strings.Split(s[1:len(s)-1], ",") {
		it = strings.Trim(strings.TrimSpace(it), `'"`)
		if it != "" && it != "None" {
			out = append(out, it)
		}
	}
	return out
}

func init() { all = append(all, clarotyXDome) }
