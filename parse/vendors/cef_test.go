package vendors_test

import "testing"

func TestGenericCEF(t *testing.T) {
	assertVendorCases(t, "cef", false, []vendorCase{
		{"traffic", `<134>Mar  3 10:00:00 relay CEF:0|Acme|Gateway|4.2|100|session end|3|rt=Mar 03 2025 10:00:05 start=Mar 03 2025 09:59:00 src=10.0.0.1 spt=51000 dst=192.0.2.8 dpt=443 proto=6 in=1200 out=3400 dvchost=gw1 dhost=www.example.org act=allow app=HTTPS`,
			map[string]any{
				"@timestamp": "2025-03-03T09:59:00Z", "observer.vendor": "Acme", "observer.type": "Gateway", "rule.id": "100",
				"source.ip": "10.0.0.1", "source.address": "10.0.0.1", "destination.ip": "192.0.2.8", "destination.address": "www.example.org",
				"destination.domain": "www.example.org", "network.transport": "tcp", "network.protocol": "HTTPS", "host.name": "gw1",
				"host.network.ingress.bytes": int64(1200), "host.network.egress.bytes": int64(3400), "event.action": "allow",
				"related.hosts": []string{"www.example.org"}, "event.severity": int64(3),
			}},
		{"audit with reason and url", `CEF:0|Acme|EDR|1.0|7|Process blocked|8|rt=1700000000000 reason=quarantined suser=alice request=https://example.com/a/b.exe?x=1 dntdom=CORP fileId=42`,
			map[string]any{
				"@timestamp": "2023-11-14T22:13:20Z", "event.action": "quarantined", "source.user.name": "alice",
				"url.full": "https://example.com/a/b.exe?x=1", "url.port": int64(443), "url.extension": "exe", "url.query": "x=1",
				"destination.domain": "CORP", "file.inode": "42", "related.user": []string{"alice"},
			}},
		{"not CEF", `plain text`, map[string]any{"message": "plain text", "observer.type": nil}},
	})
}

func FuzzGenericCEF(f *testing.F) {
	fuzzVendorNormalizer(f, "cef",
		`CEF:0|Acme|Gateway|4.2|100|session end|3|rt=Mar 03 2025 10:00:05 src=10.0.0.1 dst=192.0.2.8 proto=6 dhost=x`,
		`CEF:0|Acme|EDR|1.0|7|Process blocked|8|rt=1700000000000 reason=q request=https://example.com/?x=1`)
}
