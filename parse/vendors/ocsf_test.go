package vendors_test

import "testing"

var ocsfSamples = []fieldCase{
	{"network activity (flow)",
		`{"activity_id":6,"activity_name":"Traffic","category_uid":4,"class_uid":4001,"class_name":"Network Activity","severity_id":1,"time":1735725600000,"start_time":1735725590000,"end_time":1735725600000,"duration":250,"status_id":1,"src_endpoint":{"ip":"10.20.0.5","port":51515},"dst_endpoint":{"ip":"10.30.0.9","port":443,"hostname":"his.example.org"},"connection_info":{"protocol_num":6,"direction":"Outbound"},"traffic":{"bytes_in":1200,"bytes_out":300,"packets":12},"metadata":{"product":{"name":"Flow Logs","vendor_name":"ExampleCloud"},"version":"1.1.0"}}`,
		map[string]any{
			"@timestamp": "2025-01-01T10:00:00Z", "event.start": "2025-01-01T09:59:50Z", "event.duration": 250000000,
			"event.kind": "event", "event.category": []string{"network"}, "event.type": []string{"info"}, "event.action": "traffic",
			"event.outcome": "success", "event.severity": 1, "event.provider": "ExampleCloud", "observer.vendor": "ExampleCloud",
			"source.ip": "10.20.0.5", "source.port": 51515, "destination.ip": "10.30.0.9", "destination.domain": "his.example.org",
			"destination.registered_domain": "example.org", "network.iana_number": "6", "network.transport": "tcp",
			"network.direction": "outbound", "destination.bytes": 1200, "source.bytes": 300, "network.packets": 12,
			"related.ip": []string{"10.20.0.5", "10.30.0.9"}, "related.hosts": []string{"his.example.org"},
		}},
	{"authentication with actor and target user",
		`{"activity_id":1,"activity_name":"Logon","category_uid":3,"class_uid":3002,"severity_id":1,"status_id":2,"time_dt":"2025-02-03T04:05:06.789Z","actor":{"user":{"name":"svc-lab","uid":"S-1-5-21-9","domain":"HOSP"},"process":{"pid":812,"name":"lsass.exe","file":{"path":"C:\\Windows\\System32\\lsass.exe","name":"lsass.exe","parent_folder":"C:\\Windows\\System32"}}},"user":{"name":"radiology1","uid":"S-1-5-21-10","domain":"HOSP"},"device":{"hostname":"dc01.hosp.local","ip":"10.0.0.10","os":{"name":"Windows","type":"Windows"}},"message":"An account failed to log on."}`,
		map[string]any{
			"@timestamp": "2025-02-03T04:05:06.789Z", "event.category": []string{"authentication"}, "event.type": []string{"info", "start"},
			"event.outcome": "failure", "event.reason": "An account failed to log on.",
			"user.name": "svc-lab", "user.domain": "HOSP", "user.target.name": "radiology1", "user.target.id": "S-1-5-21-10",
			"process.pid": 812, "process.executable": `C:\Windows\System32\lsass.exe`, "file.directory": `C:\Windows\System32`,
			"host.hostname": "dc01.hosp.local", "host.ip": []string{"10.0.0.10"}, "host.os.type": "windows",
			"related.user": []string{"svc-lab", "radiology1"}, "related.ip": []string{"10.0.0.10"},
		}},
	{"dns activity",
		`{"activity_id":6,"activity_name":"Traffic","category_uid":4,"class_uid":4003,"severity_id":1,"time":1735725600000,"query":{"hostname":"updates.vendor.com.","type":"AAAA","class":"IN"},"answers":[{"rdata":"2001:db8::1","type":"AAAA","class":"IN"}],"rcode":"NoError","src_endpoint":{"ip":"10.1.1.1","port":5353}}`,
		map[string]any{
			"dns.question.name": "updates.vendor.com.", "dns.question.type": "AAAA", "dns.response_code": "NoError",
			"dns.question.registered_domain": "vendor.com", "event.type": []string{"info", "protocol"},
			"dns.answers": []any{map[string]any{"data": "2001:db8::1", "type": "AAAA", "class": "IN"}},
		}},
	{"security finding with malware and attacks",
		`{"activity_id":1,"activity_name":"Create","category_uid":2,"class_uid":2001,"severity_id":4,"time":1735725600000,"risk_score":70,"finding":{"title":"Ransomware behaviour","src_url":"https://console.example/f/1"},"malware":[{"classifications":["Ransomware"]}],"attacks":[{"technique":{"uid":"T1486","name":"Data Encrypted for Impact"},"tactic":{"uid":"TA0040","name":"Impact"}}],"metadata":{"log_provider":"Example EDR"}}`,
		map[string]any{
			"event.kind": "alert", "event.category": []string{"malware"}, "event.reason": "Ransomware behaviour",
			"event.reference": "https://console.example/f/1", "event.risk_score": 70.0, "vulnerability.category": []string{"Ransomware"},
			"threat.technique.id": []string{"T1486"}, "threat.tactic.name": []string{"Impact"}, "event.provider": "Example EDR",
		}},
	{"file with hashes and odd time formats",
		`{"activity_id":2,"activity_name":"Read","category_uid":1,"class_uid":1001,"time":1591367999.5,"start_time":"2015/06/17T00:00:00.083","file":{"path":"/srv/a.sh","name":"a.sh","owner":{"name":"root","uid":"0"},"hashes":[{"algorithm":"SHA-256","value":"AA"},{"algorithm":"SHA-256","value":"BB"},{"algorithm":"TLSH","value":"CC"}]}}`,
		map[string]any{
			"@timestamp": "2020-06-05T14:39:59.5Z", "event.start": "2015-06-17T00:00:00.083Z", "file.hash.sha256": "AA",
			"file.hash.tlsh": "CC", "related.hash": []string{"AA"}, "file.owner": "root", "file.uid": "0",
			"related.user": []string{"root"}, "event.type": []string{"info", "access"},
		}},
}

func TestOCSF(t *testing.T) {
	checkVendorFields(t, "ocsf", ocsfSamples)
}

func FuzzOCSF(f *testing.F) {
	seeds := []string{`{"class_uid":1,"activity_id":"x","time":-1,"duration":1e300,"file":{"hashes":[null,1]},"attacks":[null],"answers":[1]}`, `{"class_uid":4001,"category_uid":4,"src_endpoint":[],"time_dt":5}`}
	for _, c := range ocsfSamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "ocsf", seeds)
}
