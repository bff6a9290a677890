package vendors_test

import "testing"

func TestGatewatcherAIONIQ(t *testing.T) {
	assertVendorCases(t, "gatewatcher-aioniq", true, []vendorCase{
		{"suricata alert", `{"event_type":"alert","type":"suricata","timestamp_detected":"2025-02-03T08:09:10.123Z","src_ip":"10.4.0.5","src_port":51000,"dest_ip":"203.0.113.80","dest_port":80,"proto":"TCP","app_proto":"http","severity":2,"gcap":"gcap-1","gcenter":"gcenter-1","host":"gcap-1.hosp.local","alert":{"signature_id":2024897,"signature":"ET MALWARE Beacon","category":"A Network Trojan was detected","action":"allowed"},"http":{"hostname":"c2.example.net","url":"/beacon","http_method":"POST","status":200},"flow":{"bytes_toserver":500,"bytes_toclient":900}}`,
			map[string]any{
				"@timestamp": "2025-02-03T08:09:10.123Z", "event.kind": "alert", "event.module": "alert", "rule.id": "2024897", "rule.name": "ET MALWARE Beacon",
				"event.action": "allowed", "source.bytes": int64(500), "url.domain": "c2.example.net", "url.registered_domain": "example.net",
				"url.path": "/beacon", "observer.name": "gcap-1", "network.transport": "TCP", "related.hosts": []string{"c2.example.net", "gcap-1.hosp.local"},
			}},
		{"malcore", `{"event_type":"malware","type":"malcore","timestamp_detected":"2025-02-03T08:09:11Z","gcenter":"g","src_ip":"203.0.113.80","dest_ip":"10.4.0.5","fileinfo":{"filename":"x.exe","md5":"aa","sha256":"bb","size":10},"detail_threat_found":"Infected : Trojan.X"}`,
			map[string]any{"event.category": []string{"malware"}, "file.name": "x.exe", "file.hash.sha256": "bb", "related.hash": []string{"aa", "bb"}}},
		{"dga", `{"event_type":"dga","type":"machine_learning","domain_name":"qwzxkjhasd.com","gcap":"g","timestamp_detected":"2025-02-03T08:09:12Z","src_ip":"10.4.0.5","dest_ip":"10.4.0.1","dest_port":53}`,
			map[string]any{"destination.domain": "qwzxkjhasd.com", "destination.address": "qwzxkjhasd.com", "destination.ip": "10.4.0.1"}},
	})
}

func FuzzGatewatcherAIONIQ(f *testing.F) {
	fuzzVendorNormalizer(f, "gatewatcher-aioniq",
		`{"gcap":"g","event_type":"tls","tls":{"version":1},"ether":{"src_mac":"x"}}`,
		`{"gcenter":"g","type":"malcore","code":1,"http":{"hostname":"."}}`)
}
