package vendors

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Windows event logs (Security, Sysmon, System, PowerShell, ...) as the
// common forwarders send them: NXLog JSON (im_msvistalog), Winlogbeat /
// Elastic Agent JSON, the event XML (Windows Event Forwarding, NXLog XML)
// and Snare's tab-separated MSWinEventLog lines. All become one record
// (header + EventData) mapped the same way.
var windows = &parse.Vendor{
	ID:       "windows",
	Aliases:  []string{"windows-security", "sysmon", "winlogbeat", "nxlog", "snare", "microsoft-windows", "wineventlog"},
	Name:     "Microsoft Windows event logs (Security, Sysmon)",
	Formats:  []parse.Format{parse.FormatJSON, parse.FormatXML, parse.FormatText},
	Observer: parse.Observer{},
	Detect: func(r *parse.Record) bool {
		switch {
		case r.JSON != nil:
			if _, ok := r.JSON["winlog"]; ok {
				return true
			}
			_, id := r.JSON["EventID"]
			_, src := r.JSON["SourceName"]
			return id && src
		case r.Format == parse.FormatXML:
			return strings.Contains(r.Body, "schemas.microsoft.com/win/2004/08/events/event")
		}
		return strings.Contains(r.Body, "MSWinEventLog")
	},
	Normalize: normalizeWindows,
	Verified:  "Sekoia Windows (78 events, NXLog JSON) and Winlogbeat (39) intake tests; Elastic system/security pipeline tests (15, Winlogbeat JSON); Wazuh Windows/Sysmon samples",
}

// winEvent is a Windows event whatever the forwarder.
type winEvent struct {
	id, provider, channel, computer, level string
	outcome                                string
	time                                   time.Time
	pid, tid                               string
	message                                string
	data                                   map[string]string
}

// nxlogHeader lists NXLog JSON keys that describe the event, not its data.
var nxlogHeader = map[string]bool{"EventTime": true, "Hostname": true, "Keywords": true, "EventType": true, "SeverityValue": true, "Severity": true,
	"EventID": true, "SourceName": true, "ProviderGuid": true, "Version": true, "Task": true, "OpcodeValue": true, "RecordNumber": true,
	"ProcessID": true, "ThreadID": true, "Channel": true, "Message": true, "Category": true, "Opcode": true, "EventReceivedTime": true,
	"SourceModuleName": true, "SourceModuleType": true, "ActivityID": true, "Level": true}

func normalizeWindows(r *parse.Record, e *event.Event) error {
	var w *winEvent
	switch {
	case r.JSON != nil:
		if _, ok := r.JSON["winlog"]; ok {
			w = winlogbeatEvent(r, e)
		} else {
			w = nxlogEvent(r)
		}
	case r.Format == parse.FormatXML || strings.HasPrefix(strings.TrimSpace(r.Body), "<Event"):
		w = xmlEvent(r.Body)
	default:
		w = snareEvent(r.Body)
	}
	if w == nil {
		parse.SyslogProcess(r, e)
		return nil
	}
	if w.message != "" && (len(w.data) == 0 || strings.Contains(w.provider, "Sysmon")) {
		// Forwarders that only render the message (Sysmon through NXLog):
		// its "Key: value" lines are the event data; sent fields win.
		for k, v := range messageFields(w.message) {
			if _, ok := w.data[k]; !ok {
				if w.data == nil {
					w.data = map[string]string{}
				}
				w.data[k] = v
			}
		}
	}
	mapWindows(r, e, w)
	return nil
}

func nxlogEvent(r *parse.Record) *winEvent {
	j := r.JSON
	s := func(k string) string { v, _ := parse.JSONString(j, k); return v }
	w := &winEvent{id: s("EventID"), provider: s("SourceName"), channel: s("Channel"), computer: s("Hostname"),
		level: strings.ToLower(s("Severity")), pid: s("ProcessID"), tid: s("ThreadID"), message: s("Message"), data: map[string]string{}}
	switch s("EventType") {
	case "AUDIT_SUCCESS":
		w.outcome = "success"
	case "AUDIT_FAILURE":
		w.outcome = "failure"
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", s("EventTime"), r.Location()); err == nil {
		w.time = t
	}
	for k := range j {
		if nxlogHeader[k] {
			continue
		}
		if v, ok := parse.JSONString(j, k); ok {
			w.data[k] = v
		}
	}
	return w
}

