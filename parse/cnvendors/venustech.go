package cnvendors

import (
	"strings"

	"bianque/parse"
)

// Venustech (启明星辰). The TianQing gateways (NIPS, VSG, USG firewall, WAG)
// write "TYPE: SerialNum=… GenTime=… k=v …"; the Themis platform (NAC,
// UTM, SAG) writes "devid=… date=… dname=… logtype=… dsp_msg=…"; TianTian
// (天阗) IDS/APT writes JSON, TianYue (天玥) audit "devsn=… gen_time=…",
// the ESM endpoint agent XML-like "<Policy_…>" records.
//
// Leadsec (网御星云) is a Venustech company: its Power V6000, 6000 IPS and
// IDS send the Themis, TianQing and TianTian formats unchanged, so without
// a hint those lines are attributed to Venustech.
var venustech = &brand{
	id: "venustech", name: "Venustech (启明星辰)", vendor: "Venustech", ns: "venustech",
	aliases: []string{"启明星辰", "venus", "venustech-nips", "venustech-tianqing", "tianqing", "tiantian", "天阗", "天清"},
	product: "TianQing", otype: "ips",
	families: []*family{venusTianQing, venusThemis, venusTianTianJSON, venusTianTianAPT, venusTianYue, venusESM, venusVetrix, venusOSM},
	verified: "logs-cn corpus: TianQing NIPS/VSG/USG/WAG, Themis NAC/UTM/SAG, TianTian IDS/APT, TianYue audit, ESM, VETRIX, OSM",
}

var venusTianQingKeys = commonKeys.with(`
ruleid 1: eventid
severity 1: eventlevel evt_level dangerlevel
severity 4: evt_log_level
attacktype 1: securitytype evt_type
rule 1: eventname module
appproto 1: protocoltype
app 2: gamename voipname stockname smedianame imname p2pname
filename 1: samplename
md5 1: samplemd5
httphost 1: requestdomain
url 2: requestresource
user 1: username
action 1: action
action 2: operate
ignore 0: srcipver dstipver protocolid vsysid captoken
session 1: sessionid
`)

var venusTianQing = &family{
	id: "venustech-tianqing", owner: "venustech", keys: venusTianQingKeys, scale: oneToThree,
	product: "TianQing", otype: "ips",
	match: func(r *parse.Record) bool {
		i := strings.Index(r.Original, ": SerialNum=")
		return i > 0 && i < 120 && strings.Contains(r.Original, "GenTime=") && !strings.HasPrefix(r.Original[i:], `: SerialNum="`)
	},
	read: readVenusTianQing,
}

// venusAlertTypes are the TianQing record types that report attacks.
var venusAlertTypes = map[string]bool{"IPS": true, "AV": true, "ATTACK": true, "APT": true, "CCTUNNEL": true,
	"WEBSCAN": true, "SCAN": true, "WAG": true, "DDOS": true, "VIRUS": true, "BOTNET": true, "ANTIVIRUS": true}

func readVenusTianQing(c *ctx) {
	p := c.r.Original
	i := strings.Index(p, ": SerialNum=")
	typ := p[:i]
	if j := strings.LastIndexAny(typ, " >"); j >= 0 {
		typ = typ[j+1:]
	}
	c.keep("type", typ)
	fs := spaceKV(p[i+2:], '=', nil)
	if typ == "WAG" || fs.str("Module") != "" {
		c.product, c.otype = "WAG", "waf"
		c.scale = venusScale
	}
	if venusAlertTypes[typ] {
		c.alert = true
	}
	if typ == "CONFIG" || typ == "LOGIN" {
		c.category("configuration")
	}
	// C&C tunnels: the slave (infected host) talks to its master.
	for _, f := range fs {
		switch f.key {
		case "MasterIP", "MasterIP6":
			c.offer(rDstIP, 1, f.val)
			continue
		case "SlaveIP", "SlaveIP6":
			c.offer(rSrcIP, 1, f.val)
			continue
		case "MasterPort":
			c.offer(rDstPort, 1, f.val)
			continue
		case "SlavePort":
			c.offer(rSrcPort, 1, f.val)
			continue
		case "SecurityID":
			if m, ok := codes("security_type_venus").lookup(f.val); ok {
				c.offer(rAttackType, 2, m)
			}
		}
		c.collectOne(f.key, f.val)
	}
}

