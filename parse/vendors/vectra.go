package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Vectra Cognito Detect (Vectra AI) sends its detections, host and account
// scoring, lockdown and audit events as JSON documents over syslog, the
// program name (often "-") before the document: `-: {"version": "6.8",
// "category": "RECONNAISSANCE", "headend_addr": ..., "dd_dst_ip": ...}`.
// Newer platforms send the detection API's JSON ("entity_type", "detail").
var vectra = &parse.Vendor{
	ID:       "vectra-cognito-detect",
	Aliases:  []string{"vectra", "vectra_cognito_detect", "vectra-ai", "cognito-detect"},
	Name:     "Vectra Cognito Detect",
	Formats:  []parse.Format{parse.FormatJSON, parse.FormatText},
	Observer: parse.Observer{Vendor: "Vectra", Product: "Cognito Detect", Type: "ids"},
	Detect: func(r *parse.Record) bool {
		if r.JSON != nil {
			_, a := r.JSON["headend_addr"]
			_, b := r.JSON["d_type_vname"]
			return a || b
		}
		i := strings.IndexByte(r.Body, '{')
		return i >= 0 && i < 16 && strings.Contains(r.Body, `"headend_addr"`)
	},
	Normalize: normalizeVectra,
	Verified:  "Sekoia Vectra Cognito Detect intake tests (29 events: detections, scoring, lockdown, audit)",
}

func init() { all = append(all, vectra) }

func normalizeVectra(r *parse.Record, e *event.Event) error {
	m := r.JSON
	if m == nil {
		i := strings.IndexByte(r.Body, '{')
		if i < 0 {
			return nil
		}
		var err error
		if m, err = parse.DecodeJSON(r.Body[i:]); err != nil {
			return err
		}
	}
	j := jvObj(m)
	e.Set("event.kind", "alert")
	jvCopy(e, j, []jvField{
		{"headend_addr", []string{"observer.ip"}}, {"dvchost", []string{"observer.name"}},
		{"version", []string{"observer.version"}}, {"sensor", []string{"observer.serial_number"}},
		{"href", []string{"event.url"}}, {"detection_href", []string{"event.url"}},
		{"host_name", []string{"host.name"}}, {"host_ip", []string{"host.ip"}}, {"host_id", []string{"host.id"}},
		{"dd_dst_ip", []string{"destination.ip", "destination.address"}}, {"dd_dst_port", []string{"destination.port"}},
		{"dd_bytes_sent", []string{"source.bytes"}}, {"dd_bytes_rcvd", []string{"destination.bytes"}},
		{"threat", []string{"vectra.threat"}}, {"certainty", []string{"vectra.certainty"}},
		{"severity", []string{"vectra.severity"}}, {"detection_id", []string{"vectra.detection.id"}},
		{"d_type", []string{"vectra.detection.type"}}, {"d_type_vname", []string{"vectra.detection.name", "rule.name"}},
		{"account_uid", []string{"vectra.account.uid"}}, {"account_id", []string{"vectra.account.id"}},
		{"mitre", []string{"threat.technique.id"}},
	})
	if t, ok := jvTime(j.first("vectra_timestamp", "event_timestamp"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	if a := j.first("type", "category"); a != "" {
		e.Set("event.action", a)
	}
	if c := j.str("category"); c != "" {
		e.Set("vectra.category", c)
	}
	if d := j.str("dd_dst_dns"); d != "" {
		e.Set("destination.domain", d)
		e.Set("destination.address", d)
		parse.SetDomainParts(e, "destination", d)
		e.AppendUnique(event.RelatedHosts, d)
	}
	if p := j.str("dd_proto"); p != "" {
		e.Set("network.transport", parse.TransportName(p))
	}
	// Detection API documents: the session of the detail.
	if d := j.obj("detail"); d != nil && !e.Has("destination.ip") {
		if ip := d.first("dst_ip", "session.dst_ip"); parse.IsIP(ip) {
			parse.SetAddress(e, "destination", ip)
		}
		parse.Set(e, "destination.port", d.first("dst_port", "session.dst_port"))
		if dn := d.str("dst_dns"); dn != "" {
			e.Set("destination.domain", dn)
		}
		if p := d.str("session.protocol"); p != "" {
			e.Set("network.transport", parse.TransportName(p))
		}
	}
	// Audit events: who did what from where.
	if u := j.str("user"); u != "" {
		e.Set("event.kind", "event")
		jvUser(e, "user", u)
		if ip := j.str("source_ip"); parse.IsIP(ip) {
			parse.SetAddress(e, "source", ip)
		}
		switch strings.ToLower(j.str("result")) {
		case "success":
			e.Set("event.outcome", "success")
		case "failure", "failed", "fail":
			e.Set("event.outcome", "failure")
		}
		if msg := j.str("message"); msg != "" {
			if k := strings.IndexAny(msg, "{[\""); k > 0 {
				msg = strings.TrimSpace(msg[:k])
			}
			e.Set("event.reason", msg)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "observer.ip", "user.name")
	return nil
}
