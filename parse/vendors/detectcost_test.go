package vendors_test

import (
	"testing"
	"time"

	"bianque/parse"
	"bianque/parse/std"
)

// BenchmarkDetectForeign measures what the detectors of the EDR, NDR, PAM
// and network-device normalizers cost on messages of other products (the
// price every undetected message pays when no vendor hint is given).
func BenchmarkDetectForeign(b *testing.B) {
	ids := []string{"cisco-ios", "crowdstrike-falcon", "stormshield-network-security", "sentinelone", "vectra-cognito-detect",
		"watchguard-firebox", "cyberark", "watchguard-epdr", "nozomi-vantage", "nozomi-cmc", "extrahop-revealx", "netflow"}
	var vs []*parse.Vendor
	for _, id := range ids {
		v, ok := std.Registry().Lookup(id)
		if !ok {
			b.Fatalf("%s not registered", id)
		}
		vs = append(vs, v)
	}
	p := newParser()
	var recs []*parse.Record
	for _, s := range []string{
		`<189>date=2024-05-02 time=10:51:55 devname="FGT" devid="FG100F" logid="0000000013" type="traffic" srcip=10.1.2.3 dstip=10.3.2.1 action="accept"`,
		`<134>Jan 18 11:07:53 host CEF:0|Trend Micro|Apex One|2019|500|Spyware detected|6|src=10.1.2.3 act=Quarantined`,
		`<13>Jan 18 11:07:53 192.168.1.1 LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5`,
		`{"@timestamp":"2024-05-02T10:51:55.421Z","event":{"kind":"event"},"source":{"ip":"10.1.2.3"},"message":"connection allowed"}`,
		`192.168.33.1 - - [26/Dec/2016:16:22:00 +0000] "GET /favicon.ico HTTP/1.1" 404 504 "-" "curl/8"`,
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 - An application event log entry 50% done`,
	} {
		rec, _, err := p.Split([]byte(s), parse.Hint{ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := recs[i%len(recs)]
		for _, v := range vs {
			if v.Detect(r) {
				b.Fatalf("%s claims %q", v.ID, r.Original)
			}
		}
	}
}
