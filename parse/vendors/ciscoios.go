package vendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Cisco IOS and IOS XE (routers and Catalyst switches) send
//
//	[<PRI>][SEQ: ][HOST: ][*|.]Mmm dd [yyyy ]hh:mm:ss[.mmm][ TZ]: %FAC[-SUB]-SEV-MNEMONIC: text
//
// where the sequence number, the host name, the year, the milliseconds and
// the time-zone name depend on "service sequence-numbers", "logging origin-id"
// and "service timestamps log datetime msec localtime year show-timezone".
// The text follows one grammar per mnemonic; the normalizer reads the parts
// most messages share (addresses, ports, MAC addresses in Cisco's dotted
// notation, user names, VLANs, interfaces, URLs, outcomes).
var ciscoIOS = &parse.Vendor{
	ID:       "cisco-ios",
	Aliases:  []string{"cisco_ios", "ios", "ios-xe", "cisco-ios-xe", "cisco-switch", "catalyst"},
	Name:     "Cisco IOS / IOS XE",
	Formats:  []parse.Format{parse.FormatText},
	Observer: parse.Observer{Vendor: "Cisco", Product: "ios"},
	Detect: func(r *parse.Record) bool {
		_, ok := iosLocate(r.Original)
		return ok
	},
	Normalize: normalizeIOS,
	Verified:  "Sekoia Cisco IOS intake tests (36 events)",
}

func init() { all = append(all, ciscoIOS) }

// iosHeader is the located "%FAC-SEV-MNEMONIC:" tag of a message.
type iosHeader struct {
	start, end int // tag span in the message ('%' .. ':')
	facility   string
	severity   int
	mnemonic   string
}

// iosLocate finds the first "%FAC[-SUB]-SEV-MNEMONIC:" tag in the first 256
// bytes of s, at the start or after ": " (not ASA/FTD, which have their own
// normalizer).
func iosLocate(s string) (iosHeader, bool) {
	limit := min(len(s), 256)
	for off := 0; off < limit; {
		i := strings.IndexByte(s[off:limit], '%')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		if i > 0 && s[i-1] != '>' && (i < 2 || s[i-1] != ' ' || s[i-2] != ':') {
			continue
		}
		if h, ok := iosTag(s, i); ok {
			return h, true
		}
	}
	return iosHeader{}, false
}

// iosTag reads the tag starting at s[i] == '%'.
func iosTag(s string, i int) (iosHeader, bool) {
	j := i + 1
	for j < len(s) && j-i < 96 {
		c := s[j]
		if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			j++
			continue
		}
		break
	}
	if j >= len(s) || s[j] != ':' || (j+1 < len(s) && s[j+1] != ' ') {
		return iosHeader{}, false
	}
	tag := s[i+1 : j]
	last := strings.LastIndexByte(tag, '-')
	if last < 2 || last == len(tag)-1 {
		return iosHeader{}, false
	}
	sevAt := last - 1
	if tag[sevAt] < '0' || tag[sevAt] > '7' || tag[sevAt-1] != '-' {
		return iosHeader{}, false
	}
	// Mnemonics are words (UPDOWN, CONFIG_I); numeric ids are the ASA and
	// Firepower family's (%NGIPS-1-430002).
	if c := tag[last+1]; c < 'A' || c > 'Z' {
		return iosHeader{}, false
	}
	fac := tag[:sevAt-1]
	if fac == "" || fac[0] < 'A' || fac[0] > 'Z' || fac == "ASA" || fac == "FTD" || strings.HasPrefix(fac, "ASA-") || strings.HasPrefix(fac, "FTD-") {
		return iosHeader{}, false
	}
	return iosHeader{start: i, end: j, facility: fac, severity: int(tag[sevAt] - '0'), mnemonic: tag[last+1:]}, true
}

