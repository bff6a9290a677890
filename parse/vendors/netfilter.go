package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Linux netfilter (iptables/nftables LOG target) kernel messages:
// "[prefix] IN=eth0 OUT= MAC=... SRC=... DST=... PROTO=TCP SPT=... DPT=...".
var netfilter = &parse.Vendor{
	ID:       "netfilter",
	Aliases:  []string{"iptables", "nftables", "linux-iptables", "firewalld", "ufw"},
	Name:     "Linux netfilter (iptables / nftables LOG)",
	Formats:  []parse.Format{parse.FormatKV},
	Observer: parse.Observer{Vendor: "Linux", Product: "netfilter", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "IN=") && strings.Contains(b, " OUT=") && strings.Contains(b, " SRC=") && strings.Contains(b, " PROTO=")
	},
	Normalize: normalizeNetfilter,
	Verified:  "Sekoia netfilter intake tests (3 events); CrowdSec iptables-logs; Wazuh iptables and firewalld samples",
}

func normalizeNetfilter(r *parse.Record, e *event.Event) error {
	b := r.Body
	i := strings.Index(b, "IN=")
	if i < 0 {
		return nil
	}
	prefix := strings.TrimSpace(b[:i])
	// The kernel timestamp "[12345.678]" is not part of the prefix.
	if strings.HasPrefix(prefix, "[") {
		if j := strings.IndexByte(prefix, ']'); j > 0 {
			prefix = strings.TrimSpace(prefix[j+1:])
		}
	}
	pairs := r.Pairs
	if r.Format != parse.FormatKV {
		pairs = format.ParseKV(b[i:], format.KVOptions{}, nil)
	}
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"network"})
	if prefix != "" {
		e.Set("netfilter.prefix", prefix)
		up := strings.ToUpper(prefix)
		switch {
		case strings.Contains(up, "ACCEPT") || strings.Contains(up, "ALLOW"):
			e.Set("event.action", "accept")
			e.Set("event.type", []string{"connection", "allowed"})
			e.Set("event.outcome", "success")
		case strings.Contains(up, "DROP") || strings.Contains(up, "REJECT") || strings.Contains(up, "DENY") || strings.Contains(up, "BLOCK"):
			e.Set("event.action", "drop")
			e.Set("event.type", []string{"connection", "denied"})
			e.Set("event.outcome", "success")
		}
	}
	proto := ""
	for _, p := range pairs {
		if p.Bare {
			continue
		}
		v := p.Value
		switch p.Key {
		case "IN":
			parse.Set(e, "observer.ingress.interface.name", v)
		case "OUT":
			parse.Set(e, "observer.egress.interface.name", v)
		case "MAC":
			// destination MAC, source MAC, EtherType
			if parts := strings.Split(v, ":"); len(parts) >= 12 {
				e.Set("destination.mac", strings.Join(parts[0:6], ":"))
				e.Set("source.mac", strings.Join(parts[6:12], ":"))
			}
		case "SRC":
			parse.SetAddress(e, "source", v)
		case "DST":
			parse.SetAddress(e, "destination", v)
		case "LEN":
			parse.Set(e, "source.bytes", v)
		case "PROTO":
			proto = parse.TransportName(v)
			e.Set("network.transport", proto)
			if n := parse.IANANumber(proto); n != "" {
				e.Set("network.iana_number", n)
			}
		case "SPT":
			parse.Set(e, "source.port", v)
		case "DPT":
			parse.Set(e, "destination.port", v)
		}
	}
	if proto == "icmp" {
		e.Delete("event.outcome")
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

func init() { all = append(all, netfilter) }
