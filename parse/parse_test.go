package parse

import (
	"strings"
	"testing"
	"time"

	"bianque/event"
	"bianque/internal/testutil"
	"bianque/parse/ecs"
)

func TestRegistryNamesAndDetection(t *testing.T) {
	r := NewRegistry()
	a := &Vendor{ID: "acme-fw", Aliases: []string{"acme", "Acme_Firewall"}, Normalize: func(*Record, *event.Event) error { return nil },
		Detect: func(rec *Record) bool { return strings.Contains(rec.Body, "ACME") }}
	b := &Vendor{ID: "other", Normalize: a.Normalize, Detect: func(*Record) bool { return true }}
	r.MustRegister(a, b)
	for _, n := range []string{"acme-fw", "ACME", "acme firewall", "acme_firewall"} {
		if v, ok := r.Lookup(n); !ok || v != a {
			t.Errorf("Lookup(%q) failed", n)
		}
	}
	if err := r.Register(&Vendor{ID: "x", Aliases: []string{"acme"}, Normalize: a.Normalize}); err == nil {
		t.Error("duplicate alias accepted")
	}
	if v, _ := r.Detect(&Record{Body: "ACME says"}); v != a {
		t.Error("detection order not kept")
	}
	if v, _ := r.Detect(&Record{Body: "x"}); v != b {
		t.Error("fallthrough detection failed")
	}
	// A weak detector registered first still runs after a specific one.
	r2 := NewRegistry()
	weak := &Vendor{ID: "weak", Priority: PriorityWeak, Normalize: a.Normalize, Detect: func(*Record) bool { return true }}
	r2.MustRegister(weak, &Vendor{ID: "acme-fw", Normalize: a.Normalize, Detect: a.Detect})
	if v, _ := r2.Detect(&Record{Body: "ACME"}); v == nil || v.ID != "acme-fw" {
		t.Errorf("priority not applied: %v", v)
	}
}

func TestSetConvertsToECSTypes(t *testing.T) {
	e := event.New(8)
	Set(e, "source.port", "443")
	Set(e, "destination.port", "https") // not a number: dropped
	Set(e, "source.ip", "::ffff:10.1.2.3")
	Set(e, "destination.ip", "not-an-ip")
	Set(e, "related.ip", "10.1.2.3")
	Set(e, "related.ip", "10.1.2.3")
	Set(e, "event.start", "1668524634")
	Set(e, "vendor.key", "kept as text")
	Set(e, "user.name", "-")
	if v, _ := e.Get("source.port"); v != int64(443) {
		t.Errorf("source.port = %#v", v)
	}
	if e.Has("destination.port") || e.Has("destination.ip") || e.Has("user.name") {
		t.Error("bad values stored")
	}
	if e.Str("source.ip") != "10.1.2.3" {
		t.Errorf("source.ip = %q", e.Str("source.ip"))
	}
	if v, _ := e.Get("related.ip"); len(v.([]string)) != 1 {
		t.Errorf("related.ip = %v", v)
	}
	if ts, ok := e.Time("event.start"); !ok || ts.Unix() != 1668524634 {
		t.Errorf("event.start = %v", ts)
	}
	if e.Str("vendor.key") != "kept as text" {
		t.Error("non-ECS key lost")
	}
}

