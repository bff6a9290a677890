package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Trend Micro Apex One, as forwarded by Apex Central (or Control Manager)
// in CEF. Apex Central's "Syslog Content Mapping - CEF" gives each log type
// its header: fixed names for most ("Behavior Monitoring", "Data Loss
// Prevention", "Pattern Update Status", ...) and, for detections, the
// threat or policy name with a class id telling the type ("AV:<action>"
// virus/malware, "PML:<action>" predictive machine learning, "WB:<filter>"
// web reputation, "MS:<action>" content security, "NCIE:<action>" network
// content inspection, "FH:<action>" suspicious files, "BM:<policy>"
// behaviour monitoring, "EAC:<n>" application control). Custom fields are
// read by their labels (cs1Label=SLF_RuleID cs1=...) and coded values
// translated with the tables of that document.
var apexOne = &parse.Vendor{
	ID:       "trend-micro-apex-one",
	Aliases:  []string{"apex-one", "trendmicro-apex-one", "apex-central", "trend-micro-apex-central", "trendmicro-apex"},
	Name:     "Trend Micro Apex One / Apex Central",
	Formats:  []parse.Format{parse.FormatCEF},
	Observer: parse.Observer{Vendor: "Trend Micro"},
	Detect: func(r *parse.Record) bool {
		if r.CEF == nil || !strings.EqualFold(r.CEF.DeviceVendor, "Trend Micro") {
			return false
		}
		p := r.CEF.DeviceProduct
		return hasPrefixFoldASCII(p, "Apex") || hasPrefixFoldASCII(p, "Control Manager")
	},
	Normalize: normalizeApexOne,
	Verified:  "Sekoia Trend Micro Apex One intake tests (15 events: virus, spyware, PML, behaviour monitoring, DLP, device and application control, web, content security, NCIE, updates, logons)",
}

