package vendors

import (
	"strconv"
	"strings"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Forcepoint NGFW (formerly Stonesoft) exports its logs from the Log Server
// as CEF ("CEF:0|FORCEPOINT|Firewall|6.8.5|70019|Connection_Discarded|0|
// ... deviceFacility=Packet Filtering act=Discard ...") or LEEF 1.0 with
// tab-separated attributes ("LEEF:1.0|Forcepoint|Firewall|7.1.5|
// Connection_Allowed|...sender=<engine node> action=Allow"). The event
// name (the situation) is the action; engine command history and DHCP
// relay messages carry details in msg.
var forcepointNGFW = &parse.Vendor{
	ID:       "forcepoint-ngfw",
	Aliases:  []string{"forcepoint", "stonesoft", "forcepoint_ngfw", "forcepoint-firewall"},
	Name:     "Forcepoint NGFW (Stonesoft)",
	Formats:  []parse.Format{parse.FormatCEF, parse.FormatLEEF},
	Observer: parse.Observer{Vendor: "forcepoint"},
	Detect: func(r *parse.Record) bool {
		switch {
		case r.CEF != nil:
			return strings.EqualFold(r.CEF.DeviceVendor, "Forcepoint") && hasPrefixFoldASCII(r.CEF.DeviceProduct, "Firewall")
		case r.LEEF != nil:
			return strings.EqualFold(r.LEEF.Vendor, "Forcepoint") && hasPrefixFoldASCII(r.LEEF.Product, "Firewall")
		}
		return false
	},
	Normalize: normalizeForcepoint,
	Verified:  "Sekoia Forcepoint NGFW intake tests (8 events: CEF and LEEF connections, file filtering, DHCP relay, engine commands)",
}

func normalizeForcepoint(r *parse.Record, e *event.Event) error {
	var pairs format.Pairs
	var product, version, action string
	switch {
	case r.CEF != nil:
		c := r.CEF
		product, version, action = c.DeviceProduct, c.DeviceVersion, c.Name
		parse.Set(e, "event.code", c.SignatureID)
		if sev, ok := parseSeverity(c.Severity); ok {
			e.Set("event.severity", sev)
		}
		pairs = c.Extensions
	case r.LEEF != nil:
		l := r.LEEF
		product, version, action = l.Product, l.ProductVersion, l.EventID
		pairs = l.Attributes
	default:
		return errNotVendorRecord("Forcepoint CEF or LEEF")
	}
	parse.Set(e, "observer.type", product)
	parse.Set(e, "observer.version", version)
	parse.Set(e, "event.action", action)
	e.Set("event.kind", "event")
	var act, msg, facility, devTime, rt string
	for _, p := range pairs {
		v := strings.TrimSpace(p.Value)
		if v == "" {
			continue
		}
		switch p.Key {
		case "src":
			parse.Set(e, "source.ip", v)
		case "dst":
			parse.Set(e, "destination.ip", v)
		case "spt", "srcPort":
			parse.Set(e, "source.port", v)
		case "dpt", "dstPort":
			parse.Set(e, "destination.port", v)
		case "srcMAC", "smac":
			parse.Set(e, "source.mac", v)
		case "dstMAC", "dmac":
			parse.Set(e, "destination.mac", v)
		case "sourceTranslatedAddress", "srcPostNAT":
			parse.Set(e, "source.nat.ip", v)
		case "sourceTranslatedPort", "srcPostNATPort":
			parse.Set(e, "source.nat.port", v)
		case "destinationTranslatedAddress", "dstPostNAT":
			parse.Set(e, "destination.nat.ip", v)
		case "destinationTranslatedPort", "dstPostNATPort":
			parse.Set(e, "destination.nat.port", v)
		case "proto":
			if isNumber(v) {
				e.Set("network.iana_number", v)
				if n, ok := forcepointProto[v]; ok {
					e.Set("network.transport", n)
				}
			} else {
				e.Set("network.transport", strings.ToLower(v))
			}
		case "app":
			e.Set("network.application", v)
		case "deviceInboundInterface":
			e.Set("observer.ingress.interface.name", v)
		case "deviceOutboundInterface":
			e.Set("observer.egress.interface.name", v)
		case "deviceExternalId":
			e.Set("device.id", v)
		case "dvchost":
			e.Set("observer.hostname", v)
		case "dvc":
			parse.Set(e, "observer.ip", v)
		case "sender":
			e.Set("observer.name", v)
			e.Set("host.name", v)
		case "act", "action":
			act = v
		case "msg":
			msg = v
		case "deviceFacility":
			facility = v
		case "usrName", "suser", "duser":
			parse.Set(e, "user.name", v)
		case "devTime":
			devTime = v
		case "rt":
			rt = v
		case "cs1":
			if l, _ := pairs.Get("cs1Label"); l == "RuleID" {
				e.Set("forcepoint.firewall.rule.id", v)
			}
		case "cs2":
			if l, _ := pairs.Get("cs2Label"); l == "NatRuleId" {
				e.Set("forcepoint.firewall.rule.nat_id", v)
			}
		}
	}
	loc := r.Location()
	for _, s := range []string{devTime, rt} {
		if s == "" {
			continue
		}
		if t, ok := parseCEFDateText(s, loc); ok {
			e.SetTimestamp(t)
			break
		}
	}
	if act != "" {
		e.Set("forcepoint.firewall.action", act)
	}
	if facility != "" {
		e.Set("event.module", facility)
	}
	if msg != "" {
		e.Set("event.message", msg)
		if r.CEF != nil {
			e.Set("event.reason", msg)
		}
		if strings.HasPrefix(strings.ToLower(msg), "alert") {
			e.Set("event.kind", "alert")
		}
	}
	category, typ := "network", "info"
	lowerAction := strings.ToLower(action)
	switch {
	case strings.EqualFold(facility, "File Filtering"):
		category = "file"
	case forcepointCommand(e, msg):
		category = "process"
	case strings.Contains(lowerAction, "login") || strings.Contains(lowerAction, "logon") || strings.Contains(lowerAction, "auth"):
		category = "authentication"
	}
	if strings.HasPrefix(lowerAction, "connection") {
		typ = "connection"
	}
	e.Set("event.category", []string{category})
	e.Set("event.type", []string{typ})
	switch strings.ToLower(act) {
	case "allow", "permit", "accept":
		e.Set("event.outcome", "success")
	case "discard", "refuse", "reject", "deny", "drop", "block", "terminate":
		e.Set("event.outcome", "failure")
	default:
		e.Set("event.outcome", "unknown")
	}
	forcepointDHCP(e, msg)
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "observer.ip", "user.name", "observer.hostname")
	return nil
}

