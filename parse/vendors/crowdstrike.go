package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// CrowdStrike Falcon: the Event Streams API (SIEM connector) sends one JSON
// document per event, {"metadata": {"eventType", "customerIDString",
// "eventCreationTime", ...}, "event": {...}}: detection summaries (EPP,
// mobile, identity), incidents, firewall matches, audit events of the
// console and the API, and Threat Graph vertices.
var crowdstrike = &parse.Vendor{
	ID:       "crowdstrike-falcon",
	Aliases:  []string{"crowdstrike", "falcon", "crowdstrike_falcon", "falcon-edr"},
	Name:     "CrowdStrike Falcon (Event Streams)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "CrowdStrike", Product: "Falcon", Type: "edr"},
	Detect: func(r *parse.Record) bool {
		if r.JSON == nil {
			return false
		}
		md, ok := r.JSON["metadata"].(map[string]any)
		if !ok {
			return false
		}
		_, et := md["eventType"]
		_, cid := md["customerIDString"]
		_, det := md["detectionIdString"]
		return et && (cid || det)
	},
	Normalize: normalizeCrowdStrike,
	Verified:  "Sekoia CrowdStrike Falcon intake tests (23 events: detection summaries, incidents, firewall, mobile, identity, audit, vertices)",
}

func init() { all = append(all, crowdstrike) }

// csDetection maps the members shared by the detection summary events.
var csDetection = []jvField{
	{"Severity", []string{"event.severity"}},
	{"SeverityName", []string{"crowdstrike.severity_name"}},
	{"ComputerName", []string{"host.name"}},
	{"Hostname", []string{"host.name"}},
	{"LocalIP", []string{"host.ip"}},
	{"MACAddress", []string{"host.mac"}},
	{"AgentId", []string{"agent.id"}},
	{"SensorId", []string{"agent.id", "crowdstrike.sensor_id"}},
	{"ProcessId", []string{"process.pid"}},
	{"ParentProcessId", []string{"process.parent.pid"}},
	{"CommandLine", []string{"process.command_line"}},
	{"FileName", []string{"process.name"}},
	{"FilePath", []string{"process.working_directory"}},
	{"MD5String", []string{"file.hash.md5"}},
	{"SHA1String", []string{"file.hash.sha1"}},
	{"SHA256String", []string{"file.hash.sha256"}},
	{"ParentCommandLine", []string{"process.parent.command_line"}},
	{"Tactic", []string{"threat.tactic.name"}},
	{"TacticId", []string{"threat.tactic.id"}},
	{"Technique", []string{"threat.technique.name"}},
	{"TechniqueId", []string{"threat.technique.id"}},
	{"PatternDispositionDescription", []string{"threat.indicator.description"}},
	{"PatternDispositionValue", []string{"crowdstrike.pattern.disposition_value"}},
	{"PatternId", []string{"crowdstrike.pattern_id"}},
	{"DetectId", []string{"crowdstrike.detect_id"}},
	{"AggregateId", []string{"crowdstrike.detect_id"}},
	{"CompositeId", []string{"crowdstrike.composite_id"}},
	{"DetectName", []string{"crowdstrike.detect_name", "rule.name"}},
	{"Name", []string{"crowdstrike.detect_name", "rule.name"}},
	{"DetectDescription", []string{"crowdstrike.detect_description", "rule.description"}},
	{"Description", []string{"crowdstrike.detect_description", "rule.description"}},
	{"Objective", []string{"crowdstrike.event_objective"}},
	{"FalconHostLink", []string{"crowdstrike.falcon_host_link", "event.url", "event.reference"}},
	{"MachineDomain", []string{"host.domain"}},
	{"NetworkDetectionType", []string{"event.action"}},
	{"ApplicationName", []string{"network.application"}},
}

// csIOCTypes maps Falcon IOC types to STIX cyber-observable types
// (threat.indicator.type).
var csIOCTypes = map[string]string{
	"hash_sha256": "file", "hash_md5": "file", "hash_sha1": "file", "domain": "domain-name",
	"ipv4": "ipv4-addr", "ipv6": "ipv6-addr", "url": "url",
}

