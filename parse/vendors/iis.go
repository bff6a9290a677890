package vendors

import (
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Microsoft IIS logs, in either of the two formats IIS writes:
//
//   - the IIS log format (comma-separated, fixed fields): client IP, user
//     name, date (MM/DD/YYYY), time, service and instance (W3SVC1), server
//     name, server IP, time taken (ms), client bytes sent, server bytes sent,
//     status code, Windows status code, request method, target, parameters;
//   - the W3C extended format (space-separated, fields named by the file's
//     #Fields directive, which the receiver passes as Hint.Fields; the IIS
//     default fields otherwise).
var iis = &parse.Vendor{
	ID:       "microsoft-iis",
	Aliases:  []string{"iis", "ms-iis", "microsoft_iis"},
	Name:     "Microsoft IIS",
	Formats:  []parse.Format{parse.FormatCSV, parse.FormatW3C},
	Observer: parse.Observer{Vendor: "Microsoft", Product: "IIS", Type: "web"},
	Detect: func(r *parse.Record) bool {
		c := r.CSV
		return r.Format == parse.FormatCSV && len(c) >= 15 && len(c) <= 16 && iisService(strings.TrimSpace(c[4])) &&
			strings.Count(c[2], "/") == 2
	},
	Normalize: normalizeIIS,
	Verified:  "Sekoia Microsoft IIS intake test (1 event, IIS log format); W3C extended logs by the generic W3C reader",
}

// iisService recognises the service-instance column: W3SVC1, MSFTPSVC1,
// SMTPSVC1, NNTPSVC1.
func iisService(s string) bool {
	for _, p := range []string{"W3SVC", "MSFTPSVC", "SMTPSVC", "NNTPSVC"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func normalizeIIS(r *parse.Record, e *event.Event) error {
	if r.Format == parse.FormatW3C {
		parse.W3CECS(r, e)
		return nil
	}
	fields := r.CSV
	if fields == nil {
		if r.Format != parse.FormatText && r.Format != parse.FormatKV {
			return nil
		}
		// A comma-separated line that format detection did not take for
		// CSV ('=' in the parameters).
		fields = strings.Split(r.Body, ",")
	}
	c := make([]string, len(fields))
	for i, v := range fields {
		c[i] = strings.TrimSpace(v)
	}
	if len(c) < 14 {
		e.Set("event.reason", r.Body)
		return nil
	}
	get := func(i int) string {
		if i >= len(c) || c[i] == "-" {
			return ""
		}
		return c[i]
	}
	e.Set("event.kind", "event")
	e.Set("event.category", []string{"web"})
	e.Set("event.type", []string{"access"})
	if ip := get(0); ip != "" {
		parse.SetAddress(e, "client", ip)
		parse.SetAddress(e, "source", ip)
	}
	if u := get(1); u != "" {
		e.Set("user.name", u)
	}
	if d, t := get(2), get(3); d != "" && t != "" {
		// IIS writes this format in the server's local time.
		if ts, err := time.ParseInLocation("1/2/2006 15:04:05", d+" "+t, r.Location()); err == nil {
			e.SetTimestamp(ts)
		}
	}
	parse.Set(e, "service.name", get(4))
	if n := get(5); n != "" {
		e.Set("observer.name", n)
		e.Set("host.name", n)
	}
	if ip := get(6); ip != "" {
		parse.SetAddress(e, "server", ip)
		parse.SetAddress(e, "destination", ip)
	}
	if ms, err := strconv.ParseInt(get(7), 10, 64); err == nil && ms >= 0 {
		e.Set("event.duration", ms*int64(time.Millisecond))
	}
	parse.Set(e, "client.bytes", get(8))
	parse.Set(e, "http.request.bytes", get(8))
	parse.Set(e, "server.bytes", get(9))
	parse.Set(e, "http.response.bytes", get(9))
	parse.Set(e, "http.response.status_code", get(10))
	if code, ok := e.Int("http.response.status_code"); ok {
		if code >= 400 {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	}
	parse.Set(e, "iis.win32_status", get(11))
	parse.Set(e, "http.request.method", get(12))
	if target := get(13); target != "" {
		e.Set("url.path", target)
		if i := strings.LastIndexByte(target, '.'); i >= 0 && i > strings.LastIndexByte(target, '/') && i < len(target)-1 {
			e.Set("url.extension", target[i+1:])
		}
		orig := target
		if q := get(14); q != "" {
			e.Set("url.query", q)
			orig += "?" + q
		}
		e.Set("url.original", orig)
	}
	parse.FillRelated(e, "client.ip", "server.ip", "user.name")
	return nil
}

func init() { all = append(all, iis) }
