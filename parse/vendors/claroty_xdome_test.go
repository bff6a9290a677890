package vendors_test

import "testing"

func TestClarotyXDome(t *testing.T) {
	assertVendorCases(t, "claroty-xdome", true, []vendorCase{
		{"phi communication", `CEF:0|Claroty|xDome|2.0|900|Unencrypted PHI|7|device_asset_id=ASSET1 device_uid=uid-1 device_ip_list=['10.9.0.4', None] device_mac_list=['00:1b:63:00:00:01'] device_type=Infusion Pump device_manufacturer=B. Braun device_model=Space device_os=None event_type=Unencrypted PHI Protocol Communication event_description=HL7 sent in clear event_timestamp=2025-02-03T08:09:10.5+00:00 src_ip=10.9.0.4 dst_ip=10.9.1.1 src_port=4000 dst_port=2575 protocol=HL7 domain=None`,
			map[string]any{
				"@timestamp": "2025-02-03T08:09:10.5Z", "event.kind": "alert", "event.category": []string{"network"}, "event.code": "Unencrypted PHI Protocol Communication",
				"event.severity": int64(7), "device.id": "ASSET1", "device.manufacturer": "B. Braun", "host.ip": []string{"10.9.0.4"},
				"host.mac": []string{"00:1b:63:00:00:01"}, "host.type": "Infusion Pump", "host.os.full": nil, "destination.port": int64(2575),
				"network.protocol": "HL7", "destination.domain": nil,
			}},
		{"credentials", `CEF:0|Claroty|xDome|2.0|901|Weak password|5|event_type=Weak/Default Password event_description=Successful authentication with a default password username=admin src_ip=10.9.0.5 dst_ip=10.9.0.6`,
			map[string]any{"event.category": []string{"authentication"}, "event.outcome": "success", "user.name": "admin", "related.user": []string{"admin"}}},
		{"certificate", `CEF:0|Claroty|xDome|2.0|902|Expired certificate|5|certificate_type=Client certificate_CN=pump.local certificate_expiry_date=20200101000000Z certificate_thumbprint=AA:BB src_ip=10.9.0.5`,
			map[string]any{"tls.client.x509.subject.common_name": []string{"pump.local"}, "tls.client.x509.not_after": "2020-01-01T00:00:00Z", "tls.client.hash.sha1": "AA:BB"}},
		{"device change", `CEF:0|Claroty|xDome|2.0|903|device_change_event|5|change_id=1 change_type=IP Change change_description=IP changed change_timestamp=2025-02-03T08:00:00+00:00 device_ip_list=['10.9.0.9']`,
			map[string]any{"event.category": []string{"configuration"}, "event.type": []string{"change"}, "event.reason": "IP changed", "@timestamp": "2025-02-03T08:00:00Z"}},
	})
}

func FuzzClarotyXDome(f *testing.F) {
	fuzzVendorNormalizer(f, "claroty-xdome",
		`CEF:0|Claroty|xDome|2.0|1|x|5|device_ip_list=[' device_mac_list=[ certificate_type=server certificate_expiry_date=x`,
		`CEF:0|Claroty|xDome|2.0|1|x|5|device_ip_list=['1.2.3.4', None] username=a event_description=Successful`)
}
