package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Generic CEF: a source configured as "CEF" (a SIEM connector or a device
// whose product has no dedicated normalizer) gets the ArcSight dictionary
// of the generic CEF normalizer, with the conventions CEF collectors follow
// for what the dictionary leaves open:
//
//   - the header's product names the observer (observer.type as well as
//     observer.product, the device type being unknown) and the event class
//     id is rule.id;
//   - the device host name (dvchost) is host.name, the source host name
//     (shost) host.hostname, and the traffic counters in/out are also the
//     host's ingress/egress bytes;
//   - @timestamp is the start of the activity (start), else the receipt
//     time (rt), else its end;
//   - the destination NT domain names the destination when no destination
//     host is given, and an address field holds the host name when there is
//     one (the IP stays in .ip);
//   - the reason of an audit event, when sent, is the action taken.
//
// It is chosen by hint only: detection prefers the product's own
// normalizer, and records nobody claims get the same dictionary anyway.
var genericCEF = &parse.Vendor{
	ID:        "cef",
	Aliases:   []string{"generic-cef", "arcsight", "arcsight-cef", "common-event-format"},
	Name:      "Generic CEF (ArcSight Common Event Format)",
	Formats:   []parse.Format{parse.FormatCEF},
	Normalize: normalizeGenericCEF,
	Verified:  "Sekoia generic CEF intake tests (19 events from FortiGate, PAN-OS, Cisco ESA, Cybereason and a Logstash export)",
}

func normalizeGenericCEF(r *parse.Record, e *event.Event) error {
	if r.CEF == nil {
		return parse.Generic(r, e)
	}
	parse.GenericCEF(r, e)
	c := r.CEF
	parse.Set(e, "observer.type", c.DeviceProduct)
	var start, rt, end, dntdom, dhost, reason string
	for _, p := range r.Pairs {
		if p.Value == "" {
			continue
		}
		switch p.Key {
		case "dvchost", "deviceHostName":
			e.Set("host.name", p.Value)
		case "shost", "sourceHostName":
			e.Set("host.hostname", p.Value)
		case "in", "bytesIn":
			parse.Set(e, "host.network.ingress.bytes", p.Value)
		case "out", "bytesOut":
			parse.Set(e, "host.network.egress.bytes", p.Value)
		case "start", "startTime":
			start = p.Value
		case "rt", "receiptTime":
			rt = p.Value
		case "end", "endTime":
			end = p.Value
		case "dtz", "deviceTimeZone":
			e.Set("event.timezone", p.Value)
		case "fileId":
			e.Set("file.inode", p.Value)
		case "dntdom", "destinationNtDomain":
			dntdom = p.Value
		case "dhost", "destinationHostName":
			dhost = p.Value
		case "reason":
			reason = p.Value
		case "dvc", "deviceAddress":
			parse.Set(e, "server.ip", p.Value)
		}
	}
	loc := r.Location()
	for _, s := range []string{start, rt, end} {
		if s == "" {
			continue
		}
		if t, ok := parseCEFTimeText(s, loc); ok {
			e.SetTimestamp(t)
			break
		}
	}
	if dhost == "" && dntdom != "" {
		e.Set("destination.domain", dntdom)
	}
	if d := e.Str("destination.domain"); d != "" {
		e.Set("destination.address", d)
	}
	if ip := e.Str("source.ip"); ip != "" {
		e.Set("source.address", ip)
	}
	if u := e.Str("url.original"); u != "" {
		setURLFull(e, u)
	}
	if reason != "" {
		e.Set("event.action", reason)
	}
	for _, k := range []string{event.RelatedIP, event.RelatedUser, event.RelatedHosts, event.RelatedHash} {
		e.Delete(k)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "server.ip", "source.user.name", "destination.user.name",
		"host.hostname", "source.domain", "destination.domain", "file.hash.md5", "file.hash.sha1", "file.hash.sha256")
	return nil
}

// parseCEFTimeText reads the CEF date forms: epoch milliseconds, "MMM dd yyyy
// HH:mm:ss(.SSS)( zone)", "MMM dd HH:mm:ss" and the common layouts.
func parseCEFTimeText(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parse.ParseTime(s, loc); ok {
		return t, true
	}
	for _, l := range []string{"Jan _2 2006 15:04:05.000", "Jan _2 2006 15:04:05 MST", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func init() { all = append(all, genericCEF) }
