package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Gatewatcher AIONIQ (NDR): the GCenter forwards the events of its probes
// (GCap) as JSON: Suricata EVE records enriched by the GCenter (type
// "suricata": alerts and protocol metadata), and its own engines' findings
// (type "malcore": multi-engine file analysis, "machine_learning": DGA,
// "shellcode", "powershell", "retrohunt": IOC matches). Every record names
// the probe (gcap), the GCenter (gcenter) and the detection and analysis
// times.
var gatewatcherAIONIQ = &parse.Vendor{
	ID:       "gatewatcher-aioniq",
	Aliases:  []string{"aioniq", "gatewatcher", "gcenter", "gatewatcher_aioniq"},
	Name:     "Gatewatcher AIONIQ (GCenter / GCap)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Gatewatcher", Product: "AIONIQ", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, c := r.JSON["gcenter"]
		_, p := r.JSON["gcap"]
		return c || p
	},
	Normalize: normalizeAIONIQ,
	// Its records are Suricata EVE records with the GCenter's fields: it
	// must be tried before the Suricata normalizer.
	Priority: -2,
	Verified: "Sekoia Gatewatcher AIONIQ intake tests (6 events: Suricata alerts, HTTP, TLS and file metadata, Malcore, DGA)",
}

func normalizeAIONIQ(r *parse.Record, e *event.Event) error {
	if r.JSON == nil {
		return errNotVendorRecord("Gatewatcher AIONIQ JSON")
	}
	str := func(key string) string {
		s, _ := parse.JSONString(r.JSON, key)
		return strings.TrimSpace(s)
	}
	set := func(field, key string) {
		if v := str(key); v != "" {
			parse.Set(e, field, v)
		}
	}
	typ, eventType := str("type"), str("event_type")
	for _, k := range []string{"timestamp_detected", "timestamp", "@timestamp"} {
		if t, ok := parse.ParseTime(str(k), time.UTC); ok {
			e.SetTimestamp(t)
			break
		}
	}
	e.Set("event.category", []string{"network"})
	set("source.ip", "src_ip")
	set("source.port", "src_port")
	set("destination.ip", "dest_ip")
	set("destination.port", "dest_port")
	set("observer.name", "gcap")
	set("observer.hostname", "host")
	set("event.severity", "severity")
	set("network.protocol", "app_proto")
	set("network.transport", "proto")
	set("event.module", "event_type")
	if eventType == "alert" {
		e.Set("event.kind", "alert")
	}
	if m := str("ether.src_mac"); m != "" {
		parse.Set(e, "observer.mac", m)
		parse.Set(e, "observer.mac", str("ether.dest_mac"))
	}
	for _, k := range []string{"gcap", "gcenter", "type", "state", "flow_id", "event_type", "payload", "payload_printable",
		"timestamp_analyzed", "timestamp_detected", "reporting_token", "matched_event", "probability", "sub_type", "sample_id"} {
		if v := str(k); v != "" {
			e.Set("gatewatcher."+k, v)
		}
	}
	// HTTP metadata, file information and Suricata alerts.
	if host := str("http.hostname"); host != "" {
		e.Set("url.domain", host)
		parse.SetDomainParts(e, "url", host)
	}
	set("url.path", "http.url")
	set("http.request.method", "http.http_method")
	set("http.response.status_code", "http.status")
	set("user_agent.original", "http.http_user_agent")
	set("http.request.referrer", "http.http_refer")
	if v := str("http.protocol"); strings.HasPrefix(v, "HTTP/") {
		e.Set("http.version", strings.TrimPrefix(v, "HTTP/"))
	}
	set("file.name", "fileinfo.filename")
	set("file.size", "fileinfo.size")
	set("file.hash.md5", "fileinfo.md5")
	set("file.hash.sha256", "fileinfo.sha256")
	set("gatewatcher.filemagic", "fileinfo.magic")
	set("rule.id", "alert.signature_id")
	set("rule.name", "alert.signature")
	set("rule.category", "alert.category")
	set("event.action", "alert.action")
	set("source.bytes", "flow.bytes_toserver")
	set("destination.bytes", "flow.bytes_toclient")
	set("source.packets", "flow.pkts_toserver")
	set("destination.packets", "flow.pkts_toclient")
	set("dns.question.name", "dns.rrname")
	set("dns.question.type", "dns.rrtype")
	set("dns.type", "dns.type")
	if eventType == "tls" || str("tls.version") != "" {
		set("tls.version", "tls.version")
		set("tls.server.ja3s", "tls.ja3s.hash")
		set("tls.server.issuer", "tls.issuerdn")
		set("tls.server.subject", "tls.subject")
		set("gatewatcher.tls_sni", "tls.sni")
		if v := str("tls"); v != "" {
			e.Set("gatewatcher.tls", v)
		}
	}
	switch {
	case typ == "malcore" || eventType == "malware":
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"info"})
		set("gatewatcher.malcore.detail_threat_found", "detail_threat_found")
		if v := str("code"); v != "" {
			e.Set("gatewatcher.malcore.code", v)
		} else if v := str("severity"); v != "" {
			e.Set("gatewatcher.malcore.code", v)
		}
		if v := str("fileinfo"); v != "" {
			e.Set("gatewatcher.fileinfo", v)
		}
	case eventType == "dga":
		if d := str("domain_name"); d != "" {
			e.Set("destination.domain", d)
			parse.SetDomainParts(e, "destination", d)
			e.Set("url.domain", d)
			parse.SetDomainParts(e, "url", d)
		}
	}
	for _, role := range []string{"source", "destination"} {
		if d := e.Str(role + ".domain"); d != "" {
			e.Set(role+".address", d)
		} else if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "url.domain", "observer.hostname", "destination.domain",
		"file.hash.md5", "file.hash.sha256")
	return nil
}

func init() { all = append(all, gatewatcherAIONIQ) }
