package vendors

import (
	"strconv"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Barracuda CloudGen Firewall (formerly NG Firewall) writes "<level>
// <box> <message>", the level padded to eight columns (Info, Notice,
// Warning, Error, Security, ...). The firewall activity log is a
// pipe-separated record after "<action>: "; the other services (box
// configuration, authentication service, access, event service, watchdog,
// IPS threats, user accounting) write their own sentences.
var barracudaCGF = &parse.Vendor{
	ID:        "barracuda-cloudgen-firewall",
	Aliases:   []string{"barracuda-cgf", "barracuda-ngf", "barracuda-ng-firewall", "barracuda_cloudgen_firewall", "barracuda"},
	Name:      "Barracuda CloudGen Firewall",
	Formats:   []parse.Format{parse.FormatText},
	Observer:  parse.Observer{Vendor: "Barracuda", Product: "CloudGen Firewall", Type: "firewall"},
	Detect:    detectBarracuda,
	Normalize: normalizeBarracuda,
	Priority:  parse.PriorityWeak,
	Verified:  "Sekoia Barracuda CloudGen Firewall intake tests (25 events: activity, threats, user accounting, configuration, authentication, event and watchdog logs)",
}

var barracudaLevels = map[string]bool{
	"Debug": true, "Info": true, "Notice": true, "Warning": true, "Error": true, "Security": true,
	"Fatal": true, "Panic": true, "Critical": true, "Alert": true,
}

// splitBarracuda reads "<level padded to 8> <box> <message>".
func splitBarracuda(b string) (level, box, msg string, ok bool) {
	i := strings.IndexByte(b, ' ')
	if i <= 0 || !barracudaLevels[b[:i]] {
		return
	}
	level = b[:i]
	// The level column is eight wide: shorter levels are padded.
	if len(level) < 8 {
		if len(b) < 9 || strings.TrimRight(b[i:9], " ") != "" {
			return
		}
	}
	rest := strings.TrimLeft(b[i:], " ")
	j := strings.IndexByte(rest, ' ')
	if j <= 0 {
		return
	}
	box = rest[:j]
	msg = strings.TrimLeft(rest[j:], " ")
	return level, box, msg, msg != ""
}

// detectBarracuda wants the level column and, for levels as long as the
// column (Security), one of the services' message shapes.
func detectBarracuda(r *parse.Record) bool {
	level, _, msg, ok := splitBarracuda(r.Body)
	if !ok {
		return false
	}
	return len(level) < 8 || barracudaShape(msg)
}

// barracudaShape recognises the messages the normalizer reads.
func barracudaShape(msg string) bool {
	for _, p := range []string{"Session from ", "challenge sent for ", "New Session GCSID_", "Process: Session(", "Received ",
		"phibs: ", "MSAD-Offline-Groups ", "LOGIN ATTEMPT: ", "event: [", "was able to ping process ", "still alive after ",
		"current load is ", "currently there are ", "firewall: [", "["} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return strings.Count(msg, "|") >= 15 || strings.Contains(msg, " login succeeded: ") || strings.Contains(msg, "]: Session ")
}

func normalizeBarracuda(r *parse.Record, e *event.Event) error {
	level, _, msg, ok := splitBarracuda(r.Body)
	if !ok {
		return errNotVendorRecord("Barracuda CloudGen Firewall")
	}
	e.Set("log.level", level)
	switch {
	case barracudaActivity(e, msg):
	case barracudaConfig(e, msg):
	case barracudaAuthService(e, msg):
	case barracudaAccess(e, msg):
	case barracudaEventService(e, msg):
	case barracudaWatchdog(e, msg):
	case barracudaThreat(e, msg):
	case barracudaAccounting(e, msg):
	default:
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"info"})
		e.Set("event.reason", msg)
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "client.ip", "user.name", "client.user.name", "dns.question.name")
	return nil
}

func setCategory(e *event.Event, category, typ string) {
	e.Set("event.category", []string{category})
	e.Set("event.type", []string{typ})
}

