package vendors_test

import "testing"

func TestSentinelOne(t *testing.T) {
	runECSCases(t, "sentinelone", true, []ecsCase{
		{"login activity", `{"accountId":"9001","activityType":27,"agentId":null,"createdAt":"2025-02-01T08:00:00.123456Z","data":{"ipAddress":"10.8.0.4","username":"Li Na","role":"Admin"},"groupId":null,"id":"42","primaryDescription":"The management user Li Na logged in to the management console with IP Address 10.8.0.4.","userId":"77"}`,
			map[string]any{"@timestamp": "2025-02-01T08:00:00.123456Z", "event.action": "User Logged In", "event.code": "27", "source.ip": "10.8.0.4",
				"user.name": "Li Na", "user.id": "77", "organization.id": "9001", "event.outcome": "success", "related.ip": []any{"10.8.0.4"}}},
		{"quarantine activity", `{"accountId":"9001","activityType":2004,"agentId":"5","createdAt":"2025-02-01T08:00:00Z","data":{"computerName":"ws-ward-3","fileContentHash":"abcd","fileDisplayName":"x.exe","filePath":"C:\\Users\\a\\x.exe","threatClassification":"Trojan"},"groupId":"6","primaryDescription":"quarantined"}`,
			map[string]any{"event.action": "Threat Mitigation Report Quarantine Success", "host.name": "ws-ward-3", "file.name": "x.exe", "file.directory": `C:\Users\a`,
				"file.hash.sha1": "abcd", "threat.software.type": "Trojan", "agent.id": "5", "group.id": "6"}},
		{"threat", `{"agentDetectionInfo":{"accountId":"9001","accountName":"Hospital","agentIpV4":"10.1.1.1,10.1.1.2","agentIpV6":"","externalIp":"203.0.113.1"},"agentRealtimeInfo":{"agentId":"55","agentComputerName":"pacs-01","agentOsType":"windows","agentOsName":"Windows Server 2019","agentDomain":"HOSP"},"threatInfo":{"sha1":"ffff","filePath":"C:\\Temp\\evil.dll","threatName":"evil.dll","fileExtension":"DLL","fileSize":1024,"confidenceLevel":"malicious","classification":"Ransomware","identifiedAt":"2025-02-02T01:02:03Z","processUser":"HOSP\\svc_pacs","originatorProcess":"rundll32.exe"}}`,
			map[string]any{"event.kind": "alert", "event.category": []any{"malware"}, "file.extension": "dll", "file.size": int64(1024), "host.name": "pacs-01",
				"host.ip": []any{"10.1.1.1", "10.1.1.2", "203.0.113.1"}, "user.name": "svc_pacs", "user.domain": "HOSP", "threat.software.type": "Ransomware",
				"organization.name": "Hospital", "process.parent.name": "rundll32.exe", "@timestamp": "2025-02-02T01:02:03Z"}},
		{"custom rule alert", `{"accountId":"9001","activityType":3608,"createdAt":"2025-02-01T08:00:00Z","primaryDescription":"Alert","data":{"rulename":"Shadow copy deletion","ruleid":"12","sourceprocessfilepath":"C:\\Windows\\System32\\vssadmin.exe","sourceprocesspid":99,"sourceprocessstarttime":1738396800000,"sourceprocessusername":"HOSP\\it","sourceparentprocessname":"cmd.exe"}}`,
			map[string]any{"rule.name": "Shadow copy deletion", "process.name": "vssadmin.exe", "process.pid": int64(99), "process.start": "2025-02-01T08:00:00Z",
				"process.user.name": "it", "process.parent.name": "cmd.exe"}},
	})
}

func FuzzSentinelOne(f *testing.F) {
	fuzzVendor(f, "sentinelone",
		`{"accountId":"1","activityType":"x","primaryDescription":null,"data":{"sourceprocessstarttime":"a","exclusionType":"path","value":"\\"}}`,
		`{"threatInfo":{"fileSize":"big"},"agentDetectionInfo":{"agentIpV4":",,,","cloudProviders":{"AWS":1}},"agentRealtimeInfo":[]}`,
		`{"threatInfo":{},"kubernetesInfo":{},"containerInfo":{"id":1}}`)
}
