package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// pf firewall logs as pfSense and OPNsense send them (filterlog CSV:
// rule,subrule,anchor,tracker,interface,reason,action,direction,ipversion,
// then the IPv4 or IPv6 header and the protocol fields).
var pf = &parse.Vendor{
	ID:       "pf",
	Aliases:  []string{"pfsense", "opnsense", "filterlog", "openbsd-pf", "openbsd-packet-filter"},
	Name:     "pf filterlog (pfSense, OPNsense, OpenBSD)",
	Formats:  []parse.Format{parse.FormatCSV},
	Observer: parse.Observer{Product: "pf", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.Syslog != nil && r.Syslog.Appname == "filterlog" {
			return true
		}
		cols := r.CSV
		if cols == nil {
			if strings.Count(r.Body, ",") < 15 {
				return false
			}
			cols = format.SplitCSV(strings.TrimSpace(r.Body), ',', nil)
		}
		return len(cols) > 16 && (cols[6] == "pass" || cols[6] == "block" || cols[6] == "match") && (cols[7] == "in" || cols[7] == "out") && (cols[8] == "4" || cols[8] == "6")
	},
	Normalize: normalizePF,
	Verified:  "Sekoia OpenBSD packet filter intake tests (11 events, filterlog CSV); CrowdSec pfsense/opnsense samples; Wazuh pfsense sample",
}

func normalizePF(r *parse.Record, e *event.Event) error {
	cols := format.SplitCSV(strings.TrimSpace(r.Body), ',', nil)
	if len(cols) < 17 {
		parse.SyslogProcess(r, e)
		return nil
	}
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"network"})
	parse.Set(e, "rule.id", cols[0])
	parse.Set(e, "rule.ruleset", cols[2])
	iface, reason, action, dir := cols[4], cols[5], cols[6], cols[7]
	parse.Set(e, "event.reason", reason)
	e.Set("event.action", action)
	switch action {
	case "pass":
		e.Set("event.type", []string{"allowed"})
	case "block":
		e.Set("event.type", []string{"denied"})
	}
	switch dir {
	case "in":
		e.Set("network.direction", "inbound")
		parse.Set(e, "observer.ingress.interface.name", iface)
	case "out":
		e.Set("network.direction", "outbound")
		parse.Set(e, "observer.egress.interface.name", iface)
	}
	var proto, src, dst string
	var rest []string
	switch cols[8] {
	case "4":
		// tos,ecn,ttl,id,offset,flags,protoid,proto,length,src,dst
		if len(cols) < 20 {
			return nil
		}
		proto = strings.ToLower(cols[16])
		e.Set("network.iana_number", cols[15])
		parse.Set(e, "network.bytes", cols[17])
		src, dst, rest = cols[18], cols[19], cols[20:]
		e.Set("network.type", "ipv4")
	case "6":
		// class,flowlabel,hoplimit,proto,protoid,length,src,dst
		if len(cols) < 17 {
			return nil
		}
		proto = strings.ToLower(cols[12])
		e.Set("network.iana_number", cols[13])
		parse.Set(e, "network.bytes", cols[14])
		src, dst, rest = cols[15], cols[16], cols[17:]
		e.Set("network.type", "ipv6")
	}
	if proto == "ipv6-icmp" || proto == "icmpv6" {
		proto = "ipv6-icmp"
	}
	e.Set("network.transport", proto)
	parse.SetAddress(e, "source", src)
	parse.SetAddress(e, "destination", dst)
	switch proto {
	case "tcp", "udp":
		if len(rest) >= 2 {
			parse.Set(e, "source.port", rest[0])
			parse.Set(e, "destination.port", rest[1])
		}
	case "icmp":
		if len(rest) >= 1 && rest[0] == "unreach" && len(rest) >= 2 {
			e.Set("error.type", rest[0])
			e.Set("error.message", strings.Join(rest[1:], ","))
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

func init() { all = append(all, pf) }
