package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Imperva Cloud WAF (Incapsula) sends its access and security events to a
// SIEM as CEF ("CEF:0|Incapsula|SIEMintegration|1|1|<event class>|<sev>|"),
// with Incapsula's own extension keys next to the CEF dictionary
// (sourceServiceName = the protected site, cpt = client port, cn1 = the
// response code, cs1..cs11 = client capabilities, visitor id, rule names,
// xff, ver = "TLSv1.2 <cipher>", act = REQ_PASSED, REQ_BLOCKED_*,
// REQ_CHALLENGED_*, REQ_CACHED_*, REQ_BAD_*, ...). Attack Analytics
// incidents come as "CEF:0|Imperva Inc|Attack Analytics|...".
var impervaWAF = &parse.Vendor{
	ID:       "imperva-waf",
	Aliases:  []string{"imperva", "incapsula", "imperva-cloud-waf", "imperva_waf"},
	Name:     "Imperva Cloud WAF (Incapsula) and Attack Analytics",
	Formats:  []parse.Format{parse.FormatCEF},
	Observer: parse.Observer{Vendor: "Imperva", Product: "Web Application Firewall", Type: "firewall"},
	Detect: func(r *parse.Record) bool {
		if r.CEF == nil {
			return false
		}
		v := r.CEF.DeviceVendor
		return strings.EqualFold(v, "Incapsula") || hasPrefixFoldASCII(v, "Imperva")
	},
	Normalize: normalizeImperva,
	Verified:  "Sekoia Imperva WAF intake tests (8 events: passed, cached, blocked, challenged, bad and unresolved requests, Attack Analytics)",
}

// impervaReasons explains the request results (Imperva's SIEM log field
// reference, "act").
var impervaReasons = map[string]string{
	"REQ_BAD_PARSE_ERROR":                      "The HTTP request was malformated",
	"REQ_BAD_TIMEOUT":                          "The HTTP request reached the idle timeout",
	"REQ_BAD_RESP_PARSE_ERROR":                 "The HTTP response was malformated",
	"REQ_BAD_CONNECTION_TO_SERVER":             "The destination server reset the connection",
	"REQ_BAD_CLIENT_CLOSED_CONNECTION":         "The client closed the connection before receiving the full response",
	"REQ_BLOCKED_SESSION":                      "The request was blocked based on WAF settings",
	"REQ_BLOCKED_SECURITY":                     "The request was blocked based on Security settings",
	"REQ_BLOCKED_ACL":                          "The request was blocked based on Security settings",
	"REQ_BLOCKED_VISITOR":                      "The request was blocked based on WAF settings",
	"REQ_BLOCKED_DDOS":                         "The request was blocked due to a DDoS attack",
	"REQ_BAD_TIMEOUT_CONNECTION_TO_SERVER":     "The proxy failed to connect the destination",
	"REQ_UNRESOLVED_SITE_UNKNOWN":              "The proxy failed to resolve the destination",
	"REQ_UNRESOLVED_SITE_DUPLICATE":            "The proxy failed to resolve the destination",
	"REQ_UNRESOLVED_SITE_INVALID_CNAME":        "The proxy failed to resolve the destination",
	"REQ_BAD_CONNECTION_TO_SERVER_SSL_FAILURE": "The proxy failed to connect the destination",
	"REQ_SSL_NOT_SUPPORTED":                    "SSL connections are disabled",
	"REQ_NO_IP_FOUND":                          "The proxy failed to resolve the destination",
	"REQ_ILLEGAL_PORT":                         "Unsupported destination port",
	"REQ_ALL_IPS_DOWN":                         "The destination is unavailable",
	"REQ_POST_TIMEOUT":                         "The HTTP request reached the timeout",
	"REQ_BAD_SERVER_CERTIFICATE":               "The certificate of the destination is invalid",
	"REQ_IPV6_NOT_SUPPORTED":                   "The destination doesn't support IPv6 addresses",
	"REQ_LOCKED_IP_VIOLATION":                  "The request was blocked based on Security settings",
	"REQ_DOMAIN_BLACKLISTED":                   "The destination was blacklisted",
	"REQ_ILLEGAL_IP_VIOLATION":                 "The proxy failed to resolve the destination",
	"REQ_SSL_CERT_HOST_MISMATCH":               "The certificate of the destination is invalid",
	"REQ_NON_SNI_FORBIDDEN":                    "The certificate of the destination doesn't support SNI",
	"REQ_CLIENT_CERT_REQUIRED":                 "The request was blocked as a client certificate is required",
	"REQ_TOO_MANY_CONNECTIONS_TO_ORIGIN":       "Too many connections on the destination",
}

