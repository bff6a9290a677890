package vendors

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"bianque/event"
	"bianque/parse"
)

// Trellix (McAfee) ePolicy Orchestrator on premises forwards the events
// its agents report as XML documents over syslog: <EPOEvent> (threat and
// operational events of Endpoint Security and other point products),
// <UpdateEvents> (the agent's updater) and <MSMERoot> (Security for
// Microsoft Exchange). Each holds <MachineInfo> (the managed host) and a
// product section with the analyzer (<CommonFields>) and the event, whose
// standard fields are in <CommonFields> and product-specific ones in
// <CustomFields target="...">.
var trellixEPO = &parse.Vendor{
	ID:       "trellix-epo",
	Aliases:  []string{"trellix-epo-on-prem", "mcafee-epo", "epo", "trellix_epo", "mcafee_epo"},
	Name:     "Trellix (McAfee) ePolicy Orchestrator",
	Formats:  []parse.Format{parse.FormatXML},
	Observer: parse.Observer{Vendor: "Trellix", Product: "ePO"},
	Detect: func(r *parse.Record) bool {
		_, ok := epoRoot(r.Body)
		return ok
	},
	Normalize: normalizeTrellixEPO,
	Verified:  "Sekoia Trellix ePO on-premises intake tests (13 events: Endpoint Security threat, exploit prevention and operational events, updater events, Security for Exchange)",
}

// epoRoots are the document elements ePO forwards, lower-cased (agents
// write both EPOEvent and EPOevent).
var epoRoots = map[string]string{"epoevent": "EPOEvents", "updateevents": "UpdateEvents", "msmeroot": "MSMEEvents"}

// epoRoot returns the dataset of an ePO document: its root element
// follows the XML declaration (and a BOM or blanks).
func epoRoot(b string) (string, bool) {
	b = strings.TrimLeft(b, " \t\r\n\ufeff")
	if strings.HasPrefix(b, "<?xml") {
		i := strings.Index(b, "?>")
		if i < 0 {
			return "", false
		}
		b = strings.TrimLeft(b[i+2:], " \t\r\n")
	}
	if len(b) < 2 || b[0] != '<' {
		return "", false
	}
	end := strings.IndexAny(b, "> \t\r\n")
	if end < 0 || end > 16 {
		return "", false
	}
	ds, ok := epoRoots[strings.ToLower(b[1:end])]
	return ds, ok
}

// epoDoc holds the leaves of an ePO document by section: "MachineInfo.X",
// "Product.X" (the product element's attributes and own leaves),
// "Analyzer.X" (the product's <CommonFields>), "Event.X" (the event's own
// leaves), "Common.X" and "Custom.X" (its <CommonFields> and every
// <CustomFields>). The first non-empty value wins.
type epoDoc map[string]string

func (d epoDoc) get(keys ...string) string {
	for _, k := range keys {
		if v := d[k]; v != "" {
			return v
		}
	}
	return ""
}

func (d epoDoc) put(k, v string) {
	if v == "" {
		return
	}
	if _, ok := d[k]; !ok {
		d[k] = v
	}
}

func isEPOEventElement(name string) bool {
	return name == "Event" || strings.HasSuffix(name, "Event") && name != "EPOEvent" && name != "EPOevent"
}

func parseEPODoc(body string) (epoDoc, error) {
	dec := xml.NewDecoder(strings.NewReader(strings.TrimLeft(body, " \t\r\n\ufeff")))
	dec.Strict = false
	d := epoDoc{}
	var stack []string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(d) > 0 {
				break // trailing bytes after the document
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text.Reset()
			if len(stack) == 2 && t.Name.Local != "MachineInfo" {
				for _, a := range t.Attr {
					d.put("Product."+a.Name.Local, strings.TrimSpace(a.Value))
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			if v := strings.TrimSpace(text.String()); v != "" {
				d.put(epoKey(stack), v)
			}
			text.Reset()
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return d, nil
			}
		}
	}
	if len(d) == 0 {
		return nil, errors.New("empty document")
	}
	return d, nil
}

// epoKey names a leaf by its section (see epoDoc).
func epoKey(stack []string) string {
	leaf := stack[len(stack)-1]
	if len(stack) < 2 {
		return leaf
	}
	if stack[1] == "MachineInfo" {
		return "MachineInfo." + leaf
	}
	for i := 2; i < len(stack)-1; i++ {
		if !isEPOEventElement(stack[i]) {
			continue
		}
		rel := stack[i+1:]
		switch {
		case len(rel) == 1:
			return "Event." + leaf
		case rel[0] == "CommonFields":
			return "Common." + leaf
		case rel[0] == "CustomFields":
			return "Custom." + leaf
		}
		return "Event." + strings.Join(rel, ".")
	}
	if len(stack) >= 3 && stack[len(stack)-2] == "CommonFields" {
		return "Analyzer." + leaf
	}
	return "Product." + leaf
}

