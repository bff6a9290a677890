package vendors_test

import "testing"

func TestBarracudaCloudGen(t *testing.T) {
	assertVendorCases(t, "barracuda-cloudgen-firewall", true, []vendorCase{
		{"activity", `Info     FW-HQ Block: LIN|TCP|port2|10.8.0.5|52000|aa:bb:cc:00:11:22|192.0.2.80|3389|ms-wbt-server|port1|BLOCK-RDP|0|||1500|1|120|0|2|0|alice|RDP||||`,
			map[string]any{
				"log.level": "Info", "event.action": "Block", "network.transport": "TCP", "observer.ingress.interface.name": "port2",
				"source.ip": "10.8.0.5", "source.port": int64(52000), "destination.ip": "192.0.2.80", "destination.port": int64(3389),
				"service.target.name": "ms-wbt-server", "rule.name": "BLOCK-RDP", "event.duration": int64(1500_000_000),
				"destination.bytes": int64(120), "destination.packets": int64(2), "user.name": "alice", "related.user": []string{"alice"},
			}},
		{"ips", `Warning  FW-HQ firewall: [Request] Block:   IPS POL(1) 203.0.113.7 -> 10.8.0.9:445 |[ID: 1234 SMB exploit]||5|Exploit`,
			map[string]any{"event.type": []string{"denied"}, "event.action": "Block", "source.ip": "203.0.113.7", "destination.port": int64(445), "event.severity": int64(5)}},
		{"auth service", `Info     FW-HQ phibs: Authentication Login for peer=10.8.0.20 origin=VPN server=box service=vpn box=FW-HQ user=bob`,
			map[string]any{"event.action": "Login", "source.ip": "10.8.0.20", "user.name": "bob", "event.category": []string{"authentication"}}},
		{"denied login", `Security FW-HQ LOGIN ATTEMPT: Login from 198.51.100.3: Denied: Access not allowed`,
			map[string]any{"event.outcome": "failure", "error.message": "Access not allowed", "source.ip": "198.51.100.3"}},
		{"event to control center", `Notice   FW-HQ event: [77] Send Event (D|3|boxfw|1|firewall|4000|10.0.0.1|FW-HQ_1) to Control Center 10.9.9.9:801`,
			map[string]any{"destination.ip": "10.9.9.9", "destination.port": int64(801), "event.severity": int64(3), "service.name": "boxfw"}},
		{"free text", `Info     FW-HQ Log wrapping is enabled`, map[string]any{"event.reason": "Log wrapping is enabled", "event.category": []string{"network"}}},
	})
	assertVendorRejects(t, "barracuda-cloudgen-firewall", "Informational text", "Info")
}

func FuzzBarracudaCloudGen(f *testing.F) {
	fuzzVendorNormalizer(f, "barracuda-cloudgen-firewall",
		`Info     B Allow: LOUT|UDP|bond0|1.2.3.4|1|m|5.6.7.8|53|d||R|0|||x|1|0|0|0|0||||||`,
		`Info     B event: [1] Insert Event from 127.0.0.1:5 - (D|3|s|3|c|1|9.9.9.9:443|t|1|TCP 5.6.7.8:80 (b) -> 9.9.9.9:443)`,
		`Security B firewall: [Request] Allow:   IPS A(0) 1.1.1.1 -> 2.2.2.2:x |[]||3|P`,
		`Info     B currently there are 1 kB of free memory available (2 buffered, 3, cached)`)
}
