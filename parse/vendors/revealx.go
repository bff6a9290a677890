package vendors

import (
	"regexp"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// ExtraHop Reveal(x) 360: detections from the REST API (/detections), one
// JSON object each: title, type, description (Markdown), risk_score,
// categories, start/update/mod times in milliseconds, MITRE tactics and
// techniques, and participants (offender and victim devices or IPs).
var revealx = &parse.Vendor{
	ID:       "extrahop-revealx",
	Aliases:  []string{"revealx", "revealx_360", "reveal-x", "extrahop"},
	Name:     "ExtraHop Reveal(x) 360 (detections)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Extrahop", Product: "Reveal(x) 360", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		j := r.JSON
		if j == nil {
			return false
		}
		_, p := j["participants"]
		_, rs := j["risk_score"]
		_, mt := j["mod_time"]
		return p && rs && mt
	},
	Normalize: normalizeRevealX,
	Verified:  "Sekoia ExtraHop Reveal(x) 360 intake tests (2 detections)",
}

func init() { all = append(all, revealx) }

var rxTLSVersion = regexp.MustCompile(`^(?i)(TLS|SSL)v?(\d(?:\.\d)?)$`)

func normalizeRevealX(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	e.Set("event.kind", "alert")
	e.Set("event.category", []string{"intrusion_detection"})
	e.Set("event.type", []string{"info"})
	if t, ok := jvTime(j.first("mod_time", "update_time", "start_time"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	jvSetTime(e, "event.start", j.val("start_time"), r.Location())
	if et := j.val("end_time"); et != nil {
		jvSetTime(e, "event.end", et, r.Location())
	}
	jvCopy(e, j, []jvField{
		{"type", []string{"event.code"}}, {"title", []string{"rule.name"}},
		{"description", []string{"event.reason"}}, {"risk_score", []string{"event.risk_score"}},
		{"id", []string{"event.id"}}, {"properties.cipher_suite", []string{"tls.cipher"}},
		{"mitre_tactics", []string{"threat.tactic.id"}}, {"mitre_techniques", []string{"threat.technique.id"}},
		{"ticket_id", []string{"extrahop.ticket_id"}}, {"status", []string{"extrahop.status"}},
	})
	if v := j.str("properties.version"); v != "" {
		if m := rxTLSVersion.FindStringSubmatch(v); m != nil {
			e.Set("tls.version", m[2])
			e.Set("tls.version_protocol", strings.ToLower(m[1]))
		}
	}
	for _, p := range j.list("participants") {
		m, _ := p.(map[string]any)
		pj := jvObj(m)
		role := pj.str("role")
		val := pj.str("object_value")
		switch role {
		case "offender":
			if pj.str("object_type") == "device" || pj.str("object_type") == "ipaddr" {
				if parse.IsIP(val) {
					parse.Set(e, "host.ip", val)
				}
				parse.Set(e, "host.name", pj.str("hostname"))
				if pj.str("object_type") == "device" {
					parse.Set(e, "host.id", pj.str("object_id"))
				}
			}
		case "victim":
			if parse.IsIP(val) {
				parse.SetAddress(e, "destination", val)
			}
			if h := pj.str("hostname"); h != "" {
				e.Set("destination.domain", h)
			}
		}
	}
	parse.FillRelated(e, "host.ip", "destination.ip")
	return nil
}
