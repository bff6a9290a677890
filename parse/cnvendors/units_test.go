package cnvendors

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianque/internal/testutil"
)

func TestSplitList(t *testing.T) {
	cases := []struct {
		in     string
		seps   []string
		assign []string
		want   fields
	}{
		{"日志类型:DOS攻击日志, 源IP:192.168.200.53, 严重等级:中", []string{", "}, []string{":"},
			fields{{"日志类型", "DOS攻击日志"}, {"源IP", "192.168.200.53"}, {"严重等级", "中"}}},
		// a value holding the separator continues it
		{"a=1,msg=x,y,b=2", []string{","}, []string{"="}, fields{{"a", "1"}, {"msg", "x,y"}, {"b", "2"}}},
		// quoted values keep separators
		{`k="a;b";n=1`, []string{";"}, []string{"="}, fields{{"k", "a;b"}, {"n", "1"}}},
		// time values keep their colons
		{"时间:2016-05-25 12:45:59, 描述:登录成功", []string{", "}, []string{":"}, fields{{"时间", "2016-05-25 12:45:59"}, {"描述", "登录成功"}}},
		{"", []string{";"}, []string{"="}, nil},
	}
	for _, c := range cases {
		got := splitList(c.in, c.seps, c.assign, nil)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSpaceKV(t *testing.T) {
	cases := []struct {
		in   string
		want fields
	}{
		{`id="NGTOS" time="2020-03-24 17:01:22" src=1.2.3.4`, fields{{"id", "NGTOS"}, {"time", "2020-03-24 17:01:22"}, {"src", "1.2.3.4"}}},
		// unquoted values with spaces run to the next key
		{`GenTime= 2020-04-13 15:44:42  SrcIP=1.1.1.1 Content= Session Setup`, fields{{"GenTime", "2020-04-13 15:44:42"}, {"SrcIP", "1.1.1.1"}, {"Content", "Session Setup"}}},
		// a key glued to a closing quote
		{`eventname="Trojan PSW"severity=高 x=1`, fields{{"eventname", "Trojan PSW"}, {"severity", "高"}, {"x", "1"}}},
		// H3C codes are kept in the key; typographic quotes are quotes
		{`SrcIPAddr(1003)=1.2.3.4 devid=”abc” a=b,`, fields{{"SrcIPAddr", "1.2.3.4"}, {"devid", "abc"}, {"a", "b"}}},
		// "key =value"
		{`srcport =80 destaddr=10.1.5.200`, fields{{"srcport", "80"}, {"destaddr", "10.1.5.200"}}},
		{`user= op="GET"`, fields{{"user", ""}, {"op", "GET"}}},
	}
	for _, c := range cases {
		got := spaceKV(c.in, '=', nil)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("spaceKV(%q)\n got  %q\n want %q", c.in, got, c.want)
		}
	}
}

func TestJSONFields(t *testing.T) {
	cases := []struct {
		in   string
		want fields
	}{
		{`prefix {"a":1,"b":{"c":"x"},"d":[{"e":"y"}]}`, fields{{"a", "1"}, {"b.c", "x"}, {"d.e", "y"}}},
		// unquoted values, curly quotes, full-width punctuation, stray key spaces
		{`{"sev":MID,“name”:”t2”，"ip ": "1.2.3.4"}`, fields{{"sev", "MID"}, {"name", "t2"}, {"ip", "1.2.3.4"}}},
		// escapes and surrogate pairs
		{`{"s":"\u5929\u64ce","e":"\ud83d\ude00","q":"a\"b"}`, fields{{"s", "天擎"}, {"e", "😀"}, {"q", `a"b`}}},
		// truncated: what was read is kept
		{`{"a":"1","b":"tru`, fields{{"a", "1"}, {"b", "tru"}}},
		// an array of objects
		{`x : [{"k":"v"}]`, fields{{"k", "v"}}},
		// a bracketed prefix is not JSON
		{`[2023-02-03 INFO] x: {"k":"v"}`, fields{{"k", "v"}}},
	}
	for _, c := range cases {
		got, _ := jsonFields(c.in, nil)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("jsonFields(%q)\n got  %q\n want %q", c.in, got, c.want)
		}
	}
}

