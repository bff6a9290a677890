package parse

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse/ecs"
)

// Generic normalizes a record no vendor claimed, by its format: the standard
// CEF and LEEF keys, ECS-shaped JSON, common key=value names and access
// logs. What it cannot map stays in message and event.original.
func Generic(r *Record, e *event.Event) error {
	switch r.Format {
	case FormatCEF:
		GenericCEF(r, e)
	case FormatLEEF:
		GenericLEEF(r, e)
	case FormatJSON:
		GenericJSON(r, e)
	case FormatKV:
		genericPairs(r, e, commonKV)
		FillRelated(e)
	case FormatAccess:
		AccessLogECS(r, e)
	case FormatW3C:
		W3CECS(r, e)
	default:
		SyslogProcess(r, e)
	}
	return nil
}

// cefKeys maps the CEF dictionary's keys (short and full names) to ECS.
var cefKeys = map[string][]string{
	"act": {"event.action"}, "deviceAction": {"event.action"},
	"app": {"network.protocol"}, "applicationProtocol": {"network.protocol"},
	"cnt":   {"event.count"},
	"dhost": {"destination.address", "destination.domain"}, "destinationHostName": {"destination.address", "destination.domain"},
	"dmac": {"destination.mac"}, "destinationMacAddress": {"destination.mac"},
	"dntdom": {"destination.user.domain"}, "destinationNtDomain": {"destination.user.domain"},
	"dpid": {"destination.process.pid"}, "destinationProcessId": {"destination.process.pid"},
	"dproc": {"destination.process.name"}, "destinationProcessName": {"destination.process.name"},
	"dpt": {"destination.port"}, "destinationPort": {"destination.port"},
	"dst": {"destination.address", "destination.ip"}, "destinationAddress": {"destination.address", "destination.ip"},
	"duid": {"destination.user.id"}, "destinationUserId": {"destination.user.id"},
	"duser": {"destination.user.name"}, "destinationUserName": {"destination.user.name"},
	"dvc": {"observer.ip"}, "deviceAddress": {"observer.ip"},
	"dvchost": {"observer.hostname"}, "deviceHostName": {"observer.hostname"},
	"dvcmac": {"observer.mac"}, "deviceMacAddress": {"observer.mac"},
	"dvcpid": {"process.pid"}, "deviceProcessId": {"process.pid"},
	"deviceProcessName":            {"process.name"},
	"deviceExternalId":             {"observer.name"},
	"deviceInboundInterface":       {"observer.ingress.interface.name"},
	"deviceOutboundInterface":      {"observer.egress.interface.name"},
	"destinationTranslatedAddress": {"destination.nat.ip"},
	"destinationTranslatedPort":    {"destination.nat.port"},
	"sourceTranslatedAddress":      {"source.nat.ip"},
	"sourceTranslatedPort":         {"source.nat.port"},
	"destinationDnsDomain":         {"destination.registered_domain"},
	"fname":                        {"file.name"}, "fileName": {"file.name"},
	"filePath": {"file.path"}, "fsize": {"file.size"}, "fileSize": {"file.size"},
	"fileHash": {"file.hash.sha256"}, "fileType": {"file.type"},
	"in": {"source.bytes"}, "bytesIn": {"source.bytes"},
	"out": {"destination.bytes"}, "bytesOut": {"destination.bytes"},
	"msg": {"event.reason"}, "message": {"event.reason"},
	"outcome": {"event.outcome"},
	"proto":   {"network.transport"}, "transportProtocol": {"network.transport"},
	"reason":  {"event.reason"},
	"request": {"url.original"}, "requestUrl": {"url.original"},
	"requestClientApplication": {"user_agent.original"},
	"requestContext":           {"http.request.referrer"},
	"requestMethod":            {"http.request.method"},
	"rt":                       {"@timestamp"}, "receiptTime": {"@timestamp"},
	"shost": {"source.address", "source.domain"}, "sourceHostName": {"host.hostname", "host.name"},
	"smac": {"source.mac"}, "sourceMacAddress": {"source.mac"},
	"sntdom": {"source.user.domain"}, "sourceNtDomain": {"source.user.domain"},
	"spid": {"source.process.pid"}, "sourceProcessId": {"source.process.pid"},
	"sproc": {"source.process.name"}, "sourceProcessName": {"source.process.name"},
	"spt": {"source.port"}, "sourcePort": {"source.port"},
	"src": {"source.address", "source.ip"}, "sourceAddress": {"source.address", "source.ip"},
	"start": {"event.start"}, "startTime": {"event.start"},
	"end": {"event.end"}, "endTime": {"event.end"},
	"suid": {"source.user.id"}, "sourceUserId": {"source.user.id"},
	"suser": {"source.user.name"}, "sourceUserName": {"source.user.name"},
	"cat": {"event.category"}, "deviceEventCategory": {"event.category"},
	"externalId":      {"event.id"},
	"deviceDirection": {},
	"deviceFacility":  {"log.syslog.facility.name"},
}

