package cnvendors_test

import (
	"testing"
	"time"

	"bianque/event"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

func corpusLine(t *testing.T, id string) string {
	t.Helper()
	for _, c := range loadCNCorpus(t) {
		if c.ID == id {
			return c.Raw
		}
	}
	t.Fatalf("corpus line %s not found", id)
	return ""
}

func parseLine(t *testing.T, raw string, h parse.Hint) *event.Event {
	t.Helper()
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	if h.ReceivedAt.IsZero() {
		h.ReceivedAt = refTime
	}
	ev, err := p.Parse([]byte(raw), h)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return ev
}

// TestCNHint: a vendor hint from the registered component wins over
// detection, names the reseller of an OEM format, and reads formats that
// detection leaves alone (IOS-style Ruijie records, FortiOS-4-style
// EasyNetworks records without a device id). The hint's time zone
// replaces China Standard Time.
func TestCNHint(t *testing.T) {
	cases := []struct {
		id, hint      string
		vendor, prod  string
		field, want   string // one more field to check
		wantTimestamp string
	}{
		// OEM formats: the hint names the brand.
		{"botu-1079", "legendsec", "Legendsec", "Themis", "source.ip", "10.1.5.200", ""},
		{"botu-0208", "leadsec", "Leadsec", "Themis", "destination.ip", "10.155.243.57", ""},
		{"botu-1124", "chinatelecom", "China Telecom", "SG-6000", "source.ip", "192.168.0.8", ""},
		{"botu-0831", "venustech", "Venustech", "AZ6000", "source.ip", "192.168.4.223", ""},
		{"botu-0898", "t1networks", "T1Networks", "TianQing", "observer.serial_number", "001000000000001309109941", ""},
		{"botu-0769", "trendmicro-cn", "Trend Micro", "AISEdge", "source.ip", "192.1.2.91", ""},
		{"botu-0990", "dptech", "DPtech", "OSM", "user.name", "zhangsan", ""},
		// Chinese aliases name the brand too.
		{"botu-0550", "天融信", "Topsec", "NGIDP", "rule.name", "FTP弱口令登录", ""},
		// A hint wins even over a format another brand owns.
		{"botu-0550", "venustech", "Venustech", "NGIDP", "source.ip", "172.21.7.227", ""},
		// Formats detection does not claim.
		{"botu-1193", "ruijie", "Ruijie", "RGOS", "source.ip", "10.57.118.1", ""},
		{"botu-1192", "锐捷", "Ruijie", "RGOS", "source.ip", "172.27.90.46", "2023-09-19T21:45:22.528342Z"},
		{"botu-0846", "easynetworks", "EasyNetworks", "Firewall", "destination.ip", "74.125.224.219", "2013-04-02T17:42:05Z"},
		{"botu-0847", "易安联", "EasyNetworks", "Firewall", "source.ip", "1.1.1.1", "2013-04-02T18:54:29Z"},
	}
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.hint, func(t *testing.T) {
			ev := parseLine(t, corpusLine(t, tc.id), parse.Hint{Vendor: tc.hint})
			if got := ev.Str("observer.vendor"); got != tc.vendor {
				t.Errorf("observer.vendor %q, want %q", got, tc.vendor)
			}
			if got := ev.Str("observer.product"); got != tc.prod {
				t.Errorf("observer.product %q, want %q", got, tc.prod)
			}
			if got := ev.Str(tc.field); got != tc.want {
				t.Errorf("%s %q, want %q", tc.field, got, tc.want)
			}
			if tc.wantTimestamp != "" {
				if got := ev.Timestamp().Format(time.RFC3339Nano); got != tc.wantTimestamp {
					t.Errorf("@timestamp %s, want %s", got, tc.wantTimestamp)
				}
			}
		})
	}
}

