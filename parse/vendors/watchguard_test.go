package vendors_test

import "testing"

func TestWatchGuardFirebox(t *testing.T) {
	runECSCases(t, "watchguard-firebox", true, []ecsCase{
		{"traffic deny", "<14>Mar  3 10:00:00 fbx LEEF:1.0|WatchGuard|XTM|12.9.1.B1|30000148|serial=80B1234567890\tpolicy=Unhandled External Packet-00\tdisp=Deny\tin_if=External\tout_if=Firebox\tsrc=198.51.100.7\tsrcPort=40000\tdst=203.0.113.2\tdstPort=3389\tproto=tcp",
			map[string]any{"event.action": "Deny", "event.type": []any{"connection", "denied"}, "event.outcome": "failure", "rule.ruleset": "Unhandled External Packet-00",
				"observer.serial_number": "80B1234567890", "observer.ingress.interface.name": "External", "source.ip": "198.51.100.7", "destination.port": int64(3389),
				"network.transport": "tcp", "observer.product": "XTM", "event.code": "30000148"}},
		{"http proxy", "LEEF:1.0|WatchGuard|XTM|12.9|1AFF0024|serial=X\tpolicy=HTTP-proxy-00\tdisp=Allow\tin_if=Trusted\tout_if=External\tsrc=10.1.1.5\tsrcPort=50000\tdst=192.0.2.80\tdstPort=80\tproto=tcp\tproxy_act=HTTP-Client\top=POST\tdstname=api.example.com\targ=/v1/upload?x=1\tsent_bytes=2048\trcvd_bytes=128\tmsg=HTTP request",
			map[string]any{"http.request.method": "POST", "url.domain": "api.example.com", "url.path": "/v1/upload", "url.query": "x=1", "source.bytes": int64(2048),
				"destination.registered_domain": "example.com", "rule.category": "HTTP-Client", "event.reason": "HTTP request"}},
		{"vpn login", "1.0|WatchGuard|XTM|12.10|3E000002|host_name=fbx2#011serial=X#011msg=SSL VPN user wang.fang@hosp.local@AD from 203.0.113.77 logged in assigned virtual IP is 10.99.0.5",
			map[string]any{"user.name": "wang.fang", "source.ip": "203.0.113.77", "event.category": []any{"session"}, "event.type": []any{"start"}, "observer.name": "fbx2"}},
		{"auth rejected", "1.0|WatchGuard|XTM|12.10|11000005|serial=X#011msg=Authentication of Firebox user [admin@Firebox-DB] from 10.0.0.3 was rejected, password is incorrect",
			map[string]any{"user.name": "admin", "event.outcome": "failure", "event.category": []any{"authentication"}}},
		{"tls", "1.0|WatchGuard|XTM|12.10|2CFF0009|serial=X#011disp=Allow#011src=10.0.0.1#011dst=192.0.2.1#011server_ssl=TLS_AES_256_GCM_SHA384#011tls_version=TLS_V12",
			map[string]any{"tls.cipher": "TLS_AES_256_GCM_SHA384", "tls.version": "1.2", "tls.version_protocol": "tls"}},
	})
}

func FuzzWatchGuardFirebox(f *testing.F) {
	fuzzVendor(f, "watchguard-firebox",
		"LEEF:1.0|WatchGuard|XTM|1|2|msg=DHCPACK on 1.2.3.4 to 00:00:00:00:00:00 (\tdevTime=x\tdevTimeFormat=y",
		"1.0|WatchGuard|XTM|1|2|msg=user [@ from ::1", "LEEF:1.0|WatchGuard|")
}