func normalizeCrowdStrike(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	md := j.obj("metadata")
	ev := j.obj("event")
	typ := md.str("eventType")
	e.Set("crowdstrike.event_type", typ)
	if cid := md.first("customerIDString"); cid != "" {
		e.Set("crowdstrike.customer_id", cid)
	}
	if t, ok := jvTime(md.val("eventCreationTime"), r.Location()); ok {
		e.SetTimestamp(t)
		e.Set("crowdstrike.event_created", t.UTC())
	}
	switch typ {
	case "DetectionSummaryEvent", "EppDetectionSummaryEvent", "MobileDetectionSummaryEvent":
		csDetectionEvent(r, e, ev, typ)
	case "IdpDetectionSummaryEvent", "IdentityProtectionEvent":
		csIdentity(r, e, ev)
	case "IncidentSummaryEvent":
		csAlert(e)
		jvCopy(e, ev, []jvField{
			{"FalconHostLink", []string{"event.reference", "event.url", "crowdstrike.falcon_host_link"}},
			{"State", []string{"crowdstrike.state"}}, {"HostID", []string{"crowdstrike.host_id"}},
			{"IncidentID", []string{"crowdstrike.incident_id"}}, {"FineScore", []string{"crowdstrike.fine_score"}},
			{"IncidentType", []string{"crowdstrike.incident_type"}},
		})
		jvSetTime(e, "event.start", ev.val("IncidentStartTime"), r.Location())
		jvSetTime(e, "event.end", ev.val("IncidentEndTime"), r.Location())
	case "FirewallMatchEvent":
		csFirewall(e, ev)
	case "AuthActivityAuditEvent", "UserActivityAuditEvent", "APIActivityAuditEvent":
		csAudit(e, ev, typ)
	case "ScheduledReportNotificationEvent":
		csAlert(e)
		jvCopy(e, ev, []jvField{
			{"UserID", []string{"user.id", "user.name"}}, {"UserUUID", []string{"user.id"}},
			{"ReportID", []string{"crowdstrike.report_id"}}, {"ReportName", []string{"crowdstrike.report_name"}},
			{"ExecutionMetadata.ReportFileName", []string{"file.name"}},
		})
	case "Vertex":
		csVertex(r, e, j)
	default:
		// Other stream events: the members that name the same things.
		jvCopy(e, ev, csDetection)
		jvCopy(e, ev, csAuditFields)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "user.name", "file.hash.md5", "file.hash.sha1", "file.hash.sha256")
	return nil
}

func csAlert(e *event.Event) {
	e.Set("event.kind", "alert")
	e.Set("event.category", []string{"intrusion_detection"})
	e.Set("event.type", []string{"info"})
}

