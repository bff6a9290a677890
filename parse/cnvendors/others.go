package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// The smaller vendors of the corpus, one or two formats each.

// Huafoun (华峰) NAM network access control: "NAM…: event=… eventid=…
// term=name(mac/ip) user=… ou=… vlan=… nas=… msg=…".
var huafoun = &brand{
	id: "huafoun", name: "Huafoun (华峰)", vendor: "Huafoun", ns: "huafoun",
	aliases: []string{"华峰", "huafoun-nam"}, product: "NAM", otype: "nac",
	families: []*family{huafounNAM},
	verified: "logs-cn corpus: NAM 10.5 terminal and admin records",
}

var huafounKeys = commonKeys.with(`
rule 1: event
user 1: user admin
srcip 1: optip
devname 1: nas
reason 1: msg
`)

var huafounTerm = regexp.MustCompile(`\(([0-9A-Fa-f:.-]{11,17})/([0-9a-fA-F.:]+)\)$`)

var huafounNAM = &family{
	id: "huafoun-nam", owner: "huafoun", keys: huafounKeys, product: "NAM", otype: "nac",
	match: func(r *parse.Record) bool {
		o := r.Original
		i := strings.Index(o, "NAM")
		return i >= 0 && (strings.Contains(o, " eventid=") && strings.Contains(o, " term=") || strings.Contains(o, " optip="))
	},
	read: func(c *ctx) {
		o := c.r.Original
		i := strings.Index(o, "NAM")
		rest := o[i:]
		if j := strings.Index(rest, ": "); j >= 0 {
			c.offer(rSerial, 1, rest[:j])
			rest = rest[j+2:]
		}
		fs := spaceKV(rest, '=', nil)
		for _, f := range fs {
			switch f.key {
			case "term":
				if m := huafounTerm.FindStringSubmatch(f.val); m != nil {
					c.offer(rHostMAC, 1, m[1])
					c.offer(rHostIP, 1, m[2])
					c.offer(rHostName, 1, strings.TrimSuffix(f.val, m[0]))
					continue
				}
			case "act":
				c.keep(f.key, f.val)
				continue
			case "result":
				if f.val == "1" {
					c.e.Set("event.outcome", "success")
				} else if f.val == "0" {
					c.e.Set("event.outcome", "failure")
				}
				continue
			}
			c.collectOne(f.key, f.val)
		}
		if strings.Contains(fs.str("event"), "认证") {
			c.category("authentication")
		}
		c.category("host")
	},
}

// Anmit (安盟) network gap (网闸): `<5>ID="TopIGap" FW="TopRules" TIME=… MODULE=… SRC=… DST=…`.
var anmit = &brand{
	id: "anmit", name: "Anmit (安盟)", vendor: "Anmit", ns: "anmit",
	aliases: []string{"安盟", "anmit-gap"}, product: "GAP", otype: "gateway",
	families: []*family{anmitGap},
	verified: "logs-cn corpus: TopIGap / SU-GAP3000 records",
}

var anmitKeys = commonKeys.with(`
severity 1: pri
devname 1: fw
serial 1: devid
reason 1: msg
rule 1: desc
`)

var anmitGap = &family{
	id: "anmit-gap", owner: "anmit", keys: anmitKeys, scale: syslogScale, product: "GAP", otype: "gateway",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, ` FW="`) && strings.Contains(o, `MODULE="`) && strings.Contains(o, `ID="`)
	},
	read: func(c *ctx) {
		o := c.r.Original
		fs := spaceKV(o[strings.Index(o, `ID="`):], '=', nil)
		c.product = fs.str("ID")
		mod := fs.str("MODULE")
		if strings.Contains(mod, "攻击") {
			c.alert = true
		} else {
			fs = without(fs, "DESC")
		}
		c.collect(fs)
	},
}

