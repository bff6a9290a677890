package vendors

import (
	"strconv"

	"bianque/event"
	"bianque/parse"
)

// NetFlow v5/v9 and IPFIX records as JSON, as flow collectors (nfcapd
// exports, GoFlow, Logstash/Filebeat netflow inputs) write them, with the
// NetFlow v9 field type names (IPV4_SRC_ADDR, L4_DST_PORT, IN_BYTES, ...) or
// the IPFIX information element names (sourceIPv4Address, octetDeltaCount,
// ...). Each record is one unidirectional flow from source to destination.
var netflow = &parse.Vendor{
	ID:      "netflow",
	Aliases: []string{"ipfix", "netflow-v9", "netflow-v5", "flow"},
	Name:    "NetFlow v5/v9 and IPFIX (JSON records)",
	Formats: []parse.Format{parse.FormatJSON},
	Detect: func(r *parse.Record) bool {
		j := r.JSON
		if j == nil {
			return false
		}
		for _, k := range []string{"IPV4_SRC_ADDR", "IPV6_SRC_ADDR", "sourceIPv4Address", "sourceIPv6Address"} {
			if _, ok := j[k]; ok {
				_, p1 := j["PROTOCOL"]
				_, p2 := j["protocolIdentifier"]
				return p1 || p2
			}
		}
		return false
	},
	Normalize: normalizeNetFlow,
	Verified:  "Sekoia NetFlow intake tests (2 records: NetFlow v9 and IPFIX)",
}

func init() { all = append(all, netflow) }

// nfFields maps NetFlow v9 and IPFIX names to ECS.
var nfFields = []jvField{
	{"L4_SRC_PORT", []string{"source.port"}}, {"sourceTransportPort", []string{"source.port"}},
	{"L4_DST_PORT", []string{"destination.port"}}, {"destinationTransportPort", []string{"destination.port"}},
	{"IN_BYTES", []string{"network.bytes", "source.bytes"}}, {"octetDeltaCount", []string{"network.bytes", "source.bytes"}},
	{"IN_PKTS", []string{"network.packets", "source.packets"}}, {"packetDeltaCount", []string{"network.packets", "source.packets"}},
	{"IN_SRC_MAC", []string{"source.mac"}}, {"sourceMacAddress", []string{"source.mac"}},
	{"OUT_DST_MAC", []string{"destination.mac"}}, {"IN_DST_MAC", []string{"destination.mac"}}, {"destinationMacAddress", []string{"destination.mac"}},
	{"INPUT_SNMP", []string{"observer.ingress.interface.id"}}, {"ingressInterface", []string{"observer.ingress.interface.id"}},
	{"OUTPUT_SNMP", []string{"observer.egress.interface.id"}}, {"egressInterface", []string{"observer.egress.interface.id"}},
	{"SRC_VLAN", []string{"network.vlan.id"}}, {"vlanId", []string{"network.vlan.id"}},
	{"SRC_AS", []string{"source.as.number"}}, {"bgpSourceAsNumber", []string{"source.as.number"}},
	{"DST_AS", []string{"destination.as.number"}}, {"bgpDestinationAsNumber", []string{"destination.as.number"}},
	{"IPV4_NEXT_HOP", []string{"netflow.next_hop"}}, {"ipNextHopIPv4Address", []string{"netflow.next_hop"}},
	{"TCP_FLAGS", []string{"netflow.tcp_flags"}}, {"tcpControlBits", []string{"netflow.tcp_flags"}},
	{"SRC_TOS", []string{"netflow.tos"}}, {"ipClassOfService", []string{"netflow.tos"}},
	{"postNATSourceIPv4Address", []string{"source.nat.ip"}}, {"postNATDestinationIPv4Address", []string{"destination.nat.ip"}},
	{"postNAPTSourceTransportPort", []string{"source.nat.port"}}, {"postNAPTDestinationTransportPort", []string{"destination.nat.port"}},
}

func normalizeNetFlow(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"connection"})
	for _, k := range [][2]string{
		{"IPV4_SRC_ADDR", "source"}, {"IPV6_SRC_ADDR", "source"}, {"sourceIPv4Address", "source"}, {"sourceIPv6Address", "source"},
		{"IPV4_DST_ADDR", "destination"}, {"IPV6_DST_ADDR", "destination"}, {"destinationIPv4Address", "destination"}, {"destinationIPv6Address", "destination"},
	} {
		if ip := j.str(k[0]); parse.IsIP(ip) {
			parse.SetAddress(e, k[1], ip)
		}
	}
	jvCopy(e, j, nfFields)
	if p := j.first("PROTOCOL", "protocolIdentifier"); p != "" {
		e.Set("network.iana_number", p)
		e.Set("network.transport", parse.TransportName(p))
	}
	switch j.first("IP_PROTOCOL_VERSION", "ipVersion") {
	case "4":
		e.Set("network.type", "ipv4")
	case "6":
		e.Set("network.type", "ipv6")
	}
	// Duration: from the router's uptime stamps (ms) or absolute times.
	first, err1 := strconv.ParseInt(j.first("FIRST_SWITCHED", "flowStartSysUpTime"), 10, 64)
	last, err2 := strconv.ParseInt(j.first("LAST_SWITCHED", "flowEndSysUpTime"), 10, 64)
	if err1 == nil && err2 == nil && last >= first {
		e.Set("event.duration", (last-first)*1_000_000)
	}
	start, okS := jvTime(j.first("flowStartMilliseconds", "flowStartSeconds"), r.Location())
	end, okE := jvTime(j.first("flowEndMilliseconds", "flowEndSeconds"), r.Location())
	if okS {
		e.Set("event.start", start.UTC())
	}
	if okE {
		e.Set("event.end", end.UTC())
		e.SetTimestamp(end)
	}
	if okS && okE && !end.Before(start) {
		e.Set("event.duration", end.Sub(start).Nanoseconds())
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}
