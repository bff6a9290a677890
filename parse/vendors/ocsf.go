package vendors

import (
	"math"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Open Cybersecurity Schema Framework (OCSF) events, as JSON: the schema
// AWS Security Lake, Amazon Route 53/VPC flow exports, QRadar, Splunk and
// others emit. Every event has a class (class_uid, class_name) within a
// category (category_uid), an activity (activity_id, activity_name),
// severity_id and time (epoch milliseconds) or time_dt; the objects of the
// class (actor, device, src_endpoint, dst_endpoint, process, file, user,
// connection_info, traffic, http_request, query/answers, finding, attacks,
// malware, cloud, metadata ...) map to their ECS counterparts.
var ocsf = &parse.Vendor{
	ID:       "ocsf",
	Aliases:  []string{"open-cybersecurity-schema-framework", "security-lake", "aws-security-lake"},
	Name:     "Open Cybersecurity Schema Framework (OCSF) events",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, cls := r.JSON["class_uid"]
		_, act := r.JSON["activity_id"]
		_, cat := r.JSON["category_uid"]
		_, typ := r.JSON["type_uid"]
		return cls && (act || cat || typ)
	},
	Normalize: normalizeOCSF,
	Verified:  "Sekoia OCSF intake tests (30 events: network, DNS, HTTP, API, authentication, account change, process, system, findings, remediation)",
}

// ocsfCategories gives event.category by OCSF class.
var ocsfCategories = map[int64][]string{
	1001: {"file"}, 1002: {"driver"}, 1003: {"driver"}, 1007: {"process"},
	2002: {"vulnerability"}, 2003: {"vulnerability"}, 2004: {"vulnerability"}, 2005: {"vulnerability"}, 2006: {"vulnerability"},
	3001: {"iam"}, 3002: {"authentication"}, 3003: {"session"}, 3005: {"iam"}, 3006: {"iam"},
	4001: {"network"}, 4002: {"api"}, 4003: {"network"}, 4004: {"network"}, 4005: {"network"}, 4006: {"api", "file"},
	4007: {"network"}, 4008: {"network", "file"}, 4009: {"email"}, 4010: {"network", "file"}, 4011: {"file", "email"}, 4012: {"email"},
	5002: {"configuration"}, 6002: {"package"}, 6003: {"web"}, 6004: {"web"},
}

// ocsfInfo lists the classes whose events are of type "info".
var ocsfInfo = map[int64]bool{
	1001: true, 1002: true, 1003: true, 1007: true, 2001: true, 2002: true, 2003: true, 2004: true, 2005: true, 2006: true,
	3001: true, 3002: true, 3003: true, 3005: true, 3006: true, 4001: true, 4002: true, 4003: true, 4004: true, 4005: true,
	4006: true, 4007: true, 4008: true, 4009: true, 4010: true, 4011: true, 4012: true, 5001: true, 5002: true,
	6002: true, 6003: true, 6004: true,
}

// ocsfActivityTypes gives event.type by activity name, for the classes
// where the activity says it.
var ocsfActivityTypes = []struct {
	classes    []int64
	activities []string
	typ        string
}{
	{[]int64{3001, 3006}, nil, "user"},
	{[]int64{3005}, nil, "group"},
	{[]int64{4003, 4004, 4005, 4007, 4008}, nil, "protocol"},
	{[]int64{1001, 3001, 4006, 5002}, []string{"Create", "File Create", "Log"}, "creation"},
	{[]int64{1001, 4006, 4010, 5002, 6004}, []string{"Read", "File Open", "Preview", "Open", "Access Grant", "Access Deny", "Access Revoke", "Access Error", "Log"}, "access"},
	{[]int64{1001, 3001, 4010, 6002}, []string{"Delete", "Remove"}, "deletion"},
	{[]int64{1007, 3002, 4001, 4007, 6002}, []string{"Launch", "Logon", "Open", "Start"}, "start"},
	{[]int64{1007, 3002, 4001, 4007, 6002}, []string{"Terminate", "Logoff", "Close", "Stop"}, "end"},
	{[]int64{4001, 4003, 4004, 4007}, []string{"Refuse", "Decline"}, "denied"},
	{[]int64{4004}, []string{"Ack"}, "allowed"},
	{[]int64{1001, 4006, 4010}, []string{"Update", "File Supersede", "File Overwrite", "Rename"}, "change"},
	{[]int64{4005}, []string{"Connect Request", "Connect Response"}, "connection"},
	{[]int64{6002}, []string{"Install"}, "installation"},
	{[]int64{6004}, []string{"Access Error"}, "error"},
}