func TestBracketKV(t *testing.T) {
	got := bracketKV("[log_type:url] [app:百度网盘[下载]] [url:a.com/x?y=1,2]", nil)
	want := fields{{"log_type", "url"}, {"app", "百度网盘[下载]"}, {"url", "a.com/x?y=1,2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bracketKV = %q, want %q", got, want)
	}
}

func TestParseDeviceTime(t *testing.T) {
	ref := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	cst := ChinaStandardTime
	cases := []struct {
		in, want string
	}{
		{"2020-03-24 17:01:22", "2020-03-24T09:01:22Z"},
		{"2021/02/02 11:18:09", "2021-02-02T03:18:09Z"},
		{"2008-5-14 06:53:10", "2008-05-13T22:53:10Z"},
		{"2016 02 23 19:51:34", "2016-02-23T11:51:34Z"},
		{"2019-11-15:17-41-06", "2019-11-15T09:41:06Z"},
		{"2022-08-15 06:46:40 +0800", "2022-08-14T22:46:40Z"},
		{"2023-09-14T15:37:20.968+0800", "2023-09-14T07:37:20.968Z"},
		{"2022-07-28T04:03:01.577Z", "2022-07-28T04:03:01.577Z"},
		{"Fri Aug 05 02:09:04 CST 2022", "2022-08-04T18:09:04Z"},
		{"Fri Oct 28 11:57:08 2016", "2016-10-28T03:57:08Z"},
		{"Aug 15 2022 11:47:02 GMT+08:00", "2022-08-15T03:47:02Z"},
		{"July 26 19:30:40 2018", "2018-07-26T11:30:40Z"},
		{"20210224084137", "2021-02-24T00:41:37Z"},
		{"20230517 17:12:56", "2023-05-17T09:12:56Z"},
		{"2022-08-02 17:43:13,644", "2022-08-02T09:43:13.644Z"},
		{"2021-02-23,10:15:29", "2021-02-23T02:15:29Z"},
		{"1642403512", "2022-01-17T07:11:52Z"},
		{"1658980981575", "2022-07-28T04:03:01.575Z"},
		{"1689758193721916", "2023-07-19T09:16:33.721916Z"},
		{"1658980942.932", "2022-07-28T04:02:22.932Z"},
		{"OCT 9 13:28:46", "2025-10-09T05:28:46Z"}, // year-less: the previous year, not the future
		{"[2023-02-03 17:08:58]", "2023-02-03T09:08:58Z"},
	}
	for _, c := range cases {
		got, ok := parseDeviceTime(c.in, cst, ref)
		if !ok || got.UTC().Format(time.RFC3339Nano) != c.want {
			t.Errorf("parseDeviceTime(%q) = %v %v, want %s", c.in, got.UTC().Format(time.RFC3339Nano), ok, c.want)
		}
	}
	for _, bad := range []string{"", "null", "88:88:80", "0", "1970-01-01 00:00:00", "abc def"} {
		if got, ok := parseDeviceTime(bad, cst, ref); ok {
			t.Errorf("parseDeviceTime(%q) = %v, want failure", bad, got)
		}
	}
}

func TestReadLevel(t *testing.T) {
	cases := []struct {
		raw  string
		sc   scale
		want level
	}{
		{"高", nil, lvHigh}, {"中危", nil, lvMedium}, {"低风险", nil, lvLow}, {"高风险", nil, lvHigh},
		{"High Risk", nil, lvHigh}, {"MID", nil, lvMedium}, {"information", nil, lvInfo},
		{"SYSLOG_LEVEL_6", nil, lvInfo}, {"emerg", nil, lvCritical},
		{"3", oneToThree, lvHigh}, {"1", oneToThree, lvLow}, {"0", syslogScale, lvCritical},
		{"6", syslogScale, lvInfo}, {"30", venusScale, lvHigh}, {"80", percentScale, lvHigh},
		{"7", tenScale, lvHigh}, {"4", oneToFive, lvHigh}, {"2", nil, lvNone}, {"-1", oneToThree, lvNone},
	}
	for _, c := range cases {
		if got := readLevel(c.raw, c.sc); got != c.want {
			t.Errorf("readLevel(%q) = %v, want %v", c.raw, got, c.want)
		}
	}
	for lv := lvInfo; lv <= lvCritical; lv++ {
		if s := severityScore[lv]; s <= 0 || s > 100 || s <= severityScore[lv-1] {
			t.Errorf("severity score of level %d is %d: scores must rise within 1..100", lv, s)
		}
	}
}

