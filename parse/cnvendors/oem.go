package cnvendors

import (
	"regexp"
	"strings"

	"bianque/parse"
)

// Formats written by OEM platforms several brands resell.
//
// "HOST;serial;ipv4;3; type: k=v;k=v;…" is the behaviour-management /
// gateway platform sold as Anzhou AZ6000, H3C ACG, DBAPPSecurity
// DAS-Gateway and Venustech V-WAF. Its records carry no brand; when the
// device name is a brand ("H3C", "Venustech") that brand is used, else
// Anzhou, and a hint gives the right one.
var anzhou = &brand{
	id: "anzhou", name: "Anzhou Tech (安宙)", vendor: "Anzhou Tech", ns: "anzhou",
	aliases: []string{"安宙", "anzhou-tech", "az6000"},
	product: "AZ6000", otype: "proxy",
	families: []*family{oemGateway},
	verified: "logs-cn corpus: AZ6000, and the same platform's records from H3C ACG1000, DBAPPSecurity DAS-Gateway, Venustech V-WAF",
}

var oemGatewayHead = regexp.MustCompile(`(?:^|\s)([^;<>]{0,40}?)\s*;\s*(\d{15,})\s*;\s*ipv[46]\s*;\s*\d+\s*;\s*(\w+)\s*:\s*`)

var oemGatewayKeys = commonKeys.with(`
srcip 1: uip
srcmac 1: umac
srcbytes 1: up
dstbytes 1: down
rule 1: name behavior_name_cn virus_name
rule 2: behavior_name_en
attacktype 1: type
action 1: handle_action action
action 2: action_name
dstip 2: server_addr
snatip 1: out_addr
httphost 1: web_name
user 1: user_name
reason 1: behavior_desc behavior_detail msg
time 1: time occur_time ctime create_time
keep 0: pid
`)

var oemGateway = &family{
	id: "oem-gateway", owner: "anzhou", keys: oemGatewayKeys, scale: syslogScale, product: "AZ6000", otype: "proxy",
	match: func(r *parse.Record) bool {
		o := r.Original
		return (strings.Contains(o, ";ipv4;") || strings.Contains(o, "; ipv4;")) && oemGatewayHead.MatchString(o)
	},
	read: func(c *ctx) {
		o := c.r.Original
		m := oemGatewayHead.FindStringSubmatchIndex(o)
		// The device name follows the syslog time; it may hold spaces.
		words := strings.Fields(o[m[2]:m[3]])
		host := ""
		if len(words) > 0 {
			host = words[len(words)-1]
		}
		typ := o[m[6]:m[7]]
		c.offer(rDevName, 1, host)
		c.offer(rSerial, 1, o[m[4]:m[5]])
		c.keep("log_type", typ)
		switch strings.ToLower(host) {
		case "h3c":
			c.vendorGuess, c.product = "H3C", "ACG"
		case "venustech":
			c.vendorGuess, c.product = "Venustech", "V-WAF"
		}
		lt := strings.ToLower(typ)
		switch {
		case strings.HasPrefix(lt, "security_") || lt == "ips" || lt == "av" || lt == "bfd" || lt == "ti" ||
			strings.HasPrefix(lt, "waf") || lt == "malware_app" || lt == "behavior_model" || lt == "edr_spread" || lt == "wpd":
			c.alert = true
			if lt == "av" || lt == "malware_app" {
				c.malware = true
			}
		case lt == "operate" || lt == "system_state":
			c.category("configuration")
		}
		body := o[m[1]:]
		fs := splitJoined(c, splitList(body, []string{";"}, []string{"=", ":"}, nil))
		for _, f := range fs {
			if f.key == "type" && !c.alert {
				c.keep(f.key, f.val)
				continue
			}
			c.collectOne(f.key, f.val)
		}
	},
}

// splitJoined splits values that swallowed a following pair because the
// device forgot a separator: "desc=too large,level=warning" (only when the
// trailing key is a known one).
func splitJoined(c *ctx, fs fields) fields {
	var out fields
	for _, f := range fs {
		for {
			i := strings.LastIndexByte(f.val, ',')
			if i < 0 {
				break
			}
			k, v, ok := strings.Cut(f.val[i+1:], "=")
			if !ok || !keyLike(k) {
				break
			}
			var buf [96]byte
			if _, known := c.keys[string(canonBytes(buf[:0], k))]; !known {
				break
			}
			out = append(out, field{k, v})
			f.val = f.val[:i]
		}
		out = append(out, f)
	}
	return out
}