// Antiy (安天) AVL SDK / 智甲 manager: "SERVERADDRESS='…',SOURCE='…',…,LOGTYPE='…'".
var antiy = &brand{
	id: "antiy", name: "Antiy (安天)", vendor: "Antiy", ns: "antiy",
	aliases: []string{"安天", "antiy-iep", "智甲"}, product: "IEP", otype: "antivirus",
	families: []*family{antiyIEP},
	verified: "logs-cn corpus: kill_avl_sdk records (BASELINE, DEFEND, FAULT, CLIENT, AUDIT, PATCH)",
}

var antiyKeys = commonKeys.with(`
devip 1: serveraddress
hostip 1: address
hostmac 1: mac
hostname 1: computer_name
user 1: admin
action 1: option
rule 1: instruction fault_name vul_description
procpath 1: proc
time 1: defend_time sample_time fault_time operating_time
reason 1: operating_record
`)

var antiyIEP = &family{
	id: "antiy-iep", owner: "antiy", keys: antiyKeys, scale: oneToFive, product: "IEP", otype: "antivirus",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "SERVERADDRESS='") && strings.Contains(b, "LOGTYPE='")
	},
	read: func(c *ctx) {
		b := c.r.Body
		fs := splitList(b[strings.Index(b, "SERVERADDRESS="):], []string{","}, []string{"="}, nil)
		switch fs.str("LOGTYPE") {
		case "DEFEND":
			c.alert = true
		case "AUDIT":
			c.category("configuration")
		}
		c.collect(fs)
		c.category("host")
	},
}

// AnySec (安信) NSIDS: `%2022-06-27 14:37:36 "NSFW-12000-F5570" Cli/LOG_CM/06: 键:值 键:值 …`.
var anysec = &brand{
	id: "anysec", name: "AnySec", vendor: "AnySec", ns: "anysec",
	aliases: []string{"anysec-nsids"}, product: "NSIDS", otype: "ids",
	families: []*family{anysecNSIDS},
	verified: "logs-cn corpus: NSIDS-6000 V4.0 management record",
}

var anysecRe = regexp.MustCompile(`^%(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) "([^"]*)" (\S+): `)

var anysecKeys = commonKeys.with(`
srcip 1: 来源
appproto 1: 服务方式
`)

var anysecNSIDS = &family{
	id: "anysec-nsids", owner: "anysec", keys: anysecKeys, product: "NSIDS", otype: "ids",
	match: func(r *parse.Record) bool { return anysecRe.MatchString(payload(r)) },
	read: func(c *ctx) {
		p := payload(c.r)
		m := anysecRe.FindStringSubmatch(p)
		c.offer(rTime, 1, m[1])
		c.offer(rDevName, 1, m[2])
		c.keep("module", m[3])
		c.collect(splitList(p[len(m[0]):], []string{" "}, []string{":"}, nil))
		c.category("configuration")
	},
}

// CAJinchen (卡巴金辰?) HG7500 antivirus gateway: "mdg[pid]: [ALERT] id=mdg:flow time='…' … category='…'".
var cajinchen = &brand{
	id: "cajinchen", name: "CAJinchen (金辰)", vendor: "CAJinchen", ns: "cajinchen",
	aliases: []string{"金辰", "hg7500"}, product: "HG7500", otype: "antivirus",
	families: []*family{cajinchenMDG},
	verified: "logs-cn corpus: HG7500 flow alerts",
}

var cajinchenKeys = commonKeys.with(`
devname 1: fw
severity 1: pri
inif 1: dev
rule 1: msg
attacktype 1: category
`)

