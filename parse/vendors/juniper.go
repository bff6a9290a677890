package vendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Juniper SRX / Junos OS: RT_FLOW and RT_IDS messages in the structured
// ("TAG [junos@2636... key="value" ...]") and standard text forms, and
// the Junos daemons (mgd UI_*, sshd, cron).
var juniper = &parse.Vendor{
	ID:       "juniper-srx",
	Aliases:  []string{"juniper", "junos", "srx", "juniper-ngfw", "juniper_srx"},
	Name:     "Juniper SRX (Junos OS)",
	Formats:  []parse.Format{parse.FormatText, parse.FormatKV},
	Observer: parse.Observer{Vendor: "Juniper Networks", Product: "ngfw", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		b := r.Body
		if strings.HasPrefix(b, "RT_") || strings.Contains(b, "[junos@") {
			return true
		}
		return junosTag.MatchString(b) && !strings.HasPrefix(b, "%")
	},
	Normalize: normalizeJuniper,
	Verified:  "Sekoia Juniper intake tests (14 events); Wazuh junos samples",
}

var (
	junosTag      = regexp.MustCompile(`^(?:(\S+?)(?:\[(\d+)\])?: )?((?:RT|UI|SNMP|CHASSISD|KERNEL|LIBJNX|JSRPD|RPD|PFE|SYSTEM)_[A-Z0-9_]+)(?::? )(.*)$`)
	junosSD       = regexp.MustCompile(`^([A-Z][A-Z0-9_]+) \[(?:junos@\S+ )?(.*)\]\s*$`)
	junosProc     = regexp.MustCompile(`^(\S+?)(?:\[(\d+)\])?: (.*)$`)
	rtFlowClose   = regexp.MustCompile(`^session closed ([^:]+): (\S+)/(\d+)->(\S+)/(\d+) \S+ (\S+) (\S+)/(\d+)->(\S+)/(\d+) \S+ .*? (\d+) (\S+) (\S+) (\S+) (\d+) (\d+)\((\d+)\) (\d+)\((\d+)\) (\d+) \S+ \S+ \S+ (\S+)`)
	uiUser        = regexp.MustCompile(`User '([^']*)'`)
	uiCommand     = regexp.MustCompile(`command '([^']*)'`)
	uiChild       = regexp.MustCompile(`child '([^']*)'(?:, PID (\d+), status (\d+))?`)
	uiAuthClass   = regexp.MustCompile(`Authenticated user '([^']*)' assigned to class '([^']*)'`)
	cronCmd       = regexp.MustCompile(`^\((\S+)\) (CMD) \(\s*(.*)\)$`)
	junosCategory = map[string]struct{ cat, typ, outcome string }{
		"UI_AUTH_EVENT":        {"authentication", "start", "success"},
		"UI_LOGIN_EVENT":       {"authentication", "start", "success"},
		"UI_LOGOUT_EVENT":      {"authentication", "end", "success"},
		"UI_CHILD_START":       {"process", "start", "success"},
		"UI_CHILD_STATUS":      {"process", "info", ""},
		"UI_CMDLINE_READ_LINE": {"process", "access", "success"},
		"UI_JUNOSCRIPT_CMD":    {"process", "info", ""},
		"UI_COMMIT":            {"configuration", "change", "success"},
	}
)

func normalizeJuniper(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	b := strings.TrimSpace(r.Body)
	if r.Syslog != nil && strings.HasPrefix(r.Syslog.Appname, "RT_") {
		b = r.Syslog.Appname + " " + b
	}
	if m := junosSD.FindStringSubmatch(b); m != nil {
		tag := m[1]
		junosRT(e, tag, format.ParseKV(m[2], format.KVOptions{}, nil))
		return nil
	}
	if m := junosTag.FindStringSubmatch(b); m != nil {
		proc, pid, tag, text := m[1], m[2], m[3], m[4]
		if proc != "" {
			e.Set("event.provider", proc)
		}
		_ = pid
		e.Set("event.action", tag)
		e.Set("log.description", text)
		if strings.HasPrefix(tag, "RT_FLOW_SESSION_CLOSE") {
			junosFlowText(e, tag, text)
			return nil
		}
		if c, ok := junosCategory[tag]; ok {
			e.Set("event.category", []string{c.cat})
			e.Set("event.type", []string{c.typ})
			if c.outcome != "" {
				e.Set("event.outcome", c.outcome)
			}
		} else {
			e.Set("event.category", []string{"network"})
			e.Set("event.type", []string{"info"})
		}
		if g := uiAuthClass.FindStringSubmatch(text); g != nil {
			e.Set("user.name", g[1])
			e.Set("user.roles", g[2])
		} else if g := uiUser.FindStringSubmatch(text); g != nil {
			e.Set("user.name", g[1])
		}
		if g := uiCommand.FindStringSubmatch(text); g != nil {
			e.Set("process.command_line", g[1])
		}
		if g := uiChild.FindStringSubmatch(text); g != nil {
			e.Set("process.name", g[1])
			parse.Set(e, "process.pid", g[2])
			if g[3] != "" {
				n, _ := strconv.Atoi(g[3])
				e.Set("process.exit_code", int64(n))
			}
		}
		parse.FillRelated(e, "user.name")
		return nil
	}
	if m := junosProc.FindStringSubmatch(b); m != nil {
		proc := m[1]
		if i := strings.LastIndexByte(proc, '/'); i >= 0 {
			proc = proc[i+1:]
		}
		text := m[3]
		e.Set("event.provider", proc)
		e.Set("log.description", text)
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"info"})
		switch {
		case proc == "sshd":
			if g := sshFailed.FindStringSubmatch(text); g != nil {
				e.Set("event.action", "Failed "+g[1])
				authEvent(e, "failure", g[2], g[3], g[4])
				e.Set("event.category", []string{"authentication"})
				e.Set("event.type", []string{"start"})
			} else if g := sshAccepted.FindStringSubmatch(text); g != nil {
				e.Set("event.action", "Accepted "+g[1])
				authEvent(e, "success", g[2], g[3], g[4])
				e.Set("event.category", []string{"authentication"})
				e.Set("event.type", []string{"start"})
			}
		case proc == "cron":
			if g := cronCmd.FindStringSubmatch(text); g != nil {
				e.Set("event.action", g[2])
				e.Set("process.user.name", g[1])
				e.Set("process.command_line", g[3])
				e.Set("event.category", []string{"process"})
			}
		default:
			if a, rest, ok := strings.Cut(text, ": "); ok && !strings.Contains(a, " ") {
				e.Set("event.action", a)
				e.Set("log.description", rest)
			}
		}
		parse.FillRelated(e, "source.ip", "user.name")
	}
	return nil
}

