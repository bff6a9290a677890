package cnvendors_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"bianque/event"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/cnvendors"
	"bianque/parse/std"
)

// fuzzBrand fuzzes one vendor's normalizers: seeds are the vendor's corpus
// lines; every input is parsed without a hint and with the vendor's hint,
// and the event must hold together (see checkEvent).
func fuzzBrand(f *testing.F, hint string, corpusVendors ...string) {
	for _, c := range loadCNCorpus(f) {
		for _, v := range corpusVendors {
			if c.Vendor == v {
				f.Add(c.Raw)
			}
		}
	}
	f.Add("")
	f.Add("<13>Jan  1 00:00:00 host prog: k=v")
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range []parse.Hint{{ReceivedAt: refTime}, {Vendor: hint, ReceivedAt: refTime}} {
			ev, _ := p.Parse([]byte(s), h)
			if ev == nil {
				continue
			}
			checkEvent(t, ev, h.Vendor != "" && h.Vendor != "cn-generic")
		}
	})
}

// checkEvent: the event encodes as JSON, typed fields hold valid values,
// the severity is on the 0–100 scale and a hinted event names its vendor.
func checkEvent(t *testing.T, ev *event.Event, hinted bool) {
	t.Helper()
	var b bytes.Buffer
	if err := ev.AppendJSON(&b); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !json.Valid(b.Bytes()) || !utf8.Valid(b.Bytes()) {
		t.Fatalf("invalid JSON: %.200s", b.Bytes())
	}
	if sev, ok := ev.Int("event.severity"); ok && (sev < 0 || sev > 100) {
		t.Fatalf("event.severity %d", sev)
	}
	for _, k := range []string{"source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip"} {
		if s, ok := ev.String(k); ok {
			if _, err := netip.ParseAddr(s); err != nil {
				t.Fatalf("%s %q is not an address", k, s)
			}
		}
	}
	for _, k := range []string{"source.port", "destination.port", "source.nat.port", "destination.nat.port"} {
		if v, ok := ev.Get(k); ok {
			n, isInt := v.(int64)
			if !isInt || n < 0 || n > 65535 {
				t.Fatalf("%s %v is not a port", k, v)
			}
		}
	}
	if ev.Timestamp().IsZero() {
		t.Fatal("no @timestamp")
	}
	if hinted && ev.Str("observer.vendor") == "" {
		t.Fatal("hinted event without observer.vendor")
	}
}

