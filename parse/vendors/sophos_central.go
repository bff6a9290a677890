package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Sophos Central (Intercept X / endpoint protection and EDR) events as the
// SIEM integration delivers them: JSON with the event type
// ("Event::Endpoint::WebFilteringBlocked"), its group (PROTECTION, WEB,
// PUA, DATA_LOSS_PREVENTION, UPDATING, DENC, ...), the endpoint (dhost,
// endpoint_id, source_info.ip), the user (suser "DOMAIN\user", duid), a
// human-readable description (name) and the times (end, rt).
var sophosCentral = &parse.Vendor{
	ID:       "sophos-central",
	Aliases:  []string{"sophos-edr", "sophos-intercept-x", "sophos-central-siem"},
	Name:     "Sophos Central (Intercept X, EDR) SIEM events",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Sophos", Product: "Central", Type: "edr"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		t, _ := r.JSON["type"].(string)
		_, c := r.JSON["customer_id"]
		return c && strings.HasPrefix(t, "Event::")
	},
	Normalize: normalizeSophosCentral,
	Verified:  "Sekoia Sophos EDR intake tests (13 events: registration, updates, scans, web filtering, PUA, data loss prevention, encryption)",
}

var (
	sophosCodeCategory = map[string]string{
		"Event::Endpoint::Registered": "host", "Event::Endpoint::SavScanComplete": "file",
		"Event::Endpoint::CorePuaClean": "file", "Event::Endpoint::CorePuaDetection": "file",
	}
	sophosCodeType = map[string]string{
		"Event::Endpoint::UserAutoCreated": "creation", "Event::Endpoint::WebFilteringBlocked": "denied",
		"Event::Endpoint::DataLossPreventionAutomaticallyAllowed": "allowed", "Event::Endpoint::DataLossPreventionAutomaticallyBlocked": "denied",
		"Event::Endpoint::Application::Blocked": "denied", "Event::Endpoint::CorePuaClean": "deletion",
	}
)

func normalizeSophosCentral(r *parse.Record, e *event.Event) error {
	if r.JSON == nil {
		return errNotVendorRecord("Sophos Central JSON")
	}
	str := func(key string) string {
		s, _ := parse.JSONString(r.JSON, key)
		return strings.TrimSpace(s)
	}
	code, group, name := str("type"), str("group"), str("name")
	if t, ok := parse.ParseTime(str("rt"), time.UTC); ok {
		e.SetTimestamp(t)
	}
	if t, ok := parse.ParseTime(str("end"), time.UTC); ok {
		e.Set("event.end", t)
	}
	parse.Set(e, "event.reason", name)
	parse.Set(e, "event.code", code)
	parse.Set(e, "user.id", str("duid"))
	if h := str("dhost"); h != "" {
		e.Set("host.hostname", h)
		e.Set("host.name", h)
	}
	parse.Set(e, "log.level", str("severity"))
	parse.Set(e, "observer.ip", str("source_info.ip"))
	if u := str("suser"); u != "" && !strings.EqualFold(u, "n/a") {
		if i := strings.LastIndexByte(u, '\\'); i >= 0 {
			parse.Set(e, "user.domain", u[:i])
			u = u[i+1:]
		}
		parse.Set(e, "user.name", u)
	}
	category := []string{"file"}
	if c, ok := sophosCodeCategory[code]; ok {
		category = []string{c}
	}
	switch group {
	case "DENC", "UPDATING":
		category = []string{"file", "process"}
	case "PROTECTION":
		category = []string{"iam"}
	case "WEB":
		category = []string{"network"}
	}
	e.Set("event.category", category)
	typ := "info"
	if t, ok := sophosCodeType[code]; ok {
		typ = t
	}
	e.Set("event.type", []string{typ})
	switch {
	case code == "Event::Endpoint::WebFilteringBlocked":
		// Access was blocked to "<url>" because of "<rule>".
		if _, rest, ok := strings.Cut(name, `to "`); ok {
			u, rest, _ := strings.Cut(rest, `"`)
			if strings.Contains(u, "://") {
				setURLFullParts(e, u)
			} else if u != "" {
				e.Set("url.original", u)
				host, _, _ := strings.Cut(u, "/")
				e.Set("url.domain", host)
			}
			if _, rule, ok := strings.Cut(rest, `because of "`); ok {
				rule, _, _ = strings.Cut(rule, `"`)
				parse.Set(e, "rule.name", rule)
			}
		}
	case group == "APPLICATION_CONTROL":
		if _, t, ok := strings.Cut(name, ": "); ok && strings.HasPrefix(name, "Controlled application ") {
			e.Set("process.title", t)
		}
	case group == "DATA_LOSS_PREVENTION":
		// An ″<action>″ action was taken.  Username: ..  Rule names: ′<rule>′
		// ..  File size: <n>  Source path: <path>[  Destination path: ..]
		if _, rest, ok := strings.Cut(name, "″"); ok {
			a, _, _ := strings.Cut(rest, "″")
			e.Set("event.action", a)
		}
		if _, rest, ok := strings.Cut(name, "Rule names: ′"); ok {
			rule, _, _ := strings.Cut(rest, "′")
			parse.Set(e, "rule.name", rule)
		}
		parts := map[string]string{}
		for _, p := range strings.Split(name, "  ") {
			if k, v, ok := strings.Cut(p, ": "); ok {
				parts[k] = v
			}
		}
		parse.Set(e, "file.size", parts["File size"])
		setFilePathParts(e, parts["Source path"])
		if v := parts["Destination path"]; v != "" {
			e.Set("sophos.destination.file.path", v)
		}
		if v := parts["Destination type"]; v != "" {
			e.Set("sophos.destination.type", v)
		}
	case group == "PUA":
		// PUA <action>: '<threat>' at '<path>'
		if rest, ok := strings.CutPrefix(name, "PUA "); ok {
			action, rest, _ := strings.Cut(rest, ": '")
			e.Set("event.action", action)
			threat, rest, _ := strings.Cut(rest, "' at '")
			parse.Set(e, "rule.name", threat)
			setFilePathParts(e, strings.TrimSuffix(rest, "'"))
		}
		parse.Set(e, "file.hash.sha256", str("appSha256"))
	case group == "RUNTIME_DETECTIONS":
		if strings.HasPrefix(name, "'") {
			threat, _, _ := strings.Cut(name[1:], "'")
			e.Set("sophos.threat.name", threat)
		}
	}
	for k, field := range map[string]string{"endpoint_type": "sophos.endpoint.type", "endpoint_id": "sophos.endpoint.id", "customer_id": "sophos.customer.id", "group": "sophos.event.group"} {
		if v := str(k); v != "" {
			e.Set(field, v)
		}
	}
	parse.FillRelated(e, "observer.ip", "user.name", "host.hostname", "file.hash.sha256")
	return nil
}

func init() { all = append(all, sophosCentral) }
