package vendors_test

import "testing"

func TestDarktrace(t *testing.T) {
	assertVendorCases(t, "darktrace", true, []vendorCase{
		{"model breach", `{"commentCount":0,"pbid":100,"time":1700000000000,"creationTime":1700000001000,"model":{"then":{"name":"Compromise::Beaconing","uuid":"u-1","priority":4,"category":"Suspicious","actions":{"alert":true}},"now":{"name":"Compromise::Beaconing"}},"device":{"did":12,"hostname":"pacs-01","ip":"10.8.0.12","ips":[{"ip":"10.8.0.12","sid":1}],"os":"Linux"},"score":0.8}`,
			map[string]any{
				"@timestamp": "2023-11-14T22:13:20Z", "event.kind": "alert", "rule.name": "Compromise::Beaconing", "event.severity": int64(4),
				"host.id": "12", "host.name": "pacs-01", "host.hostname": "pacs-01", "host.ip": []string{"10.8.0.12"}, "host.os.name": "Linux",
				"related.ip": []string{"10.8.0.12"}, "related.hosts": []string{"pacs-01"},
			}},
		{"saas device", `{"pbid":101,"time":1700000000000,"model":{"name":"SaaS::Login","actions":{"alert":true}},"device":{"did":7,"hostname":"SaaS::Office365: jane@hosp.example"}}`,
			map[string]any{"service.name": "Office365", "user.email": "jane@hosp.example", "host.hostname": nil}},
		{"ai analyst", `{"aiaScore":91.5,"createdAt":1700000000000,"title":"Possible Hijack","category":"critical","breachDevices":[{"did":5,"hostname":"ws-5","identifier":"ws-5.hosp.local","ip":"10.8.0.5"}]}`,
			map[string]any{"event.kind": "alert", "event.category": []string{"threat"}, "device.id": "5", "host.id": "5", "host.name": "ws-5.hosp.local", "host.ip": []string{"10.8.0.5"}, "rule.name": "Possible Hijack"}},
		{"antigena action", `{"iris-event-type":"antigena_state_change","action":"CREATE","username":"SOC","start":1700000000,"device":{"did":9,"hostname":"ws-9","ip":"10.8.0.9"}}`,
			map[string]any{"event.action": "CREATE", "source.user.name": "SOC", "related.user": []string{"SOC"}, "host.ip": []string{"10.8.0.9"}}},
	})
}

func FuzzDarktrace(f *testing.F) {
	fuzzVendorNormalizer(f, "darktrace",
		`{"pbid":1,"model":"x","device":{"hostname":"SaaS::"}}`,
		`{"aiaScore":"x","breachDevices":[{"did":null,"hostname":1}]}`,
		`{"iris-event-type":1,"device":{"ips":[1,{"ip":2}]}}`)
}
