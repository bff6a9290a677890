package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Cisco Meraki MX/MR/MS: every syslog message is "<epoch.ns> <device> <log
// type> <details>" (after an RFC 5424 version "1 " when the header is
// sent), with key=value details, a trailing "pattern: <rule>" on firewall
// and flow logs, "request: <METHOD> <URL>" on URL logs and "message: ..."
// on IDS alerts; "events" carry a sub-type, as the first word or as
// type=..., and some of them free text.
var meraki = &parse.Vendor{
	ID:        "cisco-meraki",
	Aliases:   []string{"meraki", "cisco_meraki", "meraki-mx"},
	Name:      "Cisco Meraki (MX security appliances, MR/MS)",
	Formats:   []parse.Format{parse.FormatText, parse.FormatKV},
	Observer:  parse.Observer{Vendor: "Cisco", Product: "Meraki", Type: "firewall"},
	Detect:    func(r *parse.Record) bool { _, ok := splitMeraki(r.Body); return ok },
	Normalize: normalizeMeraki,
	Verified:  "Sekoia Cisco Meraki intake tests (17 events: flows, firewall, urls, ip flows, DHCP, AnyConnect VPN, content filtering)",
}

// merakiTypes are the log types of Meraki's syslog (Organization > Syslog
// roles: event log, flows, URLs, security events, IDS alerts, air marshal).
var merakiTypes = map[string]bool{
	"events": true, "flows": true, "firewall": true, "vpn_firewall": true, "cellular_firewall": true,
	"bridge_anyconnect_client_vpn_firewall": true, "urls": true, "ip_flow_start": true, "ip_flow_end": true,
	"ids-alerts": true, "security_event": true, "airmarshal_events": true,
}

type merakiHeader struct {
	epoch, device, kind, rest string
}

// splitMeraki reads the header; ok is false for anything else.
func splitMeraki(b string) (merakiHeader, bool) {
	var h merakiHeader
	b = strings.TrimLeft(b, " ")
	if strings.HasPrefix(b, "1 ") {
		b = b[2:]
	}
	i := strings.IndexByte(b, ' ')
	if i < 10 || i > 24 || !isMerakiEpoch(b[:i]) {
		return h, false
	}
	h.epoch = b[:i]
	b = b[i+1:]
	i = strings.IndexByte(b, ' ')
	if i <= 0 {
		return h, false
	}
	h.device = b[:i]
	b = b[i+1:]
	i = strings.IndexByte(b, ' ')
	if i < 0 {
		i = len(b)
	}
	h.kind = b[:i]
	if !merakiTypes[h.kind] {
		return h, false
	}
	if i < len(b) {
		h.rest = b[i+1:]
	}
	return h, true
}

