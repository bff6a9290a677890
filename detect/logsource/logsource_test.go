package logsource

import (
	"encoding/json"
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
		t.Skip(err)
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
