package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Stormshield Network Security (SNS) firewalls send key=value logs, one
// log family per "logtype" (filter, connection, plugin, web, alarm, system,
// auth, vpn, xvpn, server, monitor, ...), with the firewall serial number in
// "fw", the local time in "time"/"startime" and its offset in "tz".
var stormshield = &parse.Vendor{
	ID:       "stormshield-network-security",
	Aliases:  []string{"stormshield", "stormshield_network_security", "stormshield-sns", "sns"},
	Name:     "Stormshield Network Security",
	Formats:  []parse.Format{parse.FormatKV},
	Observer: parse.Observer{Vendor: "Stormshield", Product: "Stormshield Network Security", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.Format != parse.FormatKV {
			return false
		}
		_, fw := r.Pairs.Get("fw")
		_, lt := r.Pairs.Get("logtype")
		_, tz := r.Pairs.Get("tz")
		return fw && lt && tz
	},
	Normalize: normalizeStormshield,
	Verified:  "Sekoia Stormshield Network Security intake tests (14 events: filter, connection, plugin, alarm, system, auth, vpn, xvpn, server, monitor)",
}

func init() { all = append(all, stormshield) }

// ssnsFields maps keys with the same meaning in every log type.
var ssnsFields = map[string][]string{
	"fw":           {"observer.serial_number", "observer.hostname"},
	"logtype":      {"event.dataset"},
	"tz":           {"event.timezone"},
	"pri":          {"log.syslog.severity.code", "event.risk_score"},
	"ruleid":       {"rule.id"},
	"rulename":     {"rule.name"},
	"slotlevel":    {"rule.category"},
	"srcif":        {"observer.ingress.interface.name"},
	"srcifname":    {"observer.ingress.interface.alias"},
	"dstif":        {"observer.egress.interface.name"},
	"dstifname":    {"observer.egress.interface.alias"},
	"proto":        {"network.protocol"},
	"srcport":      {"source.port"},
	"srcmac":       {"source.mac"},
	"dstport":      {"destination.port"},
	"dstmac":       {"destination.mac"},
	"modsrc":       {"source.nat.ip"},
	"modsrcport":   {"source.nat.port"},
	"origdst":      {"destination.nat.ip"},
	"origdstport":  {"destination.nat.port"},
	"ipv":          {"network.type"},
	"sent":         {"source.bytes", "host.network.egress.bytes"},
	"rcvd":         {"destination.bytes", "host.network.ingress.bytes"},
	"user":         {"user.name"},
	"domain":       {"user.domain"},
	"op":           {"http.request.method"},
	"result":       {"http.response.status_code"},
	"error":        {"error.code"},
	"service":      {"process.name"},
	"alarmid":      {"rule.id"},
	"sessionid":    {"network.session_id"},
	"srccontinent": {"source.geo.continent_code"},
	"dstcontinent": {"destination.geo.continent_code"},
	"srccountry":   {"source.geo.country_iso_code"},
	"dstcountry":   {"destination.geo.country_iso_code"},
	"confid":       {"stormshield.confid"},
}

