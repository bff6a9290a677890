package vendors

import (
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

// The keys normalizeFortinet handles in code, by case.
const (
	fkType = iota
	fkSubtype
	fkCat
	fkUI
	fkStart
	fkStatus
	fkDate
	fkTime
	fkEventtime
	fkTimestamp
	fkSrcRole
	fkDstRole
	fkDirection
	fkDeviceDirection
	fkService
	fkApplist
	fkPolicytype
	fkSrc
	fkDst
	fkProto
	fkSent
	fkRcvd
	fkDuration
	fkUser
	fkDUser
	fkHost
	fkSHost
	fkURL
	fkQname
	fkForwardedFor
	fkRules // fkRules+i: fortiRules[i]
)

var fortiCases = [fkRules][]string{
	fkType: {"type"}, fkSubtype: {"subtype"}, fkCat: {"cat"}, fkUI: {"ui", "sproc"}, fkStart: {"start"},
	fkStatus: {"status"}, fkDate: {"date"}, fkTime: {"time"}, fkEventtime: {"eventtime"},
	fkTimestamp: {"timestamp"}, fkSrcRole: {"srcintfrole"}, fkDstRole: {"dstintfrole"},
	fkDirection: {"direction"}, fkDeviceDirection: {"deviceDirection"}, fkService: {"service"},
	fkApplist: {"applist"}, fkPolicytype: {"policytype"}, fkSrc: {"srcip", "src", "remip"},
	fkDst: {"dstip", "dst"}, fkProto: {"proto"}, fkSent: {"sentbyte", "out"}, fkRcvd: {"rcvdbyte", "in"},
	fkDuration: {"duration"}, fkUser: {"user", "suser", "unauthuser"}, fkDUser: {"duser", "dstuser"},
	fkHost: {"hostname", "dhost"}, fkSHost: {"shost"}, fkURL: {"url", "request"}, fkQname: {"qname"},
	fkForwardedFor: {"forwardedfor"},
}

// fortiRule is a key of fortiTargets with its targets looked up.
type fortiRule struct {
	targets []parse.Target
	related bool // the value is a host for related.hosts too
}

// fortiKeys numbers every key normalizeFortinet knows; fortiIDs gives the
// case (or fkRules plus the rule) of each.
var fortiKeys, fortiIDs, fortiRules = func() (*parse.KeyIndex, []int, []fortiRule) {
	var keys []string
	var ids []int
	for id, names := range fortiCases {
		for _, k := range names {
			keys = append(keys, k)
			ids = append(ids, id)
		}
	}
	var rules []fortiRule
	for k, ts := range fortiTargets {
		keys = append(keys, k)
		ids = append(ids, fkRules+len(rules))
		rules = append(rules, fortiRule{targets: parse.NewTargets(ts...), related: k == "devname" || k == "dvchost"})
	}
	return parse.NewKeyIndex(keys...), ids, rules
}()

var (
	sourceIP      = parse.NewTarget("source.ip")
	destinationIP = parse.NewTarget("destination.ip")
)

// fortiKey strips the CEF prefixes FortiGate gives its own keys.
func fortiKey(k string) string {
	if len(k) < 4 || k[0] != 'F' && k[0] != 'a' {
		return k
	}
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
		id := fortiKeys.Lookup(k)
		if id < 0 {
			continue
		}
		switch id = fortiIDs[id]; id {
		case fkType:
			typ = v
		case fkSubtype:
			subtype = v
		case fkCat:
			cat = v
		case fkUI:
			// "jsconsole(1.2.3.4)", "GUI(1.1.1.1)", "ssh(1.2.3.4)"
			if i := strings.IndexByte(v, '('); i >= 0 && strings.HasSuffix(v, ")") {
				if a, ok := parse.ParseIP(v[i+1 : len(v)-1]); ok && !e.Has("source.ip") {
					e.Set("source.address", a.String())
					e.Set("source.ip", a.String())
				}
			}
		case fkStart:
			if start == "" {
				start = v
			}
		case fkStatus:
			status = v
		case fkDate:
			date = v
		case fkTime:
			clock = v
		case fkEventtime:
			eventtime = v
		case fkTimestamp:
			tsEpoch = v
		case fkSrcRole:
			srcRole = v
			if v != "undefined" {
				e.SetString("observer.ingress.interface.alias", v)
			}
		case fkDstRole:
			dstRole = v
			if v != "undefined" {
				e.SetString("observer.egress.interface.alias", v)
			}
		case fkDirection:
			dir = v
		case fkDeviceDirection:
			switch v {
			case "0":
				dir = "incoming"
			case "1":
				dir = "outgoing"
			}
		case fkService:
			service = v
		case fkApplist:
			applist = v
		case fkPolicytype:
			policyt = v
		case fkSrc:
			setFortiAddr(e, "source", v)
		case fkDst:
			setFortiAddr(e, "destination", v)
		case fkProto:
			e.SetString("network.transport", parse.TransportName(v))
		case fkSent:
			if n, ok := parse.ParseInt(v); ok {
				sentB, haveSent = n, true
				e.SetInt("source.bytes", n)
			}
		case fkRcvd:
			if n, ok := parse.ParseInt(v); ok {
				rcvdB, haveRcvd = n, true
				e.SetInt("destination.bytes", n)
			}
		case fkDuration:
			if n, ok := parse.ParseInt(v); ok {
				e.SetInt("event.duration", n*int64(time.Second))
			}
		case fkUser:
			if user == "" {
				user = v
			}
		case fkDUser:
			e.SetString("destination.user.name", v)
			e.AppendUnique(event.RelatedUser, v)
		case fkHost:
			e.SetString("destination.domain", v)
			e.AppendUnique(event.RelatedHosts, v)
		case fkSHost:
			e.SetString("source.domain", v)
			parse.SetDomainParts(e, "source", v)
			e.AppendUnique(event.RelatedHosts, v)
		case fkURL:
			setFortiURL(e, v)
		case fkQname:
			e.SetString("dns.question.name", v)
			parse.SetDomainParts(e, "dns.question", v)
		case fkForwardedFor:
			for _, ip := range strings.Split(v, ",") {
				parse.Set(e, "network.forwarded_ip", strings.TrimSpace(ip))
			}
		default:
			rule := &fortiRules[id-fkRules]
			for i := range rule.targets {
				rule.targets[i].Set(e, v)
			}
			if rule.related {
				e.AppendUnique(event.RelatedHosts, v)
			}
		}
	}
	// Categorisation: type/subtype, or the CEF category "type:subtype".
	if typ == "" && cat != "" {
		typ, _, _ = strings.Cut(cat, ":")
		e.PutString("event.category", typ)
		e.SetString("event.dataset", cat)
	} else if typ == "" && r.CEF != nil {
		name, _, _ := strings.Cut(r.CEF.Name, " ")
		if t, st, ok := strings.Cut(name, ":"); ok {
			typ, subtype = t, st
		}
	}
	if r.CEF != nil && !e.Has("event.code") {
		e.PutString("event.code", r.CEF.SignatureID)
	}
	if v := e.Str("event.reason"); v != "" {
		if t := strings.TrimSpace(v); t != v {
			e.PutString("event.reason", t)
		}
	}
	if typ != "" && !e.Has("event.category") {
		e.SetString("event.category", typ)
		if subtype != "" {
			e.SetConcat("event.dataset", typ, ":", subtype)
		}
	}
	if user != "" {
		user = stripDomain(user)
		e.PutString("user.name", user)
		e.PutString("source.user.name", user)
		e.AppendUnique(event.RelatedUser, user)
	}
	if service != "" {
		e.SetLower("network.protocol", service)
	} else if app, ok := e.String("network.application"); ok && r.CEF != nil {
		e.PutString("network.protocol", strings.ToLower(app))
	}
	if applist != "" {
		e.SetString("rule.ruleset", applist)
	} else if policyt != "" {
		e.SetString("rule.ruleset", policyt)
	}
	if haveSent || haveRcvd {
		e.SetInt("network.bytes", sentB+rcvdB)
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
				e.Set("event.outcome", "Failed")
			} else {
				e.Set("event.outcome", "failure")
			}
		default:
			e.SetString("event.outcome", status)
		}
	} else if a := e.Str("event.action"); a != "" {
		if strings.Contains(a, "fail") || a == "login" {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	// @timestamp: eventtime (s, ms, µs or ns), else date+time in tz.
	loc := func() *time.Location {
		if tz := e.Str("event.timezone"); tz != "" {
			if l, ok := parse.ParseOffset(tz); ok {
				return l
			}
		}
		return r.Location()
	}
	switch {
	case eventtime != "":
		if t, ok := parse.ParseEpoch(eventtime); ok {
			e.SetTimestamp(t)
		}
	case date != "" && clock != "":
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", date+" "+clock, loc()); err == nil {
			e.SetTimestamp(t)
		}
	case start != "":
		if t, ok := parse.ParseTime(start, loc()); ok {
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
		e.SetString("source.address", v)
		sourceIP.Set(e, v)
		return
	}
	e.SetString("destination.address", v)
	destinationIP.Set(e, v)
}

func setFortiURL(e *event.Event, v string) {
	parse.SetURL(e, "url", v)
	if p := e.Str("url.path"); p != "" {
		if i := strings.LastIndexByte(p, '/'); i >= 0 && i < len(p)-1 {
			e.SetString("file.name", p[i+1:])
		}
	}
	if d := e.Str("url.domain"); d != "" {
		parse.SetDomainParts(e, "url", d)
		if strings.Contains(v, "://") {
			e.SetString("url.full", v)
		}
	}
}

func init() { all = append(all, fortigate) }