func winlogbeatEvent(r *parse.Record, e *event.Event) *winEvent {
	j := r.JSON
	// Winlogbeat already sends ECS fields; keep them, then map winlog.*.
	parse.GenericJSON(r, e)
	e.Set("message", r.Body)
	s := func(k string) string { v, _ := parse.JSONString(j, k); return v }
	w := &winEvent{id: s("winlog.event_id"), provider: s("winlog.provider_name"), channel: s("winlog.channel"),
		computer: s("winlog.computer_name"), level: s("log.level"), outcome: s("winlog.outcome"),
		pid: s("winlog.process.pid"), tid: s("winlog.process.thread.id"), message: s("message"), data: map[string]string{}}
	if w.id == "" {
		w.id = s("event.code")
	}
	if w.provider == "" {
		w.provider = s("event.provider")
	}
	if t, ok := parse.ParseTime(s("winlog.time_created"), time.UTC); ok {
		w.time = t
	}
	if ed, ok := parse.JSONPath(j, "winlog.event_data"); ok {
		if m, ok := ed.(map[string]any); ok {
			for k := range m {
				if v, ok := parse.JSONString(m, k); ok {
					w.data[k] = v
				}
			}
		}
	}
	return w
}

type xmlEventDoc struct {
	System struct {
		Provider struct {
			Name string `xml:"Name,attr"`
		} `xml:"Provider"`
		EventID     string `xml:"EventID"`
		Level       string `xml:"Level"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		Execution struct {
			ProcessID string `xml:"ProcessID,attr"`
			ThreadID  string `xml:"ThreadID,attr"`
		} `xml:"Execution"`
		Channel  string `xml:"Channel"`
		Computer string `xml:"Computer"`
	} `xml:"System"`
	EventData struct {
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"Data"`
	} `xml:"EventData"`
	UserData struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"UserData"`
	RenderingInfo struct {
		Message string `xml:"Message"`
		Level   string `xml:"Level"`
	} `xml:"RenderingInfo"`
}

var xmlLevels = map[string]string{"0": "information", "1": "critical", "2": "error", "3": "warning", "4": "information", "5": "verbose"}

func xmlEvent(body string) *winEvent {
	var d xmlEventDoc
	if err := xml.Unmarshal([]byte(strings.TrimSpace(body)), &d); err != nil {
		return nil
	}
	sys := d.System
	w := &winEvent{id: sys.EventID, provider: sys.Provider.Name, channel: sys.Channel, computer: sys.Computer,
		level: xmlLevels[sys.Level], pid: sys.Execution.ProcessID, tid: sys.Execution.ThreadID, message: d.RenderingInfo.Message, data: map[string]string{}}
	if d.RenderingInfo.Level != "" {
		w.level = strings.ToLower(d.RenderingInfo.Level)
	}
	// Keywords: 0x8020... audit success, 0x8010... audit failure.
	if k := strings.ToLower(sys.Keywords); strings.HasPrefix(k, "0x802") {
		w.outcome = "success"
	} else if strings.HasPrefix(k, "0x801") {
		w.outcome = "failure"
	}
	if t, ok := parse.ParseTime(sys.TimeCreated.SystemTime, time.UTC); ok {
		w.time = t
	}
	for _, dd := range d.EventData.Data {
		if dd.Name != "" {
			w.data[dd.Name] = dd.Value
		}
	}
	return w
}

// snareEvent reads "MSWinEventLog<TAB>crit<TAB>log<TAB>record<TAB>time<TAB>
// id<TAB>source<TAB>user<TAB>sidtype<TAB>type<TAB>computer<TAB>category<TAB>
// <TAB>message...".
func snareEvent(body string) *winEvent {
	i := strings.Index(body, "MSWinEventLog")
	if i < 0 {
		return nil
	}
	f := strings.Split(body[i:], "\t")
	if len(f) < 14 {
		return nil
	}
	w := &winEvent{channel: f[2], id: f[5], provider: f[6], computer: f[10], message: strings.TrimSpace(f[13]), level: "information"}
	switch f[9] {
	case "Success Audit":
		w.outcome = "success"
	case "Failure Audit":
		w.outcome = "failure"
	case "Error":
		w.level = "error"
	case "Warning":
		w.level = "warning"
	}
	if t, err := time.Parse("Mon Jan 02 15:04:05 2006", f[4]); err == nil {
		w.time = t
	}
	return w
}

// messageFields reads "Key: value" lines of a rendered message (Sysmon),
// and the "Section:\n\tKey:\t\tvalue" blocks of Security events.
func messageFields(msg string) map[string]string {
	out := map[string]string{}
	section := ""
	for _, line := range strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		k, v, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if v == "" && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			section = k
			continue
		}
		key := strings.ReplaceAll(k, " ", "")
		if strings.HasPrefix(line, "\t") && section != "" {
			if _, dup := out[key]; dup {
				key = strings.ReplaceAll(section, " ", "") + key
			}
		}
		if _, dup := out[key]; !dup {
			out[key] = v
		}
	}
	return out
}

// winActions gives the ECS categorisation of well-known event ids.
var winActions = map[string]struct {
	action   string
	category []string
	typ      []string
}{
	"4624": {"logged-in", []string{"authentication"}, []string{"start"}},
	"4625": {"logon-failed", []string{"authentication"}, []string{"start"}},
	"4634": {"logged-out", []string{"authentication"}, []string{"end"}},
	"4647": {"logged-out", []string{"authentication"}, []string{"end"}},
	"4648": {"logged-in-explicit", []string{"authentication"}, []string{"start"}},
	"4672": {"logged-in-special", []string{"iam"}, []string{"admin"}},
	"4688": {"created-process", []string{"process"}, []string{"start"}},
	"4689": {"exited-process", []string{"process"}, []string{"end"}},
	"4720": {"added-user-account", []string{"iam"}, []string{"user", "creation"}},
	"4722": {"enabled-user-account", []string{"iam"}, []string{"user", "change"}},
	"4723": {"changed-password", []string{"iam"}, []string{"user", "change"}},
	"4724": {"reset-password", []string{"iam"}, []string{"user", "change"}},
	"4725": {"disabled-user-account", []string{"iam"}, []string{"user", "deletion"}},
	"4726": {"deleted-user-account", []string{"iam"}, []string{"user", "deletion"}},
	"4728": {"added-member-to-group", []string{"iam"}, []string{"group", "change"}},
	"4732": {"added-member-to-group", []string{"iam"}, []string{"group", "change"}},
	"4738": {"modified-user-account", []string{"iam"}, []string{"user", "change"}},
	"4740": {"locked-out-user-account", []string{"iam"}, []string{"user", "change"}},
	"4767": {"unlocked-user-account", []string{"iam"}, []string{"user", "change"}},
	"4781": {"renamed-user-account", []string{"iam"}, []string{"user", "change"}},
	"1102": {"audit-log-cleared", []string{"iam"}, []string{"admin"}},
}

var sysmonActions = map[string]struct {
	action   string
	category []string
	typ      []string
}{
	"1":  {"Process Create (rule: ProcessCreate)", []string{"process"}, []string{"start"}},
	"3":  {"Network connection detected (rule: NetworkConnect)", []string{"network"}, []string{"start", "connection"}},
	"5":  {"Process terminated (rule: ProcessTerminate)", []string{"process"}, []string{"end"}},
	"11": {"File created (rule: FileCreate)", []string{"file"}, []string{"creation"}},
	"13": {"Registry value set (rule: RegistryEvent)", []string{"configuration", "registry"}, []string{"change"}},
	"22": {"Dns query (rule: DnsQuery)", []string{"network"}, []string{"connection", "protocol", "info"}},
}

func mapWindows(r *parse.Record, e *event.Event, w *winEvent) {
	e.Set("event.kind", "event")
	parse.Set(e, "event.code", w.id)
	parse.Set(e, "event.provider", w.provider)
	beat := r.JSON != nil && r.JSON["winlog"] != nil
	if beat && w.channel != "" && !e.Has("event.module") {
		e.Set("event.module", strings.ToLower(w.channel))
	}
	if w.computer != "" && !(beat && e.Has("host.name")) {
		e.Set("host.name", w.computer)
		short, _, _ := strings.Cut(w.computer, ".")
		if r.JSON == nil || r.JSON["winlog"] == nil {
			e.Set("host.hostname", short)
			e.AppendUnique(event.RelatedHosts, short)
		}
	}
	parse.Set(e, "log.level", w.level)
	if w.outcome != "" {
		e.Set("event.outcome", w.outcome)
	} else if r.JSON != nil && r.JSON["winlog"] != nil {
		e.Set("event.outcome", "success")
	}
	if !w.time.IsZero() {
		e.SetTimestamp(w.time)
	}
	parse.Set(e, "process.pid", w.pid)
	parse.Set(e, "process.thread.id", w.tid)
	e.Set("os.family", "windows")
	e.Set("os.platform", "windows")
	if w.message != "" {
		e.Set("event.message", w.message)
	}
	d := w.data
	get := func(keys ...string) string {
		for _, k := range keys {
			if v := d[k]; v != "" && v != "-" && v != "%%1793" {
				return v
			}
		}
		return ""
	}
	sysmon := strings.Contains(w.provider, "Sysmon")
	if sysmon {
		if a, ok := sysmonActions[w.id]; ok {
			if !e.Has("event.action") {
				e.Set("event.action", a.action)
			}
			e.Set("event.category", a.category)
			e.Set("event.type", a.typ)
		}
		if t, ok := parse.ParseTime(get("UtcTime"), time.UTC); ok {
			e.SetTimestamp(t)
		}
	} else if a, ok := winActions[w.id]; ok && strings.Contains(w.provider, "Security-Auditing") {
		if !e.Has("event.action") {
			e.Set("event.action", a.action)
		}
		e.Set("event.category", a.category)
		e.Set("event.type", a.typ)
	}
	// Subject (who did it) and target (whom it was done to).
	if u := d["SubjectUserName"]; u != "" && !(beat && u == "-") {
		e.Set("user.name", u)
		if v := d["SubjectDomainName"]; v != "" {
			e.Set("user.domain", v)
		}
		parse.Set(e, "user.id", d["SubjectUserSid"])
	} else if u := get("AccountName", "User", "UserName"); u != "" {
		dom, name, ok := strings.Cut(u, "\\")
		if !ok {
			dom, name = get("Domain", "AccountDomain"), u
		}
		e.Set("user.name", name)
		parse.Set(e, "user.domain", dom)
		parse.Set(e, "user.id", get("UserID", "UserSid"))
	}
	if u := d["TargetUserName"]; u != "" {
		subj := d["SubjectUserName"]
		if (w.id == "4624" || w.id == "4625" || w.id == "4634" || w.id == "4647" || w.id == "4648" || w.id == "4768" || w.id == "4771") &&
			(!e.Has("user.name") || (beat && (subj == "" || subj == "-")) || w.id == "4648") {
			e.Set("user.name", u)
			parse.Set(e, "user.domain", d["TargetDomainName"])
			parse.Set(e, "user.id", d["TargetUserSid"])
		}
		if w.id == "4781" {
			e.Set("user.changes.name", d["OldTargetUserName"])
			e.Set("user.target.name", d["NewTargetUserName"])
			e.AppendUnique(event.RelatedUser, d["OldTargetUserName"])
			e.AppendUnique(event.RelatedUser, d["NewTargetUserName"])
		} else if !beat || (u != "-" && w.id != "4634" && w.id != "4688") {
			e.Set("user.target.name", u)
			if v := d["TargetDomainName"]; v != "" {
				e.Set("user.target.domain", v)
			}
			if v := d["TargetUserSid"]; v != "" {
				e.Set("user.target.id", v)
			}
			if !beat && u == "-" {
				e.AppendUnique(event.RelatedUser, "-")
			}
		}
	} else if w.id == "4781" {
		parse.Set(e, "user.changes.name", d["OldTargetUserName"])
		parse.Set(e, "user.target.name", d["NewTargetUserName"])
		e.AppendUnique(event.RelatedUser, d["OldTargetUserName"])
		e.AppendUnique(event.RelatedUser, d["NewTargetUserName"])
	}
	if w.id == "4688" {
		parse.Set(e, "user.effective.id", d["TargetUserSid"])
	}
	if w.id == "4625" {
		parse.Set(e, "event.reason", get("FailureReason", "Status"))
	}
	// Network.
	for _, k := range []string{"IpAddress", "SourceAddress", "SourceIp", "ClientAddress"} {
		if v := get(k); v != "" && v != "::1" && v != "127.0.0.1" || (k == "SourceIp" && get(k) != "") {
			ip := strings.TrimPrefix(v, "::ffff:")
			if parse.IsIP(ip) {
				parse.SetAddress(e, "source", ip)
				break
			}
		}
	}
	parse.Set(e, "source.port", get("IpPort", "SourcePort"))
	if v := get("DestAddress", "DestinationIp"); v != "" {
		parse.SetAddress(e, "destination", v)
	}
	parse.Set(e, "destination.port", get("DestPort", "DestinationPort"))
	if p := get("Protocol"); p != "" {
		e.Set("network.transport", parse.TransportName(p))
	}
	// Processes.
	exe := get("NewProcessName", "Image", "SourceImage", "ProcessName", "Application")
	if exe != "" {
		setProcess(e, "process", exe)
	}
	if pid := get("NewProcessId", "ProcessId", "SourceProcessId"); pid != "" {
		if n, ok := winNumber(pid); ok {
			e.Set("process.pid", n)
			e.Set("process.id", n)
		}
	}
	parse.Set(e, "process.command_line", get("CommandLine"))
	if cl := e.Str("process.command_line"); cl != "" && r.JSON != nil && r.JSON["winlog"] != nil {
		e.Set("process.args", splitArgs(cl))
	}
	if cwd := get("CurrentDirectory"); cwd != "" {
		e.Set("process.working_directory", cwd)
	}
	if p := get("ParentProcessName", "ParentImage"); p != "" {
		setProcess(e, "process.parent", p)
		if pcl := get("ParentCommandLine"); pcl != "" {
			e.Set("process.parent.command_line", pcl)
		} else if r.JSON == nil || r.JSON["winlog"] == nil {
			e.Set("process.parent.command_line", p)
		}
	}
	if pid := get("ParentProcessId"); pid != "" {
		if n, ok := winNumber(pid); ok {
			e.Set("process.parent.pid", n)
		}
	} else if w.id == "4688" && r.JSON != nil && r.JSON["winlog"] != nil {
		if n, ok := winNumber(d["ProcessId"]); ok {
			e.Set("process.parent.pid", n)
		}
		if n, ok := winNumber(d["NewProcessId"]); ok {
			e.Set("process.pid", n)
		}
	}
	if h := get("Hashes", "Hash"); h != "" {
		target := "process"
		if w.id == "11" || w.id == "15" || w.id == "23" || w.id == "26" || w.id == "29" {
			target = "file"
		}
		for _, part := range strings.Split(h, ",") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			v = strings.ToLower(v)
			switch strings.ToUpper(k) {
			case "MD5", "SHA1", "SHA256", "SHA512":
				e.Set(target+".hash."+strings.ToLower(k), v)
				e.AppendUnique(event.RelatedHash, v)
			case "IMPHASH":
				e.Set(target+".pe.imphash", v)
			}
		}
	}
	if rn := d["RuleName"]; rn != "" {
		e.Set("rule.name", rn)
	}
	if !beat && d["ProcessName"] == "-" && !e.Has("process.name") {
		e.Set("process.name", "-")
	}
	if u := get("url", "Url", "RemoteName", "URL"); u != "" && strings.Contains(u, "://") {
		parse.SetURL(e, "url", u)
		e.Set("url.full", u)
		if h := e.Str("url.domain"); h != "" {
			parse.SetDomainParts(e, "url", h)
			if !e.Has("url.port") {
				if e.Str("url.scheme") == "https" {
					e.Set("url.port", int64(443))
				} else if e.Str("url.scheme") == "http" {
					e.Set("url.port", int64(80))
				}
			}
		}
	}
	if f := get("TargetFilename", "ObjectName"); f != "" && (w.id == "11" || w.id == "23" || w.id == "26" || w.id == "15" || w.id == "4663") {
		e.Set("file.path", f)
		if i := strings.LastIndexAny(f, `\/`); i >= 0 {
			e.Set("file.name", f[i+1:])
			e.Set("file.directory", f[:i])
		}
	}
	if k := get("TargetObject"); k != "" {
		e.Set("registry.path", k)
		setRegistry(e, k)
		parse.Set(e, "registry.data.strings", get("Details"))
	}
	if q := get("QueryName"); q != "" {
		e.Set("dns.question.name", q)
		parse.SetDomainParts(e, "dns.question", q)
		e.Set("network.protocol", "dns")
		if res := get("QueryResults"); res != "" {
			var answers []any
			var ips []string
			for _, part := range strings.Split(res, ";") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if rest, ok := strings.CutPrefix(part, "type:"); ok {
					fs := strings.Fields(rest)
					if len(fs) == 2 {
						typ := map[string]string{"5": "CNAME", "1": "A", "28": "AAAA", "12": "PTR", "15": "MX", "16": "TXT"}[fs[0]]
						if typ == "" {
							typ = fs[0]
						}
						answers = append(answers, map[string]any{"data": fs[1], "type": typ})
					}
					continue
				}
				ip := strings.TrimPrefix(part, "::ffff:")
				if a, ok := parse.ParseIP(ip); ok {
					typ := "A"
					if a.Is6() {
						typ = "AAAA"
					}
					answers = append(answers, map[string]any{"data": a.String(), "type": typ})
					ips = append(ips, a.String())
				}
			}
			if answers != nil {
				e.Set("dns.answers", answers)
			}
			for _, ip := range ips {
				e.AppendUnique("dns.resolved_ip", ip)
				e.AppendUnique(event.RelatedIP, ip)
			}
		}
	}
	if g := get("ProcessGuid"); g != "" {
		e.Set("process.entity_id", g)
	}
	if desc := get("Description"); desc != "" && sysmon {
		e.Set("event.reason", desc)
	}
	parse.FillRelated(e, "user.name", "user.target.name", "source.ip", "destination.ip")
	if !beat && e.Str("user.name") == "-" {
		e.AppendUnique(event.RelatedUser, "-")
	}
}

func setProcess(e *event.Event, prefix, exe string) {
	e.Set(prefix+".executable", exe)
	if i := strings.LastIndexAny(exe, `\/`); i >= 0 {
		e.Set(prefix+".name", exe[i+1:])
		e.Set(prefix+".working_directory", exe[:i+1])
	} else {
		e.Set(prefix+".name", exe)
	}
}

// winNumber reads decimal or 0x-hexadecimal ids.
func winNumber(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseInt(h, 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

var hives = map[string]string{"HKLM": "HKLM", "HKEY_LOCAL_MACHINE": "HKLM", "HKU": "HKU", "HKEY_USERS": "HKU", "HKCU": "HKCU", "HKEY_CURRENT_USER": "HKCU", "HKCR": "HKCR", "HKEY_CLASSES_ROOT": "HKCR"}

func setRegistry(e *event.Event, path string) {
	hive, rest, ok := strings.Cut(path, `\`)
	if !ok {
		return
	}
	if h, ok := hives[strings.ToUpper(hive)]; ok {
		e.Set("registry.hive", h)
	}
	if i := strings.LastIndexByte(rest, '\\'); i >= 0 {
		e.Set("registry.key", rest[:i])
		e.Set("registry.value", rest[i+1:])
	}
}

// splitArgs splits a Windows command line into arguments (quotes group).
func splitArgs(cl string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(cl); i++ {
		c := cl[i]
		switch {
		case c == '"':
			inQ = !inQ
			cur.WriteByte(c)
		case c == ' ' && !inQ:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func init() { all = append(all, windows) }