var iosLevels = [...]string{"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}

func normalizeIOS(r *parse.Record, e *event.Event) error {
	s := r.Original
	h, ok := iosLocate(s)
	if !ok {
		parse.SyslogProcess(r, e)
		return nil
	}
	// The IOS message is the line without the syslog priority.
	msg := s
	if strings.HasPrefix(msg, "<") {
		if k := strings.IndexByte(msg, '>'); k > 0 && k <= 4 {
			msg = msg[k+1:]
		}
	}
	e.Set(event.Message, msg)
	text := strings.TrimSpace(s[h.end+1:])
	fac := h.facility
	if k := strings.IndexByte(fac, '-'); k > 0 {
		e.Set("cisco.ios.event.subfacility", fac[k+1:])
		fac = fac[:k]
	}
	e.Set("cisco.ios.event.facility", fac)
	e.Set("event.kind", "event")
	e.Set("event.code", h.mnemonic)
	e.Set("event.severity", int64(h.severity))
	e.Set("log.level", iosLevels[h.severity])
	parse.Set(e, "event.reason", text)
	iosPrefix(r, e, s[:h.start])
	iosText(e, fac, h.mnemonic, text)
	parse.FillRelated(e, "source.ip", "destination.ip", "user.name", "url.domain")
	return nil
}

// iosPrefix reads the sequence number, host name and timestamp before the tag.
func iosPrefix(r *parse.Record, e *event.Event, pre string) {
	if strings.HasPrefix(pre, "<") {
		if k := strings.IndexByte(pre, '>'); k > 0 && k <= 4 {
			pre = pre[k+1:]
		}
	}
	pre = strings.TrimRight(strings.TrimSpace(pre), ":")
	// Find the month that starts the timestamp.
	ts := -1
	for i := 0; i+4 <= len(pre); i++ {
		if (i == 0 || pre[i-1] == ' ' || pre[i-1] == '*' || pre[i-1] == '.') && iosMonth(pre[i:i+3]) > 0 && pre[i+3] == ' ' {
			ts = i
			break
		}
	}
	head := pre
	if ts >= 0 {
		head = pre[:ts]
		if t, ok := iosTime(pre[ts:], r); ok {
			e.SetTimestamp(t)
		}
	}
	host := ""
	for _, part := range strings.Split(head, ":") {
		part = strings.Trim(strings.TrimSpace(part), "*.")
		if part == "" {
			continue
		}
		if isDigits(part) {
			parse.Set(e, "event.sequence", part)
			continue
		}
		if strings.IndexByte(part, ' ') < 0 {
			host = part
		}
	}
	if host == "" && r.Syslog != nil && r.Syslog.Hostname != "" && iosMonth(r.Syslog.Hostname) == 0 && !strings.HasSuffix(r.Syslog.Hostname, ":") && !strings.HasPrefix(r.Syslog.Hostname, "%") && len(r.Syslog.Hostname) > 4 {
		host = r.Syslog.Hostname
	}
	if host != "" {
		e.Set("host.name", host)
		e.Set("observer.hostname", host)
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func iosMonth(s string) int {
	if len(s) < 3 {
		return 0
	}
	switch s[:3] {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// iosZones are the time-zone names IOS configurations commonly use ("clock
// timezone CET 1"), as fixed offsets in seconds.
var iosZones = map[string]int{
	"UTC": 0, "GMT": 0, "WET": 0, "BST": 3600, "IST": 19800, "WEST": 3600, "CET": 3600, "MET": 3600,
	"CEST": 7200, "MEST": 7200, "EET": 7200, "EEST": 10800, "MSK": 10800, "CST": -6 * 3600, "CDT": -5 * 3600,
	"EST": -5 * 3600, "EDT": -4 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600, "AST": -4 * 3600, "ADT": -3 * 3600,
	"BRT": -3 * 3600, "BRST": -2 * 3600, "ART": -3 * 3600, "JST": 9 * 3600, "KST": 9 * 3600, "HKT": 8 * 3600,
	"SGT": 8 * 3600, "AWST": 8 * 3600, "AEST": 10 * 3600, "AEDT": 11 * 3600, "NZST": 12 * 3600, "NZDT": 13 * 3600,
	"SAST": 7200, "CAT": 7200, "EAT": 10800, "WAT": 3600,
}

// iosTime reads "Mmm dd [yyyy ]hh:mm:ss[.frac][ TZ]". A name IOS was given
// with "clock timezone" that is not in iosZones falls back to the device
// time zone of the hint.
func iosTime(s string, r *parse.Record) (time.Time, bool) {
	f := strings.Fields(s)
	if len(f) < 3 {
		return time.Time{}, false
	}
	mon := iosMonth(f[0])
	day, err := strconv.Atoi(f[1])
	if mon == 0 || err != nil || day < 1 || day > 31 {
		return time.Time{}, false
	}
	rest := f[2:]
	year := 0
	if len(rest[0]) == 4 && isDigits(rest[0]) {
		year, _ = strconv.Atoi(rest[0])
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return time.Time{}, false
	}
	clock := rest[0]
	frac := ""
	if k := strings.IndexByte(clock, '.'); k > 0 {
		clock, frac = clock[:k], clock[k+1:]
	}
	hms := strings.Split(clock, ":")
	if len(hms) != 3 {
		return time.Time{}, false
	}
	var v [3]int
	for i, p := range hms {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 59 {
			return time.Time{}, false
		}
		v[i] = n
	}
	if v[0] > 23 {
		return time.Time{}, false
	}
	ns := 0
	if frac != "" && len(frac) <= 9 && isDigits(frac) {
		ns, _ = strconv.Atoi((frac + "000000000")[:9])
	}
	loc := r.Location()
	if len(rest) > 1 {
		if off, ok := iosZones[strings.ToUpper(rest[1])]; ok {
			loc = time.FixedZone(rest[1], off)
		}
	}
	if year == 0 {
		year = iosYear(time.Month(mon), day, r.Now.In(loc))
	}
	return time.Date(year, time.Month(mon), day, v[0], v[1], v[2], ns, loc), true
}

// iosYear completes a year-less date from the receive time: the same year,
// or the year before when the date would be more than a month ahead.
func iosYear(mon time.Month, day int, now time.Time) int {
	y := now.Year()
	if now.IsZero() {
		return time.Now().Year()
	}
	t := time.Date(y, mon, day, 0, 0, 0, 0, now.Location())
	if t.After(now.AddDate(0, 1, 0)) {
		y--
	}
	return y
}

var (
	iosMACRe     = regexp.MustCompile(`\b[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\b`)
	iosIPRe      = regexp.MustCompile(`(?:^|[\s(\[,'"])((?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4}:[0-9a-fA-F:]*:[0-9a-fA-F]{1,4})(?:[:(](\d{1,5})\)?)?`)
	iosFlowRe    = regexp.MustCompile(`(\S+?)\((\d+)\)(?:\s+\([^)]*\))?\s*->\s*(\S+?)\((\d+)\)`)
	iosFlowNoPRe = regexp.MustCompile(`(\S+)\s+->\s+(\S+?),`)
	iosDestRe    = regexp.MustCompile(`(?i)\bto (?:host|server) ([0-9A-Fa-f.:]*[0-9A-Fa-f])(?: port (\d+))?`)
	iosUserRe    = regexp.MustCompile(`(?:\[user: ([^\]\s]+)\]|\bUser '([^']+)'|\bUser:\s?(\S+)|\buser '([^']+)'|\b(?i:user)(?:name)?:? ([A-Za-z0-9_.@\\$-]+)|\b(?:by|as) ([A-Za-z0-9_.@\\$-]+) on (?:vty|tty|con|aux)|\bby ([A-Za-z0-9_.@\\$-]+) \()`)
	iosVLANRe    = regexp.MustCompile(`(?i)\bvlan ?(\d{1,4})\b`)
	iosIfaceRe   = regexp.MustCompile(`(?i)\b(?:Interface|port) ((?:[A-Za-z][A-Za-z-]*)\d+(?:/\d+)*(?:\.\d+)?)`)
	iosURLRe     = regexp.MustCompile(`\b[a-z][a-z0-9+.-]*://[^\s'"()<>]+`)
	iosStateRe   = regexp.MustCompile(`changed state to (\S+?)\.?$`)
	iosProcRe    = regexp.MustCompile(`^(?:(?:Switch|Chassis|Stack) \d+ )?[A-Z]+\d*/\d+: ([A-Za-z0-9_.-]+): `)
	iosByProcRe  = regexp.MustCompile(`\bby process (.+?) from `)
	iosCmdRe     = regexp.MustCompile(`logged command:(.+)$`)
	iosProtoRe   = regexp.MustCompile(`\bfor ([a-z]+ over [a-z]+)\b`)
	iosPortRe    = regexp.MustCompile(`\[localport: (\d+)\]`)
	iosTTYRe     = regexp.MustCompile(`\b(?:vty|tty) ?(\d+)`)
	iosPrivRe    = regexp.MustCompile(`privilege level (?:set to )?(\d+)`)
)

// iosNotUser are words that follow "user" in messages without naming one.
var iosNotUser = map[string]bool{"with": true, "is": true, "has": true, "the": true, "from": true, "for": true, "on": true,
	"session": true, "authentication": true, "name": true, "login": true, "logged": true, "account": true, "not": true, "a": true}

// iosMAC turns Cisco's "aabb.ccdd.eeff" into "AA:BB:CC:DD:EE:FF".
func iosMAC(s string) string {
	h := strings.ToUpper(strings.ReplaceAll(s, ".", ""))
	if len(h) != 12 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// iosText reads the fields of the message text.
func iosText(e *event.Event, fac, mnemonic, text string) {
	cat, typ := iosCategory(fac, mnemonic, text)
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
	if cat == "authentication" || strings.Contains(mnemonic, "FAIL") {
		switch {
		case strings.Contains(mnemonic, "FAIL") || strings.Contains(strings.ToLower(text), "fail"):
			e.Set("event.outcome", "failure")
		case strings.Contains(mnemonic, "SUCCESS") || strings.Contains(mnemonic, "PASS") || strings.Contains(text, "Succeeded") || strings.Contains(text, "successfully"):
			e.Set("event.outcome", "success")
		}
	}
	if m := iosStateRe.FindStringSubmatch(text); m != nil {
		e.Set("event.action", m[1])
	}

	// MAC addresses: the first is the station the message is about, except
	// the new value of an overwritten entry and a new root bridge.
	macs := iosMACRe.FindAllStringIndex(text, 4)
	for i, m := range macs {
		mac := iosMAC(text[m[0]:m[1]])
		before := text[:m[0]]
		switch {
		case strings.HasSuffix(before, "MAC sa: "):
			e.Set("source.mac", mac)
		case strings.HasSuffix(before, "chaddr: "):
			e.Set("cisco.ios.chaddr", mac)
		case strings.HasSuffix(before, "by hw: ") || strings.HasSuffix(before, "Root Mac Address is ") || strings.HasSuffix(before, "new MAC "):
			e.Set("cisco.ios.new_mac", mac)
		case i == 0 || !e.Has("source.mac"):
			if !strings.Contains(text[m[1]:], "MAC sa: ") {
				e.Set("source.mac", mac)
			}
		}
	}

	// Addresses: "A(p) -> B(q)" flows, "to host X port N" destinations,
	// otherwise the first address is the peer the message is about.
	if m := iosFlowRe.FindStringSubmatch(text); m != nil && parse.IsIP(m[1]) && parse.IsIP(m[3]) {
		parse.SetAddress(e, "source", m[1])
		parse.Set(e, "source.port", m[2])
		parse.SetAddress(e, "destination", m[3])
		parse.Set(e, "destination.port", m[4])
	} else if m := iosFlowNoPRe.FindStringSubmatch(text); m != nil && parse.IsIP(m[1]) && parse.IsIP(m[2]) {
		parse.SetAddress(e, "source", m[1])
		parse.SetAddress(e, "destination", m[2])
	} else if m := iosDestRe.FindStringSubmatch(text); m != nil && parse.IsIP(m[1]) {
		parse.SetAddress(e, "destination", m[1])
		parse.Set(e, "destination.port", m[2])
	} else {
		for _, m := range iosIPRe.FindAllStringSubmatch(text, 4) {
			if !parse.IsIP(m[1]) {
				continue
			}
			parse.SetAddress(e, "source", m[1])
			parse.Set(e, "source.port", m[2])
			break
		}
	}
	if m := iosPortRe.FindStringSubmatch(text); m != nil {
		// The device's port the peer connected to.
		parse.Set(e, "destination.port", m[1])
	}
	for _, m := range iosUserRe.FindAllStringSubmatch(text, 4) {
		u := ""
		for _, g := range m[1:] {
			if g != "" {
				u = strings.TrimRight(g, ",.;")
				break
			}
		}
		if u != "" && !iosNotUser[strings.ToLower(u)] {
			e.Set("user.name", u)
			break
		}
	}
	if m := iosVLANRe.FindStringSubmatch(text); m != nil {
		e.Set("network.vlan.id", m[1])
	}
	if ifs := iosIfaceRe.FindAllStringSubmatch(text, 3); len(ifs) > 0 {
		if strings.Contains(text, "flapping between") && len(ifs) >= 2 {
			e.Set("cisco.ios.observer.interface.ports", []string{ifs[0][1], ifs[1][1]})
		} else {
			e.Set("cisco.ios.observer.interface.name", ifs[0][1])
		}
	} else if k := strings.Index(text, " on Vlan"); k >= 0 {
		e.Set("cisco.ios.observer.interface.name", strings.TrimRight(strings.Fields(text[k+4:])[0], ",."))
	}
	if u := iosURLRe.FindString(text); u != "" {
		jvURL(e, "url", strings.TrimRight(u, ".,;"))
	}
	if m := iosProcRe.FindStringSubmatch(text); m != nil {
		e.Set("process.name", m[1])
	} else if m := iosByProcRe.FindStringSubmatch(text); m != nil {
		e.Set("process.name", m[1])
	}
	if m := iosCmdRe.FindStringSubmatch(text); m != nil {
		e.Set("process.command_line", strings.TrimSpace(m[1]))
	}
	if m := iosProtoRe.FindStringSubmatch(text); m != nil {
		e.Set("network.protocol", m[1])
	}
	if m := iosTTYRe.FindStringSubmatch(text); m != nil {
		if strings.Contains(text[:strings.Index(text, m[0])+len(m[0])], "vty") {
			parse.Set(e, "cisco.ios.vty", m[1])
		} else {
			e.Set("cisco.ios.observer.terminal", m[1])
		}
	}
	if m := iosPrivRe.FindStringSubmatch(text); m != nil {
		parse.Set(e, "cisco.ios.privilege_level", m[1])
	}
}

// iosCategory classifies a message by its mnemonic.
func iosCategory(fac, mn, text string) (category, typ string) {
	switch {
	case strings.Contains(mn, "LOGOUT") || strings.Contains(mn, "LOGOFF"):
		return "authentication", "end"
	case strings.Contains(mn, "LOGIN_SUCCESS") || strings.Contains(mn, "LOGIN_FAIL") || strings.Contains(mn, "AUTH_FAIL") ||
		strings.Contains(mn, "AUTH_PASSED") || strings.Contains(mn, "AUTHENTICATION_FAIL") || strings.Contains(mn, "USERAUTH"):
		return "authentication", "start"
	case strings.Contains(mn, "CONFIG"):
		return "configuration", "info"
	case fac == "SSH" && strings.Contains(mn, "CLOSE"):
		return "session", "end"
	case fac == "SSH" && strings.Contains(mn, "SESSION"):
		return "session", "info"
	}
	return "host", "info"
}