func csDetectionEvent(r *parse.Record, e *event.Event, ev jvObj, typ string) {
	csAlert(e)
	jvCopy(e, ev, csDetection)
	if typ == "MobileDetectionSummaryEvent" {
		e.Set("observer.product", "Falcon for Mobile")
		e.Set("event.dataset", "MobileDetection")
	}
	if u := ev.str("UserName"); u != "" {
		jvUser(e, "user", u)
	}
	if g := ev.str("HostGroups"); g != "" {
		e.Set("crowdstrike.host_groups", strings.Split(g, ","))
	}
	jvSetTime(e, "process.start", ev.val("ProcessStartTime"), r.Location())
	jvSetTime(e, "process.end", ev.val("ProcessEndTime"), r.Location())
	// The parent process: image path, or its file name and path apart.
	pname, ppath := ev.str("ParentImageFileName"), ev.str("ParentImageFilePath")
	if ppath == "" && strings.ContainsAny(pname, `\/`) {
		ppath = pname
	}
	if ppath != "" {
		e.Set("process.parent.executable", ppath)
		if d := jvDir(ppath); d != "" {
			e.Set("process.parent.working_directory", d)
		}
	}
	if n := jvBase(pname); n != "" {
		e.Set("process.parent.name", n)
	} else if ppath != "" {
		e.Set("process.parent.name", jvBase(ppath))
	}
	gname, gpath := ev.str("GrandparentImageFileName"), ev.first("GrandparentImageFilePath", "GrandParentImageFilePath")
	if gname == "" {
		gname = ev.str("GrandParentImageFileName")
	}
	if gpath == "" && strings.ContainsAny(gname, `\/`) {
		gpath = gname
	}
	if gpath != "" {
		e.Set("crowdstrike.process.grandparent.executable", gpath)
		e.Set("crowdstrike.process.grandparent.working_directory", jvDir(gpath))
	}
	if gname != "" {
		e.Set("crowdstrike.process.grandparent.name", jvBase(gname))
	}
	if c := ev.first("GrandparentCommandLine", "GrandParentCommandLine"); c != "" {
		e.Set("crowdstrike.process.grandparent.command_line", c)
	}
	// The file the detection is about, when it is not the process image.
	if af := ev.str("AssociatedFile"); af != "" {
		e.Set("file.path", af)
		e.Set("file.name", jvBase(af))
		if d := jvDir(af); d != "" {
			e.Set("file.directory", d)
		}
	}
	if flags := ev.obj("PatternDispositionFlags"); flags != nil {
		for k, v := range flags {
			e.Set("crowdstrike.pattern.disposition_flags."+k, v)
		}
	}
	// The indicator that matched.
	if it, iv := ev.str("IOCType"), ev.str("IOCValue"); it != "" && iv != "" {
		if t := csIOCTypes[it]; t != "" {
			e.Set("threat.indicator.type", t)
		}
		e.Set("threat.indicator.name", iv)
		switch it {
		case "hash_sha256", "hash_md5", "hash_sha1":
			e.Set("threat.indicator.file.hash."+strings.TrimPrefix(it, "hash_"), iv)
		case "domain":
			e.Set("threat.indicator.url.domain", iv)
		case "ipv4", "ipv6":
			var ips []string
			for _, ip := range strings.Split(iv, ",") {
				if ip = strings.TrimSpace(ip); parse.IsIP(ip) {
					ips = append(ips, ip)
				}
			}
			switch len(ips) {
			case 0:
			case 1:
				e.Set("threat.indicator.ip", ips[0])
			default:
				e.Set("threat.indicator.ip", ips)
			}
		case "url":
			e.Set("threat.indicator.url.original", iv)
		}
	}
	// A URL the process was started with (downloads, clones).
	if cl := ev.str("CommandLine"); cl != "" {
		if i := strings.Index(cl, "://"); i > 0 {
			s := strings.LastIndexAny(cl[:i], " \"'=") + 1
			end := strings.IndexAny(cl[s:], " \"'")
			u := cl[s:]
			if end >= 0 {
				u = cl[s : s+end]
			}
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "ftp://") {
				jvURL(e, "url", u)
			}
		}
	}
}

func csIdentity(r *parse.Record, e *event.Event, ev jvObj) {
	e.Set("event.kind", "alert")
	jvCopy(e, ev, []jvField{
		{"Severity", []string{"event.severity"}}, {"SeverityName", []string{"crowdstrike.severity_name"}},
		{"FalconHostLink", []string{"event.reference", "event.url"}},
		{"Objective", []string{"event.reason"}},
		{"Tactic", []string{"threat.tactic.name"}}, {"TacticId", []string{"threat.tactic.id"}},
		{"Technique", []string{"threat.technique.name"}}, {"TechniqueId", []string{"threat.technique.id"}},
		{"SourceAccountDomain", []string{"user.domain"}}, {"SourceAccountObjectSid", []string{"user.id"}},
		{"SourceEndpointIpAddress", []string{"source.ip"}}, {"SourceEndpointHostName", []string{"source.domain"}},
		{"DetectName", []string{"crowdstrike.detect_name", "rule.name"}}, {"DetectDescription", []string{"crowdstrike.detect_description"}},
		{"DetectId", []string{"crowdstrike.detect_id"}}, {"PatternId", []string{"crowdstrike.pattern_id"}},
		{"IncidentType", []string{"crowdstrike.incident_type"}}, {"IncidentDescription", []string{"crowdstrike.incident_description"}},
		{"IdentityProtectionIncidentId", []string{"crowdstrike.incident_id"}}, {"State", []string{"crowdstrike.state"}},
		{"EndpointIp", []string{"host.ip"}}, {"EndpointName", []string{"host.name"}},
	})
	jvUser(e, "user", ev.first("SourceAccountName", "UserName"))
	jvSetTime(e, "event.start", ev.val("StartTime"), r.Location())
	jvSetTime(e, "event.end", ev.val("EndTime"), r.Location())
}

