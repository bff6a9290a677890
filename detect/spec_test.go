package detect

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"bianque/detect/sigma"
	"bianque/event"
	"bianque/internal/testutil"
)

// sysmon returns a raw Sysmon process-creation event with EventData fields.
func sysmon(fields map[string]string) *event.Event {
	data := map[string]any{}
	for k, v := range fields {
		data[k] = v
	}
	return event.FromMap(map[string]any{"Event": map[string]any{
		"System": map[string]any{
			"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1", "Computer": "ws1.example.org",
			"TimeCreated": map[string]any{"SystemTime": "2026-03-04T05:06:07Z"},
		},
		"EventData": data,
	}})
}

// compileOne compiles one rule document (detection section given) on
// windows/process_creation.
func compileOne(t *testing.T, detection string, opts Options) *Engine {
	t.Helper()
	doc := "title: T\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n" + indent(detection) + "level: high\n"
	rules, errs := sigma.Parse("t.yml", []byte(doc))
	if len(errs) > 0 {
		t.Fatalf("parse: %v\n%s", errs, doc)
	}
	e := New(opts)
	rs := e.Load(rules)
	if len(rs.Errors) > 0 {
		t.Fatalf("compile: %v", rs.Errors)
	}
	return e
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func matches(e *Engine, ev *event.Event) bool { return len(e.Match(ev, nil)) > 0 }

// TestSpecFeatures checks each feature of the Sigma specification with an
// event that matches and one that differs only in the matched value.
func TestSpecFeatures(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	wide := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			b.WriteByte(0)
		}
		return b.String()
	}
	cases := []struct {
		name      string
		detection string
		hit, miss map[string]string
	}{
		{"equals is case-insensitive", "sel:\n    Image: 'C:\\Windows\\cmd.exe'\ncondition: sel",
			map[string]string{"Image": `c:\WINDOWS\CMD.EXE`}, map[string]string{"Image": `c:\windows\cmd.exe2`}},
		{"wildcards * and ?", "sel:\n    Image: 'C:\\\\*\\cm?.exe'\ncondition: sel",
			map[string]string{"Image": `C:\Windows\System32\cmd.exe`}, map[string]string{"Image": `C:\Windows\System32\cmdd.exe`}},
		{"escaped wildcard is literal", "sel:\n    CommandLine: 'a\\*b'\ncondition: sel",
			map[string]string{"CommandLine": `a*b`}, map[string]string{"CommandLine": `axxb`}},
		{"contains", "sel:\n    CommandLine|contains: ' -enc '\ncondition: sel",
			map[string]string{"CommandLine": `powershell -ENC abc`}, map[string]string{"CommandLine": `powershell -en abc`}},
		{"startswith", "sel:\n    CommandLine|startswith: 'net '\ncondition: sel",
			map[string]string{"CommandLine": `NET user`}, map[string]string{"CommandLine": ` net user`}},
		{"endswith", "sel:\n    Image|endswith: '\\rundll32.exe'\ncondition: sel",
			map[string]string{"Image": `C:\x\RUNDLL32.EXE`}, map[string]string{"Image": `C:\x\rundll32.exe.bak`}},
		{"list is OR", "sel:\n    Image|endswith:\n        - '\\a.exe'\n        - '\\b.exe'\ncondition: sel",
			map[string]string{"Image": `C:\b.exe`}, map[string]string{"Image": `C:\c.exe`}},
		{"all", "sel:\n    CommandLine|contains|all:\n        - 'user'\n        - '/add'\ncondition: sel",
			map[string]string{"CommandLine": `net user x /add`}, map[string]string{"CommandLine": `net user x /del`}},
		{"map is AND", "sel:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: 'user'\ncondition: sel",
			map[string]string{"Image": `C:\net.exe`, "CommandLine": "net user"}, map[string]string{"Image": `C:\net.exe`, "CommandLine": "net group"}},
		{"list of maps is OR", "sel:\n    - Image|endswith: '\\a.exe'\n    - OriginalFileName: 'a.exe'\ncondition: sel",
			map[string]string{"OriginalFileName": "A.EXE"}, map[string]string{"OriginalFileName": "b.exe"}},
		{"base64", "sel:\n    CommandLine|base64|contains: 'http://'\ncondition: sel",
			map[string]string{"CommandLine": "x " + b64("http://") + " y"}, map[string]string{"CommandLine": "x " + b64("https:/") + " y"}},
		{"base64offset", "sel:\n    CommandLine|base64offset|contains: 'IEX'\ncondition: sel",
			map[string]string{"CommandLine": b64("aIEX (New-Object)")}, map[string]string{"CommandLine": b64("aXYZ (New-Object)")}},
		{"wide base64offset", "sel:\n    CommandLine|wide|base64offset|contains: 'ping'\ncondition: sel",
			map[string]string{"CommandLine": "-enc " + b64(wide("cmd /c ping x"))}, map[string]string{"CommandLine": "-enc " + b64(wide("cmd /c pong x"))}},
		{"utf16le", "sel:\n    CommandLine|utf16le|contains: 'ab'\ncondition: sel",
			map[string]string{"CommandLine": "x" + wide("ab")}, map[string]string{"CommandLine": "x" + wide("ac")}},
		{"utf16be", "sel:\n    CommandLine|utf16be|contains: 'ab'\ncondition: sel",
			map[string]string{"CommandLine": "\x00a\x00b"}, map[string]string{"CommandLine": "a\x00b\x00"}},
		{"utf16 with BOM", "sel:\n    CommandLine|utf16|contains: 'ab'\ncondition: sel",
			map[string]string{"CommandLine": "\xff\xfea\x00b\x00"}, map[string]string{"CommandLine": "a\x00b\x00"}},
		{"windash slash", "sel:\n    CommandLine|windash|contains: ' -exec '\ncondition: sel",
			map[string]string{"CommandLine": "p /exec x"}, map[string]string{"CommandLine": "p \\exec x"}},
		{"windash en dash", "sel:\n    CommandLine|windash|contains: ' -exec '\ncondition: sel",
			map[string]string{"CommandLine": "p \u2013exec x"}, map[string]string{"CommandLine": "p _exec x"}},
		{"windash keeps inner dashes", "sel:\n    CommandLine|windash|contains: 'a-b'\ncondition: sel",
			map[string]string{"CommandLine": "x a-b"}, map[string]string{"CommandLine": "x a/b"}},
		{"re is case-sensitive", "sel:\n    CommandLine|re: 'Invoke-[A-Z]\\w+'\ncondition: sel",
			map[string]string{"CommandLine": "Invoke-Mimikatz"}, map[string]string{"CommandLine": "invoke-mimikatz"}},
		{"re|i", "sel:\n    CommandLine|re|i: 'invoke-[a-z]+'\ncondition: sel",
			map[string]string{"CommandLine": "INVOKE-X"}, map[string]string{"CommandLine": "INVOKE_X"}},
		{"re|m", "sel:\n    CommandLine|re|m: '^second$'\ncondition: sel",
			map[string]string{"CommandLine": "first\nsecond\nthird"}, map[string]string{"CommandLine": "first second"}},
		{"re|s", "sel:\n    CommandLine|re|s: 'a.b'\ncondition: sel",
			map[string]string{"CommandLine": "a\nb"}, map[string]string{"CommandLine": "a\n\nb"}},
		{"re with required run", "sel:\n    CommandLine|re: '\\s[a-f0-9]{16}\\s'\ncondition: sel",
			map[string]string{"CommandLine": "x 0123456789abcdef y"}, map[string]string{"CommandLine": "x 0123456789abcdeg y"}},
		{"cidr", "sel:\n    SourceIp|cidr:\n        - '10.0.0.0/8'\n        - 'fd00::/8'\ncondition: sel",
			map[string]string{"SourceIp": "10.2.3.4"}, map[string]string{"SourceIp": "11.2.3.4"}},
		{"cidr v6", "sel:\n    SourceIp|cidr: 'fd00::/8'\ncondition: sel",
			map[string]string{"SourceIp": "fd12::1"}, map[string]string{"SourceIp": "fe80::1"}},
		{"exists true", "sel:\n    ParentUser|exists: true\ncondition: sel",
			map[string]string{"ParentUser": ""}, map[string]string{"User": "x"}},
		{"exists false", "sel:\n    ParentUser|exists: false\ncondition: sel",
			map[string]string{"User": "x"}, map[string]string{"ParentUser": "x"}},
		{"cased", "sel:\n    CommandLine|cased|contains: 'Secret'\ncondition: sel",
			map[string]string{"CommandLine": "a Secret b"}, map[string]string{"CommandLine": "a secret b"}},
		{"neq", "sel:\n    IntegrityLevel|neq: 'Low'\ncondition: sel",
			map[string]string{"IntegrityLevel": "High"}, map[string]string{"IntegrityLevel": "low"}},
		{"neq number", "sel:\n    LogonType|neq: 3\ncondition: sel",
			map[string]string{"LogonType": "2"}, map[string]string{"LogonType": "3"}},
		{"lt", "sel:\n    Count|lt: 10\ncondition: sel",
			map[string]string{"Count": "9"}, map[string]string{"Count": "10"}},
		{"lte", "sel:\n    Count|lte: 10\ncondition: sel",
			map[string]string{"Count": "10"}, map[string]string{"Count": "11"}},
		{"gt", "sel:\n    Count|gt: 10\ncondition: sel",
			map[string]string{"Count": "10.5"}, map[string]string{"Count": "10"}},
		{"gte hex value", "sel:\n    GrantedAccess|gte: 4096\ncondition: sel",
			map[string]string{"GrantedAccess": "0x1010"}, map[string]string{"GrantedAccess": "0x0fff"}},
		{"fieldref", "sel:\n    User|fieldref: ParentUser\ncondition: sel",
			map[string]string{"User": "DOM\\a", "ParentUser": "dom\\A"}, map[string]string{"User": "DOM\\a", "ParentUser": "DOM\\b"}},
		{"fieldref neq", "sel:\n    User|fieldref|neq: ParentUser\ncondition: sel",
			map[string]string{"User": "a", "ParentUser": "b"}, map[string]string{"User": "a", "ParentUser": "a"}},
		{"hour", "sel:\n    UtcTime|hour: 3\ncondition: sel",
			map[string]string{"UtcTime": "2026-01-02 03:04:05.678"}, map[string]string{"UtcTime": "2026-01-02 04:04:05.678"}},
		{"hour range", "sel:\n    UtcTime|hour|gte: 22\ncondition: sel",
			map[string]string{"UtcTime": "2026-01-02T23:00:00Z"}, map[string]string{"UtcTime": "2026-01-02T21:59:59Z"}},
		{"minute day week month year", "sel:\n    UtcTime|minute: 4\n    UtcTime|day: 2\n    UtcTime|week: 1\n    UtcTime|month: 1\n    UtcTime|year: 2026\ncondition: sel",
			map[string]string{"UtcTime": "2026-01-02 03:04:05"}, map[string]string{"UtcTime": "2026-01-03 03:04:05"}},
		{"null is absent", "sel:\n    Image|endswith: '\\x.exe'\nfilter:\n    OriginalFileName: null\ncondition: sel and not filter",
			map[string]string{"Image": `C:\x.exe`, "OriginalFileName": "x.exe"}, map[string]string{"Image": `C:\x.exe`}},
		{"empty value is not null", "sel:\n    OriginalFileName: ''\ncondition: sel",
			map[string]string{"OriginalFileName": ""}, map[string]string{"Image": "x"}},
		{"null in a list", "sel:\n    OriginalFileName:\n        - null\n        - '-'\ncondition: sel",
			map[string]string{"Image": "x"}, map[string]string{"OriginalFileName": "a"}},
		{"number matches string", "sel:\n    EventID: 1\ncondition: sel",
			map[string]string{"Image": "x"}, nil},
		{"keywords", "keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\ncondition: keywords",
			map[string]string{"CommandLine": "x SEKURLSA::logonpasswords"}, map[string]string{"CommandLine": "x sekur lsa"}},
		{"keywords all", "keywords:\n    '|all':\n        - 'alpha'\n        - 'beta'\ncondition: keywords",
			map[string]string{"CommandLine": "alpha", "Image": "beta"}, map[string]string{"CommandLine": "alpha"}},
		{"keywords re", "keywords:\n    '|re': 'ev[a-z]l'\ncondition: keywords",
			map[string]string{"CommandLine": "x evil"}, map[string]string{"CommandLine": "x ev1l"}},
		{"not", "sel:\n    Image|endswith: '.exe'\nfilter:\n    Image|contains: '\\Windows\\'\ncondition: sel and not filter",
			map[string]string{"Image": `C:\Temp\a.exe`}, map[string]string{"Image": `C:\Windows\a.exe`}},
		{"or and parentheses", "a:\n    Image|endswith: '\\a.exe'\nb:\n    Image|endswith: '\\b.exe'\nc:\n    CommandLine|contains: 'x'\ncondition: (a or b) and c",
			map[string]string{"Image": `C:\b.exe`, "CommandLine": "x"}, map[string]string{"Image": `C:\b.exe`, "CommandLine": "y"}},
		{"1 of pattern", "selection_a:\n    Image|endswith: '\\a.exe'\nselection_b:\n    Image|endswith: '\\b.exe'\ncondition: 1 of selection_*",
			map[string]string{"Image": `C:\b.exe`}, map[string]string{"Image": `C:\c.exe`}},
		{"all of pattern", "selection_a:\n    Image|endswith: '\\a.exe'\nselection_b:\n    CommandLine|contains: 'z'\ncondition: all of selection_*",
			map[string]string{"Image": `C:\a.exe`, "CommandLine": "z"}, map[string]string{"Image": `C:\a.exe`, "CommandLine": "y"}},
		{"1 of them skips underscore", "a:\n    Image|endswith: '\\a.exe'\n_b:\n    Image|endswith: '\\b.exe'\ncondition: 1 of them",
			map[string]string{"Image": `C:\a.exe`}, map[string]string{"Image": `C:\b.exe`}},
		{"all of them", "a:\n    Image|endswith: '.exe'\nb:\n    Image|contains: 'tmp'\ncondition: all of them",
			map[string]string{"Image": `C:\tmp\a.exe`}, map[string]string{"Image": `C:\a.exe`}},
		{"condition list is OR", "a:\n    Image|endswith: '\\a.exe'\nb:\n    Image|endswith: '\\b.exe'\ncondition:\n    - a\n    - b",
			map[string]string{"Image": `C:\b.exe`}, map[string]string{"Image": `C:\c.exe`}},
		{"system fields", "sel:\n    Computer|endswith: '.example.org'\n    Channel: 'Microsoft-Windows-Sysmon/Operational'\ncondition: sel",
			map[string]string{"Image": "x"}, nil},
		{"non-ASCII case folding", "sel:\n    CommandLine|contains: 'ÄRGER'\ncondition: sel",
			map[string]string{"CommandLine": "viel ärger hier"}, map[string]string{"CommandLine": "viel arger hier"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := compileOne(t, c.detection, Options{})
			if !matches(e, sysmon(c.hit)) {
				t.Errorf("event %v does not match", c.hit)
			}
			if c.miss != nil && matches(e, sysmon(c.miss)) {
				t.Errorf("event %v matches", c.miss)
			}
			// The prefilter must never change the outcome.
			slow := compileOne(t, c.detection, Options{DisablePrefilter: true})
			if matches(slow, sysmon(c.hit)) != matches(e, sysmon(c.hit)) {
				t.Errorf("prefilter changes the result")
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	det := "sel:\n    Computer|expand: '%Workstations%'\n    Image|endswith: '\\net.exe'\ncondition: sel"
	hit := sysmon(map[string]string{"Image": `C:\net.exe`})
	// Unresolved: the test never matches, and the rule reports why.
	e := compileOne(t, det, Options{})
	if matches(e, hit) {
		t.Error("an unresolved placeholder matched")
	}
	if len(e.Rules().Warnings) != 1 || !strings.Contains(e.Rules().Warnings[0].Reason, "%Workstations%") {
		t.Errorf("warnings = %v", e.Rules().Warnings)
	}
	e = compileOne(t, det, Options{Placeholders: map[string][]string{"Workstations": {"pc-*", "ws?.example.org"}}})
	if !matches(e, hit) {
		t.Error("a resolved placeholder (with wildcards) does not match")
	}
	e = compileOne(t, det, Options{Placeholders: map[string][]string{"Workstations": {"pc-*"}}})
	if matches(e, hit) {
		t.Error("a placeholder value that differs matched")
	}
}

func TestGlobalFilter(t *testing.T) {
	docs := `title: Net User
id: 11111111-0000-0000-0000-000000000001
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\net.exe'
    condition: sel
level: medium
---
title: Filter admins
logsource:
    product: windows
    category: process_creation
filter:
    rules:
        - 11111111-0000-0000-0000-000000000001
    selection:
        User|startswith: 'adm_'
    condition: not selection
`
	rules, errs := sigma.Parse("f.yml", []byte(docs))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e := New(Options{})
	e.Load(rules)
	if !matches(e, sysmon(map[string]string{"Image": `C:\net.exe`, "User": "bob"})) {
		t.Error("unfiltered user does not match")
	}
	if matches(e, sysmon(map[string]string{"Image": `C:\net.exe`, "User": "ADM_bob"})) {
		t.Error("filtered user matches")
	}
}

// TestLogSourceRouting checks that events of one log source never reach
// the rules of another, even when their fields would match.
func TestLogSourceRouting(t *testing.T) {
	docs := `title: Process
id: 22222222-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image|endswith: '\evil.exe'}
    condition: sel
---
title: File
id: 22222222-0000-0000-0000-000000000002
logsource: {product: windows, category: file_event}
detection:
    sel: {Image|endswith: '\evil.exe'}
    condition: sel
---
title: Security service
id: 22222222-0000-0000-0000-000000000003
logsource: {product: windows, service: security}
detection:
    sel: {Image|endswith: '\evil.exe'}
    condition: sel
---
title: Linux process
id: 22222222-0000-0000-0000-000000000004
logsource: {product: linux, category: process_creation}
detection:
    sel: {Image|endswith: '/evil'}
    condition: sel
`
	rules, errs := sigma.Parse("r.yml", []byte(docs))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e := New(Options{})
	e.Load(rules)
	raw := func(channel, eid string) *event.Event {
		return event.FromMap(map[string]any{"Event": map[string]any{
			"System":    map[string]any{"Channel": channel, "EventID": eid},
			"EventData": map[string]any{"Image": `C:\evil.exe`, "NewProcessName": `C:\evil.exe`},
		}})
	}
	ids := func(ev *event.Event) string {
		var out []string
		for _, m := range e.Match(ev, nil) {
			out = append(out, m.Rule.ID[len(m.Rule.ID)-1:])
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		name string
		ev   *event.Event
		want string
	}{
		{"sysmon process creation", raw("Microsoft-Windows-Sysmon/Operational", "1"), "1"},
		{"sysmon file event", raw("Microsoft-Windows-Sysmon/Operational", "11"), "2"},
		{"security 4688 is process creation too", raw("Security", "4688"), "1,3"},
		{"other security event", raw("Security", "4624"), "3"},
		{"unknown channel", raw("Some/Channel", "1"), ""},
		{"ecs linux process", event.FromMap(map[string]any{"host": map[string]any{"os": map[string]any{"type": "linux"}},
			"event": map[string]any{"category": []any{"process"}, "type": []any{"start"}}, "process": map[string]any{"executable": "/tmp/evil"}}), "4"},
		{"ecs windows file creation", event.FromMap(map[string]any{"host": map[string]any{"os": map[string]any{"type": "windows"}},
			"event": map[string]any{"category": []any{"file"}, "type": []any{"creation"}}, "process": map[string]any{"executable": `C:\evil.exe`}}), "2"},
	} {
		if got := ids(c.ev); got != c.want {
			t.Errorf("%s: rules %q, want %q", c.name, got, c.want)
		}
	}
}

// TestMatchReason reports the search identifiers that held.
func TestMatchReason(t *testing.T) {
	e := compileOne(t, "selection_img:\n    Image|endswith: '\\a.exe'\nselection_cli:\n    CommandLine|contains: 'x'\nfilter:\n    User: 'SYSTEM'\ncondition: 1 of selection_* and not filter", Options{})
	ms := e.Match(sysmon(map[string]string{"Image": `C:\a.exe`, "CommandLine": "y"}), nil)
	if len(ms) != 1 || strings.Join(ms[0].Reason, ",") != "selection_img" {
		t.Fatalf("matches %+v", ms)
	}
	if got := ms[0].Time; !got.Equal(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Errorf("match time %v is not the event's", got)
	}
}

// TestEventWithoutTimestamp takes the time from the engine's clock.
func TestEventWithoutTimestamp(t *testing.T) {
	clk := testutil.NewFakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	e := compileOne(t, "sel:\n    Image: x\ncondition: sel", Options{Clock: clk})
	ev := event.FromMap(map[string]any{"Event": map[string]any{
		"System":    map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1"},
		"EventData": map[string]any{"Image": "x"},
	}})
	ms := e.Match(ev, nil)
	if len(ms) != 1 || !ms[0].Time.Equal(clk.Now()) {
		t.Fatalf("matches %+v", ms)
	}
}

func ExampleEngine_Match() {
	rules, _ := sigma.Parse("example.yml", []byte(`title: Whoami
id: 33333333-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
level: medium
`))
	e := New(Options{})
	e.Load(rules)
	ev, _ := ParseEvent([]byte(`{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":"1"},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}`))
	for _, m := range e.Match(ev, nil) {
		fmt.Println(m.Rule.Title, m.Rule.Level, m.Reason)
	}
	// Output: Whoami medium [selection]
}