// GenericCEF maps a CEF record with the CEF dictionary; unknown extensions
// go to cef.<key>.
func GenericCEF(r *Record, e *event.Event) {
	c := r.CEF
	if c == nil {
		return
	}
	Set(e, "observer.vendor", c.DeviceVendor)
	Set(e, "observer.product", c.DeviceProduct)
	Set(e, "observer.version", c.DeviceVersion)
	Set(e, "rule.id", c.SignatureID)
	Set(e, "event.code", c.SignatureID)
	Set(e, "cef.Name", c.Name)
	if sev, ok := cefSeverity(c.Severity); ok {
		e.Set("event.severity", sev)
	}
	for _, p := range c.Extensions {
		if p.Key == "deviceDirection" {
			switch p.Value {
			case "0":
				e.Set("network.direction", "inbound")
			case "1":
				e.Set("network.direction", "outbound")
			}
			continue
		}
		ts, ok := cefKeys[p.Key]
		if !ok {
			Set(e, "cef."+p.Key, p.Value)
			continue
		}
		for _, t := range ts {
			if t == "@timestamp" || ecs.TypeOf(t) == ecs.Date {
				if tm, ok := ParseTime(p.Value, r.Location()); ok {
					e.Set(t, tm.UTC())
				}
				continue
			}
			if t == "url.original" {
				SetURL(e, "url", p.Value)
				continue
			}
			if t == "network.transport" {
				if n, ok := ianaProtocols[p.Value]; ok {
					// A protocol number: its name. Names are kept as sent.
					e.Set(t, n)
					continue
				}
			}
			Set(e, t, p.Value)
		}
	}
	if !e.Has("@timestamp") {
		if v, ok := e.Get("event.start"); ok {
			e.Set("@timestamp", v)
		}
	}
	FillRelated(e)
}

