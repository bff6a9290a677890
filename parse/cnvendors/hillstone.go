package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// Hillstone (山石网科). StoneOS (SG-6000, and the OEM editions other
// vendors sell) writes "SERIAL(vsys) HEXID Category@MODULE: message", with
// threat records as "From a(…):p(if) to b(…):q(if), threat name: …, …" in
// English or Chinese. The OSG bastion host writes "UMA: k=v …".
var hillstone = &brand{
	id: "hillstone", name: "Hillstone (山石网科)", vendor: "Hillstone", ns: "hillstone",
	aliases: []string{"山石", "山石网科", "stoneos", "hillstone-sg6000", "sg-6000"},
	product: "SG-6000", otype: "firewall",
	families: []*family{hillstoneStoneOS, hillstoneOSG},
	verified: "logs-cn corpus: SG-6000 (StoneOS Event/Threat/Security/Traffic/Configuration records, English and Chinese), OSG bastion",
}

var (
	stoneosHeader = regexp.MustCompile(`\S+\([^)\s]*\) ([0-9a-fA-F]{8}) (?:HillstoneNetworks#)?(\w+)@([\w-]+):\s*`)
	stoneosFromTo = regexp.MustCompile(`(?:From|从)\s*([0-9a-fA-F.:]+?)(?:\([^)]*\))?:(\d+)(?:\([^)]*\))?\s*(?:to|到)\s*([0-9a-fA-F.:]+?)(?:\([^)]*\))?:(\d+)`)
	stoneosArrow  = regexp.MustCompile(`(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?(?:\([^)]*\))?->(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?`)
	stoneosUser   = regexp.MustCompile(`(?i)user "([^"]+)"`)
	stoneosIP     = regexp.MustCompile(`IP is (\d{1,3}(?:\.\d{1,3}){3})`)
	stoneosLevel  = regexp.MustCompile(`^(CRITICAL|Critical|Warning|WARNING|Alert|ALERT|Error|ERROR|Notice|Info|警告|严重|信息|通知)[!:：]\s*`)
)

var hillstoneKeys = commonKeys.with(`
rule 1: threat_name 威胁名称 vulnerability
attacktype 1: threat_subtype 威胁子类型
attacktype 2: threat_type 威胁类型
severity 1: threat_severity 威胁级别 severity 严重级别
app 1: app/protocol 应用/协议
action 1: action 动作
policy 2: policy_id
srcip 1: 客户ip
srcport 1: 客户端口
method 1: http方法
dstbytes 1: 接收字节数
srcbytes 1: 发送字节数
`)

var hillstoneStoneOS = &family{
	id: "hillstone-stoneos", owner: "hillstone", keys: hillstoneKeys, product: "SG-6000", otype: "firewall",
	match: func(r *parse.Record) bool {
		o := r.Original
		i := strings.IndexByte(o, '@')
		// the header "(vsys) HEXID Category@MODULE:" sits near the start
		return i > 0 && i < 160 && strings.Contains(o[:i], ") ") && stoneosHeader.MatchString(o[:min(len(o), i+40)])
	},
	read: readStoneOS,
}

