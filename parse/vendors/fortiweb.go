package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Fortinet FortiWeb (web application firewall) logs: key=value pairs with
// FortiWeb's own names (log_id, msg_id, device_id, pri, src/dst, http_host,
// http_url, http_method, http_retcode, policy, ...) for traffic, attack and
// event logs; FortiWeb Cloud attack logs (cat=attack, src_ip,
// user_name, date_time, main_type/sub_type); and FortiOS-style DoS logs
// (logid, devid, srcip, attack, attackid). FortiWeb writes "none" for
// empty values.
//
// log_id with msg_id marks FortiWeb's own format, and FortiWeb serial
// numbers start with "FV"; FortiGate detection would otherwise take these
// messages, so detection runs before it.
var fortiweb = &parse.Vendor{
	ID:       "fortinet-fortiweb",
	Aliases:  []string{"fortiweb", "fortinet_fortiweb", "fortiweb-cloud"},
	Name:     "Fortinet FortiWeb",
	Formats:  []parse.Format{parse.FormatKV},
	Observer: parse.Observer{Vendor: "Fortinet", Product: "FortiWeb", Type: "waf"},
	Priority: -1,
	Detect: func(r *parse.Record) bool {
		if r.Format != parse.FormatKV {
			return false
		}
		var logID, msgID, serial bool
		for i := range r.Pairs {
			switch r.Pairs[i].Key {
			case "log_id":
				logID = true
			case "msg_id":
				msgID = true
			case "device_id", "devid":
				serial = strings.HasPrefix(r.Pairs[i].Value, "FV")
			}
		}
		return logID && msgID && serial
	},
	Normalize: normalizeFortiWeb,
	Verified:  "Sekoia FortiWeb intake tests (4 events: traffic, attack, system event, FortiWeb Cloud attack)",
}

// fortiwebFields maps FortiWeb keys to ECS fields.
var fortiwebFields = map[string][]string{
	"src": {"source.ip", "source.address"}, "srcip": {"source.ip", "source.address"}, "src_ip": {"source.ip", "source.address"},
	"dst": {"destination.ip", "destination.address"}, "dstip": {"destination.ip", "destination.address"}, "dst_ip": {"destination.ip", "destination.address"},
	"src_port": {"source.port"}, "srcport": {"source.port"}, "dst_port": {"destination.port"}, "dstport": {"destination.port"},
	"trans_src": {"source.nat.ip"}, "trans_src_port": {"source.nat.port"}, "trans_dst": {"destination.nat.ip"}, "trans_dst_port": {"destination.nat.port"},
	"ibytes": {"source.bytes"}, "obytes": {"destination.bytes"},
	"http_method": {"http.request.method"}, "http_agent": {"user_agent.original"}, "http_referer": {"http.request.referrer"},
	"http_refer": {"http.request.referrer"}, "http_retcode": {"http.response.status_code"}, "http_version": {"http.version"},
	"length": {"http.request.bytes"},
	"policy": {"rule.ruleset"}, "policyid": {"rule.id"}, "action": {"event.action"}, "msg": {"event.reason"},
	"pri": {"log.level"}, "level": {"log.level"}, "devname": {"observer.hostname"}, "device_id": {"observer.serial_number"},
	"devid": {"observer.serial_number"}, "log_id": {"event.code"}, "logid": {"event.code"}, "sessionid": {"network.session_id"},
	"user_id": {"user.id"}, "attack": {"rule.name"}, "attackid": {"rule.id"}, "signature_id": {"rule.id"},
	"main_type": {"rule.category"}, "ref": {"rule.reference"}, "srcintf": {"observer.ingress.interface.name"},
	"dstintf": {"observer.egress.interface.name"}, "signature_cve_id": {"vulnerability.id"},
}

var fortiwebRules = func() map[string][]parse.Target {
	m := make(map[string][]parse.Target, len(fortiwebFields))
	for k, ts := range fortiwebFields {
		m[k] = parse.NewTargets(ts...)
	}
	return m
}()

