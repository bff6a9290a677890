package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// HAProxy logs:
//
//   - HTTP log format (option httplog):
//     client:port [accept_date] frontend backend/server Tq/Tw/Tc/Tr/Ta status
//     bytes_read req_cookie res_cookie termination_state
//     actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
//     {captured request headers} {captured response headers} "request"
//     and whatever a custom log-format appends (often the TLS version);
//   - TCP log format (option tcplog): the same up to the termination state,
//     with Tw/Tc/Tt timers and no HTTP part;
//   - connection errors: client:port [accept_date] frontend/bind: message;
//   - HAProxy Enterprise JSON access logs ("hapee-lb[pid]: [ACCESS] ...
//     {json}") with its WAF fields.
var haproxy = &parse.Vendor{
	ID:       "haproxy",
	Aliases:  []string{"haproxy-enterprise", "hapee", "hapee-lb"},
	Name:     "HAProxy",
	Formats:  []parse.Format{parse.FormatText, parse.FormatJSON},
	Observer: parse.Observer{Vendor: "HAProxy", Product: "HAProxy", Type: "proxy"},
	Detect: func(r *parse.Record) bool {
		b := strings.TrimLeft(r.Body, " ")
		if strings.HasPrefix(b, "haproxy[") || strings.HasPrefix(b, "hapee-lb[") {
			return true
		}
		if r.Syslog != nil && (r.Syslog.Appname == "haproxy" || r.Syslog.Appname == "hapee-lb") {
			return true
		}
		_, _, _, ok := haproxyHead(b)
		return ok
	},
	Normalize: normalizeHAProxy,
	Verified:  "Sekoia HAProxy intake tests (7 events: HTTP log format with TLS and custom fields, error log, Enterprise JSON)",
}

// haproxyHead reads "client:port [dd/Mon/yyyy:hh:mm:ss.mmm] " and returns
// the client address, port, the date text and the rest.
func haproxyHead(s string) (client string, date string, rest string, ok bool) {
	sp := strings.IndexByte(s, ' ')
	if sp < 3 || sp > 64 || len(s) < sp+3 || s[sp+1] != '[' {
		return "", "", "", false
	}
	end := strings.IndexByte(s[sp+2:], ']')
	if end < 20 || end > 32 {
		return "", "", "", false
	}
	date = s[sp+2 : sp+2+end]
	if date[2] != '/' || date[6] != '/' || date[11] != ':' {
		return "", "", "", false
	}
	client = s[:sp]
	host, port := parse.SplitHostPort(client)
	if port == "" || !parse.IsIP(host) {
		return "", "", "", false
	}
	return client, date, strings.TrimLeft(s[sp+2+end+1:], " "), true
}