func normalizeStormshield(r *parse.Record, e *event.Event) error {
	g := func(k string) string { v, _ := r.Pairs.Get(k); return v }
	lt := strings.ToLower(g("logtype"))
	loc := r.Location()
	if tz := g("tz"); tz != "" {
		if l, ok := parse.ParseOffset(tz); ok {
			loc = l
		}
	}
	for _, p := range r.Pairs {
		if p.Bare || p.Value == "" {
			continue
		}
		ts, ok := ssnsFields[p.Key]
		if !ok {
			continue
		}
		for _, t := range ts {
			parse.Set(e, t, p.Value)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", ssnsTime(r, "time"), loc); err == nil {
		e.SetTimestamp(t)
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", ssnsTime(r, "startime"), loc); err == nil {
		e.Set("event.start", t.UTC())
	}
	if ip := g("ipproto"); ip != "" {
		e.Set("network.transport", parse.TransportName(ip))
	}
	src, dst := g("src"), g("dst")
	if parse.IsIP(src) {
		parse.SetAddress(e, "source", src)
	}
	if parse.IsIP(dst) {
		parse.SetAddress(e, "destination", dst)
	}
	sent, err1 := strconv.ParseInt(g("sent"), 10, 64)
	rcvd, err2 := strconv.ParseInt(g("rcvd"), 10, 64)
	if err1 == nil && err2 == nil {
		e.Set("network.bytes", sent+rcvd)
	}
	if d, err := strconv.ParseFloat(g("duration"), 64); err == nil && d >= 0 {
		e.Set("event.duration", int64(d*float64(time.Second)))
	}
	msg := g("msg")
	if msg != "" {
		e.Set("event.reason", msg)
	}
	lmsg := strings.ToLower(msg)
	outcome := func() {
		switch {
		case strings.Contains(lmsg, "fail") || strings.Contains(lmsg, "denied") || strings.Contains(lmsg, "refused") || strings.Contains(lmsg, "error"):
			e.Set("event.outcome", "failure")
		case strings.Contains(lmsg, "success") || strings.Contains(lmsg, "authenticated") || strings.Contains(lmsg, "accepted"):
			e.Set("event.outcome", "success")
		}
	}
	cat, typ := "network", "connection"
	switch lt {
	case "filter", "connection", "count", "filterstat":
		ssnsAction(e, g("action"))
	case "plugin", "web", "ftp", "smtp", "pop3", "ssl":
		cat, typ = "web", "info"
		ssnsAction(e, g("action"))
		if d := g("dstname"); d != "" && !parse.IsIP(d) && (lt == "plugin" || lt == "web") {
			e.Set("url.domain", d)
			parse.SetDomainParts(e, "url", d)
			e.AppendUnique(event.RelatedHosts, d)
		}
		if a := g("arg"); a != "" && strings.HasPrefix(a, "/") {
			if q := strings.IndexByte(a, '?'); q >= 0 {
				e.Set("url.path", a[:q])
				e.Set("url.query", a[q+1:])
			} else {
				e.Set("url.path", a)
			}
		}
	case "alarm":
		e.Set("event.kind", "alert")
		cat, typ = "process", "info"
		outcome()
	case "system":
		cat, typ = "process", "info"
		outcome()
	case "auth":
		cat, typ = "authentication", "info"
		e.Set("event.action", "authentication")
		if i := strings.Index(lmsg, " authentication"); i > 0 && strings.IndexByte(lmsg[:i], ' ') < 0 {
			e.Set("network.protocol", lmsg[:i])
		}
		outcome()
	case "xvpn":
		cat, typ = "authentication", "info"
		e.Set("network.type", "ipsec")
		ssnsNet(e, g("remotenet"))
		outcome()
	case "vpn":
		e.Set("network.type", "ipsec")
		ssnsNet(e, g("remotenet"))
	case "server":
		cat, typ = "configuration", "info"
		if a := g("address"); parse.IsIP(a) {
			parse.SetAddress(e, "source", a)
			parse.SetAddress(e, "client", a)
		}
		if msg != "" {
			e.Set("process.command_line", msg)
		}
		switch g("error") {
		case "0":
			e.Set("event.outcome", "success")
		case "":
		default:
			e.Set("event.outcome", "failure")
		}
	case "monitor":
		cat, typ = "host", "info"
	case "pvm":
		cat, typ = "vulnerability", "info"
	}
	if !e.Has("event.kind") {
		e.Set("event.kind", "event")
	}
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
	if fw := g("fw"); fw != "" {
		e.AppendUnique(event.RelatedHosts, fw)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "client.ip", "source.nat.ip", "destination.nat.ip", "user.name")
	return nil
}

// ssnsTime returns a "yyyy-mm-dd hh:mm:ss" field, also when the firewall
// did not quote it (the clock then follows as a bare word).
func ssnsTime(r *parse.Record, key string) string {
	for i, p := range r.Pairs {
		if p.Key != key || p.Bare {
			continue
		}
		if len(p.Value) == 10 && i+1 < len(r.Pairs) && r.Pairs[i+1].Bare && strings.Count(r.Pairs[i+1].Key, ":") == 2 {
			return p.Value + " " + r.Pairs[i+1].Key
		}
		return p.Value
	}
	return ""
}

// ssnsAction sets the outcome of a filtered connection: "pass" lets it
// through, anything else (block, reset, or no action) stops it.
func ssnsAction(e *event.Event, action string) {
	if action != "" {
		e.Set("event.action", action)
	}
	if action == "pass" || action == "log" {
		e.Set("event.outcome", "success")
	} else {
		e.Set("event.outcome", "failure")
	}
}

// ssnsNet sets client.* from a VPN peer network ("10.0.1.6" or
// "192.168.10.32/27").
func ssnsNet(e *event.Event, n string) {
	if i := strings.IndexByte(n, '/'); i > 0 {
		n = n[:i]
	}
	if parse.IsIP(n) {
		parse.SetAddress(e, "client", n)
	}
}
