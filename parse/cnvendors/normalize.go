package cnvendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// ctx carries one record through its family's reader and the common
// finishing steps.
type ctx struct {
	r   *parse.Record
	e   *event.Event
	b   *brand
	f   *family
	ns  string
	loc *time.Location

	keys  keyTable
	scale scale

	// best value per role, and the priority it came with
	vals [numRoles]string
	prio [numRoles]uint8
	have [numRoles]bool

	product string
	otype   string
	// vendorGuess names the vendor when the owner's format is shared by an
	// OEM and the record itself says whose device wrote it; a hinted brand
	// other than the owner always wins.
	vendorGuess string
	alert       bool   // the record reports an attack or threat
	malware     bool   // … a malware detection
	kind        string // event.kind override
	cats        []string
	types       []string
	timeSet     bool

	// codes translating the raw action and level, when the vendor writes codes
	actionCodes *codeTable
	levelCodes  *codeTable
	attackCodes *codeTable
}

func newCtx(r *parse.Record, e *event.Event, b *brand, f *family) *ctx {
	c := &ctx{r: r, e: e, b: b, f: f, ns: b.ns, loc: deviceLocation(r), keys: commonKeys}
	if f != nil {
		if f.keys != nil {
			c.keys = f.keys
		}
		c.scale = f.scale
		c.product = f.product
		c.otype = f.otype
		if f.ns != "" && f.owner == b.id {
			c.ns = f.ns
		}
	}
	if c.product == "" {
		c.product = b.product
	}
	if c.otype == "" {
		c.otype = b.otype
	}
	return c
}

// offer proposes val for role r at priority p; the lowest priority wins
// and, among equals, the first offer.
func (c *ctx) offer(r role, p uint8, val string) {
	if r == rNone || r == rIgnore || r >= numRoles {
		return
	}
	val = strings.TrimSpace(val)
	if nullish(val) {
		return
	}
	if c.have[r] && c.prio[r] <= p {
		return
	}
	c.vals[r], c.prio[r], c.have[r] = val, p, true
}

// set forces role r to val.
func (c *ctx) set(r role, val string) {
	val = strings.TrimSpace(val)
	if nullish(val) {
		return
	}
	c.vals[r], c.prio[r], c.have[r] = val, 0, true
}

func (c *ctx) val(r role) string { return c.vals[r] }

// collect routes fields through the key table: known keys to their roles,
// the rest to the vendor namespace.
func (c *ctx) collect(fs fields) {
	for _, f := range fs {
		c.collectOne(f.key, f.val)
	}
}

// collectOne routes one field.
func (c *ctx) collectOne(key, val string) {
	if key == "" {
		return
	}
	var buf [96]byte
	ck := canonBytes(buf[:0], key)
	t, ok := c.keys[string(ck)]
	if !ok {
		// JSON leaves: "content.remote_ip" is looked up as "remote_ip".
		if i := strings.LastIndexByte(key, '.'); i > 0 && i < len(key)-1 {
			t, ok = c.keys[string(canonBytes(buf[:0], key[i+1:]))]
		}
	}
	if ok && t.role != rNone {
		if t.role != rIgnore {
			c.offer(t.role, t.prio, val)
		}
		return
	}
	c.keep(key, val)
}

// keep stores a vendor field under the namespace.
func (c *ctx) keep(key, val string) {
	if nullish(val) || key == "" {
		return
	}
	c.e.Set(c.ns+"."+sanitizeKey(key), val)
}

// setTime sets @timestamp from a device time string.
func (c *ctx) setTime(s string) bool {
	t, ok := parseDeviceTime(s, c.loc, c.r.Now)
	if !ok {
		return false
	}
	c.e.SetTimestamp(t)
	c.timeSet = true
	return true
}

// category adds event.category values; typ adds event.type values.
func (c *ctx) category(cs ...string) { c.cats = appendUnique(c.cats, cs...) }
func (c *ctx) typ(ts ...string)      { c.types = appendUnique(c.types, ts...) }

func appendUnique(l []string, vs ...string) []string {
	for _, v := range vs {
		found := false
		for _, x := range l {
			if x == v {
				found = true
				break
			}
		}
		if !found {
			l = append(l, v)
		}
	}
	return l
}