func normalizeFortiWeb(r *parse.Record, e *event.Event) error {
	var typ, subtype, date, clock, tz, epoch, eventtime, dateTime, host, url, user, service, status string
	for _, p := range r.Pairs {
		if p.Bare {
			continue
		}
		k, v := p.Key, strings.TrimSpace(p.Value)
		if v == "" || v == "none" || v == "N/A" || v == "Unknown" {
			continue
		}
		switch k {
		case "type":
			typ = v
		case "subtype":
			subtype = v
		case "cat":
			if typ == "" {
				typ = v
			}
		case "date":
			date = v
		case "time":
			clock = v
		case "tz":
			tz = v
		case "timestamp":
			epoch = v
		case "eventtime":
			eventtime = v
		case "date_time":
			dateTime = v
		case "http_host", "ep_domain":
			if host == "" {
				host = v
			}
		case "http_url":
			url = v
		case "user", "user_name", "login_user":
			if user == "" {
				user = v
			}
		case "service":
			service = v
		case "status":
			status = v
		case "proto":
			e.Set("network.iana_number", v)
			e.Set("network.transport", parse.TransportName(v))
		case "severity":
			e.Set("fortiweb.severity", v)
		case "threat_level":
			e.Set("fortiweb.threat_level", v)
		case "sub_type":
			e.Set("fortiweb.sub_type", v)
		default:
			ts, ok := fortiwebRules[k]
			if !ok {
				e.Set("fortiweb."+k, v)
				continue
			}
			for _, t := range ts {
				t.Set(e, v)
			}
		}
	}
	e.Set("event.kind", "event")
	if typ != "" {
		e.Set("event.dataset", strings.TrimSuffix(typ+":"+subtype, ":"))
	}
	// As for FortiGate and FortiProxy, event.category carries the log class.
	if subtype != "" {
		e.Set("event.category", subtype)
	}
	if typ == "attack" || typ == "utm" {
		e.Set("event.kind", "alert")
	}
	if service != "" {
		// "https", "https/tls1.3"; custom service names are not protocols.
		if proto, _, _ := strings.Cut(service, "/"); !strings.ContainsRune(proto, ' ') {
			e.Set("network.protocol", strings.ToLower(proto))
		}
		e.Set("fortiweb.service", service)
	}
	switch strings.ToLower(status) {
	case "success":
		e.Set("event.outcome", "success")
	case "failure", "failed":
		e.Set("event.outcome", "failure")
	}
	if user != "" {
		if name, dom, ok := strings.Cut(user, "@"); ok && name != "" && dom != "" {
			e.Set("user.email", user)
			e.Set("user.name", name)
			e.Set("user.domain", dom)
		} else {
			e.Set("user.name", user)
		}
		e.AppendUnique(event.RelatedUser, e.Str("user.name"))
	}
	if host != "" {
		h, _ := parse.SplitHostPort(host)
		e.Set("url.domain", h)
		parse.SetDomainParts(e, "url", h)
		e.AppendUnique(event.RelatedHosts, h)
	}
	if url != "" {
		path, query, _ := strings.Cut(url, "?")
		e.Set("url.path", path)
		parse.Set(e, "url.query", query)
		e.Set("url.original", url)
	}
	// @timestamp: eventtime (ns), the epoch timestamp, date_time, or
	// date and time in the device zone.
	loc := r.Location()
	if l, ok := parse.ParseOffset(tz); ok {
		loc = l
	}
	switch {
	case eventtime != "":
		if t, ok := parse.ParseEpoch(eventtime); ok {
			e.SetTimestamp(t)
		}
	case epoch != "":
		if t, ok := parse.ParseEpoch(epoch); ok {
			e.SetTimestamp(t)
		}
	case dateTime != "":
		if t, ok := parse.ParseTime(dateTime, loc); ok {
			e.SetTimestamp(t)
		}
	case date != "" && clock != "":
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", date+" "+clock, loc); err == nil {
			e.SetTimestamp(t)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip")
	return nil
}

func init() { all = append(all, fortiweb) }
