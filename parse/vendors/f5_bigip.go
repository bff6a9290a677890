package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// F5 BIG-IP logs. Two shapes reach a collector:
//
//   - CEF from the security modules' remote logging profiles (ASM/Advanced
//     WAF, AFM, PSM, and generic HTTP request logging), whose custom
//     strings carry their meaning in their labels (cs1Label=policy_name,
//     cs3Label=full_request, cn1Label=response_code, ...);
//   - the system's own syslog lines: "prog[pid]: 01490102:5: text", with
//     an eight-digit message id and a level digit, from tmm, apmd (Access
//     Policy Manager sessions "/Partition/profile:Partition:session-id:
//     ..."), ASM's local security log ("[SECEV] Request violations: ...,
//     source ip: ..., destination port: ..."), iRules ("Rule /Common/name
//     <EVENT>: ..."), tmsh audit, sshd and cron.
var f5BigIP = &parse.Vendor{
	ID:       "f5-bigip",
	Aliases:  []string{"f5-big-ip", "f5", "big-ip", "bigip", "f5-asm", "f5-apm", "f5-afm", "f5_bigip"},
	Name:     "F5 BIG-IP (LTM, APM, ASM/Advanced WAF, AFM)",
	Formats:  []parse.Format{parse.FormatCEF, parse.FormatText},
	Observer: parse.Observer{Vendor: "F5", Product: "BIG-IP", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.CEF != nil {
			return r.CEF.DeviceVendor == "F5"
		}
		if r.Format != parse.FormatText {
			return false
		}
		_, _, ok := f5MessageID(r.Body)
		return ok
	},
	Normalize: normalizeF5BigIP,
	Verified:  "Sekoia F5 BIG-IP intake tests (34 events: ASM, AFM, PSM and HTTP CEF; APM, ASM, tmm, iRule, tmsh, sshd and cron syslog)",
}

func normalizeF5BigIP(r *parse.Record, e *event.Event) error {
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"info"})
	if r.CEF != nil {
		f5CEF(r, e)
	} else {
		f5Text(r, e)
	}
	for _, f := range []string{"user.name"} {
		if s := e.Str(f); s != "" {
			e.AppendUnique(event.RelatedUser, s)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "observer.ip", "host.hostname", "source.domain", "url.domain")
	return nil
}

// f5CEF maps the CEF of the BIG-IP security modules.
func f5CEF(r *parse.Record, e *event.Event) {
	c := r.CEF
	parse.Set(e, "observer.vendor", c.DeviceVendor)
	parse.Set(e, "observer.product", c.DeviceProduct)
	parse.Set(e, "observer.version", c.DeviceVersion)
	parse.Set(e, "event.code", c.SignatureID)
	parse.Set(e, "event.action", c.Name)
	if sev, err := strconv.Atoi(c.Severity); err == nil {
		e.Set("event.severity", int64(sev))
	}
	e.Set("event.outcome", "success")
	labels := map[string]string{}
	for _, p := range c.Extensions {
		if strings.HasSuffix(p.Key, "Label") {
			labels[strings.TrimSuffix(p.Key, "Label")] = p.Value
		}
	}
	for _, p := range c.Extensions {
		k, v := p.Key, strings.TrimSpace(p.Value)
		if v == "" || v == "N/A" || strings.HasSuffix(k, "Label") {
			continue
		}
		switch k {
		case "src":
			parse.SetAddress(e, "source", v)
		case "dst":
			parse.SetAddress(e, "destination", v)
		case "spt":
			parse.Set(e, "source.port", v)
		case "dpt":
			parse.Set(e, "destination.port", v)
		case "proto":
			e.Set("network.transport", parse.TransportName(v))
		case "app":
			e.Set("network.protocol", strings.ToLower(v))
		case "dvc":
			parse.Set(e, "observer.ip", v)
		case "dvchost":
			e.Set("observer.hostname", v)
			e.Set("host.hostname", v)
			e.Set("host.name", v)
		case "requestMethod":
			e.Set("http.request.method", v)
		case "request":
			parse.SetURL(e, "url", v)
		case "requestClientApplication":
			e.Set("user_agent.original", v)
		case "act":
			e.Set("f5.bigip.action", v)
			if v == "alerted" || v == "blocked" {
				e.Set("event.kind", "alert")
			}
		case "rt":
			if t, ok := f5Time(v, r.Location()); ok {
				e.SetTimestamp(t)
			}
		case "suid":
			// The CEF dictionary's sourceUserId (ASM puts its session id there).
			e.Set("source.user.id", v)
		case "suser":
			e.Set("source.user.name", v)
		case "externalId":
			e.Set("event.id", v)
		case "msg":
			e.Set("event.reason", v)
		default:
			label := labels[k]
			if label == "" {
				e.Set("f5.bigip."+k, v)
				continue
			}
			f5Labelled(e, label, v)
		}
	}
}

