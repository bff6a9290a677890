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

// Huawei USG / HiSecEngine firewalls (VRP information centre format):
// "<host> %%01MODULE/severity/DIGEST(l):key=value,key=value..." where
// key=value pairs are separated by commas (with or without spaces). Devices
// configured in Chinese send GBK; Charset makes non-UTF-8 input decode as
// GB18030.
var huawei = &parse.Vendor{
	ID:       "huawei-usg",
	Aliases:  []string{"huawei", "usg", "huawei_usg", "hisecengine", "huawei-firewall"},
	Name:     "Huawei USG / HiSecEngine firewall",
	Formats:  []parse.Format{parse.FormatText, parse.FormatKV},
	Observer: parse.Observer{Vendor: "Huawei", Product: "USG", Type: "firewall"},
	Charset:  "gb18030",
	Detect: func(r *parse.Record) bool {
		return huaweiHeader.MatchString(r.Body)
	},
	Normalize: normalizeHuawei,
	Verified:  "Wazuh huawei_usg samples (parse and detection only, no labelled ECS output); field names from Huawei's published USG log reference",
}

var huaweiHeader = regexp.MustCompile(`(?:^|\s)%%(01)([A-Z0-9_]+)/(\d)/([A-Z0-9_]+)(?:\((\w+)\))?:\s*(.*)$`)

var huaweiKeys = map[string][]string{
	"SourceIP": {"source.ip"}, "source-ip": {"source.ip"}, "DestinationIP": {"destination.ip"}, "destination-ip": {"destination.ip"},
	"SourcePort": {"source.port"}, "source-port": {"source.port"}, "DestinationPort": {"destination.port"}, "destination-port": {"destination.port"},
	"SourceNatIP": {"source.nat.ip"}, "SourceNatPort": {"source.nat.port"}, "DestinationNatIP": {"destination.nat.ip"}, "DestinationNatPort": {"destination.nat.port"},
	"source-zone": {"observer.ingress.zone"}, "SourceZone": {"observer.ingress.zone"}, "destination-zone": {"observer.egress.zone"}, "DestinationZone": {"observer.egress.zone"},
	"rule-name": {"rule.name"}, "PolicyName": {"rule.name"}, "RuleName": {"rule.name"},
	"SendPkts": {"source.packets"}, "SendBytes": {"source.bytes"}, "RcvPkts": {"destination.packets"}, "RcvBytes": {"destination.bytes"},
	"UserName": {"user.name"}, "user-name": {"user.name"}, "User": {"user.name"}, "Application": {"network.application"}, "application": {"network.application"},
	"vsys": {"observer.name"}, "VSys": {"observer.name"}, "AttackType": {"threat.technique.name"}, "ThreatName": {"rule.name"},
	"Action": {"event.action"}, "action": {"event.action"}, "Url": {"url.original"}, "URL": {"url.original"},
}

func normalizeHuawei(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	m := huaweiHeader.FindStringSubmatch(r.Body)
	if m == nil {
		parse.SyslogProcess(r, e)
		return nil
	}
	module, sev, digest, text := m[2], m[3], m[4], m[6]
	e.Set("event.module", module)
	e.Set("event.code", digest)
	e.Set("event.action", strings.ToLower(digest))
	if n, err := strconv.Atoi(sev); err == nil {
		e.Set("event.severity", int64(n))
		e.Set("log.level", asaLevels[n])
	}
	if i := strings.Index(r.Body, "%%"); i > 0 {
		pre := strings.Fields(r.Body[:i])
		if len(pre) > 0 {
			e.Set("observer.hostname", pre[len(pre)-1])
		}
	}
	if h := e.Str("observer.hostname"); h == "" && r.Syslog != nil && r.Syslog.Hostname != "" {
		e.Set("observer.hostname", r.Syslog.Hostname)
	}
	pairs := format.ParseKV(strings.TrimSuffix(text, "."), format.KVOptions{Separator: ','}, nil)
	var begin, end string
	for _, p := range pairs {
		if p.Bare {
			continue
		}
		switch p.Key {
		case "protocol", "Protocol":
			e.Set("network.transport", parse.TransportName(strings.ToLower(p.Value)))
			continue
		case "BeginTime":
			begin = p.Value
			continue
		case "EndTime":
			end = p.Value
			continue
		case "time":
			if t, err := time.ParseInLocation("2006/1/2 15:04:05", p.Value, r.Location()); err == nil {
				e.SetTimestamp(t)
			}
			continue
		}
		for _, t := range huaweiKeys[p.Key] {
			parse.Set(e, t, p.Value)
		}
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	e.Set("event.category", []string{"network"})
	switch {
	case strings.Contains(digest, "PERMIT"):
		e.Set("event.type", []string{"connection", "allowed"})
		e.Set("event.outcome", "success")
	case strings.Contains(digest, "DENY"):
		e.Set("event.type", []string{"connection", "denied"})
		e.Set("event.outcome", "success")
	case strings.Contains(digest, "TEARDOWN"):
		e.Set("event.type", []string{"connection", "end"})
	case strings.Contains(digest, "CREATE"):
		e.Set("event.type", []string{"connection", "start"})
	}
	if b, ok := parse.ParseEpoch(begin); ok {
		e.Set("event.start", b)
		if en, ok := parse.ParseEpoch(end); ok {
			e.Set("event.end", en)
			e.Set("event.duration", int64(en.Sub(b)))
		}
	}
	if sb, ok := e.Int("source.bytes"); ok {
		if db, ok := e.Int("destination.bytes"); ok {
			e.Set("network.bytes", sb+db)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "user.name")
	return nil
}

func init() { all = append(all, huawei) }
