package vendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Squid access.log, native format ("time elapsed client code/status bytes
// method URL user hierarchy/peer type") or the common log format.
var squid = &parse.Vendor{
	ID:       "squid",
	Aliases:  []string{"squid-proxy", "squid_access"},
	Name:     "Squid proxy",
	Formats:  []parse.Format{parse.FormatText, parse.FormatAccess},
	Observer: parse.Observer{Vendor: "Squid", Product: "Squid", Type: "proxy"},
	Detect: func(r *parse.Record) bool {
		return squidNative.MatchString(r.Body)
	},
	Normalize: normalizeSquid,
	Verified:  "Sekoia Squid intake tests (11 events); Wazuh squid samples",
}

var (
	squidNative = regexp.MustCompile(`^\s*(\d{9,10}\.\d{3})\s+(\d+)\s+(\S+)\s+([A-Z_]+)/(\d{3})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+([A-Z_]+)/(\S+)\s+(\S+)`)
	squidCommon = regexp.MustCompile(`^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) (\S+)`)
)

func normalizeSquid(r *parse.Record, e *event.Event) error {
	e.Set("event.category", []string{"network", "web"})
	e.Set("network.direction", "egress")
	b := strings.TrimSpace(r.Body)
	var client, method, target, status, bytes, user, peer string
	if m := squidNative.FindStringSubmatch(b); m != nil {
		if t, ok := parse.ParseEpoch(m[1]); ok {
			e.SetTimestamp(t)
		}
		parse.Set(e, "event.duration", m[2])
		client, status, bytes, method, target, user, peer = m[3], m[5], m[6], m[7], m[8], m[9], m[11]
		e.Set("network.transport", "tcp")
		parse.Set(e, "http.response.mime_type", m[12])
		if strings.HasPrefix(m[4], "UDP") {
			e.Set("network.transport", "udp")
		}
	} else if m := squidCommon.FindStringSubmatch(b); m != nil {
		client, user, method, target, status, bytes = m[1], m[2], m[4], m[5], m[6], m[7]
		for _, layout := range []string{"02/01/2006 15:04:05", "02/Jan/2006:15:04:05 -0700"} {
			if t, err := time.ParseInLocation(layout, m[3], r.Location()); err == nil {
				e.SetTimestamp(t)
				break
			}
		}
	} else {
		return nil
	}
	parse.SetAddress(e, "source", client)
	e.Set("http.request.method", method)
	if n, err := strconv.Atoi(status); err == nil {
		e.Set("http.response.status_code", int64(n))
	}
	parse.Set(e, "http.response.bytes", bytes)
	if user != "-" && user != "" {
		e.Set("user.name", user)
		e.AppendUnique(event.RelatedUser, user)
	}
	// CONNECT host:port, or a URL.
	host, port := "", ""
	if method == "CONNECT" && !strings.Contains(target, "://") {
		host, port = parse.SplitHostPort(target)
	} else {
		parse.SetURL(e, "url", target)
		if strings.Contains(target, "://") {
			e.Set("url.full", target)
		}
		host = e.Str("url.domain")
		if p, ok := e.Int("url.port"); ok {
			port = strconv.FormatInt(p, 10)
		} else if s := e.Str("url.scheme"); s == "http" {
			port = "80"
			e.Set("url.port", int64(80))
		} else if s == "https" {
			port = "443"
			e.Set("url.port", int64(443))
		}
		if host != "" {
			parse.SetDomainParts(e, "url", host)
		}
		if method == "CONNECT" {
			host = e.Str("url.domain")
		}
	}
	if host != "" {
		parse.SetAddress(e, "destination", host)
		if !parse.IsIP(host) {
			parse.SetDomainParts(e, "destination", host)
			e.AppendUnique(event.RelatedHosts, host)
		}
		parse.Set(e, "destination.port", port)
	}
	if peer != "" && peer != "-" {
		if a, ok := parse.ParseIP(peer); ok {
			e.Set("server.ip", a.String())
			e.AppendUnique(event.RelatedIP, a.String())
		} else {
			e.Set("server.domain", peer)
		}
	}
	parse.FillRelated(e, "source.ip")
	return nil
}

func init() { all = append(all, squid) }
