package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// H3C (新华三). Comware devices (SecPath firewalls and IPS, switches) write
// "%%10MOD/level/MNEMONIC: -Chassis=1-Slot=2; Key(code)=value;…", the
// numeric codes being H3C's standard field identifiers (1003 source
// address, 1007 destination address, …); some firmware omits the "10".
// The ACG behaviour manager uses the OEM "HOST;serial;ipv4;3; type: k=v;"
// format (see oem.go).
var h3c = &brand{
	id: "h3c", name: "H3C (新华三)", vendor: "H3C", ns: "h3c",
	aliases: []string{"新华三", "华三", "comware", "secpath", "h3c-secpath", "h3c-acg"},
	product: "Comware", otype: "firewall",
	families: []*family{h3cComware},
	verified: "logs-cn corpus: SecPath F5030-D / F5010, T9008 IPS, S5120V3 switch; ACG1000 via the OEM family",
}

var h3cTag = regexp.MustCompile(`%%(?:10)?([A-Z][A-Z0-9-]*)/(\d)/([A-Z][A-Z0-9_]*):\s*`)

// h3cCodes maps H3C's field codes to roles, for keys not known by name.
var h3cCodes = map[string]role{
	"1001": rProto, "1002": rApp, "1003": rSrcIP, "1004": rSrcPort, "1007": rDstIP, "1008": rDstPort,
	"1036": rSrcIP, "1037": rDstIP, "1021": rSrcMAC, "1025": rInZone, "1035": rOutZone, "1023": rInIf,
	"1048": rAction, "1053": rAction, "1113": rUser, "1079": rPolicy, "1072": rPolicy, "1078": rRuleID,
	"1011": rTime, "1052": rReason, "1069": rCount, "1070": rDirection,
}

var h3cKeys = commonKeys.with(`
srcip 1: srcipaddr srcipv6addr
dstip 1: dstipaddr dstipv6addr
srcip 2: serveripaddr
srcmac 1: srcmacaddr
rule 1: attackname virusname signame threatname
attacktype 1: attackcategory category
severity 1: severitylevel
time 1: begintime_c
user 1: username
`)

var h3cComware = &family{
	id: "h3c-comware", owner: "h3c", keys: h3cKeys, scale: syslogScale, product: "Comware", otype: "firewall",
	match: func(r *parse.Record) bool {
		o := r.Original
		i := strings.Index(o, "%%")
		if i < 0 || strings.HasPrefix(o[i:], "%%01") || strings.HasPrefix(o[i:], "%%--") {
			return false
		}
		loc := h3cTag.FindStringIndex(o[i:])
		return loc != nil && loc[0] == 0
	},
	read: readH3C,
}

// h3cSecurityModules name SecPath's security features.
var h3cSecurityModules = map[string]bool{"ATK": true, "IPS": true, "ANTI-VIR": true, "AV": true, "BLS": true,
	"SCD": true, "WAF": true, "URLF": true, "FILTER": true, "DPI": true, "SESSION": true, "NAT": true,
	"APR": true, "UFLT": true, "DLP": true, "SANDBOX": true, "SECP": true}

// h3cAlertModules report attacks.
var h3cAlertModules = map[string]bool{"ATK": true, "IPS": true, "ANTI-VIR": true, "AV": true, "BLS": true,
	"SCD": true, "WAF": true, "SANDBOX": true}

var (
	h3cSSH  = regexp.MustCompile(`user (\S+) from (\S+) port (\d+)`)
	h3cDash = regexp.MustCompile(`-([A-Za-z]+)=([^-;]*)`)
)

func readH3C(c *ctx) {
	o := c.r.Original
	i := strings.Index(o, "%%")
	m := h3cTag.FindStringSubmatch(o[i:])
	mod, lvl, name := m[1], m[2], m[3]
	c.keep("module", mod)
	c.keep("mnemonic", name)
	c.offer(rSeverity, 4, lvl)
	c.e.Set("event.code", mod+"/"+name)
	if h3cSecurityModules[mod] {
		c.product = "SecPath"
	}
	if h3cAlertModules[mod] {
		c.alert = true
		c.otype = "ips"
	}
	body := o[i+len(m[0]):]
	// "-Chassis=1-Slot=3.1;" / "-Line=vty0-IPAddr=1.2.3.4-User=admin;" prefix
	if strings.HasPrefix(body, "-") {
		head, rest, _ := strings.Cut(body, ";")
		for _, d := range h3cDash.FindAllStringSubmatch(head, -1) {
			switch d[1] {
			case "IPAddr":
				c.offer(rSrcIP, 1, d[2])
			case "User":
				c.offer(rUser, 1, d[2])
			default:
				c.keep(strings.ToLower(d[1]), d[2])
			}
		}
		body = strings.TrimSpace(rest)
	}
	if strings.Contains(body, "(10") && strings.Contains(body, ")=") {
		for _, item := range strings.Split(body, ";") {
			k, v, ok := strings.Cut(item, "=")
			k = strings.TrimSpace(k)
			v = strings.TrimSuffix(strings.TrimSpace(v), ".")
			if !ok || !keyLike(k) {
				if t := strings.TrimSpace(item); t != "" {
					c.offer(rReason, 2, t)
				}
				continue
			}
			var buf [96]byte
			if _, known := c.keys[string(canonBytes(buf[:0], k))]; !known {
				if j := strings.LastIndexByte(k, '('); j > 0 && strings.HasSuffix(k, ")") {
					if r, ok := h3cCodes[k[j+1:len(k)-1]]; ok {
						c.offer(r, 2, v)
						continue
					}
				}
			}
			c.collectOne(k, v)
		}
	} else {
		c.offer(rReason, 1, body)
	}
	if strings.HasPrefix(name, "ATK_") {
		if zh, ok := codes("evt_type_h3c").lookup(name); ok {
			c.offer(rRuleName, 1, zh)
		} else {
			c.offer(rRuleName, 1, name)
		}
	}
	switch {
	case mod == "SSHS" || mod == "LOGIN" || mod == "SHELL" && strings.Contains(name, "LOG"):
		if s := h3cSSH.FindStringSubmatch(body); s != nil {
			c.offer(rUser, 1, s[1])
			c.offer(rSrcIP, 1, s[2])
			c.offer(rSrcPort, 1, s[3])
		}
		c.category("authentication")
		if strings.Contains(name, "SUCCESS") {
			c.e.Set("event.outcome", "success")
		} else if strings.Contains(name, "FAIL") {
			c.e.Set("event.outcome", "failure")
		}
	case mod == "SHELL":
		if _, cmd, ok := strings.Cut(body, "Command is "); ok {
			c.offer(rCmdline, 1, cmd)
		}
		c.category("configuration")
	case mod == "FILTER":
		c.category("network")
	}
}
