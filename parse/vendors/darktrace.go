package vendors

import (
	"strconv"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Darktrace (Threat Visualizer / Enterprise Immune System) exports, as
// JSON over syslog or from its API: model breaches ("pbid", the model as
// "then"/"now" or flat, the device and the triggered components), AI
// Analyst incident events ("aiaScore", "breachDevices", "summary") and
// Antigena/RESPOND actions ("iris-event-type", "action"). Devices of SaaS
// services are named "SaaS::<service>: <account>".
var darktrace = &parse.Vendor{
	ID:       "darktrace",
	Aliases:  []string{"darktrace-threat-visualizer", "darktrace_threat_visualizer", "darktrace-enterprise"},
	Name:     "Darktrace Threat Visualizer",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Darktrace"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, pbid := r.JSON["pbid"]
		_, model := r.JSON["model"]
		_, aia := r.JSON["aiaScore"]
		_, iris := r.JSON["iris-event-type"]
		return pbid && model || aia || iris
	},
	Normalize: normalizeDarktrace,
	Verified:  "Sekoia Darktrace Threat Visualizer intake tests (8 events: model breaches, AI Analyst incidents, Antigena actions)",
}

func normalizeDarktrace(r *parse.Record, e *event.Event) error {
	if r.JSON == nil {
		return errNotVendorRecord("Darktrace JSON")
	}
	str := func(key string) string {
		s, _ := parse.JSONString(r.JSON, key)
		return strings.TrimSpace(s)
	}
	e.Set("observer.name", "Darktrace")
	e.Set("observer.product", "Threat visualizer")
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"info"})
	for _, k := range []string{"time", "createdAt", "start"} {
		if t, ok := parse.ParseEpoch(str(k)); ok {
			e.SetTimestamp(t)
			break
		}
	}
	// The model breached: nested as then/now, or flat.
	model := "model.then."
	if _, ok := parse.JSONPath(r.JSON, "model.then"); !ok {
		model = "model."
	}
	if v, _ := parse.JSONPath(r.JSON, model+"actions.alert"); v == true {
		e.Set("event.kind", "alert")
	}
	if name := str(model + "name"); name != "" && name != str("model") {
		e.Set("rule.name", name)
		parse.Set(e, "rule.uuid", str(model+"uuid"))
		parse.Set(e, "rule.category", str(model+"category"))
	}
	if p, ok := parse.JSONPath(r.JSON, model+"priority"); ok {
		if n, ok := p.(int64); ok {
			e.Set("event.severity", n)
		}
	}
	// The device concerned.
	if did := str("device.did"); did != "" {
		e.Set("host.id", did)
	}
	darktraceHost(e, str("device.hostname"), false)
	if ips, ok := parse.JSONPath(r.JSON, "device.ips"); ok {
		if l, ok := ips.([]any); ok {
			for _, it := range l {
				if m, ok := it.(map[string]any); ok {
					if ip, ok := m["ip"].(string); ok {
						parse.Set(e, "host.ip", ip)
					}
				}
			}
		}
	}
	if !e.Has("host.ip") {
		parse.Set(e, "host.ip", str("device.ip"))
	}
	parse.Set(e, "host.mac", str("device.macaddress"))
	parse.Set(e, "host.os.name", str("device.os"))
	// Antigena / RESPOND actions.
	parse.Set(e, "event.action", str("action"))
	parse.Set(e, "event.reason", str("reason"))
	parse.Set(e, "source.user.name", str("username"))
	// AI Analyst incidents.
	if bd, ok := parse.JSONPath(r.JSON, "breachDevices"); ok {
		if l, ok := bd.([]any); ok && len(l) > 0 {
			if d, ok := l[0].(map[string]any); ok {
				if did, ok := d["did"]; ok {
					s, _ := event.Stringify(did)
					parse.Set(e, "device.id", s)
					parse.Set(e, "host.id", s)
				}
				if ip, ok := d["ip"].(string); ok {
					parse.Set(e, "host.ip", ip)
				}
				if mac, ok := d["mac"].(string); ok {
					parse.Set(e, "host.mac", mac)
				}
				h, _ := d["hostname"].(string)
				darktraceHost(e, h, true)
				if id, _ := d["identifier"].(string); id != "" && !strings.HasPrefix(id, "SaaS::") {
					e.Set("host.name", id)
				}
			}
		}
	}
	if title := str("title"); title != "" {
		e.Set("rule.name", title)
	}
	if _, ok := r.JSON["aiaScore"]; ok {
		if str("category") == "critical" {
			e.Set("event.kind", "alert")
			e.Set("event.category", []string{"threat"})
		}
		if s := str("aiaScore"); s != "" {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				e.Set("darktrace.threat_visualizer.aiaScore", f)
			}
		}
	}
	for _, k := range []string{"pbid", "score", "commentCount", "summariser", "id", "log_type", "iris-event-type", "inhibitor", "model", "url"} {
		if v := str(k); v != "" && !strings.HasPrefix(v, "{") {
			e.Set("darktrace.threat_visualizer."+k, v)
		}
	}
	parse.FillRelated(e, "host.ip", "host.hostname", "source.user.name", "user.name")
	return nil
}

// darktraceHost reads a device name: a host name, or "SaaS::<service>:
// <account>" for the accounts of SaaS services.
func darktraceHost(e *event.Event, h string, breach bool) {
	if h == "" {
		return
	}
	rest, saas := strings.CutPrefix(h, "SaaS::")
	if !saas {
		e.Set("host.hostname", h)
		if !breach {
			e.Set("host.name", h)
		}
		return
	}
	service, account, _ := strings.Cut(rest, ":")
	parse.Set(e, "service.name", strings.TrimSpace(service))
	account = strings.TrimSpace(account)
	if strings.Contains(account, "@") {
		e.Set("user.email", account)
	} else {
		parse.Set(e, "user.name", account)
	}
}

func init() { all = append(all, darktrace) }
