package cnvendors

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"

	"bianque/parse"
)

// Topsec (天融信). NGTOS products (NGFW, TopAPP-AD, TopADS, TopVAS, VONE,
// TopSAG) share one key="value" format opened by id="NGTOS"; the older TOS
// products write id=tos; the IDS/IPS and audit products write the unified
// vendor="topsec" format with numeric attack codes; the endpoint products
// (TopDesk, IHS, TopEDR) and a few others have formats of their own.
var topsec = &brand{
	id: "topsec", name: "Topsec (天融信)", vendor: "Topsec", ns: "topsec",
	aliases: []string{"天融信", "topsec-ngfw", "ngtos", "topsec-ngidp", "topsec-topapp", "topsec-topvas"},
	product: "NGFW", otype: "firewall",
	families: []*family{topsecNGTOS, topsecUnified, topsecEndpoint, topsecEDR, topsecACM, topsecIFW, topsecAPT, topsecHPP, topsecDLP, topsecSAG},
	verified: "logs-cn corpus: NGFW/TopIFW, NGIDP, TopAPP-AD, TopADS, TopVAS, VONE/SSL VPN, TopSAG, TA-NET, TopIDA, TopDesk, IHS, TopEDR, TopACM, TopAPT, TopHPP, DLP, TopSentry, AV gateway",
}

// topsecKeys are the NGTOS and TOS key names.
var topsecKeys = commonKeys.with(`
devname 1: dev fw
severity 0: risk_name risklevel
severity 3: pri
rule 1: virus_name attack_name
attacktype 1: attack_type
ruleid 3: rule
srcip 2: ip
dstip 2: dstname ip_address
user 1: user username
time 1: time
start 1: time_begin
end 1: end_t
proto 1: protoid protoname proto
appproto 1: app_pro application
session 1: connid
policy 1: policyid policy_name
reason 1: msg description scanmessage
url 1: scanurl
action 1: op action
ignore 0: vsid id
`)

var topsecNGTOS = &family{
	id: "topsec-ngtos", owner: "topsec", keys: topsecKeys, scale: syslogScale,
	match: func(r *parse.Record) bool {
		p := r.Body
		head := p[:min(len(p), 120)]
		return strings.Contains(head, `id="NGTOS"`) || strings.Contains(head, `id="ngtos"`) ||
			strings.Contains(head, "id=tos ") || strings.HasPrefix(payload(r), `"NGTOS" "`)
	},
	read: readTopsecNGTOS,
}

// topsecNGTOSPositional names the leading quoted values of the variant that
// omits the first keys.
var topsecNGTOSPositional = []string{"id", "version", "time", "dev", "pri", "type", "recorder", "index", "vsid"}

func readTopsecNGTOS(c *ctx) {
	p := payload(c.r)
	if i := strings.Index(p, "id="); i > 0 && !strings.HasPrefix(p, `"NGTOS"`) {
		p = p[i:]
	}
	var fs fields
	if strings.HasPrefix(p, `"NGTOS" "`) {
		rest := p
		for _, name := range topsecNGTOSPositional {
			rest = strings.TrimLeft(rest, " ")
			if !strings.HasPrefix(rest, `"`) {
				break
			}
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				break
			}
			fs = append(fs, field{name, rest[1 : end+1]})
			rest = rest[end+2:]
		}
		p = rest
	}
	fs = spaceKV(p, '=', fs)
	version := fs.str("version")
	typ := fs.str("type")
	recorder := fs.str("recorder")
	c.product, c.otype = topsecNGTOSProduct(fs)
	switch {
	case attackRecord(typ, recorder):
		// result is the attack's, not the record's
	case c.product == "TopSAG":
		// TopSAG writes result="1" for success, "0" for failure.
		switch fs.str("result") {
		case "1":
			c.e.Set("event.outcome", "success")
		case "0":
			c.e.Set("event.outcome", "failure")
		}
	default:
		switch res := fs.str("result"); {
		case res == "0":
			c.e.Set("event.outcome", "success")
		case allDigits(res) && res != "":
			c.e.Set("event.outcome", "failure")
		}
	}
	lt := strings.ToLower(typ + " " + recorder)
	attack := attackRecord(typ, recorder)
	for _, f := range fs {
		switch f.key {
		case "result", "type", "recorder":
			c.keep(f.key, f.val)
			continue
		case "msg":
			if attack {
				c.offer(rRuleName, 2, f.val)
			}
		case "rule":
			if !allDigits(f.val) {
				c.offer(rRuleName, 3, f.val)
				continue
			}
		}
		c.collectOne(f.key, f.val)
	}
	if attack {
		c.alert = true
	}
	if strings.Contains(lt, "login") || strings.Contains(lt, "auth") || recorder == "admin" {
		c.category("authentication")
	}
	if typ == "mgmt" || recorder == "config" || strings.Contains(lt, "admin_config") {
		c.category("configuration")
	}
	_ = version
}

