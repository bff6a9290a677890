package vendors_test

import "testing"

func TestInfobloxDDI(t *testing.T) {
	assertVendorCases(t, "infoblox-ddi", false, []vendorCase{
		{"bind query", `queries: client @0x7f00aa 10.5.0.9#53000 (ehr.hospital.example): query: ehr.hospital.example IN A +EDC (10.5.0.1)`,
			map[string]any{
				"infoblox.ddi.category": "queries", "source.ip": "10.5.0.9", "source.port": int64(53000), "dns.question.name": "ehr.hospital.example",
				"dns.question.type": "A", "dns.question.class": "IN", "dns.question.registered_domain": "hospital.example", "dns.question.subdomain": "ehr",
				"dns.header_flags": []string{"RD", "CD"}, "dns.type": "query", "network.transport": nil, "related.hosts": []string{"ehr.hospital.example"},
			}},
		{"tcp query", `client 10.5.0.9#53001 (a.example.org): query: a.example.org IN AAAA +ET (10.5.0.1)`, map[string]any{"network.transport": "tcp"}},
		{"query and response", `28-Nov-2024 15:26:27.359 client 10.5.0.9#40000: UDP: query: www.example.com IN A response: NOERROR + www.example.com. 60 IN CNAME cdn.example.net.; cdn.example.net. 20 IN A 192.0.2.44;`,
			map[string]any{
				"@timestamp": "2024-11-28T15:26:27.359Z", "network.transport": "udp", "dns.response_code": "NOERROR",
				"dns.answers": []any{map[string]any{"name": "www.example.com.", "ttl": int64(60), "class": "IN", "type": "CNAME", "data": "cdn.example.net."},
					map[string]any{"name": "cdn.example.net.", "ttl": int64(20), "class": "IN", "type": "A", "data": "192.0.2.44"}},
			}},
		{"formerr", `FORMERR resolving 'x.example.io/AAAA/IN': 192.0.2.53#53`,
			map[string]any{"event.action": "FORMERR", "destination.ip": "192.0.2.53", "destination.port": int64(53), "dns.question.type": "AAAA"}},
		{"dhcp request", `DHCPREQUEST for 10.6.0.20 (10.6.0.1) from 00:50:56:aa:bb:cc (WS-20) via eth1 TransID 1a2b3c4d uid 01:00:50:56:aa:bb:cc (RENEW)`,
			map[string]any{"event.action": "DHCPREQUEST", "source.ip": "10.6.0.20", "source.mac": "00:50:56:aa:bb:cc", "host.name": "WS-20",
				"observer.ingress.interface.name": "eth1", "infoblox.dhcp.trans_id": "1a2b3c4d", "event.reason": "RENEW", "dns.type": nil}},
		{"dhcp ack", `DHCPACK on 10.6.0.21 to 00:50:56:aa:bb:dd (WS-21) via 10.6.0.1 relay 10.6.0.1 lease-duration 86400`,
			map[string]any{"source.ip": "10.6.0.21", "host.name": "WS-21", "infoblox.dhcp.interface_ip": "10.6.0.1", "infoblox.dhcp.lease_duration": int64(86400)}},
		{"lease", `r-l-e:10.6.0.22,Fixed,WS-22,00:50:56:aa:bb:ee,1732119022,1732291822,,$`,
			map[string]any{"source.ip": "10.6.0.22", "source.mac": "00:50:56:aa:bb:ee", "infoblox.ddi.category": "Fixed"}},
	})
}

func FuzzInfobloxDDI(f *testing.F) {
	fuzzVendorNormalizer(f, "infoblox-ddi",
		`client 1.2.3.4#1: UDP: query: a IN A response: NOERROR + a. x IN A 1;`,
		`DHCPREQUEST for 1.2.3.4 (x) from 00:00:00:00:00:00 (h) via eth0 TransID 1: x`,
		`Option 82: received a REQUEST DHCP packet from relay-agent x with a circuit-id of "1", a remote-id of "2" for 1.2.3.4 (m) y`,
		`28-Nov-2024 15:26:27.359 zone a/IN: notify from 1.2.3.4#53: x`)
}

func TestInfobloxRPZ(t *testing.T) {
	assertVendorCases(t, "infoblox-ddi", true, []vendorCase{
		{"rpz hit", `CEF:0|Infoblox|NIOS|9.0.1|RPZ-QNAME|NXDOMAIN|7|app=DNS dst=10.5.0.1 src=10.5.0.9 spt=50000 view=_default qtype=A msg=rpz QNAME NXDOMAIN rewrite bad.example.net [A] via bad.example.net.rpz.local`,
			map[string]any{"event.action": "RPZ-QNAME", "rule.name": "NXDOMAIN", "source.ip": "10.5.0.9", "dns.question.name": "bad.example.net", "dns.question.type": "A", "event.kind": "alert"}},
	})
}
