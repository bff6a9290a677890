package vendors

import (
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Kaspersky Endpoint Security for Windows records its events in the
// Windows event log as "Key: value" lines ("Event type: ...", "Result
// description: Detected", "Type: Virus", "Name: <threat>", "User:
// DOMAIN\user (Initiator)", "Object: <path>", "SHA256: ..."); forwarders
// send them with the line breaks written as "\r\n" (or rsyslog's #015#012).
var kasperskyES = &parse.Vendor{
	ID:        "kaspersky-endpoint-security",
	Aliases:   []string{"kaspersky", "kes", "kaspersky_endpoint_security", "kaspersky-es"},
	Name:      "Kaspersky Endpoint Security for Windows",
	Formats:   []parse.Format{parse.FormatText},
	Observer:  parse.Observer{Vendor: "Kaspersky", Product: "Kaspersky Endpoint Security", Type: "edr"},
	Detect:    detectKaspersky,
	Normalize: normalizeKaspersky,
	Priority:  parse.PriorityWeak,
	Verified:  "Sekoia Kaspersky Endpoint Security intake tests (4 events: detections, database update errors)",
}

func detectKaspersky(r *parse.Record) bool {
	b := r.Body
	if !strings.HasPrefix(b, "Result description: ") && !strings.HasPrefix(b, "Event type: ") {
		return false
	}
	return strings.Contains(b, `\r\n`) || strings.Contains(b, "\n") || strings.Contains(b, "#015#012")
}

// kasperskyFields splits the "Key: value" lines.
func kasperskyFields(b string) map[string]string {
	for _, sep := range []string{`\r\n`, "#015#012", "\r\n"} {
		b = strings.ReplaceAll(b, sep, "\n")
	}
	f := map[string]string{}
	for _, line := range strings.Split(b, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if k = strings.TrimSpace(k); k != "" {
			if _, dup := f[k]; !dup {
				f[k] = strings.TrimSpace(v)
			}
		}
	}
	return f
}

func normalizeKaspersky(r *parse.Record, e *event.Event) error {
	f := kasperskyFields(r.Body)
	if len(f) == 0 {
		return errNotVendorRecord("Kaspersky Endpoint Security")
	}
	set := func(field, key string) {
		if v := f[key]; v != "" {
			parse.Set(e, field, v)
		}
	}
	e.Set("event.type", []string{"info"})
	e.Set("event.category", []string{"process"})
	set("event.action", "Result description")
	set("event.reason", "Event type")
	if u := f["User"]; u != "" {
		u, _, _ = strings.Cut(u, " ")
		if dom, name, ok := strings.Cut(u, `\`); ok {
			parse.Set(e, "user.domain", dom)
			parse.Set(e, "user.name", name)
		} else {
			parse.Set(e, "user.name", u)
		}
	}
	if t, err := time.ParseInLocation("1/2/2006 3:04:05 PM", f["Release date"], r.Location()); err == nil {
		e.SetTimestamp(t)
	} else if t, ok := parse.ParseTime(f["Release date"], r.Location()); ok {
		e.SetTimestamp(t)
	}
	switch {
	case f["Type"] != "":
		// A detection: the threat, the object and its hashes.
		e.Set("event.category", []string{"malware"})
		set("event.reason", "Reason")
		set("threat.software.name", "Name")
		e.Set("threat.software.type", "Malware")
		set("file.hash.md5", "MD5")
		set("file.hash.sha256", "SHA256")
		if o := f["Object"]; o != "" {
			e.Set("file.path", o)
			e.Set("file.name", winBasename(o))
		}
	case f["Error"] != "":
		set("error.message", "Error")
		if strings.EqualFold(f["Object type"], "Web page") {
			set("url.path", "Object name")
		} else {
			set("file.name", "Object name")
		}
	default:
		if reason := f["Reason"]; reason != "" {
			if t := f["Event type"]; t != "" {
				e.Set("event.reason", t+" because of "+reason)
			} else {
				e.Set("event.reason", reason)
			}
		}
		set("event.module", "Component")
		set("file.directory", "Path to object")
		set("file.name", "Object name")
		set("process.pid", "Process ID")
		if app, name := f["Application path"], f["Name"]; app != "" && name != "" {
			e.Set("process.executable", strings.TrimRight(app, `\`)+`\`+name)
			e.Set("process.name", name)
		}
	}
	parse.FillRelated(e, "user.name", "file.hash.md5", "file.hash.sha256")
	return nil
}

func init() { all = append(all, kasperskyES) }
