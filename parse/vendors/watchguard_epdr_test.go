package vendors_test

import "testing"

func TestWatchGuardEPDR(t *testing.T) {
	runECSCases(t, "watchguard-epdr", true, []ecsCase{
		{"malware", `{"device_id":"d-1","malware_category":1,"path":"C:\\Users\\nurse\\Downloads\\invoice.pdf.exe","action":1,"id":"ev-1","account_id":"acc-1","host_name":"NURSE-PC-04","security_event_date":"2025-06-01T08:09:10.5Z","ip_address":"10.3.0.4"}`,
			map[string]any{"@timestamp": "2025-06-01T08:09:10.5Z", "file.name": "invoice.pdf.exe", "file.directory": `C:\Users\nurse\Downloads`, "device.id": "d-1",
				"cloud.account.id": "acc-1", "host.name": "NURSE-PC-04", "event.category": []any{"malware"}, "observer.product": "WatchGuard EPDR"}},
		{"blocked program", `{"event_id":1,"event_type":3,"date":"2025-06-01T08:00:00","host_name":"LAB-01","item_name":"tool.exe","path":"PROGRAM_FILES|\\Vendor\\tool.exe","hash":"abc","device_id":"d-2"}`,
			map[string]any{"@timestamp": "2025-06-01T08:00:00Z", "file.path": `\Vendor\tool.exe`, "file.name": "tool.exe", "event.type": []any{"denied"}, "related.hash": []any{"abc"}}},
		{"network attack", `{"event_id":2,"event_type":10,"date":"2025-06-01T08:00:00","host_name":"LAB-02","device_id":"d-3","network_attack":"Port scanning","local_ip_address":"10.0.0.5","remote_ip_address":"10.0.0.66"}`,
			map[string]any{"event.reason": "Port scanning", "client.ip": "10.0.0.66", "host.ip": []any{"10.0.0.5"}, "event.category": []any{"network"}}},
		{"indicator of attack", `{"id":"x","device_id":"d-4","host_name":"SRV","date":"2025-06-01T08:00:00Z","endpoint_event_date":"2025-06-01T08:00:01Z","rule_id":"r1","rule_name":"Credential dumping","rule_risk":3,"rule_mitre":[{"tactic":"TA0006","technique":"T1003"}]}`,
			map[string]any{"rule.name": "Credential dumping", "threat.tactic.id": []any{"TA0006"}, "threat.technique.id": []any{"T1003"}, "threat.indicator.confidence": "3"}},
	})
}

func FuzzWatchGuardEPDR(f *testing.F) {
	fuzzVendor(f, "watchguard-epdr",
		`{"device_id":1,"host_name":[],"security_event_date":{},"path":"|||","rule_mitre":[1,{"tactic":2}]}`,
		`{"device_id":"","host_name":"","event_type":"","date":"2025-13-01"}`)
}
