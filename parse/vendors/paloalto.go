package vendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Palo Alto Networks NGFW (PAN-OS): CSV syslog in the PAN-OS field order
// per log type, the JSON of the Strata logging service / log forwarding
// app, or CEF. CSV rows are turned into the JSON field names so that one
// mapping serves both.
var paloalto = &parse.Vendor{
	ID:       "paloalto-ngfw",
	Aliases:  []string{"panos", "pan-os", "paloalto", "palo-alto", "paloalto_ngfw", "pan"},
	Name:     "Palo Alto Networks NGFW (PAN-OS)",
	Formats:  []parse.Format{parse.FormatCSV, parse.FormatJSON, parse.FormatCEF},
	Observer: parse.Observer{Vendor: "Palo Alto Networks", Product: "PAN-OS", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		switch {
		case r.CEF != nil:
			return strings.HasPrefix(r.CEF.DeviceVendor, "Palo Alto")
		case r.JSON != nil:
			_, ok1 := r.JSON["LogType"]
			_, ok2 := r.JSON["DeviceSN"]
			_, ok3 := r.JSON["LogSourceID"]
			return ok1 && (ok2 || ok3)
		}
		return panCSVType(r.Body) != ""
	},
	Normalize: normalizePaloAlto,
	Verified:  "Sekoia PAN-OS intake tests (71 events: CSV, JSON, CEF); Wazuh paloalto samples; CrowdSec palo-alto-threat",
}

var panTypes = map[string]bool{"TRAFFIC": true, "THREAT": true, "SYSTEM": true, "CONFIG": true, "GLOBALPROTECT": true, "HIPMATCH": true, "USERID": true, "AUTH": true, "DECRYPTION": true, "CORRELATION": true, "IPTAG": true, "SCTP": true, "TUNNEL": true, "GTP": true}

// panCSVType returns the log type of a PAN-OS CSV line ("TRAFFIC", ...).
func panCSVType(b string) string {
	// FUTURE_USE,ReceiveTime,Serial,TYPE,...
	p := 0
	for i := 0; i < 3; i++ {
		j := strings.IndexByte(b[p:], ',')
		if j < 0 || j > 40 {
			return ""
		}
		p += j + 1
	}
	j := strings.IndexByte(b[p:], ',')
	if j < 0 {
		return ""
	}
	t := b[p : p+j]
	if panTypes[t] {
		return t
	}
	return ""
}