func normalizeHAProxy(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	b := strings.TrimSpace(r.Body)
	if i := strings.IndexByte(b, '{'); i >= 0 && (strings.Contains(b[:i], "[ACCESS]") || i == 0) {
		if j, err := parse.DecodeJSON(b[i:]); err == nil {
			haproxyJSON(r, e, j)
			return nil
		}
	}
	// A "haproxy[pid]: " tag when no syslog header carried it.
	if i := strings.Index(b, "]: "); i > 0 && i < 64 && strings.IndexByte(b[:i], ' ') < 0 && strings.IndexByte(b[:i], '[') > 0 {
		b = b[i+3:]
	}
	client, date, rest, ok := haproxyHead(b)
	if !ok {
		e.Set("event.reason", b)
		return nil
	}
	host, port := parse.SplitHostPort(client)
	parse.SetAddress(e, "source", host)
	parse.Set(e, "source.port", port)
	e.AppendUnique(event.RelatedIP, e.Str("source.ip"))
	if t, err := time.ParseInLocation("02/Jan/2006:15:04:05.000", date, r.Location()); err == nil {
		e.SetTimestamp(t)
	} else if t, err := time.ParseInLocation("02/Jan/2006:15:04:05", date, r.Location()); err == nil {
		e.SetTimestamp(t)
	}

	f := strings.Fields(rest)
	if len(f) >= 1 && strings.HasSuffix(f[0], ":") {
		// Connection error: "frontend/bind: message".
		fe, bind, _ := strings.Cut(strings.TrimSuffix(f[0], ":"), "/")
		e.Set("haproxy.frontend_name", fe)
		parse.Set(e, "haproxy.bind_name", bind)
		msg := strings.TrimSpace(rest[len(f[0]):])
		e.Set("error.message", msg)
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"connection", "error"})
		e.Set("event.outcome", "failure")
		return nil
	}
	if len(f) < 5 {
		e.Set("event.reason", rest)
		return nil
	}
	e.Set("haproxy.frontend_name", strings.TrimSuffix(f[0], "~"))
	if strings.HasSuffix(f[0], "~") {
		e.Set("haproxy.frontend_transport", "ssl")
	}
	be, srv, _ := strings.Cut(f[1], "/")
	e.Set("haproxy.backend_name", be)
	parse.Set(e, "haproxy.server_name", srv)
	timers := strings.Split(f[2], "/")
	http := len(timers) == 5
	if tt := timers[len(timers)-1]; tt != "" {
		if ms, err := strconv.ParseInt(strings.TrimPrefix(tt, "+"), 10, 64); err == nil && ms >= 0 {
			e.Set("event.duration", ms*int64(time.Millisecond))
		}
	}
	e.Set("haproxy.timers", f[2])
	if !http {
		// TCP log: Tw/Tc/Tt bytes_read termination_state ...
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"connection"})
		parse.Set(e, "destination.bytes", f[3])
		parse.Set(e, "haproxy.termination_state", f[4])
		return nil
	}
	e.Set("event.category", []string{"web"})
	e.Set("event.type", []string{"access"})
	parse.Set(e, "http.response.status_code", f[3])
	parse.Set(e, "http.response.bytes", f[4])
	if code, ok := e.Int("http.response.status_code"); ok && code > 0 {
		if code >= 400 {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	if len(f) > 7 {
		parse.Set(e, "haproxy.termination_state", f[7])
	}
	// Captured headers, the request line, then custom trailing fields.
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		return nil
	}
	if i := strings.IndexByte(rest[:q], '{'); i >= 0 {
		if j := strings.IndexByte(rest[i:q], '}'); j > 0 {
			e.Set("haproxy.captured_request_headers", rest[i+1:i+j])
		}
	}
	// HAProxy escapes quotes inside the request line, so the next quote
	// closes it; custom fields may follow.
	end := len(rest)
	if i := strings.IndexByte(rest[q+1:], '"'); i >= 0 {
		end = q + 1 + i
	}
	req := rest[q+1 : end]
	method, target, proto := req, "", ""
	if i := strings.IndexByte(req, ' '); i > 0 {
		method, target = req[:i], req[i+1:]
		if j := strings.LastIndexByte(target, ' '); j > 0 && strings.HasPrefix(target[j+1:], "HTTP/") {
			target, proto = target[:j], target[j+1:]
		}
	}
	if method != "" && method != "<BADREQ>" {
		e.Set("http.request.method", method)
	}
	if target != "" {
		haproxyURL(e, target)
	}
	if v, ok := strings.CutPrefix(proto, "HTTP/"); ok {
		e.Set("http.version", v)
	}
	if end < len(rest) {
		for _, t := range strings.Fields(rest[end+1:]) {
			switch {
			case strings.HasPrefix(t, "TLSv") || strings.HasPrefix(t, "SSLv"):
				e.Set("tls.version_protocol", strings.ToLower(t[:3]))
				e.Set("tls.version", t[4:])
			case strings.HasPrefix(t, "TLS_") || strings.HasPrefix(t, "ECDHE-") || strings.HasPrefix(t, "AES") || strings.HasPrefix(t, "DHE-"):
				e.Set("tls.cipher", t)
			}
		}
	}
	return nil
}

// haproxyURL sets url.* from a request target, keeping it as sent when it
// does not parse as a URL (attack payloads).
func haproxyURL(e *event.Event, target string) {
	e.Set("url.original", target)
	path, query, _ := strings.Cut(target, "?")
	if strings.Contains(path, "://") {
		parse.SetURL(e, "url", target)
		return
	}
	e.Set("url.path", path)
	if query != "" {
		e.Set("url.query", query)
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 && i > strings.LastIndexAny(path, `/\`) && i < len(path)-1 {
		e.Set("url.extension", path[i+1:])
	}
}

// haproxyJSON maps HAProxy Enterprise JSON access logs.
func haproxyJSON(r *parse.Record, e *event.Event, j map[string]any) {
	str := func(k string) string { s, _ := event.Stringify(j[k]); return s }
	e.Set("event.category", []string{"web"})
	e.Set("event.type", []string{"access"})
	if ip := str("ip"); ip != "" {
		parse.SetAddress(e, "source", ip)
		e.AppendUnique(event.RelatedIP, e.Str("source.ip"))
	}
	parse.Set(e, "source.port", str("port"))
	if d := str("date"); d != "" {
		if t, ok := parse.ParseEpoch(d); ok {
			e.SetTimestamp(t)
		}
	}
	parse.Set(e, "http.request.method", str("meth"))
	parse.Set(e, "http.response.status_code", str("code"))
	parse.Set(e, "http.response.bytes", str("bytes"))
	if v, ok := strings.CutPrefix(str("vers"), "HTTP/"); ok {
		e.Set("http.version", v)
	}
	parse.Set(e, "user_agent.original", str("ua"))
	if h := str("fqdn"); h != "" {
		e.Set("destination.domain", h)
		e.Set("destination.address", h)
		parse.SetDomainParts(e, "destination", h)
		e.AppendUnique(event.RelatedHosts, h)
	}
	if p := str("path"); p != "" {
		haproxyURL(e, p)
	}
	if ms, err := strconv.ParseInt(str("tt"), 10, 64); err == nil && ms >= 0 {
		e.Set("event.duration", ms*int64(time.Millisecond))
	}
	parse.Set(e, "event.action", str("action"))
	parse.Set(e, "haproxy.backend_name", str("backend"))
	parse.Set(e, "haproxy.termination_state", str("state"))
	parse.Set(e, "haproxy.waf.status", str("status"))
	parse.Set(e, "haproxy.unique_id", str("uniqueid"))
	if code, ok := e.Int("http.response.status_code"); ok && code > 0 {
		if code >= 400 {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
}

func init() { all = append(all, haproxy) }
