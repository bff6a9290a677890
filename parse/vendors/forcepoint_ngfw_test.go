package vendors_test

import "testing"

func TestForcepointNGFW(t *testing.T) {
	assertVendorCases(t, "forcepoint-ngfw", true, []vendorCase{
		{"cef allowed", `CEF:0|FORCEPOINT|Firewall|6.10.1|70018|Connection_Allowed|0|deviceExternalId=FW-A node 1 dvchost=10.0.0.1 dvc=10.0.0.1 src=10.3.0.8 dst=198.51.100.4 spt=50000 dpt=443 proto=6 act=Allow sourceTranslatedAddress=192.0.2.9 sourceTranslatedPort=40000 deviceFacility=Packet Filtering rt=Feb 03 2025 08:09:10 app=HTTPS cs1Label=RuleID cs1=2097152.1`,
			map[string]any{
				"@timestamp": "2025-02-03T08:09:10Z", "event.action": "Connection_Allowed", "event.code": "70018", "event.type": []string{"connection"},
				"event.outcome": "success", "event.module": "Packet Filtering", "network.transport": "tcp", "network.iana_number": "6",
				"source.nat.ip": "192.0.2.9", "device.id": "FW-A node 1", "observer.ip": []string{"10.0.0.1"}, "forcepoint.firewall.rule.id": "2097152.1",
				"related.ip": []string{"10.3.0.8", "198.51.100.4", "192.0.2.9", "10.0.0.1"},
			}},
		{"leef discarded", "LEEF:1.0|Forcepoint|Firewall|7.2|Connection_Discarded|devTimeFormat=MMM dd yyyy HH:mm:ss\tsrc=203.0.113.3\tdst=10.3.0.9\tsrcPort=1234\tdstPort=22\tproto=6\tdevTime=Feb 03 2025 08:09:11\tsender=FW-B node 2\taction=Discard",
			map[string]any{"event.outcome": "failure", "host.name": "FW-B node 2", "observer.name": "FW-B node 2", "destination.port": int64(22), "@timestamp": "2025-02-03T08:09:11Z"}},
		{"command history", "LEEF:1.0|Forcepoint|Firewall|7.2|System_Engine-User_Command|devTime=Feb 03 2025 08:09:12\tusrName=admin\tmsg=pts/0 HISTORY: PID\\=42 UID\\=0 USER\\=root sg-info\tsender=FW-B node 2",
			map[string]any{"event.category": []string{"process"}, "process.pid": int64(42), "process.user.name": "root", "process.command_line": "sg-info", "user.name": "admin"}},
	})
}

func FuzzForcepointNGFW(f *testing.F) {
	fuzzVendorNormalizer(f, "forcepoint-ngfw",
		`CEF:0|FORCEPOINT|Firewall|6|1|Connection_Allowed|0|proto=x msg=HISTORY: PID\=x act=Allow rt=x`,
		"LEEF:1.0|Forcepoint|Firewall|7|x|msg=Message type ack. Relay ip \tsender=s")
}