func readStoneOS(c *ctx) {
	o := c.r.Original
	m := stoneosHeader.FindStringSubmatchIndex(o)
	category := o[m[4]:m[5]]
	module := o[m[6]:m[7]]
	c.keep("category", category)
	c.keep("module", module)
	c.e.Set("event.code", o[m[2]:m[3]])
	msg := fullWidth.Replace(o[m[1]:])
	if lv := stoneosLevel.FindStringSubmatch(msg); lv != nil {
		c.offer(rSeverity, 2, lv[1])
		msg = msg[len(lv[0]):]
	}
	switch strings.ToLower(category) {
	case "threat":
		c.alert = true
		if ft := stoneosFromTo.FindStringSubmatch(msg); ft != nil {
			c.offer(rSrcIP, 1, ft[1])
			c.offer(rSrcPort, 1, ft[2])
			c.offer(rDstIP, 1, ft[3])
			c.offer(rDstPort, 1, ft[4])
			rest := msg[strings.Index(msg, ft[0])+len(ft[0]):]
			rest = strings.TrimLeft(rest, ", ")
			fs := splitList(rest, []string{", ", ","}, []string{": ", ":"}, nil)
			for _, f := range fs {
				k := strings.ReplaceAll(strings.TrimSpace(f.key), " ", "_")
				switch k {
				case "threat_subtype", "威胁子类型":
					if zh, ok := codes("threat_type_hillstone").lookup(f.val); ok {
						c.e.Set("hillstone.threat_subtype_zh", zh)
					}
				case "CC_server":
					c.keep(k, f.val)
					continue
				}
				c.collectOne(k, f.val)
			}
		}
	case "security":
		c.alert = true
		// "Huge ICMP pak attack:DROP! zone::if a->b. Occurred …"
		if name, rest, ok := strings.Cut(msg, ":"); ok {
			c.offer(rRuleName, 1, strings.TrimSpace(name))
			if act, _, ok := strings.Cut(rest, "!"); ok && !strings.ContainsAny(act, " ") {
				c.offer(rAction, 1, act)
			}
		}
		setArrow(c, msg)
	case "traffic":
		c.category("network")
		if strings.HasPrefix(module, "waf") {
			c.collect(splitList(msg, []string{" "}, []string{":"}, nil))
			c.category("web")
			break
		}
		setArrow(c, msg)
		for _, part := range strings.Split(msg, ", ") {
			switch {
			case strings.HasPrefix(part, "policy "):
				c.offer(rPolicy, 1, strings.TrimPrefix(part, "policy "))
			case strings.HasPrefix(part, "start time "):
				c.offer(rTime, 1, strings.TrimPrefix(part, "start time "))
			case strings.HasPrefix(part, "close time "):
				c.offer(rEnd, 1, strings.TrimPrefix(part, "close time "))
			case strings.HasPrefix(part, "send bytes "):
				c.offer(rSrcBytes, 1, strings.TrimPrefix(part, "send bytes "))
			case strings.HasPrefix(part, "receive bytes "):
				c.offer(rDstBytes, 1, strings.TrimPrefix(part, "receive bytes "))
			case strings.HasPrefix(part, "APP/Protocol "):
				app, _, _ := strings.Cut(strings.TrimPrefix(part, "APP/Protocol "), ":")
				c.offer(rProto, 1, app)
			}
		}
	default:
		if u := stoneosUser.FindStringSubmatch(msg); u != nil {
			c.offer(rUser, 1, u[1])
		}
		if ip := stoneosIP.FindStringSubmatch(msg); ip != nil {
			c.offer(rSrcIP, 1, ip[1])
		}
		if strings.Contains(msg, "logged") || strings.Contains(msg, "logs on") || strings.Contains(msg, "logs off") {
			c.category("authentication")
		}
		if strings.EqualFold(module, "MGMT") || strings.EqualFold(category, "Configuration") {
			c.category("configuration")
		}
	}
	c.offer(rReason, 3, msg)
}

func setArrow(c *ctx, msg string) {
	if a := stoneosArrow.FindStringSubmatch(msg); a != nil {
		c.offer(rSrcIP, 1, a[1])
		c.offer(rSrcPort, 1, a[2])
		c.offer(rDstIP, 1, a[3])
		c.offer(rDstPort, 1, a[4])
	}
}

// OSG bastion: "hillstone UMA: type=login date=… srcip=… sysuser=… result=success".
var hillstoneOSGKeys = commonKeys.with(`
action 1: type
user 1: sysuser
`)

var hillstoneOSG = &family{
	id: "hillstone-osg", owner: "hillstone", keys: hillstoneOSGKeys, product: "OSG", otype: "bastion",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Original, "UMA:") && strings.Contains(r.Original, "sysuser=")
	},
	read: func(c *ctx) {
		b := c.r.Original
		c.collect(spaceKV(b[strings.Index(b, "UMA:")+4:], '=', nil))
		c.category("authentication")
	},
}