// isMerakiEpoch accepts "1673277220" and "1673277220.253011885".
func isMerakiEpoch(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot && i >= 9:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

func normalizeMeraki(r *parse.Record, e *event.Event) error {
	h, ok := splitMeraki(r.Body)
	if !ok {
		return errNotVendorRecord("Cisco Meraki")
	}
	if t, ok := parse.ParseEpoch(h.epoch); ok {
		e.SetTimestamp(t)
	}
	e.Set("observer.hostname", h.device)
	e.Set("event.dataset", h.kind)
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"info"})
	rest := h.rest

	// Trailers that are not key=value.
	var pattern, request, message string
	if i := strings.Index(rest, " pattern: "); i >= 0 || strings.HasPrefix(rest, "pattern: ") {
		if i < 0 {
			i = -1
		}
		pattern = rest[i+len(" pattern: "):]
		rest = rest[:max(i, 0)]
	} else if i := strings.Index(rest, "request: "); i >= 0 {
		request = rest[i+len("request: "):]
		rest = rest[:i]
	} else if i := strings.Index(rest, "message: "); i >= 0 && h.kind != "events" {
		message = rest[i+len("message: "):]
		rest = rest[:i]
	}
	kv := format.ParseKV(rest, format.KVOptions{}, nil)

	switch h.kind {
	case "flows", "firewall", "vpn_firewall", "cellular_firewall", "bridge_anyconnect_client_vpn_firewall":
		action := ""
		if len(kv) > 0 && kv[0].Bare {
			action = kv[0].Key
		}
		if pattern != "" {
			p, rule, _ := strings.Cut(pattern, " ")
			switch p {
			case "0", "1", "allow", "deny":
				if action == "" {
					action = p
				}
				pattern = rule
			}
			parse.Set(e, "rule.name", strings.TrimSpace(pattern))
		}
		setMerakiAction(e, action)
	case "urls":
		if m, u, ok := strings.Cut(strings.TrimSpace(request), " "); ok {
			e.Set("http.request.method", m)
			setURLFullParts(e, u)
		}
	case "ids-alerts", "security_event":
		merakiSecurity(e, h.kind, kv, message)
	case "events":
		merakiEvent(e, rest, kv)
	}
	for _, p := range kv {
		if p.Bare {
			continue
		}
		v := p.Value
		switch p.Key {
		case "src", "dst":
			role := "source"
			if p.Key == "dst" {
				role = "destination"
			}
			host, port := v, ""
			if h.kind == "urls" || !parse.IsIP(v) {
				// URL logs always give address:port.
				host, port = splitAddrPortLast(v)
			}
			if parse.IsIP(host) {
				parse.SetAddress(e, role, host)
				parse.Set(e, role+".port", port)
			}
		case "sport":
			parse.Set(e, "source.port", v)
		case "dport":
			parse.Set(e, "destination.port", v)
		case "protocol":
			e.Set("network.protocol", v)
		case "mac", "client_mac":
			parse.Set(e, "source.mac", v)
		case "agent":
			e.Set("user_agent.original", v)
		case "translated_src_ip":
			parse.Set(e, "source.nat.ip", v)
			if t, ok := kv.Get("translated_port"); ok {
				parse.Set(e, "source.nat.port", t)
			}
		case "translated_dst_ip":
			parse.Set(e, "destination.nat.ip", v)
			if t, ok := kv.Get("translated_port"); ok {
				parse.Set(e, "destination.nat.port", t)
			}
		case "url":
			setURLFullParts(e, v)
		case "server":
			host, port := splitAddrPortLast(v)
			if parse.IsIP(host) {
				parse.SetAddress(e, "destination", host)
				parse.Set(e, "destination.port", port)
			}
		}
	}
	e.AppendUnique(event.RelatedHosts, h.device)
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "user.name")
	return nil
}

// setMerakiAction reads a firewall decision: allow/deny, or the rule
// pattern's 0 (allow) / 1 (deny).
func setMerakiAction(e *event.Event, a string) {
	switch strings.ToLower(a) {
	case "allow", "allowed", "0":
		e.Set("event.outcome", "allow")
		e.Set("event.type", []string{"allowed"})
	case "deny", "denied", "1", "block", "blocked":
		e.Set("event.outcome", "deny")
		e.Set("event.type", []string{"denied"})
	}
}

// merakiEvent reads the "events" log: a sub-type and its details.
func merakiEvent(e *event.Event, rest string, kv format.Pairs) {
	sub := ""
	if len(kv) > 0 {
		if kv[0].Bare {
			sub = kv[0].Key
		} else if kv[0].Key == "type" {
			sub = kv[0].Value
		}
	}
	msg := ""
	if i := strings.Index(rest, "msg="); i >= 0 {
		msg = strings.Trim(strings.TrimSpace(rest[i+4:]), "'\"")
	}
	switch {
	case sub == "dhcp":
		// "dhcp lease of ip A from server mac M for client mac C ..." or
		// "dhcp no offers for mac C"
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i++ {
			switch {
			case f[i] == "ip" && i > 0 && f[i-1] == "of":
				parse.SetAddress(e, "source", f[i+1])
			case f[i] == "mac" && i > 0 && f[i-1] == "server":
				parse.Set(e, "destination.mac", f[i+1])
			case f[i] == "mac" && i > 0 && (f[i-1] == "client" || f[i-1] == "for"):
				parse.Set(e, "source.mac", f[i+1])
			}
		}
		sub = "dhcp_lease"
		if len(f) > 2 && f[1] == "no" {
			sub = "dhcp_no_offer"
		}
	case sub == "content_filtering_block":
		e.Set("event.outcome", "block")
		e.Set("event.type", []string{"denied"})
	case sub == "anyconnect_vpn_connect" || sub == "anyconnect_vpn_disconnect":
		// "user id 'u@d' local ip A connected from B"
		if i := strings.Index(rest, "user id '"); i >= 0 {
			u := rest[i+len("user id '"):]
			if j := strings.IndexByte(u, '\''); j >= 0 {
				setMerakiUser(e, u[:j])
			}
		}
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i++ {
			switch {
			case f[i] == "ip" && i > 0 && f[i-1] == "local":
				parse.Set(e, "source.nat.ip", f[i+1])
			case f[i] == "from" && i > 0 && strings.HasSuffix(f[i-1], "connected"):
				parse.SetAddress(e, "source", f[i+1])
			}
		}
	case strings.HasPrefix(sub, "anyconnect_vpn"):
		merakiVPNMessage(e, sub, msg)
	}
	if sub != "" {
		e.Set("cisco_meraki.event_subtype", sub)
	}
}