// impervaDenied are the results that refuse the connection; the other
// REQ_BAD_*/REQ_UNRESOLVED_* and the timeouts are errors.
var impervaDenied = map[string]bool{
	"REQ_SSL_NOT_SUPPORTED": true, "REQ_NO_IP_FOUND": true, "REQ_ILLEGAL_PORT": true, "REQ_LOCKED_IP_VIOLATION": true,
	"REQ_DOMAIN_BLACKLISTED": true, "REQ_ILLEGAL_IP_VIOLATION": true, "REQ_SSL_CERT_HOST_MISMATCH": true,
	"REQ_NON_SNI_FORBIDDEN": true, "REQ_CLIENT_CERT_REQUIRED": true, "REQ_TOO_MANY_CONNECTIONS_TO_ORIGIN": true,
}

func normalizeImperva(r *parse.Record, e *event.Event) error {
	c := r.CEF
	if c == nil {
		return errNotVendorRecord("Imperva CEF")
	}
	f := cefLabeledFields(r)
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := f[k]; v != "" {
				return v
			}
		}
		return ""
	}
	e.Set("event.dataset", "imperva-waf")
	e.Set("event.module", "imperva.waf")
	e.Set("event.category", []string{"network"})
	e.Set("event.type", []string{"connection", "access"})
	e.Set("imperva.event.class_id", strings.TrimSpace(c.Name))
	if n, err := strconv.ParseInt(strings.TrimSpace(c.Severity), 10, 64); err == nil {
		e.Set("event.severity", n)
	}
	start, okStart := parse.ParseEpoch(f["start"])
	end, okEnd := parse.ParseEpoch(f["end"])
	if okStart {
		e.SetTimestamp(start)
		e.Set("event.start", start)
	}
	if okEnd {
		e.Set("event.end", end)
	}
	if okStart && okEnd {
		e.Set("event.duration", int64(end.Sub(start)/time.Nanosecond))
	}
	parse.Set(e, "user_agent.original", get("requestClientApplication"))
	if u := get("request"); u != "" {
		impervaURL(e, u)
	}
	parse.Set(e, "url.query", get("qstr"))
	parse.Set(e, "http.request.referrer", get("ref"))
	parse.Set(e, "http.request.method", get("requestMethod", "requestmethod"))
	parse.Set(e, "http.response.status_code", get("cn1"))
	parse.Set(e, "http.request.bytes", get("in"))
	parse.Set(e, "http.request.id", get("deviceExternalId", "deviceExternalID"))
	if app := get("app"); app != "" {
		e.Set("network.protocol", strings.ToLower(app))
	}
	if x := get("xff"); x != "" {
		parse.Set(e, "network.forwarded_ip", x)
		e.Set("imperva.request.x_forwarded_for", x)
	}
	parse.Set(e, "source.port", get("cpt"))
	parse.Set(e, "source.ip", get("src"))
	for _, k := range []string{"sourceServiceName", "dhost"} {
		if d := f[k]; d != "" {
			parse.Set(e, "destination.domain", d)
			parse.SetDomainParts(e, "destination", d)
			break
		}
	}
	parse.Set(e, "organization.name", get("Customer"))
	if cs9 := get("cs9"); cs9 != "" {
		e.Set("rule.name", cs9)
		var names []string
		for _, n := range strings.Split(cs9, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			e.Set("imperva.rule.names", names)
		}
	}
	if ver := get("ver"); ver != "" {
		// "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256"
		proto, cipher, _ := strings.Cut(ver, " ")
		if name, v, ok := strings.Cut(proto, "v"); ok {
			e.Set("tls.version_protocol", strings.ToLower(name))
			e.Set("tls.version", v)
		}
		parse.Set(e, "tls.cipher", strings.TrimSpace(cipher))
	}
	if act := get("act"); act != "" {
		e.Set("event.action", act)
		impervaResult(e, act)
	}
	if c.DeviceProduct == "SIEMintegration" {
		for k, field := range map[string]string{
			"deviceFacility": "imperva.pop", "additionalReqHeaders": "imperva.request.headers",
			"additionalResHeaders": "imperva.response.headers", "cs1": "imperva.client.captcha_support",
			"cs4": "imperva.visitor.id", "dproc": "imperva.user_agent.type", "filetype": "imperva.attack.type",
			"filepermission": "imperva.attack.id", "cs11": "imperva.rule.additional_info",
		} {
			if v := f[k]; v != "" {
				e.Set(field, v)
			}
		}
		if v := get("fileId", "fileid"); v != "" {
			e.Set("imperva.session.id", v)
		}
		e.Set("imperva.client.js_support", f["cs2"] == "true")
		e.Set("imperva.client.cookie_support", f["cs3"] == "true")
	} else {
		// Attack Analytics: the incident's country, dominant IPs and attack type.
		if v := f["ImpervaAAAttackType"]; v != "" {
			e.Set("imperva.attack.type", v)
		}
		if v := f["msg"]; v != "" {
			e.Set("event.reason", v)
		}
	}
	for _, role := range []string{"source", "destination"} {
		if d := e.Str(role + ".domain"); d != "" {
			e.Set(role+".address", d)
		} else if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.domain", "source.domain", "url.domain")
	return nil
}