var cajinchenMDG = &family{
	id: "cajinchen-mdg", owner: "cajinchen", keys: cajinchenKeys, scale: syslogScale, product: "HG7500", otype: "antivirus",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Body, "id=mdg:") || strings.Contains(r.Original, "mdg gui[")
	},
	read: func(c *ctx) {
		b := c.r.Original
		if i := strings.Index(b, "mdg gui["); i >= 0 {
			rest := b[i:]
			if j := strings.Index(rest, "]: "); j >= 0 {
				rest = rest[j+3:]
			}
			fs := spaceKV(rest, '=', nil)
			c.offer(rAction, 1, fs.str("op"))
			c.offer(rSrcIP, 1, fs.str("ip"))
			c.collect(without(without(fs, "op"), "ip"))
			c.category("configuration")
			return
		}
		fs := spaceKV(b[strings.Index(b, "id=mdg:"):], '=', nil)
		if cat := fs.str("category"); cat != "" {
			if m, ok := codes("n_cat_cajinchen").lookup(strings.ReplaceAll(cat, " ", "")); ok {
				c.keep("category_class", m)
			}
		}
		c.alert = true
		c.collect(fs)
	},
}

// China Telecom resells StoneOS firewalls (read by the Hillstone family);
// the brand exists so that a hint names it.
var chinatelecom = &brand{
	id: "chinatelecom", name: "China Telecom (StoneOS)", vendor: "China Telecom", ns: "chinatelecom",
	aliases: []string{"中国电信", "china-telecom"}, product: "StoneOS", otype: "firewall",
}

// DataCloudSec (数据云安全?) IPS and vulnerability scanner.
var datacloudsec = &brand{
	id: "datacloudsec", name: "DataCloudSec", vendor: "DataCloudSec", ns: "datacloudsec",
	aliases: []string{"datacloudsec-ips"}, product: "IPS", otype: "ips",
	families: []*family{dcsIPS, dcsScanner},
	verified: "logs-cn corpus: IPS (quoted SerialNum records), vulnerability scanner",
}

var dcsKeys = commonKeys.with(`
rule 1: charactername vulname
ruleid 1: characterid
severity 1: characterlevel vullevel
attacktype 1: secname vultype
action 2: operate
time 1: gentime timestamp
inif 1: in
outif 1: out
`)

var dcsIPS = &family{
	id: "datacloudsec-ips", owner: "datacloudsec", keys: dcsKeys, scale: zeroToFour, product: "IPS", otype: "ips",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, `SerialNum="`) && strings.Contains(o, "GenTime=")
	},
	read: func(c *ctx) {
		o := c.r.Original
		i := strings.Index(o, `SerialNum="`)
		typ := strings.TrimSuffix(strings.TrimSpace(o[:i]), ":")
		if j := strings.LastIndexByte(typ, ' '); j >= 0 {
			typ = typ[j+1:]
		}
		c.keep("type", typ)
		if typ == "IPS" {
			c.alert = true
		}
		c.collect(spaceKV(o[i:], '=', nil))
	},
}

var dcsScanner = &family{
	id: "datacloudsec-scanner", owner: "datacloudsec", keys: dcsKeys, product: "Vulnerability Scanner", otype: "scanner",
	match: func(r *parse.Record) bool {
		b := r.Original
		return strings.Contains(b, "VulName=") && strings.Contains(b, "VulLevel=") || strings.Contains(b, "dcs_scan[")
	},
	read: func(c *ctx) {
		b := c.r.Original
		i := strings.Index(b, "Timestamp=")
		if i < 0 {
			// management records: "dcs_scan[pid]:UserName=… Ip=… Event=… Date=…"
			i = strings.Index(b, "]:") + 2
			c.keys = dcsKeys.with("srcip 2: ip\nrule 1: event\ntime 1: date\nreason 1: desct\n")
			c.category("configuration")
		}
		fs := spaceKV(b[i:], '=', nil)
		c.collect(fs)
		c.category("vulnerability")
	},
}

// Infogo (盈高) ASM6000 NAC: "processor_server: classid:200, level:3, devid:…, devip:…, content:…".
var infogo = &brand{
	id: "infogo", name: "Infogo (盈高)", vendor: "Infogo", ns: "infogo",
	aliases: []string{"盈高", "infogo-asm"}, product: "ASM6000", otype: "nac",
	families: []*family{infogoASM},
	verified: "logs-cn corpus: ASM6000 alarm records",
}