// f5Labelled maps a CEF custom field by its label.
func f5Labelled(e *event.Event, label, v string) {
	switch label {
	case "policy_name":
		e.Set("rule.ruleset", v)
	case "acl_rule_name":
		e.Set("rule.name", v)
	case "violation_details":
		e.Set("event.reason", v)
	case "response_code":
		parse.Set(e, "http.response.status_code", v)
	case "x_forwarded_for_header_value":
		// The first address is the client's.
		first, _, _ := strings.Cut(v, ",")
		parse.Set(e, "network.forwarded_ip", strings.TrimSpace(first))
		e.Set("f5.bigip.x_forwarded_for", v)
	case "full_request":
		f5Request(e, v)
	case "geo_location":
		e.Set("f5.bigip.geo_location", v)
	default:
		e.Set("f5.bigip."+label, v)
	}
}

// f5Request reads the request line and headers of a logged request.
func f5Request(e *event.Event, req string) {
	req = strings.ReplaceAll(req, `\r\n`, "\n")
	req = strings.ReplaceAll(req, "\r\n", "\n")
	for i, line := range strings.Split(req, "\n") {
		line = strings.TrimSpace(line)
		if i == 0 {
			if f := strings.Fields(line); len(f) == 3 && strings.HasPrefix(f[2], "HTTP/") {
				parse.SetDefault(e, "http.request.method", f[0])
				e.Set("http.version", strings.TrimPrefix(f[2], "HTTP/"))
			}
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(name) {
		case "user-agent":
			e.Set("user_agent.original", val)
		case "referer":
			e.Set("http.request.referrer", val)
		case "host":
			h, _ := parse.SplitHostPort(val)
			e.Set("url.domain", h)
			parse.SetDomainParts(e, "url", h)
		}
	}
}

// f5Time reads "Sep 19 2012 13:35:00" (the device's zone).
func f5Time(v string, loc *time.Location) (time.Time, bool) {
	if t, err := time.ParseInLocation("Jan _2 2006 15:04:05", strings.TrimSpace(v), loc); err == nil {
		return t, true
	}
	return parse.ParseTime(v, loc)
}

// f5MessageID finds "01490102:5: " at the start of the text or after the
// "prog[pid]: " tag, and returns the id, the level digit and the rest.
func f5MessageID(s string) (id string, rest string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if first, rest, ok := strings.Cut(s, " "); ok && f5Levels[first] {
		s = rest
	}
	for attempt := 0; attempt < 2; attempt++ {
		if len(s) >= 12 && s[8] == ':' && s[9] >= '0' && s[9] <= '7' && s[10] == ':' && s[11] == ' ' && f5IsHex(s[:8]) {
			return s[:8], s[12:], true
		}
		if attempt == 0 {
			_, _, s = f5Tag(s)
		}
	}
	return "", "", false
}

func f5IsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// f5Tag splits "prog[pid]: rest"; it returns s unchanged as rest without
// such a tag.
func f5Tag(s string) (prog, pid, rest string) {
	i := strings.Index(s, ": ")
	if i <= 0 || i > 64 || strings.ContainsAny(s[:i], " /") {
		return "", "", s
	}
	tag := s[:i]
	if j := strings.IndexByte(tag, '['); j > 0 && strings.HasSuffix(tag, "]") {
		return tag[:j], tag[j+1 : len(tag)-1], s[i+2:]
	}
	return tag, "", s[i+2:]
}

var f5Levels = map[string]bool{"emerg": true, "alert": true, "crit": true, "err": true, "error": true, "warning": true, "notice": true, "info": true, "debug": true}

// f5Text maps the BIG-IP's own syslog lines.
func f5Text(r *parse.Record, e *event.Event) {
	s := strings.TrimSpace(r.Body)
	if m := r.Syslog; m != nil {
		if m.Hostname != "" {
			e.Set("host.hostname", m.Hostname)
		}
		// BIG-IP's local format puts the level before the program:
		// "Sep 11 07:55:17 host notice apmd[14311]: ...".
		if f5Levels[m.Appname] {
			e.Set("log.level", m.Appname)
		}
	}
	if first, rest, ok := strings.Cut(s, " "); ok && f5Levels[first] {
		e.Set("log.level", first)
		s = rest
	}
	prog, pid, rest := f5Tag(s)
	if prog != "" {
		s = rest
		e.Set("process.name", prog)
		parse.Set(e, "process.pid", pid)
	}
	if len(s) >= 12 && s[8] == ':' && s[10] == ':' && f5IsHex(s[:8]) {
		e.Set("event.code", s[:8])
		s = strings.TrimSpace(s[11:])
	}
	switch {
	case strings.HasPrefix(s, "/") && f5APM(e, s):
	case strings.HasPrefix(s, "Rule "):
		f5IRule(e, s[5:])
	case strings.HasPrefix(s, "[") && strings.Contains(s, "] Request violations: "):
		f5ASMLocal(e, s)
	case strings.HasPrefix(s, "SSL Handshake failed for "):
		e.Set("event.reason", s)
		e.Set("event.outcome", "failure")
		f5Flow(e, strings.TrimPrefix(s, "SSL Handshake failed for "))
	case strings.HasPrefix(s, "AUDIT - "):
		f5Audit(e, s[len("AUDIT - "):])
	case prog == "sshd":
		f5SSHD(e, s)
	case strings.EqualFold(prog, "crond") || prog == "CRON":
		f5Cron(e, s)
	case strings.HasPrefix(s, "[") && strings.Contains(s, "] "):
		f5AccessLine(e, s)
	default:
		e.Set("event.reason", s)
	}
}

// f5APM reads Access Policy Manager session messages:
// "/Common/profile:Common:1a2b3c4d: text".
func f5APM(e *event.Event, s string) bool {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) < 4 || strings.ContainsAny(parts[0], " ") || strings.ContainsAny(parts[2], " ") {
		return false
	}
	profile, session, text := parts[0], parts[2], strings.TrimSpace(parts[3])
	e.Set("rule.name", profile)
	e.Set("f5.bigip.apm.session_id", session)
	e.Set("event.category", []string{"authentication"})
	e.Set("event.outcome", "success")
	e.Set("event.reason", text)
	switch {
	case strings.HasPrefix(text, "allow ACL: ") || strings.HasPrefix(text, "discard ACL: ") || strings.HasPrefix(text, "reject ACL: "):
		// "allow ACL: /VPN/ACL_users:59 packet: tcp 1.2.3.4:50992 -> 5.6.7.8:135"
		act, rest, _ := strings.Cut(text, " ACL: ")
		e.Set("event.category", []string{"network"})
		e.Delete("event.outcome")
		e.Set("event.action", act)
		acl, pkt, _ := strings.Cut(rest, " packet: ")
		if i := strings.LastIndexByte(acl, ':'); i > 0 {
			acl = acl[:i]
		}
		e.Set("rule.name", acl)
		f5Flow(e, pkt)
	case strings.HasPrefix(text, "Following rule '"):
		// "Following rule 'X' from item 'Y' to ending 'Allow'"
		if name, ok := f5Quoted(text[len("Following rule"):]); ok {
			e.Set("rule.name", name)
		}
		if _, after, ok := strings.Cut(text, " from item "); ok {
			if item, ok := f5Quoted(after); ok {
				e.Set("f5.bigip.apm.rule_item", item)
			}
		}
	case strings.HasPrefix(text, "Session statistics - "):
		for _, kv := range strings.Split(strings.TrimPrefix(text, "Session statistics - "), ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), ":")
			switch strings.TrimSpace(k) {
			case "bytes in":
				parse.Set(e, "source.bytes", strings.TrimSpace(v))
			case "bytes out":
				parse.Set(e, "destination.bytes", strings.TrimSpace(v))
			}
		}
	case strings.HasPrefix(text, "Received User-Agent header: "):
		e.Set("user_agent.original", strings.TrimPrefix(text, "Received User-Agent header: "))
	case strings.HasPrefix(text, "Username '"):
		if u, ok := f5Quoted(text[len("Username"):]); ok {
			f5User(e, u)
		}
	case strings.Contains(text, "authenticate with '"):
		_, after, _ := strings.Cut(text, "authenticate with ")
		if u, ok := f5Quoted(after); ok {
			f5User(e, u)
		}
		e.Set("event.type", []string{"start"})
		if strings.Contains(after, "fail") {
			e.Set("event.outcome", "failure")
		}
	}
	return true
}

