package cnvendors

import (
	"strconv"
	"strings"

	"bianque/parse"
)

// NSFOCUS (绿盟科技). NIDS/NIPS 5.6 R11 write "device_type=ips;
// manufacturers=nsfocus;security_name=ips_log;…"; the older NIDS, the NF
// firewall and SAS write "time:…;danger_degree:3;event:[id]name;…"; UTS
// flow records are positional CSV; the WAF writes "tag:waf_log_… k:v  k:v";
// DAS a "[CEF]:|键:值|…" list; OSMS, ESS and ADS formats of their own.
var nsfocus = &brand{
	id: "nsfocus", name: "NSFOCUS (绿盟科技)", vendor: "NSFOCUS", ns: "nsfocus",
	aliases: []string{"绿盟", "绿盟科技", "nsfocus-nips", "nsfocus-nids", "nsfocus-waf"},
	product: "NIPS", otype: "ips",
	families: []*family{nsfocusIPS, nsfocusLegacy, nsfocusUTS, nsfocusWAF, nsfocusDAS, nsfocusOSMS, nsfocusESS, nsfocusADS},
	verified: "logs-cn corpus: NIDS/NIPS 5.6R10/R11, NF 6.0, SAS, UTS, WAF, DAS, OSMS, ESS, ADS",
}

var nsfocusIPSKeys = commonKeys.with(`
rule 1: event
severity 1: threat_level
attacktype 1: threat_type websecure_type
user 1: user_name
inif 1: card src_card
outif 1: dst_card
snatip 1: nat_src_ip
snatport 1: nat_src_port
dnatip 1: nat_dst_ip
dnatport 1: nat_dst_port
app 1: app_name
dnsquery 1: callback_address
appproto 2: service
ignore 0: manufacturers vid digest rawinfo
reason 1: msg comment
`)

var nsfocusIPS = &family{
	id: "nsfocus-ips", owner: "nsfocus", keys: nsfocusIPSKeys, scale: oneToThree, product: "NIPS", otype: "ips",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "manufacturers=nsfocus") || strings.Contains(b, `manufacturers="nsfocus"`)
	},
	read: func(c *ctx) {
		p := payload(c.r)
		fs := splitList(p, []string{";"}, []string{"="}, nil)
		switch strings.ToLower(fs.str("device_type")) {
		case "ids":
			c.product, c.otype = "NIDS", "ids"
		}
		sec := fs.str("security_name")
		if sec == "" {
			sec = fs.str("log_type")
		}
		c.keep("security_name", sec)
		switch {
		case strings.HasSuffix(sec, "_log") && sec != "app_log" && sec != "fw_log" && sec != "flow_log":
			c.alert = true
		}
		if strings.Contains(sec, "malicious") || strings.Contains(sec, "virus") {
			c.malware = true
		}
		for _, f := range fs {
			switch f.key {
			case "security_name", "log_type", "device_type":
				continue
			case "action", "acted":
				if f.key == "acted" && fs.str("action") != "" {
					c.keep(f.key, f.val)
					continue
				}
				c.offer(rAction, 1, f.val)
				if vd, ok := nsfocusActions(f.val); ok {
					c.e.Set("nsfocus.action_name", vd)
				}
				continue
			case "module":
				if m, ok := codes("atk_ids_nsfocus_nids5.6.r11f_syslog").lookup(f.val); ok && c.alert {
					c.keep("module", f.val)
					c.offer(rAttackType, 2, m)
					continue
				}
			case "oper_result":
				c.offer(rResult, 1, f.val)
				continue
			}
			c.collectOne(f.key, f.val)
		}
		c.actionCodes = nsfocusActionTable
	},
}

// nsfocusActions decodes the NIPS action bit field (act_ids table): 17 =
// 1 (log) + 16 (TCP reset). It returns the names of the set bits.
func nsfocusActions(v string) (string, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return "", false
	}
	t := codes("act_ids_nsfocus_nids5.6.r11f_syslog")
	var names []string
	for bit := 1; bit <= 512; bit <<= 1 {
		if n&bit != 0 {
			if m, ok := t.lookup(strconv.Itoa(bit)); ok {
				names = append(names, m)
			}
		}
	}
	return strings.Join(names, ","), len(names) > 0
}

// nsfocusActionTable translates the bit field to the strongest verdict.
var nsfocusActionTable = &codeTable{exact: map[string]string{}, fold: map[string]string{}}

func init() {
	// The verdict of a bit field is its strongest action: blocking bits
	// (2 session block, 4 drop, 8 isolate, 16 TCP reset, 512 rate limit)
	// win over logging ones.
	for n := 1; n < 1024; n++ {
		var v string
		switch {
		case n&16 != 0:
			v = "reset"
		case n&2 != 0:
			v = "block"
		case n&4 != 0:
			v = "drop"
		case n&8 != 0:
			v = "quarantine"
		case n&512 != 0:
			v = "rate-limit"
		default:
			v = "log"
		}
		nsfocusActionTable.exact[strconv.Itoa(n)] = v
	}
}

