package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// SonicWall firewalls: the enhanced syslog key=value format
// ("id=firewall sn=... time="..." fw=... pri=6 c=... m=... msg="..."
// src=1.2.3.4:80:X1 dst=...") and CEF.
var sonicwall = &parse.Vendor{
	ID:       "sonicwall",
	Aliases:  []string{"sonicwall-fw", "sonicos", "dell-sonicwall"},
	Name:     "SonicWall firewall (SonicOS)",
	Formats:  []parse.Format{parse.FormatKV, parse.FormatCEF},
	Observer: parse.Observer{Vendor: "SonicWall", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.CEF != nil {
			return strings.EqualFold(r.CEF.DeviceVendor, "SonicWall")
		}
		b := r.Body
		return strings.HasPrefix(strings.TrimSpace(b), "id=") && strings.Contains(b, " sn=") && strings.Contains(b, " m=") && strings.Contains(b, " fw=")
	},
	Normalize: normalizeSonicWall,
	Verified:  "Sekoia SonicWall intake tests (6 events: CEF and key=value); Wazuh SonicWall samples",
}

var sonicKeys = map[string][]string{
	"fw": {"observer.ip"}, "sn": {"observer.serial_number"}, "msg": {"event.reason"}, "m": {"event.code"},
	"usr": {"user.name"}, "susr": {"user.name"}, "appName": {"network.application"}, "app": {},
	"dstname": {"destination.domain"}, "smac": {"source.mac"}, "dmac": {"destination.mac"}, "srcMac": {"source.mac"}, "dstMac": {"destination.mac"},
	"spt": {"source.port"}, "dpt": {"destination.port"}, "deviceInboundInterface": {"observer.ingress.interface.name"},
	"deviceOutboundInterface": {"observer.egress.interface.name"}, "cs1": {"rule.name"}, "rule": {"rule.name"},
	"sent": {"source.bytes"}, "rcvd": {"destination.bytes"}, "fname": {"file.name"}, "spkt": {"source.packets"}, "rpkt": {"destination.packets"},
	"cn1": {"source.packets"}, "cn2": {"destination.packets"}, "in": {"destination.bytes", "host.network.ingress.bytes"}, "out": {"source.bytes", "host.network.egress.bytes"},
}

func normalizeSonicWall(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"protocol"})
	pairs := r.Pairs
	if r.CEF != nil {
		c := r.CEF
		e.Set("observer.product", c.DeviceProduct)
		e.Set("observer.version", c.DeviceVersion)
		e.Set("event.code", c.SignatureID)
		if sev, ok := parseSeverity(c.Severity); ok {
			e.Set("event.severity", sev)
		}
		if strings.Contains(c.Name, "Alert") {
			e.Set("event.kind", "alert")
		}
	} else if pairs == nil {
		pairs = format.ParseKV(r.Body, format.KVOptions{}, nil)
	}
	for _, p := range pairs {
		if p.Bare || p.Value == "" {
			continue
		}
		v := p.Value
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		} else if v[0] == '"' && !strings.Contains(v[1:], "\"") {
			v = v[1:]
		}
		switch p.Key {
		case "src", "dst":
			role := "source"
			if p.Key == "dst" {
				role = "destination"
			}
			// "1.2.3.4:80:X1" or "1.2.3.4"
			parts := strings.Split(v, ":")
			if parse.IsIP(v) {
				parts = []string{v}
			}
			parse.SetAddress(e, role, parts[0])
			if len(parts) > 1 {
				parse.Set(e, role+".port", parts[1])
			}
			if len(parts) > 2 {
				if role == "source" {
					e.Set("observer.ingress.interface.name", parts[2])
				} else {
					e.Set("observer.egress.interface.name", parts[2])
				}
			}
			continue
		case "proto":
			// "tcp/https", "udp/dns"
			t, app, _ := strings.Cut(v, "/")
			e.Set("network.transport", strings.ToLower(t))
			if app != "" && !isNumber(app) {
				e.Set("network.protocol", strings.ToLower(app))
			}
			continue
		case "time":
			if t, ok := parse.ParseTime(strings.Trim(v, `"`), r.Location()); ok {
				e.SetTimestamp(t)
			}
			continue
		case "snpt":
			parse.Set(e, "source.nat.port", v)
			continue
		case "dnpt":
			parse.Set(e, "destination.nat.port", v)
			continue
		case "cs2Label":
			if parse.IsIP(v) {
				parse.Set(e, "destination.nat.ip", v)
			}
			continue
		case "cs1Label":
			if parse.IsIP(v) {
				parse.Set(e, "source.nat.ip", v)
			}
			continue
		}
		for _, t := range sonicKeys[p.Key] {
			parse.Set(e, t, v)
		}
	}
	if u := e.Str("user.name"); u != "" {
		if i := strings.LastIndexByte(u, '\\'); i >= 0 {
			e.Set("user.domain", u[:i])
			e.Set("user.name", u[i+1:])
		}
		e.AppendUnique(event.RelatedUser, e.Str("user.name"))
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip")
	return nil
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseSeverity(s string) (int64, bool) {
	n := int64(0)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func init() { all = append(all, sonicwall) }