// barracudaActivity reads the firewall activity log: "Allow: LOUT|UDP|
// eth0|src|sport|smac|dst|dport|service|oif|rule|info|srcNAT|dstNAT|
// duration ms|count|received|sent|rcvd pkts|sent pkts|user|protocol|app|
// target|content|urlcat".
func barracudaActivity(e *event.Event, msg string) bool {
	i := strings.Index(msg, ": ")
	if i <= 0 || strings.IndexByte(msg[:i], ' ') >= 0 || strings.Count(msg, "|") < 19 {
		return false
	}
	f := strings.Split(msg[i+2:], "|")
	setCategory(e, "network", "info")
	e.Set("event.action", msg[:i])
	get := func(n int) string {
		if n < len(f) {
			return strings.TrimSpace(f[n])
		}
		return ""
	}
	parse.Set(e, "network.transport", get(1))
	parse.Set(e, "observer.ingress.interface.name", get(2))
	parse.Set(e, "source.ip", get(3))
	parse.Set(e, "source.port", get(4))
	parse.Set(e, "source.mac", get(5))
	parse.Set(e, "destination.ip", get(6))
	parse.Set(e, "destination.port", get(7))
	parse.Set(e, "service.target.name", get(8))
	parse.Set(e, "observer.egress.interface.name", get(9))
	parse.Set(e, "rule.name", get(10))
	parse.Set(e, "source.nat.ip", get(12))
	parse.Set(e, "destination.nat.ip", get(13))
	if ms, err := strconv.ParseInt(get(14), 10, 64); err == nil && ms >= 0 {
		e.Set("event.duration", ms*1_000_000)
	}
	parse.Set(e, "destination.bytes", get(16))
	parse.Set(e, "source.bytes", get(17))
	parse.Set(e, "destination.packets", get(18))
	parse.Set(e, "source.packets", get(19))
	parse.Set(e, "user.name", get(20))
	parse.Set(e, "network.protocol", get(21))
	return true
}

// barracudaConfig reads the box configuration service (sessions of the
// management console and configuration commits).
func barracudaConfig(e *event.Event, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "Session from "):
		// "Session from 127.0.0.1:15743 mode=0"
		setCategory(e, "session", "start")
		addr, mode, _ := strings.Cut(msg[len("Session from "):], " ")
		setHostPort(e, "source", addr)
		if m, ok := strings.CutPrefix(mode, "mode="); ok {
			e.Set("barracuda.mode.type", m)
		}
	case strings.HasPrefix(msg, "challenge sent for "):
		setCategory(e, "session", "start")
		barracudaHost(e, msg[len("challenge sent for "):])
	case strings.Contains(msg, " login succeeded: "):
		// "1.2.3.4:5 login succeeded: host_box Valid password ..."
		setCategory(e, "authentication", "start")
		addr, rest, _ := strings.Cut(msg, " login succeeded: ")
		setHostPort(e, "source", addr)
		barracudaHost(e, rest)
	case strings.HasPrefix(msg, "New Session GCSID_"):
		// "New Session GCSID_<host>_<box>_[..._]<ip>_<port>_<session>"
		setCategory(e, "session", "start")
		p := strings.Split(msg[len("New Session GCSID_"):], "_")
		if len(p) >= 4 {
			parse.Set(e, "host.name", p[0])
			e.Set("barracuda.session.id", p[len(p)-1])
			parse.Set(e, "source.port", p[len(p)-2])
			parse.Set(e, "source.ip", p[len(p)-3])
		}
	case strings.HasPrefix(msg, "Process: Session(") && strings.HasSuffix(msg, ") exits normally"):
		setCategory(e, "session", "end")
		setHostPort(e, "source", strings.TrimSuffix(msg[len("Process: Session("):], ") exits normally"))
	case strings.HasPrefix(msg, "[") && strings.Contains(msg, "@"):
		// "[master@1.2.3.4_29010]  <what was done>"
		end := strings.IndexByte(msg, ']')
		if end < 0 {
			return false
		}
		_, addr, _ := strings.Cut(msg[1:end], "@")
		ip, port := addr, ""
		if k := strings.LastIndexByte(addr, '_'); k > 0 {
			ip, port = addr[:k], addr[k+1:]
		}
		if !parse.IsIP(ip) {
			return false
		}
		parse.Set(e, "source.ip", ip)
		parse.Set(e, "source.port", port)
		reason := strings.TrimSpace(msg[end+1:])
		e.Set("event.reason", reason)
		setCategory(e, "authentication", "start")
		switch {
		case strings.HasPrefix(reason, "Download File "):
			// "Download File <path> received size=<n> mode=<m>"
			setCategory(e, "file", "info")
			path, rest, _ := strings.Cut(reason[len("Download File "):], " received ")
			setFilePathParts(e, path)
			for _, kv := range strings.Fields(rest) {
				if v, ok := strings.CutPrefix(kv, "size="); ok {
					parse.Set(e, "file.size", v)
				} else if v, ok := strings.CutPrefix(kv, "mode="); ok {
					e.Set("barracuda.mode.type", v)
				}
			}
		case strings.HasPrefix(reason, "Commit operation: "):
			op, what, _ := strings.Cut(reason[len("Commit operation: "):], " ")
			e.Set("barracuda.commit.operation.id", op)
			if cmd, ok := strings.CutPrefix(what, "Execute: "); ok {
				setCategory(e, "process", "info")
				e.Set("process.command_line", cmd)
			} else if cp, ok := strings.CutPrefix(what, "Copy: "); ok {
				setCategory(e, "file", "info")
				name, from, _ := strings.Cut(cp, " from ")
				parse.Set(e, "file.name", name)
				parse.Set(e, "file.directory", from)
			}
		}
	default:
		return false
	}
	return true
}

