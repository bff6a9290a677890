package evstore

import (
	"fmt"
	"testing"
	"time"

	"bianque/event"
	"bianque/ingest"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

// fortigate returns n FortiGate traffic events as the pipeline hands them to
// the store: parsed and normalized, with the pipeline's own fields.
func fortigate(tb testing.TB, n int, start time.Time) []*event.Event {
	tb.Helper()
	p := std.NewParser(parse.Options{})
	out := make([]*event.Event, n)
	for i := range out {
		ts := start.Add(time.Duration(i) * time.Millisecond)
		line := fmt.Sprintf(`<189>date=%s time=%s devname="FGT60F" devid="FGT60FTK2209" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=%d srcip=10.0.%d.%d srcport=%d srcintf="port1" dstip=203.0.113.%d dstport=443 dstintf="wan1" sessionid=%d proto=6 action="accept" policyid=3 service="HTTPS" duration=12 sentbyte=%d rcvdbyte=%d`,
			ts.Format("2006-01-02"), ts.Format("15:04:05"), ts.UnixNano(), i/250%250, i%250, 40000+i%20000, i%250, i, 1000+i%5000, 2000+i%7000)
		e, err := p.Parse([]byte(line), parse.Hint{Vendor: "fortigate", ReceivedAt: ts})
		if err != nil {
			tb.Fatal(err)
		}
		e.Set(event.EventID, ingest.DeriveID(ts, "component", fmt.Sprint(i)))
		e.Set(event.OrganizationID, "01jtenant00000000000000000")
		e.Set(event.EventCreated, ts)
		e.Set(event.EventIngested, ts.Add(time.Second))
		e.Set("agent.id", "01jcomponent000000000000000")
		e.Set("log.source.address", "10.9.9.9:514")
		e.Set("organization.name", "示例市第一人民医院")
		out[i] = e
	}
	return out
}

func BenchmarkPrepare(b *testing.B) {
	evs := fortigate(b, 2000, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	cpu := testutil.CPUTime()
	b.ResetTimer()
	var raw, comp int
	for i := 0; i < b.N; i += 2000 {
		ds, err := Prepare(evs[:min(2000, b.N-i)])
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range ds {
			for _, bl := range d.Blocks {
				raw += bl.Raw
				comp += len(bl.Data)
			}
		}
	}
	b.ReportMetric(float64(raw)/float64(b.N), "raw-B/event")
	b.ReportMetric(float64(comp)/float64(b.N), "stored-B/event")
	testutil.ReportCPURate(b, cpu, "events")
}

func TestDictLookup(t *testing.T) {
	for i, k := range dictKeys {
		if j, ok := dictLookup(k); !ok || j != uint64(i) {
			t.Fatalf("dictLookup(%q) = %d, %v; want %d", k, j, ok, i)
		}
	}
	for _, k := range []string{"", "x", "source.ipx", "vendor.fortinet.field"} {
		if _, ok := dictLookup(k); ok {
			t.Fatalf("dictLookup(%q) found", k)
		}
	}
	seen := map[string]bool{}
	for _, k := range dictKeys {
		if seen[k] {
			t.Fatalf("%q twice in dictKeys", k)
		}
		seen[k] = true
	}
}
