package vendors

import (
	"strconv"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Stormshield Endpoint Security (SES Evolution) agent events, forwarded by
// the SES management server as one JSON object per message:
//
//	{"Version":1,"Type":104,"TypeComputedMap":"RegistryKeyRead","Severity":4,
//	 "EventGuid":"{...}","Timestamp":"2023-06-15T05:34:00.8441322+02:00",
//	 "SpecificData":{"SourceProcess":{...},"Action":{...},"Path":"HKEY_..."},
//	 "AdditionalData":{"AgentName":"...","PolicyName":"...","Message":"..."}}
//
// Type is the numeric event type (its name in TypeComputedMap); SpecificData
// holds the type's fields, with the processes involved (SourceProcess,
// ParentProcess, CreatedProcess, TargetProcess) in one shape, and
// AdditionalData the server's enrichment (agent, incident, MITRE ATT&CK).
var stormshieldSES = &parse.Vendor{
	ID:       "stormshield-ses",
	Aliases:  []string{"stormshield-endpoint-security", "stormshield-endpoint", "ses-evolution", "stormshield_ses"},
	Name:     "Stormshield Endpoint Security (SES Evolution)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "Stormshield", Product: "Endpoint Security", Type: "edr"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		_, tc := r.JSON["TypeComputedMap"]
		_, guid := r.JSON["EventGuid"]
		return tc && guid
	},
	Normalize: normalizeStormshieldSES,
	Verified:  "Sekoia Stormshield Endpoint Security intake tests (108 events, JSON)",
}

// sesCategory gives event.category and event.type of the SES event types
// (numbers of the SES Evolution event reference).
var sesCategory = map[int64][2]string{
	7: {"process", "access"}, 11: {"process", "start"}, 39: {"file", "access"},
	40: {"network", "info"}, 41: {"network", "access"}, 42: {"network", "start"},
	43: {"malware", "info"}, 44: {"malware", "info"}, 45: {"malware", "info"}, 46: {"malware", "info"},
	47: {"malware", "info"}, 50: {"malware", "info"}, 51: {"process", "info"}, 53: {"malware", "info"},
	54: {"process", "info"}, 55: {"process", "info"}, 56: {"process", "end"}, 57: {"malware", "info"},
	58: {"malware", "info"}, 59: {"malware", "info"},
	103: {"registry", "creation"}, 104: {"registry", "access"}, 109: {"registry", "change"}, 112: {"registry", "deletion"},
	113: {"registry", "creation"}, 114: {"registry", "access"}, 115: {"registry", "change"}, 116: {"registry", "deletion"},
	173: {"file", "creation"}, 174: {"file", "info"}, 175: {"file", "access"}, 176: {"file", "change"}, 177: {"file", "deletion"},
	301: {"driver", "info"}, 302: {"driver", "info"}, 303: {"driver", "info"}, 305: {"driver", "info"},
	325: {"driver", "info"}, 326: {"driver", "info"}, 327: {"driver", "info"},
	361: {"network", "connection"}, 400: {"network", "connection"}, 401: {"network", "info"},
	1006: {"network", "start"}, 1007: {"network", "end"}, 1008: {"network", "end"}, 1009: {"network", "end"}, 1011: {"network", "denied"},
	20003: {"configuration", "change"}, 20010: {"process", "start"},
	20054: {"malware", "info"}, 20055: {"malware", "info"}, 20056: {"malware", "info"}, 20057: {"malware", "info"},
	20060: {"malware", "info"}, 20061: {"malware", "info"}, 20068: {"malware", "info"}, 20082: {"malware", "info"},
	20089: {"file", "deletion"}, 20090: {"process", "end"}, 20091: {"registry", "deletion"}, 20092: {"registry", "deletion"},
	20093: {"registry", "change"}, 20094: {"malware", "info"}, 20095: {"file", "info"},
	20097: {"malware", "info"}, 20098: {"malware", "info"}, 20099: {"malware", "info"}, 20100: {"malware", "info"},
	20101: {"malware", "info"}, 20105: {"malware", "info"}, 20106: {"malware", "info"},
}

// sesDeviceTypes names the device class of the device-control events.
var sesDeviceTypes = map[int64]string{301: "floppy", 302: "cdrom", 303: "serial", 305: "usb", 325: "usb", 326: "usb", 327: "usb"}

