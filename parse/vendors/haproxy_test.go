package vendors_test

import "testing"

var haproxySamples = []fieldCase{
	{"HTTP log with TLS version appended",
		`<134>Jun  1 08:00:01 lb01 haproxy[4242]: 10.20.30.40:51234 [01/Jun/2025:08:00:01.123] fe_https~ be_his/his02 12/0/1/40/53 403 512 - - PR-- 10/9/3/1/0 0/0 {his.hosp.example} "POST /api/login?x=1 HTTP/1.1" TLSv1.3`,
		map[string]any{
			"source.ip": "10.20.30.40", "source.port": 51234, "@timestamp": "2025-06-01T08:00:01.123Z",
			"haproxy.frontend_name": "fe_https", "haproxy.backend_name": "be_his", "haproxy.server_name": "his02",
			"event.duration": 53000000, "http.response.status_code": 403, "http.response.bytes": 512, "event.outcome": "failure",
			"haproxy.termination_state": "PR--", "haproxy.captured_request_headers": "his.hosp.example",
			"http.request.method": "POST", "url.original": "/api/login?x=1", "url.path": "/api/login", "url.query": "x=1",
			"http.version": "1.1", "tls.version": "1.3", "tls.version_protocol": "tls", "event.category": []string{"web"},
			"related.ip": []string{"10.20.30.40"},
		}},
	{"TCP log",
		`[2001:db8::5]:40000 [01/Jun/2025:08:00:02.000] fe_ldap be_ldap/dc1 0/1/5000 2048 -- 1/1/1/1/0 0/0`,
		map[string]any{"source.ip": "2001:db8::5", "source.port": 40000, "event.duration": 5000000000, "destination.bytes": 2048, "event.type": []string{"connection"}},
	},
	{"connection error",
		`192.0.2.1:53994 [25/Jan/2025:04:05:30.143] ft-https/1: SSL handshake failure`,
		map[string]any{"error.message": "SSL handshake failure", "haproxy.frontend_name": "ft-https", "event.outcome": "failure"},
	},
	{"bad request kept as sent",
		`192.0.2.2:1000 [07/Jul/2025:05:16:25.762] fe fe/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "GET /..\..\win.ini HTTP/1.1" -`,
		map[string]any{"url.path": `/..\..\win.ini`, "http.response.status_code": 400, "event.duration": 0},
	},
	{"Enterprise JSON access log",
		`hapee-lb[1]: [ACCESS] 12 {"ip":"198.51.100.9","port":4433,"meth":"GET","code":200,"bytes":99,"vers":"HTTP/2.0","fqdn":"www.hosp.example.org","path":"/index.html","ua":"curl/8.0","date":1700000000.5,"tt":12,"action":"forward","status":"ip-safe"}`,
		map[string]any{
			"source.ip": "198.51.100.9", "http.response.status_code": 200, "http.version": "2.0", "destination.domain": "www.hosp.example.org",
			"destination.registered_domain": "example.org", "url.path": "/index.html", "user_agent.original": "curl/8.0",
			"@timestamp": "2023-11-14T22:13:20.5Z", "event.duration": 12000000, "event.action": "forward", "haproxy.waf.status": "ip-safe",
		}},
}

func TestHAProxy(t *testing.T) {
	checkVendorFields(t, "haproxy", haproxySamples)
}

func FuzzHAProxy(f *testing.F) {
	seeds := []string{`1.1.1.1:1 [01/Jan/2025:00:00:00.000] a b/c 1/2/3/4/5 200 1 - - ---- 1/1/1/1/1 0/0 "`, `1.1.1.1:1 [01/Jan/2025:00:00:00] x: `, `haproxy[1]: [ACCESS] {`}
	for _, c := range haproxySamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "haproxy", seeds)
}
