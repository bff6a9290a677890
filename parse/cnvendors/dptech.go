package cnvendors

import (
	"encoding/hex"
	"net/netip"
	"regexp"
	"strings"

	"bianque/parse"
)

// DPtech (迪普科技). ConPlat products write "DPTECH %%MOD/SUB/level/TYPE(l):
// key(n):value;“key:value;…" (platform records carry the module "--IPS"
// on every product); the Guard anti-DDoS writes "%%--GUARD/DETECT/1/TRAFFIC:
// IP address:…;…"; the firewall "FW n POLICY:Deny proto|src|sport|dst|dport|in|out";
// DSP audit "$"-separated Chinese keys; the XDR agent ";;"-separated records;
// the APT sensor key="value" lines.
var dptech = &brand{
	id: "dptech", name: "DPtech (迪普科技)", vendor: "DPtech", ns: "dptech",
	aliases: []string{"迪普", "迪普科技", "dptech-ips", "dptech-fw", "dptech-uag", "conplat"},
	product: "ConPlat", otype: "firewall",
	families: []*family{dptechConPlat, dptechFW, dptechDSP, dptechXDR, dptechAPT},
	verified: "logs-cn corpus: IPS2000, UAG3000, FW1000, WAF3000, Guard3000, firewall, DSP1000, XDR, APT1000",
}

var dptechTag = regexp.MustCompile(`%%(--)?([A-Z][A-Z0-9_]*)/([A-Za-z][A-Za-z0-9_]*)/(\d)/([A-Z][A-Z0-9_]*)(?:\(\w\))?:\s*`)

// dptechKey is a field name: "source-ip", "user-name(85)", "Creation Time".
var dptechKey = regexp.MustCompile(`^[A-Za-z][\w -]*(\(\d+\))?$`)

var dptechKeys = commonKeys.with(`
action 1: event action
rule 1: attack-name
virus 1: av-name
attacktype 1: att_level3
attacktype 2: att_level2
attacktype 3: att_level1
proto 1: protocol-name protocol
proto 2: ip-proto-id
app 1: application-name
srcip 2: host-ip
user 1: user-name
dstip 1: ip_address
time 1: creation_time
rule 2: traffic_type
reason 1: description
`)

var dptechConPlat = &family{
	id: "dptech-conplat", owner: "dptech", keys: dptechKeys, scale: syslogScale, product: "ConPlat", otype: "firewall",
	match: func(r *parse.Record) bool {
		o := r.Original
		return strings.Contains(o, "%%") && dptechTag.MatchString(o)
	},
	read: readDPtechConPlat,
}

