package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Suricata EVE JSON (one event per line: alert, flow, dns, http, tls, ...).
var suricata = &parse.Vendor{
	ID:       "suricata",
	Aliases:  []string{"suricata-eve", "eve", "suricata_eve"},
	Name:     "Suricata EVE JSON",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "OISF", Product: "Suricata", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, et := r.JSON["event_type"]
		_, fid := r.JSON["flow_id"]
		_, src := r.JSON["src_ip"]
		return et && (fid || src)
	},
	Normalize: normalizeSuricata,
	Verified:  "Sekoia Suricata intake tests (12 events); CrowdSec suricata-logs-evelog; Wazuh OwlH samples",
}

var suricataMap = map[string][]string{
	"src_ip": {"source.ip", "host.ip"}, "dest_ip": {"destination.ip"},
	"src_port": {"source.port"}, "dest_port": {"destination.port"}, "in_iface": {"observer.ingress.interface.name"},
	"community_id": {"network.community_id"}, "host": {"host.name"},
	"flow.bytes_toserver": {"source.bytes"}, "flow.bytes_toclient": {"destination.bytes"},
	"flow.pkts_toserver": {"source.packets"}, "flow.pkts_toclient": {"destination.packets"},
	"flow.start": {"event.start"}, "flow.end": {"event.end"}, "flow.reason": {"event.reason"},
	"alert.severity": {"event.severity"}, "alert.signature": {"rule.name"}, "alert.signature_id": {"rule.id"}, "alert.category": {"rule.category"},
	"dns.id": {"dns.id"}, "dns.type": {"dns.type"}, "dns.rcode": {"dns.response_code"}, "dns.rrname": {"dns.question.name"}, "dns.rrtype": {"dns.question.type"},
	"http.http_method": {"http.request.method"}, "http.status": {"http.response.status_code"}, "http.length": {"http.response.bytes"},
	"http.http_content_type": {"http.response.mime_type"}, "http.hostname": {"url.domain"}, "http.http_user_agent": {"user_agent.original"},
	"http.http_refer": {"http.request.referrer"},
	"tls.subject":     {"tls.client.subject"}, "tls.issuerdn": {"tls.client.issuer"}, "tls.version": {"tls.version"}, "tls.sni": {"tls.client.server_name"},
	"tls.notbefore": {"tls.client.not_before"}, "tls.notafter": {"tls.client.not_after"}, "tls.ja3.hash": {"tls.client.ja3"}, "tls.ja3s.hash": {"tls.server.ja3s"},
	"tls.fingerprint": {"tls.client.hash.sha1"},
}

var suricataRules = func() map[string][]parse.Target {
	m := map[string][]parse.Target{}
	for k, ts := range suricataMap {
		m[k] = parse.NewTargets(ts...)
	}
	return m
}()

func normalizeSuricata(r *parse.Record, e *event.Event) error {
	j := r.JSON
	if j == nil {
		return nil
	}
	e.Set("event.category", []string{"network"})
	et, _ := parse.JSONString(j, "event_type")
	switch et {
	case "alert":
		e.Set("event.kind", "alert")
		e.Set("event.type", []string{"connection"})
	case "stats", "":
		e.Set("event.type", []string{"info"})
	default:
		e.Set("event.type", []string{"connection"})
	}
	if et != "" {
		e.Set("event.dataset", et)
	}
	parse.Flatten(j, func(path string, v any) {
		ts, ok := suricataRules[path]
		if !ok {
			return
		}
		for _, t := range ts {
			if t.Name == "event.start" || t.Name == "event.end" || strings.HasPrefix(t.Name, "tls.client.not_") {
				if s, ok := v.(string); ok {
					if tm, ok := parse.ParseTime(s, r.Location()); ok {
						e.Set(t.Name, tm.UTC())
					}
				}
				continue
			}
			if s, ok := v.(string); ok {
				t.Set(e, s)
			} else {
				parse.SetValue(e, t.Name, v)
			}
		}
	})
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	if p, ok := parse.JSONString(j, "proto"); ok {
		e.Set("network.transport", p)
		e.Set("network.protocol", p)
	}
	if ts, ok := parse.JSONString(j, "timestamp"); ok {
		if t, ok := parse.ParseTime(ts, r.Location()); ok {
			e.SetTimestamp(t)
		}
	}
	if u, ok := parse.JSONString(j, "http.url"); ok {
		parse.SetURL(e, "url", u)
	}
	if p, ok := parse.JSONString(j, "http.protocol"); ok {
		if v, ok := strings.CutPrefix(p, "HTTP/"); ok {
			e.Set("http.version", v)
		}
	}
	if q := e.Str("dns.question.name"); q != "" {
		parse.SetDomainParts(e, "dns.question", q)
		e.AppendUnique(event.RelatedHosts, q)
	}
	// dns.answers: from the answers list, or the answered name itself.
	var answers []any
	if l, ok := parse.JSONPath(j, "dns.answers"); ok {
		if list, ok := l.([]any); ok {
			for _, a := range list {
				if am, ok := a.(map[string]any); ok {
					ans := map[string]any{}
					if n, ok := am["rrname"].(string); ok {
						ans["name"] = n
					}
					if t, ok := am["rrtype"].(string); ok {
						ans["type"] = t
					}
					answers = append(answers, ans)
				}
			}
		}
	} else if e.Str("dns.type") == "answer" {
		if n := e.Str("dns.question.name"); n != "" {
			answers = append(answers, map[string]any{"name": n, "type": e.Str("dns.question.type")})
		}
	}
	if answers != nil {
		e.Set("dns.answers", answers)
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

func init() { all = append(all, suricata) }
