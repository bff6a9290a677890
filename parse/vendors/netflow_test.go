package vendors_test

import "testing"

func TestNetFlow(t *testing.T) {
	runECSCases(t, "netflow", true, []ecsCase{
		{"v9", `{"IPV4_SRC_ADDR":"10.1.1.1","IPV4_DST_ADDR":"10.2.2.2","FIRST_SWITCHED":1000,"LAST_SWITCHED":1500,"IN_BYTES":1200,"IN_PKTS":3,"L4_SRC_PORT":51000,"L4_DST_PORT":443,"PROTOCOL":6,"IP_PROTOCOL_VERSION":4,"INPUT_SNMP":2}`,
			map[string]any{"source.ip": "10.1.1.1", "destination.port": int64(443), "network.transport": "tcp", "network.iana_number": "6", "network.bytes": int64(1200),
				"event.duration": int64(500000000), "network.type": "ipv4", "observer.ingress.interface.id": "2"}},
		{"ipfix", `{"sourceIPv6Address":"2001:db8::1","destinationIPv6Address":"2001:db8::2","protocolIdentifier":17,"sourceTransportPort":5353,"destinationTransportPort":5353,"octetDeltaCount":90,"packetDeltaCount":1,"ipVersion":6,"flowStartMilliseconds":1700000000000,"flowEndMilliseconds":1700000000250}`,
			map[string]any{"source.ip": "2001:db8::1", "network.transport": "udp", "network.type": "ipv6", "event.duration": int64(250000000), "@timestamp": "2023-11-14T22:13:20.25Z"}},
	})
}

func FuzzNetFlow(f *testing.F) {
	fuzzVendor(f, "netflow", `{"IPV4_SRC_ADDR":1,"PROTOCOL":"x","FIRST_SWITCHED":"9","LAST_SWITCHED":"1"}`, `{"sourceIPv4Address":"::","protocolIdentifier":[],"flowStartMilliseconds":"a"}`)
}