// PAN-OS CSV field names per log type (PAN-OS 10.x syslog field order),
// named as in the JSON export.
var panColumns = map[string][]string{
	"common":        {"", "TimeReceived", "DeviceSN", "LogType", "Subtype", "", "TimeGenerated"},
	"TRAFFIC":       {7: "SourceAddress", "DestinationAddress", "NATSource", "NATDestination", "Rule", "SourceUser", "DestinationUser", "Application", "VirtualLocation", "FromZone", "ToZone", "InboundInterface", "OutboundInterface", "LogSetting", "", "SessionID", "RepeatCount", "SourcePort", "DestinationPort", "NATSourcePort", "NATDestinationPort", "Flags", "Protocol", "Action", "Bytes", "BytesSent", "BytesReceived", "PacketsTotal", "SessionStartTime", "SessionDuration", "URLCategory", "", "SequenceNo", "ActionFlags", "SourceLocation", "DestinationLocation", "", "PacketsSent", "PacketsReceived", "SessionEndReason", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName", "ActionSource"},
	"THREAT":        {7: "SourceAddress", "DestinationAddress", "NATSource", "NATDestination", "Rule", "SourceUser", "DestinationUser", "Application", "VirtualLocation", "FromZone", "ToZone", "InboundInterface", "OutboundInterface", "LogSetting", "", "SessionID", "RepeatCount", "SourcePort", "DestinationPort", "NATSourcePort", "NATDestinationPort", "Flags", "Protocol", "Action", "URL", "ThreatID", "URLCategory", "VendorSeverity", "Direction", "SequenceNo", "ActionFlags", "SourceLocation", "DestinationLocation", "", "ContentType", "PCAPID", "FileDigest", "Cloud", "URLIndex", "UserAgent", "FileType", "XForwardedFor", "Referer", "Sender", "Subject", "Recipient", "ReportID", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName"},
	"SYSTEM":        {7: "VirtualLocation", "EventName", "EventComponent", "", "", "EventModule", "VendorSeverity", "EventDescription", "SequenceNo", "ActionFlags", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName", "", "", "TimeGeneratedHighResolution"},
	"CONFIG":        {7: "Host", "VirtualLocation", "Command", "Admin", "Client", "Result", "ConfigurationPath", "SequenceNo", "ActionFlags", "BeforeChangeDetail", "AfterChangeDetail", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName"},
	"GLOBALPROTECT": {7: "VirtualLocation", "EventID", "Stage", "AuthMethod", "TunnelType", "SourceUser", "SourceRegion", "EndpointDeviceName", "PublicIPv4", "PublicIPv6", "PrivateIPv4", "PrivateIPv6", "HostID", "EndpointSN", "GPClientVersion", "EndpointOSType", "EndpointOSVersion", "RepeatCount", "QuarantineReason", "ConnectionError", "Description", "Status", "GPGatewayLocation", "LoginDuration", "ConnectionMethod", "ConnectionErrorID", "PortalOrGateway", "SequenceNo", "ActionFlags"},
	"HIPMATCH":      {7: "SourceUser", "VirtualLocation", "EndpointDeviceName", "EndpointOSType", "SourceAddress", "MatchName", "RepeatCount", "MatchType", "", "", "SequenceNo", "ActionFlags", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName", "VirtualSystemID", "SourceIPv6", "HostID", "EndpointSN"},
	"USERID":        {7: "VirtualLocation", "SourceIP", "User", "DataSourceName", "EventID", "RepeatCount", "TimeoutThreshold", "SourcePort", "DestinationPort", "DataSource", "DataSourceType", "SequenceNo", "ActionFlags", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName"},
	"AUTH":          {7: "VirtualLocation", "SourceIP", "User", "NormalizeUser", "Object", "AuthPolicy", "RepeatCount", "AuthID", "Vendor", "LogAction", "ServerProfile", "Description", "ClientType", "EventType", "FactorNumber", "SequenceNo", "ActionFlags", "DGHierarchyLevel1", "DGHierarchyLevel2", "DGHierarchyLevel3", "DGHierarchyLevel4", "VirtualSystemName", "DeviceName"},
}

func panCSV(cols []string) map[string]string {
	if len(cols) < 7 {
		return nil
	}
	m := make(map[string]string, 64)
	names := panColumns["common"]
	for i, n := range names {
		if n != "" && i < len(cols) {
			m[n] = cols[i]
		}
	}
	for i, n := range panColumns[m["LogType"]] {
		if n != "" && i < len(cols) && cols[i] != "" {
			m[n] = cols[i]
		}
	}
	return m
}

var (
	panUserRe   = regexp.MustCompile(`user '([^']*)'`)
	panServerIP = regexp.MustCompile(`(?:connected to server|server) (\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?`)
	panReasonRe = regexp.MustCompile(`Reason: ([^.]*\.)`)
	panServerRe = regexp.MustCompile(`server address '([^']*)'`)
	panFromRe   = regexp.MustCompile(`(?:From: |initiated by:? |from '?)(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+)`)
	panThreatRe = regexp.MustCompile(`^(.*)\((\d+)\)$`)
)

// panAddrKeys returns role.address, role.ip and role.domain.
func panAddrKeys(role string) [3]string {
	switch role {
	case "source":
		return [3]string{"source.address", "source.ip", "source.domain"}
	case "destination":
		return [3]string{"destination.address", "destination.ip", "destination.domain"}
	}
	return [3]string{role + ".address", role + ".ip", role + ".domain"}
}

func normalizePaloAlto(r *parse.Record, e *event.Event) error {
	var m map[string]string
	var cols []string
	isJSON := false
	switch {
	case r.CEF != nil:
		panCEF(r, e)
		return nil
	case r.JSON != nil:
		isJSON = true
		m = map[string]string{}
		for k, v := range r.JSON {
			if s, ok := parse.JSONString(r.JSON, k); ok && v != nil {
				m[k] = s
			}
		}
		if v := m["SubType"]; v != "" && m["Subtype"] == "" {
			m["Subtype"] = v
		}
	default:
		cols = r.CSV
		if cols == nil {
			cols = format.SplitCSV(r.Body, ',', nil)
		}
		m = panCSV(cols)
	}
	if m == nil {
		return nil
	}
	logType := strings.ToLower(m["LogType"])
	sub := strings.ToLower(m["Subtype"])
	e.PutString("event.dataset", logType)
	e.PutString("log.logger", logType)
	get := func(k string) string {
		v := m[k]
		if v == "" || v == "N/A" || v == "any" {
			return ""
		}
		return v
	}
	setAddr := func(role, v string) {
		if v == "" {
			return
		}
		k := panAddrKeys(role)
		e.SetString(k[0], v)
		if a, ok := parse.ParseIP(v); ok {
			e.SetString(k[1], a.String())
		} else {
			e.SetString(k[2], v)
			e.AppendUnique(event.RelatedHosts, v)
		}
	}
	setAddr("source", get("SourceAddress"))
	setAddr("destination", get("DestinationAddress"))
	parse.Set(e, "source.port", get("SourcePort"))
	parse.Set(e, "destination.port", get("DestinationPort"))
	if v, ok := m["NATSource"]; ok && v != "" {
		parse.Set(e, "source.nat.ip", v)
	}
	if v, ok := m["NATDestination"]; ok && v != "" {
		parse.Set(e, "destination.nat.ip", v)
	}
	parse.Set(e, "source.nat.port", m["NATSourcePort"])
	parse.Set(e, "destination.nat.port", m["NATDestinationPort"])
	parse.Set(e, "rule.name", get("Rule"))
	parse.Set(e, "rule.uuid", get("RuleUUID"))
	parse.Set(e, "network.application", get("Application"))
	parse.Set(e, "event.action", get("Action"))
	parse.Set(e, "observer.serial_number", firstOf(get("DeviceSN"), get("LogSourceID")))
	if dn := firstOf(get("DeviceName"), get("LogSourceName")); dn != "" {
		if isJSON {
			e.PutString("host.name", dn)
		}
		e.PutString("observer.name", dn)
	}
	if isJSON {
		parse.Set(e, "observer.ingress.interface.alias", get("FromZone"))
		parse.Set(e, "observer.egress.interface.alias", get("ToZone"))
	} else {
		parse.Set(e, "observer.ingress.vlan.name", get("FromZone"))
		parse.Set(e, "observer.egress.vlan.name", get("ToZone"))
	}
	if p := get("Protocol"); p != "" {
		e.PutString("network.transport", parse.TransportName(p))
	}
	parse.Set(e, "network.bytes", get("Bytes"))
	parse.Set(e, "source.bytes", get("BytesSent"))
	parse.Set(e, "destination.bytes", get("BytesReceived"))
	parse.Set(e, "network.packets", get("PacketsTotal"))
	parse.Set(e, "source.packets", get("PacketsSent"))
	parse.Set(e, "destination.packets", get("PacketsReceived"))
	if d := get("SessionDuration"); d != "" {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil {
			e.SetInt("event.duration", n*int64(time.Second))
		}
	}
	if v := get("VendorSeverity"); v != "" {
		e.PutString("log.level", v)
	}
	for _, k := range []string{"SourceUser", "User"} {
		if u := get(k); u != "" {
			name, dom := panUser(u)
			e.PutString("user.name", name)
			e.PutString("source.user.name", name)
			if dom != "" {
				e.PutString("user.domain", dom)
			}
			e.AppendUnique(event.RelatedUser, name)
		}
	}
	if u := get("DestinationUser"); u != "" {
		name, _ := panUser(u)
		e.PutString("destination.user.name", name)
		e.AppendUnique(event.RelatedUser, name)
	}
	switch logType {
	case "traffic":
		e.SetList("event.category", "network")
		e.Set("event.outcome", "success")
		switch sub {
		case "start":
			e.SetList("event.type", "start")
		case "end":
			e.SetList("event.type", "end")
		case "deny", "drop":
			e.SetList("event.type", "denied")
		default:
			e.SetList("event.type", "info")
		}
		if st := get("SessionStartTime"); st != "" && isJSON {
			if t, ok := parse.ParseTime(st, r.Location()); ok {
				e.SetTime("event.start", t.UTC())
			}
		}
	case "threat":
		e.Set("event.outcome", "success")
		e.SetList("event.type", "info")
		switch sub {
		case "virus", "wildfire", "wildfire-virus", "spyware":
			e.SetList("event.category", "malware")
		case "url":
			e.SetList("event.category", "network")
		case "file":
			e.SetList("event.category", "file")
		default:
			e.SetList("event.category", sub)
		}
		if t := get("ThreatID"); t != "" {
			if mm := panThreatRe.FindStringSubmatch(t); mm != nil {
				e.PutString("event.reason", strings.TrimSpace(mm[1]))
				e.PutString("event.code", mm[2])
			} else {
				e.PutString("event.reason", t)
			}
		}
		if u := get("URL"); u != "" {
			if sub == "url" {
				e.PutString("threat.indicator.name", u)
				if !strings.Contains(u, "://") {
					scheme := "http://"
					if p, ok := e.Int("destination.port"); ok && p == 443 {
						scheme = "https://"
					}
					u = scheme + u
				}
				parse.SetURL(e, "url", u)
				e.PutString("url.full", u)
				if d := e.Str("url.domain"); d != "" {
					parse.SetDomainParts(e, "url", d)
					e.PutString("destination.domain", d)
					e.AppendUnique(event.RelatedHosts, d)
					if !e.Has("url.port") {
						if p, ok := e.Int("destination.port"); ok {
							e.Set("url.port", p)
						}
					}
				}
			} else {
				e.PutString("file.name", u)
				e.PutString("file.path", u)
			}
		}
	case "system":
		desc := get("EventDescription")
		e.SetList("event.type", "info")
		if sub == "general" {
			e.SetList("event.category", "host")
		} else {
			e.SetList("event.category", "network")
		}
		if desc != "" {
			e.PutString("event.reason", desc)
		}
		if sub == "auth" {
			e.SetList("event.category", "authentication")
			switch get("EventName") {
			case "auth-success":
				e.Set("event.outcome", "success")
				e.SetList("event.type", "start")
			case "auth-fail":
				e.Set("event.outcome", "failure")
			}
		}
		if mm := panUserRe.FindStringSubmatch(desc); mm != nil {
			e.PutString("user.name", mm[1])
			e.AppendUnique(event.RelatedUser, mm[1])
		}
		if mm := panReasonRe.FindStringSubmatch(desc); mm != nil {
			e.PutString("event.reason", mm[1])
		}
		if mm := panServerRe.FindStringSubmatch(desc); mm != nil {
			setAddr("destination", mm[1])
			if reg, sub, _ := parse.SplitDomain(mm[1]); reg != "" && !parse.IsIP(mm[1]) {
				e.PutString("destination.subdomain", sub)
			}
		}
		if mm := panFromRe.FindStringSubmatch(desc); mm != nil && !e.Has("source.ip") {
			setAddr("source", mm[1])
		}
		if mm := panServerIP.FindStringSubmatch(desc); mm != nil && !e.Has("destination.ip") {
			setAddr("destination", mm[1])
		}
	case "globalprotect":
		e.SetList("event.category", "session")
		if get("Stage") == "login" {
			e.SetList("event.type", "start")
		} else if get("Stage") == "logout" {
			e.SetList("event.type", "end")
		}
		parse.Set(e, "event.outcome", get("Status"))
		parse.Set(e, "host.id", get("HostID"))
		parse.Set(e, "host.name", get("EndpointDeviceName"))
		setAddr("source", firstOf(get("PublicIPv4"), get("PublicIPv6")))
		parse.Set(e, "observer.serial_number", get("EndpointSN"))
		parse.Set(e, "user_agent.os.name", get("EndpointOSType"))
		parse.Set(e, "user_agent.os.version", get("EndpointOSVersion"))
		parse.Set(e, "host.os.version", get("EndpointOSVersion"))
	case "decryption":
		e.SetList("event.category", "network")
		e.SetList("event.type", "info")
		e.Set("event.outcome", "success")
	case "userid":
		e.SetList("event.category", "authentication")
		e.SetList("event.type", "start")
		e.Set("event.outcome", "success")
		setAddr("source", get("SourceIP"))
	default:
		e.SetList("event.category", "network")
		e.SetList("event.type", "info")
	}
	// @timestamp: the high-resolution generation time, else generated/received.
	if !isJSON {
		// Newer PAN-OS versions end CSV rows with a high-resolution
		// generation time carrying its offset.
		for i := len(cols) - 1; i > 6 && m["TimeGeneratedHighResolution"] == ""; i-- {
			if c := cols[i]; len(c) >= 20 && c[4] == '-' && c[10] == 'T' {
				m["TimeGeneratedHighResolution"] = c
			}
		}
	}
	order := []string{"TimeGeneratedHighResolution", "EventTime", "TimeGenerated", "TimeReceived", "LogTime"}
	if isJSON {
		order = []string{"EventTime", "TimeGenerated", "TimeGeneratedHighResolution", "TimeReceived", "LogTime"}
	}
	for _, k := range order {
		if v := get(k); v != "" {
			if t, ok := parse.ParseTime(v, r.Location()); ok {
				e.SetTimestamp(t)
				break
			}
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip")
	return nil
}

var panCEFKeys = map[string][]string{
	"PanOSRuleUUID": {"rule.uuid"}, "deviceExternalId": {"host.id"}, "dtz": {"event.timezone"},
	"PanOSSourceDeviceMac": {"host.mac"}, "PanOSSourceDeviceOSFamily": {"host.os.family"}, "PanOSSourceDeviceOSVersion": {"host.os.version"},
	"PanOSSourceDeviceCategory": {"host.type"}, "cs1": {"rule.name"}, "cs4": {"observer.ingress.interface.alias"}, "cs5": {"observer.egress.interface.alias"},
	"app": {"network.application"}, "act": {"event.action"}, "src": {"source.address", "source.ip"}, "dst": {"destination.address", "destination.ip"},
	"spt": {"source.port"}, "dpt": {"destination.port"}, "sourceTranslatedAddress": {"source.nat.ip"}, "destinationTranslatedAddress": {"destination.nat.ip"},
	"sourceTranslatedPort": {"source.nat.port"}, "destinationTranslatedPort": {"destination.nat.port"}, "proto": {"network.transport"},
	"in": {"source.bytes"}, "out": {"destination.bytes"}, "msg": {"event.reason"},
	"deviceInboundInterface": {"observer.ingress.interface.name"}, "deviceOutboundInterface": {"observer.egress.interface.name"},
	"cn2": {"network.packets"}, "PanOSBytes": {"network.bytes"}, "PanOSPacketsReceived": {"destination.packets"},
	"PanOSPacketsSent": {"source.packets"}, "reason": {"event.reason"},
}

// panCEF maps the CEF of the Strata logging service ("LF" product).
func panCEF(r *parse.Record, e *event.Event) {
	c := r.CEF
	e.PutString("observer.vendor", c.DeviceVendor)
	e.Set("observer.product", "PAN-OS")
	e.PutString("observer.type", c.DeviceProduct)
	e.PutString("observer.version", c.DeviceVersion)
	logType := strings.ToLower(c.SignatureID)
	e.PutString("event.dataset", logType)
	e.PutString("log.logger", logType)
	if sev, err := strconv.Atoi(c.Severity); err == nil {
		e.SetInt("event.severity", int64(sev))
	}
	e.SetList("event.type", "info")
	sub := strings.ToLower(c.Name)
	if logType == "traffic" {
		for _, p := range c.Extensions {
			if p.Key == "act" {
				switch strings.ToLower(p.Value) {
				case "allow":
					e.SetList("event.type", "allowed")
				case "deny", "drop", "reset-both", "reset-client", "reset-server":
					e.SetList("event.type", "denied")
				}
			}
		}
	}
	switch logType {
	case "traffic":
		e.SetList("event.category", "network")
	case "threat":
		if sub == "spyware" || sub == "virus" || sub == "wildfire" {
			e.SetList("event.category", "malware")
		} else {
			e.SetList("event.category", "network")
		}
	case "auth":
		e.SetList("event.category", "authentication")
	default:
		e.SetList("event.category", "network")
	}
	var dom string
	for _, p := range c.Extensions {
		switch p.Key {
		case "rt":
			if t, ok := parse.ParseTime(p.Value, r.Location()); ok {
				e.SetTimestamp(t)
			}
			continue
		case "start":
			if t, ok := parse.ParseTime(p.Value, r.Location()); ok {
				e.SetTime("event.start", t.UTC())
			}
			continue
		case "dntdom", "sntdom":
			dom = p.Value
			continue
		case "suser", "duser", "ProfileToken", "PanOSCloudHostname", "dvchost":
			if p.Value == "" {
				continue
			}
			name, d := panUser(p.Value)
			if d == "" {
				d = dom
			}
			if p.Key == "dvchost" && e.Has("host.name") {
				continue
			}
			switch p.Key {
			case "suser":
				e.PutString("source.user.name", name)
				e.PutString("user.name", name)
			case "duser":
				e.PutString("destination.user.name", name)
			default:
				e.PutString("host.name", name)
				e.PutString("host.hostname", name)
				e.AppendUnique(event.RelatedHosts, name)
				continue
			}
			if d != "" {
				e.PutString("user.domain", d)
			}
			e.AppendUnique(event.RelatedUser, name)
			continue
		case "proto":
			e.Set("network.transport", parse.TransportName(p.Value))
			continue
		}
		for _, t := range panCEFKeys[p.Key] {
			parse.Set(e, t, p.Value)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip")
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// panUser splits "domain\\user" and "user@domain".
func panUser(u string) (name, domain string) {
	if i := strings.IndexByte(u, '\\'); i >= 0 {
		return u[i+1:], u[:i]
	}
	return u, ""
}

func init() { all = append(all, paloalto) }