// attackRecord reports NGTOS record types that report attacks or malware.
func attackRecord(typ, recorder string) bool {
	lt := strings.ToLower(typ + " " + recorder)
	for _, k := range []string{"ips", "ids", "tvd", "streamav", "avse", "av", "apt", "僵木蠕", "入侵", "atk", "attack", "virus", "file_block", "漏洞"} {
		if strings.Contains(lt, k) {
			return true
		}
	}
	return false
}

// topsecNGTOSProduct names the NGTOS product from its version string and
// device name.
func topsecNGTOSProduct(fs fields) (product, otype string) {
	v := strings.ToUpper(fs.str("version"))
	dev := strings.ToUpper(fs.str("dev"))
	switch {
	case strings.Contains(v, "_NGFW") || strings.Contains(v, "_IFW"):
		return "NGFW", "firewall"
	case strings.Contains(v, "_TAD") || strings.Contains(dev, "TOPAPP"):
		return "TopAPP-AD", "load-balancer"
	case strings.Contains(v, "_ADS") || strings.Contains(dev, "TOPADS"):
		return "TopADS", "ddos"
	case strings.Contains(v, "_TVS") || strings.Contains(v, "_ICS"):
		return "TopVAS", "scanner"
	case strings.Contains(v, "VONE") || strings.Contains(v, ".SW-"):
		return "VONE", "vpn"
	case fs.str("vsys_name") == "default" && fs.str("vsid") == "":
		return "TopSAG", "bastion"
	}
	if id := fs.str("id"); strings.EqualFold(id, "tos") {
		t := strings.ToLower(fs.str("type"))
		switch {
		case t == "ips" || strings.EqualFold(fs.str("fw"), "IDP"):
			return "TopSentry", "ids"
		case t == "avse" || t == "av":
			return "TopGate AV", "antivirus"
		case t == "vpn" || strings.HasPrefix(t, "sv_"):
			return "VONE", "vpn"
		}
		return "TOS", "firewall"
	}
	return "NGTOS", "firewall"
}

// topsecUnifiedKeys: the vendor="topsec" format (NGIDP, TA-NET, TopIDA).
var topsecUnifiedKeys = commonKeys.with(`
devname 1: dev_name
devip 1: dev_ip
severity 1: level i_warninglevel
ruleid 1: rule
ignore 0: vendor
action 1: op
time 1: time
time 3: i_logtime
session 1: sid s_eid
appproto 1: s_protocol app
user 1: user username
reason 1: msg description
`)

var topsecUnified = &family{
	id: "topsec-unified", owner: "topsec", keys: topsecUnifiedKeys, scale: oneToThree,
	match: func(r *parse.Record) bool {
		p := payload(r)
		return (strings.HasPrefix(p, `vendor="topsec"`) || strings.HasPrefix(p, `vendor="Topsec"`) ||
			strings.HasPrefix(p, `vendor="天融信"`) || strings.HasPrefix(p, `vendor="TOPSEC"`)) && strings.Contains(p, "dev_type=")
	},
	read: readTopsecUnified,
}

