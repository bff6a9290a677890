package vendors

import (
	"strconv"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// SentinelOne Singularity: the management console's API (and its syslog /
// SIEM connectors) gives two kinds of JSON documents: activities
// ({"activityType": n, "primaryDescription", "data": {...}}) and threats
// ({"threatInfo", "agentDetectionInfo", "agentRealtimeInfo", ...}).
var sentinelone = &parse.Vendor{
	ID:       "sentinelone",
	Aliases:  []string{"sentinel-one", "s1", "sentinelone-edr", "singularity"},
	Name:     "SentinelOne Singularity (activities and threats)",
	Formats:  []parse.Format{parse.FormatJSON},
	Observer: parse.Observer{Vendor: "SentinelOne", Product: "Singularity", Type: "edr"},
	Detect: func(r *parse.Record) bool {
		j := r.JSON
		if j == nil {
			return false
		}
		if _, ok := j["threatInfo"].(map[string]any); ok {
			_, a := j["agentRealtimeInfo"]
			_, b := j["agentDetectionInfo"]
			return a || b
		}
		_, at := j["activityType"]
		_, pd := j["primaryDescription"]
		_, acc := j["accountId"]
		return at && pd && acc
	},
	Normalize: normalizeSentinelOne,
	Verified:  "Sekoia SentinelOne intake tests (18 events: activities and threats)",
}

func init() { all = append(all, sentinelone) }

// s1Activities names the activity types of the management API
// (GET /web/api/v2.1/activities/types) that matter for security monitoring.
var s1Activities = map[int]string{
	18: "New Threat Mitigated", 19: "New Malicious Threat Not Mitigated", 20: "New Threat Preemptive Block",
	21: "Threat Resolved", 22: "Threat Benign", 23: "User Added", 24: "User Modified", 25: "User Deleted",
	27: "User Logged In", 33: "User Logged Out", 34: "Threat Unresolved", 47: "Agent Decommissioned",
	48: "Agent Recommissioned", 49: "Agent Request Uninstall", 50: "Uninstall Agent", 51: "Agent Uninstalled",
	52: "User Approved Agent Uninstall Request", 53: "User Rejected Agent Uninstall Request",
	54: "User Decommissioned Agent", 55: "User Recommissioned Agent", 61: "User Disconnected Agent From Network",
	62: "User Reconnected Agent to Network", 63: "User Shutdown Agent", 64: "User Requested Passphrase",
	71: "Scan Initiated", 72: "Scan Aborted", 74: "Machine Restart", 76: "Anti Tampering Modified",
	81: "User Requested Fetch Files", 85: "User Requested Fetch Threat File", 86: "Agent Uploaded Threat File",
	90: "Agent Started Full Disk Scan", 91: "Agent Aborted Full Disk Scan", 92: "Agent Completed Full Disk Scan",
	117: "User Disabled Agent", 118: "User Enabled Agent", 119: "Agent Disabled", 120: "Agent Enabled",
	128: "Agent Disabled Because of Database Corruption", 133: "Existing User Login Failure", 134: "Unknown User Login",
	1001: "Agent Disconnected From Network", 1002: "Agent ReConnected To Network",
	2001: "Threat Mitigation Report Kill Success", 2002: "Threat Mitigation Report Remediate Success",
	2003: "Threat Mitigation Report Rollback Success", 2004: "Threat Mitigation Report Quarantine Success",
	2006: "Threat Mitigation Report Kill Failed", 2007: "Threat Mitigation Report Remediate Failed",
	2008: "Threat Mitigation Report Rollback Failed", 2009: "Threat Mitigation Report Quarantine Failed",
	2010: "Agent Mitigation Report Quarantine Network Failed", 2011: "User Issued Kill Command",
	2012: "User Issued Remediate Command", 2013: "User Issued Rollback Command", 2014: "User Issued Quarantine Command",
	2015: "User Issued Unquarantine Command", 2016: "User Marked Application As Threat",
	2021: "Threat Killed By Policy", 2022: "Threat Remediated By Policy", 2023: "Threat Rolled Back By Policy",
	2024: "Threat Quarantined By Policy", 2025: "Agent Disconnected From Network Due to Threat Mitigation By Policy",
	2028: "Threat Incident Status Changed", 2030: "Analyst Verdict Changes",
	3001: "User Added Hash Exclusion", 3002: "User Added Blacklist Hash", 3008: "New Path Exclusion",
	3016: "Path Exclusion Deleted", 3020: "User Deleted Hash From Blacklist", 3021: "User Deleted Hash Exclusion",
	3200: "User Started Remote Shell", 3201: "Remote Shell Created", 3202: "Remote Shell Failed",
	3203: "Remote Shell Terminated", 3608: "Custom Rules - New Alert",
	3624: "User 2FA Verification Success", 3625: "User 2FA Verification Failed",
	4001: "Suspicious Threat Was Marked As Threat", 4002: "Suspicious Threat Was Resolved",
	4003: "New Suspicious Threat Not Mitigated", 4007: "Suspicious Threat Was Marked As Benign",
	4008: "Threat Mitigation Status Changed", 4009: "Process Was Marked As Threat",
	5009: "Agent Moved To A Different Group", 5020: "Site Created", 5021: "Site Modified", 5022: "Site Deleted",
	5120: "Device Rule Created", 5121: "Device Rule Modified", 5122: "Device Rule Deleted",
	5125: "Device Control Blocked Event", 5126: "Device Control Approved Event",
	5220: "Firewall Rule Created", 5221: "Firewall Rule Modified", 5222: "Firewall Rule Deleted",
	5232: "Firewall Control Blocked Event",
}

// s1Data maps the members of an activity's "data".
var s1Data = []jvField{
	{"computerName", []string{"host.name"}},
	{"origagentname", []string{"host.name"}},
	{"origagentosfamily", []string{"host.os.family"}},
	{"origagentosname", []string{"host.os.name"}},
	{"fileContentHash", []string{"file.hash.sha1"}},
	{"threatClassification", []string{"threat.software.type"}},
	{"ruleName", []string{"rule.name"}}, {"rulename", []string{"rule.name"}},
	{"ruleId", []string{"rule.id"}}, {"ruleid", []string{"rule.id"}},
	{"ruleDescription", []string{"rule.description"}}, {"ruledescription", []string{"rule.description"}},
	{"reportedDirection", []string{"network.direction"}},
	{"reportedLocalPort", []string{"source.port"}},
	{"reportedRemotePort", []string{"destination.port"}},
	{"reportedProtocol", []string{"network.protocol"}},
	{"userId", []string{"user.id"}},
	{"sourceprocesscommandline", []string{"process.command_line"}},
	{"sourceprocesspid", []string{"process.pid"}},
	{"sourceprocessmd5", []string{"process.hash.md5"}},
	{"sourceprocesssha1", []string{"process.hash.sha1"}},
	{"sourceprocesssha256", []string{"process.hash.sha256"}},
	{"sourceparentprocesscommandline", []string{"process.parent.command_line"}},
	{"sourceparentprocessname", []string{"process.parent.name"}},
	{"sourceparentprocesspath", []string{"process.parent.executable"}},
	{"sourceparentprocesspid", []string{"process.parent.pid"}},
	{"sourceparentprocessmd5", []string{"process.parent.hash.md5"}},
	{"sourceparentprocesssha1", []string{"process.parent.hash.sha1"}},
	{"sourceparentprocesssha256", []string{"process.parent.hash.sha256"}},
	{"sourceparentprocesssigneridentity", []string{"process.parent.code_signature.subject_name"}},
	{"k8scontainerid", []string{"container.id"}},
	{"k8scontainerimage", []string{"container.image.name"}},
	{"k8scontainername", []string{"container.name"}},
	{"k8sclustername", []string{"orchestrator.cluster.name"}},
	{"k8snamespace", []string{"orchestrator.namespace"}},
	{"indicatorname", []string{"threat.indicator.name"}},
	{"indicatordescription", []string{"threat.indicator.description"}},
}

func normalizeSentinelOne(r *parse.Record, e *event.Event) error {
	j := jvObj(r.JSON)
	if j.obj("threatInfo") != nil {
		s1Threat(e, j)
	} else {
		s1Activity(r, e, j)
	}
	if ci := j.obj("containerInfo"); ci != nil {
		jvCopy(e, ci, []jvField{{"id", []string{"container.id"}}, {"image", []string{"container.image.name"}}, {"name", []string{"container.name"}}})
	}
	if ki := j.obj("kubernetesInfo"); ki != nil {
		e.Set("orchestrator.type", "kubernetes")
		jvCopy(e, ki, []jvField{{"cluster", []string{"orchestrator.cluster.name"}}, {"namespace", []string{"orchestrator.namespace"}}})
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "user.name", "file.hash.md5", "file.hash.sha1", "file.hash.sha256",
		"process.hash.md5", "process.hash.sha1", "process.hash.sha256", "process.parent.hash.sha1", "process.parent.hash.sha256")
	return nil
}

func s1Activity(r *parse.Record, e *event.Event, j jvObj) {
	d := j.obj("data")
	e.Set("event.kind", "event")
	if t, ok := jvTime(j.val("createdAt"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	at := j.str("activityType")
	e.Set("event.code", at)
	e.Set("sentinelone.activity_type", at)
	if n, err := strconv.Atoi(at); err == nil {
		if name := s1Activities[n]; name != "" {
			e.Set("event.action", name)
		}
	}
	jvCopy(e, j, []jvField{
		{"primaryDescription", []string{"event.reason"}}, {"accountId", []string{"organization.id"}},
		{"accountName", []string{"organization.name"}}, {"agentId", []string{"agent.id"}},
		{"groupId", []string{"group.id"}}, {"groupName", []string{"group.name"}}, {"userId", []string{"user.id"}},
		{"id", []string{"event.id"}}, {"siteName", []string{"sentinelone.site_name"}},
	})
	jvCopy(e, d, s1Data)
	if u := d.first("userName", "username", "lastLoggedInUserName"); u != "" {
		jvUser(e, "user", u)
	}
	if ip := d.str("externalIp"); parse.IsIP(ip) {
		parse.Set(e, "host.ip", ip)
	}
	if ip := d.str("ipAddress"); parse.IsIP(ip) {
		parse.SetAddress(e, "source", ip)
	}
	if ip := d.str("reportedLocalHost"); parse.IsIP(ip) {
		parse.SetAddress(e, "source", ip)
	}
	if ip := d.str("reportedRemoteHost"); parse.IsIP(ip) {
		parse.SetAddress(e, "destination", ip)
	}
	// The file the activity is about: a threat, an exclusion path.
	path := d.str("filePath")
	if path == "" && strings.Contains(strings.ToLower(d.str("exclusionType")), "path") {
		path = d.str("value")
	}
	if path != "" {
		e.Set("file.path", path)
		if dir := jvDir(path); dir != "" {
			e.Set("file.directory", dir)
		}
	}
	if n := d.first("filename", "fileDisplayName"); n != "" {
		e.Set("file.name", n)
	} else if path != "" {
		e.Set("file.name", jvBase(path))
	} else if n := d.str("sourceprocessname"); n != "" {
		e.Set("file.name", n)
	}
	if u := d.str("downloadUrl"); u != "" {
		parse.SetURL(e, "url", u)
	}
	if p := d.str("sourceprocessfilepath"); p != "" {
		jvExecutable(e, "process", p)
	}
	if u := d.str("sourceprocessusername"); u != "" {
		s1ProcessUser(e, u)
	}
	for _, k := range [][2]string{{"sourceprocessstarttime", "process.start"}, {"sourceparentprocessstarttime", "process.parent.start"}} {
		if v := d.val(k[0]); v != nil {
			if s, _ := event.Stringify(v); s != "" && s != "0" {
				jvSetTime(e, k[1], v, r.Location())
			}
		}
	}
	cat, typ := "intrusion_detection", "info"
	switch at {
	case "5126":
		cat, typ = "host", "allowed"
	case "5125":
		cat, typ = "host", "denied"
	case "27", "133", "134", "3624", "3625":
		e.Set("event.outcome", map[bool]string{true: "success", false: "failure"}[at == "27" || at == "3624"])
	}
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
}

// s1ProcessUser reads "DOMAIN\user" or the Linux form
// "Effective: u, Real: u, Login: u".
func s1ProcessUser(e *event.Event, u string) {
	if strings.Contains(u, "Effective:") || strings.Contains(u, "Login:") {
		for _, part := range strings.Split(u, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), ":")
			if ok && strings.TrimSpace(k) == "Effective" && strings.TrimSpace(v) != "" {
				e.Set("process.user.name", strings.TrimSpace(v))
			}
		}
		return
	}
	jvUser(e, "process.user", u)
}

func s1Threat(e *event.Event, j jvObj) {
	ti := j.obj("threatInfo")
	di := j.obj("agentDetectionInfo")
	ri := j.obj("agentRealtimeInfo")
	e.Set("event.kind", "alert")
	e.Set("event.category", []string{"malware"})
	e.Set("event.type", []string{"info"})
	jvCopy(e, ti, []jvField{
		{"sha1", []string{"file.hash.sha1"}}, {"sha256", []string{"file.hash.sha256"}}, {"md5", []string{"file.hash.md5"}},
		{"filePath", []string{"file.path"}}, {"threatName", []string{"file.name", "threat.indicator.name"}},
		{"fileSize", []string{"file.size", "threat.indicator.file.size"}},
		{"confidenceLevel", []string{"threat.indicator.confidence"}},
		{"certificateId", []string{"threat.indicator.file.code_signature.signing_id"}},
		{"publisherName", []string{"file.code_signature.subject_name"}},
		{"createdAt", []string{"threat.indicator.file.created"}},
		{"identifiedAt", []string{"threat.enrichments.matched.occurred"}},
		{"classification", []string{"threat.software.type"}},
		{"originatorProcess", []string{"process.parent.name"}},
		{"threatId", []string{"event.id"}},
		{"mitigationStatus", []string{"sentinelone.threat.mitigation_status"}},
		{"analystVerdict", []string{"sentinelone.threat.analyst_verdict"}},
		{"incidentStatus", []string{"sentinelone.threat.incident_status"}},
	})
	if t, ok := jvTime(ti.val("identifiedAt"), nil); ok {
		e.SetTimestamp(t)
	}
	if x := ti.str("fileExtension"); x != "" {
		e.Set("file.extension", strings.ToLower(x))
	}
	if u := ti.str("processUser"); u != "" {
		jvUser(e, "user", u)
	}
	org := ri
	if org.str("accountId") == "" {
		org = di
	}
	jvCopy(e, org, []jvField{{"accountId", []string{"organization.id"}}, {"accountName", []string{"organization.name"}}})
	jvCopy(e, ri, []jvField{
		{"agentId", []string{"agent.id"}}, {"agentComputerName", []string{"host.name"}},
		{"agentOsType", []string{"host.os.family"}}, {"agentOsName", []string{"host.os.version"}},
		{"agentDomain", []string{"host.domain"}}, {"groupId", []string{"group.id"}}, {"groupName", []string{"group.name"}},
		{"agentVersion", []string{"agent.version"}},
	})
	if !e.Has("host.domain") {
		jvCopy(e, di, []jvField{{"agentDomain", []string{"host.domain"}}})
	}
	if !e.Has("host.os.version") {
		jvCopy(e, di, []jvField{{"agentOsName", []string{"host.os.version"}}})
	}
	for _, k := range []string{"agentIpV4", "agentIpV6", "externalIp"} {
		for _, ip := range strings.Split(di.str(k), ",") {
			if ip = strings.TrimSpace(ip); parse.IsIP(ip) {
				parse.Set(e, "host.ip", ip)
			}
		}
	}
	// Cloud: the first provider block ("AWS", "Azure", "GCP").
	for name, v := range di.obj("cloudProviders") {
		cp, _ := v.(map[string]any)
		if cp == nil {
			continue
		}
		e.Set("cloud.provider", strings.ToLower(name))
		jvCopy(e, cp, []jvField{
			{"cloudInstanceId", []string{"cloud.instance.id"}}, {"cloudAccount", []string{"cloud.account.id"}},
			{"cloudLocation", []string{"cloud.region"}}, {"cloudInstanceSize", []string{"cloud.machine.type"}},
			{"cloudImage", []string{"cloud.image.id"}},
		})
		break
	}
}
