package vendors_test

import "testing"

func TestTrellixEPO(t *testing.T) {
	threat := `<?xml version="1.0" encoding="UTF-8"?><EPOEvent><MachineInfo><MachineName>WARD3-PC07</MachineName><AgentGUID>{11111111-2222-3333-4444-555555555555}</AgentGUID><IPAddress>10.3.0.7</IPAddress><OSName>Windows 11</OSName><UserName>nurse7</UserName><RawMACAddress>001122334455</RawMACAddress></MachineInfo><SoftwareInfo ProductName="Trellix Endpoint Security" ProductVersion="10.7.0.1" ProductFamily="TVD"><CommonFields><Analyzer>ENDP_AM_1070</Analyzer><AnalyzerVersion>10.7.0.2</AnalyzerVersion><AnalyzerHostName>WARD3-PC07</AnalyzerHostName></CommonFields><Event><EventID>1278</EventID><Severity>4</Severity><GMTTime>2025-02-03T08:09:10</GMTTime><CommonFields><ThreatName>EICAR test file</ThreatName><ThreatActionTaken>IDS_ALERT_ACT_TAK_DEL</ThreatActionTaken><SourceUserName>HOSP\nurse7</SourceUserName><TargetFileName>C:\Users\nurse7\eicar.com</TargetFileName><TargetProcessName>C:\Windows\explorer.exe</TargetProcessName><SourceIPV4>10.3.0.99</SourceIPV4><TargetIPV4>10.3.0.7</TargetIPV4><TargetPort>445</TargetPort></CommonFields><CustomFields target="EPExtendedEventMT"><TargetHash>44d88612fea8a8f36de82e1278abb02f</TargetHash><TargetFileSize>68</TargetFileSize></CustomFields><CustomFields target="ClientEventInfo"><RuleID>42</RuleID></CustomFields></Event></SoftwareInfo></EPOEvent>`
	assertVendorCases(t, "trellix-epo", true, []vendorCase{
		{"threat", threat, map[string]any{
			"@timestamp": "2025-02-03T08:09:10Z", "event.dataset": "EPOEvents", "event.code": "1278", "event.severity": int64(4),
			"host.name": "WARD3-PC07", "host.ip": []string{"10.3.0.7"}, "user.name": "nurse7", "observer.name": "ENDP_AM_1070",
			"observer.version": "10.7.0.2", "observer.hostname": "WARD3-PC07", "threat.indicator.name": "EICAR test file",
			"event.action": "IDS_ALERT_ACT_TAK_DEL", "source.user.domain": "HOSP", "source.user.name": "nurse7",
			"file.name": `C:\Users\nurse7\eicar.com`, "file.hash.md5": "44d88612fea8a8f36de82e1278abb02f", "file.size": int64(68),
			"process.name": "explorer.exe", "source.ip": "10.3.0.99", "destination.port": int64(445), "rule.id": "42",
			"related.ip": []string{"10.3.0.7", "10.3.0.99"},
		}},
		{"syslog framed update event", "<29>1 2025-02-03T08:09:11Z epo01 EPOEvents - EventFwd [agentInfo@3401 tenantId=\"1\"] \ufeff<?xml version=\"1.0\"?><UpdateEvents><MachineInfo><MachineName>LAB-2</MachineName><IPAddress>10.4.0.2</IPAddress><UserName>a,b</UserName></MachineInfo><McAfeeCommonUpdater ProductName=\"Trellix Agent\"><UpdateEvent><EventID>2402</EventID><Severity>3</Severity><GMTTime>2025-02-03T08:00:00</GMTTime><Description>Update failed</Description></UpdateEvent></McAfeeCommonUpdater></UpdateEvents>",
			map[string]any{"@timestamp": "2025-02-03T08:00:00Z", "event.dataset": "UpdateEvents", "event.category": []string{"configuration"},
				"event.reason": "Update failed", "event.code": "2402", "trellix.update_event.usernames": []string{"a", "b"}, "user.name": nil}},
		{"operational event with None values", `<?xml version="1.0"?><EPOevent><MachineInfo><MachineName>H</MachineName></MachineInfo><SoftwareInfo ProductVersion="1.2"><Event><EventID>1087</EventID><Severity>0</Severity><GMTTime>2025-02-03T08:00:00</GMTTime><CommonFields><ThreatName>None</ThreatName><ThreatActionTaken>None</ThreatActionTaken></CommonFields></Event></SoftwareInfo></EPOevent>`,
			map[string]any{"threat.indicator.name": nil, "event.action": nil, "observer.version": "1.2"}},
	})
	assertVendorRejects(t, "trellix-epo", `<?xml version="1.0"?><Other/>`, `<?xml version="1.0"?><EPOEvent><MachineInfo>`)
}

func FuzzTrellixEPO(f *testing.F) {
	fuzzVendorNormalizer(f, "trellix-epo",
		`<?xml version="1.0"?><EPOEvent><MachineInfo><IPAddress>1.2.3.4</IPAddress></MachineInfo><SoftwareInfo><Event><EventID>1</EventID><CommonFields><TargetPort>x</TargetPort></CommonFields></Event></SoftwareInfo></EPOEvent>`,
		`<?xml version="1.0"?><MSMERoot><MSME><MSMEEvent><SourceIP>0.0.0.0</SourceIP></MSMEEvent></MSME></MSMERoot>`,
		`<UpdateEvents><UpdateEvent><GMTTime>2025-02-03T08:00:00</GMTTime></UpdateEvent></UpdateEvents>`)
}