// barracudaHost reads "<host>_<box>..." into host.name.
func barracudaHost(e *event.Event, s string) {
	s, _, _ = strings.Cut(s, " ")
	if h, _, ok := strings.Cut(s, "_"); ok {
		parse.Set(e, "host.name", h)
	}
}

// setHostPort sets role.ip and role.port from "ip:port".
func setHostPort(e *event.Event, role, addr string) {
	host, port := splitAddrPortLast(addr)
	if parse.IsIP(addr) {
		host, port = addr, ""
	}
	if parse.Set(e, role+".ip", host) {
		parse.Set(e, role+".port", port)
	}
}

// barracudaAuthService reads the authentication service (phibs) and the
// directory synchronisation messages.
func barracudaAuthService(e *event.Event, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "Received ") && strings.Contains(msg, " users from "):
		// "Received 3 users from EXAMPLEVPN (DC1 IP = 1.2.3.4)."
		setCategory(e, "authentication", "info")
		_, rest, _ := strings.Cut(msg, " users from ")
		name, dc, _ := strings.Cut(rest, " (")
		parse.Set(e, "dns.question.name", name)
		if _, ip, ok := strings.Cut(dc, "IP = "); ok {
			ip = strings.TrimRight(ip, ").")
			if parse.IsIP(ip) {
				e.Set("dns.answers", []any{map[string]any{"data": ip, "name": name}})
			}
		}
	case strings.HasPrefix(msg, "phibs: Authentication "):
		// "phibs: Authentication Login for peer=1.2.3.4 origin=.. server=..
		// service=.. box=.. [startport=0 endport=0] user=jdoe" or
		// "... box=X jdoe|||..."
		setCategory(e, "authentication", "start")
		rest := msg[len("phibs: Authentication "):]
		action, rest, _ := strings.Cut(rest, " for ")
		e.Set("event.action", action)
		for _, w := range strings.Fields(rest) {
			k, v, ok := strings.Cut(w, "=")
			switch {
			case !ok:
				if u, _, piped := strings.Cut(w, "|"); piped {
					parse.Set(e, "user.name", u)
				}
			case k == "peer":
				parse.Set(e, "source.ip", v)
			case k == "server":
				e.Set("barracuda.server.type", v)
			case k == "service":
				e.Set("barracuda.service.name", v)
			case k == "box":
				e.Set("barracuda.box.name", v)
			case k == "user":
				parse.Set(e, "user.name", v)
			}
		}
	case strings.HasPrefix(msg, "MSAD-Offline-Groups "):
		setCategory(e, "authentication", "info")
		e.Set("event.reason", msg[len("MSAD-Offline-Groups "):])
	default:
		return false
	}
	return true
}

// barracudaAccess reads the access log of the management daemons.
func barracudaAccess(e *event.Event, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "LOGIN ATTEMPT: Login from "):
		// "LOGIN ATTEMPT: Login from 1.2.3.4: Denied: <reason>"
		setCategory(e, "authentication", "start")
		rest := msg[len("LOGIN ATTEMPT: Login from "):]
		ip, outcome, _ := strings.Cut(rest, ": ")
		parse.Set(e, "source.ip", ip)
		if reason, ok := strings.CutPrefix(outcome, "Denied: "); ok || strings.HasPrefix(outcome, "Denied") {
			e.Set("event.outcome", "failure")
			parse.Set(e, "error.message", reason)
		} else {
			e.Set("event.outcome", "success")
		}
	case strings.HasPrefix(msg, "LOGIN ATTEMPT: "):
		// "LOGIN ATTEMPT: mod[pid]: Login host_box from 1.2.3.4 : Allowed."
		rest := msg[len("LOGIN ATTEMPT: "):]
		if !barracudaProcess(e, &rest) {
			return false
		}
		setCategory(e, "authentication", "start")
		e.Set("event.outcome", "success")
		if strings.Contains(rest, "Denied") {
			e.Set("event.outcome", "failure")
		}
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "Login":
				if h, _, ok := strings.Cut(f[i+1], "_"); ok {
					parse.Set(e, "user.name", h)
				}
			case "from":
				parse.Set(e, "source.ip", f[i+1])
			}
		}
	case strings.Contains(msg, "]: Session ") && strings.HasSuffix(msg, ": Closed"):
		// "boxconfig[50512]: Session localhost_EXAMPLE: Closed"
		rest := msg
		if !barracudaProcess(e, &rest) {
			return false
		}
		setCategory(e, "authentication", "end")
		e.Set("event.outcome", "success")
		s := strings.TrimSuffix(strings.TrimPrefix(rest, "Session "), ": Closed")
		if h, _, ok := strings.Cut(s, "_"); ok {
			parse.Set(e, "user.name", h)
		}
	default:
		return false
	}
	return true
}

