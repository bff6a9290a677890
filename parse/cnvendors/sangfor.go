package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// Sangfor (深信服). The AF/NGAF family (and the WAF built on it) writes
// "fwlog: 日志类型:X, 源IP:…, 目的IP:…, 系统动作:…" with Chinese keys; the
// AC writes "[key:value]" lists, the EDR "type : [{json}]", aTrust JSON,
// DAS quoted "key:value" lists, YJ (云镜) " - "-separated records and the
// OSM bastion Chinese sentences.
var sangfor = &brand{
	id: "sangfor", name: "Sangfor (深信服)", vendor: "Sangfor", ns: "sangfor",
	aliases: []string{"深信服", "sangfor-af", "sangfor-ngaf", "ngaf", "sangfor-ac", "sangfor-edr"},
	product: "NGAF", otype: "firewall",
	families: []*family{sangforAF, sangforAC, sangforEDR, sangforATrust, sangforDAS, sangforYJ, sangforAD, bastionFort},
	verified: "logs-cn corpus: NGAF/AF 7.1 (fwlog, nat), WAF, AC, EDR 3.2, aTrust, DAS, AD, YJ, OSM bastion",
}

var sangforAFKeys = commonKeys.with(`
srcip 2: ip地址
action 2: 操作
policy 1: 策略名称
app 1: 应用名称
attacktype 1: 攻击类型 漏洞类型
`)

var sangforAF = &family{
	id: "sangfor-af", owner: "sangfor", keys: sangforAFKeys, product: "NGAF", otype: "firewall",
	match: func(r *parse.Record) bool {
		b := r.Body
		if !strings.Contains(b, "日志类型:") && !strings.Contains(b, "日志类型：") {
			return false
		}
		if m := r.Syslog; m != nil && (m.Appname == "fwlog" || m.Appname == "nat" || strings.HasPrefix(m.Hostname, "sfos")) {
			return true
		}
		p := payload(r)
		return strings.HasPrefix(p, "日志类型") || strings.Contains(p[:min(len(p), 40)], "fwlog")
	},
	read: func(c *ctx) {
		p := payload(c.r)
		if i := strings.Index(p, "所属系统"); i >= 0 && i < 40 {
			p = p[i:]
		} else if i := strings.Index(p, "日志类型"); i >= 0 {
			p = p[i:]
		}
		fs := splitList(fullWidth.Replace(p), []string{", "}, []string{":"}, nil)
		lt := fs.str("日志类型")
		for _, k := range []string{"攻击", "病毒", "僵尸", "WAF", "漏洞", "DOS", "入侵", "威胁", "恶意"} {
			if strings.Contains(lt, k) {
				c.alert = true
				break
			}
		}
		if strings.Contains(lt, "病毒") {
			c.malware = true
		}
		if strings.Contains(lt, "NAT") {
			c.category("network")
		}
		if strings.Contains(lt, "VPN") {
			c.category("authentication")
		}
		c.collect(fs)
	},
}

// AC (上网行为管理): "[log_type:url] [record_time:…] [user:…] …".
var sangforACKeys = commonKeys.with(`
user 1: usr_name user
srcip 1: host_ip hst_ip
action 1: net_action
time 1: record_time
app 1: app
`)

var sangforAC = &family{
	id: "sangfor-ac", owner: "sangfor", keys: sangforACKeys, product: "AC", otype: "proxy",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "[log_type:") && strings.Contains(b, "[record_time:")
	},
	read: func(c *ctx) {
		c.collect(bracketKV(c.r.Body, nil))
		c.category("network")
	},
}

// EDR: "EDR.[pid]: anti_bfa : [{…}]".
var sangforEDRKeys = commonKeys.with(`
srcip 1: att_src
attacktype 1: event_type
rule 1: threat_name
virus 1: threat_file
hostip 1: iplist
time 1: found_time
time 2: time
severity 1: risk_level
rule 2: patch_name
`)

// The flux records obfuscate their keys as letters.
var sangforFluxKeys = sangforEDRKeys.with(`
hostname 1: a
srcip 1: c
procpath 1: d
dstip 1: f
dstport 1: g
proto 1: h
appproto 2: i
policy 1: j
action 1: k
time 1: l
`)

