package vendors_test

import (
	"testing"

	"bianque/parse"
)

var fortiproxySamples = []fieldCase{
	{"http transaction",
		`date=2025-05-06 time=08:09:10 devname="fpx-hosp" devid="FPX2KETB00000001" eventtime=1746511750000000000 tz="+0800" logid="1000234512" type="traffic" subtype="http-transaction" level="notice" vd="root" srcip=10.8.1.20 dstip=203.0.113.7 scheme="https" srcport=50123 dstport=443 hostname="portal.example.net" url="https://portal.example.net/login?next=%2F" reqlength=512 resplength=2048 statuscode=302 sentbyte=512 rcvdbyte=2048 user="HOSP\\nurse7" catdesc="Health and Wellness" service="HTTPS" agent="Mozilla/5.0"`,
		map[string]any{
			"@timestamp": "2025-05-06T06:09:10Z", "event.start": "2025-05-06T06:09:10Z", "event.kind": "event", "event.category": "http-transaction",
			"observer.product": "FortiProxy", "observer.hostname": "fpx-hosp", "source.ip": "10.8.1.20", "destination.ip": "203.0.113.7",
			"destination.domain": "portal.example.net", "destination.address": "portal.example.net", "destination.registered_domain": "example.net",
			"url.full": "https://portal.example.net/login?next=%2F", "url.domain": "portal.example.net", "url.path": "/login", "url.port": 443,
			"url.scheme": "https", "http.request.bytes": 512, "http.response.bytes": 2048, "http.response.status_code": 302,
			"rule.category": "Health and Wellness", "service.name": "https", "user.name": "nurse7",
			"related.hosts": []string{"fpx-hosp", "portal.example.net"},
		}},
	{"web filter with a relative URL",
		`date=2025-05-06 time=08:09:11 devname="fpx-hosp" devid="FPX2KETB00000001" logid="0317013312" type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="root" srcip=10.8.1.21 dstip=198.51.100.9 dstport=80 service="HTTP" hostname="ads.example.org" action="blocked" url="/banner.js" catdesc="Advertising"`,
		map[string]any{
			"event.category": "webfilter", "event.action": "blocked", "url.full": "http://ads.example.org/banner.js", "url.original": "/banner.js",
			"url.port": 80, "url.extension": "js", "rule.category": "Advertising", "destination.top_level_domain": "org",
		}},
	{"FortiClient traffic relayed: remotename is the visited host",
		`devname="fpx-hosp" devid="FPX2KETB00000001" date="2025-05-06" time="08:09:12" logid="0000000013" type="traffic" subtype="system" hostname="WARD-PC-12" remotename="intranet.example.com" dstport=443 service="https" url="/index.html" user="alice"`,
		map[string]any{
			"host.hostname": "WARD-PC-12", "destination.domain": "intranet.example.com", "url.full": "https://intranet.example.com/index.html",
			"related.hosts": []string{"fpx-hosp", "intranet.example.com"},
		}},
}

func TestFortiProxy(t *testing.T) {
	checkVendorFields(t, "fortinet-fortiproxy", fortiproxySamples)
	// FortiGate messages stay FortiGate.
	p := newParser()
	fgt := `date=2025-05-06 time=08:09:10 devname="FGT-A" devid="FG100FTK00000001" logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.1 dstip=10.0.0.2 action="accept"`
	if _, v, err := p.Split([]byte(fgt), parse.Hint{}); err != nil || v == nil || v.ID != "fortinet-fortigate" {
		t.Errorf("FortiGate traffic detected as %v (%v)", v, err)
	}
}

func FuzzFortiProxy(f *testing.F) {
	seeds := []string{`devid=FPX subtype=http-transaction logid=1 url=/ hostname=`, `devid="FPX" remotename=a hostname=b url="x"`}
	for _, c := range fortiproxySamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "fortinet-fortiproxy", seeds)
}