// ocsfHashes maps OCSF hash algorithm names to ECS hash fields.
var ocsfHashes = map[string]string{"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512", "CTPH": "ssdeep", "TLSH": "tlsh"}

func normalizeOCSF(r *parse.Record, e *event.Event) error {
	j := r.JSON
	if j == nil {
		return nil
	}
	cls, _ := strconv.ParseInt(ocsfStr(j, "class_uid"), 10, 64)
	catUID, _ := strconv.ParseInt(ocsfStr(j, "category_uid"), 10, 64)
	activity := ocsfStr(j, "activity_name")

	if t, ok := ocsfTime(j, "time_dt", "time"); ok {
		e.SetTimestamp(t)
	}
	if t, ok := ocsfTime(j, "start_time_dt", "start_time"); ok {
		e.Set("event.start", t)
	}
	if t, ok := ocsfTime(j, "end_time_dt", "end_time"); ok {
		e.Set("event.end", t)
	}
	if d, ok := ocsfNumber(j["duration"]); ok {
		// OCSF durations are milliseconds.
		e.Set("event.duration", int64(math.Round(d*float64(time.Millisecond))))
	}

	// Classification.
	if catUID == 2 || cls == 2001 {
		e.Set("event.kind", "alert")
	} else {
		e.Set("event.kind", "event")
	}
	cats := ocsfCategories[cls]
	if cls == 2001 {
		if j["malware"] != nil {
			cats = append(cats, "malware")
		}
		if j["vulnerabilities"] != nil {
			cats = append(cats, "vulnerability")
		}
	}
	if len(cats) > 0 {
		e.Set("event.category", append([]string(nil), cats...))
	}
	var types []string
	if ocsfInfo[cls] {
		types = append(types, "info")
	}
	for _, at := range ocsfActivityTypes {
		if !ocsfHas(at.classes, cls) || (at.activities != nil && !ocsfHasString(at.activities, activity)) {
			continue
		}
		types = append(types, at.typ)
	}
	if len(types) > 0 {
		e.Set("event.type", types)
	}
	if activity != "" {
		e.Set("event.action", strings.ReplaceAll(strings.ToLower(activity), ": ", "-"))
	}
	parse.SetValue(e, "event.severity", j["severity_id"])
	parse.Set(e, "event.reason", ocsfStr(j, "message"))
	switch ocsfStr(j, "status_id") {
	case "0":
		e.Set("event.outcome", "unknown")
	case "1":
		e.Set("event.outcome", "success")
	case "2":
		e.Set("event.outcome", "failure")
	}
	parse.Set(e, "process.exit_code", ocsfStr(j, "exit_code"))
	e.Set("ocsf.class_uid", ocsfStr(j, "class_uid"))
	parse.Set(e, "ocsf.class_name", ocsfStr(j, "class_name"))
	parse.Set(e, "ocsf.activity_id", ocsfStr(j, "activity_id"))
	parse.Set(e, "ocsf.activity_name", activity)

	if md, ok := j["metadata"].(map[string]any); ok {
		parse.Set(e, "event.code", ocsfStr(md, "event_code"))
		parse.Set(e, "event.sequence", ocsfStr(md, "sequence"))
		parse.Set(e, "event.id", ocsfStr(md, "uid"))
		if p := ocsfStr(md, "log_provider"); p != "" {
			e.Set("event.provider", p)
		} else {
			parse.Set(e, "event.provider", ocsfPath(md, "product.vendor_name"))
		}
		parse.Set(e, "observer.vendor", ocsfPath(md, "product.vendor_name"))
		parse.Set(e, "observer.product", ocsfPath(md, "product.name"))
		parse.Set(e, "observer.version", ocsfPath(md, "product.version"))
	}
	if c, ok := j["cloud"].(map[string]any); ok {
		parse.Set(e, "cloud.provider", ocsfStr(c, "provider"))
		parse.Set(e, "cloud.region", ocsfStr(c, "region"))
		parse.Set(e, "cloud.availability_zone", ocsfStr(c, "zone"))
		parse.Set(e, "cloud.account.id", ocsfPath(c, "account.uid"))
		parse.Set(e, "cloud.account.name", ocsfPath(c, "account.name"))
		parse.Set(e, "cloud.project.id", ocsfStr(c, "project_uid"))
		parse.Set(e, "organization.id", ocsfPath(c, "org.uid"))
		parse.Set(e, "organization.name", ocsfPath(c, "org.name"))
	}

	// Who acted, and on whom.
	if a, ok := j["actor"].(map[string]any); ok {
		if u, ok := a["user"].(map[string]any); ok {
			ocsfUser(e, "user", u)
		}
		if p, ok := a["process"].(map[string]any); ok {
			ocsfProcess(e, p)
		}
	}
	if p, ok := j["process"].(map[string]any); ok {
		ocsfProcess(e, p)
	}
	if u, ok := j["user"].(map[string]any); ok {
		ocsfUser(e, "user.target", u)
	}
	if u, ok := j["user_result"].(map[string]any); ok {
		ocsfUser(e, "user.changes", u)
	}
	if g, ok := j["group"].(map[string]any); ok {
		parse.Set(e, "group.name", ocsfStr(g, "name"))
		parse.Set(e, "group.id", ocsfStr(g, "uid"))
	}
	if s, ok := j["service"].(map[string]any); ok {
		parse.Set(e, "service.name", ocsfStr(s, "name"))
		parse.Set(e, "service.id", ocsfStr(s, "uid"))
		parse.Set(e, "service.version", ocsfStr(s, "version"))
	}
	if d, ok := j["device"].(map[string]any); ok {
		ocsfDevice(e, d)
	}
	for _, holder := range []string{"driver", "job", "module"} {
		if h, ok := j[holder].(map[string]any); ok {
			if f, ok := h["file"].(map[string]any); ok {
				ocsfFile(e, f)
			}
			if holder == "job" {
				if u, ok := h["user"].(map[string]any); ok {
					ocsfUser(e, "user.target", u)
				}
			}
		}
	}
	if f, ok := j["file"].(map[string]any); ok {
		ocsfFile(e, f)
	}

	// Network.
	if ep, ok := j["src_endpoint"].(map[string]any); ok {
		ocsfEndpoint(e, "source", ep)
	}
	if ep, ok := j["dst_endpoint"].(map[string]any); ok {
		ocsfEndpoint(e, "destination", ep)
	}
	if ci, ok := j["connection_info"].(map[string]any); ok {
		parse.Set(e, "network.iana_number", ocsfStr(ci, "protocol_num"))
		if p := ocsfStr(ci, "protocol_name"); p != "" {
			e.Set("network.transport", strings.ToLower(p))
		} else if n := ocsfStr(ci, "protocol_num"); n != "" {
			if t := parse.TransportName(n); t != n {
				e.Set("network.transport", t)
			}
		}
		switch ocsfStr(ci, "boundary") {
		case "Internal":
			e.Set("network.direction", "internal")
		case "External":
			e.Set("network.direction", "external")
		}
		switch ocsfStr(ci, "direction") {
		case "Inbound":
			e.Set("network.direction", "inbound")
		case "Outbound":
			e.Set("network.direction", "outbound")
		case "Unknown":
			e.Set("network.direction", "unknown")
		}
	}
	if t, ok := j["traffic"].(map[string]any); ok {
		parse.Set(e, "source.bytes", ocsfStr(t, "bytes_out"))
		parse.Set(e, "destination.bytes", ocsfStr(t, "bytes_in"))
		parse.Set(e, "source.packets", ocsfStr(t, "packets_out"))
		parse.Set(e, "destination.packets", ocsfStr(t, "packets_in"))
		parse.Set(e, "network.bytes", ocsfStr(t, "bytes"))
		parse.Set(e, "network.packets", ocsfStr(t, "packets"))
	}
	if t, ok := j["tls"].(map[string]any); ok {
		ocsfTLS(e, t)
	}
	if l, ok := j["certificate_chain"].([]any); ok {
		for _, c := range l {
			if s, ok := c.(string); ok {
				e.AppendUnique("tls.server.certificate_chain", s)
			}
		}
	}
	if h, ok := j["http_request"].(map[string]any); ok {
		parse.Set(e, "http.request.id", ocsfStr(h, "uid"))
		parse.Set(e, "http.request.method", ocsfStr(h, "http_method"))
		parse.Set(e, "http.request.referrer", ocsfStr(h, "referrer"))
		parse.Set(e, "http.version", ocsfStr(h, "version"))
		parse.Set(e, "user_agent.original", ocsfStr(h, "user_agent"))
		if u, ok := h["url"].(map[string]any); ok {
			ocsfURL(e, u)
		}
	}
	if h, ok := j["http_response"].(map[string]any); ok {
		parse.Set(e, "http.response.status_code", ocsfStr(h, "code"))
		parse.Set(e, "http.response.body.bytes", ocsfStr(h, "length"))
	}
	if u, ok := j["url"].(map[string]any); ok {
		ocsfURL(e, u)
	}
	parse.Set(e, "http.request.id", ocsfPath(j, "request.uid"))
	parse.Set(e, "http.response.status_code", ocsfPath(j, "response.code"))
	ocsfDNS(e, j)

	// Findings.
	if f, ok := j["finding"].(map[string]any); ok {
		parse.Set(e, "event.reference", ocsfStr(f, "src_url"))
		if t := ocsfStr(f, "title"); t != "" {
			e.Set("event.reason", t)
		}
	}
	if f, ok := j["finding_info"].(map[string]any); ok {
		parse.Set(e, "event.reference", ocsfStr(f, "src_url"))
		if t := ocsfStr(f, "title"); t != "" {
			e.Set("event.reason", t)
		}
	}
	if catUID == 2 {
		parse.Set(e, "event.risk_score", ocsfStr(j, "risk_score"))
	}
	if l, ok := j["attacks"].([]any); ok {
		for _, a := range l {
			am, _ := a.(map[string]any)
			parse.Set(e, "threat.technique.name", ocsfPath(am, "technique.name"))
			parse.Set(e, "threat.technique.id", ocsfPath(am, "technique.uid"))
			parse.Set(e, "threat.tactic.name", ocsfPath(am, "tactic.name"))
			parse.Set(e, "threat.tactic.id", ocsfPath(am, "tactic.uid"))
		}
		if e.Has("threat.technique.id") {
			e.Set("threat.framework", "MITRE ATT&CK")
		}
	}
	if l, ok := j["malware"].([]any); ok {
		for _, m := range l {
			mm, _ := m.(map[string]any)
			if cl, ok := mm["classifications"].([]any); ok {
				for _, c := range cl {
					if s, ok := c.(string); ok {
						parse.Set(e, "vulnerability.category", s)
					}
				}
			}
		}
	}
	if l, ok := j["vulnerabilities"].([]any); ok && len(l) > 0 {
		v, _ := l[0].(map[string]any)
		parse.Set(e, "vulnerability.id", ocsfPath(v, "cve.uid"))
		parse.Set(e, "vulnerability.description", ocsfStr(v, "desc"))
		parse.Set(e, "vulnerability.severity", ocsfStr(v, "severity"))
		parse.Set(e, "vulnerability.score.base", ocsfPath(v, "cve.cvss.base_score"))
		parse.Set(e, "vulnerability.score.version", ocsfPath(v, "cve.cvss.version"))
		parse.Set(e, "vulnerability.scanner.vendor", ocsfStr(v, "vendor_name"))
	}

	for _, f := range []string{"user.name", "user.target.name", "file.owner"} {
		if s := e.Str(f); s != "" {
			e.AppendUnique(event.RelatedUser, s)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip",
		"host.hostname", "source.domain", "destination.domain", "dns.question.name",
		"file.hash.md5", "file.hash.sha1", "file.hash.sha256", "file.hash.sha512", "file.hash.ssdeep")
	return nil
}

// ocsfStr returns a member as text ("" when absent, null or not scalar).
func ocsfStr(m map[string]any, key string) string {
	s, _ := event.Stringify(m[key])
	return s
}

// ocsfPath returns the member at a dotted path as text.
func ocsfPath(m map[string]any, path string) string {
	if m == nil {
		return ""
	}
	v, ok := parse.JSONPath(m, path)
	if !ok {
		return ""
	}
	s, _ := event.Stringify(v)
	return s
}

func ocsfNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func ocsfHas(l []int64, v int64) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func ocsfHasString(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// ocsfTime reads an OCSF timestamp from the first of two attributes that
// holds one: the *_dt text form or the plain attribute, epoch milliseconds
// (seconds, with a fraction, from some producers).
func ocsfTime(m map[string]any, first, second string) (time.Time, bool) {
	for _, k := range []string{first, second} {
		switch v := m[k].(type) {
		case string:
			if t, ok := ocsfParseTime(v); ok {
				return t, true
			}
		case int64, float64:
			if s, _ := event.Stringify(v); s != "" && s != "0" {
				if t, ok := parse.ParseEpoch(s); ok {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}

func ocsfParseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parse.ParseTime(s, time.UTC); ok {
		return t, true
	}
	// "2015/06/17T00:00:00.083"
	if len(s) > 10 && s[4] == '/' && s[7] == '/' {
		return parse.ParseTime(s[:4]+"-"+s[5:7]+"-"+s[8:], time.UTC)
	}
	return time.Time{}, false
}

func ocsfUser(e *event.Event, prefix string, u map[string]any) {
	parse.Set(e, prefix+".name", ocsfStr(u, "name"))
	parse.Set(e, prefix+".id", ocsfStr(u, "uid"))
	parse.Set(e, prefix+".domain", ocsfStr(u, "domain"))
	parse.Set(e, prefix+".email", ocsfStr(u, "email_addr"))
	parse.Set(e, prefix+".full_name", ocsfStr(u, "full_name"))
}

// ocsfProcess maps an OCSF process and its parent; the process's image
// file becomes file.*.
func ocsfProcess(e *event.Event, p map[string]any) {
	ocsfProcessFields(e, "process", p)
	if f, ok := p["file"].(map[string]any); ok {
		ocsfFile(e, f)
	}
	if pp, ok := p["parent_process"].(map[string]any); ok {
		ocsfProcessFields(e, "process.parent", pp)
	}
}

func ocsfProcessFields(e *event.Event, prefix string, p map[string]any) {
	parse.Set(e, prefix+".name", ocsfStr(p, "name"))
	parse.Set(e, prefix+".pid", ocsfStr(p, "pid"))
	parse.Set(e, prefix+".thread.id", ocsfStr(p, "tid"))
	parse.Set(e, prefix+".entity_id", ocsfStr(p, "uid"))
	parse.Set(e, prefix+".command_line", ocsfStr(p, "cmd_line"))
	if t, ok := ocsfTime(p, "created_time", "created_time_dt"); ok {
		e.Set(prefix+".start", t)
	}
	if t, ok := ocsfTime(p, "terminated_time", "terminated_time_dt"); ok {
		e.Set(prefix+".end", t)
	}
	if u, ok := p["user"].(map[string]any); ok {
		parse.Set(e, prefix+".user.name", ocsfStr(u, "name"))
		parse.Set(e, prefix+".user.id", ocsfStr(u, "uid"))
	}
	if !e.Has(prefix + ".user.id") {
		parse.Set(e, prefix+".user.id", ocsfStr(p, "euid"))
	}
	if exe := ocsfPath(p, "file.path"); exe != "" {
		e.Set(prefix+".executable", exe)
	}
}

func ocsfFile(e *event.Event, f map[string]any) {
	parse.Set(e, "file.name", ocsfStr(f, "name"))
	parse.Set(e, "file.path", ocsfStr(f, "path"))
	parse.Set(e, "file.directory", ocsfStr(f, "parent_folder"))
	parse.Set(e, "file.type", ocsfStr(f, "type"))
	parse.Set(e, "file.mime_type", ocsfStr(f, "mime_type"))
	parse.Set(e, "file.size", ocsfStr(f, "size"))
	parse.Set(e, "file.inode", ocsfStr(f, "uid"))
	parse.Set(e, "file.owner", ocsfPath(f, "owner.name"))
	parse.Set(e, "file.uid", ocsfPath(f, "owner.uid"))
	for attr, field := range map[string]string{"accessed_time": "file.accessed", "created_time": "file.created", "modified_time": "file.mtime"} {
		if t, ok := ocsfTime(f, attr+"_dt", attr); ok {
			e.Set(field, t)
		}
	}
	if c, ok := parse.JSONPath(f, "signature.certificate"); ok {
		if cm, ok := c.(map[string]any); ok {
			parse.Set(e, "file.x509.issuer.distinguished_name", ocsfStr(cm, "issuer"))
			parse.Set(e, "file.x509.subject.distinguished_name", ocsfStr(cm, "subject"))
			parse.Set(e, "file.x509.serial_number", ocsfStr(cm, "serial_number"))
			parse.Set(e, "file.x509.version_number", ocsfStr(cm, "version"))
			if t, ok := ocsfTime(cm, "expiration_time_dt", "expiration_time"); ok {
				e.Set("file.x509.not_after", t)
			}
		}
	}
	if l, ok := f["hashes"].([]any); ok {
		for _, h := range l {
			hm, _ := h.(map[string]any)
			// The first hash of each algorithm.
			if alg := ocsfHashes[ocsfStr(hm, "algorithm")]; alg != "" && !e.Has("file.hash."+alg) {
				parse.Set(e, "file.hash."+alg, ocsfStr(hm, "value"))
			}
		}
	}
}

func ocsfDevice(e *event.Event, d map[string]any) {
	if h := ocsfStr(d, "hostname"); h != "" {
		e.Set("host.hostname", h)
		e.Set("host.name", h)
	} else {
		parse.Set(e, "host.name", ocsfStr(d, "name"))
	}
	parse.Set(e, "host.id", ocsfStr(d, "uid"))
	parse.Set(e, "host.domain", ocsfStr(d, "domain"))
	parse.Set(e, "host.ip", ocsfStr(d, "ip"))
	parse.Set(e, "host.mac", ocsfStr(d, "mac"))
	parse.Set(e, "host.type", ocsfStr(d, "type"))
	parse.Set(e, "host.risk.static_level", ocsfStr(d, "risk_level"))
	parse.Set(e, "host.risk.static_score", ocsfStr(d, "risk_score"))
	if os, ok := d["os"].(map[string]any); ok {
		parse.Set(e, "host.os.name", ocsfStr(os, "name"))
		parse.Set(e, "host.os.version", ocsfStr(os, "build"))
		switch t := ocsfStr(os, "type"); t {
		case "Linux", "Windows", "Android", "iOS":
			e.Set("host.os.type", strings.ToLower(t))
		case "macOS":
			e.Set("host.os.type", "macos")
		}
	}
	parse.Set(e, "network.vlan.id", ocsfStr(d, "vlan_uid"))
}

func ocsfEndpoint(e *event.Event, role string, ep map[string]any) {
	host := ocsfStr(ep, "hostname")
	if host == "" {
		host = ocsfStr(ep, "domain")
	}
	if ip := ocsfStr(ep, "ip"); parse.IsIP(ip) {
		parse.Set(e, role+".ip", ip)
		e.Set(role+".address", e.Str(role+".ip"))
	}
	if host != "" {
		// The name the event gives is the address as seen.
		e.Set(role+".domain", host)
		e.Set(role+".address", host)
		parse.SetDomainParts(e, role, host)
	}
	parse.Set(e, role+".port", ocsfStr(ep, "port"))
	parse.Set(e, role+".mac", ocsfStr(ep, "mac"))
	parse.Set(e, "network.application", ocsfStr(ep, "svc_name"))
}

func ocsfURL(e *event.Event, u map[string]any) {
	if s := ocsfStr(u, "url_string"); s != "" {
		parse.SetURL(e, "url", s)
	}
	parse.Set(e, "url.domain", ocsfStr(u, "hostname"))
	parse.Set(e, "url.path", ocsfStr(u, "path"))
	parse.Set(e, "url.port", ocsfStr(u, "port"))
	parse.Set(e, "url.query", ocsfStr(u, "query_string"))
	parse.Set(e, "url.scheme", ocsfStr(u, "scheme"))
	parse.Set(e, "url.subdomain", ocsfStr(u, "subdomain"))
}

func ocsfTLS(e *event.Event, t map[string]any) {
	parse.Set(e, "tls.cipher", ocsfStr(t, "cipher"))
	parse.Set(e, "tls.version", ocsfStr(t, "version"))
	parse.Set(e, "tls.client.server_name", ocsfStr(t, "sni"))
	parse.Set(e, "tls.client.ja3", ocsfPath(t, "ja3_hash.value"))
	parse.Set(e, "tls.server.ja3s", ocsfPath(t, "ja3s_hash.value"))
	if c, ok := t["certificate"].(map[string]any); ok {
		parse.Set(e, "tls.client.x509.issuer.distinguished_name", ocsfStr(c, "issuer"))
		parse.Set(e, "tls.client.x509.subject.distinguished_name", ocsfStr(c, "subject"))
		parse.Set(e, "tls.client.x509.serial_number", ocsfStr(c, "serial_number"))
		parse.Set(e, "tls.client.x509.version_number", ocsfStr(c, "version"))
		if tm, ok := ocsfTime(c, "expiration_time_dt", "expiration_time"); ok {
			e.Set("tls.client.x509.not_after", tm)
		}
	}
	if l, ok := t["client_ciphers"].([]any); ok {
		for _, c := range l {
			if s, ok := c.(string); ok {
				e.AppendUnique("tls.client.supported_ciphers", s)
			}
		}
	}
	if l, ok := t["sans"].([]any); ok {
		for _, s := range l {
			if n := ocsfStr(ocsfMap(s), "name"); n != "" {
				e.AppendUnique("tls.client.x509.alternative_names", n)
			}
		}
	}
}

func ocsfMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func ocsfDNS(e *event.Event, j map[string]any) {
	if q, ok := j["query"].(map[string]any); ok {
		if n := ocsfStr(q, "hostname"); n != "" {
			e.Set("dns.question.name", n)
			parse.SetDomainParts(e, "dns.question", n)
		}
		parse.Set(e, "dns.id", ocsfStr(q, "packet_uid"))
		parse.Set(e, "dns.question.class", ocsfStr(q, "class"))
		parse.Set(e, "dns.question.type", ocsfStr(q, "type"))
	}
	if l, ok := j["answers"].([]any); ok {
		var answers []any
		for _, a := range l {
			am, _ := a.(map[string]any)
			ans := map[string]any{}
			for src, dst := range map[string]string{"class": "class", "type": "type", "ttl": "ttl", "rdata": "data"} {
				if v := ocsfStr(am, src); v != "" {
					ans[dst] = v
				}
			}
			if len(ans) > 0 {
				answers = append(answers, ans)
			}
		}
		if answers != nil {
			e.Set("dns.answers", answers)
		}
	}
	parse.Set(e, "dns.response_code", ocsfStr(j, "rcode"))
}

func init() { all = append(all, ocsf) }