func normalizeStormshieldSES(r *parse.Record, e *event.Event) error {
	j := r.JSON
	if j == nil {
		return nil
	}
	typ, _ := strconv.ParseInt(sesStr(j, "Type"), 10, 64)
	name, _ := j["TypeComputedMap"].(string)
	sd, _ := j["SpecificData"].(map[string]any)
	ad, _ := j["AdditionalData"].(map[string]any)

	if ts, ok := j["Timestamp"].(string); ok {
		if t, ok := parse.ParseTime(ts, r.Location()); ok {
			e.SetTimestamp(t)
		}
	}
	parse.SetValue(e, "event.severity", j["Severity"])
	parse.Set(e, "event.code", name)
	e.Set("stormshield.ses.type", strconv.FormatInt(typ, 10))
	if c, ok := sesCategory[typ]; ok {
		e.Set("event.category", []string{c[0]})
		e.Set("event.type", []string{c[1]})
	}
	if d, ok := sesDeviceTypes[typ]; ok {
		e.Set("stormshield.ses.device.type", d)
	}

	sesUser(e, sd, "user", "")
	if sd != nil {
		parse.Set(e, "event.action", sesStr(sd, "OperationComputedMap"))
		parse.Set(e, "event.provider", sesStr(sd, "ProviderName"))
		parse.Set(e, "rule.ruleset", sesStr(sd, "PolicyName"))
		sesNetwork(e, sd)
		sesAction(e, sd)
		sesProcesses(e, typ, sd)
		sesFile(e, typ, name, sd)
		sesRegistry(e, typ, name, sd)
		if u := sesStr(sd, "DownloadUrl"); u != "" {
			sesURL(e, u)
		}
		if typ == 20048 {
			sesWindowsEvent(e, sd)
		}
	}
	if ad != nil {
		sesAdditional(e, ad)
	}

	if o := e.Str("file.owner"); o != "" {
		e.AppendUnique(event.RelatedUser, o)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "user.name",
		"process.hash.md5", "process.hash.sha1", "process.hash.sha256",
		"process.parent.hash.md5", "process.parent.hash.sha1", "process.parent.hash.sha256",
		"file.hash.md5", "file.hash.sha1", "file.hash.sha256", "file.hash.ssdeep")
	return nil
}

// sesStr returns a member as text ("" when absent or null).
func sesStr(m map[string]any, key string) string {
	s, _ := event.Stringify(m[key])
	return s
}

// sesUser sets prefix.{name,id} (and the domain under the vendor
// namespace, or user.domain for the event's user) from the SES
// User/UserNameLookup/UserDomainLookup triple.
func sesUser(e *event.Event, m map[string]any, prefix, domainField string) {
	if m == nil {
		return
	}
	parse.Set(e, prefix+".name", sesStr(m, "UserNameLookup"))
	parse.Set(e, prefix+".id", sesStr(m, "User"))
	if domainField == "" {
		domainField = prefix + ".domain"
	}
	parse.Set(e, domainField, sesStr(m, "UserDomainLookup"))
}

func sesNetwork(e *event.Event, sd map[string]any) {
	if a := sesStr(sd, "LocalAddress"); a != "" {
		parse.SetAddress(e, "source", a)
	}
	parse.Set(e, "source.port", sesStr(sd, "LocalPort"))
	if a := sesStr(sd, "RemoteAddress"); a != "" {
		parse.SetAddress(e, "destination", a)
	}
	parse.Set(e, "destination.port", sesStr(sd, "RemotePort"))
	parse.Set(e, "destination.mac", sesStr(sd, "RemoteMacAddress"))
	if p := sesStr(sd, "ProtocolComputedMap"); p != "" {
		e.Set("network.transport", strings.ToLower(p))
	}
	if f := sesStr(sd, "AddressFamilyComputedMap"); f != "" {
		e.Set("network.type", strings.ToLower(f))
	}
}

// sesAction reads the policy decision: the rule that matched and whether
// the operation was blocked.
func sesAction(e *event.Event, sd map[string]any) {
	a, _ := sd["Action"].(map[string]any)
	if a == nil {
		return
	}
	if g := sesStr(a, "RuleGuid"); g != "" {
		e.Set("rule.uuid", strings.TrimSuffix(strings.TrimPrefix(g, "{"), "}"))
	}
	if b, ok := a["Blocked"].(bool); ok {
		e.Set("stormshield.ses.action.blocked", b)
		if b {
			e.Set("event.outcome", "failure")
		}
	}
	if b, ok := a["UserDecision"].(bool); ok {
		e.Set("stormshield.ses.action.user_decision", b)
	}
	if b, ok := a["SourceProcessKilled"].(bool); ok {
		e.Set("stormshield.ses.source_process.killed", b)
	}
	if tags, ok := a["RuleTags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				e.AppendUnique("stormshield.ses.rule.tags", s)
			}
		}
	}
}

