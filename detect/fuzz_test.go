package detect

import (
	"testing"

	"bianque/detect/logsource"
	"bianque/detect/sigma"
)

// FuzzCompileAndMatch compiles fuzzed rules and matches sample events: any
// rule the parser accepts must compile or fail with an error, never panic.
func FuzzCompileAndMatch(f *testing.F) {
	f.Add([]byte("title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: '\\x.exe', CommandLine|re: 'a{2,}b'}\n  condition: sel\n"))
	f.Add([]byte("title: k\nlogsource: {product: windows}\ndetection:\n  k: ['abc', 'd*e?f']\n  condition: k\n"))
	f.Add([]byte("title: c\nlogsource: {product: windows}\ndetection:\n  s: {EventID: 4625}\n  timeframe: 1m\n  condition: s | count() by IpAddress > 1\n"))
	f.Add([]byte("title: w\nlogsource: {product: windows}\ndetection:\n  s: {CommandLine|windash|contains: ' -a -b /c', SourceIp|cidr: '10.0.0.0/8'}\n  condition: s\n"))
	evs := []string{
		`{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":"1"},"EventData":{"Image":"C:\\x.exe","CommandLine":"aab -a /b –c","SourceIp":"10.1.2.3"}}}`,
		`{"Event":{"System":{"Channel":"Security","EventID":"4625","TimeCreated":{"SystemTime":"2026-01-01T00:00:00Z"}},"EventData":{"IpAddress":"1.2.3.4"}}}`,
		`{"@timestamp":"2026-01-01T00:00:00Z","host":{"os":{"type":"windows"}},"event":{"category":["process"],"type":["start"]},"process":{"executable":"C:\\x.exe","args":["a","b"]}}`,
	}
	mapping := logsource.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, _ := sigma.Parse("fuzz.yml", data)
		e := New(Options{Mapping: mapping, Placeholders: map[string][]string{"p": {"a*", "b"}}})
		e.Load(rules)
		c := NewCorrelator(nil)
		for i, line := range evs {
			ev, err := ParseEvent([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			c.Feed(int64(i), e.Match(ev, nil), nil)
		}
		c.Flush(nil)
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"Event":{"System":{"Channel":"Microsoft-Windows-WMI-Activity/Operational","EventID":"5858"},"UserData":{"Operation_ClientFailure":{"Operation":"x"}}}}`))
	f.Add([]byte(`{"a":{"b":[1,"x",{"c":null}]},"@timestamp":"2026-01-01T00:00:00Z"}`))
	e := New(Options{})
	rules, _ := sigma.Parse("k.yml", []byte("title: k\ndetection:\n  k: [x]\n  condition: k\n"))
	e.Load(rules)
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := ParseEvent(line)
		if err != nil {
			return
		}
		e.Match(ev, nil)
	})
}