var forcepointProto = map[string]string{"1": "icmp", "6": "tcp", "17": "udp", "47": "gre", "50": "esp", "51": "ah", "58": "ipv6-icmp", "132": "sctp"}

// forcepointCommand reads the engine's command history: "[tty ]HISTORY:
// PID=6744 UID=0 USER=root <command>" (the '=' may be escaped).
func forcepointCommand(e *event.Event, msg string) bool {
	i := strings.Index(strings.ToUpper(msg), "HISTORY: ")
	if i < 0 {
		return false
	}
	rest := strings.ReplaceAll(msg[i+len("HISTORY: "):], `\=`, "=")
	for n := 0; n < 3; n++ {
		w, after, ok := strings.Cut(rest, " ")
		if !ok {
			break
		}
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			break
		}
		switch k {
		case "PID":
			if _, err := strconv.Atoi(v); err == nil {
				parse.Set(e, "process.pid", v)
			}
		case "UID":
			e.Set("process.user.id", v)
		case "USER":
			e.Set("process.user.name", v)
		}
		rest = after
	}
	parse.Set(e, "process.command_line", strings.TrimSpace(rest))
	return true
}

// forcepointDHCP reads the DHCP relay messages: "Message type ack. XID:
// 0x... Relay ip A. Server ID: B. DNS: C." (and "Relayed to B", "Hostname: h").
func forcepointDHCP(e *event.Event, msg string) {
	t, ok := strings.CutPrefix(msg, "Message type ")
	if !ok {
		return
	}
	typ, _, _ := strings.Cut(t, ".")
	e.Set("forcepoint.firewall.dhcp.type", typ)
	for _, part := range strings.Split(t, ". ") {
		part = strings.TrimSuffix(strings.TrimSpace(part), ".")
		switch {
		case strings.HasPrefix(part, "Relay ip "):
			e.Set("forcepoint.firewall.dhcp.relay", strings.TrimPrefix(part, "Relay ip "))
		case strings.HasPrefix(part, "Server ID: "):
			e.Set("forcepoint.firewall.dhcp.server", strings.TrimPrefix(part, "Server ID: "))
		case strings.HasPrefix(part, "Relayed to "):
			e.Set("forcepoint.firewall.dhcp.server", strings.TrimPrefix(part, "Relayed to "))
		case strings.HasPrefix(part, "DNS: "):
			e.Set("forcepoint.firewall.dhcp.dns", strings.TrimPrefix(part, "DNS: "))
		case strings.HasPrefix(part, "Hostname: "):
			e.Set("forcepoint.firewall.dhcp.hostname", strings.TrimPrefix(part, "Hostname: "))
		}
	}
}

func init() { all = append(all, forcepointNGFW) }
