package std_test

import (
	"testing"
	"time"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

// FuzzParse runs every message through detection, every vendor and the
// generic normalizers: no input may panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<189>date=2024-05-02 time=10:51:55 devname="FGT1" devid="FG100F" logid="0000000013" type="traffic" subtype="forward" srcip=10.1.2.3`,
		`Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-302013: Built inbound TCP connection 1 for a:1.1.1.1/1 (1.1.1.1/1) to b:2.2.2.2/2 (2.2.2.2/2)`,
		`1,2024/08/12 15:57:12,012345678910,THREAT,vulnerability,2561,2024/08/12 15:57:04,1.2.3.4,5.6.7.8`,
		`CEF:0|Fortinet|Fortigate|v6|13|traffic:forward|3|src=1.1.1.1 FTNTFGTeventtime=1572471876`,
		`LEEF:2.0|V|P|1|e|^|src=1.1.1.1^dst=2.2.2.2`,
		`{"event_type":"alert","src_ip":"1.1.1.1","timestamp":"2024-01-01T00:00:00.000000+0000"}`,
		`127.0.0.1 - - [26/Dec/2016:16:18:09 +0000] "GET / HTTP/1.1" 200 491 "-" "Wget"`,
		"\xb2\xe2\xca\xd4 GBK text", "{", "<", "CEF:0|a|b|c|d|e|f|", "%ASA-6-302014:",
	} {
		f.Add(s, "")
	}
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	names := []string{""}
	for _, v := range std.Registry().Vendors() {
		names = append(names, v.ID)
	}
	f.Fuzz(func(t *testing.T, s, _ string) {
		for _, v := range names {
			ev, err := p.Parse([]byte(s), parse.Hint{Vendor: v})
			if err == nil && ev == nil {
				t.Fatalf("vendor %q: nil event without error", v)
			}
			if ev != nil {
				if _, err := ev.MarshalJSON(); err != nil {
					t.Fatalf("vendor %q: event does not encode: %v", v, err)
				}
			}
		}
	})
}
