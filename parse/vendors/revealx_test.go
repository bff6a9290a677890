package vendors_test

import "testing"

func TestExtraHopRevealX(t *testing.T) {
	runECSCases(t, "extrahop-revealx", true, []ecsCase{
		{"detection", `{"id":77,"start_time":1701379823296,"update_time":1706720536009,"mod_time":1706720577690,"title":"SMB Brute Force","description":"Many failed logins","risk_score":80,"type":"smb_brute_force","categories":["sec.attack"],"properties":{"version":"TLSv1.2"},"participants":[{"role":"offender","object_id":5,"object_type":"device","object_value":"10.4.4.4","hostname":"ws4.hosp.local"},{"role":"victim","object_type":"ipaddr","object_value":"10.4.4.10"}],"mitre_tactics":["TA0006"],"mitre_techniques":["T1110"],"appliance_id":1}`,
			map[string]any{"@timestamp": "2024-01-31T17:02:57.69Z", "event.start": "2023-11-30T21:30:23.296Z", "event.code": "smb_brute_force", "event.risk_score": 80.0,
				"host.ip": []any{"10.4.4.4"}, "host.name": "ws4.hosp.local", "host.id": "5", "destination.ip": "10.4.4.10", "tls.version": "1.2",
				"threat.technique.id": []any{"T1110"}, "related.ip": []any{"10.4.4.4", "10.4.4.10"}}},
	})
}

func FuzzExtraHopRevealX(f *testing.F) {
	fuzzVendor(f, "extrahop-revealx", `{"participants":[1,{"role":"victim","object_value":[]}],"risk_score":"x","mod_time":{}}`)
}