var sangforEDR = &family{
	id: "sangfor-edr", owner: "sangfor", keys: sangforEDRKeys, product: "EDR", otype: "edr",
	match: func(r *parse.Record) bool {
		b := r.Body
		if !strings.Contains(b, " : [{") && !strings.Contains(b, " : {") {
			return false
		}
		return (r.Syslog != nil && strings.HasPrefix(r.Syslog.Appname, "EDR")) || strings.Contains(r.Original[:min(len(r.Original), 120)], "EDR.[")
	},
	read: func(c *ctx) {
		b := c.r.Body
		typ := ""
		if i := strings.Index(b, " : "); i >= 0 {
			typ = strings.TrimSpace(b[:i])
			if j := strings.LastIndexAny(typ, " :"); j >= 0 {
				typ = typ[j+1:]
			}
		}
		c.keep("type", typ)
		fs, _ := jsonFields(b, nil)
		if typ == "flux" {
			c.keys = sangforFluxKeys
			c.category("network")
		}
		switch strings.ToLower(typ) {
		case "anti_bfa", "webshell", "botnet", "nofile_attack", "virus", "ransomware", "miner", "lateral", "brute":
			c.alert = true
			if typ != "anti_bfa" {
				c.malware = true
			}
		case "leak":
			c.category("vulnerability")
		}
		c.collect(fs)
		c.category("host")
	},
}

// aTrust (零信任) access logs: "sdp-tunnel@userLog[pid]: {json}".
var sangforATrustKeys = commonKeys.with(`
srcip 1: srcip
srcport 1: srcport
dstip 2: host
dstport 2: port
severity 1: level
user 1: username
`)

var sangforATrust = &family{
	id: "sangfor-atrust", owner: "sangfor", keys: sangforATrustKeys, product: "aTrust", otype: "vpn",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Original, "sdp-tunnel@") || strings.Contains(r.Body, `"flowLimit"`)
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.collect(fs)
		c.category("network")
	},
}

// DAS database audit: `"record_id:2","dev:…","date:20191106",…`.
var sangforDASKeys = commonKeys.with(`
date 1: date
clock 1: record_time
user 1: db_usr
appproto 1: db_type
`)

var sangforDAS = &family{
	id: "sangfor-das", owner: "sangfor", keys: sangforDASKeys, product: "DAS", otype: "audit",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `"record_id:`) && strings.Contains(b, `"log_type:`)
	},
	read: func(c *ctx) {
		b := c.r.Body
		i := strings.Index(b, `"record_id:`)
		var fs fields
		for _, item := range splitQuoted(b[i:], ",") {
			item = strings.Trim(strings.TrimSpace(item), `"`)
			if k, v, ok := strings.Cut(item, ":"); ok && keyLike(k) {
				fs = append(fs, field{k, v})
			}
		}
		c.collect(fs)
		c.category("database")
	},
}

// YJ (云镜) scanner: "time - devip - LEVEL - user：u - ip: x - behavior: b - object: o - msg - {json} - /path".
var sangforYJ = &family{
	id: "sangfor-yj", owner: "sangfor", product: "YJ", otype: "scanner",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, " - behavior: ") && (strings.Contains(b, " - user：") || strings.Contains(b, " - user:"))
	},
	read: func(c *ctx) {
		p := payload(c.r)
		parts := strings.Split(p, " - ")
		for i, part := range parts {
			part = strings.TrimSpace(part)
			switch {
			case i == 0:
				c.offer(rTime, 1, part)
			case i == 1:
				c.offer(rDevIP, 1, part)
			case i == 2:
				c.offer(rSeverity, 1, part)
			case strings.HasPrefix(part, "user：") || strings.HasPrefix(part, "user:"):
				c.offer(rUser, 1, strings.TrimLeft(part[len("user"):], "：: "))
			case strings.HasPrefix(part, "ip:"):
				c.offer(rSrcIP, 1, strings.TrimSpace(part[3:]))
			case strings.HasPrefix(part, "behavior:"):
				c.offer(rAction, 1, strings.TrimSpace(part[len("behavior:"):]))
			case strings.HasPrefix(part, "object:"):
				c.keep("object", strings.TrimSpace(part[len("object:"):]))
			case strings.HasPrefix(part, "{"):
			case strings.HasPrefix(part, "/"):
				c.offer(rURL, 1, part)
			default:
				c.offer(rReason, 1, part)
			}
		}
		c.category("configuration")
	},
}