func readDPtechConPlat(c *ctx) {
	o := c.r.Original
	m := dptechTag.FindStringSubmatchIndex(o)
	dashes := m[2] >= 0
	mod, sub, lvl, typ := o[m[4]:m[5]], o[m[6]:m[7]], o[m[8]:m[9]], o[m[10]:m[11]]
	c.keep("module", mod+"/"+sub)
	c.keep("type", typ)
	c.offer(rSeverity, 4, lvl)
	switch {
	case mod == "GUARD" || mod == "PROBE":
		c.product, c.otype = "Guard", "ddos"
	case dashes:
		c.product = "ConPlat"
	case mod == "IPS":
		c.product, c.otype = "IPS", "ips"
	case mod == "UAG":
		c.product, c.otype = "UAG", "proxy"
	case mod == "WAF":
		c.product, c.otype = "WAF", "waf"
	case mod == "FW":
		c.product = "FW"
	case mod == "DPX":
		c.product, c.otype = "DPX", "ips"
	default:
		c.product = mod
	}
	body := strings.ReplaceAll(o[m[1]:], "``", "")
	switch typ {
	case "SRVLOG", "DATALOG", "TRAFFIC", "OPERLOG":
	default:
		c.offer(rReason, 1, strings.TrimSpace(body))
		return
	}
	if typ == "SRVLOG" || typ == "DATALOG" || typ == "TRAFFIC" {
		c.alert = sub != "SESSION" && sub != "NAT"
	}
	var fs fields
	for _, item := range strings.Split(body, ";") {
		k, v, ok := strings.Cut(item, ":")
		if ok && dptechKey.MatchString(strings.TrimSpace(k)) {
			fs = append(fs, field{strings.TrimSpace(k), strings.TrimSpace(v)})
		} else if t := strings.TrimSpace(item); t != "" {
			fs = append(fs, field{"", t})
		}
	}
	for _, f := range fs {
		k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(f.key), " ", "_"))
		v := f.val
		// "(352325536)死亡之Ping": an id before the name
		if strings.HasPrefix(v, "(") {
			if end := strings.IndexByte(v, ')'); end > 1 && allDigits(v[1:end]) {
				if strings.HasPrefix(k, "attack-name") {
					c.offer(rRuleID, 1, v[1:end])
				}
				v = v[end+1:]
			}
		}
		base := k
		if i := strings.IndexByte(base, '('); i > 0 {
			base = base[:i]
		}
		switch base {
		case "source-ip", "destination-ip":
			if ip, ok := dptechHexIP(v); ok {
				v = ip
			}
		case "error-code":
			if v == "0" {
				c.e.Set("event.outcome", "success")
			} else {
				c.e.Set("event.outcome", "failure")
			}
			c.keep(base, v)
			continue
		case "log-type":
			c.keep(base, v)
			if strings.Contains(v, "application") {
				c.alert = false
			}
			continue
		case "":
			// the free-text tail of OPERLOG records
			c.offer(rReason, 1, v)
			continue
		}
		if f.key == "" {
			c.offer(rReason, 1, v)
			continue
		}
		c.collectOne(base, v)
	}
	if typ == "OPERLOG" {
		c.category("configuration")
	}
}

// dptechHexIP reads "4-C0A802FE" (address family, then the address in hex).
func dptechHexIP(s string) (string, bool) {
	fam, h, ok := strings.Cut(s, "-")
	if !ok || (fam != "4" && fam != "6") {
		return "", false
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", false
	}
	switch {
	case fam == "4" && len(b) == 4:
		return netip.AddrFrom4([4]byte(b)).String(), true
	case fam == "6" && len(b) == 16:
		return netip.AddrFrom16([16]byte(b)).String(), true
	}
	return "", false
}

// Firewall: "FW 1 POLICY:Deny 17|src|sport|dst|dport|in|out",
// "FW n NAT444:SessionW start|end|src|natsrc|natsport|dst|dport|proto".
var dptechFWRe = regexp.MustCompile(` FW \d+ (POLICY|NAT444):(\S+) (\S+)`)

var dptechFW = &family{
	id: "dptech-fw", owner: "dptech", product: "FW", otype: "firewall",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Original, " FW ") && dptechFWRe.MatchString(r.Original)
	},
	read: func(c *ctx) {
		o := c.r.Original
		m := dptechFWRe.FindStringSubmatch(o)
		f := strings.Split(m[3], "|")
		get := func(i int) string {
			if i < len(f) {
				return f[i]
			}
			return ""
		}
		c.keep("type", m[1])
		switch m[1] {
		case "POLICY":
			c.offer(rAction, 1, m[2])
			c.offer(rProto, 1, get(0))
			c.offer(rSrcIP, 1, get(1))
			c.offer(rSrcPort, 1, get(2))
			c.offer(rDstIP, 1, get(3))
			c.offer(rDstPort, 1, get(4))
			c.offer(rInIf, 1, get(5))
			c.offer(rOutIf, 1, get(6))
		case "NAT444":
			c.keep("nat_event", m[2])
			c.offer(rStart, 1, get(0))
			c.offer(rEnd, 1, get(1))
			c.offer(rSrcIP, 1, get(2))
			c.offer(rSrcNatIP, 1, get(3))
			c.offer(rSrcNatPort, 1, get(4))
			c.offer(rDstIP, 1, get(5))
			c.offer(rDstPort, 1, get(6))
			c.offer(rProto, 1, get(7))
		}
		// The header time: "Dec 28 16:16:01 2017" or "2017 Dec 28 16:16:00".
		if i := strings.Index(o, " FW "); i > 0 {
			head := o[:i]
			for _, re := range []*regexp.Regexp{dptechTime1, dptechTime2} {
				if t := re.FindString(head); t != "" {
					if re == dptechTime2 {
						t = t[5:] + " " + t[:4]
					}
					c.offer(rTime, 1, t)
					break
				}
			}
		}
		c.category("network")
	},
}

