package vendors_test

import "testing"

func TestNozomi(t *testing.T) {
	runECSCases(t, "nozomi-vantage", true, []ecsCase{
		{"alert", `{"event_type":"alerts","id":"a1","name":"New node","type_name":"New node","type_id":"VI:NEW-NODE","time":1750085403336,"ip_src":"10.9.0.4","ip_dst":"10.9.0.1","mac_src":"00:11:22:33:44:55","port_src":1024,"port_dst":502,"protocol":"modbus","transport_protocol":"tcp","severity":5,"description":"A new node appeared","appliance_host":"guardian-icu"}`,
			map[string]any{"event.kind": "alert", "event.action": "New node", "source.ip": "10.9.0.4", "destination.port": int64(502), "network.protocol": "modbus",
				"observer.name": "guardian-icu", "event.reason": "A new node appeared", "@timestamp": "2025-06-16T14:50:03.336Z"}},
		{"asset", `{"event_type":"assets","ip":["10.9.0.7"],"os":"Linux","name":"infusion-pump-7","time":1750088529631,"type":"medical_device","vendor":"Acme","product_name":"Pump 3000","mac_address":["aa:bb:cc:dd:ee:ff"],"device_id":"dev-7","appliance_hosts":["guardian-icu"]}`,
			map[string]any{"event.kind": "asset", "host.name": "infusion-pump-7", "host.ip": []any{"10.9.0.7"}, "device.manufacturer": "Acme", "host.os.platform": "linux", "host.type": "medical_device"}},
		{"vulnerability", `{"event_type":"vulnerabilities","cve":"CVE-2020-0001","score":"9.8","time":1741954841522,"summary":"Overflow","category":"Buffer Overflow","references":[{"url":"https://example.org/adv"}],"matching_cpes":[]}`,
			map[string]any{"vulnerability.id": "CVE-2020-0001", "vulnerability.enumeration": "CVE", "vulnerability.score.base": 9.8, "vulnerability.reference": "https://example.org/adv"}},
	})
	runECSCases(t, "nozomi-cmc", true, []ecsCase{
		{"cef alert", `<134>Jun 16 14:50:03 cmc CEF:0|Nozomi Networks|N2OS|22.0|SIGN:MALWARE-DETECTED|Malware detected|9|app=smb dvc=10.0.0.2 dvchost=guardian-1 flexString1=T0843,T0853 flexString1Label=mitre_attack_techniques src=10.9.0.4 dst=10.9.0.5 dpt=445 proto=TCP msg=Malware found start=1750085403336`,
			map[string]any{"event.kind": "alert", "event.category": []any{"malware"}, "event.dataset": "SIGN:MALWARE-DETECTED", "threat.technique.id": []any{"T0843", "T0853"},
				"host.name": "guardian-1", "network.transport": "tcp", "destination.port": int64(445), "observer.product": "Nozomi CMC"}},
	})
}

func FuzzNozomi(f *testing.F) {
	fuzzVendor(f, "nozomi-vantage", `{"event_type":"assets","ip":[1,"x"],"mac_address":{},"os":5}`, `{"event_type":"vulnerabilities","references":[1]}`)
}

func FuzzNozomiCMC(f *testing.F) {
	fuzzVendor(f, "nozomi-cmc", "CEF:0|Nozomi Networks|N2OS|1|\n|x|y|cs1Label=Risk start=x", "CEF:0|Nozomi|")
}