// AD (application delivery): "TYPE: message" and management records
// "user , ip , action , object , detail".
var sangforAD = &family{
	id: "sangfor-ad", owner: "sangfor", product: "AD", otype: "load-balancer",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Original, "@sangfor-ad")
	},
	read: func(c *ctx) {
		p := c.r.Body
		p = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), ":"))
		parts := strings.Split(p, ",")
		if len(parts) == 5 {
			c.offer(rUser, 1, parts[0])
			c.offer(rSrcIP, 1, parts[1])
			c.offer(rAction, 1, parts[2])
			c.keep("object", strings.TrimSpace(parts[3]))
			c.offer(rReason, 1, parts[4])
			c.category("configuration")
			return
		}
		if typ, msg, ok := strings.Cut(p, ": "); ok && !strings.ContainsAny(typ, " ") {
			c.keep("type", typ)
			c.offer(rReason, 1, msg)
		}
	},
}

// The OEM bastion host sold as Sangfor OSM, DPtech OSP and Shenfan SAG
// writes Chinese sentences: "[张三](通过账号[zhangsan]登录)在[t1]到[t2]通过
// [src]访问[dst]，用[root]账号通过[ssh]协议访问[资源]…日志级别：[INFO]".
var (
	fortAccount  = regexp.MustCompile(`通过账号\[?([^\]\s)（(]+)\]?`)
	fortTime     = regexp.MustCompile(`在\[?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\]?`)
	fortFromTo   = regexp.MustCompile(`通过\[?(\d{1,3}(?:\.\d{1,3}){3})\]?(?:访问\[?(\d{1,3}(?:\.\d{1,3}){3})\]?)?`)
	fortTarget   = regexp.MustCompile(`用\[([^\]]+)\]账号`)
	fortProto    = regexp.MustCompile(`通过\[([A-Za-z0-9]+)\]协议`)
	fortLevel    = regexp.MustCompile(`日志级别[:：]\[?([A-Za-z]+)\]?`)
	fortTrigger  = regexp.MustCompile(`触发\[([^\]]+)\]告警`)
	fortCommand  = regexp.MustCompile(`越权命令[:：]([^。]+)`)
	fortName     = regexp.MustCompile(`^(?:<AUDIT_LOG>)?\[?([^\](（(]+)\]?[(（]`)
	fortOperated = regexp.MustCompile(`做(添加|删除|变更|修改|登录|退出)`)
)

var bastionFort = &family{
	id: "bastion-fort", owner: "sangfor", product: "OSM", otype: "bastion",
	match: func(r *parse.Record) bool {
		o := r.Original
		return (strings.Contains(o, "fort i:") || strings.Contains(o, "fort baoleiji:") || strings.Contains(o, "通过账号")) &&
			(strings.Contains(o, "日志级别") || strings.Contains(o, "通过账号"))
	},
	read: func(c *ctx) {
		o := c.r.Original
		p := o
		for _, m := range []string{"fort i:", "fort baoleiji:"} {
			if i := strings.Index(o, m); i >= 0 {
				p = strings.TrimSpace(o[i+len(m):])
				break
			}
		}
		if m := fortName.FindStringSubmatch(p); m != nil {
			c.e.Set("user.full_name", strings.TrimSpace(m[1]))
		}
		if m := fortAccount.FindStringSubmatch(p); m != nil {
			c.offer(rUser, 1, m[1])
		}
		if m := fortTime.FindStringSubmatch(p); m != nil {
			c.offer(rTime, 1, m[1])
		}
		if m := fortFromTo.FindStringSubmatch(p); m != nil {
			c.offer(rSrcIP, 1, m[1])
			c.offer(rDstIP, 1, m[2])
		}
		if m := fortTarget.FindStringSubmatch(p); m != nil {
			c.offer(rTargetUser, 1, m[1])
		}
		if m := fortProto.FindStringSubmatch(p); m != nil {
			c.offer(rAppProto, 1, m[1])
		}
		if m := fortLevel.FindStringSubmatch(p); m != nil {
			c.offer(rSeverity, 1, m[1])
		}
		if m := fortTrigger.FindStringSubmatch(p); m != nil {
			c.offer(rRuleName, 1, m[1])
			c.alert = true
		}
		if m := fortCommand.FindStringSubmatch(p); m != nil {
			c.offer(rCmdline, 1, m[1])
		}
		if m := fortOperated.FindStringSubmatch(p); m != nil {
			c.offer(rAction, 1, m[1])
		} else if strings.Contains(p, "访问[") || strings.Contains(p, "访问") {
			c.offer(rAction, 2, "login")
		}
		c.offer(rReason, 1, p)
		c.category("session")
		if strings.Contains(o, "baoleiji") {
			// Shenfan's SAG names itself "baoleiji" (堡垒机).
			c.product, c.vendorGuess = "SAG", "Shenfan"
		}
	},
}
