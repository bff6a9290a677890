package vendors

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Web servers: nginx and Apache httpd access logs (common, combined, with
// virtual host, the JSON access formats) and error logs.
var nginx = &parse.Vendor{
	ID:       "nginx",
	Aliases:  []string{"nginx-access", "nginx-error"},
	Name:     "nginx",
	Formats:  []parse.Format{parse.FormatAccess, parse.FormatJSON, parse.FormatText},
	Observer: parse.Observer{Vendor: "F5", Product: "nginx", Type: "web"},
	Priority: parse.PriorityWeak,
	Detect: func(r *parse.Record) bool {
		if r.Syslog != nil && strings.HasPrefix(strings.ToLower(r.Syslog.Appname), "nginx") {
			return true
		}
		return nginxError.MatchString(r.Body)
	},
	Normalize: func(r *parse.Record, e *event.Event) error { return normalizeWeb(r, e, "nginx") },
	Verified:  "Elastic nginx pipeline tests (13 events); Sekoia nginx intake tests (10); CrowdSec nginx-logs",
}

var apache = &parse.Vendor{
	ID:       "apache",
	Aliases:  []string{"apache-httpd", "httpd", "apache2"},
	Name:     "Apache HTTP Server",
	Formats:  []parse.Format{parse.FormatAccess, parse.FormatText},
	Observer: parse.Observer{Vendor: "Apache", Product: "httpd", Type: "web"},
	Priority: parse.PriorityWeak,
	Detect: func(r *parse.Record) bool {
		if r.Syslog != nil && (strings.HasPrefix(strings.ToLower(r.Syslog.Appname), "apache") || strings.HasPrefix(r.Syslog.Appname, "httpd")) {
			return true
		}
		return apacheError.MatchString(r.Body) || r.Access != nil
	},
	Normalize: func(r *parse.Record, e *event.Event) error { return normalizeWeb(r, e, "apache") },
	Verified:  "Elastic apache pipeline tests (19 events); Sekoia Apache intake tests (11); CrowdSec apache2-logs",
}

var (
	nginxError  = regexp.MustCompile(`(?s)^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)[#:](\d+):? (?:\*(\d+) )?(.*)$`)
	apacheError = regexp.MustCompile(`(?s)^(?:\[(\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] )?\[(?:([\w-]*):)?(emerg|alert|crit|error|warn|notice|info|debug|trace\d)\](?: \[pid (\d+)(?::tid (\d+))?\])?(?: [^\[]*?)?(?: ?\[client ([^\]]+)\])?\s*(.*)$`)
	sslAccess   = regexp.MustCompile(`^\[([^\]]+)\] (\S+) (TLSv[\d.]+|SSLv\d) (\S+) "([^"]*)" (\S+)`)
	clientKV    = regexp.MustCompile(`client: ([^,]+)`)
	serverKV    = regexp.MustCompile(`server: ([^,]+)`)
	requestKV   = regexp.MustCompile(`request: "(\S+) (\S+) HTTP/([\d.]+)"`)
	hostKV      = regexp.MustCompile(`host: "([^"]+)"`)
	apacheURI   = regexp.MustCompile(`\[uri "([^"]+)"\]`)
	apacheHost  = regexp.MustCompile(`\[hostname "([^"]+)"\]`)
)

func normalizeWeb(r *parse.Record, e *event.Event, product string) error {
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"web"})
	b := strings.TrimSpace(r.Body)
	switch {
	case r.Access != nil:
		parse.AccessLogECS(r, e)
		a := r.Access
		e.Set("event.dataset", "access")
		if a.User == "-" && product == "apache" && a.VHost != "" {
			e.Set("user.name", "-")
		}
		if product == "nginx" && a.HasRefUA && a.UserAgent == "-" {
			e.Set("user_agent.original", "-")
		}
		if product == "nginx" && len(a.Clients) > 0 {
			e.Set("nginx.access.remote_ip_list", a.Clients)
		}
		if a.VHost != "" {
			host, port := parse.SplitHostPort(a.VHost)
			if host != "-" {
				parse.SetAddress(e, "destination", host)
				e.AppendUnique(event.RelatedHosts, host)
				parse.SetDomainParts(e, "destination", host)
			}
			parse.Set(e, "destination.port", port)
			e.Delete("url.domain")
			if host != "-" && !parse.IsIP(host) {
				e.Set("url.domain", host)
			}
		}
		if a.Bytes != "-" {
			parse.Set(e, "http.response.bytes", a.Bytes)
		}
		if a.HasRefUA && a.Referrer == "-" && product == "apache" && a.VHost != "" {
			e.Set("http.request.referrer", "-")
		}
		if a.Method == "" && a.Request != "" {
			e.Set("error.message", "HTTP error: bad request ('"+a.Request+"').")
		}
	case sslAccess.MatchString(b):
		m := sslAccess.FindStringSubmatch(b)
		if t, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[1]); err == nil {
			e.SetTimestamp(t)
		}
		parse.SetAddress(e, "source", m[2])
		e.Set("tls.cipher", m[4])
		if v, ok := strings.CutPrefix(m[3], "TLSv"); ok {
			e.Set("tls.version", v)
			e.Set("tls.version_protocol", "tls")
		}
		if parts := strings.SplitN(m[5], " ", 3); len(parts) == 3 {
			e.Set("http.request.method", parts[0])
			parse.SetURL(e, "url", parts[1])
			e.Set("http.version", strings.TrimPrefix(parts[2], "HTTP/"))
		}
		parse.Set(e, "http.response.body.bytes", m[6])
		e.Set("event.type", []string{"access"})
	case nginxError.MatchString(b):
		m := nginxError.FindStringSubmatch(b)
		if t, err := time.ParseInLocation("2006/01/02 15:04:05", m[1], r.Location()); err == nil {
			e.SetTimestamp(t)
		}
		e.Set("event.type", []string{"error"})
		e.Set("log.level", m[2])
		parse.Set(e, "process.pid", m[3])
		parse.Set(e, "process.thread.id", m[4])
		if m[5] != "" {
			if n, err := strconv.ParseInt(m[5], 10, 64); err == nil {
				e.Set("nginx.error.connection_id", n)
			}
		}
		text := m[6]
		e.Set("message", text)
		if i := strings.Index(text, ", client:"); i > 0 {
			e.Set("error.message", text[:i])
		}
		if c := clientKV.FindStringSubmatch(text); c != nil {
			parse.SetAddress(e, "source", c[1])
		}
		if s := serverKV.FindStringSubmatch(text); s != nil {
			parse.SetAddress(e, "destination", s[1])
		}
		if q := requestKV.FindStringSubmatch(text); q != nil {
			e.Set("http.request.method", q[1])
			parse.SetURL(e, "url", q[2])
			e.Set("http.version", q[3])
		}
		if h := hostKV.FindStringSubmatch(text); h != nil {
			host, _ := parse.SplitHostPort(h[1])
			e.Set("url.domain", host)
		}
	case apacheError.MatchString(b):
		m := apacheError.FindStringSubmatch(b)
		for _, layout := range []string{"Mon Jan 02 15:04:05.000000 2006", "Mon Jan 02 15:04:05 2006"} {
			if t, err := time.ParseInLocation(layout, m[1], r.Location()); err == nil {
				e.SetTimestamp(t)
				break
			}
		}
		e.Set("event.type", []string{"error"})
		level := m[3]
		e.Set("log.level", level)
		if m[2] != "" {
			e.Set("apache.error.module", m[2])
		}
		parse.Set(e, "process.pid", m[4])
		parse.Set(e, "process.id", m[4])
		parse.Set(e, "process.thread.id", m[5])
		if c := m[6]; c != "" {
			host, port := parse.SplitHostPort(strings.ReplaceAll(c, " ", ""))
			parse.SetAddress(e, "source", host)
			parse.Set(e, "source.port", port)
		}
		text := m[7]
		e.Set("message", text)
		if p, ok := strings.CutPrefix(text, "File does not exist: "); ok {
			e.Set("file.path", p)
		}
		switch level {
		case "info", "notice", "debug":
			e.Set("event.outcome", "success")
			e.Set("event.type", []string{"info"})
		default:
			e.Set("event.outcome", "failure")
		}
		if u := apacheURI.FindStringSubmatch(text); u != nil {
			parse.SetURL(e, "url", u[1])
		}
		if h := apacheHost.FindStringSubmatch(text); h != nil {
			parse.SetAddress(e, "destination", h[1])
			parse.SetDomainParts(e, "destination", h[1])
			e.AppendUnique(event.RelatedHosts, h[1])
		}
	case r.JSON != nil:
		webJSON(r, e)
	default:
		parse.SyslogProcess(r, e)
	}
	if r.Syslog != nil && !r.Syslog.TimestampHasZone && r.Access == nil {
		e.Set("event.timezone", zoneName(r.Location()))
	}
	if product == "apache" {
		if code, ok := e.Int("http.response.status_code"); ok && code >= 300 && code < 400 {
			e.Set("event.outcome", "redirect")
		}
	}
	if product == "nginx" && e.Has("event.type") {
		if !e.Has("event.dataset") {
			e.Set("event.dataset", "access")
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "user.name")
	if e.Str("user.name") == "-" {
		e.Delete(event.RelatedUser)
	}
	return nil
}