func TestECSTable(t *testing.T) {
	if ecs.Count() < 2000 {
		t.Fatalf("only %d ECS fields", ecs.Count())
	}
	for name, want := range map[string]ecs.Type{"source.ip": ecs.IP, "source.port": ecs.Long, "@timestamp": ecs.Date, "event.category": ecs.Keyword, "message": ecs.Text} {
		if got := ecs.TypeOf(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	if f, _ := ecs.Lookup("related.ip"); !f.Array {
		t.Error("related.ip is an array field")
	}
	if !ecs.IsField("labels.ward") || !ecs.IsField("dns.answers.data") || ecs.IsField("fortinet.vd") || ecs.IsField("log.hostname") {
		t.Error("IsField")
	}
}

func TestDetectFormat(t *testing.T) {
	cases := map[string]Format{
		`CEF:0|a|b|c|d|e|f|src=1.1.1.1`:                       FormatCEF,
		`host CEF:0|a|b|c|d|e|f|src=1.1.1.1`:                  FormatCEF,
		`0|Check Point|VPN|Check Point|Log|Log|Unknown|act=x`: FormatCEF,
		`LEEF:2.0|V|P|1|e|^|src=1.1.1.1`:                      FormatLEEF,
		`{"a":1}`:                                             FormatJSON,
		`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`:  FormatXML,
		`date=2024-05-02 time=10:51:55 devname="FGT" logid=1`:                    FormatKV,
		`1,2024/08/12 15:57:12,0123,TRAFFIC,end,2561,2024/08/12,1.1.1.1,2.2.2.2`: FormatCSV,
		`127.0.0.1 - - [26/Dec/2016:16:18:09 +0000] "GET / HTTP/1.1" 200 491`:    FormatAccess,
		`session opened for user root`:                                           FormatText,
	}
	for in, want := range cases {
		if got := DetectFormat(in); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestMappingYAML(t *testing.T) {
	m, err := ParseMapping([]byte(`
id: acme
formats: [kv]
observer: {vendor: Acme, product: FW, type: firewall}
detect: {format: kv, keys: [acme_id]}
fields:
  src: [source.ip, source.address]
  dport: destination.port
  user: user.name
values:
  act: {event.outcome: {allow: success, deny: failure, "*": unknown}}
set: {event.category: [network]}
timestamp: [{keys: [date, time], layout: "2006-01-02 15:04:05", zone: tz}]
namespace: acme
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseMapping([]byte("id: x\nfeilds: {}\n")); err == nil {
		t.Error("unknown key accepted")
	}
	reg := NewRegistry()
	reg.MustRegister(m.Vendor())
	p := NewParser(reg, Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	ev, err := p.Parse([]byte(`<14>Jan  1 00:00:00 fw acme_id=7 src=10.0.0.1 dport=443 user=bob act=DENY date=2024-05-02 time=10:51:55 tz=+0800 extra=1`), Hint{})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{"source.ip": "10.0.0.1", "destination.port": int64(443), "user.name": "bob", "event.outcome": "failure",
		"observer.vendor": "Acme", "acme.extra": "1", "acme.acme_id": "7"}
	for k, want := range checks {
		if got, _ := ev.Get(k); got != want {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if ts := ev.Timestamp(); !ts.Equal(time.Date(2024, 5, 2, 2, 51, 55, 0, time.UTC)) {
		t.Errorf("@timestamp = %v", ts)
	}
	if v, _ := ev.Get("related.ip"); v == nil {
		t.Error("related.ip not filled")
	}
}

func TestParserErrorsAndCommonFields(t *testing.T) {
	p := NewParser(NewRegistry(), Options{Clock: testutil.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	if _, err := p.Parse([]byte("  \r\n"), Hint{}); err == nil {
		t.Error("empty message accepted")
	}
	if _, err := p.Parse([]byte("x"), Hint{Vendor: "nope"}); err == nil {
		t.Error("unknown vendor accepted")
	}
	ev, err := p.Parse([]byte("<38>Feb 28 23:59:59 web01 sshd[42]: hello\n"), Hint{})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"log.syslog.priority": int64(38), "log.syslog.facility.name": "auth", "log.syslog.severity.name": "informational",
		"host.hostname": "web01", "process.name": "sshd", "process.pid": int64(42), "message": "hello"} {
		if got, _ := ev.Get(k); got != want {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if ts := ev.Timestamp(); ts.Year() != 2026 || ts.Month() != time.February {
		t.Errorf("year not inferred from the clock: %v", ts)
	}
	ev, _ = p.Parse([]byte("no header at all"), Hint{})
	if ts := ev.Timestamp(); !ts.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("missing timestamp not taken from the clock: %v", ts)
	}
}

func TestW3C(t *testing.T) {
	p := NewParser(NewRegistry(), Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	line := "2024-03-01 08:15:02 10.0.0.5 GET /his/login.aspx user=1 443 - 192.168.1.20 Mozilla/5.0+(Windows+NT+10.0) - 401 1 2148074254 15"
	ev, err := p.Parse([]byte(line), Hint{Format: FormatW3C})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"source.ip": "192.168.1.20", "destination.port": int64(443), "url.path": "/his/login.aspx",
		"http.response.status_code": int64(401), "event.outcome": "failure", "user_agent.original": "Mozilla/5.0 (Windows NT 10.0)",
		"event.duration": int64(15 * time.Millisecond)} {
		if got, _ := ev.Get(k); got != want {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if ts := ev.Timestamp(); !ts.Equal(time.Date(2024, 3, 1, 8, 15, 2, 0, time.UTC)) {
		t.Errorf("@timestamp = %v", ts)
	}
}
