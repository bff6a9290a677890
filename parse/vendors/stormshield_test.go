package vendors_test

import "testing"

func TestStormshieldNetworkSecurity(t *testing.T) {
	runECSCases(t, "stormshield-network-security", true, []ecsCase{
		{"filter block", `<134>id=firewall time="2025-01-10 08:00:01" fw="SN310A12345678" tz=+0800 startime="2025-01-10 08:00:00" pri=4 confid=01 slotlevel=2 ruleid=7 rulename="deny-smb" srcif="Ethernet1" srcifname="lan" ipproto=tcp dstif="Ethernet0" dstifname="wan" proto=microsoft-ds src=10.30.0.12 srcport=50123 srcmac=00:50:56:aa:bb:cc dst=198.51.100.20 dstport=445 ipv=4 sent=120 rcvd=0 duration=0.50 action=block logtype="filter"`,
			map[string]any{"@timestamp": "2025-01-10T00:00:01Z", "event.start": "2025-01-10T00:00:00Z", "observer.serial_number": "SN310A12345678",
				"event.outcome": "failure", "event.action": "block", "rule.name": "deny-smb", "source.ip": "10.30.0.12", "destination.port": int64(445),
				"network.transport": "tcp", "network.bytes": int64(120), "event.duration": int64(500000000), "observer.ingress.interface.alias": "lan",
				"event.category": []any{"network"}, "related.ip": []any{"10.30.0.12", "198.51.100.20"}}},
		{"web", `time="2025-01-10 08:00:01" fw="SN310A12345678" tz=+0000 startime="2025-01-10 08:00:01" pri=5 ruleid=3 ipproto=tcp proto=http src=10.30.0.12 srcport=50124 dst=203.0.113.7 dstport=80 dstname=portal.example.net sent=300 rcvd=5000 duration=0.10 action=pass op=POST result=403 arg="/login?next=/" logtype="web"`,
			map[string]any{"url.domain": "portal.example.net", "url.path": "/login", "url.query": "next=/", "http.request.method": "POST",
				"http.response.status_code": int64(403), "event.category": []any{"web"}, "event.outcome": "success"}},
		{"admin auth", `id=firewall time="2025-01-11 09:00:00" fw="SN310A12345678" tz=+0100 startime="2025-01-11 09:00:00" src=10.0.0.9 user="admin" domain="" msg="SSH authentication failed: bad password" logtype="auth"`,
			map[string]any{"event.outcome": "failure", "network.protocol": "ssh", "user.name": "admin", "source.ip": "10.0.0.9", "event.category": []any{"authentication"}}},
		{"unquoted time", `id=firewall time=2025-01-12 10:00:00 fw=SN1 tz=+0100 startime=2025-01-12 10:00:00 CPU=1,2,3 logtype=monitor`,
			map[string]any{"@timestamp": "2025-01-12T09:00:00Z", "event.dataset": "monitor", "event.category": []any{"host"}}},
	})
}

func FuzzStormshieldNetworkSecurity(f *testing.F) {
	fuzzVendor(f, "stormshield-network-security",
		`time="2025-01-10 08:00:01" fw="x" tz=+99 logtype="vpn" remotenet=1.2.3.4/40 duration=-1`,
		`time=2025-01-10 fw= tz= logtype=server error=x address=::1 sent=a rcvd=2`, `logtype=`)
}