// Themis platform: NAC, UTM, SAG (and Leadsec Power V6000).
var venusThemisKeys = commonKeys.with(`
time 1: time
time 2: date
severity 1: severity risk
severity 3: pri
keep 0: level
action 1: act action
action 2: policy
srcip 2: from ip
user 1: username
user 2: user admin
reason 1: dsp_msg msg
rule 1: eventname rule_name
url 2: eventdetails
serial 1: serial
`)

var venusThemis = &family{
	id: "venustech-themis", owner: "venustech", keys: venusThemisKeys, scale: syslogScale,
	product: "Themis", otype: "firewall",
	match: func(r *parse.Record) bool {
		p := r.Original
		i := strings.Index(p, "devid=")
		return i >= 0 && i < 100 && strings.Contains(p, " dname=") && strings.Contains(p, " logtype=")
	},
	read: readVenusThemis,
}

func readVenusThemis(c *ctx) {
	p := c.r.Original
	fs := spaceKV(p[strings.Index(p, "devid="):], '=', nil)
	dname := strings.ToUpper(fs.str("dname"))
	switch {
	case strings.Contains(dname, "NAC"):
		c.product, c.otype = "NAC", "nac"
	}
	mod := strings.ToLower(fs.str("mod"))
	et := strings.ToUpper(fs.str("eventtype"))
	switch {
	case et == "IPS" || et == "WAF" || et == "PCP" || et == "AV" || mod == "ips" || mod == "av":
		c.alert = true
		if et == "PCP" || et == "AV" {
			c.malware = true
		}
	case mod == "pf":
		c.category("network")
	case mod == "webui" || mod == "uma" || mod == "authcenter" || mod == "security" || mod == "access":
		c.category("configuration")
	}
	for _, f := range fs {
		switch f.key {
		case "eventname":
			// "Trojan PSW.Jianghu.ei": type and name; "UserDefine sina_alert".
			c.offer(rRuleName, 1, f.val)
			continue
		case "result":
			if f.val == "0" {
				c.e.Set("event.outcome", "success")
				c.keep(f.key, f.val)
				continue
			}
		case "type", "code":
			// ICMP type and code in packet-filter records
			if mod == "pf" && allDigits(f.val) {
				c.keep("icmp_"+f.key, f.val)
				continue
			}
		}
		c.collectOne(f.key, f.val)
	}
	if c.alert {
		if m := fs.str("dsp_msg"); m != "" {
			// "检测到攻击:跨站脚本攻击", "发现病毒: X; 类型: Trojan"
			if _, t, ok := strings.Cut(m, "类型:"); ok {
				c.offer(rAttackType, 2, strings.TrimSpace(t))
			}
		}
	}
}

// TianTian (天阗) IDS JSON: {"dt":"VENUS_IDS_…", …}.
var venusTianTianKeys = commonKeys.with(`
severity 1: level event_level
rule 1: subject
time 1: time
time 2: start_time
ignore 0: dt
`)

var venusTianTianJSON = &family{
	id: "venustech-tiantian-json", owner: "venustech", keys: venusTianTianKeys, scale: venusScale,
	product: "TianTian", otype: "ids",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Body, `{"dt":"VENUS_`) || strings.Contains(r.Body, `{"dt":"LEADSEC_`)
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		dt := fs.str("dt")
		c.keep("dt", dt)
		if strings.Contains(dt, "_CS_") {
			c.otype = "apt"
		}
		if strings.HasPrefix(dt, "LEADSEC_") {
			// Leadsec's build of the same IDS names itself
			c.vendorGuess, c.product = "Leadsec", "IDS"
		}
		for _, f := range fs {
			switch f.key {
			case "attackid":
				if m, ok := codes("attack_type_venus").lookup(f.val); ok {
					c.e.Set("venustech.attackid", f.val)
					c.offer(rAttackType, 1, m)
					if cat, ok := codes("attack_category_venus").lookup(f.val); ok {
						c.e.Set("venustech.attack_category", cat)
					}
					continue
				}
			case "securityid":
				if m, ok := codes("security_type_venus").lookup(f.val); ok {
					c.e.Set("venustech.securityid", f.val)
					c.offer(rAttackType, 2, m)
					continue
				}
			case "type":
				if f.val == "Alert Log" {
					c.alert = true
				}
			}
			c.collectOne(f.key, f.val)
		}
		if fs.str("virus_name") != "" {
			c.alert = true
		}
	},
}

// TianTian APT / threat-detection JSON.
var venusTianTianAPTKeys = commonKeys.with(`
severity 1: severity
severity 2: event_level_name
severity 3: level threatstr
attacktype 1: attack_type
attacktype 2: security_type
rule 1: subject scenename
time 1: start_time
time 2: time
srcip 3: ip
`)