var infogoKeys = commonKeys.with(`
dstip 2: devip
reason 1: content
`)

var infogoASM = &family{
	id: "infogo-asm", owner: "infogo", keys: infogoKeys, scale: oneToFive, product: "ASM6000", otype: "nac",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Body, "classid:") && strings.Contains(r.Original, "processor_server")
	},
	read: func(c *ctx) {
		b := c.r.Body
		fs := splitList(b[strings.Index(b, "classid:"):], []string{", "}, []string{":"}, nil)
		if m, ok := codes("etn_eps_infogo_asm_warn").lookup(fs.str("classid")); ok {
			c.offer(rRuleName, 1, m)
			c.keep("classid", fs.str("classid"))
			fs = without(fs, "classid")
		}
		c.levelCodes = codes("sev_eps_infogo_asm_warn")
		c.collect(fs)
	},
}

// Huorong (火绒) endpoint security server: "HRESS[pid]: {json}".
var huorong = &brand{
	id: "huorong", name: "Huorong (火绒)", vendor: "Huorong", ns: "huorong",
	aliases: []string{"火绒", "huorongsec", "hress"}, product: "ESS", otype: "edr",
	families: []*family{huorongESS},
	verified: "logs-cn corpus: HRESS JSON records",
}

var huorongKeys = commonKeys.with(`
rule 1: event_type
time 1: ts
result 1: result
`)

var huorongESS = &family{
	id: "huorong-ess", owner: "huorong", keys: huorongKeys, product: "ESS", otype: "edr",
	match: func(r *parse.Record) bool {
		return r.Syslog != nil && strings.HasPrefix(r.Syslog.Appname, "HRESS") || strings.Contains(r.Body, `"center_version"`)
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.collect(fs)
		c.category("host")
	},
}

// JHSec (极盾?) JH-OAM bastion: "globalSid=… personUip=… resIp=…" or "log_type=… remoteIP=…".
var jhsec = &brand{
	id: "jhsec", name: "JHSec", vendor: "JHSec", ns: "jhsec",
	aliases: []string{"jh-oam"}, product: "JH-OAM", otype: "bastion",
	families: []*family{jhsecOAM},
	verified: "logs-cn corpus: JH-OAM session and login records",
}

var jhsecKeys = commonKeys.with(`
srcip 1: personuip remoteip
dstip 1: resip
user 1: personuid username
targetuser 1: acc
time 1: begintime timestamp
action 1: op
appproto 1: protocol
`)

var jhsecOAM = &family{
	id: "jhsec-oam", owner: "jhsec", keys: jhsecKeys, product: "JH-OAM", otype: "bastion",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "personUip=") || strings.Contains(b, "remoteIP=") && strings.Contains(b, "instanceid=")
	},
	read: func(c *ctx) {
		fs := spaceKV(payload(c.r), '=', nil)
		if fs.str("result") == "1" {
			c.e.Set("event.outcome", "success")
			fs = without(fs, "result")
		}
		c.collect(fs)
		c.category("session")
	},
}

// JNSec (金诺?) TrapBox honeypot: "trapbox {"logtype":"TRAPBOX_…","message":"… sensorN-ipv4-proto-src-sport-dst-dport"}".
var jnsec = &brand{
	id: "jnsec", name: "JNSec", vendor: "JNSec", ns: "jnsec",
	aliases: []string{"trapbox"}, product: "TrapBox", otype: "honeypot",
	families: []*family{jnsecTrapbox},
	verified: "logs-cn corpus: TrapBox session records",
}

var jnsecSession = regexp.MustCompile(`-ipv[46]-(\w+)-([0-9a-fA-F.:]+)-(\d+)-([0-9a-fA-F.:]+)-(\d+)`)