// Legacy NIDS / NF / SAS: "time:…;danger_degree:3;breaking_sighn:0;event:[10044]name;…".
var nsfocusLegacyKeys = commonKeys.with(`
severity 1: danger_degree level
rule 1: event scmname
srcip 2: loginip
reason 1: info msg
ignore 0: breaking_sighn
user 1: user smt_user
`)

var nsfocusLegacy = &family{
	id: "nsfocus-legacy", owner: "nsfocus", keys: nsfocusLegacyKeys, scale: oneToThree, product: "NIPS", otype: "ips",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "danger_degree") || strings.Contains(b, "breaking_sighn") ||
			(strings.Contains(b, "rule_id:") && strings.Contains(b, ";module:fw;")) ||
			(strings.Contains(b, ";scmid:") && strings.Contains(b, ";card:")) ||
			(strings.Contains(b, ";loginip:") && strings.Contains(b, "user:"))
	},
	read: func(c *ctx) {
		p := payload(c.r)
		fs := splitList(p, []string{";"}, []string{":", "="}, nil)
		switch {
		case fs.str("danger_degree") != "":
			c.product, c.otype = "NIPS", "ips"
			c.alert = true
		case fs.str("module") == "fw":
			c.product, c.otype = "NF", "firewall"
		case fs.str("scmid") != "":
			c.product, c.otype = "SAS", "audit"
		case fs.str("loginip") != "":
			c.product = "NF"
			c.category("authentication")
		}
		for _, f := range fs {
			switch {
			case f.key == "event" && strings.HasPrefix(f.val, "["):
				// "[10044]Microsoft FrontPage shtml.exe"
				if id, name, ok := strings.Cut(f.val[1:], "]"); ok {
					c.offer(rRuleID, 1, id)
					c.offer(rRuleName, 1, name)
					continue
				}
			case f.key == "" && strings.TrimSpace(f.val) != "":
				c.offer(rReason, 2, f.val)
				if o := resultOutcome(f.val); o != "" {
					c.e.Set("event.outcome", o)
				}
				continue
			case f.key == "dropped" && f.val == "1":
				c.offer(rAction, 2, "drop")
			}
			c.collectOne(f.key, f.val)
		}
	},
}

// UTS flow records: "nsfocus,V1,flow,TYPE,devip,devid,UTS,flowid,epoch,sip,sip6,smac,sport,proto,app,appname,dip,dip6,dmac,dport,time,…".
var nsfocusUTS = &family{
	id: "nsfocus-uts", owner: "nsfocus", product: "UTS", otype: "sensor",
	match: func(r *parse.Record) bool {
		return strings.HasPrefix(payload(r), "nsfocus,V1,")
	},
	read: func(c *ctx) {
		f := splitQuoted(payload(c.r), ",")
		get := func(i int) string {
			if i < len(f) {
				return strings.TrimSpace(f[i])
			}
			return ""
		}
		typ := get(3)
		c.keep("type", typ)
		c.offer(rDevIP, 1, get(4))
		c.offer(rSerial, 1, get(5))
		c.keep("flow_id", get(7))
		c.offer(rTime, 2, get(8))
		c.offer(rSrcIP, 1, get(9))
		c.offer(rSrcIP, 2, get(10))
		c.offer(rSrcMAC, 1, get(11))
		c.offer(rSrcPort, 1, get(12))
		c.offer(rProto, 1, get(13))
		c.offer(rAppProto, 1, get(14))
		c.offer(rApp, 1, get(15))
		c.offer(rDstIP, 1, get(16))
		c.offer(rDstIP, 2, get(17))
		c.offer(rDstMAC, 1, get(18))
		c.offer(rDstPort, 1, get(19))
		c.offer(rTime, 1, get(20))
		switch typ {
		case "HTTP":
			c.offer(rMethod, 1, get(24))
			c.offer(rURL, 1, strings.TrimPrefix(get(25), "/"))
			c.offer(rUA, 1, get(29))
			c.offer(rStatus, 1, get(33))
			c.category("web")
		case "DNS":
			c.offer(rDNSQuery, 1, get(24))
			c.keep("dns_type", get(25))
		case "SSL":
			c.keep("tls_version", get(24))
			c.offer(rHTTPHost, 1, get(25))
		case "DBOP":
			c.keep("db_type", get(24))
			c.offer(rUser, 1, get(25))
			c.keep("db_name", get(26))
			c.keep("sql", get(28))
			c.category("database")
		}
		c.category("network")
		c.typ("connection")
	},
}

// WAF: "waf: tag:waf_log_websec site_id:…  dst_ip:…  src_ip:…  …".
var nsfocusWAFKeys = commonKeys.with(`
time 1: stat_time
severity 1: alertlevel
attacktype 1: event_type
httphost 1: domain wa_host
appproto 1: protocol_type
reason 1: info
ignore 0: http alertinfo characters wci wsi
`)