// The FortiOS-like "date=… time=… devname=… device_id=… log_id=… type=…"
// format of EasyNetworks firewalls and IDS, also sold as WebRAY's
// firewall (device ids "RAY…"). FortiGate's own records (devid=, logid=)
// are left to the FortiGate normalizer.
var easynetworks = &brand{
	id: "easynetworks", name: "EasyNetworks (易安联)", vendor: "EasyNetworks", ns: "easynetworks",
	aliases: []string{"易安联", "easynetworks-fw"},
	product: "Firewall", otype: "firewall",
	families: []*family{fortiLike},
	hinted:   []*family{fortiLikeHinted},
	verified: "logs-cn corpus: firewall, industrial IDS; WebRAY firewall (RAY device ids)",
}

var fortiLikeKeys = commonKeys.with(`
date 1: date
clock 1: time
severity 0: severity
severity 1: icp_severity
severity 2: pri
devname 1: devname
serial 1: device_id
rule 1: icp_eventname virus
dstip 1: icp_servip
srcip 1: icp_visip
dstport 1: icp_servport
srcport 1: icp_viport
result 1: status
appproto 2: service
`)

// keyValue returns the value of "key=" where key starts a field (after a
// space, comma or '>' or at the start), up to the next space or comma;
// "" when absent. It is the cheap check detection needs.
func keyValue(s, key string) string {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], key+"=")
		if i < 0 {
			return ""
		}
		i += off
		if i == 0 || s[i-1] == ' ' || s[i-1] == ',' || s[i-1] == '>' {
			v := s[i+len(key)+1:]
			if j := strings.IndexAny(v, " ,"); j >= 0 {
				v = v[:j]
			}
			if v == "" {
				v = " "
			}
			return v
		}
		off = i + 1
	}
	return ""
}

// fortiLikeHinted reads any FortiOS-4-style record of a device registered
// as EasyNetworks.
var fortiLikeHinted = func() *family {
	f := *fortiLike
	f.id = "fortios-like-hinted"
	f.match = func(r *parse.Record) bool {
		return strings.Contains(r.Original, "log_id=") && strings.Contains(r.Original, "type=")
	}
	return &f
}()

var fortiLikeUI = regexp.MustCompile(`\((\d{1,3}(?:\.\d{1,3}){3})\)`)

var fortiLike = &family{
	id: "fortios-like", owner: "easynetworks", keys: fortiLikeKeys, scale: syslogScale, product: "Firewall", otype: "firewall",
	match: func(r *parse.Record) bool {
		b := r.Original
		if !strings.Contains(b, "log_id=") || keyValue(b, "devid") != "" {
			return false
		}
		// FortiOS 4, FortiWeb and Sophos write the same keys: only the
		// device ids (APW…, RAY…) or the industrial-protocol keys tell.
		if id := strings.Trim(keyValue(b, "device_id"), `"`); id != "" {
			return strings.HasPrefix(id, "APW") || strings.HasPrefix(id, "RAY")
		}
		return strings.Contains(b, " icp_") && strings.Contains(b, "type=icproto")
	},
	read: func(c *ctx) {
		p := rawPayload(c.r)
		var fs fields
		if strings.HasPrefix(p, "date=") && strings.Contains(p[:min(len(p), 40)], ",time=") {
			fs = splitList(p, []string{","}, []string{"="}, nil)
		} else {
			fs = spaceKV(p, '=', nil)
		}
		if strings.HasPrefix(fs.str("device_id"), "RAY") {
			c.vendorGuess = "WebRAY"
		}
		typ := fs.str("type")
		switch typ {
		case "icproto":
			c.product, c.otype = "IDS", "ids"
			c.alert = true
		case "virus", "ips", "attack", "utm":
			c.alert = true
			if typ == "virus" {
				c.malware = true
			}
		case "traffic":
			c.category("network")
		case "event":
			if fs.str("subtype") == "admin" {
				c.category("authentication")
			}
		}
		if ui := fs.str("ui"); ui != "" {
			if m := fortiLikeUI.FindStringSubmatch(ui); m != nil {
				c.offer(rSrcIP, 2, m[1])
			}
		}
		// Date-less records ("2021-04-13 10:50:25 log_id=…") carry the time first.
		if !strings.HasPrefix(p, "date=") && len(p) >= 19 {
			c.offer(rTime, 0, p[:19])
		}
		c.collect(fs)
	},
}
