package vendors_test

import (
	"testing"

	"bianque/parse"
)

var fortiwebSamples = []fieldCase{
	{"traffic log",
		`date=2025-04-02 time=11:12:13 devname=FWB-HOSP device_id=FV-1KF0000000001 log_id=30001000 msg_id=000000000123 type=traffic subtype=slb_http pri=information vd=root proto=6 service="https" src="10.1.2.3" src_port=50000 dst="10.9.9.9" dst_port=443 trans_src="172.16.0.1" trans_dst="10.20.0.5" trans_dst_port=8080 policy="his-portal" action="none" http_method="post" http_host="his.hosp.example:443" http_url="/login?next=/" http_agent="Mozilla/5.0" http_referer="none" http_retcode="302" user="none"`,
		map[string]any{
			"@timestamp": "2025-04-02T11:12:13Z", "observer.hostname": "FWB-HOSP", "observer.serial_number": "FV-1KF0000000001",
			"event.code": "30001000", "event.category": "slb_http", "event.dataset": "traffic:slb_http", "log.level": "information",
			"network.transport": "tcp", "network.protocol": "https", "source.ip": "10.1.2.3", "destination.port": 443,
			"source.nat.ip": "172.16.0.1", "destination.nat.port": 8080, "rule.ruleset": "his-portal", "http.request.method": "post",
			"url.domain": "his.hosp.example", "url.path": "/login", "url.query": "next=/", "http.response.status_code": 302,
			"related.ip": []string{"10.1.2.3", "10.9.9.9"}, "related.hosts": []string{"his.hosp.example"},
		}},
	{"attack log",
		`date=2025-04-02 time=11:12:14 devname=FWB-HOSP device_id=FV-1KF0000000001 log_id=20000008 msg_id=000000000124 type=attack subtype=waf_signature_detection pri=alert src=203.0.113.9 src_port=4000 dst=10.9.9.9 dst_port=443 service=https/tls1.2 action=Alert_Deny http_host=his.hosp.example http_url=/search.php http_method=get signature_id=030000136 main_type="SQL Injection" msg="[Signatures]: SQL Injection" user_name=ops@hosp.example`,
		map[string]any{
			"event.kind": "alert", "rule.id": "030000136", "rule.category": "SQL Injection", "event.action": "Alert_Deny",
			"event.reason": "[Signatures]: SQL Injection", "network.protocol": "https", "user.email": "ops@hosp.example",
			"user.name": "ops", "user.domain": "hosp.example", "related.user": []string{"ops"},
		}},
	{"system event",
		`time=10:48:07 log_id=11005607 msg_id=000669559376 device_id=FVVM01 vd="root" type=event subtype="system" pri=notice user=admin ui=GUI action=login status=failure msg="User admin login failed"`,
		map[string]any{"user.name": "admin", "event.outcome": "failure", "event.action": "login", "event.category": "system"},
	},
}

func TestFortiWeb(t *testing.T) {
	checkVendorFields(t, "fortinet-fortiweb", fortiwebSamples)
	// FortiWeb Cloud and FortiOS-style DoS logs need the hint.
	p := newParser()
	for _, c := range []fieldCase{
		{"FortiWeb Cloud", `cat=attack date_time=2025-01-02T03:04:05+01:00 user_id=u-1 user_name=a@b.example src_ip=192.0.2.1 src_port=1 dst_port=443 action=Block http_host=app.b.example http_url=/ http_method=GET log_id=20000213 msg_id=1`,
			map[string]any{"@timestamp": "2025-01-02T02:04:05Z", "user.id": "u-1", "user.name": "a", "url.registered_domain": "b.example", "event.kind": "alert"}},
		{"DoS log", `timestamp=1759321598 devname="FWB" devid="FV1" logid="0123" type="utm" subtype="anomaly" srcip=192.0.2.2 dstip=10.0.0.1 proto=6 service="custom svc" attack="tcp_src_session" attackid=100663402 msg="anomaly"`,
			map[string]any{"@timestamp": "2025-10-01T12:26:38Z", "rule.name": "tcp_src_session", "rule.id": "100663402", "network.transport": "tcp", "network.protocol": nil}},
	} {
		ev, err := p.Parse([]byte(c.in), parse.Hint{Vendor: "fortiweb"})
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

func FuzzFortiWeb(f *testing.F) {
	seeds := []string{`log_id=1 msg_id=2 http_host=: user=@ service=/`, `log_id= msg_id= date_time=x`}
	for _, c := range fortiwebSamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "fortinet-fortiweb", seeds)
}
