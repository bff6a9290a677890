package vendors_test

import "testing"

func TestArubaOS(t *testing.T) {
	assertVendorCases(t, "aruba-os", true, []vendorCase{
		{"switch auth", `auth:  SW-OR2: Invalid user name/password on SSH session User 'tech' is trying to login from 10.1.0.50`,
			map[string]any{"event.dataset": "auth", "event.category": []string{"authentication"}, "event.outcome": "failure", "user.name": "tech", "source.ip": "10.1.0.50"}},
		{"switch ssl closed", `ssl:  SW-OR2: SSL session closed from 10.1.0.51.`,
			map[string]any{"event.category": []string{"session"}, "event.type": []string{"end"}, "source.ip": "10.1.0.51"}},
		{"aos-cx lldp", `Event|106|LOG_INFO|AMM|1/1|LLDP neighbor aa:bb:cc:dd:ee:01 deleted on 1/1/3`,
			map[string]any{"event.code": "106", "event.dataset": "lldp", "source.mac": "aa:bb:cc:dd:ee:01", "observer.ingress.interface.name": "1/1/3"}},
		{"controller", `<133006> <6069> <ERRS> <MC01 10.1.0.2>  User nurse Failed Authentication (Processing USER_REQUEST on UserDB)`,
			map[string]any{"source.ip": "10.1.0.2", "user.name": "nurse", "event.outcome": "failure", "event.category": []string{"authentication"}}},
		{"instant ap", `stm[4826]: <501199> <NOTI> AP:AP-WARD2 <10.1.0.60 11:11:11:11:11:11>  User authenticated, mac-02:00:00:00:00:09, username-doc@hosp.example, IP-10.1.5.9`,
			map[string]any{"source.ip": "10.1.0.60", "source.mac": "02:00:00:00:00:09", "user.email": "doc@hosp.example"}},
		{"clearpass", `LEEF:1.0|Aruba Networks|ClearPass|6.11|3003|devTime=May 01 2025 18:00:02.009 UTC component=RADIUS description=Auth ok src=10.1.0.70 action=None cat=Audit Records`,
			map[string]any{"event.code": "3003", "event.provider": "RADIUS", "event.dataset": "Audit Records", "source.ip": "10.1.0.70", "@timestamp": "2025-05-01T18:00:02.009Z", "event.outcome": "unknown"}},
	})
	assertVendorRejects(t, "aruba-os", "plain words")
}

func FuzzArubaOS(f *testing.F) {
	fuzzVendorNormalizer(f, "aruba-os",
		`auth:  S: User 'x' from 1.2.3.4`, `Event|1|LOG_INFO|AMM|1/1|LLDP neighbor x on`,
		`<1> <2> <3 1.2.3.4> make: Sending to 1.2.3.4:x with`, `a[1]: <1> <N> AP:x <1.2.3.4 m> mac- username-`)
}
