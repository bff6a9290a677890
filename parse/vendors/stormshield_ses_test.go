package vendors_test

import "testing"

var sesSamples = []fieldCase{
	{"file write blocked",
		`{"Version":1,"Type":176,"TypeComputedMap":"FileWrite","Severity":3,"EventGuid":"{11111111-2222-3333-4444-555555555555}","Timestamp":"2025-03-04T10:20:30.1234567+01:00","SpecificData":{"SourceProcess":{"PID":4242,"ProcessImageName":"C:\\Tools\\writer.exe","ProcessCommandLine":"writer.exe /x","User":"S-1-5-21-1-2-3-1001","UserNameLookup":"nurse1","UserDomainLookup":"WARD","HashMd5":"00112233445566778899AABBCCDDEEFF","ProcessStartTime":"2025-03-04T10:00:00.0000000+01:00"},"Action":{"RuleGuid":"{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}","Blocked":true,"UserDecision":false,"SourceProcessKilled":false},"Path":"D:\\Records\\scan.pdf","FileOwnerNameLookup":"doctor2"}}`,
		map[string]any{
			"@timestamp": "2025-03-04T09:20:30.1234567Z", "event.code": "FileWrite", "event.severity": 3,
			"event.category": []string{"file"}, "event.type": []string{"change"}, "event.outcome": "failure",
			"process.pid": 4242, "process.name": "writer.exe", "process.executable": `C:\Tools\writer.exe`,
			"process.user.name": "nurse1", "process.start": "2025-03-04T09:00:00Z",
			"file.path": `D:\Records\scan.pdf`, "observer.vendor": "Stormshield", "file.name": "scan.pdf", "file.directory": `D:\Records`, "file.owner": "doctor2",
			"rule.uuid": "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "related.user": []string{"doctor2"},
			"related.hash": []string{"00112233445566778899AABBCCDDEEFF"}, "stormshield.ses.type": "176",
		}},
	{"network accept",
		`{"Version":1,"Type":41,"TypeComputedMap":"NetworkAccessAccept","Severity":4,"EventGuid":"{1}","Timestamp":"2025-03-04T10:20:30Z","SpecificData":{"Protocol":17,"ProtocolComputedMap":"UDP","OperationComputedMap":"Accept","AddressFamilyComputedMap":"IPv6","LocalAddress":"fe80::1","RemoteAddress":"fe80::2","LocalPort":53,"RemotePort":5353}}`,
		map[string]any{
			"source.ip": "fe80::1", "destination.ip": "fe80::2", "source.port": 53, "destination.port": 5353,
			"network.transport": "udp", "network.type": "ipv6", "event.action": "Accept",
			"related.ip": []string{"fe80::1", "fe80::2"}, "event.category": []string{"network"},
		}},
	{"registry value with server enrichment",
		`{"Version":1,"Type":113,"TypeComputedMap":"RegistryValueCreate","Severity":2,"EventGuid":"{2}","Timestamp":"2025-03-04T10:20:30Z","SpecificData":{"Path":"HKEY_CURRENT_USER\\Software\\Run","ValueName":"updater","ValueData":"c:\\u.exe","ValueDataTypeComputedMap":"REG_SZ"},"AdditionalData":{"AgentName":"PC-ER-01","AgentAddresses":["10.1.2.3"],"PolicyName":"Hospital policy","Message":"run key created","AttackMitreTacticId":["TA0003"],"AttackMitreTechnicId":["T1547","T1547.001"]}}`,
		map[string]any{
			"registry.hive": "HKEY_CURRENT_USER", "registry.key": `Software\Run`, "registry.path": `HKEY_CURRENT_USER\Software\Run`,
			"registry.value": "updater", "registry.data.type": "REG_SZ", "registry.data.strings": []string{`c:\u.exe`},
			"host.name": "PC-ER-01", "host.ip": []string{"10.1.2.3"}, "rule.ruleset": "Hospital policy", "event.reason": "run key created",
			"threat.tactic.id": []string{"TA0003"}, "threat.technique.id": []string{"T1547", "T1547.001"},
		}},
	{"process execution: the created process and its parent",
		`{"Type":11,"TypeComputedMap":"ProcessExecution","Severity":0,"EventGuid":"{3}","Timestamp":"2025-03-04T10:20:30Z","SpecificData":{"SourceProcess":{"PID":1,"ProcessImageName":"C:\\a.exe"},"ParentProcess":{"PID":1,"ProcessImageName":"C:\\a.exe"},"CreatedProcess":{"PID":2,"ProcessImageName":"C:\\Windows\\cmd.exe","ProcessCommandLine":"cmd /c dir"}}}`,
		map[string]any{"process.pid": 2, "process.name": "cmd.exe", "process.command_line": "cmd /c dir", "process.parent.pid": 1, "process.parent.name": "a.exe"},
	},
	{"agent notification without specific data",
		`{"Type":20022,"TypeComputedMap":"NewConfigurationNotification","Severity":0,"EventGuid":"{4}","Timestamp":"2025-03-04T10:20:30Z","SpecificData":{}}`,
		map[string]any{"event.code": "NewConfigurationNotification", "event.severity": 0, "@timestamp": "2025-03-04T10:20:30Z"},
	},
}

func TestStormshieldSES(t *testing.T) {
	checkVendorFields(t, "stormshield-ses", sesSamples)
}

func FuzzStormshieldSES(f *testing.F) {
	seeds := []string{`{"Type":1,"TypeComputedMap":"x","EventGuid":"g","SpecificData":{"Action":{"RuleGuid":"{"},"Path":"\\"}}`, `{"TypeComputedMap":null,"EventGuid":[]}`}
	for _, c := range sesSamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "stormshield-ses", seeds)
}
