package logsource

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strconv"
	"strings"

	"bianque/event"
)

// Sigma's Windows rules name the fields of the Windows event (Channel,
// EventID, EventData's TargetUserName ...). The ingestion parser normalises
// Windows events to ECS and keeps the payload as event.original; the
// fields a Windows rule needs are then only in that payload. RestoreWindows
// puts them back, in the raw layout (Event.System.*, Event.EventData.*) or,
// for Winlogbeat documents, as winlog.*, from the forms the forwarders send:
//
//   - the event as JSON, {"Event":{"System":{...},"EventData":{...}}} (EVTX converters);
//   - the event XML (Windows Event Forwarding, NXLog XML);
//   - Winlogbeat / Elastic Agent JSON (winlog.*);
//   - NXLog JSON (im_msvistalog: EventID, SourceName, Channel and the data flat).

// HasWindowsFields reports whether ev already carries a Windows event's own
// fields (raw or winlog).
func HasWindowsFields(ev *event.Event) bool {
	return ev.Has(rawSystem+"Channel") || ev.Has(rawSystem+"EventID") || ev.Has("winlog.channel") || ev.Has("winlog.event_id")
}

// nxlogSystem maps NXLog JSON header keys onto the System element.
var nxlogSystem = map[string]string{"EventID": "EventID", "SourceName": "Provider.Name", "ProviderGuid": "Provider.Guid",
	"Channel": "Channel", "Hostname": "Computer", "RecordNumber": "EventRecordID", "ProcessID": "Execution.ProcessID",
	"ThreadID": "Execution.ThreadID", "Version": "Version", "Task": "Task", "OpcodeValue": "Opcode", "Keywords": "Keywords",
	"EventTime": "TimeCreated.SystemTime"}

// nxlogSkip are NXLog keys that are neither System nor event data.
var nxlogSkip = map[string]bool{"EventType": true, "SeverityValue": true, "Severity": true, "Message": true, "Category": true,
	"Opcode": true, "EventReceivedTime": true, "SourceModuleName": true, "SourceModuleType": true, "ActivityID": true, "Level": true}

// RestoreWindows adds the Windows fields of the event's original payload
// when ev lacks them, and reports whether it added any. Events whose
// original is not a Windows event are left alone.
func RestoreWindows(ev *event.Event) bool {
	if HasWindowsFields(ev) {
		return false
	}
	orig, ok := ev.String(event.EventOriginal)
	if !ok {
		return false
	}
	body := strings.TrimSpace(orig)
	switch {
	case strings.HasPrefix(body, "{"):
		return restoreJSON(ev, body)
	case strings.HasPrefix(body, "<Event"):
		return restoreXML(ev, body)
	}
	// A syslog header in front of the payload (NXLog, WEF relays).
	if i := strings.Index(body, "<Event"); i > 0 {
		return restoreXML(ev, body[i:])
	}
	if i := strings.IndexByte(body, '{'); i > 0 {
		return restoreJSON(ev, body[i:])
	}
	return false
}

func restoreJSON(ev *event.Event, body string) bool {
	if !strings.Contains(body, "EventID") && !strings.Contains(body, "event_id") {
		return false
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return false
	}
	added := false
	set := func(k string, v any) {
		if n, ok := v.(json.Number); ok {
			v = n.String()
		}
		if s, ok := event.Stringify(v); ok && s != "" {
			ev.Set(k, s)
			added = true
		}
	}
	if e, ok := doc["Event"].(map[string]any); ok {
		flatten("Event.", e, set)
		LiftUserData(ev)
		return added
	}
	if w, ok := doc["winlog"].(map[string]any); ok {
		flatten("winlog.", w, set)
		return added
	}
	if _, id := doc["EventID"]; id {
		if _, src := doc["SourceName"]; !src {
			return false
		}
		for k, v := range doc {
			switch {
			case nxlogSystem[k] != "":
				set(rawSystem+nxlogSystem[k], v)
			case nxlogSkip[k]:
			default:
				set(rawEventData+k, v)
			}
		}
	}
	return added
}

// flatten sets the leaves of m under prefix (objects nested, lists as lists of strings).
func flatten(prefix string, m map[string]any, set func(string, any)) {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			flatten(prefix+k+".", x, set)
		case []any:
			set(prefix+k, x)
		default:
			set(prefix+k, x)
		}
	}
}

// xmlEvent is the Windows event XML schema, as far as rules read it.
type xmlEvent struct {
	System struct {
		Provider struct {
			Name string `xml:"Name,attr"`
			Guid string `xml:"Guid,attr"`
		} `xml:"Provider"`
		EventID     string `xml:"EventID"`
		Version     string `xml:"Version"`
		Level       string `xml:"Level"`
		Task        string `xml:"Task"`
		Opcode      string `xml:"Opcode"`
		Keywords    string `xml:"Keywords"`
		TimeCreated struct {
			SystemTime string `xml:"SystemTime,attr"`
		} `xml:"TimeCreated"`
		EventRecordID string `xml:"EventRecordID"`
		Execution     struct {
			ProcessID string `xml:"ProcessID,attr"`
			ThreadID  string `xml:"ThreadID,attr"`
		} `xml:"Execution"`
		Channel  string `xml:"Channel"`
		Computer string `xml:"Computer"`
		Security struct {
			UserID string `xml:"UserID,attr"`
		} `xml:"Security"`
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
}

func restoreXML(ev *event.Event, body string) bool {
	var x xmlEvent
	dec := xml.NewDecoder(strings.NewReader(body))
	dec.Strict = false
	if err := dec.Decode(&x); err != nil || (x.System.EventID == "" && x.System.Channel == "") {
		return false
	}
	sys := x.System
	for k, v := range map[string]string{"Provider.Name": sys.Provider.Name, "Provider.Guid": sys.Provider.Guid, "EventID": sys.EventID,
		"Version": sys.Version, "Level": sys.Level, "Task": sys.Task, "Opcode": sys.Opcode, "Keywords": sys.Keywords,
		"TimeCreated.SystemTime": sys.TimeCreated.SystemTime, "EventRecordID": sys.EventRecordID, "Execution.ProcessID": sys.Execution.ProcessID,
		"Execution.ThreadID": sys.Execution.ThreadID, "Channel": sys.Channel, "Computer": sys.Computer, "Security.UserID": sys.Security.UserID} {
		if v = strings.TrimSpace(v); v != "" {
			ev.Set(rawSystem+k, v)
		}
	}
	for i, d := range x.EventData.Data {
		name := d.Name
		if name == "" {
			name = "Data" + strconv.Itoa(i) // unnamed data items (classic event logs)
		}
		if strings.TrimSpace(d.Value) != "" {
			ev.Set(rawEventData+name, d.Value)
		}
	}
	if len(bytes.TrimSpace(x.UserData.Inner)) > 0 {
		restoreUserData(ev, x.UserData.Inner)
	}
	return true
}

// restoreUserData reads the one child element of UserData and its leaves.
func restoreUserData(ev *event.Event, inner []byte) {
	dec := xml.NewDecoder(bytes.NewReader(inner))
	dec.Strict = false
	var path []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		case xml.CharData:
			if v := strings.TrimSpace(string(t)); v != "" && len(path) >= 2 {
				// UserData.<Event>.<Field>: Sigma names the field directly.
				ev.Set(rawEventData+path[len(path)-1], v)
			}
		}
	}
}