// cefSeverity reads a CEF severity: 0-10 or Low/Medium/High/Very-High.
func cefSeverity(s string) (int64, bool) {
	switch strings.ToLower(s) {
	case "low":
		return 3, true
	case "medium":
		return 6, true
	case "high":
		return 8, true
	case "very-high", "very high":
		return 10, true
	case "unknown", "":
		return 0, false
	}
	n := int64(0)
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// leefKeys maps LEEF predefined attributes to ECS.
var leefKeys = map[string][]string{
	"src": {"source.ip"}, "dst": {"destination.ip"}, "srcPort": {"source.port"}, "dstPort": {"destination.port"},
	"srcPostNAT": {"source.nat.ip"}, "dstPostNAT": {"destination.nat.ip"}, "srcPostNATPort": {"source.nat.port"}, "dstPostNATPort": {"destination.nat.port"},
	"srcMAC": {"source.mac"}, "dstMAC": {"destination.mac"}, "srcBytes": {"source.bytes"}, "dstBytes": {"destination.bytes"},
	"srcPackets": {"source.packets"}, "dstPackets": {"destination.packets"}, "totalPackets": {"network.packets"},
	"usrName": {"user.name"}, "accountName": {"user.name"}, "identSrc": {"source.ip"}, "identHostName": {"host.name"},
	"proto": {"network.transport"}, "sev": {"event.severity"}, "cat": {"event.category"}, "url": {"url.original"},
	"action": {"event.action"}, "domain": {"user.domain"}, "policy": {"rule.name"}, "msg": {"message"},
}

// GenericLEEF maps LEEF predefined attributes; others go to leef.<key>.
func GenericLEEF(r *Record, e *event.Event) {
	l := r.LEEF
	if l == nil {
		return
	}
	Set(e, "observer.vendor", l.Vendor)
	Set(e, "observer.product", l.Product)
	Set(e, "observer.version", l.ProductVersion)
	Set(e, "event.code", l.EventID)
	var devTime, devFmt string
	for _, p := range l.Attributes {
		switch p.Key {
		case "devTime":
			devTime = p.Value
			continue
		case "devTimeFormat":
			devFmt = p.Value
			continue
		}
		ts, ok := leefKeys[p.Key]
		if !ok {
			Set(e, "leef."+p.Key, p.Value)
			continue
		}
		for _, t := range ts {
			if t == "network.transport" {
				Set(e, t, TransportName(p.Value))
				continue
			}
			if t == "url.original" {
				SetURL(e, "url", p.Value)
				continue
			}
			Set(e, t, p.Value)
		}
	}
	if devTime != "" {
		if t, ok := ParseLEEFTime(devTime, devFmt, r); ok {
			e.SetTimestamp(t)
		}
	}
	FillRelated(e)
}

// GenericJSON copies the members of a JSON record that are ECS fields (as
// Beats, Elastic Agent and ECS loggers send them); the rest is left in the
// original.
func GenericJSON(r *Record, e *event.Event) {
	Flatten(r.JSON, func(path string, v any) {
		if path == "@timestamp" {
			if s, ok := v.(string); ok {
				if t, ok := ParseTime(s, r.Location()); ok {
					e.SetTimestamp(t)
				}
			}
			return
		}
		if ecs.IsField(path) && path != "message" {
			SetValue(e, path, v)
		}
	})
	if s, ok := JSONString(r.JSON, "message"); ok {
		e.Set("message", s)
	}
	FillRelated(e)
}

// commonKV maps key names many devices share.
var commonKV = map[string][]string{
	"src": {"source.ip"}, "srcip": {"source.ip"}, "src_ip": {"source.ip"}, "source_ip": {"source.ip"}, "SRC": {"source.ip"},
	"dst": {"destination.ip"}, "dstip": {"destination.ip"}, "dst_ip": {"destination.ip"}, "destination_ip": {"destination.ip"}, "DST": {"destination.ip"},
	"spt": {"source.port"}, "srcport": {"source.port"}, "src_port": {"source.port"}, "sport": {"source.port"}, "SPT": {"source.port"},
	"dpt": {"destination.port"}, "dstport": {"destination.port"}, "dst_port": {"destination.port"}, "dport": {"destination.port"}, "DPT": {"destination.port"},
	"user": {"user.name"}, "username": {"user.name"}, "user_name": {"user.name"}, "usr": {"user.name"},
	"action": {"event.action"}, "act": {"event.action"},
	"proto": {"network.transport"}, "protocol": {"network.transport"}, "PROTO": {"network.transport"},
	"msg": {"event.reason"},
}

func genericPairs(r *Record, e *event.Event, table map[string][]string) {
	for _, p := range r.Pairs {
		if p.Bare {
			continue
		}
		for _, t := range table[p.Key] {
			if t == "network.transport" {
				Set(e, t, TransportName(p.Value))
				continue
			}
			Set(e, t, p.Value)
		}
	}
}

// w3cKeys maps W3C extended log fields (IIS) to ECS.
var w3cKeys = map[string][]string{
	"c-ip": {"source.ip", "source.address"}, "s-ip": {"destination.ip", "destination.address"}, "s-port": {"destination.port"},
	"cs-method": {"http.request.method"}, "cs-uri-stem": {"url.path"}, "cs-uri-query": {"url.query"}, "cs-username": {"user.name"},
	"cs(User-Agent)": {"user_agent.original"}, "cs(Referer)": {"http.request.referrer"}, "sc-status": {"http.response.status_code"},
	"sc-bytes": {"http.response.bytes"}, "cs-bytes": {"http.request.bytes"}, "cs-host": {"url.domain"}, "s-computername": {"host.name"},
	"s-sitename": {"service.name"}, "cs-version": {"http.version"},
}

// W3CECS maps a W3C extended log record (IIS and others) to ECS.
func W3CECS(r *Record, e *event.Event) {
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"web"})
	e.Set("event.type", []string{"access"})
	var date, clock string
	for _, p := range r.Pairs {
		switch p.Key {
		case "date":
			date = p.Value
		case "time":
			clock = p.Value
		case "time-taken":
			// milliseconds
			if n, err := strconv.ParseInt(p.Value, 10, 64); err == nil {
				e.Set("event.duration", n*int64(time.Millisecond))
			}
		case "cs-version":
			e.Set("http.version", strings.TrimPrefix(p.Value, "HTTP/"))
		default:
			for _, t := range w3cKeys[p.Key] {
				Set(e, t, p.Value)
			}
		}
	}
	if date != "" && clock != "" {
		// W3C logs are written in UTC.
		if t, err := time.Parse("2006-01-02 15:04:05", date+" "+clock); err == nil {
			e.SetTimestamp(t)
		}
	}
	if code, ok := e.Int("http.response.status_code"); ok {
		if code >= 400 {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	FillRelated(e, "source.ip", "destination.ip", "user.name")
}
