package vendors

import (
	"regexp"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// WatchGuard Firebox (Fireware OS) in LEEF 1.0 (tab- or "#011"-separated
// attributes): traffic (policy, disp, in_if/out_if, src/dst), proxies
// (HTTP, HTTPS, DNS, AV scan), and event messages with a free-text "msg"
// (DHCP, VPN and management logins).
var watchguard = &parse.Vendor{
	ID:       "watchguard-firebox",
	Aliases:  []string{"watchguard", "firebox", "fireware", "watchguard-xtm"},
	Name:     "WatchGuard Firebox (Fireware, LEEF)",
	Formats:  []parse.Format{parse.FormatLEEF},
	Observer: parse.Observer{Vendor: "WatchGuard", Product: "Firebox", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		return r.LEEF != nil && strings.EqualFold(r.LEEF.Vendor, "WatchGuard")
	},
	Normalize: normalizeWatchGuard,
	Verified:  "Sekoia WatchGuard Firebox intake tests (15 events: traffic, proxies, DHCP, VPN and management logins)",
}

func init() { all = append(all, watchguard) }

var wgFields = map[string][]string{
	"serial":         {"observer.serial_number"},
	"host_name":      {"observer.name"},
	"sys_name":       {"observer.hostname"},
	"policy":         {"rule.ruleset"},
	"rule_name":      {"rule.name"},
	"proxy_act":      {"rule.category"},
	"disp":           {"event.action"},
	"in_if":          {"observer.ingress.interface.name"},
	"out_if":         {"observer.egress.interface.name"},
	"srcPort":        {"source.port"},
	"dstPort":        {"destination.port"},
	"srcPostNAT":     {"source.nat.ip"},
	"dstPostNAT":     {"destination.nat.ip"},
	"srcPostNATPort": {"source.nat.port"},
	"dstPostNATPort": {"destination.nat.port"},
	"content_type":   {"http.response.mime_type"},
	"op":             {"http.request.method"},
	"sent_bytes":     {"source.bytes"},
	"rcvd_bytes":     {"destination.bytes"},
	"app":            {"network.application"},
	"msg":            {"event.reason"},
	"query_type":     {"dns.question.type"},
	"server_ssl":     {"tls.cipher"},
	"ip_TTL":         {"watchguard.ip_ttl"},
	"src_user":       {"source.user.name"},
	"dst_user":       {"destination.user.name"},
	"reason":         {"event.reason"},
}

var (
	wgFromIP  = regexp.MustCompile(`\bfrom ([0-9a-fA-F.:]+[0-9a-fA-F])\b`)
	wgVPNUser = regexp.MustCompile(`(?i)\buser \[?([^\s\]@]+)(?:@[^\s\]]*)?\]? from `)
	wgDHCP    = regexp.MustCompile(`^DHCP\w+ (?:on|for) ([0-9a-fA-F.:]+) (?:to|from) ([0-9a-fA-F:]{17})(?: \(([^)]+)\))?`)
	wgTLSVer  = regexp.MustCompile(`^(?i)(TLS|SSL)_?V?(\d)(\d)$`)
)

func normalizeWatchGuard(r *parse.Record, e *event.Event) error {
	l := r.LEEF
	if l == nil {
		parse.Generic(r, e)
		return nil
	}
	e.Set("event.code", l.EventID)
	parse.Set(e, "observer.product", l.Product)
	parse.Set(e, "observer.version", l.ProductVersion)
	g := func(k string) string { v, _ := r.Pairs.Get(k); return v }
	var devTime, devFmt string
	for _, p := range r.Pairs {
		switch p.Key {
		case "devTime":
			devTime = p.Value
		case "devTimeFormat":
			devFmt = p.Value
		case "src", "dst":
			role := "source"
			if p.Key == "dst" {
				role = "destination"
			}
			if parse.IsIP(p.Value) {
				parse.SetAddress(e, role, p.Value)
			}
		case "proto":
			e.Set("network.transport", parse.TransportName(p.Value))
		default:
			for _, t := range wgFields[p.Key] {
				parse.Set(e, t, p.Value)
			}
		}
	}
	if devTime != "" {
		if t, ok := parse.ParseLEEFTime(devTime, devFmt, r); ok {
			e.SetTimestamp(t)
		}
	}
	if d := g("dstname"); d != "" && !parse.IsIP(d) {
		e.Set("destination.domain", d)
		e.Set("destination.address", d)
		parse.SetDomainParts(e, "destination", d)
		e.Set("url.domain", d)
		parse.SetDomainParts(e, "url", d)
		e.AppendUnique(event.RelatedHosts, d)
	}
	if a := g("arg"); strings.HasPrefix(a, "/") {
		if q := strings.IndexByte(a, '?'); q >= 0 {
			e.Set("url.path", a[:q])
			e.Set("url.query", a[q+1:])
		} else {
			e.Set("url.path", a)
		}
	}
	if q := g("question"); q != "" {
		e.Set("dns.question.name", q)
		parse.SetDomainParts(e, "dns.question", q)
		e.AppendUnique(event.RelatedHosts, q)
	}
	if c := g("client_ssl"); c != "" && !e.Has("tls.cipher") {
		e.Set("tls.cipher", c)
	}
	if v := g("tls_version"); v != "" {
		if m := wgTLSVer.FindStringSubmatch(v); m != nil {
			e.Set("tls.version", m[2]+"."+m[3])
			e.Set("tls.version_protocol", strings.ToLower(m[1]))
		}
	}

	msg := g("msg")
	disp := strings.ToLower(g("disp"))
	cat, types := "network", []string{"info"}
	switch {
	case strings.Contains(msg, "AvScan") || strings.Contains(strings.ToLower(msg), "virus"):
		cat = "malware"
	case disp == "allow":
		types = []string{"allowed", "connection"}
		e.Set("event.outcome", "success")
	case disp == "deny":
		types = []string{"connection", "denied"}
		e.Set("event.outcome", "failure")
	}
	if msg != "" {
		lm := strings.ToLower(msg)
		if m := wgDHCP.FindStringSubmatch(msg); m != nil {
			parse.SetAddress(e, "source", m[1])
			e.Set("source.mac", m[2])
			if m[3] != "" {
				e.Set("source.domain", m[3])
				e.Set("source.address", m[3])
				e.AppendUnique(event.RelatedHosts, m[3])
			}
		} else if !e.Has("source.ip") {
			if m := wgFromIP.FindStringSubmatch(msg); m != nil && parse.IsIP(m[1]) {
				parse.SetAddress(e, "source", m[1])
			}
		}
		if m := wgVPNUser.FindStringSubmatch(msg); m != nil && !strings.HasPrefix(m[1], "<") {
			e.Set("user.name", m[1])
		}
		switch {
		case strings.Contains(lm, "authentication of") || strings.Contains(lm, "log in attempt") || strings.Contains(lm, "login attempt"):
			cat, types = "authentication", []string{"start"}
			switch {
			case strings.Contains(lm, "accepted") || strings.Contains(lm, "succeeded"):
				e.Set("event.outcome", "success")
			case strings.Contains(lm, "rejected") || strings.Contains(lm, "failed") || strings.Contains(lm, "denied"):
				e.Set("event.outcome", "failure")
			}
		case strings.Contains(lm, "logged in"):
			cat, types = "session", []string{"start"}
		case strings.Contains(lm, "logged out"):
			cat, types = "session", []string{"end"}
		}
	}
	e.Set("event.kind", "event")
	e.Set("event.category", []string{cat})
	e.Set("event.type", types)
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "user.name")
	return nil
}