func FuzzTopsec(f *testing.F)        { fuzzBrand(f, "topsec", "Topsec") }
func FuzzVenustech(f *testing.F)     { fuzzBrand(f, "venustech", "Venustech", "T1Networks") }
func FuzzLeadsec(f *testing.F)       { fuzzBrand(f, "leadsec", "Leadsec") }
func FuzzLegendsec(f *testing.F)     { fuzzBrand(f, "legendsec", "Legendsec") }
func FuzzSangfor(f *testing.F)       { fuzzBrand(f, "sangfor", "Sangfor", "Shenfan") }
func FuzzNSFOCUS(f *testing.F)       { fuzzBrand(f, "nsfocus", "NSFOCUS") }
func FuzzQianxin(f *testing.F)       { fuzzBrand(f, "qianxin", "Qi-AnXin") }
func FuzzQihoo360(f *testing.F)      { fuzzBrand(f, "qihoo360", "Qihoo 360 / Qi-AnXin (天擎)") }
func FuzzH3C(f *testing.F)           { fuzzBrand(f, "h3c", "H3C") }
func FuzzHuawei(f *testing.F)        { fuzzBrand(f, "huawei-vrp", "Huawei") }
func FuzzHillstone(f *testing.F)     { fuzzBrand(f, "hillstone", "Hillstone", "China Telecom (StoneOS)") }
func FuzzDBAPPSecurity(f *testing.F) { fuzzBrand(f, "dbappsecurity", "DBAPPSecurity") }
func FuzzDPtech(f *testing.F)        { fuzzBrand(f, "dptech", "DPtech") }
func FuzzWebRAY(f *testing.F)        { fuzzBrand(f, "webray", "WebRAY") }
func FuzzAsiaInfo(f *testing.F)      { fuzzBrand(f, "asiainfo", "AsiaInfo Security", "Trend Micro") }
func FuzzAnzhou(f *testing.F)        { fuzzBrand(f, "anzhou", "Anzhou Tech") }
func FuzzEasyNetworks(f *testing.F)  { fuzzBrand(f, "easynetworks", "EasyNetworks") }
func FuzzHuafoun(f *testing.F)       { fuzzBrand(f, "huafoun", "Huafoun") }
func FuzzAnmit(f *testing.F)         { fuzzBrand(f, "anmit", "Anmit") }
func FuzzAntiy(f *testing.F)         { fuzzBrand(f, "antiy", "Antiy") }
func FuzzAnySec(f *testing.F)        { fuzzBrand(f, "anysec", "AnySec") }
func FuzzCAJinchen(f *testing.F)     { fuzzBrand(f, "cajinchen", "CAJinchen") }
func FuzzDataCloudSec(f *testing.F)  { fuzzBrand(f, "datacloudsec", "DataCloudSec") }
func FuzzInfogo(f *testing.F)        { fuzzBrand(f, "infogo", "Infogo") }
func FuzzHuorong(f *testing.F)       { fuzzBrand(f, "huorong", "Huorong") }
func FuzzJHSec(f *testing.F)         { fuzzBrand(f, "jhsec", "JHSec") }
func FuzzJNSec(f *testing.F)         { fuzzBrand(f, "jnsec", "JNSec") }
func FuzzJump(f *testing.F)          { fuzzBrand(f, "jump", "Jump") }
func FuzzKoal(f *testing.F)          { fuzzBrand(f, "koal", "Koal") }
func FuzzNetentsec(f *testing.F)     { fuzzBrand(f, "netentsec", "Netentsec") }
func FuzzQZSec(f *testing.F)         { fuzzBrand(f, "qzsec", "QZSec") }
func FuzzRising(f *testing.F)        { fuzzBrand(f, "rising", "Rising") }
func FuzzRuijie(f *testing.F)        { fuzzBrand(f, "ruijie", "Ruijie") }
func FuzzVSecure(f *testing.F)       { fuzzBrand(f, "vsecure", "V-Secure") }
func FuzzVRV(f *testing.F)           { fuzzBrand(f, "vrv", "VRV") }

// FuzzCNGeneric: the reader of Chinese-keyed records of unknown devices,
// seeded with every corpus vendor's Chinese-keyed lines.
func FuzzCNGeneric(f *testing.F) {
	fuzzBrand(f, "cn-generic", "Sangfor", "DBAPPSecurity", "NSFOCUS", "DPtech", "AnySec", "Hillstone")
}

// The tokenizers on their own, seeded with the dialects they read.

func FuzzSplitList(f *testing.F) {
	for _, s := range []string{"日志类型:DOS攻击日志, 源IP:1.2.3.4", `k="a;b";n=1`, "a=1,,b", "：，；", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sep := range []string{";", ", ", "##", "|"} {
			cnvendors.SplitListForTest(s, sep)
		}
	})
}

func FuzzSpaceKV(f *testing.F) {
	for _, s := range []string{`id="NGTOS" time="2020-03-24 17:01:22"`, `a= b c=“x” d=(1003)=`, `k="unterminated`, "=\"=\"="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { cnvendors.SpaceKVForTest(s) })
}

func FuzzJSONFields(f *testing.F) {
	for _, s := range []string{`{"a":{"b":[1,{"c":"d"}]},"e":MID}`, `{“k”:”v”，"x":}`, `[{`, `{"\ud800":"\u12"}`, strings.Repeat("[", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { cnvendors.JSONFieldsForTest(s) })
}

func FuzzParseDeviceTime(f *testing.F) {
	for _, s := range []string{"2020-03-24 17:01:22", "Fri Aug 05 02:09:04 CST 2022", "1658980942.932", "2019-11-15:17-41-06", "OCT 9 13:28:46"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := cnvendors.ParseTimeForTest(s); ok && (tm.Year() < 1995 || tm.Year() > 2100) {
			t.Fatalf("implausible time %v accepted", tm)
		}
	})
}