func f5User(e *event.Event, u string) {
	if name, dom, ok := strings.Cut(u, "@"); ok {
		e.Set("user.name", name)
		e.Set("user.domain", dom)
		return
	}
	if dom, name, ok := strings.Cut(u, `\`); ok {
		e.Set("user.name", name)
		e.Set("user.domain", dom)
		return
	}
	e.Set("user.name", u)
}

// f5Quoted returns the first 'quoted' string of s.
func f5Quoted(s string) (string, bool) {
	i := strings.IndexByte(s, '\'')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(s[i+1:], '\'')
	if j < 0 {
		return "", false
	}
	return s[i+1 : i+1+j], true
}

// f5Flow reads "tcp 1.2.3.4:50992 -> 5.6.7.8:135" (or "TCP ...").
func f5Flow(e *event.Event, s string) {
	f := strings.Fields(s)
	if len(f) < 4 || f[2] != "->" {
		return
	}
	e.Set("network.transport", strings.ToLower(f[0]))
	for i, role := range []string{"source", "destination"} {
		host, port := parse.SplitHostPort(f[1+2*i])
		parse.SetAddress(e, role, host)
		parse.Set(e, role+".port", port)
	}
}

// f5IRule reads iRule log lines: "/Common/name <EVENT>: text" or
// "/Common/name : text".
func f5IRule(e *event.Event, s string) {
	name, text, _ := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if i := strings.Index(name, " <"); i > 0 && strings.HasSuffix(name, ">") {
		e.Set("f5.bigip.irule.event", name[i+2:len(name)-1])
		name = name[:i]
	}
	e.Set("rule.name", name)
	text = strings.TrimSpace(text)
	if t, ok := strings.CutPrefix(text, "LOGS: "); ok {
		text = t
	}
	e.Set("event.reason", text)
	// Request headers and request lines some iRules log.
	h, v, ok := strings.Cut(text, ": ")
	if !ok {
		return
	}
	switch strings.ToLower(h) {
	case "referer":
		e.Set("http.request.referrer", v)
	case "user-agent":
		e.Set("user_agent.original", v)
	case "request":
		if m, u, ok := strings.Cut(v, " "); ok {
			e.Set("http.request.method", m)
			if !strings.Contains(u, "://") && !strings.HasPrefix(u, "/") {
				u = "http://" + u
				parse.SetURL(e, "url", u)
				e.Delete("url.scheme")
				e.Set("url.original", v[len(m)+1:])
			} else {
				parse.SetURL(e, "url", u)
			}
			if d := e.Str("url.domain"); d != "" {
				parse.SetDomainParts(e, "url", d)
			}
		}
	}
}

// f5ASMLocal reads ASM's local security log: "[SECEV] Request violations:
// <violations>. Support id: N, source ip: A, xff ip: B, source port: P,
// destination ip: C, destination port: Q, ..., request: <GET url HTTP/1.0".
func f5ASMLocal(e *event.Event, s string) {
	tag, text, _ := strings.Cut(s[1:], "] ")
	e.Set("rule.ruleset", tag)
	title, details, _ := strings.Cut(text, ": ")
	e.Set("rule.name", title)
	e.Set("event.kind", "alert")
	reason, rest, ok := strings.Cut(details, ". Support id: ")
	if !ok {
		e.Set("event.reason", details)
		return
	}
	e.Set("event.reason", reason)
	req := ""
	if i := strings.Index(rest, ", request: "); i >= 0 {
		req = strings.TrimPrefix(rest[i+len(", request: "):], "<")
		rest = rest[:i]
	}
	for i, kv := range strings.Split(rest, ", ") {
		if i == 0 {
			e.Set("f5.bigip.asm.support_id", kv)
			continue
		}
		k, v, ok := strings.Cut(kv, ": ")
		if !ok {
			if sch, ok := strings.CutPrefix(kv, "scheme "); ok {
				e.Set("f5.bigip.asm.scheme", sch)
			}
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "source ip":
			parse.SetAddress(e, "source", v)
		case "source port":
			parse.Set(e, "source.port", v)
		case "destination ip":
			parse.SetAddress(e, "destination", v)
		case "destination port":
			parse.Set(e, "destination.port", v)
		case "xff ip":
			parse.Set(e, "network.forwarded_ip", v)
		case "HTTP classifier":
			e.Set("f5.bigip.asm.http_class", v)
		}
	}
	if f := strings.Fields(req); len(f) >= 2 {
		e.Set("http.request.method", f[0])
		u := f[1]
		parse.SetURL(e, "url", u)
		if strings.Contains(u, "://") {
			e.Set("url.full", u)
		}
		completeURL(e)
	}
}

// f5Audit reads tmsh/GUI audit lines: "pid=28791 user=root folder=/
// module=(tmos)# status=[Command OK] cmd_data=cd / ;".
func f5Audit(e *event.Event, s string) {
	e.Set("event.category", []string{"process"})
	e.Set("event.reason", s)
	cmd := ""
	if i := strings.Index(s, "cmd_data="); i >= 0 {
		cmd = strings.TrimSpace(s[i+len("cmd_data="):])
		s = s[:i]
	}
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch k {
		case "pid":
			parse.Set(e, "process.pid", v)
		case "user":
			e.Set("user.name", v)
		case "folder":
			e.Set("process.working_directory", v)
		}
	}
	if i := strings.Index(s, "status=["); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			st := s[i+len("status=[") : i+j]
			if strings.Contains(st, "OK") {
				e.Set("event.outcome", "success")
			} else {
				e.Set("event.outcome", "failure")
			}
		}
	}
	parse.Set(e, "process.command_line", cmd)
}

// f5SSHD reads the sshd lines of the BIG-IP's management plane.
func f5SSHD(e *event.Event, s string) {
	for _, pfx := range []string{"Connection closed by ", "Disconnected from "} {
		if rest, ok := strings.CutPrefix(s, pfx); ok {
			e.Set("event.category", []string{"session"})
			e.Set("event.type", []string{"end"})
			e.Set("event.reason", strings.TrimSpace(strings.TrimSuffix(pfx, " by ")))
			f := strings.Fields(rest)
			if len(f) >= 1 {
				parse.SetAddress(e, "source", f[0])
			}
			if len(f) >= 3 && f[1] == "port" {
				parse.Set(e, "source.port", f[2])
			}
			return
		}
	}
	e.Set("event.reason", s)
}

// f5Cron reads "(root) CMD (/usr/bin/diskmonitor)".
func f5Cron(e *event.Event, s string) {
	e.Set("event.reason", s)
	if !strings.HasPrefix(s, "(") {
		return
	}
	user, rest, ok := strings.Cut(s[1:], ") ")
	if !ok {
		return
	}
	e.Set("user.name", user)
	if cmd, ok := strings.CutPrefix(rest, "CMD ("); ok {
		e.Set("event.category", []string{"process"})
		e.Set("event.type", []string{"start"})
		e.Set("process.command_line", strings.TrimSuffix(cmd, ")"))
	}
}

// f5AccessLine reads access-log lines the BIG-IP relays with a tag:
// "[ssl_acc] 1.2.3.4 - - [01/Mar/2021:15:01:50 +0100] "/path" 404 238".
func f5AccessLine(e *event.Event, s string) {
	_, rest, _ := strings.Cut(s, "] ")
	f := strings.Fields(rest)
	if len(f) == 0 || !parse.IsIP(f[0]) {
		e.Set("event.reason", s)
		return
	}
	parse.SetAddress(e, "source", f[0])
	if len(f) >= 3 && f[2] != "-" {
		e.Set("user.name", f[2])
	}
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		return
	}
	end := strings.IndexByte(rest[q+1:], '"')
	if end < 0 {
		return
	}
	req := rest[q+1 : q+1+end]
	if rf := strings.Fields(req); len(rf) >= 2 {
		e.Set("http.request.method", rf[0])
		req = rf[1]
	}
	parse.SetURL(e, "url", req)
	tail := strings.Fields(rest[q+2+end:])
	if len(tail) >= 1 {
		parse.Set(e, "http.response.status_code", tail[0])
	}
	if len(tail) >= 2 {
		parse.Set(e, "http.response.body.bytes", tail[1])
	}
}

func init() { all = append(all, f5BigIP) }