// junosRT maps the structured RT_FLOW/RT_IDS messages.
func junosRT(e *event.Event, tag string, ps format.Pairs) {
	e.Set("event.action", tag)
	ds := tag
	switch {
	case strings.HasPrefix(tag, "RT_FLOW"):
		ds = "RT_FLOW"
		e.Set("event.category", []string{"network", "session"})
		e.Set("event.outcome", "success")
		switch {
		case strings.HasSuffix(tag, "CLOSE"):
			e.Set("event.type", []string{"connection", "end"})
		case strings.HasSuffix(tag, "CREATE"):
			e.Set("event.type", []string{"connection", "start"})
		case strings.HasSuffix(tag, "DENY"):
			e.Set("event.type", []string{"connection", "denied"})
		}
	case strings.HasPrefix(tag, "RT_SCREEN") || strings.HasPrefix(tag, "RT_IDS") || strings.HasPrefix(tag, "RT_IDP"):
		ds = "RT_IDS"
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"allowed"})
		e.Set("event.outcome", "success")
	}
	e.Set("event.dataset", ds)
	e.Set("log.syslog.appname", ds)
	for _, p := range ps {
		v := p.Value
		if v == "" || v == "None" || v == "N/A" {
			continue
		}
		switch p.Key {
		case "source-address":
			parse.SetAddress(e, "source", v)
		case "destination-address":
			parse.SetAddress(e, "destination", v)
		case "source-port":
			parse.Set(e, "source.port", v)
		case "destination-port":
			parse.Set(e, "destination.port", v)
		case "nat-source-address":
			parse.Set(e, "source.nat.ip", v)
		case "nat-source-port":
			parse.Set(e, "source.nat.port", v)
		case "nat-destination-address":
			parse.Set(e, "destination.nat.ip", v)
		case "nat-destination-port":
			parse.Set(e, "destination.nat.port", v)
		case "reason":
			e.Set("event.reason", v)
		case "protocol-id":
			e.Set("network.iana_number", v)
			e.Set("network.transport", parse.TransportName(v))
		case "source-zone-name":
			e.Set("observer.ingress.zone", v)
		case "destination-zone-name":
			e.Set("observer.egress.zone", v)
		case "packet-incoming-interface", "interface-name":
			e.Set("observer.ingress.interface.name", v)
		case "packets-from-client":
			parse.Set(e, "source.packets", v)
		case "bytes-from-client":
			parse.Set(e, "source.bytes", v)
		case "packets-from-server":
			parse.Set(e, "destination.packets", v)
		case "bytes-from-server":
			parse.Set(e, "destination.bytes", v)
		case "elapsed-time":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				e.Set("event.duration", n*int64(time.Second))
			}
		case "service-name":
			e.Set("service.name", v)
		case "policy-name":
			e.Set("rule.name", v)
		case "username":
			e.Set("user.name", v)
		case "attack-name":
			e.Set("rule.name", v)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "user.name")
}

// junosFlowText maps the standard (text) RT_FLOW_SESSION_CLOSE message.
func junosFlowText(e *event.Event, tag, text string) {
	junosRT(e, tag, nil)
	g := rtFlowClose.FindStringSubmatch(text)
	if g == nil {
		return
	}
	e.Set("event.reason", g[1])
	parse.SetAddress(e, "source", g[2])
	parse.Set(e, "source.port", g[3])
	parse.SetAddress(e, "destination", g[4])
	parse.Set(e, "destination.port", g[5])
	e.Set("service.name", g[6])
	parse.Set(e, "source.nat.ip", g[7])
	parse.Set(e, "source.nat.port", g[8])
	parse.Set(e, "destination.nat.ip", g[9])
	parse.Set(e, "destination.nat.port", g[10])
	e.Set("network.iana_number", g[11])
	e.Set("rule.name", g[12])
	e.Set("observer.ingress.zone", g[13])
	e.Set("observer.egress.zone", g[14])
	parse.Set(e, "source.packets", g[16])
	parse.Set(e, "source.bytes", g[17])
	parse.Set(e, "destination.packets", g[18])
	parse.Set(e, "destination.bytes", g[19])
	if n, err := strconv.ParseInt(g[20], 10, 64); err == nil {
		e.Set("event.duration", n*int64(time.Second))
	}
	e.Set("observer.ingress.interface.name", g[21])
	parse.FillRelated(e, "source.ip", "destination.ip")
}

func init() { all = append(all, juniper) }