// sesProcesses maps the processes of the event. The acting process
// (SourceProcess) is process.*, except for process executions, where the
// process started (CreatedProcess) is and its creator the parent.
func sesProcesses(e *event.Event, typ int64, sd map[string]any) {
	src, _ := sd["SourceProcess"].(map[string]any)
	created, _ := sd["CreatedProcess"].(map[string]any)
	parent, _ := sd["ParentProcess"].(map[string]any)
	target, _ := sd["TargetProcess"].(map[string]any)
	main := src
	if typ == 11 && created != nil {
		main = created
	}
	sesProcess(e, "process", "stormshield.ses.process.user.domain", main)
	sesProcess(e, "process.parent", "stormshield.ses.process.parent.user.domain", parent)
	if target == nil && typ == 20082 {
		target = created
	}
	if target != nil {
		exe := sesStr(target, "ProcessImageName")
		parse.Set(e, "stormshield.ses.process.target.executable", exe)
		parse.Set(e, "stormshield.ses.process.target.name", sesBase(exe))
		parse.Set(e, "stormshield.ses.process.target.command_line", sesStr(target, "ProcessCommandLine"))
		parse.Set(e, "stormshield.ses.process.target.pid", sesStr(target, "PID"))
	}
	if pid := sesStr(sd, "ProcessPID"); pid != "" && !e.Has("process.pid") {
		parse.Set(e, "process.pid", pid)
	}
}

func sesProcess(e *event.Event, prefix, domainField string, p map[string]any) {
	if p == nil {
		return
	}
	parse.Set(e, prefix+".pid", sesStr(p, "PID"))
	if t := sesStr(p, "ProcessStartTime"); t != "" {
		parse.Set(e, prefix+".start", t)
	}
	if exe := sesStr(p, "ProcessImageName"); exe != "" {
		e.Set(prefix+".executable", exe)
		e.Set(prefix+".name", sesBase(exe))
	}
	parse.Set(e, prefix+".command_line", sesStr(p, "ProcessCommandLine"))
	parse.Set(e, prefix+".hash.md5", sesStr(p, "HashMd5"))
	parse.Set(e, prefix+".hash.sha1", sesStr(p, "HashSha1"))
	parse.Set(e, prefix+".hash.sha256", sesStr(p, "HashSha256"))
	parse.Set(e, prefix+".entity_id", strings.Trim(sesStr(p, "ProcessGuid"), "{}"))
	sesUser(e, p, prefix+".user", domainField)
}

