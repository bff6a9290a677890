package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Infoblox NIOS (DDI: DNS, DHCP, IPAM) sends the logs of its BIND and ISC
// DHCP services: BIND query logs ("client [@0x..] ip#port (name): query:
// name IN A +E (server)"), NIOS' query/response logging ("client ip#port:
// UDP: query: name IN A response: NOERROR + name. 300 IN A addr; ..."),
// other BIND messages (FORMERR resolving, zone notify/transfer, updates),
// the DHCP server's DHCPDISCOVER/REQUEST/ACK/... lines, Option 82 relay
// messages and lease records ("r-l-e:ip,type,host,mac,start,end,...").
var infobloxDDI = &parse.Vendor{
	ID:        "infoblox-ddi",
	Aliases:   []string{"infoblox", "infoblox-nios", "nios", "ddi", "infoblox_nios"},
	Name:      "Infoblox NIOS DDI (DNS, DHCP)",
	Formats:   []parse.Format{parse.FormatText, parse.FormatCEF},
	Observer:  parse.Observer{Vendor: "Infoblox", Product: "NIOS", Type: "dns"},
	Detect:    detectInfoblox,
	Normalize: normalizeInfoblox,
	Priority:  parse.PriorityWeak,
	Verified:  "Sekoia Infoblox DDI intake tests (21 events: BIND query logs, NIOS query/response logs, DHCP and lease messages)",
}

// detectInfoblox takes what BIND itself does not write: NIOS' query and
// response lines, its lease records and the DHCP server's messages.
func detectInfoblox(r *parse.Record) bool {
	if r.CEF != nil {
		return strings.EqualFold(r.CEF.DeviceVendor, "Infoblox")
	}
	b := r.Body
	if strings.HasPrefix(b, "r-l-e:") || strings.HasPrefix(b, "Option 82: received a ") {
		return true
	}
	if strings.HasPrefix(b, "DHCP") {
		w, _, _ := strings.Cut(b, " ")
		return infobloxDHCPVerbs[w]
	}
	return strings.Contains(b, "P: query: ") && strings.Contains(b, " response: ")
}

var infobloxDHCPVerbs = map[string]bool{
	"DHCPDISCOVER": true, "DHCPOFFER": true, "DHCPREQUEST": true, "DHCPACK": true, "DHCPNAK": true,
	"DHCPRELEASE": true, "DHCPDECLINE": true, "DHCPINFORM": true, "DHCPLEASEQUERY": true, "DHCPEXPIRE": true,
	"DHCPBOOTREQUEST": true, "DHCPBOOTREPLY": true,
}

func normalizeInfoblox(r *parse.Record, e *event.Event) error {
	if r.CEF != nil {
		infobloxRPZ(r, e)
		parse.FillRelated(e, "source.ip", "destination.ip", "dns.question.name")
		return nil
	}
	b := strings.TrimSpace(r.Body)
	if b == "" {
		return errNotVendorRecord("Infoblox")
	}
	// BIND's own timestamp: "28-Nov-2024 15:26:27.359 ".
	if len(b) > 24 && b[2] == '-' && b[6] == '-' {
		if t, err := time.ParseInLocation("02-Jan-2006 15:04:05.000", b[:24], r.Location()); err == nil {
			e.SetTimestamp(t)
			b = strings.TrimLeft(b[24:], " ")
		}
	}
	w, _, _ := strings.Cut(b, " ")
	switch {
	case strings.HasPrefix(b, "r-l-e:"):
		infobloxLease(e, b[len("r-l-e:"):])
	case strings.HasPrefix(b, "Option 82: received a "):
		infobloxOption82(e, b)
	case infobloxDHCPVerbs[w]:
		infobloxDHCP(e, b)
	default:
		infobloxDNS(e, b)
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "dns.question.name")
	return nil
}

