package cnvendors_test

import (
	"fmt"
	"testing"

	"bianque/event"
	"bianque/parse"
)

// TestCNCodeTranslation: vendor codes become meaning — attack types and
// categories (rule.category, kept in Chinese, with the English class and
// ATT&CK technique), levels (event.severity 0–100, the raw level kept
// under the vendor namespace), actions (event.action/type/outcome, the
// raw code kept) and event-type codes (rule.name).
func TestCNCodeTranslation(t *testing.T) {
	cases := []struct {
		id   string
		want map[string]string
	}{
		// Topsec NGIDP: type=2 sub_type=299 → ett/etn tables; op=1 → 告警; level=3.
		{"botu-0550", map[string]string{
			"rule.category": "暴力猜解", "rule.name": "FTP弱口令登录", "bianque.attack.type": "Brute Force",
			"bianque.attack.type_zh": "暴力破解", "threat.technique.id": "T1110", "threat.tactic.name": "Credential Access",
			"topsec.op": "1", "topsec.action": "告警", "event.action": "alert", "topsec.severity": "3",
			"event.severity": "75", "network.transport": "tcp", "event.kind": "alert",
		}},
		// NSFOCUS NIPS: action=17 is a bit field (log + TCP reset).
		{"botu-0874", map[string]string{
			"nsfocus.action": "17", "nsfocus.action_name": "记录日志,TCP旁路阻断", "event.action": "reset",
			"event.type": "denied", "rule.category": "木马", "nsfocus.severity": "2", "event.severity": "50",
			"threat.technique.id": "T1071", "event.category": "network,malware",
		}},
		// Venustech TianTian: attackid=7003 → 计算机木马 (attack_type_venus), level 30.
		{"botu-0037", map[string]string{
			"rule.category": "计算机木马", "venustech.attackid": "7003", "venustech.attack_category": "有害程序",
			"rule.name": "TCP_后门_网络红娘_正向连接", "venustech.severity": "30", "event.severity": "75",
			"bianque.attack.type": "Trojan",
		}},
		// H3C: the ATK mnemonic → its Chinese event name (evt_type_h3c).
		{"botu-0075", map[string]string{
			"rule.name": "ATK_IP4_ACK_FLOOD_SZ", "event.code": "ATK/ATK_IP4_ACK_FLOOD_SZ", "destination.ip": "139.189.223.235",
			"event.action": "log", "bianque.attack.type": "Network Flood", "threat.technique.subtechnique.id": "T1498.001",
		}},
		// Hillstone: threat subtype → its Chinese name (threat_type_hillstone).
		{"botu-0698", map[string]string{
			"rule.category": "Password Attack", "hillstone.threat_subtype_zh": "密码攻击", "bianque.attack.type": "Brute Force",
			"event.action": "log", "hillstone.severity": "Medium", "event.severity": "50",
		}},
		// Infogo: classid 200 → 网络普通报警 (etn_eps_infogo_asm_warn); level via its severity table.
		{"botu-0013", map[string]string{"rule.name": "网络普通报警", "infogo.classid": "200", "infogo.severity": "3", "event.severity": "75"}},
		// Sangfor: Chinese keys and words.
		{"botu-1098", map[string]string{
			"sangfor.action": "拒绝", "event.action": "deny", "sangfor.severity": "中", "event.severity": "50",
			"rule.category": "SYN和FIN标志位同时为1", "source.ip": "192.168.200.53",
		}},
		// WebRAY RayWAF: r_action code and details, unquoted severity name.
		{"botu-0001", map[string]string{
			"webray.action": "ACCEPT", "event.action": "allow", "rule.category": "SQLInjectionProtection",
			"webray.kill_chain": "invasion", "bianque.attack.type": "SQL Injection", "webray.severity": "HIGH",
		}},
		// Qi-AnXin SkyEye gives its own ATT&CK mapping: it is kept.
		{"botu-0490", map[string]string{
			"threat.technique.id": "T1046", "threat.tactic.id": "TA0007", "threat.tactic.name": "Discovery",
			"qianxin.kill_chain_phase": "Reconnaissance", "bianque.attack.type": "Port Scan", "qianxin.severity": "4",
		}},
		// DPtech: hex-encoded addresses, "(id)name" values.
		{"botu-0815", map[string]string{"source.ip": "192.168.2.254", "destination.ip": "10.121.20.126", "network.protocol": "pop3"}},
		// Topsec EDR: addresses as signed 32-bit integers.
		{"botu-0066", map[string]string{"source.ip": "192.167.4.220", "destination.port": "3389"}},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			ev := parseLine(t, corpusLine(t, tc.id), parse.Hint{})
			for k, want := range tc.want {
				if got := flat(ev, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// flat renders a field as text, lists joined with commas.
func flat(ev *event.Event, k string) string {
	v, ok := ev.Get(k)
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case []string:
		s := ""
		for i, e := range x {
			if i > 0 {
				s += ","
			}
			s += e
		}
		return s
	case []any:
		s := ""
		for i, e := range x {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprint(e)
		}
		return s
	}
	s, _ := event.Stringify(v)
	return s
}