func readTopsecUnified(c *ctx) {
	fs := spaceKV(payload(c.r), '=', nil)
	devType := fs.str("dev_type")
	version := strings.ToLower(fs.str("version"))
	recorder := fs.str("recorder")
	switch {
	case devType == "6" || strings.HasSuffix(version, "_net"):
		c.product, c.otype = "TA-NET", "audit"
	case devType == "16" || strings.Contains(version, "_ida"):
		c.product, c.otype = "TopIDA", "audit"
		c.scale = syslogScale
	default:
		c.product, c.otype = "NGIDP", "ids"
	}
	attack := recorder == "attack" || recorder == "tvdevent"
	for _, f := range fs {
		switch f.key {
		case "type", "sub_type":
			if !attack {
				c.keep(f.key, f.val)
				continue
			}
		case "proto":
			if name, ok := codes("trans_ips_topsec_ngidp3.2262_syslog").lookup(f.val); ok {
				c.e.Set("topsec.proto", f.val)
				c.offer(rProto, 1, name)
				continue
			}
		case "op":
			if name, ok := codes("op_ips_topsec_ngidp3.2262_syslog").lookup(f.val); ok {
				c.e.Set("topsec.op", f.val)
				c.offer(rAction, 1, name)
				continue
			}
		case "app_pro":
			if name, ok := codes("app_protocol").lookup(f.val); ok {
				c.offer(rAppProto, 2, name)
			}
			c.keep(f.key, f.val)
			continue
		case "result":
			if attack {
				c.keep(f.key, f.val)
				continue
			}
			if f.val == "0" {
				c.e.Set("event.outcome", "success")
			} else if allDigits(f.val) {
				c.e.Set("event.outcome", "failure")
			}
			c.keep(f.key, f.val)
			continue
		case "msg":
			if attack {
				c.offer(rRuleName, 1, f.val)
				continue
			}
		case "rcode":
			if m, ok := codes("rcode_ips_topsec_ngidp3.2262_syslog").lookup(f.val); ok {
				c.e.Set("topsec.rcode_name", m)
			}
		}
		c.collectOne(f.key, f.val)
	}
	if attack {
		c.alert = true
		typ, sub := fs.str("type"), fs.str("sub_type")
		cat, _ := codes("ett_ips_topsec_ngidp3.2262_syslog").lookup(typ)
		name, _ := codes("etn_ips_topsec_ngidp3.2262_syslog").lookup(sub)
		c.e.Set("topsec.type", typ)
		c.e.Set("topsec.sub_type", sub)
		switch {
		case name != "" && name != "其他" && cat != "":
			c.offer(rAttackType, 1, cat+"/"+name)
		case cat != "":
			c.offer(rAttackType, 1, cat)
		case name != "":
			c.offer(rAttackType, 1, name)
		}
	}
	if recorder == "admin" || strings.Contains(recorder, "login") {
		c.category("authentication")
	}
}

// Endpoint: TopDesk and IHS (工控主机卫士) agents.
var topsecEndpointKeys = commonKeys.with(`
time 1: logtime
severity 1: loglevel
rule 1: trigger_name
user 1: username
hostip 1: agentip
hostmac 1: agentmac
reason 1: reason
action 1: action
ignore 0: id ipcode is_send
`)

var topsecEndpoint = &family{
	id: "topsec-endpoint", owner: "topsec", keys: topsecEndpointKeys, scale: oneToFive,
	product: "TopDesk", otype: "edr",
	match: func(r *parse.Record) bool {
		p := r.Body
		return strings.Contains(p, `agentid="`) && strings.Contains(p, `logtype="`) && strings.Contains(p, `logtime="`) ||
			strings.Contains(p, "<from>tdsvr.topdesk</from>")
	},
	read: readTopsecEndpoint,
}

