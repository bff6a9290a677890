package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Fortinet FortiGate (FortiOS) logs: key=value pairs after the syslog
// header ("devname=... logid=... type=traffic subtype=forward ..."), the
// comma-separated variant, or CEF whose extensions carry the same keys
// prefixed with "FTNTFGT" or "FortinetFortiGate".
var fortigate = &parse.Vendor{
	ID:       "fortinet-fortigate",
	Aliases:  []string{"fortigate", "fortinet", "fortios", "fortinet_fortigate"},
	Name:     "Fortinet FortiGate",
	Formats:  []parse.Format{parse.FormatKV, parse.FormatCEF, parse.FormatCSV},
	Observer: parse.Observer{Vendor: "Fortinet", Product: "FortiGate", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.CEF != nil {
			return strings.EqualFold(r.CEF.DeviceVendor, "Fortinet") && strings.HasPrefix(strings.ToLower(r.CEF.DeviceProduct), "fortigate")
		}
		b := r.Body
		return (hasKey(b, "logid") || hasKey(b, "log_id")) && hasKey(b, "type") &&
			(hasKey(b, "devid") || hasKey(b, "devname") || hasKey(b, "device_id") || hasKey(b, "subtype"))
	},
	Normalize: normalizeFortinet,
	Verified:  "Sekoia FortiGate intake tests (67 events: key=value, CSV and CEF); Wazuh fortigate samples",
}

// fortiTargets maps FortiOS keys (and the CEF keys FortiGate uses) to ECS.
var fortiTargets = map[string][]string{
	"logid": {"event.code"}, "level": {"log.level"}, "action": {"event.action"}, "act": {"event.action"},
	"msg": {"event.reason"}, "devid": {"observer.serial_number"}, "deviceExternalId": {"observer.serial_number"},
	"devname": {"observer.hostname"}, "dvchost": {"observer.hostname"}, "tz": {"event.timezone"},
	"srcport": {"source.port"}, "spt": {"source.port"}, "dstport": {"destination.port"}, "dpt": {"destination.port"},
	"srcintf": {"observer.ingress.interface.name"}, "deviceInboundInterface": {"observer.ingress.interface.name"},
	"dstintf": {"observer.egress.interface.name"}, "deviceOutboundInterface": {"observer.egress.interface.name"},
	"app": {"network.application"}, "appcat": {"rule.category"},
	"sentpkt": {"source.packets"}, "rcvdpkt": {"destination.packets"},
	"srcmac": {"source.mac"}, "mastersrcmac": {"source.mac"}, "smac": {"source.mac"}, "dstmac": {"destination.mac"}, "masterdstmac": {"destination.mac"}, "dmac": {"destination.mac"},
	"osname": {"host.os.family"}, "srcname": {"host.name"}, "group": {"group.name"},
	"httpmethod": {"http.request.method"}, "requestMethod": {"http.request.method"}, "agent": {"user_agent.original"}, "requestClientApplication": {"user_agent.original"},
	"http_referer": {"http.request.referrer"}, "referralurl": {"http.request.referrer"},
	"transip": {"source.nat.ip"}, "sourceTranslatedAddress": {"source.nat.ip"}, "transport": {"source.nat.port"}, "sourceTranslatedPort": {"source.nat.port"},
	"tranip": {"destination.nat.ip"}, "destinationTranslatedAddress": {"destination.nat.ip"}, "tranport": {"destination.nat.port"}, "destinationTranslatedPort": {"destination.nat.port"},
	"method": {"event.provider"}, "qclass": {"dns.question.class"}, "qtype": {"dns.question.type"},
	"srccountry": {"source.geo.country_name"}, "dstcountry": {"destination.geo.country_name"}, "dstcity": {"destination.geo.city_name"}, "dstregion": {"destination.geo.region_name"},
	"fname": {"file.name"}, "filename": {"file.name"}, "filesize": {"file.size"}, "filehash": {"file.hash.sha256"},
	"attack": {"rule.name"}, "attackid": {"rule.id"}, "virus": {"rule.name"}, "policyid": {"rule.id"},
	"sessionid": {"network.session_id"}, "vd": {"observer.name"},
}

// fortiRules is fortiTargets with the ECS definitions looked up.
var fortiRules = func() map[string][]parse.Target {
	m := make(map[string][]parse.Target, len(fortiTargets))
	for k, ts := range fortiTargets {
		m[k] = parse.NewTargets(ts...)
	}
	return m
}()

// fortiKey strips the CEF prefixes FortiGate gives its own keys.
func fortiKey(k string) string {
	if s, ok := strings.CutPrefix(k, "FTNTFGT"); ok {
		return s
	}
	if s, ok := strings.CutPrefix(k, "FortinetFortiGate"); ok {
		return s
	}
	if s, ok := strings.CutPrefix(k, "ad."); ok {
		return s
	}
	return k
}

