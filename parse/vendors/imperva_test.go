package vendors_test

import "testing"

func TestImpervaWAF(t *testing.T) {
	assertVendorCases(t, "imperva-waf", true, []vendorCase{
		{"blocked", `CEF:0|Incapsula|SIEMintegration|1|1|SQL Injection|5| fileId=12345 sourceServiceName=portal.hospital.example siteid=77 requestClientApplication=curl/8.1 deviceFacility=fra cs2=false cs2Label=Javascript Support cs3=false cs3Label=CO Support cs1=NA cs1Label=Cap Support cs4=v-1 cs4Label=VID start=1700000000000 end=1700000000250 request=portal.hospital.example/login.php qstr=id\=1' requestMethod=POST cn1=403 app=HTTPS act=REQ_BLOCKED_SECURITY deviceExternalId=999 cpt=51515 src=198.51.100.23 ver=TLSv1.3 TLS_AES_256_GCM_SHA384 cs9=SQLi,Bots, cs9Label=Rule name xff=203.0.113.5`,
			map[string]any{
				"@timestamp": "2023-11-14T22:13:20Z", "event.duration": int64(250_000_000), "event.action": "block",
				"event.type": []string{"connection", "denied"}, "event.reason": "The connection was blocked",
				"destination.domain": "portal.hospital.example", "destination.registered_domain": "hospital.example",
				"url.domain": "portal.hospital.example", "url.path": "/login.php", "url.query": "id=1'",
				"http.request.method": "POST", "http.response.status_code": int64(403), "network.protocol": "https",
				"source.ip": "198.51.100.23", "source.port": int64(51515), "tls.version": "1.3", "tls.cipher": "TLS_AES_256_GCM_SHA384",
				"imperva.rule.names": []string{"SQLi", "Bots"}, "network.forwarded_ip": "203.0.113.5", "event.severity": int64(5),
			}},
		{"passed", `CEF:0|Incapsula|SIEMintegration|1|1|Normal|0| sourceServiceName=www.example.org start=1700000000000 end=1700000000001 request=www.example.org/ act=REQ_PASSED src=192.0.2.1`,
			map[string]any{"event.type": []string{"connection", "allowed"}, "event.action": "REQ_PASSED", "related.hosts": []string{"www.example.org"}}},
		{"bad request", `CEF:0|Incapsula|SIEMintegration|1|1|Normal|0| act=REQ_BAD_TIMEOUT src=192.0.2.1`,
			map[string]any{"event.type": []string{"connection", "error"}, "event.reason": "The HTTP request reached the idle timeout"}},
	})
}

func FuzzImpervaWAF(f *testing.F) {
	fuzzVendorNormalizer(f, "imperva-waf",
		`CEF:0|Incapsula|SIEMintegration|1|1|N|x| start=1 end=9999999999999999999 request=/ ver=TLSv act=REQ_BLOCKED cs9=,`,
		`CEF:0|Imperva Inc|Attack Analytics|0|1|X|MAJOR|start=1750766178780 end=1750766188517 src=1.2.3.4 dhost=www.host.com request=Distributed`)
}
