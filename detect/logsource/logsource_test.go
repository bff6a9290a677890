package logsource

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"

	"gopkg.in/yaml.v3"
)

func rawEvent(channel, eid string, data map[string]any) *event.Event {
	return event.FromMap(map[string]any{"Event": map[string]any{
		"System":    map[string]any{"Channel": channel, "EventID": eid, "Provider": map[string]any{"Name": "P"}},
		"EventData": data,
	}})
}

func TestWindowsClasses(t *testing.T) {
	m := Default()
	const sysmon = "Microsoft-Windows-Sysmon/Operational"
	for _, c := range []struct {
		channel, eid string
		data         map[string]any
		service      string
		categories   []string
	}{
		{sysmon, "1", nil, "sysmon", []string{"process_creation"}},
		{sysmon, "3", nil, "sysmon", []string{"network_connection"}},
		{sysmon, "11", nil, "sysmon", []string{"file_event"}},
		{sysmon, "12", map[string]any{"EventType": "CreateKey"}, "sysmon", []string{"registry_add", "registry_event"}},
		{sysmon, "12", map[string]any{"EventType": "DeleteValue"}, "sysmon", []string{"registry_delete", "registry_event"}},
		{sysmon, "13", nil, "sysmon", []string{"registry_event", "registry_set"}},
		{sysmon, "22", nil, "sysmon", []string{"dns_query"}},
		{sysmon, "999", nil, "sysmon", nil},
		{"Security", "4688", nil, "security", []string{"process_creation"}},
		{"Security", "4624", nil, "security", nil},
		{"security", "4624", nil, "security", nil}, // channel names are case-insensitive
		{"Microsoft-Windows-PowerShell/Operational", "4104", nil, "powershell", []string{"ps_script"}},
		{"Microsoft-Windows-Windows Defender/Operational", "1116", nil, "windefend", []string{"antivirus"}},
		{"Unknown/Channel", "1", nil, "", nil},
	} {
		cls := m.Classify(rawEvent(c.channel, c.eid, c.data))
		if cls.Format != FormatWindows || !slices.Equal(cls.Products, []string{"windows"}) {
			t.Errorf("%s %s: format %v products %v", c.channel, c.eid, cls.Format, cls.Products)
		}
		var svcs []string
		if c.service != "" {
			svcs = []string{c.service}
		}
		if !slices.Equal(cls.Services, svcs) || !slices.Equal(cls.Categories, c.categories) {
			t.Errorf("%s %s %v: services %v categories %v, want %v %v", c.channel, c.eid, c.data, cls.Services, cls.Categories, svcs, c.categories)
		}
	}
	// The same shape gives the same class.
	a := m.Classify(rawEvent(sysmon, "1", map[string]any{"Image": "a"}))
	b := m.Classify(rawEvent(sysmon, "1", map[string]any{"Image": "b"}))
	if a != b {
		t.Error("two Sysmon 1 events got different classes")
	}
}

func TestWindowsFieldKeys(t *testing.T) {
	m := Default()
	sysmon := m.Classify(rawEvent("Microsoft-Windows-Sysmon/Operational", "1", nil))
	security := m.Classify(rawEvent("Security", "4688", nil))
	for _, c := range []struct {
		cls   *Class
		field string
		first string
	}{
		{sysmon, "Image", "Event.EventData.Image"},
		{sysmon, "EventID", "Event.System.EventID"},
		{sysmon, "Provider_Name", "Event.System.Provider.Name"},
		{sysmon, "Computer", "Event.System.Computer"},
		{security, "Image", "Event.EventData.NewProcessName"},
		{security, "ParentImage", "Event.EventData.ParentProcessName"},
		{security, "CommandLine", "Event.EventData.CommandLine"},
	} {
		if keys := c.cls.Keys(c.field); len(keys) == 0 || keys[0] != c.first {
			t.Errorf("%s %s: keys %v, want %s first", c.cls, c.field, keys, c.first)
		}
	}
	// UserData fields are read after LiftUserData.
	ev := event.FromMap(map[string]any{"Event": map[string]any{
		"System":   map[string]any{"Channel": "Microsoft-Windows-WMI-Activity/Operational", "EventID": "5858"},
		"UserData": map[string]any{"Operation_ClientFailure": map[string]any{"Operation": "Start IWbemServices::ExecMethod"}},
	}})
	LiftUserData(ev)
	cls := m.Classify(ev)
	if !slices.Equal(cls.Services, []string{"wmi"}) {
		t.Errorf("wmi event: services %v", cls.Services)
	}
	found := false
	for _, k := range cls.Keys("Operation") {
		if v, ok := ev.String(k); ok && strings.HasPrefix(v, "Start") {
			found = true
		}
	}
	if !found {
		t.Errorf("Operation not readable after LiftUserData: keys %v, event keys %v", cls.Keys("Operation"), ev.Keys())
	}
}

