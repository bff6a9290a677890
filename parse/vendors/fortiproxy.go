package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Fortinet FortiProxy logs: the FortiOS key=value format FortiGate uses
// (devname, devid, logid, type, subtype, ...), with the proxy's own log
// subtypes (traffic "http-transaction", utm "webfilter", "app-ctrl",
// "ssl", "dlp", "virus") and fields (hostname and url of the request,
// reqlength/resplength, catdesc). FortiClient traffic logs relayed through
// it carry the visited host in remotename and the endpoint in hostname.
//
// FortiProxy serial numbers start with "FPX"; the http-transaction subtype
// is FortiProxy's alone. Detection runs before FortiGate, whose markers the
// messages share.
var fortiproxy = &parse.Vendor{
	ID:       "fortinet-fortiproxy",
	Aliases:  []string{"fortiproxy", "fortinet_fortiproxy"},
	Name:     "Fortinet FortiProxy",
	Formats:  []parse.Format{parse.FormatKV},
	Observer: parse.Observer{Vendor: "Fortinet", Product: "FortiProxy", Type: "proxy"},
	Priority: -1,
	Detect: func(r *parse.Record) bool {
		if r.Format != parse.FormatKV {
			return false
		}
		if d, ok := r.Pairs.Get("devid"); ok && strings.HasPrefix(d, "FPX") {
			return true
		}
		st, ok := r.Pairs.Get("subtype")
		return ok && st == "http-transaction" && r.Pairs.Has("logid")
	},
	Normalize: normalizeFortiProxy,
	Verified:  "Sekoia FortiProxy intake tests (18 events)",
}

func normalizeFortiProxy(r *parse.Record, e *event.Event) error {
	if err := normalizeFortinet(r, e); err != nil {
		return err
	}
	get := func(k string) string {
		v, _ := r.Pairs.Get(k)
		if v == "N/A" {
			return ""
		}
		return v
	}
	e.Set("event.kind", "event")
	// As for FortiGate, event.category carries the FortiOS log class, here
	// the subtype; event.dataset keeps "type:subtype".
	if st := get("subtype"); st != "" {
		e.Set("event.category", st)
	}
	if ts := e.Timestamp(); !ts.IsZero() && get("eventtime") != "" {
		e.Set("event.start", ts)
	}
	if s := get("service"); s != "" {
		e.Set("service.name", strings.ToLower(s))
	}
	if c := get("catdesc"); c != "" {
		e.Set("rule.category", c)
	}
	parse.Set(e, "http.request.bytes", get("reqlength"))
	parse.Set(e, "http.response.bytes", get("resplength"))
	parse.Set(e, "http.response.status_code", get("statuscode"))
	if f := get("filename"); f != "" {
		e.Set("file.name", f)
	}
	parse.Set(e, "file.type", get("filetype"))
	parse.Set(e, "file.size", get("filesize"))

	// The visited host: remotename (FortiClient), dstname, or hostname.
	host := get("remotename")
	if host != "" {
		if h := get("hostname"); h != "" {
			e.Delete("destination.domain")
			e.Set("host.hostname", h)
		}
	} else if host = get("hostname"); host == "" {
		host = get("dstname")
	}
	if host != "" {
		e.Set("destination.domain", host)
		e.Set("destination.address", host)
		parse.SetDomainParts(e, "destination", host)
	}
	if u := get("url"); u != "" {
		full := u
		if !strings.Contains(u, "://") && host != "" {
			full = fortiproxyScheme(get("scheme"), get("service"), get("dstport")) + "://" + host + u
		}
		for _, k := range []string{"url.path", "url.query", "url.extension", "url.domain", "url.scheme", "url.port", "url.full"} {
			e.Delete(k)
		}
		parse.SetURL(e, "url", full)
		e.Set("url.original", u)
		if strings.Contains(full, "://") {
			e.Set("url.full", full)
		}
		completeURL(e)
	} else if host != "" {
		e.Set("url.domain", host)
		parse.SetDomainParts(e, "url", host)
	}

	// related.hosts: the proxy and the hosts of the request.
	e.Delete(event.RelatedHosts)
	for _, f := range []string{"observer.hostname", "destination.domain", "source.domain"} {
		if s := e.Str(f); s != "" {
			e.AppendUnique(event.RelatedHosts, s)
		}
	}
	return nil
}

// fortiproxyScheme guesses the scheme of a request logged with a relative
// URL: the logged scheme, else the service, else the port.
func fortiproxyScheme(scheme, service, port string) string {
	switch {
	case scheme != "":
		return strings.ToLower(scheme)
	case strings.EqualFold(service, "https") || port == "443":
		return "https"
	}
	return "http"
}

func init() { all = append(all, fortiproxy) }