// csFirewall reads a Falcon Firewall rule match. The local end is the
// destination of inbound connections and the source of outbound ones.
func csFirewall(e *event.Event, ev jvObj) {
	csAlert(e)
	local, remote := "source", "destination"
	switch ev.str("ConnectionDirection") {
	case "0":
		e.Set("network.direction", "outbound")
	case "1":
		e.Set("network.direction", "inbound")
		local, remote = "destination", "source"
	}
	parse.SetAddress(e, local, ev.str("LocalAddress"))
	parse.Set(e, local+".port", ev.str("LocalPort"))
	parse.SetAddress(e, remote, ev.str("RemoteAddress"))
	parse.Set(e, remote+".port", ev.str("RemotePort"))
	if p := ev.str("Protocol"); p != "" {
		e.Set("network.transport", parse.TransportName(p))
		parse.Set(e, "network.iana_number", p)
	}
	parse.Set(e, "network.type", ev.str("Ipv"))
	switch ev.str("RuleAction") {
	case "1":
		e.Set("event.type", []string{"allowed"})
	case "2":
		e.Set("event.type", []string{"denied"})
	}
	jvExecutable(e, "process", ev.str("ImageFileName"))
	jvCopy(e, ev, []jvField{
		{"EventType", []string{"event.action"}}, {"HostName", []string{"host.name"}},
		{"PID", []string{"process.pid"}}, {"CommandLine", []string{"process.command_line"}},
		{"RuleName", []string{"rule.name"}}, {"RuleId", []string{"rule.id"}}, {"RuleDescription", []string{"rule.description"}},
		{"RuleGroupName", []string{"rule.category"}}, {"PolicyName", []string{"rule.ruleset"}},
		{"RuleFamilyID", []string{"crowdstrike.rule.family_id"}}, {"DeviceId", []string{"crowdstrike.host_id"}},
		{"MatchCount", []string{"crowdstrike.rule.match_count.total"}},
		{"MatchCountSinceLastReport", []string{"crowdstrike.rule.match_count.since_last_report"}},
	})
}

var csAuditFields = []jvField{
	{"ServiceName", []string{"service.name"}}, {"UserId", []string{"user.id"}},
	{"OperationName", []string{"crowdstrike.operation_name"}},
	{"Attributes.request_method", []string{"http.request.method"}},
	{"Attributes.request_content_type", []string{"http.request.mime_type"}},
	{"Attributes.status_code", []string{"http.response.status_code"}},
	{"Attributes.trace_id", []string{"trace.id"}},
	{"Attributes.request_path", []string{"url.path"}},
	{"Attributes.request_query", []string{"url.query"}},
	{"Attributes.user_agent", []string{"user_agent.original"}},
	{"Attributes.cid", []string{"crowdstrike.customer_id"}},
}

func csAudit(e *event.Event, ev jvObj, typ string) {
	e.Set("event.kind", "event")
	jvCopy(e, ev, csAuditFields)
	ip := ev.first("UserIp", "SourceIp", "Attributes.user_ip")
	if parse.IsIP(ip) {
		parse.SetAddress(e, "source", ip)
	}
	if p := strings.Trim(ev.str("Attributes.produces"), "[]"); p != "" {
		e.Set("http.response.mime_type", strings.Split(p, ",")[0])
	}
	switch ev.str("Success") {
	case "true":
		e.Set("event.outcome", "success")
	case "false":
		e.Set("event.outcome", "failure")
	}
	for _, kv := range ev.list("AuditKeyValues") {
		m, _ := kv.(map[string]any)
		if k, _ := m["Key"].(string); k == "detection_id" {
			if v, _ := m["ValueString"].(string); v != "" {
				e.Set("crowdstrike.detect_id", v)
			}
		}
	}
	op := ev.str("OperationName")
	switch {
	case typ == "APIActivityAuditEvent":
		e.Set("event.category", []string{"api"})
		e.Set("event.type", []string{"access"})
	case op == "streamStarted":
		e.Set("event.category", []string{"session"})
		e.Set("event.type", []string{"start"})
	case op == "streamStopped":
		e.Set("event.category", []string{"session"})
		e.Set("event.type", []string{"end"})
	default:
		e.Set("event.category", []string{"configuration"})
		e.Set("event.type", []string{"change"})
	}
}

