package vendors

import (
	"fmt"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Helpers shared by the normalizers of security products (EDR, WAF, NAC,
// DNS) that send URLs, host names and account names in their own shapes.

// setURLFull sets url.* from raw like parse.SetURL and, for an absolute URL,
// url.full and the scheme's default port when none is given.
func setURLFull(e *event.Event, raw string) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "-" {
		return
	}
	parse.SetURL(e, "url", raw)
	s := e.Str("url.scheme")
	if s == "" || !strings.Contains(raw, "://") {
		return
	}
	e.Set("url.full", raw)
	if !e.Has("url.port") {
		switch strings.ToLower(s) {
		case "http", "ws":
			e.Set("url.port", int64(80))
		case "https", "wss":
			e.Set("url.port", int64(443))
		case "ftp":
			e.Set("url.port", int64(21))
		}
	}
}

// setURLFullParts is setURLFull plus the registered domain, subdomain and
// top-level domain of url.domain.
func setURLFullParts(e *event.Event, raw string) {
	setURLFull(e, raw)
	if d := e.Str("url.domain"); d != "" {
		parse.SetDomainParts(e, "url", d)
	}
}

// errNotVendorRecord reports a hinted record that is not in the vendor's
// format.
func errNotVendorRecord(product string) error {
	return fmt.Errorf("not a %s record", product)
}

// cefLabeledFields returns a CEF record's extensions by key, with the custom
// fields (cs1..cs6, cn1..cn3, cfp1..cfp4, flexString1..2, c6a1..c6a4,
// deviceCustomDate1..2) also under the name their label gives them
// ("cs1Label=Rule cs1=x" gives Rule=x), as CEF consumers read them.
func cefLabeledFields(r *parse.Record) map[string]string {
	m := make(map[string]string, len(r.Pairs)+8)
	for _, p := range r.Pairs {
		if _, dup := m[p.Key]; !dup || p.Value != "" {
			m[p.Key] = p.Value
		}
	}
	for _, p := range r.Pairs {
		if !strings.HasSuffix(p.Key, "Label") || p.Value == "" {
			continue
		}
		base := strings.TrimSuffix(p.Key, "Label")
		if v, ok := m[base]; ok {
			if _, taken := m[p.Value]; !taken {
				m[p.Value] = v
			}
		}
	}
	return m
}

// parseCEFDateText reads the dates of CEF extensions: epoch milliseconds,
// "Oct 11 2017 06:34:06 GMT+00:00", "Mar 01 2021 20:48:21( UTC)",
// "2023-03-15 13:23:47" and the layouts parse.ParseTime knows.
func parseCEFDateText(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " GMT"); i > 0 {
		if z, ok := parse.ParseOffset(s[i+4:]); ok {
			loc = z
			s = s[:i]
		} else if s[i+4:] == "" {
			loc = time.UTC
			s = s[:i]
		}
	}
	return parseCEFTimeText(s, loc)
}

// winBasename and winDirname split a Windows or POSIX path at its last
// separator.
func winBasename(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func winDirname(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[:i]
	}
	return ""
}

// setFilePathParts sets file.path and, unless already set, file.name and
// file.directory; a trailing separator (a folder) is dropped.
func setFilePathParts(e *event.Event, p string) {
	if len(p) > 1 {
		p = strings.TrimRight(p, `\/`)
	}
	if p == "" {
		return
	}
	e.Set("file.path", p)
	if !e.Has("file.name") {
		parse.Set(e, "file.name", winBasename(p))
		if d := winDirname(p); d != "" {
			e.Set("file.directory", d)
		}
	}
}
