package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// WebRAY (盛邦安全). RayEye (TopAPT) sensors send JSON with event_source
// NDE (alerts) or ratel_* (metadata); RayWAF JSON with r_-prefixed keys
// (values sometimes unquoted) or text "DDOS:/WAF: k=v" records; RayTRAP
// honeypot and RaySAS audit JSON. Its firewall uses the FortiOS-like
// format (oem.go).
var webray = &brand{
	id: "webray", name: "WebRAY (盛邦安全)", vendor: "WebRAY", ns: "webray",
	aliases: []string{"盛邦", "盛邦安全", "rayeye", "raywaf", "raytrap", "raysas"},
	product: "RayEye", otype: "apt",
	families: []*family{webrayRayEye, webrayWAF, webrayTrap, webraySAS},
	verified: "logs-cn corpus: RayEye 1.8.21, RayWAF (JSON and text), RayTRAP, RaySAS; firewall via the FortiOS-like family",
}

var webrayRayEyeKeys = commonKeys.with(`
attacktype 1: sub_category category
attacktype 2: classtype
ruleid 1: rid
time 1: timestamp
time 2: ts
devip 1: sensor_ip hostip
devname 1: sensor_name
reason 1: message target desc
srcip 3: attacker
dstip 3: victim
`)

var webrayRayEye = &family{
	id: "webray-rayeye", owner: "webray", keys: webrayRayEyeKeys, scale: oneToFive, product: "RayEye", otype: "apt",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, `"event_source"`) && (strings.Contains(o, `"kill_chain"`) || strings.Contains(o, `"ratel_`))
	},
	read: func(c *ctx) {
		o := c.r.Original
		fs, _ := jsonFields(o, nil)
		if strings.HasPrefix(fs.str("event_source"), "ratel_") {
			c.category("network")
			fs = without(fs, "category")
		} else {
			c.alert = true
		}
		c.collect(fs)
	},
}

// RayWAF: {"syslog":{"r_time_s":…,"r_sip_s":…,…}}, "AuditLog - LEVEL - {…}",
// "WAF :time DDOS: k=v …", "WAF :time WAF: a:p->b k=v …".
var webrayWAFKeys = commonKeys.with(`
time 1: r_time_s r_time
time 2: r_time_i
srcip 1: r_sip_s r_sip
dstip 1: r_dip_s
srcport 1: r_sport
dstport 1: r_dport
severity 1: r_severity_name r_loglevel_name grade severity
action 1: r_actiondetails
attacktype 1: r_type_name
rule 1: attack
ruleid 1: r_ruleid rule_id
proto 1: r_protocol_name ipproto
user 1: r_operator
policy 2: r_policyid
devname 1: devicename r_device
ignore 0: r_sip_i r_dip_i r_xip_i extra0 extra1
`)

var webrayWAFText = regexp.MustCompile(`WAF :(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (\w+): `)

var webrayWAF = &family{
	id: "webray-waf", owner: "webray", keys: webrayWAFKeys, scale: oneToFive, product: "RayWAF", otype: "waf",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, `{"syslog":{"r_`) || strings.Contains(o, "AuditLog - ") && strings.Contains(o, `"r_time"`) ||
			webrayWAFText.MatchString(o)
	},
	read: func(c *ctx) {
		o := c.r.Original
		c.levelCodes = codes("sev_waf_webray_raywaf_json")
		if m := webrayWAFText.FindStringSubmatchIndex(o); m != nil {
			c.offer(rTime, 1, o[m[2]:m[3]])
			kind := o[m[4]:m[5]]
			c.keep("log_type", kind)
			c.alert = true
			rest := o[m[1]:]
			if a := stoneosArrow.FindStringSubmatch(rest); a != nil && strings.Index(rest, a[0]) < 4 {
				c.offer(rSrcIP, 1, a[1])
				c.offer(rSrcPort, 1, a[2])
				c.offer(rDstIP, 1, a[3])
				c.offer(rDstPort, 1, a[4])
			}
			fs := spaceKV(strings.TrimSuffix(strings.TrimSpace(rest), "|"), '=', nil)
			for _, f := range fs {
				switch f.key {
				case "type":
					c.offer(rAttackType, 1, f.val)
					continue
				case "action":
					if m, ok := codes("pat_waf_webray_raywaf_json").lookup(f.val); ok {
						c.keep("action_name", m)
					}
				}
				c.collectOne(f.key, f.val)
			}
			c.actionCodes = codes("pat_waf_webray_raywaf_json")
			return
		}
		fs, _ := jsonFields(o, nil)
		if strings.Contains(o, "AuditLog - ") {
			c.category("configuration")
			for _, f := range fs {
				if f.key == "r_action" {
					c.offer(rReason, 1, f.val)
					continue
				}
				c.collectOne(f.key, f.val)
			}
			return
		}
		c.alert = true
		for _, f := range fs {
			k := strings.TrimPrefix(f.key, "syslog.")
			switch k {
			case "r_action":
				c.offer(rAction, 2, f.val)
				continue
			case "r_type_name":
				if m, ok := codes("nkc_waf_webray_raywaf_json").lookup(f.val); ok {
					c.keep("kill_chain", m)
				}
			}
			c.collectOne(k, f.val)
		}
		c.actionCodes = codes("pat_waf_webray_raywaf_json")
		c.category("web")
	},
}

// RayTRAP honeypot: "RayTRAP/ip {json}".
var webrayTrapKeys = commonKeys.with(`
rule 1: label
reason 1: desc
time 1: etime time
`)

var webrayTrap = &family{
	id: "webray-raytrap", owner: "webray", keys: webrayTrapKeys, scale: oneToFive, product: "RayTRAP", otype: "honeypot",
	match: func(r *parse.Record) bool { return strings.Contains(r.Original, "RayTRAP/") },
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Original, nil)
		c.alert = true
		for _, f := range fs {
			if f.key == "logData" {
				// nested JSON as text: read its action
				inner, _ := jsonFields(f.val, nil)
				if a := inner.str("action"); a != "" {
					c.offer(rAction, 2, a)
				}
				continue
			}
			c.collectOne(f.key, f.val)
		}
		// "172.19.4.2:12617 连接 192.168.254.81:3389"
		if d := fs.str("desc"); d != "" {
			if a := webrayConnect.FindStringSubmatch(d); a != nil {
				c.offer(rSrcIP, 2, a[1])
				c.offer(rSrcPort, 2, a[2])
			}
		}
	},
}

var webrayConnect = regexp.MustCompile(`(\d{1,3}(?:\.\d{1,3}){3}):(\d+) 连接`)

// RaySAS audit: {"typeid":3,"content":{…}} and the 4A operation JSON.
var webraySASKeys = commonKeys.with(`
keep 0: level
dstport 1: dp
srcport 1: sp
time 1: sessiontime operdate logtime
time 2: ubegintime
user 1: username loginname
action 1: opername
result 1: operresult
srcip 2: ip
`)

var webraySAS = &family{
	id: "webray-raysas", owner: "webray", keys: webraySASKeys, product: "RaySAS", otype: "audit",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `{"typeid":`) && strings.Contains(b, `"content":{`) ||
			strings.Contains(b, `{"msgtype":`) && strings.Contains(b, `"content":`) ||
			strings.Contains(b, `"functionname"`) && strings.Contains(b, `"operdate"`)
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.collect(fs)
		if fs.str("functionname") != "" {
			c.category("configuration")
		} else {
			c.category("database")
		}
	},
}
