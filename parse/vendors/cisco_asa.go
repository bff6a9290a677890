package vendors

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Cisco ASA and Firepower Threat Defense (FTD) syslog: "%ASA-6-302013: text"
// after a BSD syslog header. Each message id has its own sentence; the
// common ones (connections, translations, ACL hits, denies, AnyConnect,
// AAA) are mapped to ECS, the rest get the header fields and the text.
var ciscoASA = &parse.Vendor{
	ID:       "cisco-asa",
	Aliases:  []string{"cisco_asa", "asa", "cisco-ftd", "ftd", "cisco-secure-firewall", "cisco-firepower", "cisco_ftd"},
	Name:     "Cisco ASA / Firepower Threat Defense",
	Formats:  []parse.Format{parse.FormatText},
	Observer: parse.Observer{Vendor: "Cisco", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		_, ok := asaLocate(r)
		return ok
	},
	Normalize: normalizeASA,
	Verified:  "Elastic cisco_asa pipeline tests (410 events); Sekoia cisco-secure-firewall (58); Wazuh cisco-asa/ftd samples",
}

type asaHeader struct {
	product  string // "ASA" or "FTD"
	suffix   string // "session" in %ASA-session-3-106102
	severity int
	id       string
	text     string
}

// asaLocate finds "%ASA-<sev>-<id>: text" in the syslog tag or the body.
func asaLocate(r *parse.Record) (asaHeader, bool) {
	if m := r.Syslog; m != nil && strings.HasPrefix(m.Appname, "%") {
		if h, ok := asaTag(m.Appname); ok {
			h.text = m.Message
			return h, true
		}
	}
	b := r.Body
	i := strings.Index(b, "%ASA-")
	if i < 0 {
		i = strings.Index(b, "%FTD-")
	}
	if i < 0 || i > 64 {
		return asaHeader{}, false
	}
	j := strings.Index(b[i:], ": ")
	if k := strings.IndexByte(b[i:], ' '); k >= 0 && (j < 0 || k < j) {
		j = k - 1 // "%ASA-6-302016 Teardown ..." without the colon
	}
	if j < 0 {
		if strings.HasSuffix(b, ":") {
			j = len(b) - i - 1
		} else {
			return asaHeader{}, false
		}
	}
	h, ok := asaTag(strings.TrimSuffix(b[i:i+j+1], ":"))
	if !ok {
		return asaHeader{}, false
	}
	if i+j+2 <= len(b) {
		h.text = strings.TrimLeft(b[i+j+2:], " ")
	}
	return h, true
}

func asaTag(tag string) (asaHeader, bool) {
	parts := strings.Split(strings.TrimPrefix(tag, "%"), "-")
	if len(parts) < 3 || (parts[0] != "ASA" && parts[0] != "FTD") {
		return asaHeader{}, false
	}
	h := asaHeader{product: parts[0]}
	if len(parts) == 4 {
		h.suffix = parts[1]
		parts = append(parts[:1], parts[2:]...)
	}
	sev, err := strconv.Atoi(parts[1])
	if err != nil || len(parts[2]) < 5 {
		return asaHeader{}, false
	}
	h.severity, h.id = sev, parts[2]
	return h, true
}

var asaLevels = []string{"emergencies", "alert", "critical", "error", "warning", "notification", "informational", "debug"}

func normalizeASA(r *parse.Record, e *event.Event) error {
	h, ok := asaLocate(r)
	if !ok {
		parse.SyslogProcess(r, e)
		asaHeadless(e, r.Body)
		return nil
	}
	if h.product == "FTD" {
		e.Set("observer.product", "Firepower Threat Defense")
	} else {
		e.Set("observer.product", "Adaptive Security Appliance")
	}
	e.Set("event.kind", "event")
	e.PutString("event.code", h.id)
	e.SetInt("event.severity", int64(h.severity))
	if h.severity >= 0 && h.severity < len(asaLevels) {
		e.PutString("log.level", asaLevels[h.severity])
	}
	if h.suffix != "" {
		e.PutString("cisco.asa.suffix", h.suffix)
	}
	if r.Syslog != nil && !r.Syslog.TimestampHasZone {
		e.Set("event.timezone", zoneName(r.Location()))
	}
	// The device name: syslog hostname, or a "host:" token read as a tag.
	host := ""
	if m := r.Syslog; m != nil {
		host = m.Hostname
		if !strings.HasPrefix(m.Appname, "%") && m.Appname != "" {
			if host == "" && m.ProcID == "" {
				host = m.Appname
			} else {
				e.PutString("process.name", m.Appname)
				parse.Set(e, "process.pid", m.ProcID)
			}
		}
	}
	if strings.HasSuffix(host, ":") {
		e.PutString("process.name", strings.TrimSuffix(host, ":"))
		host = ""
	}
	if host != "" {
		e.PutString("host.hostname", host)
		e.PutString("observer.hostname", host)
		e.AppendUnique(event.RelatedHosts, host)
	}
	// The whole line is the message (the ASA header carries no text of its own).
	e.PutString("message", r.Original)
	a := asaEvent{e: e, text: h.text}
	a.apply(h)
	return nil
}