var jnsecTrapbox = &family{
	id: "jnsec-trapbox", owner: "jnsec", keys: commonKeys.with("severity 1: loglevel\n"), product: "TrapBox", otype: "honeypot",
	match: func(r *parse.Record) bool { return strings.Contains(r.Body, `"TRAPBOX_`) },
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		if m := jnsecSession.FindStringSubmatch(fs.str("message")); m != nil {
			c.offer(rProto, 1, m[1])
			c.offer(rSrcIP, 1, m[2])
			c.offer(rSrcPort, 1, m[3])
			c.offer(rDstIP, 1, m[4])
			c.offer(rDstPort, 1, m[5])
		}
		c.alert = true
		c.collect(fs)
	},
}

// Jump (网御?) IDS/IDP: "ADMIN CONFIG user admin ip 1.2.3.4 module … cmd "…" result success",
// "SECURITY INSTRUCTION type … name "…" … sip … sport … dip … dport …".
var jump = &brand{
	id: "jump", name: "Jump", vendor: "Jump", ns: "jump",
	aliases: []string{"jump-ids", "jump-idp"}, product: "IDP", otype: "ids",
	families: []*family{jumpIDP},
	verified: "logs-cn corpus: IDP/IDS management and attack records",
}

var jumpRe = regexp.MustCompile(`^\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:\S+ )?(?:IPS |IDS )?(ADMIN|SECURITY|SYSTEM) (\w+) `)

var jumpKeys = commonKeys.with(`
srcip 1: ip
cmdline 1: cmd
rule 1: name
attacktype 1: type
proto 1: prot
count 1: times
`)

var jumpIDP = &family{
	id: "jump-idp", owner: "jump", keys: jumpKeys, product: "IDP", otype: "ids",
	match: func(r *parse.Record) bool {
		p := rawPayload(r)
		return (strings.Contains(p, " result ") || strings.Contains(p, " sip ")) && jumpRe.MatchString(p)
	},
	read: func(c *ctx) {
		p := rawPayload(c.r)
		m := jumpRe.FindStringSubmatch(p)
		c.offer(rTime, 1, m[1])
		c.keep("class", m[2])
		c.keep("subclass", m[3])
		words := tokenizeQuoted(p[len(m[0]):])
		var fs fields
		for i := 0; i+1 < len(words); i += 2 {
			fs = append(fs, field{words[i], words[i+1]})
		}
		if m[2] == "SECURITY" {
			c.alert = true
		} else {
			c.category("configuration")
		}
		c.collect(fs)
	},
}

// tokenizeQuoted splits on spaces, keeping "quoted strings" whole.
func tokenizeQuoted(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			if end := strings.IndexByte(s[1:], '"'); end >= 0 {
				out = append(out, s[1:end+1])
				s = s[end+2:]
				continue
			}
		}
		w, rest, _ := strings.Cut(s, " ")
		out = append(out, w)
		s = rest
	}
	return out
}

// Koal (格尔) NetDefense PC protection: `logtype="网盾PC保护" time=… event=… user=… result=…`.
var koal = &brand{
	id: "koal", name: "Koal (格尔)", vendor: "Koal", ns: "koal",
	aliases: []string{"格尔", "netdefense"}, product: "NetDefense", otype: "edr",
	families: []*family{koalNetDefense},
	verified: "logs-cn corpus: NetDefense 5.1 record",
}

var koalNetDefense = &family{
	id: "koal-netdefense", owner: "koal", product: "NetDefense", otype: "edr",
	keys:  commonKeys.with("rule 1: event\nhostname 1: host\n"),
	match: func(r *parse.Record) bool { return strings.Contains(r.Body, `logtype="网盾`) },
	read: func(c *ctx) {
		fs := spaceKV(payload(c.r), '=', nil)
		c.offer(rAction, 2, fs.str("event"))
		c.collect(fs)
		c.category("host")
	},
}

// Netentsec (网康) NGFW: "0,epoch,NGFWmodule,level,,NSLOG_SYSLOG ID=…,PARA=…".
var netentsec = &brand{
	id: "netentsec", name: "Netentsec (网康)", vendor: "Netentsec", ns: "netentsec",
	aliases: []string{"网康", "netentsec-ngfw"}, product: "NGFW", otype: "firewall",
	families: []*family{netentsecNGFW},
	verified: "logs-cn corpus: NGFW system records",
}

