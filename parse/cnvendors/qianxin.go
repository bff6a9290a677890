package cnvendors

import (
	"regexp"
	"strconv"
	"strings"

	"bianque/parse"
)

// Qi-AnXin (奇安信). The NSG/SecGate firewall (the Legendsec 网神 line)
// writes key="value" records with addr_src/addr_dst; SkyEye (天眼) sensors
// "skyeye_<type> k="v"…" or "time|!devip|!type|!{json}"; SkyLar (天擎)
// JSON with a log_name; the server-security manager (VmsecController) CEF
// with tab-separated extensions; the SSL VPN pipe-separated records.
var qianxin = &brand{
	id: "qianxin", name: "Qi-AnXin (奇安信)", vendor: "Qi-AnXin", ns: "qianxin",
	aliases: []string{"奇安信", "qi-anxin", "qax", "qianxin-nsg", "secgate", "skyeye", "天眼", "skylar", "天擎"},
	product: "NSG", otype: "firewall",
	families: []*family{qianxinNSG, qianxinSkyEye, qianxinSkyEyeSensor, qianxinSkyLar, qianxinVmsec, qianxinSSLVPN},
	verified: "logs-cn corpus: NSG firewall 6.1, SkyEye NDS and sensor 3.0.9, SkyLar 6.x (and 360 天擎 6.0–6.3), server security 8.0.3, SSL VPN",
}

var qianxinNSGKeys = commonKeys.with(`
user 1: user_src
targetuser 1: user_dst
count 1: hit_num
rule 1: threat_name
time 1: time
`)

var qianxinNSG = &family{
	id: "qianxin-nsg", owner: "qianxin", keys: qianxinNSGKeys, scale: syslogScale, product: "NSG", otype: "firewall",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `addr_src="`) && strings.Contains(b, `dname="`)
	},
	read: func(c *ctx) {
		b := c.r.Body
		if i := strings.Index(b, `devid="`); i > 0 {
			b = b[i:]
		}
		fs := spaceKV(b, '=', nil)
		if t := fs.str("type"); t == "threat" || fs.str("threat_name") != "" {
			c.alert = true
		}
		c.collect(fs)
	},
}

// SkyEye NDS: "skyeye_ids serial_num=… rule_id=… sip=… dip=… severity=…".
var qianxinSkyEyeKeys = commonKeys.with(`
rule 1: rule_name vuln_name
rule 2: rule_desc
attacktype 1: vuln_type attack_type
attacktype 2: type
time 1: access_time write_date
time 2: etime
serial 1: serial_num
app 1: app_name protol7_name
reason 1: detail_info description
`)

var qianxinSkyEye = &family{
	id: "qianxin-skyeye", owner: "qianxin", keys: qianxinSkyEyeKeys, scale: tenScale, product: "SkyEye", otype: "ids",
	match: func(r *parse.Record) bool {
		i := strings.Index(r.Original, "skyeye_")
		return i >= 0 && i < 12
	},
	read: func(c *ctx) {
		o := c.r.Original
		p := o[strings.Index(o, "skyeye_"):]
		typ, rest, _ := strings.Cut(p, " ")
		c.keep("log_type", typ)
		c.alert = true
		readSkyEyeFields(c, spaceKV(rest, '=', nil))
	},
}

func readSkyEyeFields(c *ctx, fs fields) {
	for _, f := range fs {
		switch f.key {
		case "kill_chain":
			if m, ok := codes("killchain_ids_qianxin_nsd").lookup(f.val); ok {
				c.e.Set("qianxin.kill_chain_phase", m)
			}
		case "attack_result":
			c.keep(f.key, f.val)
			continue
		}
		c.collectOne(f.key, f.val)
	}
}

// SkyEye sensor: "2019-09-17 16:59:14|!10.91.3.13|!webids-ids_dolog|!{json}".
var qianxinSkyEyeSensor = &family{
	id: "qianxin-skyeye-sensor", owner: "qianxin", keys: qianxinSkyEyeKeys, scale: tenScale, product: "SkyEye", otype: "ids",
	match: func(r *parse.Record) bool {
		b := r.Original
		i := strings.Index(b, "|!")
		return i > 0 && i < 40 && strings.Count(b[:min(len(b), 120)], "|!") >= 3
	},
	read: func(c *ctx) {
		parts := strings.SplitN(c.r.Original, "|!", 4)
		c.offer(rTime, 0, parts[0])
		c.offer(rDevIP, 1, parts[1])
		c.keep("log_type", parts[2])
		if strings.HasSuffix(parts[2], "_dolog") {
			c.alert = true
		}
		if len(parts) == 4 {
			fs, _ := jsonFields(parts[3], nil)
			readSkyEyeFields(c, fs)
		}
	},
}

