package event

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMarshalNestedSortedStable(t *testing.T) {
	e := New(0)
	e.SetTimestamp(time.Date(2021, 11, 23, 15, 35, 8, 541882000, time.UTC))
	e.Set("source.ip", "10.0.0.1")
	e.Set("source.port", 443)
	e.Set("event.category", []string{"network"})
	e.Set("a", "value")
	e.Set("a.b", 2)
	e.Set("a-c", true)
	e.Set("msg", "quote\" <tag> 中文 \x01")
	got, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"@timestamp":"2021-11-23T15:35:08.541882Z","a":"value","a.b":2,"a-c":true,"event":{"category":["network"]},"msg":"quote\" <tag> 中文 \u0001","source":{"ip":"10.0.0.1","port":443}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var check map[string]any
	if err := json.Unmarshal(got, &check); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	in := `{"@timestamp":"2024-01-02T03:04:05.000006Z","destination":{"port":53},"dns":{"answers":[{"data":"1.2.3.4","ttl":60}]},"related":{"ip":["1.1.1.1","2.2.2.2"]},"x":1.5}`
	e, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := e.Int("destination.port"); p != 53 {
		t.Fatalf("destination.port = %v", p)
	}
	if ts := e.Timestamp(); ts.Nanosecond() != 6000 {
		t.Fatalf("timestamp = %v", ts)
	}
	if v, _ := e.Get("related.ip"); len(v.([]string)) != 2 {
		t.Fatalf("related.ip = %#v", v)
	}
	out, _ := e.MarshalJSON()
	if string(out) != in {
		t.Fatalf("round trip\n got %s\nwant %s", out, in)
	}
}

func TestAppendUnique(t *testing.T) {
	e := New(0)
	e.AppendUnique(RelatedIP, "1.1.1.1")
	e.AppendUnique(RelatedIP, "1.1.1.1")
	e.AppendUnique(RelatedIP, "2.2.2.2")
	e.AppendUnique(RelatedIP, "")
	if v, _ := e.Get(RelatedIP); len(v.([]string)) != 2 {
		t.Fatalf("related.ip = %#v", v)
	}
}

func TestInvalidUTF8Replaced(t *testing.T) {
	e := New(0)
	e.Set("m", "a\xffb")
	out, _ := e.MarshalJSON()
	if string(out) != `{"m":"a\ufffdb"}` {
		t.Fatalf("got %s", out)
	}
}

func FuzzCodec(f *testing.F) {
	f.Add([]byte(`{"a":{"b":1},"a.c":"x","l":[1,"2",{"z":null}]}`))
	f.Add([]byte(`{"@timestamp":"bad"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		out, err := e.MarshalJSON()
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("marshal produced invalid JSON %q from %q: %v", out, b, err)
		}
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		out2, _ := e2.MarshalJSON()
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	e := New(0)
	e.SetTimestamp(time.Now())
	for _, k := range []string{"source.ip", "destination.ip", "event.action", "observer.vendor", "observer.product", "network.transport", "rule.name", "user.name", "host.name", "event.original"} {
		e.Set(k, "some value of moderate length")
	}
	e.Set("source.port", 1234)
	e.Set("destination.port", 443)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEventJSON is a normalized firewall event as the store keeps it.
const benchEventJSON = `{"@timestamp":"2024-05-02T02:51:55.421843994Z","destination":{"address":"172.16.5.9","bytes":345678,"geo":{"country_name":"China"},"ip":"172.16.5.9","packets":300,"port":443},"event":{"action":"accept","category":"traffic","code":"0000000013","dataset":"traffic:forward","duration":180000000000,"original":"<189>date=2024-05-02 time=10:51:55 devname=\"FGT-HIS-01\" srcip=10.20.30.40 dstip=172.16.5.9","outcome":"success","timezone":"+0800"},"log":{"level":"notice","syslog":{"facility":{"code":23,"name":"local7"},"priority":189,"severity":{"code":5,"name":"notice"}}},"message":"date=2024-05-02 time=10:51:55","network":{"application":"HTTPS.BROWSER","bytes":369134,"protocol":"https","session_id":"1234567","transport":"tcp"},"observer":{"hostname":"FGT-HIS-01","name":"root","product":"FortiGate","serial_number":"FG100FTK20000001","type":"firewall","vendor":"Fortinet"},"related":{"hosts":["FGT-HIS-01"],"ip":["10.20.30.40","172.16.5.9"]},"rule":{"category":"Web.Client","id":"12","ruleset":"policy"},"source":{"address":"10.20.30.40","bytes":23456,"ip":"10.20.30.40","nat":{"ip":"203.0.113.5","port":51234},"packets":120,"port":51234}}`

func BenchmarkMarshalEvent(b *testing.B) {
	e, err := Parse([]byte(benchEventJSON))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalEvent(b *testing.B) {
	in := []byte(benchEventJSON)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads the fields detection rules read most.
func BenchmarkGet(b *testing.B) {
	e, err := Parse([]byte(benchEventJSON))
	if err != nil {
		b.Fatal(err)
	}
	keys := []string{"source.ip", "destination.port", "event.action", "user.name", "process.command_line", "observer.vendor", "event.category"}
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			if v, ok := e.Get(k); ok && v == nil {
				b.Fatal(k)
			}
		}
	}
}
