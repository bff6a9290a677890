package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Aruba (HPE Aruba Networking) devices write several layouts:
//
//   - ArubaOS-Switch (ProCurve): "<module>:  <switch>: <message>"
//     ("auth:  ST1: Invalid user name/password on SSH session User 'x' ...");
//   - AOS-CX switches: "Event|<id>|<LOG_LEVEL>|<module>|<slot>|<message>";
//   - ArubaOS controllers: "<msgid> <pid> [<LEVEL>] <host ip> [fn:] message"
//     with the fields in angle brackets, and Instant APs and controller
//     processes: "<proc>[pid]: <msgid> <LEVEL> AP:<name> <ip mac> message";
//   - ClearPass: LEEF 1.0 ("LEEF:1.0|Aruba Networks|ClearPass|...").
var arubaOS = &parse.Vendor{
	ID:        "aruba-os",
	Aliases:   []string{"aruba", "arubaos", "aruba-networks", "aos-cx", "aruba-clearpass", "aruba_os"},
	Name:      "HPE Aruba Networking (ArubaOS, AOS-CX, ArubaOS-Switch, ClearPass)",
	Formats:   []parse.Format{parse.FormatText, parse.FormatLEEF},
	Observer:  parse.Observer{Vendor: "Aruba Networks"},
	Detect:    detectAruba,
	Normalize: normalizeAruba,
	Priority:  parse.PriorityWeak,
	Verified:  "Sekoia Aruba OS intake tests (25 events: switch modules, AOS-CX events, controller and AP messages, ClearPass LEEF)",
}

func detectAruba(r *parse.Record) bool {
	if r.LEEF != nil {
		return strings.EqualFold(r.LEEF.Vendor, "Aruba Networks")
	}
	b := r.Body
	switch {
	case strings.HasPrefix(b, "Event|"):
		return arubaCX(b) != nil
	case strings.HasPrefix(b, "<"):
		_, _, ok := arubaController(b)
		return ok
	}
	if _, _, ok := arubaAP(b); ok {
		return true
	}
	_, _, _, ok := arubaSwitch(b)
	return ok
}

func normalizeAruba(r *parse.Record, e *event.Event) error {
	if r.LEEF != nil {
		arubaClearPass(r, e)
	} else {
		b := strings.TrimSpace(r.Body)
		switch {
		case arubaCX(b) != nil:
			arubaCXEvent(e, arubaCX(b))
		default:
			if hdr, payload, ok := arubaController(b); ok {
				arubaControllerEvent(e, hdr, payload, true)
			} else if hdr, payload, ok := arubaAP(b); ok {
				arubaControllerEvent(e, hdr, payload, false)
			} else if module, _, payload, ok := arubaSwitch(b); ok {
				arubaSwitchEvent(e, module, payload)
			} else if r.Syslog != nil && r.Syslog.Appname != "" {
				// The module as syslog tag: "<pri>date host module:  switch: message".
				_, payload, _ := strings.Cut(b, ": ")
				arubaSwitchEvent(e, r.Syslog.Appname, strings.TrimSpace(payload))
			} else {
				return errNotVendorRecord("Aruba")
			}
		}
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "user.name")
	return nil
}

// arubaSwitch reads "<module>:  <switch>: <message>" (two spaces after
// the module).
func arubaSwitch(b string) (module, host, payload string, ok bool) {
	i := strings.Index(b, ":  ")
	if i <= 0 || i > 32 || strings.ContainsAny(b[:i], " |<") {
		return
	}
	module = b[:i]
	rest := strings.TrimLeft(b[i+3:], " ")
	j := strings.Index(rest, ": ")
	if j <= 0 || strings.IndexByte(rest[:j], ' ') >= 0 {
		return
	}
	return module, rest[:j], strings.TrimSpace(rest[j+2:]), true
}

// arubaCX splits an AOS-CX event: id, level, module, slot, message.
func arubaCX(b string) []string {
	f := strings.SplitN(b, "|", 6)
	if len(f) != 6 || f[0] != "Event" || !isNumber(f[1]) || !strings.HasPrefix(f[2], "LOG_") {
		return nil
	}
	return f[1:]
}