// merakiVPNMessage reads AnyConnect messages: "Server IP=A Server port=P
// Prot[TCP] Peer IP=B Peer port=Q ...", "Sess-ID[n] Peer IP=B User[u]:
// ...", "RADIUS[n] ... User=u: <outcome text>".
func merakiVPNMessage(e *event.Event, sub, msg string) {
	msg = strings.TrimSpace(msg)
	if v := merakiAfter(msg, "Server IP="); v != "" {
		parse.SetAddress(e, "destination", v)
	}
	if v := merakiAfter(msg, "Server port="); v != "" {
		parse.Set(e, "destination.port", v)
		parse.Set(e, "server.port", v)
	}
	if v := merakiAfter(msg, "Peer IP="); v != "" {
		parse.SetAddress(e, "source", v)
	}
	if v := merakiAfter(msg, "Peer port="); v != "" {
		parse.Set(e, "source.port", v)
	}
	if i := strings.Index(msg, "Prot["); i >= 0 {
		if j := strings.IndexByte(msg[i:], ']'); j > 0 {
			e.Set("network.protocol", msg[i+5:i+j])
		}
	}
	if i := strings.Index(msg, "User["); i >= 0 {
		if j := strings.IndexByte(msg[i:], ']'); j > 0 {
			setMerakiUser(e, msg[i+5:i+j])
		}
	} else if v := merakiAfter(msg, "User="); v != "" {
		setMerakiUser(e, v)
	}
	switch {
	case strings.HasSuffix(sub, "_auth_success"):
		e.Set("event.outcome", "success")
		e.Set("event.type", []string{"allowed"})
	case strings.HasSuffix(sub, "_auth_failure"):
		e.Set("event.outcome", "failure")
		e.Set("event.type", []string{"denied"})
	}
}

// merakiAfter returns the word after key in s, without a trailing colon.
func merakiAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	v := s[i+len(key):]
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSuffix(v, ":")
}

func setMerakiUser(e *event.Event, u string) {
	name, domain, ok := strings.Cut(u, "@")
	parse.Set(e, "user.name", name)
	if ok {
		parse.Set(e, "user.domain", domain)
	}
}

// merakiSecurity reads IDS alerts and security events (Snort signatures,
// AMP file dispositions).
func merakiSecurity(e *event.Event, kind string, kv format.Pairs, message string) {
	sub := ""
	if len(kv) > 0 && kv[0].Bare {
		sub = kv[0].Key
	}
	if kind == "ids-alerts" || sub == "ids_alerted" {
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"network", "intrusion_detection"})
	} else {
		e.Set("event.category", []string{"network", "malware"})
	}
	if sub != "" {
		e.Set("cisco_meraki.event_subtype", sub)
	}
	if m := strings.TrimSpace(message); m != "" {
		e.Set("rule.name", m)
	}
	for _, p := range kv {
		switch p.Key {
		case "signature":
			e.Set("rule.id", p.Value)
		case "priority":
			parse.Set(e, "event.severity", p.Value)
		case "direction":
			switch p.Value {
			case "ingress":
				e.Set("network.direction", "ingress")
			case "egress":
				e.Set("network.direction", "egress")
			}
		case "decision", "action":
			setMerakiAction(e, p.Value)
		case "sha256":
			parse.Set(e, "file.hash.sha256", p.Value)
		case "name":
			parse.Set(e, "file.name", p.Value)
		case "dhost":
			parse.Set(e, "destination.mac", p.Value)
		}
	}
}

// splitAddrPortLast splits "a.b.c.d:port" and "v6:addr:port" at the last colon.
func splitAddrPortLast(s string) (host, port string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

func init() { all = append(all, meraki) }
