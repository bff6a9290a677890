package cnvendors

import (
	"strings"

	"bianque/parse"
)

// AsiaInfo Security (亚信安全), formerly Trend Micro China. AISEdge/Deep
// Edge write "[Traffic log] k=v; k=v; …" (Trend Micro's own gateway uses
// the same format); TDA and the TrustOne ESM agent send CEF; Deep
// Security's manager "DSM: KEY=value …".
var asiainfo = &brand{
	id: "asiainfo", name: "AsiaInfo Security (亚信安全)", vendor: "AsiaInfo Security", ns: "asiainfo",
	aliases: []string{"亚信", "亚信安全", "asiainfo-security", "aisedge", "deepedge", "trustone"},
	product: "AISEdge", otype: "ips",
	families: []*family{asiainfoEdge, asiainfoCEF, asiainfoDSM},
	verified: "logs-cn corpus: AISEdge 6.0, Deep Edge, TDA 3.83, TrustOne ESM 8.x/9.x, Deep Security 10",
}

var asiainfoEdgeKeys = commonKeys.with(`
devname 1: host_name hostname
srcip 1: source_ip source_address
dstip 1: destination_ip destination_address
inif 1: source_interface
outif 1: destination_interface
user 1: source_user
targetuser 1: destination_user
rule 1: rule_name
rule 2: ips_rule
virus 1: malware_name
time 1: log_time
httphost 1: host
`)

var asiainfoEdge = &family{
	id: "asiainfo-edge", owner: "asiainfo", keys: asiainfoEdgeKeys, product: "AISEdge", otype: "ips",
	match: func(r *parse.Record) bool {
		p := payload(r)
		return strings.HasPrefix(p, "[") && strings.Contains(p[:min(len(p), 24)], " log] ")
	},
	read: func(c *ctx) {
		p := payload(c.r)
		kind, rest, _ := strings.Cut(p[1:], "]")
		c.keep("log_type", kind)
		fs := splitList(strings.TrimSpace(rest), []string{"; "}, []string{"="}, nil)
		for i := range fs {
			fs[i].val = strings.TrimSuffix(fs[i].val, ";")
			fs[i].key = strings.ReplaceAll(fs[i].key, " ", "_")
		}
		if strings.Contains(kind, "Violation") || strings.Contains(kind, "Threat") {
			c.alert = fs.str("malware_name") != "" || fs.str("ips_rule") != ""
		}
		c.collect(fs)
		c.category("network")
	},
}

// CEF from TDA and the TrustOne ESM agent.
var asiainfoCEFKeys = commonKeys.with(`
time 1: rt create_time first_time timestamp
end 1: last_time
rule 1: iocname ioaname blacklist_name
attacktype 1: technique
severity 1: level risk_level dw_risk_level
hostname 1: computer_name
hostip 1: ip
hostmac 1: mac
procname 1: clf_processname
pid 1: clf_pid
user 1: clf_user suser
procpath 1: subject_process str_subject
action 1: action dw_action
devip 1: dvc
devname 1: dvchost
`)

var asiainfoCEF = &family{
	id: "asiainfo-cef", owner: "asiainfo", keys: asiainfoCEFKeys, scale: oneToFive, product: "TDA", otype: "ids",
	match: func(r *parse.Record) bool {
		if r.CEF != nil {
			return strings.HasPrefix(strings.ToLower(r.CEF.DeviceVendor), "asiainfo")
		}
		return strings.Contains(r.Original, "|Asiainfo ")
	},
	read: func(c *ctx) {
		var fs fields
		if cef := c.r.CEF; cef != nil {
			switch strings.ToUpper(cef.DeviceProduct) {
			case "ESM":
				c.product, c.otype = "TrustOne", "edr"
			default:
				c.product = cef.DeviceProduct
			}
			c.offer(rVersion, 1, cef.DeviceVersion)
			c.offer(rEventID, 1, cef.SignatureID)
			c.offer(rRuleName, 2, cef.Name)
			c.offer(rSeverity, 3, cef.Severity)
			for _, p := range cef.Extensions {
				if !p.Bare {
					fs = append(fs, field{p.Key, p.Value})
				}
			}
			switch strings.ToUpper(cef.Name) {
			case "IOA", "IOC", "BLACKLIST", "BM", "WEB", "SECURITY_RISK_DETECTION":
				c.alert = true
			}
		}
		for _, f := range fs {
			switch f.key {
			case "host":
				// "localhost.localdomain (172.17.17.13)"
				name, ip, _ := strings.Cut(f.val, " (")
				c.offer(rHostName, 1, name)
				c.offer(rHostIP, 1, strings.TrimSuffix(ip, ")"))
				continue
			case "tactic":
				c.keep(f.key, f.val)
				continue
			}
			c.collectOne(f.key, f.val)
		}
	},
}

// Deep Security Manager: "DSM: EVENTNUMBER=710 TITLE=… TARGET=… ACTIONBY=…".
var asiainfoDSMKeys = commonKeys.with(`
eventid 1: eventnumber
rule 1: title
user 1: actionby
hostname 1: target
reason 1: description
`)

var asiainfoDSM = &family{
	id: "asiainfo-dsm", owner: "asiainfo", keys: asiainfoDSMKeys, product: "Deep Security", otype: "edr",
	match: func(r *parse.Record) bool {
		return strings.Contains(r.Body, "EVENTNUMBER=") && strings.Contains(r.Original, "DSM")
	},
	read: func(c *ctx) {
		b := c.r.Body
		c.collect(spaceKV(b[strings.Index(b, "EVENTNUMBER="):], '=', nil))
	},
}