// setIP sets prefix.ip (and .address) from an address that may carry a
// port ("1.2.3.4:80", "[v6]:80"), a zone or a "(host)" suffix. It returns
// the port found, if any.
func (c *ctx) setIP(prefix, v string) (port string, ok bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	if a, good := parse.ParseIP(v); good {
		c.e.Set(prefix+".ip", a.String())
		c.e.Set(prefix+".address", a.String())
		return "", true
	}
	if h, p := parse.SplitHostPort(v); p != "" && allDigits(p) {
		if a, good := parse.ParseIP(h); good {
			c.e.Set(prefix+".ip", a.String())
			c.e.Set(prefix+".address", a.String())
			return p, true
		}
	}
	if looksLikeHostname(v) {
		c.e.Set(prefix+".address", v)
		c.e.Set(prefix+".domain", v)
		return "", true
	}
	return "", false
}

func (c *ctx) setPort(key, v string) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 65535 {
		c.e.Set(key, int64(n))
	}
}

func (c *ctx) setLong(key, v string) {
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
		c.e.Set(key, n)
	}
}

// transports are the values network.transport takes.
var transports = map[string]string{
	"tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "ipv6-icmp", "ipv6-icmp": "ipv6-icmp",
	"igmp": "igmp", "gre": "gre", "esp": "esp", "ah": "ah", "sctp": "sctp", "ospf": "ospf",
	"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "2": "igmp", "47": "gre", "50": "esp",
	"51": "ah", "132": "sctp", "89": "ospf", "ipproto_tcp": "tcp", "ipproto_udp": "udp",
	"ipproto_icmp": "icmp", "null_tcp": "tcp", "null_udp": "udp", "tcpudp": "",
}

// setProto reads a protocol field: a transport (name or number), an
// application protocol, or both ("TCP.HTTP", "UDP/DNS", "IPv4/UDP").
func (c *ctx) setProto(v string) {
	l := strings.ToLower(strings.TrimSpace(v))
	if l == "" {
		return
	}
	if t, ok := transports[l]; ok {
		if t != "" {
			c.e.Set("network.transport", t)
		}
		return
	}
	for _, sep := range []string{".", "/", "-", "_"} {
		if a, b, ok := strings.Cut(l, sep); ok {
			ta, oka := transports[a]
			tb, okb := transports[b]
			switch {
			case oka && ta != "":
				c.e.Set("network.transport", ta)
				if okb && tb != "" {
					return
				}
				if b != "" && b != "ipv4" && b != "ipv6" {
					c.e.Set("network.protocol", b)
				}
				return
			case okb && tb != "":
				c.e.Set("network.transport", tb)
				if a != "ipv4" && a != "ipv6" && a != "ip" {
					c.e.Set("network.protocol", a)
				}
				return
			}
		}
	}
	switch l {
	case "ip", "ipv4", "ipv6", "unknown", "misc", "other", "others", "any", "all", "null":
		return
	}
	if allDigits(l) {
		return
	}
	c.e.Set("network.protocol", l)
}