func normalizeFortinet(r *parse.Record, e *event.Event) error {
	pairs := r.Pairs
	if r.CEF != nil {
		e.Set("rule.id", r.CEF.SignatureID)
		if sev, ok := parseSeverity(r.CEF.Severity); ok {
			e.Set("event.severity", sev)
		}
		e.Set("observer.version", r.CEF.DeviceVersion)
		e.Set("observer.type", r.CEF.DeviceProduct)
		e.Set("observer.vendor", r.CEF.DeviceVendor)
	} else if r.Format != parse.FormatKV || (len(pairs) < 3 && strings.Contains(r.Body, ",")) || looksCommaKV(r.Body) {
		pairs = format.ParseKV(strings.TrimSpace(r.Body), format.KVOptions{Separator: ','}, nil)
	}
	var (
		typ, subtype, cat, status string
		date, clock, eventtime    string
		tsEpoch                   string
		srcRole, dstRole, dir     string
		service, applist, policyt string
		sentB, rcvdB              int64
		haveSent, haveRcvd        bool
		user, start               string
	)
	for _, p := range pairs {
		if p.Bare {
			continue
		}
		k, v := fortiKey(p.Key), p.Value
		if v == "" || v == "N/A" {
			continue
		}
		switch k {
		case "type":
			typ = v
			continue
		case "subtype":
			subtype = v
			continue
		case "cat":
			cat = v
			continue
		case "ui", "sproc":
			// "jsconsole(1.2.3.4)", "GUI(1.1.1.1)", "ssh(1.2.3.4)"
			if i := strings.IndexByte(v, '('); i >= 0 && strings.HasSuffix(v, ")") {
				if a, ok := parse.ParseIP(v[i+1 : len(v)-1]); ok && !e.Has("source.ip") {
					e.Set("source.address", a.String())
					e.Set("source.ip", a.String())
				}
			}
			continue
		case "start":
			if start == "" {
				start = v
			}
			continue
		case "status":
			status = v
			continue
		case "date":
			date = v
			continue
		case "time":
			clock = v
			continue
		case "eventtime":
			eventtime = v
			continue
		case "timestamp":
			tsEpoch = v
			continue
		case "srcintfrole":
			srcRole = v
			if v != "undefined" {
				e.Set("observer.ingress.interface.alias", v)
			}
			continue
		case "dstintfrole":
			dstRole = v
			if v != "undefined" {
				e.Set("observer.egress.interface.alias", v)
			}
			continue
		case "direction":
			dir = v
			continue
		case "deviceDirection":
			switch v {
			case "0":
				dir = "incoming"
			case "1":
				dir = "outgoing"
			}
			continue
		case "service":
			service = v
			continue
		case "applist":
			applist = v
			continue
		case "policytype":
			policyt = v
			continue
		case "srcip", "src", "remip":
			setFortiAddr(e, "source", v)
			continue
		case "dstip", "dst":
			setFortiAddr(e, "destination", v)
			continue
		case "proto":
			e.Set("network.transport", parse.TransportName(v))
			continue
		case "sentbyte", "out":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				sentB, haveSent = n, true
				e.Set("source.bytes", n)
			}
			continue
		case "rcvdbyte", "in":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				rcvdB, haveRcvd = n, true
				e.Set("destination.bytes", n)
			}
			continue
		case "duration":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				e.Set("event.duration", n*int64(time.Second))
			}
			continue
		case "user", "suser", "unauthuser":
			if user == "" {
				user = v
			}
			continue
		case "duser", "dstuser":
			e.Set("destination.user.name", v)
			e.AppendUnique(event.RelatedUser, v)
			continue
		case "hostname", "dhost":
			e.Set("destination.domain", v)
			e.AppendUnique(event.RelatedHosts, v)
			continue
		case "shost":
			e.Set("source.domain", v)
			parse.SetDomainParts(e, "source", v)
			e.AppendUnique(event.RelatedHosts, v)
			continue
		case "url", "request":
			setFortiURL(e, v)
			continue
		case "qname":
			e.Set("dns.question.name", v)
			parse.SetDomainParts(e, "dns.question", v)
			continue
		case "forwardedfor":
			for _, ip := range strings.Split(v, ",") {
				parse.Set(e, "network.forwarded_ip", strings.TrimSpace(ip))
			}
			continue
		}
		if ts, ok := fortiRules[k]; ok {
			for _, t := range ts {
				t.Set(e, v)
			}
			if k == "devname" || k == "dvchost" {
				e.AppendUnique(event.RelatedHosts, v)
			}
		}
	}
	// Categorisation: type/subtype, or the CEF category "type:subtype".
	if typ == "" && cat != "" {
		typ, _, _ = strings.Cut(cat, ":")
		e.Set("event.category", typ)
		e.Set("event.dataset", cat)
	} else if typ == "" && r.CEF != nil {
		name, _, _ := strings.Cut(r.CEF.Name, " ")
		if t, st, ok := strings.Cut(name, ":"); ok {
			typ, subtype = t, st
		}
	}
	if r.CEF != nil && !e.Has("event.code") {
		e.Set("event.code", r.CEF.SignatureID)
	}
	if v := e.Str("event.reason"); v != "" {
		e.Set("event.reason", strings.TrimSpace(v))
	}
	if typ != "" && !e.Has("event.category") {
		e.Set("event.category", typ)
		if subtype != "" {
			e.Set("event.dataset", typ+":"+subtype)
		}
	}
	if user != "" {
		user = stripDomain(user)
		e.Set("user.name", user)
		e.Set("source.user.name", user)
		e.AppendUnique(event.RelatedUser, user)
	}
	if service != "" {
		e.Set("network.protocol", strings.ToLower(service))
	} else if app, ok := e.String("network.application"); ok && r.CEF != nil {
		e.Set("network.protocol", strings.ToLower(app))
	}
	if applist != "" {
		e.Set("rule.ruleset", applist)
	} else if policyt != "" {
		e.Set("rule.ruleset", policyt)
	}
	if haveSent || haveRcvd {
		e.Set("network.bytes", sentB+rcvdB)
	}
	switch {
	case dir == "outgoing" || dir == "outbound":
		e.Set("network.direction", "outbound")
	case dir == "incoming" || dir == "inbound":
		e.Set("network.direction", "inbound")
	}
	// Outcome: the status the device reports, else the action's result.
	if status != "" {
		switch strings.ToLower(status) {
		case "success", "succeeded":
			e.Set("event.outcome", "success")
		case "failure", "failed", "fail":
			if status == "Failed" {
				e.Set("event.outcome", status)
			} else {
				e.Set("event.outcome", "failure")
			}
		default:
			e.Set("event.outcome", status)
		}
	} else if a := e.Str("event.action"); a != "" {
		if strings.Contains(a, "fail") || a == "login" {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	// @timestamp: eventtime (s, ms, µs or ns), else date+time in tz.
	loc := r.Location()
	if tz := e.Str("event.timezone"); tz != "" {
		if l, ok := parse.ParseOffset(tz); ok {
			loc = l
		}
	}
	switch {
	case eventtime != "":
		if t, ok := parse.ParseEpoch(eventtime); ok {
			e.SetTimestamp(t)
		}
	case date != "" && clock != "":
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", date+" "+clock, loc); err == nil {
			e.SetTimestamp(t)
		}
	case start != "":
		if t, ok := parse.ParseTime(start, loc); ok {
			e.SetTimestamp(t)
		}
	case tsEpoch != "":
		if t, ok := parse.ParseEpoch(tsEpoch); ok {
			e.SetTimestamp(t)
		}
	}
	_ = srcRole
	_ = dstRole
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

// hasKey reports whether b holds the field key= (at the start or after a
// space or comma, so that "type" does not match "log_type").
func hasKey(b, key string) bool {
	for off := 0; ; {
		i := strings.Index(b[off:], key+"=")
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || b[i-1] == ' ' || b[i-1] == ',' || b[i-1] == '\t' {
			return true
		}
		off = i + len(key)
	}
}

func looksCommaKV(b string) bool {
	i := strings.Index(b, "logid=")
	if i < 0 {
		return false
	}
	j := strings.IndexAny(b[i:], " ,")
	return j > 0 && b[i+j] == ','
}

func setFortiAddr(e *event.Event, role, v string) {
	if role == "source" {
		e.Set("source.address", v)
		parse.Set(e, "source.ip", v)
		return
	}
	e.Set("destination.address", v)
	parse.Set(e, "destination.ip", v)
}

func setFortiURL(e *event.Event, v string) {
	parse.SetURL(e, "url", v)
	if p := e.Str("url.path"); p != "" {
		if i := strings.LastIndexByte(p, '/'); i >= 0 && i < len(p)-1 {
			e.Set("file.name", p[i+1:])
		}
	}
	if d := e.Str("url.domain"); d != "" {
		parse.SetDomainParts(e, "url", d)
		if strings.Contains(v, "://") {
			e.Set("url.full", v)
		}
	}
}

// FortiProxy logs in the same FortiOS key=value format.
var fortiproxy = &parse.Vendor{
	ID:        "fortinet-fortiproxy",
	Aliases:   []string{"fortiproxy"},
	Name:      "Fortinet FortiProxy",
	Formats:   []parse.Format{parse.FormatKV},
	Observer:  parse.Observer{Vendor: "Fortinet", Product: "FortiProxy", Type: "proxy"},
	Normalize: normalizeFortinet,
	Verified:  "Sekoia FortiProxy intake tests (18 events)",
}

func init() { all = append(all, fortigate, fortiproxy) }