// csVertex reads a Threat Graph vertex (process, user session, ...).
func csVertex(r *parse.Record, e *event.Event, j jvObj) {
	md, ev := j.obj("metadata"), j.obj("event")
	p := ev.obj("properties")
	e.Set("event.kind", "event")
	if t, ok := jvTime(ev.val("timestamp"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	jvCopy(e, md, []jvField{
		{"severity.code", []string{"event.severity"}}, {"severity.name", []string{"crowdstrike.severity_name"}},
		{"detectionIdString", []string{"crowdstrike.detect_id"}}, {"edge.sourceVertexId", []string{"crowdstrike.edge.subject_id"}},
		{"edge.type", []string{"crowdstrike.edge.type"}},
	})
	jvCopy(e, ev, []jvField{
		{"customer_id", []string{"crowdstrike.customer_id"}}, {"device_id", []string{"crowdstrike.host_id"}},
		{"vertex_type", []string{"crowdstrike.vertex_type"}}, {"scope", []string{"crowdstrike.scope"}},
		{"object_id", []string{"crowdstrike.object_id"}},
	})
	jvCopy(e, p, []jvField{
		{"CommandLine", []string{"process.command_line"}}, {"WindowTitle", []string{"process.title"}},
		{"ParentProcessId", []string{"process.parent.pid"}}, {"ExitCode", []string{"process.exit_code"}},
		{"SHA256HashData", []string{"file.hash.sha256"}}, {"SHA1HashData", []string{"file.hash.sha1"}}, {"MD5HashData", []string{"file.hash.md5"}},
		{"TargetFileName", []string{"file.path"}},
		{"UserName", []string{"user.name"}}, {"LogonDomain", []string{"user.domain"}},
		{"LocalPort", []string{"source.port"}}, {"RemotePort", []string{"destination.port"}},
		{"ComputerName", []string{"host.name"}}, {"instanceId", []string{"cloud.instance.id"}},
		{"accountId", []string{"cloud.account.id"}}, {"zone_group", []string{"cloud.region"}},
		{"EventName", []string{"event.reason"}},
	})
	if img := p.str("ImageFileName"); img != "" {
		jvExecutable(e, "process", img)
		if d := jvDir(img); d != "" {
			e.Set("process.working_directory", d)
		}
	}
	parse.Set(e, "process.pid", p.first("RawProcessId", "TargetProcessId"))
	if u := p.first("UserSid", "LogonId"); u != "" {
		e.Set("user.id", u)
	}
	if t, ok := jvTime(p.val("ProcessStartTime_formatted"), r.Location()); ok {
		e.Set("process.start", t.UTC())
	} else {
		jvSetTime(e, "process.start", p.val("ProcessStartTime"), r.Location())
	}
	if t, ok := jvTime(p.val("ProcessEndTime_formatted"), r.Location()); ok {
		e.Set("process.end", t.UTC())
	} else {
		jvSetTime(e, "process.end", p.val("ProcessEndTime"), r.Location())
	}
	for _, k := range []string{"LocalAddressIP4", "LocalAddressIP6"} {
		if ip := p.str(k); parse.IsIP(ip) {
			parse.SetAddress(e, "source", ip)
		}
	}
	for _, k := range []string{"RemoteAddressIP4", "RemoteAddressIP6"} {
		if ip := p.str(k); parse.IsIP(ip) {
			parse.SetAddress(e, "destination", ip)
		}
	}
	if p.str("UserIsAdmin") == "1" {
		e.Set("user.roles", []string{"admin"})
	}
	if pr := p.str("Protocol"); pr != "" {
		e.Set("network.transport", parse.TransportName(pr))
	}
	for _, k := range []string{"LogonType", "LogonId"} {
		if v := p.str(k); v != "" {
			e.Set("crowdstrike.properties."+k, v)
		}
	}
}