// arubaController reads "<msgid> <pid> [<LEVEL>] <host ip> payload".
func arubaController(b string) (hdr []string, payload string, ok bool) {
	rest := b
	for strings.HasPrefix(rest, "<") {
		j := strings.IndexByte(rest, '>')
		if j < 0 {
			return nil, "", false
		}
		hdr = append(hdr, rest[1:j])
		rest = strings.TrimLeft(rest[j+1:], " ")
	}
	if len(hdr) < 3 || !isNumber(hdr[0]) || !isNumber(hdr[1]) {
		return nil, "", false
	}
	return hdr, rest, true
}

// arubaAP reads "<proc>[pid]: <msgid> <LEVEL> AP:<name> <ip mac>  payload".
func arubaAP(b string) (hdr []string, payload string, ok bool) {
	i := strings.Index(b, "]: <")
	if i <= 0 || i > 40 || strings.IndexByte(b[:i], ' ') >= 0 {
		return nil, "", false
	}
	rest := b[i+3:]
	var parts []string
	for {
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, "<") {
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return nil, "", false
			}
			parts = append(parts, rest[1:j])
			rest = rest[j+1:]
			continue
		}
		if strings.HasPrefix(rest, "AP:") {
			k := strings.IndexByte(rest, ' ')
			if k < 0 {
				return nil, "", false
			}
			rest = rest[k:]
			continue
		}
		break
	}
	if len(parts) < 3 || !isNumber(parts[0]) {
		return nil, "", false
	}
	return parts, rest, true
}

// arubaSwitchEvent reads an ArubaOS-Switch message of a module.
func arubaSwitchEvent(e *event.Event, module, payload string) {
	e.Set("event.dataset", module)
	e.Set("event.reason", payload)
	setCategory(e, "network", "connection")
	lower := strings.ToLower(payload)
	switch strings.ToLower(module) {
	case "auth":
		t := "info"
		if strings.Contains(lower, "logged in") {
			t = "start"
		}
		setCategory(e, "authentication", t)
		if _, u, ok := strings.Cut(payload, "User '"); ok {
			u, _, _ = strings.Cut(u, "'")
			parse.Set(e, "user.name", u)
		}
		arubaIPAfter(e, payload, "from ")
		switch {
		case strings.Contains(lower, "invalid") || strings.Contains(lower, "fail"):
			e.Set("event.outcome", "failure")
		case strings.Contains(lower, "logged in"):
			e.Set("event.outcome", "success")
		}
	case "mgr":
		setCategory(e, "session", "start")
		arubaIPAfter(e, payload, "from ")
	case "ssl":
		t := "info"
		if strings.Contains(lower, "session closed") {
			t = "end"
		}
		setCategory(e, "session", t)
		arubaIPAfter(e, payload, "from ")
	case "sntp":
		arubaIPAfter(e, payload, "at ")
	case "snmp":
		e.Set("event.kind", "alert")
		setCategory(e, "session", "info")
		arubaIPAfter(e, payload, "from ")
	case "dhcp-snoop":
		for _, w := range strings.Fields(payload) {
			if parse.Set(e, "source.ip", strings.Trim(w, ".,:()")) {
				break
			}
		}
	}
}

// arubaIPAfter sets source.ip from the address following word.
func arubaIPAfter(e *event.Event, s, word string) {
	for {
		i := strings.Index(s, word)
		if i < 0 {
			return
		}
		s = s[i+len(word):]
		w, _, _ := strings.Cut(s, " ")
		if parse.Set(e, "source.ip", strings.TrimRight(w, ".,:;)")) {
			return
		}
	}
}

// arubaCXEvent reads an AOS-CX event (id, level, module, slot, message).
func arubaCXEvent(e *event.Event, f []string) {
	e.Set("event.code", f[0])
	msg := f[4]
	e.Set("event.reason", msg)
	setCategory(e, "network", "info")
	if rest, ok := strings.CutPrefix(msg, "LLDP neighbor "); ok {
		// "LLDP neighbor <name or mac> <updated|deleted|added> on <port>"
		e.Set("event.dataset", "lldp")
		w := strings.Fields(rest)
		if len(w) > 0 {
			if strings.Count(w[0], ":") == 5 {
				parse.Set(e, "source.mac", w[0])
			} else {
				e.Set("host.name", w[0])
			}
		}
		if _, port, ok := strings.Cut(rest, " on "); ok {
			e.Set("observer.ingress.interface.name", strings.TrimSpace(port))
		}
	}
}