func normalizeTrellixEPO(r *parse.Record, e *event.Event) error {
	dataset, ok := epoRoot(r.Body)
	if !ok {
		return errNotVendorRecord("Trellix ePO XML")
	}
	d, err := parseEPODoc(r.Body)
	if err != nil {
		return fmt.Errorf("read ePO event: %w", err)
	}
	e.Set("event.dataset", dataset)
	val := func(keys ...string) string {
		v := d.get(keys...)
		if v == "None" {
			return ""
		}
		return v
	}
	set := func(field string, keys ...string) {
		if v := val(keys...); v != "" {
			parse.Set(e, field, v)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", strings.TrimSuffix(d.get("Event.GMTTime"), "Z"), time.UTC); err == nil {
		e.SetTimestamp(t)
	}
	set("event.code", "Event.EventID")
	set("event.severity", "Event.Severity")
	set("host.name", "MachineInfo.MachineName")
	set("host.mac", "MachineInfo.RawMACAddress")
	set("host.ip", "MachineInfo.IPAddress")
	set("host.os.full", "MachineInfo.OSName")
	users := val("MachineInfo.UserName")
	switch dataset {
	case "UpdateEvents":
		e.Set("event.category", []string{"configuration"})
		e.Set("event.type", []string{"change"})
		set("event.reason", "Event.Description")
		set("trellix.update_event.site_name", "Event.SiteName")
		set("trellix.update_event.type", "Event.Type")
		set("trellix.update_event.initiator.id", "Event.InitiatorID")
		set("trellix.update_event.initiator.type", "Event.InitiatorType")
		set("trellix.update_event.product_id", "Event.ProductID")
		if users != "" {
			e.Set("trellix.update_event.usernames", strings.Split(users, ","))
		}
	case "MSMEEvents":
		e.Set("event.category", []string{"malware"})
		e.Set("event.type", []string{"info"})
		set("observer.product", "Product.ProductName")
		set("observer.version", "Product.ProductVersion")
		set("event.action", "Event.ActionTaken")
		set("file.name", "Event.FileName")
		set("source.ip", "Event.SourceIP")
		set("user.name", "Event.UserName", "MachineInfo.UserName")
		set("trellix.msme.threat_type", "Event.ThreatType")
		set("trellix.msme.virus_type", "Event.VirusType")
		set("threat.indicator.name", "Event.VirusName")
	default:
		e.Set("event.category", []string{"intrusion_detection"})
		e.Set("event.type", []string{"info"})
		if d.get("Common.ThreatActionTaken") == "IDS_THREAT_ACTION_ALLOW" {
			e.Set("event.type", []string{"allowed"})
		}
		set("user.name", "MachineInfo.UserName")
		set("observer.name", "Analyzer.Analyzer", "Common.Analyzer")
		set("observer.version", "Analyzer.AnalyzerVersion", "Common.AnalyzerVersion", "Product.ProductVersion")
		set("observer.hostname", "Analyzer.AnalyzerHostName", "Common.AnalyzerHostName")
		set("event.action", "Common.ThreatActionTaken")
		set("threat.indicator.name", "Common.ThreatName")
		set("file.name", "Common.TargetFileName")
		set("file.hash.md5", "Custom.TargetHash")
		set("file.size", "Custom.TargetFileSize")
		if p := val("Common.TargetProcessName"); p != "" {
			e.Set("process.executable", p)
			e.Set("process.name", winBasename(p))
		}
		set("user.target.name", "Common.TargetUserName")
		if u := val("Common.SourceUserName"); u != "" {
			if dom, name, ok := strings.Cut(u, `\`); ok {
				parse.Set(e, "source.user.domain", dom)
				parse.Set(e, "source.user.name", name)
			} else {
				e.Set("source.user.name", u)
			}
		}
		set("source.ip", "Common.SourceIPV4", "Common.SourceIPV6")
		set("source.mac", "Common.SourceMAC")
		set("source.port", "Common.SourcePort", "Custom.SourcePort")
		set("destination.ip", "Common.TargetIPV4", "Common.TargetIPV6")
		set("destination.port", "Common.TargetPort")
		set("destination.mac", "Common.TargetMAC")
		set("rule.id", "Custom.RuleID")
		set("trellix.threat.category", "Common.ThreatCategory")
		set("trellix.threat.type", "Common.ThreatType")
		set("trellix.threat.severity", "Common.ThreatSeverity")
		set("trellix.threat.action_taken", "Common.ThreatActionTaken")
		set("trellix.target.hostname", "Common.TargetHostName")
		if t, ok := parse.ParseTime(val("Common.DetectedUTC"), time.UTC); ok {
			e.Set("trellix.event.detect_date", t)
		}
	}
	for _, role := range []string{"source", "destination"} {
		if ip := e.Str(role + ".ip"); ip != "" {
			e.Set(role+".address", ip)
		}
	}
	parse.FillRelated(e, "host.ip", "source.ip", "destination.ip", "user.name", "user.target.name", "source.user.name",
		"observer.hostname", "file.hash.md5")
	return nil
}

func init() { all = append(all, trellixEPO) }