// TestWinlogbeatECS reads Elastic's expected output for a Security 4688
// event (the shared log corpus) and resolves Sigma fields on it.
func TestWinlogbeatECS(t *testing.T) {
	path := filepath.Join(testutil.Corpora(t), "logs", "elastic", "system", "security", "test-security-windows2019-4688-process-created.json-expected.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Expected []map[string]any `json:"expected"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ev := event.FromMap(doc.Expected[0])
	m := Default()
	cls := m.Classify(ev)
	if cls.Format != FormatWinlog || !cls.Applies(sigma.LogSource{Product: "windows", Category: "process_creation"}) || !cls.Applies(sigma.LogSource{Product: "windows", Service: "security"}) {
		t.Fatalf("class %s: %v %v %v", cls, cls.Products, cls.Categories, cls.Services)
	}
	read := func(field string) string {
		for _, k := range cls.Keys(field) {
			if v, ok := ev.String(k); ok {
				return v
			}
		}
		return ""
	}
	for field, want := range map[string]string{
		"Image":          `C:\Windows\System32\wevtutil.exe`,
		"CommandLine":    `"C:\Windows\system32\wevtutil.exe" cl Security`,
		"ParentImage":    `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"EventID":        "4688",
		"Computer":       "vagrant",
		"Provider_Name":  "Microsoft-Windows-Security-Auditing",
		"SubjectLogonId": "0x274a2",
	} {
		if got := read(field); got != want {
			t.Errorf("%s = %q, want %q (keys %v)", field, got, want, cls.Keys(field))
		}
	}
}

func TestECSClasses(t *testing.T) {
	m := Default()
	ev := event.FromMap(map[string]any{
		"host":    map[string]any{"os": map[string]any{"type": "linux"}},
		"event":   map[string]any{"category": []any{"process"}, "type": []any{"start"}},
		"process": map[string]any{"executable": "/usr/bin/id", "command_line": "id"},
	})
	cls := m.Classify(ev)
	if cls.Format != FormatECS || !slices.Equal(cls.Products, []string{"linux"}) || !slices.Equal(cls.Categories, []string{"process_creation"}) {
		t.Fatalf("class %s %v %v", cls, cls.Products, cls.Categories)
	}
	if keys := cls.Keys("Image"); keys[0] != "process.executable" {
		t.Errorf("Image keys %v", keys)
	}
	// A field the tables do not know is read under its own name.
	if keys := cls.Keys("actor.alternateId"); !slices.Contains(keys, "actor.alternateId") {
		t.Errorf("unknown field keys %v", keys)
	}
	web := m.Classify(event.FromMap(map[string]any{"event": map[string]any{"category": []any{"web"}}, "http": map[string]any{"request": map[string]any{"method": "GET"}}}))
	if !web.Applies(sigma.LogSource{Category: "webserver"}) || web.Applies(sigma.LogSource{Category: "proxy"}) {
		t.Errorf("web class %v", web.Categories)
	}
}

func TestExtend(t *testing.T) {
	m, err := New([]byte(`
windows:
  services:
    custom: [Custom/Operational]
  categories:
    - {category: process_creation, service: custom, event_ids: [7], fields: {Image: Exe}}
ecs:
  fields:
    process_creation:
      Image: [my.image]
`))
	if err != nil {
		t.Fatal(err)
	}
	cls := m.Classify(rawEvent("Custom/Operational", "7", nil))
	if !cls.Applies(sigma.LogSource{Product: "windows", Category: "process_creation", Service: "custom"}) {
		t.Fatalf("custom class %v %v", cls.Categories, cls.Services)
	}
	if keys := cls.Keys("Image"); keys[0] != "Event.EventData.Exe" {
		t.Errorf("renamed Image keys %v", keys)
	}
	ecs := m.Classify(event.FromMap(map[string]any{"event": map[string]any{"category": "process", "type": "start"}}))
	if keys := ecs.Keys("Image"); keys[0] != "my.image" {
		t.Errorf("extended ECS Image keys %v", keys)
	}
	if _, err := New([]byte("windows:\n  categories:\n    - {category: x, service: nope, event_ids: [1]}\n")); err == nil {
		t.Error("a category on an unknown service was accepted")
	}
}

// TestTablesCoverThor checks windows.yml against SigmaHQ's config/thor.yml
// (the log source table of SigmaHQ's regression CI): every channel and every
// event-ID category of thor.yml must be in the built-in table.
func TestTablesCoverThor(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.Corpora(t), "sigma", "config", "thor.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var thor struct {
		Logsources map[string]struct {
			Category   string            `yaml:"category"`
			Product    string            `yaml:"product"`
			Service    string            `yaml:"service"`
			Sources    []string          `yaml:"sources"`
			Conditions map[string]any    `yaml:"conditions"`
			Rewrite    map[string]string `yaml:"rewrite"`
			Fields     map[string]string `yaml:"fieldmappings"`
		} `yaml:"logsources"`
	}
	if err := yaml.Unmarshal(data, &thor); err != nil {
		t.Fatal(err)
	}
	m := Default()
	cfg := m.Config()
	checked := 0
	for name, ls := range thor.Logsources {
		for _, src := range ls.Sources {
			ch, ok := strings.CutPrefix(src, "WinEventLog:")
			if !ok {
				continue
			}
			if got := m.chanService[strings.ToLower(ch)]; !slices.Contains(got, ls.Service) {
				t.Errorf("%s: channel %q maps to %q, thor.yml says %q", name, ch, got, ls.Service)
			}
			checked++
		}
		if ls.Category == "" || ls.Conditions["EventID"] == nil {
			continue
		}
		var ids []int
		switch v := ls.Conditions["EventID"].(type) {
		case int:
			ids = []int{v}
		case []any:
			for _, x := range v {
				ids = append(ids, x.(int))
			}
		}
		for _, id := range ids {
			found := false
			for _, c := range cfg.Windows.Categories {
				if c.Category == ls.Category && c.Service == ls.Rewrite["service"] && slices.Contains(c.EventIDs, id) {
					found = true
					for k, v := range ls.Fields {
						if c.Fields[k] != v {
							t.Errorf("%s: field %s -> %q, thor.yml says %q", name, k, c.Fields[k], v)
						}
					}
					for k, v := range ls.Conditions {
						if k == "EventID" {
							continue
						}
						if !slices.Contains(c.Where[k], v.(string)) {
							t.Errorf("%s: condition %s=%v missing", name, k, v)
						}
					}
				}
			}
			if !found {
				t.Errorf("%s: category %s on %s event %s is not in windows.yml", name, ls.Category, ls.Rewrite["service"], strconv.Itoa(id))
			}
			checked++
		}
	}
	if checked < 60 {
		t.Errorf("only %d thor.yml entries checked", checked)
	}
}

// The ingestion parser normalises Windows events to ECS; their own fields
// come back from event.original in every forwarder's form, so that the
// mapping (and Sigma's Windows rules) find them.
func TestRestoreWindows(t *testing.T) {
	m := Default()
	for _, tc := range []struct {
		name, original string
		want           map[string]string // key -> value after restoring
		class          string            // the class's services/categories include it
	}{
		{"evtx json", `{"Event":{"System":{"Channel":"Security","EventID":4625,"Computer":"his-db01","Provider":{"Name":"Microsoft-Windows-Security-Auditing"}},` +
			`"EventData":{"IpAddress":"203.0.113.7","TargetUserName":"administrator"}}}`,
			map[string]string{"Event.System.EventID": "4625", "Event.EventData.IpAddress": "203.0.113.7", "Event.System.Provider.Name": "Microsoft-Windows-Security-Auditing"}, "security"},
		{"xml", `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F}"/>` +
			`<EventID>1</EventID><TimeCreated SystemTime="2026-07-01T09:00:00.000Z"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>` +
			`<Computer>ward-pc7</Computer></System><EventData><Data Name="Image">C:\Windows\System32\whoami.exe</Data>` +
			`<Data Name="CommandLine">whoami /all</Data><Data Name="User">-</Data></EventData></Event>`,
			map[string]string{"Event.System.Channel": "Microsoft-Windows-Sysmon/Operational", "Event.EventData.Image": `C:\Windows\System32\whoami.exe`,
				"Event.System.TimeCreated.SystemTime": "2026-07-01T09:00:00.000Z", "Event.EventData.User": "-"}, "process_creation"},
		{"syslog header + xml", `<14>Jul  1 09:00:00 wef01 <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>` +
			`<EventID>4625</EventID><Channel>Security</Channel></System><EventData><Data Name="IpAddress">198.51.100.1</Data></EventData></Event>`,
			map[string]string{"Event.System.EventID": "4625", "Event.EventData.IpAddress": "198.51.100.1"}, "security"},
		{"winlogbeat", `{"@timestamp":"2026-07-01T09:00:00Z","winlog":{"channel":"Security","event_id":"4625","computer_name":"his-db01",` +
			`"event_data":{"IpAddress":"203.0.113.7"}}}`,
			map[string]string{"winlog.channel": "Security", "winlog.event_data.IpAddress": "203.0.113.7"}, "security"},
		{"nxlog json", `{"EventTime":"2026-07-01 09:00:00","Hostname":"his-db01","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing",` +
			`"Channel":"Security","Severity":"ERROR","TargetUserName":"administrator","IpAddress":"203.0.113.7","Message":"An account failed to log on."}`,
			map[string]string{"Event.System.EventID": "4625", "Event.System.Computer": "his-db01", "Event.EventData.IpAddress": "203.0.113.7"}, "security"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := event.FromMap(map[string]any{"@timestamp": "2026-07-01T09:00:00Z", "event": map[string]any{"original": tc.original, "code": "4625"},
				"source": map[string]any{"ip": "203.0.113.7"}})
			if !RestoreWindows(ev) {
				t.Fatalf("nothing restored")
			}
			for k, v := range tc.want {
				if got := ev.Str(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if _, ok := ev.Get("Event.EventData.Message"); ok {
				t.Errorf("NXLog's message taken as event data")
			}
			cls := m.Classify(ev)
			if !strings.Contains(fmt.Sprint(cls.Services, cls.Categories), tc.class) {
				t.Errorf("classified as %v %v, want %s", cls.Services, cls.Categories, tc.class)
			}
			if RestoreWindows(ev) {
				t.Errorf("restored twice")
			}
		})
	}
	for _, orig := range []string{`{"src":"10.0.0.1","action":"deny"}`, `<134>1 2026-07-01T09:00:00Z fw01 - - - deny`, `<Event><System></System></Event>`, `{"Event": 5}`, ``} {
		ev := event.FromMap(map[string]any{"event": map[string]any{"original": orig}})
		n := ev.Len()
		if RestoreWindows(ev) || ev.Len() != n {
			t.Errorf("%q: changed a non-Windows event", orig)
		}
	}
}

func FuzzRestoreWindows(f *testing.F) {
	m := Default()
	f.Add(`{"Event":{"System":{"Channel":"Security","EventID":4625},"EventData":{"IpAddress":"203.0.113.7"}}}`)
	f.Add(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System><EventData><Data Name="Image">x</Data></EventData><UserData><A><B>c</B></A></UserData></Event>`)
	f.Add(`{"EventID":4625,"SourceName":"x","Channel":"Security","IpAddress":"1.2.3.4"}`)
	f.Add(`{"winlog":{"channel":"Security","event_id":"4625","event_data":{"a":["x",1]}}}`)
	f.Fuzz(func(t *testing.T, orig string) {
		ev := event.FromMap(map[string]any{"event": map[string]any{"original": orig}})
		if RestoreWindows(ev) && !HasWindowsFields(ev) && !ev.Has("Event.EventData.Data0") {
			// Restored something: it must be Windows fields (or classic unnamed data).
			found := false
			ev.Range(func(k string, _ any) bool {
				found = found || strings.HasPrefix(k, "Event.") || strings.HasPrefix(k, "winlog.")
				return true
			})
			if !found {
				t.Fatalf("restored no Windows field from %q", orig)
			}
		}
		m.Classify(ev)
	})
}