var netentsecRe = regexp.MustCompile(`^\d+,(\d{10}),NGFW(\w*),(\d),[^,]*,(.*)$`)

var netentsecNGFW = &family{
	id: "netentsec-ngfw", owner: "netentsec", scale: syslogScale, product: "NGFW", otype: "firewall",
	match: func(r *parse.Record) bool { return netentsecRe.MatchString(payload(r)) },
	read: func(c *ctx) {
		m := netentsecRe.FindStringSubmatch(payload(c.r))
		c.offer(rTime, 1, m[1])
		c.keep("module", m[2])
		c.offer(rSeverity, 1, m[3])
		rest := strings.TrimPrefix(m[4], "NSLOG_SYSLOG ")
		fs := splitList(rest, []string{","}, []string{"="}, nil)
		c.offer(rEventID, 1, fs.str("ID"))
		c.offer(rReason, 1, fs.str("PARA"))
	},
}

// QZSec (齐治) RIS-ACA bastion: "node1:login(WEB)(INFORMATIONAL)(k=v,…)".
var qzsec = &brand{
	id: "qzsec", name: "QZSec (齐治)", vendor: "QZSec", ns: "qzsec",
	aliases: []string{"齐治", "ris-aca", "shterm"}, product: "RIS-ACA", otype: "bastion",
	families: []*family{qzsecRIS},
	verified: "logs-cn corpus: RIS-ACA login, session, audit and status records",
}

var qzsecRe = regexp.MustCompile(`(?:node\d+|RIS):(\w+)(?:\((\w+)\))?\((INFORMATIONAL|NOTICE|WARNING|ERROR|CRITICAL|ALERT)\)\((.*)\)\s*$`)

// qzsecNode matches the cluster node tag after the host name: " node1:".
var qzsecNode = regexp.MustCompile(`^(?:<\d+>)?\w{3} +\d+ \d{2}:\d{2}:\d{2} \S+ node\d+:`)

var qzsecKeys = commonKeys.with(`
srcip 1: from
user 1: identity
targetuser 1: account
action 1: operate
dstip 2: resip
time 1: updatetime
`)

var qzsecRIS = &family{
	id: "qzsec-ris", owner: "qzsec", keys: qzsecKeys, product: "RIS-ACA", otype: "bastion",
	match: func(r *parse.Record) bool {
		o := r.Original
		if !strings.Contains(o, "node") && !strings.Contains(o, "RIS:") {
			return false
		}
		return qzsecRe.MatchString(o) || qzsecNode.MatchString(o)
	},
	read: func(c *ctx) {
		o := c.r.Original
		m := qzsecRe.FindStringSubmatch(o)
		if m == nil {
			if loc := qzsecNode.FindStringIndex(o); loc != nil {
				c.offer(rReason, 1, strings.TrimSpace(o[loc[1]:]))
			}
			return
		}
		c.keep("type", m[1])
		c.offer(rAppProto, 2, m[2])
		c.offer(rSeverity, 1, m[3])
		c.levelCodes = codes("sev_bastion_qzsec_ris-aca_warn")
		c.scale = oneToFive
		inner := m[4]
		var fs fields
		for _, item := range splitQuoted(inner, ",") {
			k, v, ok := strings.Cut(item, "=")
			if ok && keyLike(k) {
				fs = append(fs, field{k, v})
			} else if t := strings.TrimSpace(item); t != "" {
				c.offer(rReason, 1, t)
			}
		}
		for i, f := range fs {
			// "test(test)", "Centos(10.10.33.30)"
			if f.key == "identity" {
				if name, _, ok := strings.Cut(f.val, "("); ok {
					fs[i].val = name
				}
			}
			if f.key == "server" {
				if _, ip, ok := strings.Cut(f.val, "("); ok {
					c.offer(rDstIP, 1, strings.TrimSuffix(ip, ")"))
				}
			}
		}
		if strings.EqualFold(m[1], "login") {
			c.category("authentication")
			c.offer(rAction, 2, "login")
		}
		c.collect(fs)
	},
}

