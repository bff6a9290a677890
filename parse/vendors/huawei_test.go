package vendors_test

import (
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

func newParser() *parse.Parser {
	return std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))})
}

func TestHuaweiUSG(t *testing.T) {
	p := newParser()
	cases := []struct {
		in   string
		want map[string]any
	}{
		{`Oct  5 2018 10:52:19 USG6300 %%01POLICY/6/POLICYPERMIT(l):vsys=public, protocol=17, source-ip=1.1.1.1, source-port=2426, destination-ip=2.2.2.2, destination-port=2234, time=2018/10/5 09:52:19, source-zone=dmz, destination-zone=untrust, rule-name=Internet Access.`,
			map[string]any{"source.ip": "1.1.1.1", "destination.port": int64(2234), "network.transport": "udp", "rule.name": "Internet Access", "observer.ingress.zone": "dmz", "event.outcome": "success", "observer.hostname": "USG6300"}},
		{`2018-10-05 10:52:13 USG6300 %%01SECLOG/6/SESSION_TEARDOWN(l):IPVer=4,Protocol=tcp,SourceIP=1.1.1.1,DestinationIP=2.2.2.2,SourcePort=6182,DestinationPort=443,BeginTime=1538736476,EndTime=1538736733,SendPkts=21,SendBytes=2135,RcvPkts=18,RcvBytes=1534,SourceVpnID=0,DestinationVpnID=0,PolicyName=Internet Access.`,
			map[string]any{"destination.ip": "2.2.2.2", "source.bytes": int64(2135), "network.bytes": int64(3669), "event.duration": int64(257 * time.Second), "event.code": "SESSION_TEARDOWN"}},
	}
	for _, c := range cases {
		for _, hint := range []string{"", "huawei-usg"} {
			ev, err := p.Parse([]byte(c.in), parse.Hint{Vendor: hint})
			if err != nil {
				t.Fatal(err)
			}
			if v := ev.Str("observer.vendor"); v != "Huawei" {
				t.Errorf("hint %q: not detected as Huawei: %q", hint, v)
			}
			for k, want := range c.want {
				if got, _ := ev.Get(k); got != want {
					t.Errorf("hint %q: %s = %v, want %v", hint, k, got, want)
				}
			}
		}
	}
}

// TestGBKInput checks that a device sending GBK (as Chinese-configured
// devices do) is decoded, with the vendor's charset or the default.
func TestGBKInput(t *testing.T) {
	p := newParser()
	utf := `Oct  5 2018 10:52:19 USG6300 %%01POLICY/6/POLICYPERMIT(l):vsys=public, protocol=6, source-ip=1.1.1.1, source-port=1, destination-ip=2.2.2.2, destination-port=80, rule-name=门诊楼出口.`
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	for _, hint := range []parse.Hint{{}, {Vendor: "huawei"}, {Charset: "gbk"}} {
		ev, err := p.Parse([]byte(gbk), hint)
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.Str("rule.name"); got != "门诊楼出口" {
			t.Errorf("hint %+v: rule.name = %q", hint, got)
		}
		if got := ev.Str("event.original"); got != utf {
			t.Errorf("hint %+v: original not decoded: %q", hint, got)
		}
	}
}