// SkyLar (天擎) JSON: {"version":"天擎6.6.0.4000","log_name":"病毒分析",…,"content":{…}}.
var qianxinSkyLarKeys = commonKeys.with(`
hostip 1: ip
hostmac 1: mac
time 1: create_time
time 2: access_time
rule 1: name
attacktype 1: type
virus 2: virus_name
filepath 1: virus_path file_path path
procpath 1: process_path
cmdline 1: process_cmdline
md5 1: process_md5 hash_code md5_file
user 1: login_user account
hostname 1: client_name
action 2: op oper_type operation
ignore 0: gid
`)

var qianxinSkyLar = &family{
	id: "qianxin-skylar", owner: "qianxin", keys: qianxinSkyLarKeys, product: "SkyLar", otype: "edr",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `"log_name"`) && (strings.Contains(b, `"report_ip"`) || strings.Contains(b, "skylar"))
	},
	read: func(c *ctx) {
		fs, _ := jsonFields(c.r.Body, nil)
		if v := fs.str("version"); v != "" && skylarBefore66(v) {
			// 天擎 6.0–6.3 shipped while the product was Qihoo 360's.
			c.vendorGuess = "Qihoo 360"
		}
		ln := fs.str("log_name")
		c.keep("log_name", ln)
		switch {
		case strings.Contains(ln, "病毒") || strings.Contains(ln, "木马") || strings.Contains(ln, "virus"):
			c.alert, c.malware = true, true
		case strings.Contains(ln, "漏洞"):
			c.category("vulnerability")
			fs = without(fs, "content.type")
		case strings.Contains(ln, "登录"):
			c.category("authentication")
		case strings.Contains(ln, "processsocket") || strings.Contains(ln, "网络"):
			c.category("network")
		}
		for _, f := range fs {
			if f.key == "log_name" {
				continue
			}
			if f.key == "content.name" && !c.alert {
				c.keep(f.key, f.val)
				continue
			}
			c.collectOne(f.key, f.val)
		}
		c.category("host")
	},
}

// skylarBefore66 reports a 天擎 version older than 6.6 ("天擎6.3.0.5100").
func skylarBefore66(v string) bool {
	v = strings.TrimPrefix(strings.TrimSpace(v), "天擎")
	maj, rest, _ := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return false
	}
	return a < 6 || a == 6 && b < 6
}

// Server security manager (VmsecController): CEF with tab-separated
// extensions, or the extensions alone.
var qianxinVmsecKeys = commonKeys.with(`
eventid 1: eventid
srcip 2: address
hostname 1: host vm
user 1: operator
virus 1: malwarename
reason 1: description
`)

var qianxinVmsec = &family{
	id: "qianxin-vmsec", owner: "qianxin", keys: qianxinVmsecKeys, scale: oneToFive, product: "Server Security", otype: "edr",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, "VmsecController") || strings.Contains(o, "|Qianxin|")
	},
	read: func(c *ctx) {
		o := c.r.Original
		ext := o
		if i := strings.Index(o, "CEF:"); i >= 0 {
			hdr := strings.SplitN(o[i+len("CEF:"):], "|", 8)
			if len(hdr) == 8 {
				c.keep("cef_product", strings.TrimSpace(hdr[2]))
				c.offer(rVersion, 1, hdr[3])
				c.offer(rEventID, 1, hdr[4])
				c.offer(rRuleName, 2, hdr[5])
				c.offer(rSeverity, 3, hdr[6])
				ext = hdr[7]
			}
		} else if i := strings.Index(o, "eventID="); i >= 0 {
			ext = o[i:]
		}
		fs := splitList(ext, []string{"\t"}, []string{"="}, nil)
		desc := fs.str("description")
		switch {
		case strings.Contains(desc, "恶意软件") || fs.str("malwarename") != "":
			c.alert, c.malware = true, true
		case strings.Contains(desc, "入侵"):
			c.alert = true
		case strings.Contains(desc, "登录"):
			c.category("authentication")
		}
		for _, f := range fs {
			switch f.key {
			case "IP":
				// the management centre's address
				c.offer(rDevIP, 1, f.val)
				continue
			case "ip":
				c.offer(rHostIP, 1, f.val)
				continue
			case "year":
				continue
			}
			c.collectOne(f.key, f.val)
		}
	},
}

// SSL VPN: "20230517 17:12:56 Gateway |5|0x0200046d|User|Login|12201106|Success|message".
var qianxinSSLVPNRe = regexp.MustCompile(`^(\d{8} \d{2}:\d{2}:\d{2}) (\S+) \|(\d)\|(0x[0-9a-fA-F]+)\|`)

