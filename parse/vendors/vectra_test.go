package vendors_test

import "testing"

func TestVectraCognitoDetect(t *testing.T) {
	runECSCases(t, "vectra-cognito-detect", true, []ecsCase{
		{"detection", `<13>Feb  3 10:00:00 brain -: {"version": "7.1", "detection_id": 42, "category": "EXFILTRATION", "severity": 5.0, "threat": 50, "certainty": 60, "d_type": "smash_n_grab", "d_type_vname": "Smash and Grab", "headend_addr": "10.0.0.2", "dvchost": "brain01", "href": "https://brain01/detections/42", "dd_dst_ip": "203.0.113.50", "dd_dst_port": 443, "dd_dst_dns": "files.example.net", "dd_bytes_sent": 900000, "dd_bytes_rcvd": 1200, "host_name": "lab-pc-12", "host_ip": "10.20.3.12", "dd_proto": "tcp", "vectra_timestamp": "1738576800"}`,
			map[string]any{"event.action": "EXFILTRATION", "observer.ip": []any{"10.0.0.2"}, "observer.name": "brain01", "destination.domain": "files.example.net",
				"destination.ip": "203.0.113.50", "destination.port": int64(443), "source.bytes": int64(900000), "host.ip": []any{"10.20.3.12"},
				"network.transport": "tcp", "@timestamp": "2025-02-03T10:00:00Z", "related.hosts": []any{"files.example.net"}, "destination.registered_domain": "example.net"}},
		{"audit", `-: {"user":"soc1","role":"Admin","source_ip":"10.0.0.9","headend_addr":"10.0.0.2","version":"7.6","result":"failure","message":"delete triage filter \"x\" - id 3","vectra_timestamp":"1738576800"}`,
			map[string]any{"user.name": "soc1", "source.ip": "10.0.0.9", "event.outcome": "failure", "event.reason": "delete triage filter", "event.kind": "event"}},
		{"scoring", `-: {"version": "7.1", "host_id": 7, "headend_addr": "10.0.0.2", "host_name": "ws7", "host_ip": "10.20.3.7", "threat": 10, "certainty": 20, "category": "HOST SCORING", "href": "https://brain01/hosts/7", "vectra_timestamp": "1738576800"}`,
			map[string]any{"event.action": "HOST SCORING", "host.id": "7", "event.url": "https://brain01/hosts/7"}},
	})
}

func FuzzVectraCognitoDetect(f *testing.F) {
	fuzzVendor(f, "vectra-cognito-detect",
		`-: {"headend_addr": 1, "dd_dst_ip": [], "detail": {"dst_ip": {}}, "user": 5, "message": "{"}`,
		`-: {`, `{"d_type_vname": null, "vectra_timestamp": "x"}`)
}