// barracudaProcess reads a leading "name[pid]: " and advances s past it.
func barracudaProcess(e *event.Event, s *string) bool {
	i := strings.Index(*s, "]: ")
	if i <= 0 {
		return false
	}
	j := strings.LastIndexByte((*s)[:i], '[')
	if j <= 0 {
		return false
	}
	e.Set("process.name", (*s)[:j])
	parse.Set(e, "process.pid", (*s)[j+1:i])
	*s = (*s)[i+3:]
	return true
}

// barracudaEventService reads the event service: "event: [id] Insert
// Event from addr:port - (class|sev|service|sub|category|code|dest|
// thread[|internal id|TCP src:port (if) -> dst:port])" and "event: [id]
// Send Event (...) to Control Center addr".
func barracudaEventService(e *event.Event, msg string) bool {
	rest, ok := strings.CutPrefix(msg, "event: [")
	if !ok {
		return false
	}
	id, rest, ok := strings.Cut(rest, "] ")
	if !ok {
		return false
	}
	open := strings.IndexByte(rest, '(')
	closeAt := strings.LastIndexByte(rest, ')')
	if open < 0 || closeAt < open {
		return false
	}
	setCategory(e, "network", "info")
	e.Set("barracuda.event.id", id)
	head := strings.TrimSuffix(strings.TrimSpace(rest[:open]), " -")
	action, _, _ := strings.Cut(head, " ")
	e.Set("event.action", action)
	if _, from, ok := strings.Cut(head, " Event from "); ok {
		e.Set("event.reason", head)
		host, _ := splitAddrPortLast(from)
		if parse.IsIP(from) {
			host = from
		}
		e.Set("service.address", host)
	}
	f := strings.Split(rest[open+1:closeAt], "|")
	get := func(n int) string {
		if n < len(f) {
			return strings.TrimSpace(f[n])
		}
		return ""
	}
	e.Set("barracuda.event.class", get(0))
	parse.Set(e, "event.severity", get(1))
	parse.Set(e, "service.name", get(2))
	parse.Set(e, "barracuda.event.sub_category_id", get(3))
	parse.Set(e, "barracuda.event.category", get(4))
	parse.Set(e, "barracuda.event.code", get(5))
	barracudaDestination(e, get(6))
	parse.Set(e, "process.thread.name", get(7))
	parse.Set(e, "barracuda.event.internal_id", get(8))
	if conn := get(9); conn != "" {
		// "TCP 5.6.7.8:80 (bond0.21) -> 9.10.11.12:443"
		w := strings.Fields(conn)
		if len(w) >= 2 {
			parse.Set(e, "network.transport", w[0])
			host, port := splitAddrPortLast(w[1])
			if parse.IsIP(host) {
				parse.Set(e, "source.ip", host)
			} else {
				parse.Set(e, "source.address", host)
			}
			parse.Set(e, "source.port", port)
		}
		if len(w) >= 3 && strings.HasPrefix(w[2], "(") {
			e.Set("network.ingress.interface", strings.Trim(w[2], "()"))
		}
	}
	if cc, ok := strings.CutPrefix(strings.TrimSpace(rest[closeAt+1:]), "to Control Center "); ok {
		barracudaDestination(e, cc)
	}
	return true
}

// barracudaDestination sets the destination from "addr[:port]".
func barracudaDestination(e *event.Event, s string) {
	if s == "" {
		return
	}
	host, port := s, ""
	if !parse.IsIP(s) {
		host, port = splitAddrPortLast(s)
		if _, err := strconv.Atoi(port); err != nil {
			host, port = s, ""
		}
	}
	if parse.IsIP(host) {
		e.Delete("destination.address")
		parse.Set(e, "destination.ip", host)
	} else {
		e.Delete("destination.ip")
		e.Set("destination.address", host)
	}
	parse.Set(e, "destination.port", port)
}

