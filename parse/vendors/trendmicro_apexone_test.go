package vendors_test

import "testing"

func TestTrendMicroApexOne(t *testing.T) {
	assertVendorCases(t, "trend-micro-apex-one", true, []vendorCase{
		{"virus", `<14>Mar  4 10:00:00 apexcentral CEF:0|Trend Micro|Apex Central|2019|AV:File quarantined|TROJ_GEN.R002C0|3|rt=Mar 04 2025 09:59:58 GMT+01:00 dhost=WS-042 duser=CLINIC\\nurse1 cs4Label=CLF_ReasonCode cs4=virus log fname=invoice.exe filePath=C:\\Users\\nurse1\\Downloads\\ dst=10.20.0.42 fileHash=3395856CE81F2B7382DEE72602F798B642F14140`,
			map[string]any{
				"@timestamp": "2025-03-04T08:59:58Z", "event.kind": "alert", "event.category": []string{"malware"}, "event.dataset": "TROJ_GEN.R002C0",
				"rule.id": "AV:File quarantined", "host.name": "WS-042", "user.name": `CLINIC\nurse1`, "event.code": "virus log",
				"file.name": "invoice.exe", "file.path": `C:\Users\nurse1\Downloads`, "source.ip": "10.20.0.42", "source.address": "10.20.0.42",
				"file.hash.sha1": "3395856CE81F2B7382DEE72602F798B642F14140", "related.hash": []string{"3395856CE81F2B7382DEE72602F798B642F14140"},
			}},
		{"behaviour monitoring", `CEF:0|Trend Micro|Apex Central|2019|BM:7|Behavior Monitoring|3|rt=Mar 04 2025 10:00:00 GMT+00:00 dvchost=WS-7 cn2Label=Event_Type cn2=8 cs2Label=Policy cs2=7 sproc=C:\\Temp\\x.exe act=0 src=10.0.0.7`,
			map[string]any{"event.action": "Allow", "event.type": []string{"start"}, "rule.name": "New service", "trendmicro.apexone.event_type": "File system", "process.executable": `C:\Temp\x.exe`, "host.name": "WS-7"}},
		{"web reputation", `CEF:0|Trend Micro|Apex Central|2019|WB:2|2|3|rt=Mar 04 2025 10:00:00 GMT+00:00 act=2 src=10.0.0.8 dpt=443 deviceDirection=2 cs1Label=SLF_PolicyName cs1=Internal dvchost=WS-8 request=https://bad.example.net/payload.bin`,
			map[string]any{"event.action": "Block", "event.type": []string{"denied"}, "network.direction": "Outbound", "rule.ruleset": "Internal",
				"url.domain": "bad.example.net", "url.registered_domain": "example.net", "url.extension": "bin", "destination.port": int64(443)}},
		{"data loss prevention", `CEF:0|Trend Micro|Apex Central|2019|700106|Data Loss Prevention|3|rt=Mar 04 2025 10:00:00 GMT+00:00 src=10.0.0.9 shost=WS-9 dvchost=apex1 cs5Label=Rule cs5=Patient records cn2Label=Action cn2=0 fname=export.csv filePath=E:\\`,
			map[string]any{"event.action": "Blocked", "rule.name": "Patient records", "source.domain": "WS-9", "source.address": "WS-9", "destination.domain": "apex1", "file.name": "export.csv"}},
		{"pattern update", `CEF:0|Trend Micro|Apex Central|2019|800101|Pattern Update Status|3|rt=Mar 04 2025 10:00:00 GMT+00:00 shost=WS-10 cs1Label=Operating_System cs1=Windows 11  cs2Label=Product/Endpoint_IP cs2=10.0.0.10 cn2Label=Pattern/Rule cn2=2048 cn3Label=Pattern/Rule_Status cn3=7`,
			map[string]any{"host.os.name": "Windows 11", "host.ip": []string{"10.0.0.10"}, "rule.id": "2048", "trendmicro.apexone.Pattern_RuleStatus": "7 or more versions old", "event.type": []string{"change"}}},
		{"spyware path", `CEF:0|Trend Micro|Apex Central|2019|Spyware Detected|Spyware Detected|3|rt=2025-03-04 10:00:00 dhost=WS-11 fname=C:\\Tools\\pwdump.exe dst=10.0.0.11 duser=tech`,
			map[string]any{"file.path": `C:\Tools\pwdump.exe`, "file.name": "pwdump.exe", "file.directory": `C:\Tools`, "user.name": "tech", "source.ip": "10.0.0.11"}},
	})
	assertVendorRejects(t, "trend-micro-apex-one", "not cef at all")
}

func FuzzTrendMicroApexOne(f *testing.F) {
	fuzzVendorNormalizer(f, "trend-micro-apex-one",
		`CEF:0|Trend Micro|Apex Central|2019|AV:x|N|3|rt=Mar 04 2025 09:59:58 GMT+01:00 filePath=C:\\a\\ dst=10.20.0.42`,
		`CEF:0|Trend Micro|Apex Central|2019|WB:2|2|3|act=2 request=https://x/ deviceDirection=1`,
		`CEF:0|Trend Micro|Apex Central|2019|PML:x|v|3|cs3Label=InfectionLocation cs3=http://10.0.0.1/ dst=10.0.0.1 fname=\\`)
}
