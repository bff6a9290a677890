package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/format"
)

// Check Point (Security Gateway, Log Exporter): CEF, the Log Exporter
// syslog format ([key:"value"; key:"value"]) and the older quoted field
// export.
var checkpoint = &parse.Vendor{
	ID:       "checkpoint",
	Aliases:  []string{"check-point", "checkpoint-ngfw", "checkpoint_smart1", "cp"},
	Name:     "Check Point Security Gateway / Log Exporter",
	Formats:  []parse.Format{parse.FormatCEF, parse.FormatKV, parse.FormatText},
	Observer: parse.Observer{Vendor: "Check Point", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.CEF != nil {
			return strings.HasPrefix(r.CEF.DeviceVendor, "Check Point")
		}
		if r.Syslog != nil && strings.EqualFold(r.Syslog.Appname, "CheckPoint") {
			return true
		}
		b := r.Body
		return strings.Contains(b, "[action:\"") || (strings.Contains(b, "loguid:\"") && strings.Contains(b, "origin"))
	},
	Normalize: normalizeCheckpoint,
	Verified:  "Sekoia Check Point intake tests (16 events: CEF, Log Exporter syslog, field export); Wazuh checkpoint_smart1 samples",
}

var cpKeys = map[string][]string{
	"version": {"rule.version"}, "s_port": {"source.port"}, "spt": {"source.port"}, "dpt": {"destination.port"}, "service": {"destination.port"},
	"ifname": {"observer.ingress.interface.name"}, "inzone": {"observer.ingress.zone"}, "outzone": {"observer.egress.zone"},
	"service_id": {"service.id"}, "rule_uid": {"rule.uuid"}, "rule": {"rule.id"}, "rule_name": {"rule.name"},
	"requestMethod": {"http.request.method"}, "requestClientApplication": {"user_agent.original"}, "user_agent": {"user_agent.original"},
	"shost": {"source.domain"}, "dhost": {"destination.domain"}, "msg": {"event.message"},
	"sourceTranslatedAddress": {"source.nat.ip"}, "sourceTranslatedPort": {"source.nat.port"},
	"destinationTranslatedAddress": {"destination.nat.ip"}, "destinationTranslatedPort": {"destination.nat.port"},
	"src_user_name": {"source.user.name"}, "dst_user_name": {"destination.user.name"}, "user": {"user.name"},
	"client_type_os": {"user_agent.os.name"},
}

func normalizeCheckpoint(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	e.Set("event.outcome", "success")
	var pairs format.Pairs
	b := strings.TrimSpace(r.Body)
	switch {
	case r.CEF != nil:
		c := r.CEF
		e.Set("observer.product", c.DeviceProduct)
		e.Set("event.code", c.SignatureID)
		pairs = c.Extensions
	case strings.Contains(b, ":\""):
		if i := strings.IndexByte(b, '['); i >= 0 {
			b = b[i+1:]
		}
		b = strings.TrimSuffix(strings.TrimSpace(b), "]")
		pairs = format.ParseKV(b, format.KVOptions{Assign: ':', Separator: ';'}, nil)
	case strings.HasPrefix(b, "\""):
		return checkpointExport(r, e, b)
	}
	var labels = map[string]string{}
	for _, p := range pairs {
		if strings.HasSuffix(p.Key, "Label") {
			labels[strings.TrimSuffix(p.Key, "Label")] = p.Value
		}
	}
	for _, p := range pairs {
		k := strings.TrimSuffix(p.Key, ":")
		v := strings.TrimSpace(p.Value)
		if v == "" || p.Bare {
			continue
		}
		switch k {
		case "src":
			parse.SetAddress(e, "source", v)
			continue
		case "dst":
			parse.SetAddress(e, "destination", v)
			continue
		case "proto":
			e.Set("network.transport", parse.TransportName(strings.Fields(v)[0]))
			continue
		case "deviceDirection":
			if v == "0" {
				e.Set("network.direction", "inbound")
			} else if v == "1" {
				e.Set("network.direction", "outbound")
			}
			continue
		case "ifdir":
			e.Set("network.direction", v)
			continue
		case "conn_direction":
			e.Set("network.direction", strings.ToLower(v))
			continue
		case "suser", "duser":
			role := "source"
			if k == "duser" {
				role = "destination"
			}
			e.Set(role+".user.name", v)
			e.AppendUnique(event.RelatedUser, v)
			continue
		case "app":
			e.Set("network.protocol", strings.ToLower(v))
			continue
		case "request", "resource":
			parse.SetURL(e, "url", v)
			e.Set("url.full", v)
			if d := e.Str("url.domain"); d != "" {
				parse.SetDomainParts(e, "url", d)
			}
			if !e.Has("url.port") {
				if s := e.Str("url.scheme"); s == "https" {
					e.Set("url.port", int64(443))
				} else if s == "http" {
					e.Set("url.port", int64(80))
				}
			}
			continue
		case "rt":
			if t, ok := parse.ParseEpoch(v); ok {
				e.SetTimestamp(t)
			}
			continue
		case "time":
			if t, ok := parse.ParseEpoch(v); ok {
				e.SetTimestamp(t)
			}
			continue
		case "loguid":
			if r.CEF == nil {
				e.Set("event.code", v)
			}
			continue
		case "rule_uid":
			if !e.Has("rule.uuid") {
				e.Set("rule.uuid", v)
			}
			continue
		case "action", "act":
			e.Set("event.action", v)
			continue
		case "cs1", "cs2", "cs3", "cs4", "cs5", "cs6":
			if labels[k] == "Rule Name" {
				e.Set("rule.name", v)
			}
			continue
		}
		for _, t := range cpKeys[k] {
			parse.Set(e, t, v)
		}
	}
	if d := e.Str("source.domain"); d != "" {
		e.AppendUnique(event.RelatedHosts, d)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip")
	return nil
}

// checkpointExport reads the quoted field export:
// "num" "date" "time" "iface" "origin" "type" "action" "service" "s_port"
// "src" "dst" "proto" "rule" "rule_name" ... "info".
func checkpointExport(r *parse.Record, e *event.Event, b string) error {
	var f []string
	for rest := b; ; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '"')
		if j < 0 {
			break
		}
		f = append(f, rest[i+1:i+1+j])
		rest = rest[i+1+j+1:]
	}
	if len(f) < 12 {
		return nil
	}
	if t, err := time.ParseInLocation("2Jan2006 15:04:05", f[1]+" "+f[2], r.Location()); err == nil {
		e.SetTimestamp(t)
	}
	parse.Set(e, "observer.ingress.interface.name", f[3])
	parse.Set(e, "host.name", f[4])
	parse.Set(e, "event.action", f[6])
	parse.Set(e, "destination.port", f[7])
	parse.Set(e, "source.port", f[8])
	parse.SetAddress(e, "source", f[9])
	parse.SetAddress(e, "destination", f[10])
	e.Set("network.transport", parse.TransportName(f[11]))
	if len(f) > 13 {
		parse.Set(e, "rule.id", f[12])
		parse.Set(e, "rule.name", f[13])
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

func init() { all = append(all, checkpoint) }
