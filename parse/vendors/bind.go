package vendors

import (
	"regexp"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// ISC BIND named logs: query/answer logging, resolver, RPZ and transfer
// messages. The category prefix ("queries: info: ") may be present.
var bind = &parse.Vendor{
	ID:       "bind",
	Aliases:  []string{"named", "isc-bind", "bind9"},
	Name:     "ISC BIND (named)",
	Formats:  []parse.Format{parse.FormatText},
	Observer: parse.Observer{Vendor: "ISC", Product: "BIND", Type: "dns"},
	Detect: func(r *parse.Record) bool {
		if r.Syslog != nil && strings.EqualFold(r.Syslog.Appname, "named") {
			return true
		}
		return bindQuery.MatchString(r.Body) || bindDenied.MatchString(r.Body)
	},
	Normalize: normalizeBind,
	Verified:  "Sekoia BIND intake tests (27 events); Wazuh named samples",
}

var (
	bindPrefix  = regexp.MustCompile(`^(?:\S+ \S+ )?(?:([a-z-]+): )?(?:(debug|info|notice|warning|error|critical)(?: \d+)?: )`)
	bindQuery   = regexp.MustCompile(`client (?:@0x[0-9a-f]+ )?([0-9a-fA-F.:]+)#(\d+)(?: \(([^)]*)\))?: (?:view \S+: )?(query|answer): (\S+) (\S+) (\S+) ([+-]\S*)(?: \(([^)]*)\))?(?: -> (\S+))?`)
	bindRPZ     = regexp.MustCompile(`client (?:@0x[0-9a-f]+ )?([0-9a-fA-F.:]+)#(\d+)(?: \(([^)]*)\))?: (?:view \S+: )?rpz \S+ \S+ rewrite ([^/\s]+)/([^/\s]+)/(\S+)`)
	bindResolve = regexp.MustCompile(`(?:validating|resolving|success resolving) '?([^/'\s]+)/([A-Z0-9]+)'?:?\s*(.*)$`)
	bindZone    = regexp.MustCompile(`(?:zone|transfer of) '?([^/'\s]+)/IN'?(?: from ([0-9a-fA-F.:]+)#(\d+))?: (?:[a-z ]+: )?(.*)$`)
	bindDenied  = regexp.MustCompile(`client (?:@0x[0-9a-f]+ )?[0-9a-fA-F.:]+#\d+(?: \([^)]*\))?: (?:view \S+: )?(?:query|update|zone transfer)(?: \(cache\))? '?[^ ]* ?denied`)
	bindClient  = regexp.MustCompile(`client (?:@0x[0-9a-f]+ )?([0-9a-fA-F.:]+)#(\d+)`)
)

var bindFlags = map[byte]string{'E': "", 'T': "", 'S': "", 'D': "", 'C': "CD", 'V': ""}

func normalizeBind(r *parse.Record, e *event.Event) error {
	b := strings.TrimSpace(r.Body)
	e.Set("dns.type", "query")
	if m := bindPrefix.FindStringSubmatch(b); m != nil {
		if m[2] != "" {
			e.Set("log.level", m[2])
		}
	}
	setQ := func(name string) {
		e.Set("dns.question.name", name)
		parse.SetDomainParts(e, "dns.question", name)
		e.AppendUnique(event.RelatedHosts, name)
	}
	setClient := func(ip, port string) {
		parse.SetAddress(e, "source", ip)
		parse.Set(e, "source.port", port)
	}
	switch {
	case bindQuery.MatchString(b):
		m := bindQuery.FindStringSubmatch(b)
		setClient(m[1], m[2])
		e.Set("dns.type", m[4])
		setQ(m[5])
		e.Set("dns.question.class", m[6])
		e.Set("dns.question.type", m[7])
		flags := []string{}
		if strings.HasPrefix(m[8], "+") {
			flags = append(flags, "RD")
		}
		if strings.Contains(m[8], "C") {
			flags = append([]string{"CD"}, flags...)
		}
		if len(flags) > 0 {
			e.Set("dns.header_flags", flags)
		}
		if m[4] == "answer" {
			if m[9] != "" {
				e.Set("dns.answers", []any{map[string]any{"data": m[9], "type": m[7]}})
			}
			parse.Set(e, "dns.response_code", m[10])
		}
	case bindRPZ.MatchString(b):
		m := bindRPZ.FindStringSubmatch(b)
		setClient(m[1], m[2])
		setQ(m[4])
		e.Set("dns.question.class", m[5])
		e.Set("dns.question.type", m[6])
	case bindResolve.MatchString(b):
		m := bindResolve.FindStringSubmatch(b)
		setQ(m[1])
		e.Set("dns.question.class", m[2])
		if rest := strings.TrimSpace(m[3]); rest != "" && !strings.HasPrefix(rest, "after") {
			e.Set("error.message", rest)
		}
	case bindZone.MatchString(b):
		m := bindZone.FindStringSubmatch(b)
		if m[2] != "" {
			setClient(m[2], m[3])
		}
		parse.Set(e, "event.reason", m[4])
	default:
		if m := bindClient.FindStringSubmatch(b); m != nil {
			setClient(m[1], m[2])
		}
	}
	parse.FillRelated(e, "source.ip")
	return nil
}

func init() { all = append(all, bind) }