var nsfocusWAF = &family{
	id: "nsfocus-waf", owner: "nsfocus", keys: nsfocusWAFKeys, product: "WAF", otype: "waf",
	match: func(r *parse.Record) bool { return strings.Contains(r.Body, "tag:waf_log_") },
	read: func(c *ctx) {
		b := c.r.Body
		p := b[strings.Index(b, "tag:waf_log_"):]
		fs := splitList(p, []string{"  "}, []string{":"}, nil)
		tag := fs.str("tag")
		c.keep("tag", tag)
		if tag == "waf_log_websec" {
			c.alert = true
		}
		for _, f := range fs {
			switch f.key {
			case "tag":
				continue
			case "event_type":
				if !c.alert {
					c.keep(f.key, f.val)
					continue
				}
			case "agent":
				if u, err := urlUnescape(f.val); err == nil {
					c.offer(rUA, 1, u)
					continue
				}
			}
			c.collectOne(f.key, f.val)
		}
		c.category("web")
	},
}

// DAS: "est001: [CEF]:|数据库名称:x|规则类型:风险操作|风险级别:高风险|…".
var nsfocusDASKeys = commonKeys.with(`
ruleid 1: 命中规则
user 1: 数据库用户名
`)

var nsfocusDAS = &family{
	id: "nsfocus-das", owner: "nsfocus", keys: nsfocusDASKeys, product: "DAS", otype: "audit",
	match: func(r *parse.Record) bool { return strings.Contains(r.Body, "[CEF]:|") },
	read: func(c *ctx) {
		b := c.r.Body
		p := b[strings.Index(b, "[CEF]:|")+len("[CEF]:|"):]
		c.collect(splitList(p, []string{"|"}, []string{":", "："}, nil))
		c.category("database")
	},
}

// OSMS bastion: "session_id:…;login_time:…;user:…;dev_usr:…;dev_ip:…;protocol:…".
var nsfocusOSMSKeys = commonKeys.with(`
dstip 1: dev_ip
targetuser 1: dev_usr
time 1: login_time cmd_time
end 1: logout_time
cmdline 1: cmd
severity 1: risk
appproto 1: protocol
`)

var nsfocusOSMS = &family{
	id: "nsfocus-osms", owner: "nsfocus", keys: nsfocusOSMSKeys, scale: oneToThree, product: "OSMS", otype: "bastion",
	match: func(r *parse.Record) bool {
		p := payload(r)
		return strings.HasPrefix(p, "session_id:") && strings.Contains(p, ";dev_usr:")
	},
	read: func(c *ctx) {
		fs := splitList(payload(c.r), []string{";"}, []string{":"}, nil)
		if b := fs.str("block"); b == "1" {
			c.offer(rAction, 1, "block")
		}
		c.collect(fs)
		c.category("session")
	},
}

// ESS endpoint: "[2023-02-03 17:08:58 INFO]  job_syslog.lua:211: {json}".
var nsfocusESSKeys = commonKeys.with(`
hostip 1: ip
hostname 1: scname
time 1: sendtime
`)

var nsfocusESS = &family{
	id: "nsfocus-ess", owner: "nsfocus", keys: nsfocusESSKeys, scale: zeroToFour, product: "ESS", otype: "edr",
	match: func(r *parse.Record) bool { return strings.Contains(r.Body, "job_syslog.lua") },
	read: func(c *ctx) {
		b := c.r.Body
		if strings.HasPrefix(b, "[") {
			if end := strings.IndexByte(b, ']'); end > 0 {
				stamp := b[1:end]
				if i := strings.LastIndexByte(stamp, ' '); i > 0 {
					c.offer(rTime, 0, stamp[:i])
				}
			}
		}
		fs, _ := jsonFields(b, nil)
		c.collect(fs)
		c.category("host")
	},
}

// ADS (Collapsar anti-DDoS): "Login: user|x|失败|ip|time", "LinkState: time …",
// "Collapsar load: …".
var nsfocusADS = &family{
	id: "nsfocus-ads", owner: "nsfocus", product: "ADS", otype: "ddos",
	match: func(r *parse.Record) bool {
		p := payload(r)
		return strings.HasPrefix(p, "Collapsar") || strings.HasPrefix(p, "LinkState: ") ||
			(strings.HasPrefix(p, "Login: ") && strings.Count(p, "|") == 4)
	},
	read: func(c *ctx) {
		p := payload(c.r)
		switch {
		case strings.HasPrefix(p, "Login: "):
			parts := strings.Split(strings.TrimPrefix(p, "Login: "), "|")
			c.offer(rUser, 1, parts[0])
			c.offer(rResult, 1, parts[2])
			c.offer(rSrcIP, 1, parts[3])
			c.offer(rTime, 1, parts[4])
			c.offer(rAction, 1, "login")
			c.category("authentication")
		case strings.HasPrefix(p, "LinkState: "):
			rest := strings.TrimPrefix(p, "LinkState: ")
			if len(rest) > 19 {
				c.offer(rTime, 1, rest[:19])
				c.offer(rReason, 1, strings.TrimSpace(rest[19:]))
			}
		default:
			c.offer(rReason, 1, p)
		}
	},
}

// urlUnescape decodes %XX escapes without treating '+' as a space.
func urlUnescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}