func zoneName(loc *time.Location) string {
	if loc == nil || loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

// asaEvent accumulates the fields of one message.
type asaEvent struct {
	e    *event.Event
	text string
	g    map[string]string
}

// asaRule is a message pattern and the ECS categorisation of the message.
type asaRule struct {
	re       *regexp.Regexp
	action   string
	category []string
	types    []string
	outcome  string
	dir      string // fixed network.direction
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// Address fragments: "iface:addr/port", "(maddr/mport)".
const (
	ifAddr   = `(?P<%[1]sif>[^\s:][^:/()]*?):(?P<%[1]s>[^\s/()]+)(?:/(?P<%[1]sport>\d+))?`
	mapped   = `\s*\((?P<m%[1]s>[^\s/()]+)(?:/(?P<m%[1]sport>\d+))?\)`
	userPart = `(?:\((?P<%[1]suser>[^),]*)(?:,\s*(?P<%[1]ssgt>\d+))?\))?`
)

func addr(role string) string    { return sprintf(ifAddr, role) }
func maddr(role string) string   { return sprintf(mapped, role) }
func uaddr(role string) string   { return sprintf(userPart, role) }
func sprintf(f, a string) string { return strings.ReplaceAll(f, "%[1]s", a) }

var (
	connEnd      = []string{"connection", "end"}
	connStart    = []string{"connection", "start"}
	connDenied   = []string{"connection", "denied"}
	connAllowed  = []string{"connection", "allowed"}
	info         = []string{"info"}
	network      = []string{"network"}
	vpnError     = []string{"connection", "error", "denied"}
	vpnGroupUser = `Group <?(?P<group>[^\s>]+)>? User <?(?P<suser>[^\s>]+)>? IP <?(?P<src>[^\s>]+)>?`
)

var asaRules = map[string][]asaRule{
	"106001": {{re: re(`^(?P<dir>Inbound|Outbound) (?P<proto>\S+) connection denied from (?P<src>[^\s/]+)/(?P<srcport>\d+) to (?P<dst>[^\s/]+)/(?P<dstport>\d+) flags (?P<flags>.*?)\s+on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106006": {{re: re(`^Deny (?P<dir>inbound|outbound) (?P<proto>\S+) from (?P<src>[^\s/]+)/(?P<srcport>\d+) to (?P<dst>[^\s/]+)/(?P<dstport>\d+)(?: \(type \d+, code \d+\))? on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106007": {{re: re(`^Deny (?P<dir>inbound|outbound) (?P<proto>\S+) from (?P<src>[^\s/]+)/(?P<srcport>\d+) to (?P<dst>[^\s/]+)/(?P<dstport>\d+) due to (?P<app>DNS) (?:Query|Response)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106014": {{re: re(`^Deny (?P<dir>inbound|outbound) (?P<proto>icmp) src ` + addr("src") + ` dst ` + addr("dst") + ` \(type (?P<icmptype>\d+), code (?P<icmpcode>\d+)\)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106015": {{re: re(`^Deny (?P<proto>\S+) \(no connection\) from (?P<src>[^\s/]+)/(?P<srcport>\d+) to (?P<dst>[^\s/]+)/(?P<dstport>\d+) flags (?P<flags>.*?)\s+on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106016": {{re: re(`^Deny IP spoof from \((?P<src>[^)]+)\) to (?P<dst>\S+) on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106017": {{re: re(`^Deny IP due to Land Attack from (?P<src>\S+) to (?P<dst>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106018": {{re: re(`^(?P<proto>ICMP) packet type (?P<icmptype>\S+) denied by outbound list (?P<acl>\S+) src (?P<src>\S+) dest (?P<dst>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106021": {{re: re(`^Deny (?P<proto>\S+) reverse path check from (?P<src>\S+) to (?P<dst>\S+) on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106023": {{re: re(`^Deny (?P<proto>\S+) src ` + addr("src") + uaddr("src") + ` dst ` + addr("dst") + uaddr("dst") + `(?:\s*,?\s*\(?type (?P<icmptype>\d+), code (?P<icmpcode>\d+)\)?,?)?\s+by access-group "(?P<acl>[^"]*)"`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"106100": {{re: re(`^access-list (?P<acl>\S+) (?P<verdict>permitted|denied|est-allowed) (?P<proto>\S+) (?:for user (?P<user>\S+) )?(?P<srcif>[^/\s]+)/(?P<src>[^(\s]+)\((?P<srcport>\d+)\)(?:\([^)]*\))? -> (?P<dstif>[^/\s]+)/(?P<dst>[^(\s]+)\((?P<dstport>\d+)\)`), action: "firewall-rule", outcome: "success"}},
	"302013": {{re: re(`^Built (?P<dir>inbound|outbound) (?P<proto>\S+) connection (?P<conn>\d+) for ` + addr("src") + maddr("src") + uaddr("src") + ` to ` + addr("dst") + maddr("dst") + uaddr("dst") + `(?:\s+\((?P<termuser>[^)]*)\))?`), action: "firewall-rule", types: info}},
	"302014": {{re: re(`^Teardown (?P<proto>\S+) connection (?P<conn>\d+) for ` + addr("src") + uaddr("src") + ` to ` + addr("dst") + uaddr("dst") + `(?: duration (?P<duration>\d+:\d+:\d+))?(?: bytes (?P<bytes>\d+))?(?:\s+(?P<reason>[^()]+?))?(?: from [^\s()]+)?(?:\s*\((?P<termuser>[^)]*)\))?\s*$`), action: "flow-expiration", types: connEnd}, {re: re(`^Teardown (?P<proto>\S+) connection (?P<conn>\d+) for ` + addr("src") + uaddr("src") + ` (?P<srcuserb>[^\s()]+) to ` + addr("dst") + uaddr("dst") + ` (?P<dstuserb>[^\s()]+)(?: duration (?P<duration>\d+:\d+:\d+))?(?: bytes (?P<bytes>\d+))?(?:\s+(?P<reason>[^()]+?))?(?: from [^\s()]+)?(?:\s*\((?P<termuser>[^)]*)\))?\s*$`), action: "flow-expiration", types: connEnd}},
	"302020": {{re: re(`^Built (?P<dir>inbound|outbound) (?P<proto>ICMP|ICMPv6) connection for faddr (?P<dst>[^\s/]+)/(?P<dstport>\d+)(?:\((?P<dstuser>[^)]*)\))? gaddr (?P<msrc>[^\s/]+)/(?P<msrcport>\d+) laddr (?P<src>[^\s/]+)/(?P<srcport>\d+)(?:\s?\((?P<srcuser>[^)]*)\))?(?: type (?P<icmptype>\d+) code (?P<icmpcode>\d+))?`), action: "flow-creation", types: connStart}},
	"302021": {{re: re(`^Teardown (?P<proto>ICMP|ICMPv6) connection for faddr (?P<dst>[^\s/]+)/(?P<dstport>\d+)(?:\((?P<dstuser>[^)]*)\))? gaddr (?P<msrc>[^\s/]+)/(?P<msrcport>\d+) laddr (?P<src>[^\s/]+)/(?P<srcport>\d+)(?:\s?\((?P<srcuser>[^)]*)\))?(?: type (?P<icmptype>\d+) code (?P<icmpcode>\d+))?`), action: "flow-expiration", types: connEnd}},
	"304001": {{re: re(`^(?:(?P<suser>[^@\s]+)@)?(?P<src>[^\s(]+)(?:\((?P<srcuser>[^)]*)\))? Accessed URL (?P<dst>[^:\s]+):(?P<url>\S+)`), action: "firewall-rule", types: connAllowed, outcome: "success"}},
	"304002": {{re: re(`^Access denied URL (?P<url>\S+) SRC (?P<src>\S+) DEST (?P<dst>\S+) on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"305011": {{re: re(`^Built (?:dynamic|static) (?P<proto>\S+) translation from ` + addr("src") + uaddr("src") + ` to ` + addr("dst")), action: "firewall-rule", types: info}},
	"305012": {{re: re(`^Teardown (?:dynamic|static) (?P<proto>\S+) translation from ` + addr("src") + uaddr("src") + ` to ` + addr("dst") + `(?: duration (?P<duration>\d+:\d+:\d+))?`), action: "flow-expiration", types: connEnd}},
	"313001": {{re: re(`^Denied (?P<proto>ICMP|IPv6-ICMP) type=(?P<icmptype>\d+), code=(?P<icmpcode>\d+) from (?P<src>\S+) on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"313004": {{re: re(`^Denied (?P<proto>ICMP) type=(?P<icmptype>\d+), from laddr (?P<src>\S+) on interface (?P<srcif>\S+) to (?P<dst>[^\s:]+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"313008": {{re: re(`^Denied (?P<proto>IPv6-ICMP) type=(?P<icmptype>\d+), code=(?P<icmpcode>\d+) from (?P<src>\S+) on interface (?P<srcif>\S+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"313009": {{re: re(`^Denied invalid (?P<proto>ICMP) code (?P<icmpcode>\d+), for ` + addr("src") + maddr("src") + ` to ` + addr("dst") + maddr("dst") + `, ICMP id \d+, ICMP type (?P<icmptype>\d+)`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"338002": {{re: re(`^Dynamic Filter (?P<verdict>\S+) (?:black listed|blacklisted|grey listed|greylisted) (?P<proto>\S+) traffic from ` + addr("src") + maddr("src") + ` to ` + addr("dst") + maddr("dst") + `, destination (?P<resolved>\S+) resolved from (?P<acl>\S+) list: (?P<domain>[^,\s]+)`), action: "firewall-rule", types: connAllowed, outcome: "success"}},
	"338004": {{re: re(`^Dynamic Filter (?P<verdict>\S+) (?:black listed|blacklisted) (?P<proto>\S+) traffic from ` + addr("src") + maddr("src") + ` to ` + addr("dst") + maddr("dst") + `, destination (?P<resolved>\S+) resolved from (?P<acl>\S+) list: (?P<list>[^,]+), threat-level: (?P<threatlevel>[^,]+), category: (?P<threatcat>.+)$`), action: "firewall-rule", category: []string{"network", "intrusion_detection"}, types: info, outcome: "success"}},
	"338008": {{re: re(`^Dynamic Filter (?P<verdict>\S+) (?:black listed|blacklisted) (?P<proto>\S+) traffic from ` + addr("src") + maddr("src") + ` to ` + addr("dst") + maddr("dst") + `, destination (?P<resolved>\S+) resolved from (?P<acl>\S+) list: (?P<list>[^,]+), threat-level: (?P<threatlevel>[^,]+), category: (?P<threatcat>.+)$`), action: "firewall-rule", types: connDenied, outcome: "failure"}},
	"113005": {{re: re(`^AAA user authentication Rejected : reason = (?P<reason>.*?) : server = (?P<dst>\S+) : user = (?P<suser>.*?) : user IP = (?P<src>\S+)`), action: "logon-failed", category: []string{"authentication", "network"}, types: []string{"denied", "info"}, outcome: "failure"}},
	"113004": {{re: re(`^AAA user (?P<kind>\S+) Successful : server =\s+(?P<dst>\S+) : user = (?P<user>.*)$`), action: "logged-in", category: []string{"authentication", "network"}, types: []string{"info", "allowed"}, outcome: "success"}},
	"113039": {{re: re(`^` + vpnGroupUser + ` AnyConnect parent session started`), action: "client-vpn-connected", category: []string{"network", "session"}, types: connStart}},
	"602304": {{re: re(`^IPSEC: An? (?P<dir>inbound|outbound) (?P<tunnel>\S+) SA \(SPI= \S+\) between (?P<src>\S+) and (?P<dst>\S+) \(user= (?P<user>[^)]+)\) has been deleted`), action: "deleted", types: []string{"info", "deletion", "user"}, outcome: "success"}},
	"734001": {{re: re(`^DAP: User (?P<email>[^,]+), Addr (?P<src>[^,]+), Connection (?P<conntype>[^:]+): The following DAP records were selected for this connection: (?P<dap>.*)$`), action: "logged-in", category: []string{"authentication", "network"}, types: []string{"allowed", "info"}, outcome: "success"}},
	"852001": {{re: re(`^Received .* from application (?P<application>\S+) for (?P<proto>\S+) flow (?P<src>[^\s/]+)/(?P<srcport>\d+) to (?P<dst>[^\s/]+)/(?P<dstport>\d+)`), action: "firewall-rule", types: info}},
	"750003": {{re: re(`^Local:(?P<src>\S+):(?P<srcport>\d+) Remote:(?P<dst>\S+):(?P<dstport>\d+) Username:(?P<user>\S+) .*? due to ERROR: (?P<reason>.*)$`), action: "connection-error", types: []string{"connection", "error"}}},
	"750006": {{re: re(`^Local:(?P<src>\S+):(?P<srcport>\d+) Remote:(?P<dst>\S+):(?P<dstport>\d+) Username:(?P<user>\S+) .*? Reason: (?P<reason>.*)$`), action: "firewall-rule", types: info}},
	"111008": {{re: re(`^User '(?P<user>[^']*)' executed the '(?P<cmd>[^']*)' command`), action: "firewall-rule", types: info}},
	"111010": {{re: re(`^User '(?P<user>[^']*)', running '[^']*' from IP (?P<src>\S+), executed '(?P<cmd>[^']*)'`), action: "firewall-rule", types: info}},
	"111007": {{re: re(`^Begin configuration: (?P<src>\S+) reading from`), action: "firewall-rule", types: info}},
	"113012": {{re: re(`^AAA user authentication Successful : local database : user = (?P<user>.*)$`), action: "logged-in", category: []string{"authentication", "network"}, types: []string{"start"}, outcome: "success"}},
	"611101": {{re: re(`^User authentication succeeded: IP address: (?P<src>[^,]+), Uname: (?P<user>.*)$`), action: "logged-in", category: []string{"authentication"}, types: info, outcome: "success"}},
	"611103": {{re: re(`^User logged out: Uname: (?P<user>.*)$`), action: "logged-out", category: []string{"authentication"}, types: []string{"end"}, outcome: "success"}},
	"725001": {{re: re(`^Starting SSL handshake with (?:client|server) ` + addr("src")), action: "firewall-rule", types: info}},
	"725002": {{re: re(`^Device completed SSL handshake with (?:client|server) ` + addr("src")), action: "firewall-rule", types: info}},
	"725007": {{re: re(`^SSL session with (?:client|server) ` + addr("src") + ` (?P<reason>terminated)`), action: "firewall-rule", types: info}},
	"609002": {{re: re(`^Teardown local-host (?P<srcalias>[^:\s]+):(?P<src>\S+) duration (?P<duration>\S+)`), action: "firewall-rule", types: info}},
	"737016": {{re: re(`^IPAA: Freeing local pool address (?P<src>\S+)`), action: "firewall-rule", types: info}},
	"110003": {{re: re(`^Routing failed to locate next hop for (?P<proto>\S+) from ` + addr("src") + ` to ` + addr("dst")), action: "firewall-rule", types: info}},
	"106012": {{re: re(`^Deny IP from (?P<src>\S+) to (?P<dst>[^\s,]+), (?P<reason>IP options: .*)$`), action: "firewall-rule", types: connDenied, outcome: "success"}},
	"716039": {{re: re(`^` + vpnGroupUser + ` Authentication: rejected`), action: "logon-failed", category: []string{"authentication", "network"}, types: []string{"start"}, outcome: "failure"}},
	"430002": {{re: re(`^EventPriority: `), action: "connection-started", types: connStart}},
	"430003": {{re: re(`^EventPriority: `), action: "connection-finished", types: connEnd}},
	"722051": {{re: re(`^(?:\((?P<vpntype>[^)]*)\) )?(?:Group <(?P<group>[^>]*)> User <(?P<user>[^>]*)> IP <(?P<src>[^>]*)>|WebVPN session for client user (?P<user2>\S+), IP (?P<src2>\S+))`), action: "firewall-rule", types: info}},
}

func init() {
	for _, id := range []string{"113029", "113030", "113031", "113032", "113033", "113034", "113035", "113036", "113038"} {
		asaRules[id] = []asaRule{{re: re(`^` + vpnGroupUser), action: "client-vpn-error", types: vpnError}}
	}
	asaRules["113037"] = []asaRule{{re: re(`^`), action: "client-vpn-error", types: vpnError}}
	asaRules["113040"] = []asaRule{{re: re(`^Terminating the VPN connection attempt from (?P<group>[^.]+)\.`), action: "client-vpn-error", types: vpnError}}
	asaRules["106102"] = asaRules["106100"]
	asaRules["106103"] = asaRules["106100"]
	asaRules["302015"] = asaRules["302013"]
	asaRules["302016"] = asaRules["302014"]
	asaRules["302017"] = asaRules["302013"]
	asaRules["302018"] = asaRules["302014"]
	asaRules["302023"] = asaRules["302014"]
	asaRules["302022"] = asaRules["302013"]
	asaRules["106010"] = asaRules["106006"]
	asaRules["750006"] = append(asaRules["750006"], asaRules["750003"]...)
	for _, id := range []string{"716058", "716059", "722011", "722012", "722023", "722037", "722022", "722028", "722032", "722033", "722034", "722035", "722036", "716001", "716002"} {
		asaRules[id] = []asaRule{{re: re(`^` + vpnGroupUser + `(?: SVC closing connection: (?P<reason>[^.]*))?`), action: "firewall-rule", types: []string{"connection"}}}
	}
}

func (a *asaEvent) apply(h asaHeader) {
	e := a.e
	rules := asaRules[h.id]
	var rule *asaRule
	for i := range rules {
		m := rules[i].re.FindStringSubmatch(a.text)
		if m == nil {
			continue
		}
		rule = &rules[i]
		a.g = make(map[string]string, 16)
		for j, n := range rules[i].re.SubexpNames() {
			if n != "" && m[j] != "" {
				a.g[n] = m[j]
			}
		}
		break
	}
	if rule == nil {
		e.Set("event.action", "firewall-rule")
		e.Set("event.category", network)
		e.Set("event.type", info)
		return
	}
	e.PutString("event.action", rule.action)
	if rule.category != nil {
		e.Set("event.category", rule.category)
	} else {
		e.Set("event.category", network)
	}
	types := rule.types
	if v := a.g["verdict"]; v != "" && types == nil {
		if v == "denied" {
			types = connDenied
		} else {
			types = connAllowed
		}
	}
	if types != nil {
		e.Set("event.type", types)
	}
	if rule.outcome != "" {
		e.PutString("event.outcome", rule.outcome)
	}
	g := a.g
	dir := strings.ToLower(g["dir"])
	// For outbound connections the device logs the outside (responder)
	// first; ECS source is the initiator.
	if dir == "outbound" && (h.id == "302013" || h.id == "302015" || h.id == "302017" || h.id == "302022") {
		a.swap()
	}
	if dir != "" && h.id != "602304" {
		e.PutString("network.direction", dir)
	}
	proto := strings.ToLower(g["proto"])
	a.endpoint("source", "src")
	a.endpoint("destination", "dst")
	if v := g["srcif"]; v != "" {
		e.PutString("cisco.asa.source_interface", v)
		e.PutString("observer.ingress.interface.name", v)
	}
	if v := g["dstif"]; v != "" {
		e.PutString("cisco.asa.destination_interface", v)
		e.PutString("observer.egress.interface.name", v)
	}
	for _, side := range []struct{ role, key string }{{"source", "src"}, {"destination", "dst"}} {
		if v := g["m"+side.key]; v != "" {
			e.Set("cisco.asa.mapped_"+side.role+"_ip", v)
			parse.Set(e, "cisco.asa.mapped_"+side.role+"_port", "")
			if p := g["m"+side.key+"port"]; p != "" {
				if n, err := strconv.Atoi(p); err == nil {
					e.Set("cisco.asa.mapped_"+side.role+"_port", int64(n))
				}
			}
			{
				if true {
					parse.Set(e, side.role+".nat.ip", v)
					if p := g["m"+side.key+"port"]; p != "" && p != "0" {
						parse.Set(e, side.role+".nat.port", p)
					}
				}
			}
		}
	}
	if v := g["conn"]; v != "" {
		e.PutString("cisco.asa.connection_id", v)
	}
	if v := g["acl"]; v != "" {
		e.PutString("cisco.asa.rule_name", v)
	}
	if v := g["srcuser"]; v != "" {
		e.PutString("cisco.asa.source_username", v)
		if h.id != "304001" {
			name, dom := splitUser(v)
			e.PutString("source.user.name", name)
			if !e.Has("user.name") {
				e.PutString("user.name", name)
			}
			if dom != "" {
				e.PutString("source.user.domain", dom)
				e.AppendUnique(event.RelatedHosts, dom)
			}
			e.AppendUnique(event.RelatedUser, name)
		}
	}
	if v := g["srcsgt"]; v != "" {
		parse.Set(e, "cisco.asa.source_user_security_group_tag", v)
		if n, err := strconv.Atoi(v); err == nil {
			e.SetInt("cisco.asa.source_user_security_group_tag", int64(n))
		}
	}
	if v := g["dstuser"]; v != "" {
		e.PutString("cisco.asa.destination_username", v)
		name, dom := splitUser(v)
		e.PutString("destination.user.name", name)
		e.PutString("user.name", name)
		if dom != "" {
			e.PutString("destination.user.domain", dom)
			e.AppendUnique(event.RelatedHosts, dom)
		}
		e.AppendUnique(event.RelatedUser, name)
	}
	if v := g["srcuserb"]; v != "" {
		e.PutString("source.user.name", v)
		e.AppendUnique(event.RelatedUser, v)
	}
	if v := g["dstuserb"]; v != "" {
		e.PutString("destination.user.name", v)
		e.PutString("user.name", v)
		e.AppendUnique(event.RelatedUser, v)
	}
	if v := g["termuser"]; v != "" {
		e.PutString("cisco.asa.termination_user", v)
	}
	if v := g["user"]; v != "" {
		e.PutString("user.name", v)
		e.AppendUnique(event.RelatedUser, v)
	}
	if v := g["user2"]; v != "" {
		e.PutString("user.name", v)
		e.AppendUnique(event.RelatedUser, v)
	}
	if v := g["src2"]; v != "" {
		parse.SetAddress(e, "source", v)
		e.AppendUnique(event.RelatedIP, v)
	}
	if v := g["suser"]; v != "" {
		if i := strings.LastIndexByte(v, '\\'); i > 0 {
			e.PutString("source.user.domain", v[:i])
			e.AppendUnique(event.RelatedHosts, v[:i])
			v = v[i+1:]
		}
		e.PutString("source.user.name", v)
		e.PutString("user.name", v)
		e.AppendUnique(event.RelatedUser, v)
	}
	if v := g["group"]; v != "" {
		e.PutString("source.user.group.name", v)
		e.PutString("user.domain", v)
	}
	if v := g["cmd"]; v != "" {
		e.PutString("process.command_line", v)
	}
	if v := g["application"]; v != "" {
		e.PutString("network.application", v)
	}
	if v := g["srcalias"]; v != "" {
		e.PutString("observer.ingress.interface.alias", v)
	}
	if h.id == "430002" || h.id == "430003" || h.id == "430001" || h.id == "430004" || h.id == "430005" {
		ftdConnection(e, a.text)
	}
	if v := g["email"]; v != "" {
		e.PutString("user.email", v)
	}
	if v := g["conntype"]; v != "" {
		e.PutString("cisco.asa.connection_type", v)
	}
	if v := g["dap"]; v != "" {
		recs := strings.Split(v, ", ")
		e.Set("cisco.asa.dap_records", recs)
	}
	if v := g["tunnel"]; v != "" {
		e.PutString("cisco.asa.tunnel_type", v)
		e.Set("network.type", "ipsec")
		e.PutString("network.direction", dir)
	}
	if v := g["threatlevel"]; v != "" {
		e.PutString("cisco.asa.threat_level", v)
	}
	if v := g["threatcat"]; v != "" {
		e.PutString("cisco.asa.threat_category", v)
	}
	if v := g["domain"]; v != "" && !parse.IsIP(v) {
		e.PutString("destination.domain", v)
		e.PutString("server.domain", v)
	}
	if v := g["url"]; v != "" {
		parse.SetURL(e, "url", v)
	}
	if v := g["app"]; v != "" {
		e.PutString("network.protocol", strings.ToLower(v))
	}
	if v := g["reason"]; v != "" {
		e.PutString("event.reason", strings.TrimSpace(v))
	}
	if v := g["bytes"]; v != "" {
		parse.Set(e, "network.bytes", v)
	}
	if v := g["icmptype"]; v != "" {
		parse.Set(e, "cisco.asa.icmp_type", v)
		if n, err := strconv.Atoi(v); err == nil {
			e.SetInt("cisco.asa.icmp_type", int64(n))
		}
	}
	if v := g["icmpcode"]; v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			e.SetInt("cisco.asa.icmp_code", int64(n))
		}
	}
	if d := g["duration"]; d != "" {
		if dur, ok := hms(d); ok {
			e.SetInt("event.duration", int64(dur))
			if ts, ok := e.Time(event.Timestamp); ok {
				e.Set("event.end", ts)
				e.Set("event.start", ts.Add(-dur))
			}
		}
	}
	// Transport.
	if proto != "" {
		switch proto {
		case "icmp", "icmpv6", "ipv6-icmp":
			if proto != "icmp" {
				proto = "ipv6-icmp"
			}
		}
		if h.id == "302020" {
			e.PutString("network.protocol", proto)
		} else if proto != "ip" {
			e.PutString("network.transport", proto)
			if n := parse.IANANumber(proto); n != "" {
				e.Set("network.iana_number", n)
			}
		}
	}
	a.communityID(proto)
	parse.FillRelated(e, "source.ip", "source.nat.ip", "destination.ip", "destination.nat.ip")
	for _, k := range []string{"source.domain", "destination.domain"} {
		if v := e.Str(k); v != "" {
			e.AppendUnique(event.RelatedHosts, v)
		}
	}
}

var asaHeadlessRules = []*regexp.Regexp{
	re(`^(?:TunnelGroup <(?P<domain>[^>]*)> GroupPolicy <(?P<policy>[^>]*)>|Group <(?P<group>[^>]*)>) User <(?P<user>[^>]*)> IP <(?P<ip>[^>]*)> (?:IPv4 Address <(?P<v4>[^>]*)> IPv6 address <(?P<v6>[^>]*)> )?(?P<reason>.*)$`),
	re(`^Group = (?P<group>[^,]+), Username = (?P<user>[^,]+), IP = (?P<ip>[^,]+), .*Reason: (?P<reason>.*)$`),
	re(`^(?P<reason>Tunnel group search using certificate maps failed for peer certificate): serial number: (?P<serial>[^,]+), subject name: (?P<subject>.*?), issuer_name: (?P<issuer>.*?)\.?$`),
	re(`^(?P<reason>Task ran for (?P<msec>\d+) msec), Process = (?P<process>[^,]+), PC = (?P<pc>[^,]+), Call stack = \s*(?P<stack>.*)$`),
}

// asaHeadless maps ASA messages that arrive without their %ASA tag (some
// relays strip it) by their sentence.
func asaHeadless(e *event.Event, text string) {
	for _, rx := range asaHeadlessRules {
		m := rx.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		g := map[string]string{}
		for i, n := range rx.SubexpNames() {
			if n != "" && m[i] != "" {
				g[n] = m[i]
			}
		}
		e.Set("event.category", network)
		reason := g["reason"]
		if r, ok := strings.CutPrefix(reason, "SVC closing connection: "); ok {
			reason = strings.TrimSuffix(r, ".")
		}
		parse.Set(e, "event.reason", reason)
		if v := g["group"]; v != "" {
			e.PutString("user.domain", v)
			e.PutString("source.user.group.name", v)
		}
		if v := g["domain"]; v != "" {
			e.PutString("user.domain", v)
		}
		parse.Set(e, "rule.name", g["policy"])
		if v := g["user"]; v != "" {
			e.PutString("user.name", v)
			e.AppendUnique(event.RelatedUser, v)
		}
		ip := g["ip"]
		if v := g["v6"]; v != "" && v != "::" {
			parse.Set(e, "source.nat.ip", ip)
			ip = v
		} else if v := g["v4"]; v != "" {
			parse.Set(e, "source.nat.ip", ip)
			ip = v
		}
		if ip != "" {
			if a, ok := parse.ParseIP(ip); ok {
				e.PutString("source.address", a.String())
				e.PutString("source.ip", a.String())
			}
		}
		if v := g["subject"]; v != "" {
			e.PutString("tls.client.x509.subject.distinguished_name", v)
			e.PutString("tls.client.x509.issuer.distinguished_name", g["issuer"])
			e.PutString("tls.client.x509.serial_number", g["serial"])
			for _, part := range strings.Split(v, ",") {
				if cn, ok := strings.CutPrefix(part, "CN="); ok {
					e.PutString("user.name", cn)
					e.AppendUnique(event.RelatedUser, cn)
				}
			}
		}
		if v := g["process"]; v != "" {
			e.PutString("process.name", v)
			e.PutString("cisco.process.call_stack", g["stack"])
			e.PutString("cisco.process.instruction_pointer", g["pc"])
		}
		parse.FillRelated(e, "source.ip", "source.nat.ip")
		return
	}
}

// ftdConnection maps the "Key: value, Key: value" connection events of
// Firepower (430001-430005).
func ftdConnection(e *event.Event, text string) {
	for _, kv := range strings.Split(text, ", ") {
		k, v, ok := strings.Cut(kv, ": ")
		if !ok || v == "" {
			continue
		}
		switch k {
		case "EventPriority":
			e.PutString("log.level", v)
		case "DeviceUUID":
			e.PutString("cisco.device_id", v)
		case "AccessControlRuleAction":
			e.PutString("cisco.ac.rule_action", v)
		case "SrcIP":
			parse.SetAddress(e, "source", v)
		case "DstIP":
			parse.SetAddress(e, "destination", v)
		case "SrcPort":
			parse.Set(e, "source.port", v)
		case "DstPort":
			parse.Set(e, "destination.port", v)
		case "Protocol":
			e.PutString("network.transport", strings.ToLower(v))
		case "IngressInterface":
			e.PutString("observer.ingress.interface.name", v)
		case "EgressInterface":
			e.PutString("observer.egress.interface.name", v)
		case "IngressZone":
			e.PutString("observer.ingress.zone", v)
		case "EgressZone":
			e.PutString("observer.egress.zone", v)
		case "ACPolicy":
			e.PutString("rule.ruleset", v)
		case "AccessControlRuleName":
			e.PutString("rule.name", v)
		case "ApplicationProtocol":
			e.PutString("network.protocol", v)
		case "Client":
			e.PutString("network.application", strings.ToLower(v))
		case "WebApplication":
			e.PutString("cisco.web_application", v)
		case "URLCategory":
			e.PutString("cisco.url_category", v)
		case "URL":
			parse.SetURL(e, "url", v)
			e.PutString("url.full", v)
			completeURL(e)
		case "UserAgent":
			e.PutString("user_agent.original", v)
		case "User":
			e.PutString("user.name", v)
			e.AppendUnique(event.RelatedUser, v)
		case "InitiatorPackets":
			parse.Set(e, "source.packets", v)
		case "ResponderPackets":
			parse.Set(e, "destination.packets", v)
		case "InitiatorBytes":
			parse.Set(e, "source.bytes", v)
		case "ResponderBytes":
			parse.Set(e, "destination.bytes", v)
		case "ICMPType":
			e.Set("network.transport", "icmp")
			e.Set("network.protocol", "ICMP")
		}
	}
}

func (a *asaEvent) swap() {
	g := a.g
	for _, k := range asaSwapKeys {
		g[k[0]], g[k[1]] = g[k[1]], g[k[0]]
	}
}

// asaSwapKeys pairs the source and destination groups swap exchanges.
var asaSwapKeys = [...][2]string{{"src", "dst"}, {"srcif", "dstif"}, {"srcport", "dstport"}, {"srcuser", "dstuser"},
	{"srcsgt", "dstsgt"}, {"msrc", "mdst"}, {"msrcport", "mdstport"}}

// endpoint sets source.* or destination.* from an address that may be a
// name (ASA shows object names when names are configured).
func (a *asaEvent) endpoint(role, key string) {
	v := a.g[key]
	if v == "" {
		return
	}
	e := a.e
	k := asaRoleKeys(role)
	if ip, ok := parse.ParseIP(v); ok {
		e.PutString(k[0], v)
		e.PutString(k[1], ip.String())
	} else {
		e.PutString(k[2], v)
		e.PutString(k[0], v)
	}
	if p := a.g[key+"port"]; p != "" {
		parse.Set(a.e, k[3], p)
	}
}

// asaRoleKeys returns role.address, role.ip, role.domain and role.port.
func asaRoleKeys(role string) [4]string {
	switch role {
	case "source":
		return [4]string{"source.address", "source.ip", "source.domain", "source.port"}
	case "destination":
		return [4]string{"destination.address", "destination.ip", "destination.domain", "destination.port"}
	}
	return [4]string{role + ".address", role + ".ip", role + ".domain", role + ".port"}
}

func (a *asaEvent) communityID(proto string) {
	e := a.e
	s, ok1 := netipOf(e.Str("source.ip"))
	d, ok2 := netipOf(e.Str("destination.ip"))
	if !ok1 || !ok2 {
		return
	}
	var pn uint8
	var sp, dp uint16
	switch proto {
	case "tcp", "udp":
		pn = 6
		if proto == "udp" {
			pn = 17
		}
		p1, ok1 := e.Int("source.port")
		p2, ok2 := e.Int("destination.port")
		if !ok1 || !ok2 {
			return
		}
		sp, dp = uint16(p1), uint16(p2)
	case "icmp", "ipv6-icmp":
		pn = 1
		if proto != "icmp" {
			pn = 58
		}
		// The reference pipeline hashes ICMP flows without the ICMP type
		// and code (they are not in icmp.*), i.e. as type 0 code 0.
		sp, dp = 0, 0
	default:
		return
	}
	e.Set("network.community_id", parse.CommunityID(s, d, pn, sp, dp))
}

func netipOf(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	return parse.ParseIP(s)
}

// splitUser splits "DOMAIN\\user" and "user@domain" (a LOCAL\\ prefix is
// the device's own user database, not a domain).
func splitUser(u string) (name, domain string) {
	u = strings.TrimPrefix(u, "LOCAL\\")
	if i := strings.LastIndexByte(u, '\\'); i > 0 {
		return u[i+1:], u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i > 0 {
		return u[:i], u[i+1:]
	}
	return u, ""
}

func stripDomain(u string) string {
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		return u[i+1:]
	}
	return u
}

// hms parses "h:mm:ss" durations.
func hms(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	var total time.Duration
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0, false
		}
		total += time.Duration(n) * []time.Duration{time.Hour, time.Minute, time.Second}[i]
	}
	return total, true
}

func init() { all = append(all, ciscoASA) }

// completeURL derives the url.* parts of a URL already set with
// parse.SetURL: the registered domain and subdomain of url.domain, and the
// scheme's port when the URL names none.
func completeURL(e *event.Event) {
	if d := e.Str("url.domain"); d != "" {
		parse.SetDomainParts(e, "url", d)
	}
	if e.Has("url.port") {
		return
	}
	switch e.Str("url.scheme") {
	case "https":
		e.SetInt("url.port", 443)
	case "http":
		e.SetInt("url.port", 80)
	}
}
