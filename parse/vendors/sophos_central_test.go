package vendors_test

import "testing"

func TestSophosCentral(t *testing.T) {
	assertVendorCases(t, "sophos-central", true, []vendorCase{
		{"web filtering", `{"severity":"low","type":"Event::Endpoint::WebFilteringBlocked","endpoint_type":"computer","endpoint_id":"e-1","source_info":{"ip":"10.2.0.5"},"customer_id":"c-1","name":"Access was blocked to \"bad.example.net\" because of \"Malware\".","id":"i-1","group":"WEB","end":"2025-02-03T08:09:09.000Z","suser":"HOSP\\nurse4","rt":"2025-02-03T08:09:10.250Z","duid":"u-1","dhost":"WARD4-PC"}`,
			map[string]any{
				"@timestamp": "2025-02-03T08:09:10.25Z", "event.end": "2025-02-03T08:09:09Z", "event.code": "Event::Endpoint::WebFilteringBlocked",
				"event.category": []string{"network"}, "event.type": []string{"denied"}, "rule.name": "Malware", "url.original": "bad.example.net",
				"url.domain": "bad.example.net", "user.name": "nurse4", "user.domain": "HOSP", "host.name": "WARD4-PC", "observer.ip": []string{"10.2.0.5"},
				"related.ip": []string{"10.2.0.5"}, "related.user": []string{"nurse4"}, "log.level": "low",
			}},
		{"pua", `{"type":"Event::Endpoint::CorePuaDetection","customer_id":"c","group":"PUA","name":"PUA detected: 'PsExec' at 'C:\\Tools\\psexec.exe'","appSha256":"aa11","rt":"2025-02-03T08:09:10Z","suser":"n/a"}`,
			map[string]any{"event.action": "detected", "rule.name": "PsExec", "file.name": "psexec.exe", "file.directory": `C:\Tools`, "file.hash.sha256": "aa11", "user.name": nil}},
		{"protection", `{"type":"Event::Endpoint::SavScanComplete","customer_id":"c","group":"PROTECTION","name":"Scan completed","rt":"2025-02-03T08:09:10Z"}`,
			map[string]any{"event.category": []string{"iam"}, "event.type": []string{"info"}}},
	})
}

func FuzzSophosCentral(f *testing.F) {
	fuzzVendorNormalizer(f, "sophos-central",
		`{"type":"Event::Endpoint::WebFilteringBlocked","customer_id":"c","name":"Access was blocked to \"","group":"WEB"}`,
		`{"type":"Event::x","customer_id":"c","group":"DATA_LOSS_PREVENTION","name":"An ″a″ action  File size: x  Source path: \\"}`)
}
