package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Nozomi Networks Vantage (SaaS): the data API exports JSON records by
// "event_type" (alerts, assets, vulnerabilities).
var nozomiVantage = &parse.Vendor{
	ID:       "nozomi-vantage",
	Aliases:  []string{"nozomi", "nozomi_vantage", "vantage"},
	Name:     "Nozomi Networks Vantage (alerts, assets, vulnerabilities)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Nozomi", Product: "Vantage", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		j := r.JSON
		if j == nil {
			return false
		}
		if _, ok := j["event_type"]; !ok {
			return false
		}
		for _, k := range []string{"appliance_host", "appliance_hosts", "matching_cpes", "nozomi_risk"} {
			if _, ok := j[k]; ok {
				return true
			}
		}
		return false
	},
	Normalize: normalizeNozomiVantage,
	Verified:  "Sekoia Nozomi Vantage intake tests (3 events: alert, asset, vulnerability)",
}

func init() { all = append(all, nozomiVantage) }

func normalizeNozomiVantage(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	typ := j.str("event_type")
	e.Set("event.dataset", typ)
	if t, ok := jvTime(j.val("time"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	switch typ {
	case "alerts":
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"info"})
		jvCopy(e, j, []jvField{
			{"type_name", []string{"event.action"}}, {"name", []string{"rule.name"}}, {"type_id", []string{"rule.id"}},
			{"severity", []string{"event.severity"}}, {"risk", []string{"event.risk_score"}},
			{"description", []string{"event.reason", "threat.indicator.description"}},
			{"port_src", []string{"source.port"}}, {"port_dst", []string{"destination.port"}},
			{"mac_src", []string{"source.mac"}}, {"mac_dst", []string{"destination.mac"}},
			{"zone_src", []string{"source.geo.name"}}, {"zone_dst", []string{"destination.geo.name"}},
			{"protocol", []string{"network.protocol"}}, {"transport_protocol", []string{"network.transport"}},
			{"appliance_host", []string{"observer.name"}}, {"threat_name", []string{"threat.software.name"}},
			{"id", []string{"event.id"}},
		})
		if !e.Has("event.action") {
			jvCopy(e, j, []jvField{{"name", []string{"event.action"}}})
		}
		for _, k := range [][2]string{{"ip_src", "source"}, {"ip_dst", "destination"}} {
			if ip := j.str(k[0]); parse.IsIP(ip) {
				parse.SetAddress(e, k[1], ip)
			}
		}
		if s := j.str("status"); s == "closed" {
			e.Set("event.outcome", "success")
		}
	case "assets":
		e.Set("event.kind", "asset")
		e.Set("event.category", []string{"host"})
		e.Set("event.type", []string{"info"})
		jvCopy(e, j, []jvField{
			{"name", []string{"host.name"}}, {"device_id", []string{"device.id"}},
			{"vendor", []string{"device.manufacturer"}}, {"product_name", []string{"device.model.name"}},
			{"type", []string{"host.type"}}, {"firmware_version", []string{"host.os.version"}},
			{"serial_number", []string{"device.serial_number"}},
		})
		for _, ip := range j.list("ip") {
			if s, _ := ip.(string); parse.IsIP(s) {
				parse.Set(e, "host.ip", s)
			}
		}
		for _, m := range j.list("mac_address") {
			if s, _ := m.(string); s != "" {
				parse.Set(e, "host.mac", s)
			}
		}
		if os := j.first("os", "os_or_firmware"); os != "" {
			e.Set("host.os.platform", strings.ToLower(os))
			e.Set("host.os.name", os)
		}
	case "vulnerabilities":
		e.Set("event.kind", "event")
		e.Set("event.category", []string{"vulnerability"})
		e.Set("event.type", []string{"info"})
		jvCopy(e, j, []jvField{
			{"category", []string{"event.reason", "vulnerability.category"}},
			{"cve", []string{"vulnerability.id"}}, {"summary", []string{"vulnerability.description"}},
			{"score", []string{"vulnerability.score.base"}},
		})
		if id := j.str("cve"); strings.HasPrefix(id, "CVE-") {
			e.Set("vulnerability.enumeration", "CVE")
		}
		for _, ref := range j.list("references") {
			m, _ := ref.(map[string]any)
			if u, _ := m["url"].(string); u != "" {
				e.Set("vulnerability.reference", u)
				break
			}
		}
	default:
		e.Set("event.kind", "event")
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip")
	return nil
}
