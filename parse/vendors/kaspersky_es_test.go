package vendors_test

import "testing"

func TestKasperskyEndpointSecurity(t *testing.T) {
	assertVendorCases(t, "kaspersky-endpoint-security", true, []vendorCase{
		{"detection", `Result description: Deleted\r\nType: Trojan program\r\nName: HEUR:Trojan.Win32.Generic\r\nUser: HOSP\nurse2 (Initiator)\r\nObject: C:\Users\nurse2\AppData\Local\Temp\x.exe\r\nReason: Expert analysis\r\nSHA256: AABB\r\nMD5: CCDD`,
			map[string]any{
				"event.category": []string{"malware"}, "event.action": "Deleted", "event.reason": "Expert analysis",
				"threat.software.name": "HEUR:Trojan.Win32.Generic", "threat.software.type": "Malware", "user.name": "nurse2", "user.domain": "HOSP",
				"file.name": "x.exe", "file.path": `C:\Users\nurse2\AppData\Local\Temp\x.exe`, "file.hash.sha256": "AABB", "related.hash": []string{"CCDD", "AABB"},
			}},
		{"update error with real line breaks", "Event type: Error updating databases\nResult description: Error\nError: Connection failed\nObject type: Web page\nObject name: updates/index.xml\nUser: HOSP\\svc (Active user)\nRelease date: 2/3/2025 8:09:10 AM",
			map[string]any{"@timestamp": "2025-02-03T08:09:10Z", "error.message": "Connection failed", "url.path": "updates/index.xml", "event.category": []string{"process"}, "user.name": "svc"}},
	})
}

func FuzzKasperskyEndpointSecurity(f *testing.F) {
	fuzzVendorNormalizer(f, "kaspersky-endpoint-security",
		`Result description: x\r\nType: y\r\nObject: \\`, `Event type: a#015#012Error: b#015#012User: \`)
}
