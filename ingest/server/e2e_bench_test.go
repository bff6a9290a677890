package server

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"bianque"
	"bianque/ingest/ingesttest"
	"bianque/internal/testutil"
	"bianque/mask"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/sqlite"
)

// BenchmarkEndToEnd measures ingestion end to end into the embedded store:
// FortiGate syslog over TCP → the platform's receiver → the local queue
// (fsync) → pipeline workers (parse and normalize with every shipped vendor,
// mask, enrich) → the SQLite event store. It reports events/s from the first
// message sent to the last one stored.
func BenchmarkEndToEnd(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bianque.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tn := &bianque.Tenant{Code: "bench", Name: "Bench", Contract: bianque.DefaultContract()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	ts := &timedSink{EventSink: db}
	pol, _ := mask.NewPolicies(make([]byte, 32), mask.Default(), nil)
	srv, err := New(ctx, Config{DataDir: filepath.Join(dir, "ingest"), SyslogTCP: "127.0.0.1:0", SyslogTenant: tn.ID, SyslogHint: "fortigate",
		Components: ingesttest.NewComponents(), Parser: ParseStage{Parser: std.NewParser(parse.Options{})}, Masker: MaskStage{Policies: pol},
		Sink: ts, DeadLetters: db, Batch: 1000})
	if err != nil {
		b.Fatal(err)
	}
	go srv.Run(ctx)
	c, err := net.Dial("tcp", srv.SyslogAddrs()[0].String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	b.ResetTimer()
	cpu := testutil.CPUTime()
	buf := make([]byte, 0, 256<<10)
	for i := 0; i < b.N; i++ {
		ts := start.Add(time.Duration(i) * time.Millisecond)
		buf = fmt.Appendf(buf, `<189>date=%s time=%s devname="FGT60F" devid="FGT60FTK2209" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" eventtime=%d srcip=10.0.%d.%d srcport=%d srcintf="port1" dstip=203.0.113.%d dstport=443 dstintf="wan1" sessionid=%d proto=6 action="accept" policyid=3 service="HTTPS" duration=12 sentbyte=%d rcvdbyte=%d`+"\n",
			ts.Format("2006-01-02"), ts.Format("15:04:05"), ts.UnixNano(), i/250%250, i%250, 40000+i%20000, i%250, i, 1000+i%5000, 2000+i%7000)
		if len(buf) > 200<<10 {
			c.Write(buf)
			buf = buf[:0]
		}
	}
	c.Write(buf)
	for {
		parts, err := db.EventPartitions(ctx, tn.ID)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for _, p := range parts {
			n += p.Events
		}
		if n >= int64(b.N) {
			break
		}
		if dl, _ := db.CountDeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{tn.ID}}); dl > 0 {
			b.Fatalf("%d dead letters", dl)
		}
		time.Sleep(250 * time.Millisecond) // counting is not free: poll rarely
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	testutil.ReportCPURate(b, cpu, "events")
	b.Logf("appends %d of %d events in %v", ts.calls, ts.n, ts.dur)
}
