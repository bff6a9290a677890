package vendors_test

import "testing"

func TestCiscoIOS(t *testing.T) {
	runECSCases(t, "cisco-ios", true, []ecsCase{
		{"link with sequence number and zone", `<187>000123: core-sw01: Apr  2 2025 10:15:01.123 CET: %LINK-3-UPDOWN: Interface TenGigabitEthernet1/1/4, changed state to down`,
			map[string]any{"@timestamp": "2025-04-02T09:15:01.123Z", "host.name": "core-sw01", "event.sequence": int64(123), "event.code": "UPDOWN",
				"event.severity": int64(3), "event.action": "down", "cisco.ios.observer.interface.name": "TenGigabitEthernet1/1/4",
				"message":         "000123: core-sw01: Apr  2 2025 10:15:01.123 CET: %LINK-3-UPDOWN: Interface TenGigabitEthernet1/1/4, changed state to down",
				"observer.vendor": "Cisco", "event.category": []any{"host"}}},
		{"login failure", `Jan  9 08:00:12.001 EST: %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: operator] [Source: 10.9.8.7] [localport: 23] [Reason: Login Authentication Failed] at 08:00:12 EST Fri Jan 9 2026`,
			map[string]any{"@timestamp": "2026-01-09T13:00:12.001Z", "user.name": "operator", "source.ip": "10.9.8.7", "destination.port": int64(23),
				"event.category": []any{"authentication"}, "event.type": []any{"start"}, "event.outcome": "failure", "related.user": []any{"operator"}}},
		{"acl log", `sw2: Jan 10 11:00:00: %SEC-6-IPACCESSLOGP: list 110 denied udp 192.168.10.5(5353) -> 224.0.0.251(5353), 3 packets`,
			map[string]any{"source.ip": "192.168.10.5", "source.port": int64(5353), "destination.ip": "224.0.0.251", "destination.port": int64(5353), "host.name": "sw2"}},
		{"port security", `Jan 11 07:07:07.700: %PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 00a0.c9ff.1234 on port FastEthernet0/5.`,
			map[string]any{"source.mac": "00:A0:C9:FF:12:34", "event.severity": int64(2), "cisco.ios.observer.interface.name": "FastEthernet0/5"}},
		{"configuration", `Jan 12 12:00:00.000: %SYS-5-CONFIG_I: Configured from console by netadmin on vty2 (172.16.0.9)`,
			map[string]any{"user.name": "netadmin", "source.ip": "172.16.0.9", "event.category": []any{"configuration"}, "cisco.ios.vty": int64(2)}},
		{"logging host", `Jan 12 12:00:00.000: %SYS-3-LOGGINGHOST_FAIL: Logging to host 10.0.0.50 port 6514 failed`,
			map[string]any{"destination.ip": "10.0.0.50", "destination.port": int64(6514), "event.outcome": "failure"}},
		{"netconf", `Jan 13 01:02:03.004: %DMI-5-AUTH_PASSED: R0/0: dmiauthd: User 'svc_auto' authenticated successfully from 10.1.1.1:50022 and was authorized for netconf over ssh. External groups: PRIV15`,
			map[string]any{"user.name": "svc_auto", "process.name": "dmiauthd", "source.port": int64(50022), "network.protocol": "netconf over ssh", "event.outcome": "success"}},
		{"url", `Jan 13 01:02:03.004: %SYS-4-CONFIG_RESOLVE_FAILURE: System config parse from (https://cfg.example.org/r1.cfg) failed`,
			map[string]any{"url.domain": "cfg.example.org", "url.port": int64(443), "url.path": "/r1.cfg", "url.registered_domain": "example.org"}},
	})
}

func TestCiscoIOSNoClaim(t *testing.T) {
	// ASA messages, Huawei's %%01 tags and a percent sign in free text are not IOS.
	p := newParser()
	for _, s := range []string{
		`Oct 10 2018 12:34:56 asa1 : %ASA-6-302013: Built outbound TCP connection 1 for a:1.1.1.1/1 (1.1.1.1/1) to b:2.2.2.2/2 (2.2.2.2/2)`,
		`Oct  5 2018 10:52:19 USG6300 %%01POLICY/6/POLICYPERMIT(l):vsys=public, protocol=17`,
		`Jan  1 00:00:00 host app[1]: disk 95% full: -5-X: warning`,
	} {
		if _, v, _ := p.Split([]byte(s), parseHint()); v != nil && v.ID == "cisco-ios" {
			t.Errorf("detected as cisco-ios: %s", s)
		}
	}
}

func FuzzCiscoIOS(f *testing.F) {
	fuzzVendor(f, "cisco-ios",
		`HOST: Mar 6 2023 08:04:45.866 CET: %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi1/0/1, changed state to up`,
		`<189>12: *Mar  1 00:00:13: %SYS-5-CONFIG_I: Configured from console by u on vty0 (1.2.3.4)`,
		`%A-1-B: `, `x: %ABC-9-`, `Jan 1 1:1:1 ZZZ: %X-0-Y: 1.2.3.4(1) -> 5.6.7.8(2), aaaa.bbbb.cccc vlan 5 tftp://`)
}

func TestCiscoIOSACLWithInterface(t *testing.T) {
	runECSCases(t, "cisco-ios", true, []ecsCase{
		{"acl log with interface and MAC", `123: *Feb  6 03:32:04.114 gmt: %SEC-6-IPACCESSLOGP: list edge_in denied udp 10.0.3.100(137) (GigabitEthernet0/1.6 ca5c.1da2.ba43) -> 10.0.0.255(137), 1 packet`,
			map[string]any{"source.ip": "10.0.3.100", "source.port": int64(137), "destination.ip": "10.0.0.255", "destination.port": int64(137),
				"source.mac": "CA:5C:1D:A2:BA:43", "event.sequence": int64(123), "@timestamp": "2026-02-06T03:32:04.114Z"}},
	})
}
