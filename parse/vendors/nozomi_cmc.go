package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Nozomi Networks Guardian and CMC appliances forward alerts and health
// events in CEF ("Nozomi Networks|N2OS", the alert type id as signature,
// labelled custom strings for risk, MITRE ATT&CK for ICS and ids).
var nozomiCMC = &parse.Vendor{
	ID:       "nozomi-cmc",
	Aliases:  []string{"nozomi-guardian", "nozomi_cmc", "n2os"},
	Name:     "Nozomi Networks Guardian / CMC (CEF)",
	Formats:  []parse.Format{parse.FormatCEF},
	Observer: parse.Observer{Vendor: "Nozomi", Product: "Nozomi CMC", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		return r.CEF != nil && strings.HasPrefix(r.CEF.DeviceVendor, "Nozomi")
	},
	Normalize: normalizeNozomiCMC,
	Verified:  "Sekoia Nozomi CMC intake tests (2 events: alert, health)",
}

func init() { all = append(all, nozomiCMC) }

func normalizeNozomiCMC(r *parse.Record, e *event.Event) error {
	c := r.CEF
	if c == nil {
		parse.Generic(r, e)
		return nil
	}
	g := func(k string) string { v, _ := r.Pairs.Get(k); return strings.TrimSpace(v) }
	e.Set("event.module", "nozomi.cmc")
	sig := strings.TrimSpace(c.SignatureID)
	parse.Set(e, "event.dataset", sig)
	parse.Set(e, "event.action", strings.TrimSpace(c.Name))
	parse.Set(e, "event.severity", strings.TrimSpace(c.Severity))
	parse.Set(e, "observer.version", c.DeviceVersion)
	parse.Set(e, "event.reason", g("msg"))
	parse.Set(e, "network.protocol", strings.ToLower(g("app")))
	if p := g("proto"); p != "" {
		e.Set("network.transport", parse.TransportName(p))
	}
	if h := g("dvchost"); h != "" {
		e.Set("host.hostname", h)
		e.Set("host.name", h)
		e.AppendUnique(event.RelatedHosts, h)
	}
	parse.Set(e, "host.ip", g("dvc"))
	for _, k := range [][3]string{{"src", "spt", "source"}, {"dst", "dpt", "destination"}} {
		if ip := g(k[0]); parse.IsIP(ip) {
			parse.SetAddress(e, k[2], ip)
		}
		parse.Set(e, k[2]+".port", g(k[1]))
	}
	parse.Set(e, "source.mac", g("smac"))
	parse.Set(e, "destination.mac", g("dmac"))
	if t, ok := jvTime(g("start"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	// Labelled custom fields.
	for _, p := range r.Pairs {
		if !strings.HasSuffix(p.Key, "Label") {
			continue
		}
		v := g(strings.TrimSuffix(p.Key, "Label"))
		if v == "" {
			continue
		}
		switch p.Value {
		case "mitre_attack_techniques":
			e.Set("threat.technique.id", nzSplit(v))
		case "mitre_attack_tactics":
			e.Set("threat.tactic.name", nzSplit(v))
		case "Risk":
			parse.Set(e, "event.risk_score", v)
		case "Id":
			e.Set("event.id", v)
		}
	}
	switch {
	case strings.HasPrefix(sig, "SIGN:MALWARE") || strings.Contains(sig, "VIRUS"):
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"indicator"})
	case strings.HasPrefix(sig, "HEALTH"):
		e.Set("event.kind", "event")
		e.Set("event.category", []string{"host"})
		e.Set("event.type", []string{"info"})
	default:
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"info"})
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip")
	return nil
}

// nzSplit splits a comma-separated list of MITRE ids or names.
func nzSplit(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
