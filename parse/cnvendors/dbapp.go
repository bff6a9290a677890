package cnvendors

import (
	"strings"

	"bianque/parse"
)

// DBAPPSecurity (安恒信息). The 明御 WAF writes "DBAppWAF: 发生时间/…,威胁/高,
// 事件/…" (key/value pairs separated by commas; newer firmware uses
// English keys); the 明鉴 APT "dbapp APT~type~…~src:port~dst:port~…";
// the TGFW firewall "dataAll <kind> … "k":"v",…" (JSON without braces).
// DAS-Gateway uses the OEM gateway format (oem.go).
var dbappsecurity = &brand{
	id: "dbappsecurity", name: "DBAPPSecurity (安恒信息)", vendor: "DBAPPSecurity", ns: "dbappsecurity",
	aliases: []string{"安恒", "安恒信息", "dbapp", "dbappwaf", "明御", "dbapp-waf", "dbapp-apt"},
	product: "WAF", otype: "waf",
	families: []*family{dbappWAF, dbappAPT, dbappTGFW},
	verified: "logs-cn corpus: 明御 WAF-2000GT (Chinese and English keys), DAS-ABL-SP800 APT, DAS-TGFW; DAS-Gateway via the OEM family",
}

var dbappWAFKeys = commonKeys.with(`
time 1: happentime
severity 1: severity_id
ruleid 1: 触发规则 msg_id
status 1: http/s响应码
`)

var dbappWAF = &family{
	id: "dbapp-waf", owner: "dbappsecurity", keys: dbappWAFKeys, scale: oneToThree, product: "WAF", otype: "waf",
	match: func(r *parse.Record) bool { return strings.Contains(r.Original, "DBAppWAF:") },
	read: func(c *ctx) {
		b := c.r.Original
		p := strings.TrimSpace(b[strings.Index(b, "DBAppWAF:")+len("DBAppWAF:"):])
		fs := splitList(p, []string{","}, []string{"/"}, nil)
		for i := range fs {
			if fs[i].key == "HTTP" && strings.HasPrefix(fs[i].val, "S响应码/") {
				fs[i] = field{"HTTP/S响应码", strings.TrimPrefix(fs[i].val, "S响应码/")}
			}
		}
		c.alert = true
		c.category("web")
		c.collect(fs)
	},
}

// APT: "dbapp APT~20~1~time~src:port~dst:port~type~detail~~level~id~~…~result".
var dbappAPT = &family{
	id: "dbapp-apt", owner: "dbappsecurity", product: "APT", otype: "apt",
	match: func(r *parse.Record) bool { return strings.Contains(r.Original, "dbapp APT~") },
	read: func(c *ctx) {
		o := c.r.Original
		parts := strings.Split(o[strings.Index(o, "dbapp APT~")+len("dbapp "):], "~")
		get := func(i int) string {
			if i < len(parts) {
				return strings.TrimSpace(parts[i])
			}
			return ""
		}
		c.keep("type", get(1))
		c.offer(rTime, 1, get(3))
		c.offer(rSrcIP, 1, get(4))
		c.offer(rDstIP, 1, get(5))
		c.offer(rAttackType, 1, get(6))
		c.offer(rRuleName, 1, get(7))
		c.offer(rSeverity, 1, get(9))
		c.offer(rEventID, 1, get(10))
		c.offer(rReason, 1, get(12))
		if r := get(len(parts) - 1); r != "" {
			c.keep("attack_result", r)
		}
		c.alert = true
	},
}

// TGFW: "dataAll filesec test.idmclogger 2022-12-19T03:42:09.497Z "gid":"906","sip":…".
var dbappTGFWKeys = commonKeys.with(`
virus 1: vir_malware_name
reason 1: message msg
`)

var dbappTGFW = &family{
	id: "dbapp-tgfw", owner: "dbappsecurity", keys: dbappTGFWKeys, product: "TGFW", otype: "firewall",
	match: func(r *parse.Record) bool {
		p := payload(r)
		return strings.HasPrefix(p, "dataAll ") && strings.Contains(p, `":"`)
	},
	read: func(c *ctx) {
		p := payload(c.r)
		head, rest, _ := strings.Cut(p, `"`)
		words := strings.Fields(head)
		if len(words) >= 2 {
			c.keep("log_type", words[1])
			if strings.HasSuffix(words[1], "sec") {
				c.alert = true
				if strings.HasPrefix(words[1], "virus") {
					c.malware = true
				}
			}
		}
		if len(words) >= 4 {
			c.offer(rTime, 1, words[3])
		}
		fs, _ := jsonFields(`{"`+rest+"}", nil)
		c.collect(fs)
	},
}