func readTopsecEndpoint(c *ctx) {
	p := payload(c.r)
	if strings.Contains(p, "<message>") {
		c.product = "TopDesk"
		readXMLish(c, p)
		return
	}
	fs := spaceKV(p, '=', nil)
	if m := c.r.Syslog; m != nil && (strings.EqualFold(m.Appname, "topdesk") || strings.EqualFold(m.Hostname, "topdesk")) {
		c.product = "TopDesk"
	} else {
		c.product = "IHS"
	}
	if h := fs.str("handle"); h != "" {
		if vd, ok := readVerdict(h); ok {
			c.typ(vd.typ)
		}
	}
	if u := fs.str("username"); u == "无责任人" || u == "系统报警" {
		// "no responsible person", "system alarm": placeholders
		c.keep("username", u)
		fs = without(fs, "username")
	}
	c.collect(fs)
	if lt := fs.str("logtype"); strings.Contains(lt, "AUTH") || fs.str("action") == "登录" || fs.str("action") == "注销" {
		c.category("authentication")
	}
	c.category("host")
}

// readXMLish reads "<tag>value</tag>" elements as fields.
func readXMLish(c *ctx, p string) {
	var fs fields
	for i := 0; i < len(p); {
		lt := strings.IndexByte(p[i:], '<')
		if lt < 0 {
			break
		}
		lt += i
		gt := strings.IndexByte(p[lt:], '>')
		if gt < 0 {
			break
		}
		gt += lt
		tag := p[lt+1 : gt]
		if tag == "" || tag[0] == '/' || strings.ContainsAny(tag, " =/") {
			i = gt + 1
			continue
		}
		end := strings.Index(p[gt+1:], "</"+tag+">")
		if end < 0 {
			i = gt + 1
			continue
		}
		val := p[gt+1 : gt+1+end]
		if !strings.Contains(val, "<") {
			fs = append(fs, field{tag, val})
			i = gt + 1 + end + len(tag) + 3
			continue
		}
		i = gt + 1
	}
	c.collect(fs)
}

func without(fs fields, key string) fields {
	out := fs[:0:0]
	for _, f := range fs {
		if f.key != key {
			out = append(out, f)
		}
	}
	return out
}

// TopEDR agents.
var topsecEDRKeys = commonKeys.with(`
hostip 1: client_ip
virus 1: detail_virus_name detail_threat_list_virus_name
rule 1: origin_name detail_name
attacktype 1: detail_virus_type detail_threat_list_virus_type
filepath 1: detail_file_path detail_threat_list_fn
cmdline 1: detail_cmdline origin_processes_master_cmdline
procpath 1: detail_proc_path origin_processes_master_pathname
pid 1: origin_processes_master_pid
severity 1: detail_level origin_risk
url 1: detail_url
srcport 1: detail_lport
dstport 1: detail_rport
proto 1: detail_protocol
time 1: time detail_timestamp
user 1: person
`)

