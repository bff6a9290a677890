package storetest

import (
	"fmt"
	"testing"
	"time"

	"bianque/event"
	"bianque/ingest"
	"bianque/parse"
	"bianque/parse/std"
)

// FortiGateEvents returns n FortiGate traffic events of tenantID, one per
// millisecond from start, as the ingestion pipeline hands them to the event
// store: parsed and normalized by the FortiGate parser, with the pipeline's
// fields (event.id derived like a collector's, organization, agent, times).
// Source addresses cycle through 10.0.0.0/16, destinations through
// 203.0.113.0/24; every 100th event is a deny.
func FortiGateEvents(tb testing.TB, tenantID string, start time.Time, n int) []*event.Event {
	tb.Helper()
	p := std.NewParser(parse.Options{})
	out := make([]*event.Event, n)
	for i := range out {
		ts := start.Add(time.Duration(i) * time.Millisecond)
		action := "accept"
		if i%100 == 99 {
			action = "deny"
		}
		line := fmt.Sprintf(`<189>date=%s time=%s devname="FGT60F" devid="FGT60FTK2209" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=%d srcip=10.0.%d.%d srcport=%d srcintf="port1" dstip=203.0.113.%d dstport=443 dstintf="wan1" sessionid=%d proto=6 action="%s" policyid=3 service="HTTPS" duration=12 sentbyte=%d rcvdbyte=%d`,
			ts.Format("2006-01-02"), ts.Format("15:04:05"), ts.UnixNano(), i/250%250, i%250, 40000+i%20000, i%250, i, action, 1000+i%5000, 2000+i%7000)
		e, err := p.Parse([]byte(line), parse.Hint{Vendor: "fortigate", ReceivedAt: ts})
		if err != nil {
			tb.Fatalf("parse FortiGate event: %v", err)
		}
		e.Set(event.EventID, ingest.DeriveID(ts, "fgt-component", fmt.Sprint(i)))
		e.Set(event.OrganizationID, tenantID)
		e.Set(event.EventCreated, ts)
		e.Set(event.EventIngested, ts.Add(time.Second))
		e.Set("agent.id", "01jcomponent000000000000000")
		e.Set("log.source.address", "10.9.9.9:514")
		out[i] = e
	}
	return out
}