// barracudaWatchdog reads the watchdog's health messages.
func barracudaWatchdog(e *event.Event, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "was able to ping process "):
		// "was able to ping process 123 (/path)."
		rest := msg[len("was able to ping process "):]
		pid, path, _ := strings.Cut(rest, " (")
		parse.Set(e, "process.pid", pid)
		parse.Set(e, "file.path", strings.TrimSuffix(path, ")."))
	case strings.HasPrefix(msg, "still alive after "):
		n, _, _ := strings.Cut(msg[len("still alive after "):], " ")
		if v, err := strconv.ParseInt(n, 10, 64); err == nil {
			e.Set("barracuda.intervals_alive", v)
		}
	case strings.HasPrefix(msg, "current load is "):
		e.Set("barracuda.load_average", msg[len("current load is "):])
	case strings.HasPrefix(msg, "currently there are ") && strings.Contains(msg, " kB of free memory available ("):
		// "currently there are N kB of free memory available (B buffered, C, cached)"
		rest := msg[len("currently there are "):]
		total, rest, _ := strings.Cut(rest, " kB")
		_, rest, _ = strings.Cut(rest, "(")
		buf, rest, _ := strings.Cut(rest, " buffered, ")
		cached, _, _ := strings.Cut(rest, ",")
		for k, v := range map[string]string{"total": total, "buffered": buf, "cached": cached} {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				e.Set("barracuda.memory_size."+k, n)
			}
		}
	default:
		return false
	}
	setCategory(e, "process", "info")
	e.Set("event.reason", msg)
	return true
}

// barracudaThreat reads IPS and scan detections of the firewall service.
func barracudaThreat(e *event.Event, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "firewall: [Request] "):
		// "firewall: [Request] Allow:   IPS ALLIP(0) 9.10.11.12 -> 1.2.3.4:0 |[ID: ...]||3|Probing"
		rest := msg[len("firewall: [Request] "):]
		action, rest, ok := strings.Cut(rest, ":")
		if !ok {
			return false
		}
		head, tail, _ := strings.Cut(rest, "|")
		w := strings.Fields(head)
		if len(w) < 5 || w[3] != "->" {
			return false
		}
		setCategory(e, "network", "allowed")
		if !strings.EqualFold(action, "Allow") {
			e.Set("event.type", []string{"denied"})
		}
		e.Set("event.action", action)
		e.Set("barracuda.request.type", w[0])
		e.Set("barracuda.request.policy", w[1])
		parse.Set(e, "source.ip", w[2])
		host, port := splitAddrPortLast(w[4])
		parse.Set(e, "destination.ip", host)
		parse.Set(e, "destination.port", port)
		t := strings.Split(tail, "|")
		if len(t) > 0 {
			e.Set("barracuda.detection.info", strings.Trim(t[0], "[]"))
		}
		if len(t) > 1 && t[1] != "" {
			e.Set("barracuda.ips.categories", t[1])
		}
		if len(t) > 2 {
			parse.Set(e, "event.severity", t[2])
		}
		if len(t) > 3 {
			e.Set("barracuda.ips.classification", t[3])
		}
	case strings.HasPrefix(msg, "firewall: [Timer] SecurityEvent: "):
		// "... (Address-Port Scan) N unallowed requests for source IP A within N seconds"
		setCategory(e, "network", "info")
		if _, rest, ok := strings.Cut(msg, ") "); ok {
			n, _, _ := strings.Cut(rest, " ")
			e.Set("barracuda.unallowed_requests.count", n)
		}
		if _, rest, ok := strings.Cut(msg, "source IP "); ok {
			ip, _, _ := strings.Cut(rest, " ")
			parse.Set(e, "source.ip", ip)
		}
	default:
		return false
	}
	return true
}

// barracudaAccounting reads the user accounting of the firewall:
// "update|box|group||||||last report|last ack|received|sent|ip|||user".
func barracudaAccounting(e *event.Event, msg string) bool {
	f := strings.Split(msg, "|")
	if len(f) < 16 || strings.IndexByte(f[0], ' ') >= 0 {
		return false
	}
	if _, err := strconv.ParseInt(f[10], 10, 64); err != nil {
		return false
	}
	setCategory(e, "network", "info")
	e.Set("event.action", f[0])
	parse.Set(e, "destination.bytes", f[10])
	parse.Set(e, "source.bytes", f[11])
	parse.Set(e, "client.ip", f[12])
	parse.Set(e, "client.address", f[12])
	parse.Set(e, "client.user.name", f[15])
	return true
}

func init() { all = append(all, barracudaCGF) }