// infobloxRPZ reads the response policy zone hits NIOS sends as CEF:
// "CEF:0|Infoblox|NIOS|<ver>|RPZ-QNAME|NXDOMAIN|7|app=DNS dst=<server>
// src=<client> spt=<port> view=<view> qtype=A msg=<rpz rewrite message>".
func infobloxRPZ(r *parse.Record, e *event.Event) {
	c := r.CEF
	e.Set("event.kind", "alert")
	parse.Set(e, "event.action", c.SignatureID)
	parse.Set(e, "rule.name", c.Name)
	if sev, ok := parseSeverity(c.Severity); ok {
		e.Set("event.severity", sev)
	}
	for _, p := range r.Pairs {
		switch p.Key {
		case "src":
			parse.Set(e, "source.ip", p.Value)
		case "spt":
			parse.Set(e, "source.port", p.Value)
		case "dst":
			parse.Set(e, "destination.ip", p.Value)
		case "qtype":
			parse.Set(e, "dns.question.type", p.Value)
		case "msg":
			parse.Set(e, "event.reason", p.Value)
			// "rpz QNAME NXDOMAIN rewrite <name> [A] via <rule>"
			if _, rest, ok := strings.Cut(p.Value, " rewrite "); ok {
				name, _, _ := strings.Cut(rest, " ")
				setQuestion(e, name, "", "")
			}
		case "view":
			parse.Set(e, "infoblox.ddi.view", p.Value)
		}
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
}

// infobloxDNS reads the BIND messages.
func infobloxDNS(e *event.Event, b string) {
	// "<category>: client ..." (the BIND logging category).
	if i := strings.Index(b, ": "); i > 0 && !strings.HasPrefix(b, "client ") && strings.IndexByte(b[:i], ' ') < 0 {
		rest := b[i+2:]
		if strings.HasPrefix(rest, "client ") {
			e.Set("infoblox.ddi.category", b[:i])
			b = rest
		}
	}
	if rest, ok := strings.CutPrefix(b, "client "); ok {
		infobloxClient(e, rest)
		return
	}
	switch {
	case strings.Contains(b, " resolving '"):
		// "FORMERR resolving 'name/AAAA/IN': 192.0.2.1#53"
		action, rest, _ := strings.Cut(b, " resolving '")
		q, server, _ := strings.Cut(rest, "': ")
		e.Set("event.action", action)
		p := strings.Split(q, "/")
		if len(p) == 3 {
			setQuestion(e, p[0], p[2], p[1])
		}
		ip, port, _ := strings.Cut(server, "#")
		if parse.Set(e, "destination.ip", ip) {
			parse.Set(e, "destination.port", port)
		}
	case strings.HasPrefix(b, "zone ") || strings.HasPrefix(b, "transfer of '"):
		// "zone example.org/IN: notify from 192.0.2.1#53: ..." and
		// "transfer of 'example.org/IN' from 192.0.2.1#53: ..."
		rest := strings.TrimPrefix(strings.TrimPrefix(b, "zone "), "transfer of '")
		zone, msg, _ := strings.Cut(rest, " ")
		zone = strings.TrimSuffix(strings.TrimSuffix(zone, ":"), "'")
		if name, class, ok := strings.Cut(zone, "/"); ok {
			setQuestion(e, name, class, "")
		}
		if _, from, ok := strings.Cut(msg, "from "); ok {
			addr, text, _ := strings.Cut(from, " ")
			ip, port, _ := strings.Cut(strings.TrimSuffix(addr, ":"), "#")
			if parse.Set(e, "source.ip", ip) {
				parse.Set(e, "source.port", port)
			}
			e.Set("event.reason", text)
		}
	case strings.HasPrefix(b, "validating "):
		q, msg, _ := strings.Cut(b[len("validating "):], ": ")
		if name, typ, ok := strings.Cut(q, "/"); ok {
			setQuestion(e, name, "", typ)
		}
		e.Set("event.reason", msg)
	default:
		e.Set("event.reason", b)
	}
}

// infobloxClient reads "[@0x..] ip#port[ (name)]: ...".
func infobloxClient(e *event.Event, s string) {
	if strings.HasPrefix(s, "@0x") {
		if _, rest, ok := strings.Cut(s, " "); ok {
			s = rest
		}
	}
	addr, rest, ok := strings.Cut(s, " ")
	if !ok {
		return
	}
	addr = strings.TrimSuffix(addr, ":")
	ip, port, _ := strings.Cut(addr, "#")
	if parse.Set(e, "source.ip", ip) {
		parse.Set(e, "source.port", port)
	}
	if strings.HasPrefix(rest, "(") {
		if i := strings.Index(rest, "): "); i > 0 {
			rest = rest[i+3:]
		}
	}
	// NIOS query/response logging names the transport first.
	transport := ""
	if t, after, ok := strings.Cut(rest, ": "); ok && (t == "UDP" || t == "TCP") {
		transport = strings.ToLower(t)
		rest = after
	}
	if v, after, ok := strings.Cut(rest, ": "); ok && strings.HasPrefix(v, "view ") {
		rest = after
	}
	q, ok := strings.CutPrefix(rest, "query: ")
	if !ok {
		switch {
		case strings.HasPrefix(rest, "updating zone '"), strings.HasPrefix(rest, "transfer of '"):
			_, z, _ := strings.Cut(rest, "'")
			zone, msg, _ := strings.Cut(z, "': ")
			if name, class, ok := strings.Cut(zone, "/"); ok {
				setQuestion(e, name, class, "")
			}
			e.Set("event.reason", msg)
		default:
			e.Set("event.reason", rest)
		}
		return
	}
	e.Set("dns.type", "query")
	f := strings.Fields(q)
	if len(f) < 3 {
		return
	}
	setQuestion(e, f[0], f[1], f[2])
	if transport != "" {
		e.Set("network.transport", transport)
	}
	if i := strings.Index(q, " response: "); i >= 0 {
		// "response: NOERROR +A name. 300 IN A addr; ..."
		resp := q[i+len(" response: "):]
		code, resp, _ := strings.Cut(resp, " ")
		e.Set("dns.response_code", code)
		if _, records, ok := strings.Cut(resp, " "); ok {
			infobloxAnswers(e, records)
		}
		return
	}
	if len(f) >= 4 {
		flags := f[3]
		var hf []string
		if strings.HasPrefix(flags, "+") {
			hf = append(hf, "RD")
		}
		if strings.Contains(flags[1:], "C") {
			hf = append(hf, "CD")
		}
		if len(hf) > 0 {
			e.Set("dns.header_flags", hf)
		}
		if strings.Contains(flags[1:], "T") {
			e.Set("network.transport", "tcp")
		}
	}
}

// infobloxAnswers reads "name. ttl class type data; ..." records.
func infobloxAnswers(e *event.Event, records string) {
	var answers []any
	for _, rec := range strings.Split(records, ";") {
		f := strings.Fields(rec)
		if len(f) < 5 {
			continue
		}
		f = f[len(f)-5:]
		a := map[string]any{"name": f[0], "class": f[2], "type": f[3], "data": f[4]}
		if ttl, err := strconv.ParseInt(f[1], 10, 64); err == nil {
			a["ttl"] = ttl
		}
		answers = append(answers, a)
	}
	if len(answers) > 0 {
		e.Set("dns.answers", answers)
	}
}

// setQuestion sets dns.question.* and the parts of the name.
func setQuestion(e *event.Event, name, class, typ string) {
	if name == "" {
		return
	}
	e.Set("dns.question.name", name)
	parse.Set(e, "dns.question.class", class)
	parse.Set(e, "dns.question.type", typ)
	reg, sub, tld := parse.SplitDomain(name)
	if reg == "" {
		return
	}
	// Keep the case the query was made with.
	n := strings.TrimSuffix(name, ".")
	if len(n) >= len(reg) {
		reg = n[len(n)-len(reg):]
		tld = n[len(n)-len(tld):]
		if sub != "" {
			sub = n[:len(sub)]
		}
	}
	e.Set("dns.question.registered_domain", reg)
	e.Set("dns.question.top_level_domain", tld)
	if sub != "" {
		e.Set("dns.question.subdomain", sub)
	}
}

// infobloxDHCP reads the DHCP server's messages:
//
//	DHCPDISCOVER from <mac> (<host>) via <relay|if> TransID <id> [uid <uid>]
//	DHCPREQUEST for <ip> [(<server>)] from <mac> [(<host>)] via <x> TransID <id> [uid <uid>] [(<state>)|: <message>]
//	DHCPACK on <ip> to <mac> [(<host>)] via <x> relay <y> lease-duration <n> ...
//	DHCPRELEASE of <ip> from <mac> [(<host>)] via <x> ...
func infobloxDHCP(e *event.Event, b string) {
	verb, rest, _ := strings.Cut(b, " ")
	e.Set("event.action", verb)
	// A trailing ": message" or "(STATE)".
	if i := strings.Index(rest, ": "); i >= 0 {
		e.Set("event.reason", strings.TrimSpace(rest[i+2:]))
		rest = rest[:i]
	} else if strings.HasSuffix(rest, ")") {
		if j := strings.LastIndex(rest, " ("); j >= 0 && !strings.Contains(rest[j+2:], " ") {
			state := rest[j+2 : len(rest)-1]
			if state == strings.ToUpper(state) && !strings.Contains(state, ":") {
				e.Set("event.reason", state)
				rest = rest[:j]
			}
		}
	}
	f := strings.Fields(rest)
	for i := 0; i < len(f); i++ {
		next := func() string {
			if i+1 < len(f) {
				return f[i+1]
			}
			return ""
		}
		paren := func() string {
			if i+2 < len(f) && strings.HasPrefix(f[i+2], "(") && strings.HasSuffix(f[i+2], ")") {
				return strings.Trim(f[i+2], "()")
			}
			return ""
		}
		switch f[i] {
		case "for", "on", "of":
			if parse.Set(e, "source.ip", next()) {
				if p := paren(); p != "" && parse.IsIP(p) {
					e.Set("infoblox.dhcp.router_ip", p)
				}
			}
		case "from", "to":
			if v := next(); strings.Count(v, ":") == 5 {
				parse.Set(e, "source.mac", v)
				if p := paren(); p != "" {
					e.Set("host.name", p)
				}
			} else if f[i] == "from" {
				parse.Set(e, "source.ip", v)
			}
		case "via":
			if v := next(); parse.IsIP(v) {
				e.Set("infoblox.dhcp.interface_ip", v)
			} else if v != "" {
				e.Set("observer.ingress.interface.name", v)
			}
		case "relay":
			if v := next(); parse.IsIP(v) {
				e.Set("infoblox.dhcp.relay_ip", v)
			}
		case "TransID":
			e.Set("infoblox.dhcp.trans_id", next())
		case "uid":
			e.Set("infoblox.dhcp.uid", next())
		case "lease-duration":
			if n, err := strconv.ParseInt(next(), 10, 64); err == nil {
				e.Set("infoblox.dhcp.lease_duration", n)
			}
		}
	}
}

// infobloxOption82 reads "Option 82: received a REQUEST DHCP packet from
// relay-agent <relay> with a circuit-id of "..", a remote-id of ".." for
// <ip> (<mac>) <message>".
func infobloxOption82(e *event.Event, b string) {
	rest := b[len("Option 82: received a "):]
	action, rest, _ := strings.Cut(rest, " packet ")
	e.Set("event.action", action)
	if _, v, ok := strings.Cut(rest, `circuit-id of "`); ok {
		id, _, _ := strings.Cut(v, `"`)
		e.Set("infoblox.dhcp.circuit_id", id)
	}
	if _, v, ok := strings.Cut(rest, `remote-id of "`); ok {
		id, _, _ := strings.Cut(v, `"`)
		e.Set("infoblox.dhcp.remote_id", id)
	}
	if i := strings.LastIndex(rest, `" for `); i >= 0 {
		f := strings.SplitN(rest[i+len(`" for `):], " ", 3)
		if len(f) >= 1 {
			parse.Set(e, "source.ip", f[0])
		}
		if len(f) >= 2 {
			parse.Set(e, "source.mac", strings.Trim(f[1], "()"))
		}
		if len(f) == 3 {
			e.Set("event.reason", f[2])
		}
	}
}

// infobloxLease reads "ip,type,host,mac,start,end,...".
func infobloxLease(e *event.Event, s string) {
	f := strings.Split(s, ",")
	if len(f) < 4 {
		return
	}
	parse.Set(e, "source.ip", f[0])
	parse.Set(e, "infoblox.ddi.category", f[1])
	parse.Set(e, "infoblox.dhcp.client_hostname", f[2])
	parse.Set(e, "source.mac", f[3])
	if len(f) >= 6 {
		if t, ok := parse.ParseEpoch(f[4]); ok {
			e.Set("infoblox.dhcp.lease_start", t)
		}
		if t, ok := parse.ParseEpoch(f[5]); ok {
			e.Set("infoblox.dhcp.lease_end", t)
		}
	}
}

func init() { all = append(all, infobloxDDI) }
