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