var venusTianTianAPT = &family{
	id: "venustech-tiantian-apt", owner: "venustech", keys: venusTianTianAPTKeys, scale: percentScale,
	product: "TianTian", otype: "apt",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "{") && (strings.Contains(b, `"log_type":"dac_`) || strings.Contains(b, `"log_type": "dac_`) ||
			strings.Contains(b, `"event_level_name"`) || strings.Contains(b, `"sceneName"`))
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.alert = true
		c.collect(fs)
	},
}

// TianYue (天玥) database/operations audit: "TYPE: devsn=… gen_time=…" or
// the same as JSON.
var venusTianYueKeys = commonKeys.with(`
severity 2: level
user 1: auth_account
user 2: bizaccout
srcport 1: client_port
dstport 1: server_port
ignore 0: redirect_port
`)

var venusTianYue = &family{
	id: "venustech-tianyue", owner: "venustech", keys: venusTianYueKeys, product: "TianYue", otype: "audit",
	match: func(r *parse.Record) bool {
		b := r.Body
		i := strings.Index(b, "devsn")
		return i >= 0 && i < 160 && strings.Contains(b, "gen_time")
	},
	read: func(c *ctx) {
		b := c.r.Body
		i := strings.Index(b, "devsn")
		if j := strings.LastIndexByte(b[:i], '{'); j >= 0 {
			fs, _ := jsonFields(b[j:], nil)
			c.collect(fs)
		} else {
			c.collect(spaceKV(b[i:], '=', nil))
		}
		if j := strings.LastIndex(b[:i], ": "); j > 0 {
			typ := b[:j]
			if k := strings.LastIndexByte(typ, ' '); k >= 0 {
				typ = typ[k+1:]
			}
			c.keep("type", typ)
		}
		c.category("database")
	},
}

// ESM endpoint agent: "<Policy_Audit_File><Data time=… …/>".
var venusESMKeys = commonKeys.with(`
hostip 1: ip netip
hostmac 1: mac netmac macaddress
user 1: winuser localuser userid
dstport 1: httpport
url 2: resource
devip 1: nasipaddress
reason 1: authres
time 1: time logtime
`)

var venusESM = &family{
	id: "venustech-esm", owner: "venustech", keys: venusESMKeys, product: "ESM", otype: "edr",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Body, "<Policy_")
	},
	read: func(c *ctx) {
		b := c.r.Body
		i := strings.Index(b, "<Policy_")
		rest := b[i+1:]
		tag, _, _ := strings.Cut(rest, " ")
		tag, _, _ = strings.Cut(tag, ">")
		c.keep("policy_type", tag)
		for _, r := range []string{"<Data ", "<" + tag + " "} {
			if j := strings.Index(b, r); j >= 0 {
				attrs := b[j+len(r):]
				if k := strings.Index(attrs, "/>"); k >= 0 {
					attrs = attrs[:k]
				}
				c.collect(spaceKV(attrs, '=', nil))
				break
			}
		}
		c.category("host")
	},
}

// VETRIX EDR JSON ({"uuid":…,"send_time":…,"content":[…]}).
var venusVetrixKeys = commonKeys.with(`
hostip 1: ip
hostmac 1: mac
time 1: occur_time
time 2: send_time
rule 1: name
dstip 1: remote_ip host
dstport 1: port
`)

var venusVetrix = &family{
	id: "venustech-vetrix", owner: "venustech", keys: venusVetrixKeys, product: "VETRIX", otype: "edr",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "send_time") && strings.Contains(b, "message_id") && strings.Contains(b, "correlation_id")
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.alert = true
		c.collect(fs)
		c.category("host")
	},
}

// OSM virtual bastion host JSON.
var venusOSMKeys = commonKeys.with(`
devip 1: dev_ipv4
cmdline 1: command
time 1: log_time
`)

var venusOSM = &family{
	id: "venustech-osm", owner: "venustech", keys: venusOSMKeys, product: "OSM", otype: "bastion",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `"command_id"`) && strings.Contains(b, `"dev_ipv4"`)
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		c.collect(fs)
		c.category("session")
	},
}

// Leadsec (网御星云), a Venustech company: its devices send Venustech's
// formats; the brand exists so that a hint names the right vendor.
var leadsec = &brand{
	id: "leadsec", name: "Leadsec (网御星云)", vendor: "Leadsec", ns: "leadsec",
	aliases: []string{"网御星云", "leadsec-ips", "leadsec-power-v6000"},
	product: "Power V6000", otype: "firewall",
}