// impervaURL reads the request, "<site>/<path>" without a scheme (or a
// full URL).
func impervaURL(e *event.Event, u string) {
	if strings.Contains(u, "://") {
		setURLFullParts(e, u)
		return
	}
	e.Set("url.original", u)
	e.Set("url.full", u)
	host, path, hasPath := strings.Cut(u, "/")
	if host != "" && !strings.ContainsAny(host, " ?#") {
		e.Set("url.domain", host)
	}
	if hasPath {
		path = "/" + path
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		e.Set("url.path", path)
	}
}

// impervaResult sets event.type, event.reason and the normalized action of
// a request result.
func impervaResult(e *event.Event, act string) {
	switch {
	case act == "REQ_PASSED" || strings.HasPrefix(act, "REQ_CACHED"):
		e.Set("event.type", []string{"connection", "allowed"})
	case strings.HasPrefix(act, "REQ_BLOCKED"):
		e.Set("event.type", []string{"connection", "denied"})
		e.Set("event.action", "block")
		e.Set("event.reason", "The connection was blocked")
	case strings.HasPrefix(act, "REQ_CHALLENGED"):
		e.Set("event.type", []string{"connection", "denied"})
		e.Set("event.reason", "A challenge was submitted to the client")
	case impervaDenied[act]:
		e.Set("event.type", []string{"connection", "denied"})
	case strings.HasPrefix(act, "REQ_BAD") || strings.HasPrefix(act, "REQ_UNRESOLVED") || act == "REQ_ALL_IPS_DOWN" ||
		act == "REQ_POST_TIMEOUT" || act == "REQ_IPV6_NOT_SUPPORTED":
		e.Set("event.type", []string{"connection", "error"})
	}
	if reason, ok := impervaReasons[act]; ok && !strings.HasPrefix(act, "REQ_BLOCKED") {
		e.Set("event.reason", reason)
	}
}

func init() { all = append(all, impervaWAF) }