// Rising (瑞星) ESM: "date time dev AV 0 virus type result task file path date time host ip mac".
var rising = &brand{
	id: "rising", name: "Rising (瑞星)", vendor: "Rising", ns: "rising",
	aliases: []string{"瑞星", "rising-esm"}, product: "ESM", otype: "antivirus",
	families: []*family{risingESM},
	verified: "logs-cn corpus: ESM virus records",
}

var risingRe = regexp.MustCompile(`^\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (\S+) AV \d+ `)

var risingESM = &family{
	id: "rising-esm", owner: "rising", product: "ESM", otype: "antivirus",
	match: func(r *parse.Record) bool { return risingRe.MatchString(rawPayload(r)) },
	read: func(c *ctx) {
		p := rawPayload(c.r)
		m := risingRe.FindStringSubmatch(p)
		c.offer(rTime, 1, m[1])
		c.offer(rDevName, 1, m[2])
		w := strings.Fields(p[len(m[0]):])
		if len(w) >= 10 {
			c.offer(rVirus, 1, w[0])
			c.offer(rAttackType, 1, w[1])
			c.offer(rAction, 1, w[2])
			c.keep("task", w[3])
			c.offer(rFileName, 1, w[4])
			n := len(w)
			c.offer(rHostMAC, 1, w[n-1])
			c.offer(rHostIP, 1, w[n-2])
			c.offer(rHostName, 1, w[n-3])
			c.keep("found_time", w[n-5]+" "+w[n-4])
			c.offer(rFilePath, 1, strings.Join(w[5:n-5], " "))
		}
		c.alert, c.malware = true, true
	},
}

// Ruijie (锐捷) RGOS writes IOS-style "%SYS-5-CONFIG_I: …" records that
// cannot be told from Cisco IOS; they are read only with a ruijie hint.
var ruijie = &brand{
	id: "ruijie", name: "Ruijie (锐捷)", vendor: "Ruijie", ns: "ruijie",
	aliases: []string{"锐捷", "rgos"}, product: "RGOS", otype: "switch",
	hinted:   []*family{ruijieRGOS},
	verified: "logs-cn corpus: switch and wireless controller configuration records (with the hint)",
}

var ruijieRe = regexp.MustCompile(`%([A-Z][A-Z0-9_]*)-(\d)-([A-Z0-9_]+): ?(.*)$`)
var ruijieVty = regexp.MustCompile(`vty\d+\((\d{1,3}(?:\.\d{1,3}){3})\)`)