// finish turns the collected roles into ECS fields, classifies the event
// and fills observer, timestamp and related fields.
func (c *ctx) finish() {
	e := c.e
	v := &c.vals
	h := &c.have

	// Addresses and ports.
	if h[rSrcIP] {
		if p, ok := c.setIP("source", v[rSrcIP]); ok && p != "" && !h[rSrcPort] {
			c.set(rSrcPort, p)
		}
	}
	if h[rDstIP] {
		if p, ok := c.setIP("destination", v[rDstIP]); ok && p != "" && !h[rDstPort] {
			c.set(rDstPort, p)
		}
	}
	if h[rSrcPort] {
		c.setPort("source.port", v[rSrcPort])
	}
	if h[rDstPort] {
		c.setPort("destination.port", v[rDstPort])
	}
	if h[rSrcMAC] {
		if m, ok := normMAC(v[rSrcMAC]); ok {
			e.Set("source.mac", m)
		}
	}
	if h[rDstMAC] {
		if m, ok := normMAC(v[rDstMAC]); ok {
			e.Set("destination.mac", m)
		}
	}
	if h[rSrcNatIP] {
		if a, ok := parse.ParseIP(v[rSrcNatIP]); ok && !a.IsUnspecified() {
			e.Set("source.nat.ip", a.String())
		}
	}
	if h[rSrcNatPort] {
		c.setPort("source.nat.port", v[rSrcNatPort])
	}
	if h[rDstNatIP] {
		if a, ok := parse.ParseIP(v[rDstNatIP]); ok && !a.IsUnspecified() {
			e.Set("destination.nat.ip", a.String())
		}
	}
	if h[rDstNatPort] {
		c.setPort("destination.nat.port", v[rDstNatPort])
	}
	if h[rProto] {
		c.setProto(v[rProto])
	}
	if h[rAppProto] {
		c.setProto(v[rAppProto])
	}
	if h[rApp] {
		e.Set("network.application", strings.ToLower(v[rApp]))
	}
	if e.Has("source.ip") || e.Has("destination.ip") {
		c.category("network")
		if t, ok := e.String("network.transport"); ok {
			if n := parse.IANANumber(t); n != "" {
				e.Set("network.iana_number", n)
			}
		}
	}

	// Verdict.
	if h[rAction] {
		raw := v[rAction]
		e.Set(c.ns+".action", raw)
		word := raw
		if c.actionCodes != nil {
			if m, ok := c.actionCodes.lookup(raw); ok {
				word = m
				if !e.Has(c.ns + ".action_name") {
					e.Set(c.ns+".action_name", m)
				}
			}
		}
		if vd, ok := readVerdict(word); ok {
			e.Set("event.action", vd.action)
			c.typ(vd.typ)
			if vd.outcome != "" {
				e.Set("event.outcome", vd.outcome)
			}
		} else if !allDigits(word) {
			e.Set("event.action", word)
		}
	}
	if h[rResult] {
		if o := resultOutcome(v[rResult]); o != "" {
			e.Set("event.outcome", o)
		}
		c.keep("result", v[rResult])
	}

	// Level.
	if h[rSeverity] {
		raw := v[rSeverity]
		e.Set(c.ns+".severity", raw)
		word := raw
		if c.levelCodes != nil {
			if m, ok := c.levelCodes.lookup(raw); ok {
				word = m
			}
		}
		if lv := readLevel(word, c.scale); lv != lvNone {
			e.Set("event.severity", severityScore[lv])
			e.Set("log.level", levelNames[lv])
		}
	}

	// Rule and attack.
	if h[rRuleName] {
		e.Set("rule.name", v[rRuleName])
	}
	if h[rRuleID] {
		e.Set("rule.id", v[rRuleID])
	}
	attackType := v[rAttackType]
	if h[rAttackType] {
		if c.attackCodes != nil {
			if m, ok := c.attackCodes.lookup(attackType); ok {
				e.Set(c.ns+".attack_type", attackType)
				attackType = m
			}
		}
		e.Set("rule.category", attackType)
		c.alert = true
	}
	if h[rVirus] {
		e.Set("threat.software.name", v[rVirus])
		if !h[rRuleName] {
			e.Set("rule.name", v[rVirus])
		}
		c.malware = true
		c.alert = true
	}
	if h[rCVE] {
		for _, id := range strings.FieldsFunc(v[rCVE], func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '，' }) {
			if strings.HasPrefix(strings.ToUpper(id), "CVE-") {
				e.AppendUnique("vulnerability.id", strings.ToUpper(id))
			}
		}
	}
	var ac *attackClass
	if c.alert {
		ac = classifyAttack(attackType, v[rRuleName], v[rVirus])
	} else if attackType != "" {
		ac = classifyAttack(attackType)
	}
	if ac != nil {
		setAttackClass(e, ac)
		if ac.malware {
			c.malware = true
		}
		c.alert = true
	}
	// The vendor's own ATT&CK mapping, when it gives one, is authoritative.
	if h[rTechnique] && attackID.MatchString(v[rTechnique]) {
		setVendorTechnique(e, v[rTechnique], v[rTactic])
		c.alert = true
	}

	// Identity, web, mail, DNS.
	if h[rUser] {
		e.Set("user.name", v[rUser])
	}
	if h[rTargetUser] {
		e.Set("user.target.name", v[rTargetUser])
	}
	if h[rURL] {
		setURL(e, v[rURL])
	}
	if h[rHTTPHost] {
		host := v[rHTTPHost]
		if hh, p := parse.SplitHostPort(host); p != "" && allDigits(p) {
			host = hh
		}
		if looksLikeHostname(host) && !e.Has("url.domain") {
			e.Set("url.domain", strings.ToLower(host))
		}
		if !e.Has("destination.domain") && looksLikeHostname(host) {
			e.Set("destination.domain", strings.ToLower(host))
		}
	}
	if h[rMethod] {
		m := strings.ToUpper(strings.TrimSpace(v[rMethod]))
		if httpMethods[m] {
			e.Set("http.request.method", m)
			c.category("web")
		}
	}
	if h[rUA] {
		e.Set("user_agent.original", v[rUA])
	}
	if h[rReferrer] {
		e.Set("http.request.referrer", v[rReferrer])
	}
	if h[rStatus] {
		if n, err := strconv.Atoi(v[rStatus]); err == nil && n >= 100 && n < 600 {
			e.Set("http.response.status_code", int64(n))
		}
	}
	if h[rMailFrom] {
		e.Set("email.from.address", []string{v[rMailFrom]})
		c.category("email")
	}
	if h[rMailTo] {
		e.Set("email.to.address", []string{v[rMailTo]})
	}
	if h[rMailSubject] {
		e.Set("email.subject", v[rMailSubject])
	}
	if h[rDNSQuery] {
		e.Set("dns.question.name", v[rDNSQuery])
	}
	if h[rDomain] && looksLikeHostname(v[rDomain]) {
		e.Set("dns.question.registered_domain", v[rDomain])
	}

	// Traffic.
	if h[rSrcBytes] {
		c.setLong("source.bytes", v[rSrcBytes])
	}
	if h[rDstBytes] {
		c.setLong("destination.bytes", v[rDstBytes])
	}
	if h[rSrcPkts] {
		c.setLong("source.packets", v[rSrcPkts])
	}
	if h[rDstPkts] {
		c.setLong("destination.packets", v[rDstPkts])
	}
	if h[rInZone] {
		e.Set("observer.ingress.zone", v[rInZone])
	}
	if h[rOutZone] {
		e.Set("observer.egress.zone", v[rOutZone])
	}
	if h[rInIf] {
		e.Set("observer.ingress.interface.name", v[rInIf])
	}
	if h[rOutIf] {
		e.Set("observer.egress.interface.name", v[rOutIf])
	}
	if h[rSession] {
		e.Set(c.ns+".session_id", v[rSession])
	}
	if h[rCount] {
		c.keep("count", v[rCount])
	}
	if h[rDirection] {
		c.keep("direction", v[rDirection])
		switch strings.ToLower(v[rDirection]) {
		case "inbound", "in", "入站", "incoming":
			e.Set("network.direction", "inbound")
		case "outbound", "out", "出站", "outgoing":
			e.Set("network.direction", "outbound")
		}
	}
	if h[rPolicy] {
		e.Set("rule.ruleset", v[rPolicy])
	}
	if h[rReason] {
		e.Set("event.reason", v[rReason])
	}
	if h[rEventID] {
		e.Set("event.code", v[rEventID])
	}

	// Observer and host.
	if h[rDevName] {
		e.Set("observer.name", v[rDevName])
	}
	if h[rDevIP] {
		if a, ok := parse.ParseIP(v[rDevIP]); ok {
			e.AppendUnique("observer.ip", a.String())
		}
	}
	if h[rSerial] {
		e.Set("observer.serial_number", v[rSerial])
	}
	if h[rVersion] && strings.ContainsAny(v[rVersion], ".0123456789") {
		e.Set("observer.version", v[rVersion])
	}
	if h[rHostName] {
		e.Set("host.name", v[rHostName])
		e.Set("host.hostname", v[rHostName])
	}
	if h[rHostIP] {
		for _, s := range strings.FieldsFunc(v[rHostIP], func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
			if a, ok := parse.ParseIP(s); ok {
				e.AppendUnique("host.ip", a.String())
			}
		}
	}
	if h[rHostMAC] {
		for _, s := range strings.FieldsFunc(v[rHostMAC], func(r rune) bool { return r == ';' || r == ',' }) {
			if m, ok := normMAC(s); ok {
				e.AppendUnique("host.mac", m)
			}
		}
	}
	if h[rOS] {
		e.Set("host.os.full", v[rOS])
	}

	// Process and file.
	if h[rProcName] {
		e.Set("process.name", v[rProcName])
	}
	if h[rPID] {
		c.setLong("process.pid", v[rPID])
	}
	if h[rCmdline] {
		e.Set("process.command_line", v[rCmdline])
	}
	if h[rProcPath] {
		e.Set("process.executable", v[rProcPath])
	}
	if h[rFileName] {
		e.Set("file.name", v[rFileName])
	}
	if h[rFilePath] {
		e.Set("file.path", v[rFilePath])
	}
	if h[rFileMD5] && len(v[rFileMD5]) == 32 {
		e.Set("file.hash.md5", strings.ToLower(v[rFileMD5]))
	}
	if h[rFileSHA1] && len(v[rFileSHA1]) == 40 {
		e.Set("file.hash.sha1", strings.ToLower(v[rFileSHA1]))
	}
	if h[rFileSHA256] && len(v[rFileSHA256]) == 64 {
		e.Set("file.hash.sha256", strings.ToLower(v[rFileSHA256]))
	}
	if h[rFileSize] {
		c.setLong("file.size", v[rFileSize])
	}

	// Time: the payload's event time, else the header's in the device zone.
	if !c.timeSet {
		if h[rTime] && len(v[rTime]) == 10 && c.r.Syslog != nil && c.r.Syslog.HasTimestamp {
			// a date without a clock: the header's time is more precise
			c.have[rTime] = false
		}
		switch {
		case h[rTime] && c.setTime(v[rTime]):
		case h[rDate] && h[rClock] && c.setTime(v[rDate]+" "+v[rClock]):
		case h[rStart] && c.setTime(v[rStart]):
		case h[rDate] && c.setTime(v[rDate]):
		default:
			if t, ok := headerTime(c.r); ok {
				e.SetTimestamp(t)
			} else if lead := leadingTime.FindString(rawPayload(c.r)); lead != "" {
				// "<188>2023/08/25 07:39:34 host …": a header the syslog parser does not read
				c.setTime(lead)
			}
		}
	}
	if h[rStart] {
		if t, ok := parseDeviceTime(v[rStart], c.loc, c.r.Now); ok {
			e.Set("event.start", t.UTC())
		}
	}
	if h[rEnd] {
		if t, ok := parseDeviceTime(v[rEnd], c.loc, c.r.Now); ok {
			e.Set("event.end", t.UTC())
		}
	}

	// Kind and categories.
	switch {
	case c.kind != "":
		e.Set("event.kind", c.kind)
	case c.alert:
		e.Set("event.kind", "alert")
	default:
		e.Set("event.kind", "event")
	}
	if c.malware {
		c.category("malware")
	} else if c.alert {
		c.category("intrusion_detection")
	}
	if len(c.cats) > 0 {
		e.Set("event.category", c.cats)
	}
	if len(c.types) == 0 && (c.alert || len(c.cats) > 0) {
		c.typ("info")
	}
	if len(c.types) > 0 {
		e.Set("event.type", c.types)
	}

	// Observer.
	vendor := c.b.vendor
	if c.vendorGuess != "" && c.f != nil && c.f.owner == c.b.id {
		vendor = c.vendorGuess
	}
	if vendor != "" {
		e.Set("observer.vendor", vendor)
	}
	if c.product != "" {
		e.Set("observer.product", c.product)
	}
	if c.otype != "" {
		e.Set("observer.type", c.otype)
	}
	if c.r.Syslog != nil && c.r.Syslog.Hostname != "" && !e.Has("observer.hostname") {
		e.Set("observer.hostname", c.r.Syslog.Hostname)
	}
	parse.FillRelated(e)
}