func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Apex Central code tables.
var (
	apexBMAction = map[string]string{
		"0": "Allow", "1": "Ask", "2": "Deny", "3": "Terminate", "4": "Read Only", "5": "Read/Write Only",
		"6": "Read/Execute Only", "7": "Feedback", "8": "Clean", "1002": "Unknown", "1003": "Assess",
		"1004": "Terminated. Files were recovered.", "1005": "Terminated. Some files were not recovered.",
		"1006": "Terminated. Files were not recovered.", "1007": "Terminated. Restart result: Files were recovered.",
		"1008": "Terminated: Restart result: Some files were not recovered.", "1009": "Terminated: Restart result: Files were not recovered.",
	}
	apexBMPolicy = map[string]string{
		"0": "Compromised executable file", "1": "New startup program", "2": "Host file modification",
		"3": "Program library injection", "4": "New Internet Explorer plugin", "5": "Internet Explorer setting modification",
		"6": "Shell modification", "7": "New service", "8": "Security policy modification", "9": "Firewall policy modification",
		"10": "System file modification", "11": "Duplicated system file", "13": "Layered service provider",
		"14": "System process modification", "16": "Suspicious behavior", "100": "Newly encountered programs",
		"200": "Unauthorized file encryption", "1000": "Threat behavior analysis", "9999": "User-defined policy",
	}
	apexBMEventType = map[string]string{
		"1": "Process", "2": "Process image", "4": "Registry", "8": "File system", "16": "Driver", "32": "SDT",
		"64": "System API", "128": "User Mode", "2048": "Exploit", "65535": "All",
	}
	apexMailAction = map[string]string{
		"0": "Unknown", "1": "N/A", "2": "Clean", "3": "Delete", "4": "Move", "5": "Rename", "6": "Log", "7": "Strip",
		"8": "Drop", "9": "Quarantine", "10": "Transform", "11": "Archive", "12": "Stamp", "13": "Block",
		"14": "Redirect mail for approval", "81": "Encrypt", "90": "Detect", "257": "Reset",
	}
	apexMailFilter = map[string]string{
		"0": "Unknown", "1": "ContentFilter", "2": "AttachmentFilter", "3": "StandardFilter", "4": "SizeFilter",
		"5": "DisclaimerMgr", "6": "SpamFilter", "7": "OPP", "8": "ImportFilter", "9": "PhishingFilter", "10": "UrlReputationFilter",
	}
	apexMessageAction = map[string]string{
		"0": "Unknown", "1": "N/A", "2": "Deliver", "3": "Delete", "4": "Quarantine", "5": "Postpone", "6": "Forward",
		"7": "Replace", "8": "Archive", "100": "Strip", "101": "Pass",
	}
	apexDLPAction = map[string]string{
		"-1": "Not available", "0": "Blocked", "1": "Deleted", "2": "Delivered", "3": "Logged", "4": "Passed",
		"5": "Quarantined", "6": "Replaced", "7": "Archived", "8": "Archived (message body only)",
		"9": "Quarantined (message body only)", "10": "Passed (message body only)", "11": "Encrypted",
		"12": "Alerted (endpoint)", "13": "Alerted (server)", "14": "Data recorded", "15": "User justified",
		"16": "Handed off", "17": "Recipient altered", "18": "Blind carbon copied", "19": "Delivery postponed",
		"20": "Stamped", "21": "Attachment deleted", "22": "Subject tagged", "23": "X-header tagged", "24": "Decrypted",
		"25": "Re-encrypted", "26": "Tagged (mail)", "27": "Encrypted (user key)", "28": "Encrypted (group key)",
		"29": "Moved", "30": "Passed (encrypted)", "31": "Passed (user justified)",
		"32": "Blocked (Endpoint Encryption not installed)", "33": "Blocked (user justified)",
		"34": "Blocked (Endpoint Encryption logged off)", "35": "Blocked (Endpoint Encryption error)", "36": "web upload",
	}
	apexDeviceType  = map[string]string{"0": "USB storage device", "1": "Non-storage USB", "2": "CD/DVD", "3": "Floppy disks", "4": "Network driver"}
	apexPermission  = map[string]string{"0": "Modify", "1": "Read and execute", "2": "Read", "3": "List device content only", "4": "Block"}
	apexEACAction   = map[string]string{"0": "Allowed", "1": "Blocked", "2": "Reported as allowed", "3": "Reported as blocked"}
	apexEngineState = map[string]string{"0": "Unused", "1": "In use"}
	apexWebAction   = map[string]string{"0": "Unknown", "1": "Pass", "2": "Block", "3": "Monitor", "4": "Delete", "5": "Quarantine", "6": "Warn", "7": "Warn and continue", "8": "Override"}
	apexPatternAge  = map[string]string{"0": "Up-to-date", "1": "1 version old", "2": "2 versions old", "3": "3 versions old", "4": "4 versions old", "5": "5 versions old", "6": "6 versions old", "7": "7 or more versions old"}
)

