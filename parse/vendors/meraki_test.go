package vendors_test

import "testing"

func TestCiscoMeraki(t *testing.T) {
	assertVendorCases(t, "cisco-meraki", true, []vendorCase{
		{"flow with syslog header", `<134>1 1700000000.500000000 MX68_HQ flows deny src=10.1.1.5 dst=203.0.113.9 mac=00:11:22:33:44:55 protocol=tcp sport=50123 dport=3389`,
			map[string]any{
				"@timestamp": "2023-11-14T22:13:20.5Z", "observer.hostname": "MX68_HQ", "event.dataset": "flows",
				"source.ip": "10.1.1.5", "source.port": int64(50123), "destination.ip": "203.0.113.9", "destination.port": int64(3389),
				"source.mac": "00:11:22:33:44:55", "network.protocol": "tcp", "event.outcome": "deny", "event.type": []string{"denied"},
				"related.ip": []string{"10.1.1.5", "203.0.113.9"}, "related.hosts": []string{"MX68_HQ"},
			}},
		{"firewall rule pattern", `1700000000.1 MX68_HQ firewall src=10.1.1.5 dst=198.51.100.7 protocol=udp sport=5353 dport=53 pattern: 0 dst 198.51.100.7`,
			map[string]any{"event.outcome": "allow", "rule.name": "dst 198.51.100.7", "destination.port": int64(53)}},
		{"url with agent over IPv6", `1700000000.1 MR42 urls src=2001:db8::5:51000 dst=2001:db8::80:443 mac=AA:BB:CC:00:11:22 agent='curl/8.0' request: GET https://intranet.example.org/login?next=/`,
			map[string]any{
				"source.ip": "2001:db8::5", "source.port": int64(51000), "destination.ip": "2001:db8::80", "destination.port": int64(443),
				"http.request.method": "GET", "url.domain": "intranet.example.org", "url.registered_domain": "example.org",
				"url.query": "next=/", "url.port": int64(443), "user_agent.original": "curl/8.0",
			}},
		{"NAT flow", `1700000000.1 MX68_HQ ip_flow_start src=10.1.1.5 dst=198.51.100.7 protocol=tcp sport=40000 dport=443 translated_src_ip=192.0.2.1 translated_port=61000`,
			map[string]any{"source.nat.ip": "192.0.2.1", "source.nat.port": int64(61000), "related.ip": []string{"10.1.1.5", "198.51.100.7", "192.0.2.1"}}},
		{"dhcp lease", `1700000000.1 MX68_HQ events dhcp lease of ip 10.1.1.77 from server mac 00:18:0A:00:00:01 for client mac 3C:22:FB:00:00:02 from router 10.1.1.1 on subnet 255.255.255.0`,
			map[string]any{"source.ip": "10.1.1.77", "source.mac": "3C:22:FB:00:00:02", "destination.mac": "00:18:0A:00:00:01", "cisco_meraki.event_subtype": "dhcp_lease"}},
		{"vpn session", `1700000000.1 MX68_HQ events type=anyconnect_vpn_session_manager msg= 'Sess-ID[7] Peer IP=198.51.100.20 User[jane@example.org]: Session disconnected. '`,
			map[string]any{"source.ip": "198.51.100.20", "user.name": "jane", "user.domain": "example.org", "related.user": []string{"jane"}}},
		{"vpn auth failure", `1700000000.1 MX68_HQ events type=anyconnect_vpn_auth_failure msg= 'RADIUS[9] Server IP=10.0.0.2 Server port=1812 Peer IP=198.51.100.20 Peer port=4444 User=bob: Authentication rejected. '`,
			map[string]any{"event.outcome": "failure", "event.type": []string{"denied"}, "user.name": "bob", "destination.port": int64(1812)}},
		{"ids alert", `1700000000.1 MX68_HQ security_event ids_alerted signature=1:28423:1 priority=1 timestamp=1700000000.0 dhost=98:5A:EB:E1:81:2F direction=ingress protocol=tcp/ip src=203.0.113.50:80 dst=10.1.1.5:53023 decision=blocked message: EXPLOIT-KIT Multiple exploit kit single digit exe detection`,
			map[string]any{"event.kind": "alert", "rule.id": "1:28423:1", "rule.name": "EXPLOIT-KIT Multiple exploit kit single digit exe detection", "source.ip": "203.0.113.50", "destination.port": int64(53023), "event.outcome": "deny"}},
	})
	assertVendorRejects(t, "cisco-meraki", "hello world", "1700000000.1 host unknown_type x=y")
}

func FuzzCiscoMeraki(f *testing.F) {
	fuzzVendorNormalizer(f, "cisco-meraki",
		`1700000000.1 MX68_HQ urls src=2001:db8::5:51000 dst=10.0.0.1:443 request: GET https://a.example/`,
		`1700000000.1 MX68_HQ events type=anyconnect_vpn_auth_success msg= 'Server IP=1.2.3.4 Server port=1 Peer IP=5.6.7.8 Peer port=2 User=a@b: ok'`,
		`1700000000.1 MX68_HQ events dhcp no offers for mac AA:BB:CC:DD:EE:FF`,
		`1700000000.1 MX68_HQ flows src=1.2.3.4 dst=5.6.7.8 pattern: 1 all`)
}