var (
	dptechTime1 = regexp.MustCompile(`[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}`)
	dptechTime2 = regexp.MustCompile(`\d{4} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}`)
)

// DSP database audit: "host: 风险等级: 高$ 源IP : 1.2.3.4$ 源端口: 12345$ …".
var dptechDSPKeys = commonKeys.with(`
user 1: 用户名
policy 1: 策略
`)

var dptechDSP = &family{
	id: "dptech-dsp", owner: "dptech", keys: dptechDSPKeys, product: "DSP", otype: "audit",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, "$ 源IP") || (strings.Contains(b, "风险等级") && strings.Count(b, "$") >= 3)
	},
	read: func(c *ctx) {
		b := c.r.Body
		if i := strings.Index(b, "风险等级"); i >= 0 {
			b = b[i:]
		}
		fs := splitList(fullWidth.Replace(b), []string{"$"}, []string{":"}, nil)
		c.collect(fs)
		c.category("database")
	},
}

// XDR agent: "Type;;level;;epoch;;hostip;;hostid;;k=v;;…".
var dptechXDRRe = regexp.MustCompile(`^([A-Za-z]+);;(\d);;(\d{10});;`)

var dptechXDRKeys = commonKeys.with(`
cmdline 1: cmd
virus 1: vname
filepath 1: vpath file_path
user 1: user user_name
hostmac 1: mac
hostname 1: machinename
time 3: op_time vftime
result 1: action_result
`)

var dptechXDR = &family{
	id: "dptech-xdr", owner: "dptech", keys: dptechXDRKeys, scale: oneToFive, product: "XDR", otype: "edr",
	match: func(r *parse.Record) bool { return dptechXDRRe.MatchString(payload(r)) },
	read: func(c *ctx) {
		p := payload(c.r)
		parts := strings.Split(p, ";;")
		if len(parts) < 5 {
			c.offer(rReason, 1, p)
			return
		}
		typ := parts[0]
		c.keep("type", typ)
		c.offer(rSeverity, 1, parts[1])
		c.offer(rTime, 1, parts[2])
		c.offer(rHostIP, 1, parts[3])
		c.keep("host_id", parts[4])
		var fs fields
		for _, part := range parts[5:] {
			// "document=123.txt;port=": single ';' inside an item
			for _, item := range strings.Split(part, ";") {
				if k, v, ok := strings.Cut(strings.TrimSpace(item), "="); ok && keyLike(k) {
					fs = append(fs, field{k, unquote(v)})
				}
			}
		}
		switch {
		case strings.Contains(typ, "AntiVirus"):
			c.alert, c.malware = true, true
		case strings.Contains(typ, "Network"):
			c.category("network")
		case strings.Contains(typ, "ActionRule"):
			c.alert = true
		}
		c.collect(fs)
		c.category("host")
	},
}

// APT sensor: dname="…" module="syslog" severity="…" type="attack" … sid= prio= class= msg=.
var dptechAPTKeys = commonKeys.with(`
severity 2: prio
rule 1: msg
`)

var dptechAPT = &family{
	id: "dptech-apt", owner: "dptech", keys: dptechAPTKeys, product: "APT", otype: "apt",
	match: func(r *parse.Record) bool {
		b := r.Body
		return strings.Contains(b, `dname="`) && strings.Contains(b, `prio="`) && strings.Contains(b, `class="`)
	},
	read: func(c *ctx) {
		fs := spaceKV(payload(c.r), '=', nil)
		if fs.str("type") == "attack" {
			c.alert = true
		}
		for _, f := range fs {
			if f.key == "class" {
				if m, ok := codes("attack_type_class_dptech").lookup(f.val); ok {
					c.offer(rAttackType, 1, m)
				}
			}
			c.collectOne(f.key, f.val)
		}
	},
}