func normalizeApexOne(r *parse.Record, e *event.Event) error {
	c := r.CEF
	if c == nil {
		return errNotVendorRecord("Trend Micro Apex Central CEF")
	}
	f := cefLabeledFields(r)
	parse.Set(e, "observer.vendor", c.DeviceVendor)
	parse.Set(e, "observer.product", c.DeviceProduct)
	parse.Set(e, "observer.version", c.DeviceVersion)
	parse.Set(e, "event.dataset", c.Name)
	parse.Set(e, "rule.id", c.SignatureID)
	if sev, ok := parseSeverity(c.Severity); ok && sev > 0 {
		e.Set("event.severity", sev)
	}
	loc := r.Location()
	for _, k := range []string{"start", "rt", "end"} {
		if v := f[k]; v != "" {
			if t, ok := parseCEFDateText(v, loc); ok {
				e.SetTimestamp(t)
				break
			}
		}
	}
	set := func(field, key string) {
		if v := f[key]; v != "" {
			parse.Set(e, field, v)
		}
	}
	lookup := func(field, key string, table map[string]string) {
		if v, ok := table[f[key]]; ok {
			parse.Set(e, field, v)
		}
	}
	malware := func() {
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"info"})
	}
	class, _, _ := strings.Cut(c.SignatureID, ":")
	switch {
	case c.Name == "Attack Discovery Detections":
		e.Set("event.kind", "alert")
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"info"})
		set("user.name", "duser")
		set("source.ip", "c6a3")
		set("destination.ip", "dst")
		set("host.name", "dhost")
		set("rule.name", "SLF_RuleID")
		set("rule.ruleset", "cat")
	case c.Name == "Behavior Monitoring" || class == "BM":
		e.Set("event.category", []string{"process"})
		set("host.name", "dvchost")
		set("source.ip", "src")
		set("process.executable", "sproc")
		set("trendmicro.apexone.behavior.target", "Target")
		lookup("trendmicro.apexone.event_type", "cn2", apexBMEventType)
		lookup("rule.name", "cs2", apexBMPolicy)
		lookup("event.action", "act", apexBMAction)
		switch a := f["act"]; {
		case a == "0":
			e.Set("event.type", []string{"start"})
		case a == "2" || a == "3" || (len(a) == 4 && a >= "1004" && a <= "1009"):
			e.Set("event.type", []string{"end"})
		default:
			e.Set("event.type", []string{"info"})
		}
	case c.Name == "CnC Callback" || class == "CnC":
		e.Set("event.category", []string{"network"})
		e.Set("event.type", []string{"info"})
		set("host.name", "shost")
		set("source.ip", "src")
		set("destination.ip", "dst")
		set("source.domain", "SLF_DomainName")
		set("rule.ruleset", "SLF_PolicyName")
		if u := f["request"]; u != "" {
			setURLFull(e, u)
		}
		if t, ok := parseCEFDateText(f["SLF_FirstSeen"], loc); ok {
			e.Set("event.start", t)
		}
		if t, ok := parseCEFDateText(f["SLF_LastSeen"], loc); ok {
			e.Set("event.end", t)
		}
		set("destination.address", "CnCDestination")
		if p := f["deviceProcessName"]; p != "" {
			e.Set("process.executable", p)
			e.Set("process.name", winBasename(p))
			if d := winDirname(p); d != "" {
				e.Set("process.working_directory", d)
			}
		}
	case class == "MS":
		// Content security (ScanMail, IMSVA, DDEI): the name is the policy.
		e.Set("event.category", []string{"email"})
		e.Set("event.type", []string{"info"})
		set("event.severity", "CLF_SeverityCode")
		set("event.code", "cs5")
		set("rule.name", "SL_PolicyContent")
		set("rule.ruleset", "cat")
		set("host.name", "dvchost")
		set("file.name", "fname")
		set("email.subject", "msg")
		set("source.ip", "src")
		if u := f["request"]; u != "" {
			setURLFull(e, u)
		}
		set("email.to.address", "dhost")
		set("email.from.address", "shost")
		lookup("event.action", "act", apexMailAction)
		lookup("trendmicro.apexone.SL_FilterType", "cs3", apexMailFilter)
		lookup("trendmicro.apexone.SL_MessageAction", "cs6", apexMessageAction)
	case c.Name == "Data Loss Prevention":
		malware()
		e.Set("event.category", []string{"email"})
		set("source.ip", "src")
		set("source.mac", "smac")
		set("host.name", "shost")
		set("user.name", "Incident_Source_(AD_Account)")
		set("email.subject", "msg")
		if u := f["request"]; u != "" {
			setURLFull(e, u)
		}
		set("file.name", "fname")
		set("file.size", "fsize")
		setFilePathParts(e, f["filePath"])
		set("rule.name", "Rule")
		set("rule.ruleset", "Rule")
		set("source.domain", "shost")
		set("destination.domain", "dvchost")
		set("email.from.address", "suser")
		set("email.to.address", "duser")
		lookup("event.action", "cn2", apexDLPAction)
	case c.Name == "Device Access Control":
		e.Set("event.category", []string{"file"})
		e.Set("event.type", []string{"info"})
		set("source.domain", "shost")
		set("destination.domain", "dvchost")
		set("process.executable", "sproc")
		apexFileName(e, f["fname"])
		lookup("trendmicro.apexone.DeviceType", "cn2", apexDeviceType)
		lookup("trendmicro.apexone.Permission", "cn3", apexPermission)
	case c.Name == "Endpoint Application Control Violation Information" || class == "EAC":
		e.Set("event.category", []string{"process"})
		e.Set("event.type", []string{"info"})
		set("source.domain", "shost")
		set("host.name", "dvchost")
		set("source.user.name", "suser")
		if v := f["cs2"]; v != "" {
			parse.Set(e, "source.ip", v)
		} else {
			set("source.ip", "c6a3")
		}
		set("process.executable", "fname")
		set("process.hash.sha1", "fileHash")
		set("process.command_line", "cs3")
		set("user.name", "duser")
		set("rule.name", "cs4")
		set("rule.ruleset", "cs5")
		lookup("event.action", "act", apexEACAction)
	case c.Name == "Engine Update Status":
		e.Set("event.category", []string{"process"})
		e.Set("event.type", []string{"change"})
		set("host.name", "shost")
		set("source.ip", "cs2")
		set("trendmicro.apexone.Engine", "cn2")
		lookup("trendmicro.apexone.Engine_Status", "cn3", apexEngineState)
	case c.Name == "Pattern Update Status":
		e.Set("event.category", []string{"configuration"})
		e.Set("event.type", []string{"change"})
		set("host.name", "shost")
		if v := strings.TrimSpace(f["cs1"]); v != "" {
			e.Set("host.os.name", v)
		}
		set("host.ip", "cs2")
		set("trendmicro.apexone.Connection_Status", "cn1")
		set("rule.id", "cn2")
		set("trendmicro.apexone.Pattern_RuleVersion", "cs5")
		set("event.reason", "msg")
		lookup("trendmicro.apexone.Pattern_RuleStatus", "cn3", apexPatternAge)
	case strings.Contains(c.Name, "Logon/Logoff"):
		e.Set("event.category", []string{"authentication"})
		e.Set("event.type", []string{"info"})
		set("process.title", "deviceFacility")
		set("host.name", "shost")
		set("event.reason", "msg")
		switch m := strings.ToLower(f["msg"]); {
		case strings.Contains(m, "logged on") || strings.Contains(m, "logged off") || strings.Contains(m, "logged out"):
			e.Set("event.outcome", "success")
		case strings.Contains(m, "failed"):
			e.Set("event.outcome", "failure")
		}
	case c.Name == "Suspicious Connection" || class == "NCIE":
		e.Set("event.category", []string{"network"})
		set("event.code", "cat")
		set("process.executable", "deviceProcessName")
		set("source.ip", "src")
		set("source.port", "spt")
		set("destination.ip", "dst")
		set("destination.port", "dpt")
		set("trendmicro.apexone.NCIE_ThreatName", "NCIE_ThreatName")
		set("event.action", "act")
		if d := f["deviceDirection"]; d != "" && d != "None" {
			e.Set("network.direction", d)
		}
		switch f["act"] {
		case "Pass":
			e.Set("event.type", []string{"allowed"})
		case "Block", "4":
			e.Set("event.type", []string{"denied"})
		default:
			e.Set("event.type", []string{"access"})
		}
	case class == "PML":
		malware()
		set("file.name", "fname")
		set("file.hash.sha1", "fileHash")
		setFilePathParts(e, f["filePath"])
		set("host.name", "dhost")
		set("user.target.name", "duser")
		if v := f["dst"]; v != "" {
			parse.Set(e, "host.ip", v)
		} else {
			set("host.ip", "c6a3")
		}
		set("user.name", "suser")
		set("source.address", "shost")
		if u := f["cs3"]; u != "" {
			setURLFull(e, u)
		}
		set("process.executable", "sproc")
		set("process.command_line", "cs4")
	case class == "SB" || strings.HasPrefix(c.Name, "VAN_"):
		// Virtual Analyzer (sandbox) detections.
		malware()
		set("host.name", "dhost")
		apexFirstIP(e, "source.ip", f, "src", "c6a3")
		set("process.name", "sproc")
		set("file.hash.sha1", "fileHash")
		apexFileName(e, f["fname"])
		if u := f["request"]; u != "" {
			setURLFull(e, u)
		}
		set("trendmicro.apexone.Security_Threat", "cs1")
		set("trendmicro.apexone.Risk_Level", "cn1")
		set("trendmicro.apexone.Threat_Categories", "cs2")
		set("trendmicro.apexone.Cloud_Service_Vendor", "cs3")
	case c.Name == "Spyware Detected" || class == "SPY":
		malware()
		set("trendmicro.apexone.VirusName", "cs1")
		apexFileName(e, f["fname"])
		set("file.hash.sha1", "fileHash")
		set("host.name", "dhost")
		apexFirstIP(e, "source.ip", f, "dst", "c6a3")
		set("user.name", "duser")
	case c.Name == "Suspicious Files" || class == "FH":
		malware()
		apexFileName(e, f["cs3"])
		set("file.hash.sha1", "fileHash")
		set("host.name", "dhost")
		apexFirstIP(e, "source.ip", f, "dst", "c6a3")
		set("event.action", "act")
	case strings.HasPrefix(c.Name, "Trojan."):
		// Trojan reports name the family and carry the action taken in cs5.
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"info"})
		set("destination.ip", "dst")
		set("event.action", "cs5")
		set("file.hash.sha1", "fileHash")
		set("file.name", "fname")
		setFilePathParts(e, f["filePath"])
		set("host.name", "dhost")
		if u := f["duser"]; u != "" {
			if i := strings.LastIndexByte(u, '\\'); i >= 0 {
				parse.Set(e, "user.domain", u[:i])
				u = u[i+1:]
			}
			parse.Set(e, "user.name", u)
		}
		set("server.domain", "dvchost")
	case class == "AV":
		// Virus/malware: the name is the threat, the class the action.
		malware()
		set("host.name", "dhost")
		set("user.name", "duser")
		set("event.code", "cs4")
		set("file.name", "fname")
		setFilePathParts(e, f["filePath"])
		set("file.hash.sha1", "fileHash")
		apexFirstIP(e, "source.ip", f, "dst", "c6a3")
	case class == "WB":
		// Web reputation / URL filtering: the name is the filter type.
		e.Set("event.category", []string{"network"})
		set("destination.port", "dpt")
		set("source.ip", "src")
		set("rule.ruleset", "cs1")
		set("host.name", "dvchost")
		set("file.name", "fname")
		if u := f["request"]; u != "" {
			setURLFullParts(e, u)
		}
		set("user.name", "duser")
		set("destination.ip", "dst")
		lookup("event.action", "act", apexWebAction)
		switch f["act"] {
		case "1":
			e.Set("event.type", []string{"allowed"})
		case "2", "4":
			e.Set("event.type", []string{"denied"})
		default:
			e.Set("event.type", []string{"info"})
		}
		switch f["deviceDirection"] {
		case "1":
			e.Set("network.direction", "Inbound")
		case "2":
			e.Set("network.direction", "Outbound")
		}
	default:
		// Other Apex Central logs: the CEF dictionary.
		set("source.ip", "src")
		set("destination.ip", "dst")
		set("source.port", "spt")
		set("destination.port", "dpt")
		set("host.name", "dvchost")
		set("user.name", "duser")
		set("event.reason", "msg")
		set("file.name", "fname")
		setFilePathParts(e, f["filePath"])
		set("file.hash.sha1", "fileHash")
	}
	for _, role := range []string{"source", "destination"} {
		if d := e.Str(role + ".domain"); d != "" {
			e.Set(role+".address", d)
		} else if ip := e.Str(role + ".ip"); ip != "" && !e.Has(role+".address") {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "host.ip", "user.name", "source.user.name", "user.target.name",
		"source.domain", "destination.domain", "file.hash.sha1", "process.hash.sha1")
	return nil
}

// apexFileName reads a file field that is either a name or a full path.
func apexFileName(e *event.Event, v string) {
	if v == "" {
		return
	}
	if strings.ContainsAny(v, `\/`) {
		setFilePathParts(e, v)
		return
	}
	e.Set("file.name", v)
}

// apexFirstIP sets field from the first of keys holding an address.
func apexFirstIP(e *event.Event, field string, f map[string]string, keys ...string) {
	for _, k := range keys {
		if parse.Set(e, field, f[k]) {
			return
		}
	}
}

func init() { all = append(all, apexOne) }