// leadingTime is a date-time opening a record.
var leadingTime = regexp.MustCompile(`^\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?`)

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "HEAD": true,
	"OPTIONS": true, "PATCH": true, "CONNECT": true, "TRACE": true, "PROPFIND": true}

// setURL sets url.original and its parts; a URL without a scheme
// ("www.example.com/a.php", "/path?q") is split too.
func setURL(e *event.Event, raw string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	if strings.Contains(raw, "://") {
		parse.SetURL(e, "url", raw)
		return
	}
	e.Set("url.original", raw)
	path := raw
	if !strings.HasPrefix(raw, "/") {
		host, rest, _ := strings.Cut(raw, "/")
		h, p := parse.SplitHostPort(host)
		if !looksLikeHostname(h) && !parse.IsIP(h) {
			return
		}
		e.Set("url.domain", strings.ToLower(h))
		if p != "" && allDigits(p) {
			if n, err := strconv.Atoi(p); err == nil && n <= 65535 {
				e.Set("url.port", int64(n))
			}
		}
		path = "/" + rest
	}
	p, q, hasQ := strings.Cut(path, "?")
	e.Set("url.path", p)
	if hasQ && q != "" {
		e.Set("url.query", q)
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 && i > strings.LastIndexByte(p, '/') && i < len(p)-1 {
		e.Set("url.extension", strings.ToLower(p[i+1:]))
	}
}
