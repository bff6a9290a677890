package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// Huawei (华为). VRP-based devices (USG/HiSecEngine firewalls, NIP IPS,
// Agile Controller, switches) write "%%01MOD/level/MNEMONIC(l)[seq]:
// text (K=V, K=V, …)" or "…:K=V,K=V,…". Package vendors' huawei-usg
// normalizer reads the USG policy and session records (POLICY, SECLOG)
// it was written for; this family reads the rest (threat, management and
// system records of USG, NIP, Agile Controller, switches), and all of
// them when a device is registered with the huawei-vrp hint.
var huawei = &brand{
	id: "huawei-vrp", name: "Huawei VRP devices (华为)", vendor: "Huawei", ns: "huawei",
	aliases: []string{"华为", "vrp", "huawei-nip", "huawei-agile", "huawei-switch"},
	product: "VRP", otype: "firewall",
	families: []*family{huaweiVRP},
	hinted:   []*family{huaweiVRPAll},
	verified: "logs-cn corpus: USG6600 (SECLOG, ANTI-APT, FWD, SHELL, INFO, UPDATE), NIP6000, Agile Controller, S-series switches",
}

var (
	huaweiTag     = regexp.MustCompile(`%%01([A-Z][A-Z0-9-]*)/(\d)/([A-Z][A-Z0-9_]*)(?:\((?:[a-z]|\d+)\))?(?:\[\d+\])?:\s*`)
	huaweiBareTag = regexp.MustCompile(`^([A-Z][A-Z0-9-]*)/(\d)/([A-Z][A-Z0-9_]*):\s*`)
)

var huaweiKeys = commonKeys.with(`
srcip 2: ip
rule 1: threatname signname
ruleid 1: signid signatureid
virus 1: viruname
attacktype 1: threattype attacktype
attacktype 2: category
cmdline 1: command
start 1: begintime
end 1: endtime
appproto 2: accesstype
user 1: user username
eventid 2: syslogid
`)

var huaweiVRP = &family{
	id: "huawei-vrp", owner: "huawei-vrp", keys: huaweiKeys, scale: syslogScale, product: "VRP", otype: "firewall",
	match: func(r *parse.Record) bool {
		o := r.Original
		if i := strings.Index(o, "%%01"); i >= 0 {
			m := huaweiTag.FindStringSubmatch(o[i:])
			return m != nil && m[1] != "POLICY" && m[1] != "SECLOG"
		}
		// Some USG records omit "%%01": "USG6600 DS/4/DATASYNC_CFGCHANGE:…".
		if m := r.Syslog; m != nil && huaweiHost(m.Hostname) != "" {
			return huaweiBareTag.MatchString(m.Message) || huaweiBareTag.MatchString(strings.TrimPrefix(m.Appname+"/", "/"))
		}
		return false
	},
	read: readHuawei,
}

// huaweiVRPAll reads every VRP record of a hinted device.
var huaweiVRPAll = func() *family {
	f := *huaweiVRP
	f.id = "huawei-vrp-hinted"
	f.match = func(r *parse.Record) bool { return huaweiTag.MatchString(r.Original) }
	return &f
}()

// huaweiHost names the product from a device name (its default host name
// is the model).
func huaweiHost(h string) string {
	u := strings.ToUpper(h)
	switch {
	case strings.HasPrefix(u, "USG"):
		return "USG"
	case strings.Contains(u, "NIP"):
		return "NIP"
	case strings.Contains(u, "HISEC"):
		return "HiSecEngine"
	case strings.HasPrefix(u, "AGILECONTROLLER"):
		return "Agile Controller"
	case strings.HasPrefix(u, "EUDEMON"):
		return "Eudemon"
	}
	return ""
}

var huaweiFirewallModules = map[string]bool{"ANTI-APT": true, "IPS": true, "AV": true, "ATK": true, "SECLOG": true,
	"POLICY": true, "FWD": true, "SECIF": true, "NAT": true, "URL": true, "SA": true}

var huaweiAlertModules = map[string]bool{"ANTI-APT": true, "IPS": true, "AV": true, "ATK": true, "ANTIVIRUS": true,
	"URL": true, "WAF": true, "SA": true}