var qianxinSSLVPN = &family{
	id: "qianxin-sslvpn", owner: "qianxin", scale: syslogScale, product: "SSL VPN", otype: "vpn",
	match: func(r *parse.Record) bool { return qianxinSSLVPNRe.MatchString(payload(r)) },
	read: func(c *ctx) {
		p := payload(c.r)
		m := qianxinSSLVPNRe.FindStringSubmatch(p)
		c.offer(rTime, 1, m[1])
		c.offer(rDevName, 1, m[2])
		c.offer(rSeverity, 1, m[3])
		c.offer(rEventID, 1, m[4])
		parts := strings.Split(p[len(m[0]):], "|")
		if len(parts) >= 5 {
			c.keep("category", parts[0])
			c.offer(rAction, 1, parts[1])
			c.offer(rUser, 1, parts[2])
			c.offer(rResult, 1, parts[3])
			c.offer(rReason, 1, strings.TrimSpace(parts[4]))
		}
		c.category("authentication")
	},
}

// Qihoo 360 (奇虎360): 天擎 v10 sends "client_info {…}" style records with
// upper-case keys; the 6.x JSON records are read by the SkyLar family.
var qihoo360 = &brand{
	id: "qihoo360", name: "Qihoo 360 (360天擎)", vendor: "Qihoo 360", ns: "qihoo360",
	aliases: []string{"360", "奇虎360", "360天擎", "qihoo"},
	product: "SkyLar", otype: "edr",
	families: []*family{qihoo360Skylar},
	verified: "logs-cn corpus: 360天擎 v10 client_info/website_audit/syn_user_log; 6.x via the SkyLar family",
}

var qihoo360Keys = commonKeys.with(`
hostip 1: ipaddr ip
hostmac 1: macaddr
hostname 1: cmpname
user 1: logonuser
time 1: audit_time time
url 1: alarm_website_violate_web
severity 1: alarm_level
rule 1: name
`)

var qihoo360Skylar = &family{
	id: "qihoo360-skylar", owner: "qihoo360", keys: qihoo360Keys, product: "SkyLar", otype: "edr",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `"HOSTID":`) || strings.Contains(b, "{NUM_ID=") || strings.Contains(b, `{"NUM_ID":`) ||
			strings.Contains(b, `"CMPNAME":`)
	},
	read: func(c *ctx) {
		b := c.r.Body
		i := strings.IndexByte(b, '{')
		if i < 0 {
			return
		}
		if strings.HasPrefix(b[i:], `{"`) {
			fs, _ := jsonFields(b[i:], nil)
			c.collect(fs)
		} else {
			body := strings.TrimSuffix(strings.TrimPrefix(b[i:], "{"), "}")
			fs := splitList(body, []string{", "}, []string{"="}, nil)
			for j := range fs {
				// <a href="…">text</a>: keep the link text
				if k := strings.Index(fs[j].val, "\">"); k >= 0 && strings.HasPrefix(fs[j].val, "<a ") {
					fs[j].val = strings.TrimSuffix(fs[j].val[k+2:], "</a>")
				}
			}
			c.collect(fs)
		}
		if m := c.r.Syslog; m != nil {
			c.keep("log_type", m.Hostname)
		}
		c.category("host")
	},
}

// Legendsec (网神): its firewall line is Qi-AnXin's NSG (read by that
// family); the SecFox bastion host writes "SecFox baoleiji logType=…, k=v, …".
var legendsec = &brand{
	id: "legendsec", name: "Legendsec (网神)", vendor: "Legendsec", ns: "legendsec",
	aliases: []string{"网神", "secfox", "legendsec-secfox"},
	product: "SecFox", otype: "bastion",
	families: []*family{legendsecSecFox},
	verified: "logs-cn corpus: SecFox bastion; firewall 6.1 via the Qi-AnXin NSG family",
}

var legendsecSecFoxKeys = commonKeys.with(`
targetuser 1: account
action 1: operation
start 1: starttime
end 1: endtime
appproto 1: protocol
`)

var legendsecSecFox = &family{
	id: "legendsec-secfox", owner: "legendsec", keys: legendsecSecFoxKeys, product: "SecFox", otype: "bastion",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Original, "SecFox") && strings.Contains(r.Original, "logType=")
	},
	read: func(c *ctx) {
		o := c.r.Original
		fs := splitList(o[strings.Index(o, "logType="):], []string{", "}, []string{"="}, nil)
		lt := fs.str("logType")
		if strings.Contains(lt, "LOGIN") {
			c.category("authentication")
		} else {
			c.category("session")
		}
		c.collect(fs)
	},
}
