package vendors_test

import "testing"

var f5Samples = []fieldCase{
	{"ASM violation in CEF",
		`CEF:0|F5|ASM|16.1.0|200000098|SQL-Injection attempt|7|dvchost=waf01.hosp.local dvc=10.9.0.2 cs1=/Common/his-portal cs1Label=policy_name cs2=/Common/his-portal cs2Label=http_class_name externalId=4444 act=blocked cn1=0 cn1Label=response_code src=198.51.100.23 spt=40100 dst=10.9.1.10 dpt=443 requestMethod=POST app=HTTPS cs5=198.51.100.23, 10.0.0.1 cs5Label=x_forwarded_for_header_value rt=Mar 03 2025 10:11:12 cs4=SQL-Injection cs4Label=attack_type suid=abc123 request=/login.php cs3Label=full_request cs3=POST /login.php HTTP/1.1\r\nHost: his.hosp.example\r\nUser-Agent: sqlmap/1.7\r\nReferer: https://his.hosp.example/\r\n\r\n`,
		map[string]any{
			"@timestamp": "2025-03-03T10:11:12Z", "observer.product": "ASM", "observer.version": "16.1.0", "observer.hostname": "waf01.hosp.local",
			"observer.ip": []string{"10.9.0.2"}, "event.code": "200000098", "event.action": "SQL-Injection attempt", "event.severity": 7, "event.kind": "alert",
			"source.ip": "198.51.100.23", "source.port": 40100, "destination.ip": "10.9.1.10", "destination.port": 443,
			"http.request.method": "POST", "url.path": "/login.php", "url.domain": "his.hosp.example", "user_agent.original": "sqlmap/1.7",
			"http.request.referrer": "https://his.hosp.example/", "network.protocol": "https", "rule.ruleset": "/Common/his-portal",
			"network.forwarded_ip": "198.51.100.23", "source.user.id": "abc123", "f5.bigip.attack_type": "SQL-Injection",
			"related.ip": []string{"198.51.100.23", "10.9.1.10", "10.9.0.2"},
		}},
	{"AFM network event",
		`CEF:0|F5|Advanced Firewall Module|16.1.0|23003138|Network Event|8|rt=Mar 03 2025 10:11:13 dvchost=afm01 dvc=10.9.0.3 src=10.1.1.1 spt=1234 dst=10.2.2.2 dpt=3389 proto=TCP act=Drop cs5=deny_rdp cs5Label=acl_rule_name`,
		map[string]any{"rule.name": "deny_rdp", "network.transport": "tcp", "destination.port": 3389, "f5.bigip.action": "Drop", "host.name": "afm01"},
	},
	{"APM ACL packet",
		`<133>Mar  3 10:11:14 bigip01 notice tmm[1234]: 01580002:5: /Common/vpn_ap:Common:1a2b3c4d: discard ACL: /Common/acl_deny:3 packet: udp 10.50.0.8:5353 -> 10.60.0.9:53`,
		map[string]any{
			"event.code": "01580002", "rule.name": "/Common/acl_deny", "event.action": "discard", "network.transport": "udp",
			"source.ip": "10.50.0.8", "destination.port": 53, "host.hostname": "bigip01", "event.category": []string{"network"},
			"f5.bigip.apm.session_id": "1a2b3c4d",
		}},
	{"APM authentication",
		`apmd[2020]: 01490005:5: /Common/portal_ap:Common:5e6f7a8b: AD module: authenticate with 'dr.li@HOSP.LOCAL' successful`,
		map[string]any{
			"user.name": "dr.li", "user.domain": "HOSP.LOCAL", "event.category": []string{"authentication"}, "event.type": []string{"start"},
			"event.outcome": "success", "rule.name": "/Common/portal_ap", "related.user": []string{"dr.li"}, "process.name": "apmd",
		}},
	{"ASM local security log",
		`perl[555]: 01310039:3: [SECEV] Request violations: Illegal URL. Support id: 123, source ip: 203.0.113.5, xff ip: 203.0.113.5, source port: 5555, destination ip: 10.0.0.5, destination port: 443, route_domain: 0, HTTP classifier: /Common/app, scheme HTTPS, geographic location: , request: <GET https://app.example.org/admin HTTP/1.1`,
		map[string]any{
			"rule.ruleset": "SECEV", "rule.name": "Request violations", "event.reason": "Illegal URL", "source.ip": "203.0.113.5",
			"destination.port": 443, "url.full": "https://app.example.org/admin", "url.port": 443, "url.registered_domain": "example.org",
			"http.request.method": "GET",
		}},
	{"SSL handshake failure",
		`tmm1[20358]: 01260013:4: SSL Handshake failed for TCP 192.0.2.7:57424 -> 10.100.0.5:443`,
		map[string]any{"event.outcome": "failure", "source.ip": "192.0.2.7", "destination.port": 443, "network.transport": "tcp"},
	},
	{"tmsh audit",
		`tmsh[777]: 01420002:5: AUDIT - pid=777 user=admin folder=/Common module=(tmos)# status=[Command OK] cmd_data=list ltm virtual ;`,
		map[string]any{"process.pid": 777, "user.name": "admin", "process.working_directory": "/Common", "process.command_line": "list ltm virtual ;", "event.outcome": "success"},
	},
}

func TestF5BigIP(t *testing.T) {
	checkVendorFields(t, "f5-bigip", f5Samples)
	// Lines without a message id need the hint.
	p := newParser()
	for _, c := range []fieldCase{
		{"iRule", `tmm[1]: Rule /Common/log_req <HTTP_REQUEST>: LOGS: Request: GET intranet.example.com/a.png`, map[string]any{"rule.name": "/Common/log_req", "http.request.method": "GET", "url.domain": "intranet.example.com", "url.path": "/a.png"}},
		{"cron", `CROND[1786]: (root) CMD (/usr/bin/diskmonitor)`, map[string]any{"user.name": "root", "process.command_line": "/usr/bin/diskmonitor", "event.type": []string{"start"}}},
		{"sshd", `sshd[1]: Connection closed by 10.0.0.9 port 4242 [preauth]`, map[string]any{"source.ip": "10.0.0.9", "source.port": 4242, "event.type": []string{"end"}}},
		{"relayed access line", `logger[1]: [ssl_acc] 10.0.0.8 - - [01/Mar/2021:15:01:50 +0100] "GET /ui HTTP/1.1" 404 238`, map[string]any{"source.ip": "10.0.0.8", "url.path": "/ui", "http.response.status_code": 404}},
	} {
		ev, err := p.Parse([]byte(c.in), hintVendor("f5-bigip"))
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range c.want {
			got, _ := ev.Get(k)
			if g, w := jsonText(got), jsonText(want); g != w {
				t.Errorf("%s: %s = %s, want %s", c.name, k, g, w)
			}
		}
	}
}

func FuzzF5BigIP(f *testing.F) {
	seeds := []string{`0158000a:5: /a:b:c: allow ACL: x packet: tcp a -> b`, `x[1]: 01310039:3: [SECEV] Request violations: a. Support id: 1, request: <`, `tmm[1]: Rule : LOGS: Request: GET`, `CROND[1]: (`}
	for _, c := range f5Samples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "f5-bigip", seeds)
}