var topsecEDR = &family{
	id: "topsec-edr", owner: "topsec", keys: topsecEDRKeys, scale: oneToFive,
	product: "TopEDR", otype: "edr",
	match: func(r *parse.Record) bool {
		p := r.Body
		return strings.Contains(p, `defense_type="`) && (strings.Contains(p, "client_id=") || strings.Contains(p, "version_dbtime="))
	},
	read: func(c *ctx) {
		fs := spaceKV(payload(c.r), '=', nil)
		// The agent reports connections as local/remote ends; the direction
		// says which end started it. Attack records (ipattack) are inbound.
		outbound := fs.str("detail_outbound") == "1" || (fs.str("detail_outbound") == "" && fs.str("fname") != "ipattack")
		if fs.str("defense_type") == "network" && fs.str("detail_laddr") == "" {
			if outbound {
				c.offer(rSrcIP, 2, fs.str("client_ip"))
			} else {
				c.offer(rDstIP, 2, fs.str("client_ip"))
			}
		}
		for _, f := range fs {
			switch f.key {
			case "detail_laddr", "detail_raddr":
				ip, ok := int32IP(f.val)
				if !ok {
					break
				}
				local := f.key == "detail_laddr"
				if local == outbound {
					c.offer(rSrcIP, 1, ip)
				} else {
					c.offer(rDstIP, 1, ip)
				}
				continue
			case "detail_lport", "detail_rport":
				local := f.key == "detail_lport"
				if local == outbound {
					c.offer(rSrcPort, 1, f.val)
				} else {
					c.offer(rDstPort, 1, f.val)
				}
				continue
			case "detail_blocked":
				if f.val == "1" {
					c.offer(rAction, 1, "block")
				}
			case "person":
				if f.val == fs.str("client_ip") {
					c.keep(f.key, f.val)
					continue
				}
			}
			c.collectOne(f.key, f.val)
		}
		switch fs.str("defense_type") {
		case "virus":
			c.alert, c.malware = true, true
		case "network":
			c.alert = fs.str("fname") != "ipproto"
		}
		c.category("host")
	},
}

