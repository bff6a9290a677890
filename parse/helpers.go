package parse

import (
	"net/url"
	"strconv"
	"strings"

	"bianque/event"
)

// RelatedSources lists the fields FillRelated collects by default.
var RelatedSources = map[string][]string{
	event.RelatedIP:    {"source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "client.ip", "server.ip", "host.ip"},
	event.RelatedUser:  {"user.name", "source.user.name", "destination.user.name", "client.user.name", "server.user.name", "user.target.name"},
	event.RelatedHosts: {"host.hostname", "host.name", "source.domain", "destination.domain", "url.domain"},
	event.RelatedHash:  {"file.hash.md5", "file.hash.sha1", "file.hash.sha256", "process.hash.md5", "process.hash.sha1", "process.hash.sha256"},
}

// FillRelated appends the values of the given source fields to the related.*
// field they feed. With no fields it uses RelatedSources.
func FillRelated(e *event.Event, fields ...string) {
	if len(fields) == 0 {
		for _, rel := range []string{event.RelatedIP, event.RelatedUser, event.RelatedHosts, event.RelatedHash} {
			for _, f := range RelatedSources[rel] {
				appendRelated(e, rel, f)
			}
		}
		return
	}
	for _, f := range fields {
		rel := event.RelatedHosts
		switch {
		case strings.HasSuffix(f, ".ip"):
			rel = event.RelatedIP
		case strings.HasSuffix(f, "user.name") || strings.HasSuffix(f, ".target.name"):
			rel = event.RelatedUser
		case strings.Contains(f, ".hash."):
			rel = event.RelatedHash
		}
		appendRelated(e, rel, f)
	}
}

func appendRelated(e *event.Event, rel, field string) {
	v, ok := e.Get(field)
	if !ok {
		return
	}
	switch x := v.(type) {
	case string:
		e.AppendUnique(rel, x)
	case []string:
		for _, s := range x {
			e.AppendUnique(rel, s)
		}
	case []any:
		for _, el := range x {
			if s, ok := el.(string); ok {
				e.AppendUnique(rel, s)
			}
		}
	}
}

// SetURL sets prefix.original and its parts (scheme, domain, port, path,
// query, fragment, extension) from raw. prefix is "url" normally.
func SetURL(e *event.Event, prefix, raw string) {
	if raw == "" || raw == "-" {
		return
	}
	e.Set(prefix+".original", raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if u.Scheme != "" {
		e.Set(prefix+".scheme", u.Scheme)
	}
	if h := u.Hostname(); h != "" {
		e.Set(prefix+".domain", h)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			e.Set(prefix+".port", int64(n))
		}
	}
	if u.Path != "" {
		e.Set(prefix+".path", u.Path)
		if i := strings.LastIndexByte(u.Path, '.'); i >= 0 && i > strings.LastIndexByte(u.Path, '/') && i < len(u.Path)-1 {
			e.Set(prefix+".extension", u.Path[i+1:])
		}
	}
	if u.RawQuery != "" {
		e.Set(prefix+".query", u.RawQuery)
	}
	if u.Fragment != "" {
		e.Set(prefix+".fragment", u.Fragment)
	}
	if u.User != nil && u.User.Username() != "" {
		e.Set(prefix+".username", u.User.Username())
	}
}

// SplitHostPort splits "addr:port", "addr/port" or "[v6]:port".
func SplitHostPort(s string) (host, port string) {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			host = s[1:i]
			port = strings.TrimPrefix(strings.TrimPrefix(s[i+1:], ":"), "/")
			return
		}
	}
	if i := strings.LastIndexAny(s, ":/"); i > 0 && strings.Count(s, ":") <= 1 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// SetAddress sets prefix.address and prefix.ip (when an IP) or
// prefix.domain (when a name) from an address field.
func SetAddress(e *event.Event, prefix, addr string) {
	if addr == "" || addr == "-" {
		return
	}
	k := addressKeys(prefix)
	e.Set(k[0], addr)
	if a, ok := ParseIP(addr); ok {
		e.Set(k[1], canonicalIP(a, addr))
	} else {
		e.Set(k[2], addr)
	}
}

var sourceKeys = [3]string{"source.address", "source.ip", "source.domain"}
var destinationKeys = [3]string{"destination.address", "destination.ip", "destination.domain"}

// addressKeys returns prefix.address, prefix.ip and prefix.domain without
// building the strings for the common prefixes.
func addressKeys(prefix string) [3]string {
	switch prefix {
	case "source":
		return sourceKeys
	case "destination":
		return destinationKeys
	}
	return [3]string{prefix + ".address", prefix + ".ip", prefix + ".domain"}
}

// SyslogProcess sets host.hostname, process.name and process.pid from the
// syslog header, as most Linux-side pipelines do.
func SyslogProcess(r *Record, e *event.Event) {
	m := r.Syslog
	if m == nil {
		return
	}
	if m.Hostname != "" {
		e.Set("host.hostname", m.Hostname)
	}
	if m.Appname != "" {
		e.Set("process.name", m.Appname)
	}
	if m.ProcID != "" {
		Set(e, "process.pid", m.ProcID)
	}
}

// Lower returns s in lower case without allocating when it already is.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Protocol numbers to names for network.transport.
var ianaProtocols = map[string]string{"1": "icmp", "2": "igmp", "6": "tcp", "17": "udp", "41": "ipv6", "47": "gre", "50": "esp", "51": "ah", "58": "ipv6-icmp", "89": "ospf", "132": "sctp"}

// TransportName returns the transport name of an IANA protocol number or
// name ("6" and "TCP" both give "tcp").
func TransportName(p string) string {
	switch p { // the common ones without the map
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	}
	if n, ok := ianaProtocols[p]; ok {
		return n
	}
	return Lower(p)
}

// IANANumber returns the protocol number for a transport name.
func IANANumber(name string) string {
	for k, v := range ianaProtocols {
		if v == Lower(name) {
			return k
		}
	}
	return ""
}