// arubaControllerEvent reads a controller or AP message; hdr holds the
// bracketed fields (message id, pid/level, "<host> <ip>" or "<ip> <mac>").
func arubaControllerEvent(e *event.Event, hdr []string, payload string, controller bool) {
	setCategory(e, "network", "info")
	last := strings.Fields(hdr[len(hdr)-1])
	for _, w := range last {
		if parse.IsIP(w) {
			parse.Set(e, "source.ip", w)
			break
		}
	}
	payload = strings.TrimSpace(payload)
	if controller {
		// A leading "function:" names the code path.
		if i := strings.Index(payload, ": "); i > 0 && strings.IndexByte(payload[:i], ' ') < 0 {
			payload = strings.TrimSpace(payload[i+2:])
		}
	}
	e.Set("event.reason", payload)
	lower := strings.ToLower(payload)
	if strings.Contains(lower, "authentication") {
		e.Set("event.category", []string{"authentication"})
	}
	if strings.Contains(lower, "failed authentication") || strings.Contains(lower, "authentication failed") {
		e.Set("event.outcome", "failure")
	}
	if rest, ok := strings.CutPrefix(payload, "User "); ok {
		u, _, _ := strings.Cut(rest, " ")
		parse.Set(e, "user.name", strings.TrimRight(u, ",:"))
	}
	if _, rest, ok := strings.Cut(payload, " to "); ok && strings.Contains(rest, " with ") {
		addr, _, _ := strings.Cut(rest, " ")
		host, port := addr, ""
		if !parse.IsIP(addr) {
			host, port = splitAddrPortLast(addr)
		}
		if parse.Set(e, "destination.ip", host) {
			parse.Set(e, "destination.port", port)
		}
	}
	// "mac-02:00:.., username-u@d, IP-1.2.3.4, ..." attributes.
	for _, w := range strings.Fields(payload) {
		w = strings.TrimRight(w, ",.")
		k, v, ok := strings.Cut(w, "-")
		if !ok || v == "" {
			continue
		}
		switch k {
		case "mac":
			parse.Set(e, "source.mac", v)
		case "username":
			if strings.Contains(v, "@") {
				e.Set("user.email", v)
			} else {
				parse.Set(e, "user.name", v)
			}
		}
	}
}

// arubaClearPass reads ClearPass LEEF events.
func arubaClearPass(r *parse.Record, e *event.Event) {
	l := r.LEEF
	parse.Set(e, "event.code", l.EventID)
	setCategory(e, "network", "info")
	var devTime, devFmt string
	for _, p := range l.Attributes {
		v := strings.TrimSpace(p.Value)
		switch p.Key {
		case "devTime":
			devTime = v
		case "devTimeFormat":
			devFmt = v
		case "cat":
			parse.Set(e, "event.dataset", v)
		case "component":
			parse.Set(e, "event.provider", v)
		case "description":
			parse.Set(e, "event.reason", v)
		case "src":
			parse.Set(e, "source.ip", v)
		case "dst":
			parse.Set(e, "destination.ip", v)
		case "usrName", "userName":
			parse.Set(e, "user.name", v)
		case "action":
			switch strings.ToLower(v) {
			case "none", "":
				e.Set("event.outcome", "unknown")
			case "success", "accept", "allow":
				e.Set("event.outcome", "success")
			case "failed", "failure", "reject", "deny":
				e.Set("event.outcome", "failure")
			}
		}
	}
	if devTime != "" {
		if t, ok := parseCEFDateText(devTime, r.Location()); ok {
			e.SetTimestamp(t)
		} else if t, ok := parse.ParseLEEFTime(devTime, devFmt, r); ok {
			e.SetTimestamp(t)
		}
	}
}

func init() { all = append(all, arubaOS) }