// int32IP reads an IPv4 address the agent writes as a signed 32-bit integer.
func int32IP(s string) (string, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -1<<31 || n > 1<<32-1 || n == 0 {
		return "", false
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return netip.AddrFrom4(b).String(), true
}

// TopACM (上网行为管理): "Type=X; Source=ip:port; Dest=ip:port; ...".
var topsecACMKeys = commonKeys.with(`
srcip 1: source
dstip 1: dest
snatip 1: trans
user 1: username
user 3: account
httphost 1: host
srcbytes 1: byte_sent
dstbytes 1: byte_recv byte_rcvd
`)

var topsecACM = &family{
	id: "topsec-acm", owner: "topsec", keys: topsecACMKeys, product: "TopACM", otype: "proxy",
	match: func(r *parse.Record) bool {
		p := payload(r)
		return strings.HasPrefix(p, "Type=") && strings.Contains(p, "; Source=")
	},
	read: func(c *ctx) {
		fs := splitList(payload(c.r), []string{"; "}, []string{"="}, nil)
		for i := range fs {
			fs[i].val = strings.TrimSuffix(fs[i].val, ";")
		}
		if t := fs.str("Trans"); t == "0.0.0.0:0" {
			fs = without(fs, "Trans")
		}
		c.collect(fs)
	},
}

// TopIFW 2.0: "Pri: 4 type: attacklog [uptime] attacklog-synflood- SRC=… DST=…".
var topsecIFWKeys = commonKeys.with(`
inif 1: in
outif 1: out
ignore 0: mac len tos prec ttl id window res urgp
count 1: count
`)

var topsecIFW = &family{
	id: "topsec-ifw", owner: "topsec", keys: topsecIFWKeys, scale: syslogScale, product: "TopIFW", otype: "firewall",
	match: func(r *parse.Record) bool {
		i := strings.Index(r.Original, "Pri: ")
		return i >= 0 && i < 80 && strings.Contains(r.Original[i:min(len(r.Original), i+16)], " type: ")
	},
	read: func(c *ctx) {
		p := c.r.Original
		rest := p[strings.Index(p, "Pri: ")+len("Pri: "):]
		pri, rest, _ := strings.Cut(rest, " ")
		c.offer(rSeverity, 1, pri)
		rest = strings.TrimPrefix(strings.TrimSpace(rest), "type: ")
		typ, rest, _ := strings.Cut(rest, " ")
		c.keep("type", typ)
		if typ == "attacklog" {
			c.alert = true
			if i := strings.Index(rest, "attacklog-"); i >= 0 {
				name := rest[i+len("attacklog-"):]
				if j := strings.IndexAny(name, " "); j >= 0 {
					name = name[:j]
				}
				c.offer(rRuleName, 1, strings.Trim(name, "-"))
			}
		}
		if i := strings.Index(rest, "*User:"); i >= 0 {
			u := rest[i+len("*User:"):]
			u, msg, _ := strings.Cut(u, " ")
			c.offer(rUser, 1, u)
			c.offer(rReason, 1, strings.TrimSuffix(msg, "*"))
			c.category("configuration")
		}
		c.collect(spaceKV(rest, '=', nil))
	},
}

// TopAPT: `LogType="Vulns";Time="…";SrcIP="…";…`.
var topsecAPTKeys = commonKeys.with(`
rule 1: rval
appproto 1: ap
srcip 3: attackerip
`)

var topsecAPT = &family{
	id: "topsec-apt", owner: "topsec", keys: topsecAPTKeys, scale: oneToFive, product: "TopAPT", otype: "apt",
	match: func(r *parse.Record) bool {
		return strings.HasPrefix(payload(r), `LogType="`) || strings.Contains(r.Body, `LogType="Vulns"`)
	},
	read: func(c *ctx) {
		p := payload(c.r)
		if i := strings.Index(p, "LogType="); i > 0 {
			p = p[i:]
		}
		c.alert = true
		c.collect(splitList(p, []string{";"}, []string{"="}, nil))
	},
}

// TopHPP honeypot: "type=alert_collect,timestamp=…,severity=Low,…".
var topsecHPPKeys = commonKeys.with(`
rule 1: attack_brief
cve 1: cve_id
`)

var topsecHPP = &family{
	id: "topsec-hpp", owner: "topsec", keys: topsecHPPKeys, product: "TopHPP", otype: "honeypot",
	match: func(r *parse.Record) bool {
		return strings.HasPrefix(payload(r), "type=alert_collect,")
	},
	read: func(c *ctx) {
		c.alert = true
		c.collect(splitList(payload(c.r), []string{","}, []string{"="}, nil))
	},
}

// Topsec DLP: "##TIME=…##PROCESS=…##…".
var topsecDLPKeys = commonKeys.with(`
dstip 1: recipientsaddr
dstport 1: recipientsport
srcip 1: senderip
srcport 1: senderport
url 1: recipientsdomain
rule 1: rulename
policy 1: policyname
severity 1: serverty
appproto 1: protocol
time 1: time
time 2: incident_time
eventid 1: incident_id
`)

var topsecDLP = &family{
	id: "topsec-dlp", owner: "topsec", keys: topsecDLPKeys, product: "DLP", otype: "dlp",
	match: func(r *parse.Record) bool { return strings.HasPrefix(payload(r), "##TIME=") },
	read: func(c *ctx) {
		fs := splitList(strings.TrimPrefix(payload(c.r), "##"), []string{"##"}, []string{"="}, nil)
		if fs.str("BLOCKED") == "ENABLE" && fs.str("BLOCKEDSTATUS") == "SUCCESS" {
			c.offer(rAction, 1, "block")
		}
		c.alert = true
		c.collect(fs)
		c.category("file")
	},
}

// Old TopSAG operation records: "res_type=… uip=… aip=… account=…".
var topsecSAGKeys = commonKeys.with(`
srcip 1: uip
dstip 1: aip
user 1: uname
targetuser 1: account
time 1: atime
end 1: etime
cmdline 1: commands
devip 1: fort_ip
appproto 1: protocol
`)

var topsecSAG = &family{
	id: "topsec-sag", owner: "topsec", keys: topsecSAGKeys, product: "TopSAG", otype: "bastion",
	match: func(r *parse.Record) bool {
		p := r.Body
		return strings.Contains(p, "res_type=") && strings.Contains(p, "uip=") && strings.Contains(p, "aip=")
	},
	read: func(c *ctx) {
		c.collect(spaceKV(payload(c.r), '=', nil))
		c.category("session")
	},
}