// TestCNTimeZone: device times are China Standard Time unless the hint
// gives the component's zone; times with an offset or as epochs are
// absolute.
func TestCNTimeZone(t *testing.T) {
	utc := time.UTC
	tokyo := time.FixedZone("JST", 9*3600)
	cases := []struct {
		id   string
		loc  *time.Location
		want string
	}{
		{"botu-0160", nil, "2020-03-24T09:01:22Z"},   // time="2020-03-24 17:01:22", CST
		{"botu-0160", utc, "2020-03-24T17:01:22Z"},   // the component logs UTC
		{"botu-0160", tokyo, "2020-03-24T08:01:22Z"}, // … or JST
		{"botu-0173", nil, "2026-05-25T03:05:16Z"},   // year-less syslog header, CST
		{"botu-0173", utc, "2026-05-25T11:05:16Z"},
		{"botu-0881", tokyo, "2022-01-17T07:11:52Z"}, // epoch: the zone does not apply
		{"botu-0807", utc, "2022-08-14T22:46:40Z"},   // "… +0800": explicit offset
	}
	for _, tc := range cases {
		ev := parseLine(t, corpusLine(t, tc.id), parse.Hint{Location: tc.loc})
		if got := ev.Timestamp().Format(time.RFC3339Nano); got != tc.want {
			t.Errorf("%s in %v: @timestamp %s, want %s", tc.id, tc.loc, got, tc.want)
		}
	}
}

// TestCNGenericWithHint: a hinted device sending a format no family knows
// still yields its fields through the shared key dictionary.
func TestCNGenericWithHint(t *testing.T) {
	raw := `<134>Jun  1 10:00:00 gw 源IP：10.1.2.3，目的IP：10.9.8.7，源端口：5555，目的端口：443，动作：阻断，威胁等级：高危，攻击类型：SQL注入`
	ev := parseLine(t, raw, parse.Hint{Vendor: "sangfor"})
	for k, want := range map[string]string{
		"observer.vendor": "Sangfor", "source.ip": "10.1.2.3", "destination.ip": "10.9.8.7",
		"event.action": "block", "rule.category": "SQL注入", "bianque.attack.type": "SQL Injection",
		"sangfor.severity": "高危", "threat.technique.id": "T1190",
	} {
		got, _ := ev.Get(k)
		s, _ := event.Stringify(got)
		if l, ok := got.([]string); ok && len(l) == 1 {
			s = l[0]
		}
		if s != want {
			t.Errorf("%s = %v, want %s", k, got, want)
		}
	}
	if p, _ := ev.Int("destination.port"); p != 443 {
		t.Errorf("destination.port %d", p)
	}
	if sev, _ := ev.Int("event.severity"); sev != 75 {
		t.Errorf("event.severity %d, want 75", sev)
	}
}

// TestCNGenericUnknownDevice: a Chinese-keyed record of a device no family
// knows, without a hint, still yields its fields (and names no vendor).
func TestCNGenericUnknownDevice(t *testing.T) {
	raw := `<134>Jun  1 10:00:00 gw unknownfw: 事件类型：入侵防御，源IP：10.1.2.3，目的IP：10.9.8.7，源端口：5555，目的端口：80，处理动作：丢弃，威胁等级：中，攻击类型：命令注入`
	ev := parseLine(t, raw, parse.Hint{})
	if v := ev.Str("observer.vendor"); v != "" {
		t.Errorf("observer.vendor %q for an unknown device", v)
	}
	for k, want := range map[string]string{
		"source.ip": "10.1.2.3", "destination.ip": "10.9.8.7", "event.action": "drop", "cn.severity": "中",
		"rule.category": "命令注入", "bianque.attack.type": "Command Injection",
	} {
		if got := flat(ev, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if p, _ := ev.Int("source.port"); p != 5555 {
		t.Errorf("source.port %d", p)
	}
	if sev, _ := ev.Int("event.severity"); sev != 50 {
		t.Errorf("event.severity %d", sev)
	}
}