var ruijieRGOS = &family{
	id: "ruijie-rgos", owner: "ruijie", scale: syslogScale, product: "RGOS", otype: "switch",
	match: func(r *parse.Record) bool { return ruijieRe.MatchString(r.Original) },
	read: func(c *ctx) {
		m := ruijieRe.FindStringSubmatch(c.r.Original)
		c.keep("facility", m[1])
		c.offer(rSeverity, 1, m[2])
		c.e.Set("event.code", m[1]+"-"+m[3])
		c.offer(rReason, 1, m[4])
		if v := ruijieVty.FindStringSubmatch(m[4]); v != nil {
			c.offer(rSrcIP, 1, v[1])
		}
		if _, u, ok := strings.Cut(m[4], " by "); ok {
			u, _, _ = strings.Cut(u, " ")
			c.offer(rUser, 1, u)
		}
		if t := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?`).FindString(c.r.Original); t != "" {
			c.offer(rTime, 1, t)
		}
		c.category("configuration")
	},
}

// Shenfan (神蕃?) SAG bastion: the OEM bastion format (see bastionFort),
// named "baoleiji".
var shenfan = &brand{
	id: "shenfan", name: "Shenfan", vendor: "Shenfan", ns: "shenfan",
	aliases: []string{"shenfan-sag"}, product: "SAG", otype: "bastion",
}

// T1Networks resells the TianQing platform (read by the Venustech family).
var t1networks = &brand{
	id: "t1networks", name: "T1Networks", vendor: "T1Networks", ns: "t1networks",
	aliases: []string{"t-force"}, product: "T-Force", otype: "load-balancer",
}

// Trend Micro's gateway writes AsiaInfo's "[Violation log]" format.
var trendmicro = &brand{
	id: "trendmicro-cn", name: "Trend Micro (China)", vendor: "Trend Micro", ns: "trendmicro",
	aliases: []string{"trend-nvwe"}, product: "NVWE", otype: "antivirus",
}

// V-Secure (椒图?) JC server security: "devid="<hex>" time=… event_class_id=… virus_name=…".
var vsecure = &brand{
	id: "vsecure", name: "V-Secure", vendor: "V-Secure", ns: "vsecure",
	aliases: []string{"jc-svr", "v-secure"}, product: "JC-SVR", otype: "edr",
	families: []*family{vsecureJC},
	verified: "logs-cn corpus: jc-svr-standard antivirus records",
}

var vsecureKeys = commonKeys.with(`
serial 1: devid
hostname 1: dev_name
hostip 1: ip
attacktype 1: virus_type
filepath 1: virus_path
md5 1: virus_md5
result 1: op_result status
time 1: time
rule 2: event_type
`)

var vsecureJC = &family{
	id: "vsecure-jc", owner: "vsecure", keys: vsecureKeys, scale: oneToFive, product: "JC-SVR", otype: "edr",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "devid=") && (strings.Contains(b, "event_class_id=") || strings.Contains(b, "dev_name=”"))
	},
	read: func(c *ctx) {
		b := c.r.Body
		fs := spaceKV(b[strings.Index(b, "devid="):], '=', nil)
		if fs.str("virus_name") != "" {
			c.alert, c.malware = true, true
		}
		c.collect(fs)
		c.category("host")
	},
}

// VRV (北信源) EDP: "AUD*|n*|event*|time*|ip*|mac*|host*|place*|user*|org*|dept*|phone*|mail*|id*|policy*|detail".
var vrv = &brand{
	id: "vrv", name: "VRV (北信源)", vendor: "VRV", ns: "vrv",
	aliases: []string{"北信源", "vrvedp"}, product: "EDP", otype: "edr",
	families: []*family{vrvEDP},
	verified: "logs-cn corpus: EDP AUD/WAR/STA records",
}

var vrvRe = regexp.MustCompile(`^[A-Z]{3}\*\|`)

var vrvEDP = &family{
	id: "vrv-edp", owner: "vrv", product: "EDP", otype: "edr",
	match: func(r *parse.Record) bool { return vrvRe.MatchString(payload(r)) },
	read: func(c *ctx) {
		parts := strings.Split(payload(c.r), "*|")
		get := func(i int) string {
			if i < len(parts) {
				return strings.TrimSpace(parts[i])
			}
			return ""
		}
		typ := get(0)
		c.keep("type", typ)
		if typ == "STA" {
			c.keep("stats", strings.Join(parts[1:], ","))
			return
		}
		c.offer(rRuleName, 1, get(2))
		c.offer(rTime, 1, get(3))
		c.offer(rHostIP, 1, get(4))
		c.offer(rHostMAC, 1, get(5))
		c.offer(rHostName, 1, get(6))
		if u := get(8); u != "" {
			full, acct, _ := strings.Cut(u, ":")
			c.e.Set("user.full_name", full)
			c.offer(rUser, 1, acct)
		}
		c.keep("department", get(10))
		c.offer(rPolicy, 1, get(14))
		c.offer(rReason, 1, get(15))
		if typ == "WAR" || typ == "ALM" {
			c.alert = true
		}
		c.category("host")
	},
}
