package vendors_test

import "testing"

func TestESETProtect(t *testing.T) {
	assertVendorCases(t, "eset-protect", true, []vendorCase{
		{"threat", `{"event_type":"Threat_Event","ipv4":"10.7.0.5","hostname":"ward5-pc","os_name":"Microsoft Windows 11 Pro","group_name":"HOSP/Wards","source_uuid":"u-1","occured":"03-Feb-2025 08:09:10","severity":"Warning","threat_type":"Trojan","threat_name":"Win32/Agent.X","object_type":"File","object_uri":"file:///C:/Users/n/AppData/x.exe","action_taken":"Cleaned by deleting","username":"HOSP\\n"}`,
			map[string]any{
				"@timestamp": "2025-02-03T08:09:10Z", "event.dataset": "Threat_Event", "event.category": []string{"malware"},
				"event.action": "Cleaned by deleting", "host.ip": []string{"10.7.0.5"}, "host.name": "ward5-pc", "host.id": "u-1",
				"host.domain": "HOSP/Wards", "file.path": "file:///C:/Users/n/AppData/x.exe", "file.name": "x.exe",
				"eset.protect.threat_name": "Win32/Agent.X",
			}},
		{"firewall", `{"event_type":"FirewallAggregated_Event","ipv4":"10.7.0.6","hostname":"h","source_uuid":"u-2","occured":"03-Feb-2025 08:09:11","event":"Port scan","source_address":"203.0.113.9","source_port":4444,"target_address":"10.7.0.6","target_port":445,"protocol":"TCP","action":"Blocked","process_name":"C:\\Windows\\System32\\svchost.exe"}`,
			map[string]any{"event.type": []string{"denied"}, "event.reason": "Port scan", "source.ip": "203.0.113.9", "destination.port": int64(445),
				"process.name": "svchost.exe", "related.ip": []string{"10.7.0.6", "203.0.113.9"}}},
		{"audit login failure", `{"event_type":"Audit_Event","ipv4":"10.7.0.1","hostname":"era","source_uuid":"u-3","occured":"03-Feb-2025 08:09:12","domain":"Native user","action":"Login","detail":"Login attempt","user":"admin@hosp.example","result":"Failure"}`,
			map[string]any{"event.category": []string{"authentication"}, "event.type": []string{"start"}, "event.outcome": "failure",
				"user.name": "admin", "user.domain": "hosp.example"}},
		{"hips", `{"event_type":"HipsAggregated_Event","ipv4":"10.7.0.7","hostname":"h","source_uuid":"u-4","occured":"03-Feb-2025 08:09:13","application":"C:\\a\\word.exe","operation":"Start new application","target":"C:\\a\\cmd.exe","action":"blocked","rule_id":"Block child processes"}`,
			map[string]any{"process.executable": `C:\a\cmd.exe`, "process.parent.name": "word.exe", "rule.id": "Block child processes", "event.type": []string{"denied"}}},
	})
}

func FuzzESETProtect(f *testing.F) {
	fuzzVendorNormalizer(f, "eset-protect",
		`{"event_type":"Threat_Event","occured":"x","object_type":"File","object_uri":"/"}`,
		`{"event_type":"Audit_Event","occured":"03-Feb-2025 08:09:12","user":"@","result":"Success","ipv4":"x"}`)
}