// webJSON maps the JSON access log formats nginx is often configured with.
func webJSON(r *parse.Record, e *event.Event) {
	j := r.JSON
	get := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := parse.JSONString(j, k); ok && v != "" && v != "-" {
				return v
			}
		}
		return ""
	}
	e.Set("event.dataset", "access")
	e.Set("event.type", []string{"access"})
	if t := get("timestamp", "time_iso8601", "time_local", "@timestamp"); t != "" {
		if ts, ok := parse.ParseTime(t, r.Location()); ok {
			e.SetTimestamp(ts)
		}
	}
	parse.SetAddress(e, "source", get("remote_addr", "client_ip", "realip_remote_addr"))
	if h := get("host", "server_name"); h != "" {
		parse.SetAddress(e, "destination", h)
		e.AppendUnique(event.RelatedHosts, h)
	}
	parse.Set(e, "destination.ip", get("server_addr"))
	parse.Set(e, "destination.port", get("server_port"))
	parse.Set(e, "host.name", get("host_name", "hostname"))
	parse.Set(e, "http.response.bytes", get("body_bytes_sent", "bytes_sent"))
	status := get("response_status", "status")
	parse.Set(e, "http.response.status_code", status)
	if n, err := strconv.Atoi(status); err == nil {
		if n < 400 {
			e.Set("event.outcome", "success")
		} else {
			e.Set("event.outcome", "failure")
		}
	}
	parse.Set(e, "http.request.referrer", get("http_referer", "http_referrer", "referer"))
	if up := get("upstream_addr"); up != "" {
		host, port := parse.SplitHostPort(up)
		parse.Set(e, "destination.ip", host)
		parse.Set(e, "destination.port", port)
	}
	if xff := get("http_x_forwarded_for"); xff != "" {
		for _, ip := range strings.Split(xff, ",") {
			parse.Set(e, "network.forwarded_ip", strings.TrimSpace(ip))
		}
	}
	parse.Set(e, "user_agent.original", get("http_user_agent", "user_agent"))
	if rt := get("request_time"); rt != "" {
		if f, err := strconv.ParseFloat(rt, 64); err == nil {
			e.Set("event.duration", f*1e9)
		}
	}
	req := get("request")
	if parts := strings.SplitN(req, " ", 3); len(parts) == 3 {
		e.Set("http.request.method", parts[0])
		parse.SetURL(e, "url", parts[1])
		proto := parts[2]
		if v, ok := strings.CutPrefix(proto, "HTTP/"); ok {
			e.Set("http.version", v)
			scheme := get("http_scheme", "scheme")
			if scheme == "" {
				scheme = "http"
			}
			e.Set("network.protocol", scheme)
		}
	} else {
		parse.Set(e, "http.request.method", get("request_method", "method"))
		if u := get("request_uri", "uri"); u != "" {
			parse.SetURL(e, "url", u)
		}
		if p := get("server_protocol", "protocol", "http_version"); p != "" {
			if v, ok := strings.CutPrefix(p, "HTTP/"); ok {
				e.Set("http.version", v)
			}
		}
	}
}

func init() { all = append(all, nginx, apache) }