func readHuawei(c *ctx) {
	o := c.r.Original
	var mod, lvl, name, body string
	if i := strings.Index(o, "%%01"); i >= 0 {
		m := huaweiTag.FindStringSubmatch(o[i:])
		mod, lvl, name = m[1], m[2], m[3]
		body = o[i+len(m[0]):]
		host := strings.TrimSpace(o[:i])
		if j := strings.LastIndexByte(host, ' '); j >= 0 {
			host = host[j+1:]
		}
		if p := huaweiHost(host); p != "" {
			c.product = p
		}
		c.offer(rDevName, 1, host)
	} else if m := c.r.Syslog; m != nil {
		c.product = huaweiHost(m.Hostname)
		text := m.Message
		if t := huaweiBareTag.FindStringSubmatch(text); t != nil {
			mod, lvl, name = t[1], t[2], t[3]
			body = text[len(t[0]):]
		} else {
			// The syslog parser took "DS/4/NAME" as the tag.
			parts := strings.SplitN(m.Appname, "/", 3)
			if len(parts) == 3 {
				mod, lvl, name = parts[0], parts[1], parts[2]
			}
			body = text
		}
	}
	switch {
	case c.product == "NIP":
		c.otype = "ips"
	case c.product == "Agile Controller":
		c.otype = "nac"
	case c.product == "VRP" && huaweiFirewallModules[mod]:
		// security features of the USG/HiSecEngine firewall platform
		c.product = "USG"
	}
	if c.product == "" {
		c.product = "VRP"
	}
	c.keep("module", mod)
	c.keep("mnemonic", name)
	c.offer(rSeverity, 4, lvl)
	c.e.Set("event.code", mod+"/"+name)
	if huaweiAlertModules[mod] {
		c.alert = true
		if mod == "AV" || mod == "ANTIVIRUS" {
			c.malware = true
		}
	}
	var fs fields
	text := body
	if i := strings.LastIndex(body, "("); i >= 0 && strings.Contains(body[i:], "=") {
		inner := strings.TrimSuffix(strings.TrimSpace(body[i+1:]), ")")
		text = strings.TrimSpace(body[:i])
		for _, item := range splitQuoted(inner, ",") {
			fs = spaceKVItem(item, fs)
		}
	} else if strings.Contains(body, "=") {
		for _, item := range splitQuoted(strings.TrimSuffix(body, "."), ",") {
			fs = spaceKVItem(item, fs)
		}
		text = ""
	}
	if text != "" {
		c.offer(rReason, 2, text)
	}
	for _, f := range fs {
		switch strings.ToLower(f.key) {
		case "src", "dst":
			// "dst=192.168.0.112:0 "
			v := strings.TrimSpace(f.val)
			if h, p := parse.SplitHostPort(v); p != "" && parse.IsIP(h) {
				if f.key == "src" {
					c.offer(rSrcIP, 1, h)
					c.offer(rSrcPort, 1, p)
				} else {
					c.offer(rDstIP, 1, h)
					c.offer(rDstPort, 1, p)
				}
				continue
			}
		case "result":
			switch f.val {
			case "0":
				c.e.Set("event.outcome", "success")
			case "1":
				if mod == "AGENTLOG" {
					c.e.Set("event.outcome", "success")
				}
			}
		}
		c.collectOne(f.key, f.val)
	}
	switch {
	case mod == "SHELL" && strings.Contains(name, "LOGIN"), mod == "AGENTLOG":
		c.category("authentication")
		if strings.Contains(name, "FAIL") {
			c.e.Set("event.outcome", "failure")
		}
	case mod == "SHELL" || mod == "CFM" || mod == "DS":
		c.category("configuration")
	case mod == "SECLOG" || mod == "FWD" || mod == "POLICY":
		c.category("network")
		if strings.Contains(name, "TEARDOWN") {
			c.typ("end")
		}
	}
}

// spaceKVItem reads one comma-separated item: "K=V", `K="V"`, or several
// pairs that lost their comma (`User="" Action="alert"`).
func spaceKVItem(item string, dst fields) fields {
	item = strings.TrimSpace(item)
	if item == "" {
		return dst
	}
	n := len(dst)
	dst = spaceKV(item, '=', dst)
	if len(dst) == n {
		// keys with spaces or non-ASCII names ("receive interface=")
		if k, v, ok := strings.Cut(item, "="); ok && keyLike(strings.TrimSpace(k)) {
			dst = append(dst, field{strings.TrimSpace(k), unquote(v)})
		}
	}
	return dst
}