func TestReadVerdict(t *testing.T) {
	cases := []struct{ raw, action, typ string }{
		{"拒绝", "deny", "denied"}, {"联动拒绝", "deny", "denied"}, {"POLICY_PERMIT", "allow", "allowed"},
		{"Blocked", "block", "denied"}, {"丢弃", "drop", "denied"}, {"告警", "alert", "info"},
		{"被记录", "log", "info"}, {"log-only", "log", "info"}, {"登录", "login", "start"},
		{"告警并阻断", "block", "denied"}, {"not blocked", "alert", "info"}, {"删除成功", "delete", "deletion"},
	}
	for _, c := range cases {
		vd, ok := readVerdict(c.raw)
		if !ok || vd.action != c.action || vd.typ != c.typ {
			t.Errorf("readVerdict(%q) = %+v %v, want %s/%s", c.raw, vd, ok, c.action, c.typ)
		}
	}
	if _, ok := readVerdict("修改系统时间"); ok {
		t.Error("a free-text action must not be read as a verdict")
	}
	for raw, want := range map[string]string{"成功": "success", "登录失败": "failure", "Success": "success", "已禁止登陆": ""} {
		if got := resultOutcome(raw); got != want {
			t.Errorf("resultOutcome(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestNormMAC(t *testing.T) {
	for in, want := range map[string]string{
		"c8:1f:be:37:33:ac": "C8-1F-BE-37-33-AC", "8ce5-ef7a-4902": "8C-E5-EF-7A-49-02",
		"0C82684C106F": "0C-82-68-4C-10-6F", "0:c:29:a3:1:b7": "00-0C-29-A3-01-B7", "0000.0000.0000": "00-00-00-00-00-00",
	} {
		if got, ok := normMAC(in); !ok || got != want {
			t.Errorf("normMAC(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"unknown", "00:11", "zz:zz:zz:zz:zz:zz"} {
		if got, ok := normMAC(bad); ok {
			t.Errorf("normMAC(%q) = %q, want failure", bad, got)
		}
	}
}

func TestEncodedAddresses(t *testing.T) {
	if got, ok := int32IP("-1062796068"); !ok || got != "192.167.4.220" {
		t.Errorf("int32IP = %q %v", got, ok)
	}
	if got, ok := dptechHexIP("4-C0A802FE"); !ok || got != "192.168.2.254" {
		t.Errorf("dptechHexIP = %q %v", got, ok)
	}
	if _, ok := dptechHexIP("4-XYZ"); ok {
		t.Error("dptechHexIP accepted a non-hex address")
	}
}

// TestCodeTables: every table loads, and spot entries translate as the
// vendors' documentation says.
func TestCodeTables(t *testing.T) {
	names, err := codeNames()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 38 {
		t.Errorf("%d code tables, want the 38 Botu dictionaries", len(names))
	}
	for _, c := range []struct{ table, code, want string }{
		{"attack_type_venus", "7003", "计算机木马"},
		{"etn_ips_topsec_ngidp3.2262_syslog", "201", "FTP 暴力猜解"},
		{"ett_ips_topsec_ngidp3.2262_syslog", "2", "暴力猜解"},
		{"op_ips_topsec_ngidp3.2262_syslog", "2", "阻断"},
		{"act_ids_nsfocus_nids5.6.r11f_syslog", "16", "TCP旁路阻断"},
		{"evt_type_h3c", "ATK_ICMP_ECHO_REQ", "ICMP请求回显报文攻击"},
		{"threat_type_hillstone", "password attack", "密码攻击"},
		{"killchain_ids_qianxin_nsd", "0x03000000", "C&C"},
		{"etn_eps_infogo_asm_warn", "306", "终端违规外联报警"},
	} {
		got, ok := codes(c.table).lookup(c.code)
		if !ok || got != c.want {
			t.Errorf("%s[%s] = %q %v, want %q", c.table, c.code, got, ok, c.want)
		}
	}
	if got, _ := nsfocusActions("17"); got != "记录日志,TCP旁路阻断" {
		t.Errorf("nsfocusActions(17) = %q", got)
	}
	if got, _ := nsfocusActionTable.lookup("17"); got != "reset" {
		t.Errorf("NIPS action 17 reads as %q, want reset", got)
	}
}

func TestClassifyAttack(t *testing.T) {
	cases := []struct {
		text string
		want *attackClass
	}{
		{"SQL注入", acSQLi}, {"SQLInjectionProtection", acSQLi}, {"跨站脚本攻击（XSS）", acXSS},
		{"FTP弱口令登录", acWeakPass}, {"SSH暴力猜解", acBrute}, {"Brute Force", acBrute},
		{"端口扫描", acPortScan}, {"TCP_NMAP_SYN_FIN_扫描", acPortScan}, {"udp-flood", acFlood},
		{"DNS Cache_Poison", nil}, {"HTTP_僵尸网络_MiraiXMiner_连接", acMining}, {"远控木马", acC2},
		{"上传webshell", acWebshell}, {"DNS 隧 道", acDNSTunnel}, {"DGA域名请求", acDGA},
		{"Wannacry勒索软件_域名请求行为", acRansomware}, {"SMB远程溢出攻击", acRemoteExp},
		{"ARP协议MAC地址欺骗攻击", acARPSpoof}, {"发现敏感目录探测行为", acDirProbe},
		// word boundaries: no APT inside "adapter", no C2 in an id
		{"network adapter reset", nil}, {"rule AC2B", nil},
	}
	for _, c := range cases {
		if got := classifyAttack(c.text); got != c.want {
			name := func(a *attackClass) string {
				if a == nil {
					return "<nil>"
				}
				return a.en
			}
			t.Errorf("classifyAttack(%q) = %s, want %s", c.text, name(got), name(c.want))
		}
	}
}

// TestATTACKTable checks every technique the classes use against the
// ATT&CK corpus: id, name and tactic as MITRE publishes them, and not
// deprecated or revoked.
func TestATTACKTable(t *testing.T) {
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "attack", "enterprise-techniques.csv"))
	if err != nil {
		t.Fatalf("ATT&CK table of the corpora: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ name, tactics, tacticIDs, deprecated, revoked string }
	byID := map[string]row{}
	for _, r := range rows[1:] {
		byID[r[0]] = row{r[1], r[2], r[3], r[7], r[8]}
	}
	tacticNames := map[string]string{}
	if tf, err := os.Open(filepath.Join(testutil.Corpora(t), "attack", "enterprise-tactics.csv")); err == nil {
		trs, _ := csv.NewReader(tf).ReadAll()
		tf.Close()
		for _, r := range trs[1:] {
			tacticNames[r[1]] = r[3]
		}
	}
	for id, tech := range techniques {
		r, ok := byID[id]
		if !ok {
			t.Errorf("%s: not an ATT&CK technique", id)
			continue
		}
		if r.name != tech.name {
			t.Errorf("%s: name %q, ATT&CK says %q", id, tech.name, r.name)
		}
		if r.deprecated == "true" || r.revoked == "true" {
			t.Errorf("%s is deprecated or revoked", id)
		}
		if !strings.Contains(r.tacticIDs, tech.tacticID) {
			t.Errorf("%s: tactic %s not among %s", id, tech.tacticID, r.tacticIDs)
		}
		if n := tacticNames[tech.tacticID]; n != "" && n != tech.tacticName {
			t.Errorf("%s: tactic name %q, ATT&CK says %q", id, tech.tacticName, n)
		}
		if parent, _, sub := strings.Cut(id, "."); sub {
			if _, ok := techniques[parent]; !ok {
				t.Errorf("%s: parent %s missing from the table", id, parent)
			}
		}
	}
	for _, k := range attackKeywords {
		if k.ac.technique != "" {
			if _, ok := techniques[k.ac.technique]; !ok {
				t.Errorf("class %s uses %s, not in the table", k.ac.en, k.ac.technique)
			}
		}
	}
}