// sesBase returns the last element of a Windows or POSIX path.
func sesBase(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func sesFile(e *event.Event, typ int64, name string, sd map[string]any) {
	path := ""
	switch {
	case strings.HasPrefix(name, "File") || name == "RawVolumeAccess" || name == "DriverLoading":
		path = sesStr(sd, "Path")
	case sd["FullPath"] != nil:
		path = sesStr(sd, "FullPath")
	case sd["ObjectFullPath"] != nil:
		path = sesStr(sd, "ObjectFullPath")
	case typ == 20094:
		path = sesStr(sd, "ScriptOutputFilePath")
		if s := sesStr(sd, "ScriptName"); s != "" {
			e.Set("process.executable", s)
			e.Set("process.name", s)
		}
	}
	parse.Set(e, "file.owner", sesStr(sd, "FileOwnerNameLookup"))
	if fd, ok := sd["FileDetails"].(map[string]any); ok {
		if p := sesStr(fd, "FileFullPath"); p != "" {
			path = p
		}
		parse.Set(e, "file.owner", sesStr(fd, "OwnerNameLookup"))
		sesHashes(e, "file", fd)
	}
	if fd, ok := sd["SourceProcessImageFileDetails"].(map[string]any); ok {
		// The image file of the acting process.
		sesHashes(e, "process", fd)
	}
	if path == "" {
		return
	}
	e.Set("file.path", path)
	if i := strings.LastIndexAny(path, `\/`); i >= 0 {
		e.Set("file.directory", path[:i])
		e.Set("file.name", path[i+1:])
	} else {
		e.Set("file.directory", "")
		e.Set("file.name", path)
	}
}

func sesHashes(e *event.Event, prefix string, m map[string]any) {
	parse.Set(e, prefix+".hash.md5", sesStr(m, "HashMd5"))
	parse.Set(e, prefix+".hash.sha1", sesStr(m, "HashSha1"))
	parse.Set(e, prefix+".hash.sha256", sesStr(m, "HashSha256"))
	parse.Set(e, prefix+".hash.ssdeep", sesStr(m, "HashSSDeep"))
}

func sesRegistry(e *event.Event, typ int64, name string, sd map[string]any) {
	path := ""
	switch {
	case strings.HasPrefix(name, "Registry"):
		path = sesStr(sd, "Path")
	case typ == 20091 || typ == 20092 || typ == 20093:
		path = sesStr(sd, "TargetResourcePath")
	}
	if path == "" {
		return
	}
	e.Set("registry.path", path)
	if hive, key, ok := strings.Cut(path, `\`); ok {
		e.Set("registry.hive", hive)
		e.Set("registry.key", key)
	}
	if v := sesStr(sd, "ValueName"); v != "" {
		e.Set("registry.value", v)
	}
	parse.Set(e, "registry.data.type", sesStr(sd, "ValueDataTypeComputedMap"))
	if d := sesStr(sd, "ValueData"); d != "" {
		e.Set("registry.data.strings", []string{d})
	}
}

func sesURL(e *event.Event, u string) {
	parse.SetURL(e, "url", u)
	e.Set("url.full", u)
	if h := e.Str("url.domain"); h != "" {
		parse.SetDomainParts(e, "url", h)
	}
	if !e.Has("url.port") {
		switch e.Str("url.scheme") {
		case "http":
			e.Set("url.port", int64(80))
		case "https":
			e.Set("url.port", int64(443))
		}
	}
}

// sesWindowsEvent reads the Windows event an "External" event (type 20048)
// forwards, such as a Microsoft Defender detection.
func sesWindowsEvent(e *event.Event, sd map[string]any) {
	sys, ok := parse.JSONPath(sd, "ExtraData.__EvtXml.Event.System")
	m, _ := sys.(map[string]any)
	if !ok || m == nil {
		return
	}
	if p, ok := parse.JSONString(m, "Provider.Name"); ok {
		e.Set("event.provider", p)
	}
	if id, ok := parse.JSONString(m, "EventID"); ok {
		e.Set("event.code", id)
	}
	if s, ok := parse.JSONString(m, "Execution.ProcessID"); ok {
		parse.Set(e, "process.pid", s)
	}
	if s, ok := parse.JSONString(m, "Execution.ThreadID"); ok {
		parse.Set(e, "process.thread.id", s)
	}
}

// sesAdditional reads the management server's enrichment.
func sesAdditional(e *event.Event, ad map[string]any) {
	parse.Set(e, "host.name", sesStr(ad, "AgentName"))
	if l, ok := ad["AgentAddresses"].([]any); ok {
		for _, a := range l {
			if s, ok := a.(string); ok {
				parse.Set(e, "host.ip", s)
			}
		}
	}
	parse.Set(e, "rule.ruleset", sesStr(ad, "PolicyName"))
	parse.Set(e, "event.reason", sesStr(ad, "Message"))
	parse.Set(e, "stormshield.ses.incident.id", sesStr(ad, "IncidentGuid"))
	parse.Set(e, "stormshield.ses.level", sesStr(ad, "SeverityName"))
	parse.Set(e, "stormshield.ses.categoryname", sesStr(ad, "CategoryName"))
	for src, dst := range map[string]string{
		"AttackMitreTacticId": "threat.tactic.id", "AttackMitreTacticName": "threat.tactic.name",
		"AttackMitreTechnicId": "threat.technique.id", "AttackMitreTechnicName": "threat.technique.name",
	} {
		if l, ok := ad[src].([]any); ok {
			for _, v := range l {
				if s, ok := v.(string); ok {
					parse.Set(e, dst, s)
				}
			}
		}
	}
	if len(ad) > 0 && e.Has("threat.technique.id") {
		e.Set("threat.framework", "MITRE ATT&CK")
	}
}

func init() { all = append(all, stormshieldSES) }
