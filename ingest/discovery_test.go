package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/queue"
)

// memDiscovery is a DiscoveryReceiver that remembers every batch it took;
// failNext makes its next calls fail with a transient error.
type memDiscovery struct {
	mu       sync.Mutex
	batches  []*discover.Batch
	tenants  []string
	failNext int
	calls    int
}

func (m *memDiscovery) ReceiveDiscovery(ctx context.Context, comp *bianque.Component, b *discover.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.failNext > 0 {
		m.failNext--
		return errors.New("database is locked")
	}
	if len(b.Devices) > 0 && b.Devices[0].IP == "10.66.6.6" {
		return bianque.Errorf(bianque.EINVALID, "refused device")
	}
	m.batches = append(m.batches, b)
	m.tenants = append(m.tenants, comp.TenantID)
	return nil
}

// counts returns how many times each device and flow arrived, and the
// flow bytes summed.
func (m *memDiscovery) counts() (devices map[string]int, flowBytes uint64, tenants map[string]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	devices, tenants = map[string]int{}, map[string]bool{}
	for i, b := range m.batches {
		for _, d := range b.Devices {
			devices[d.Key()]++
		}
		for _, f := range b.Flows {
			flowBytes += f.Bytes
		}
		tenants[m.tenants[i]] = true
	}
	return devices, flowBytes, tenants
}

// enrolApproved enrols a collector on p and approves it.
func enrolApproved(t *testing.T, ctx context.Context, p *platform, dir string) *Identity {
	t.Helper()
	type result struct {
		id  *Identity
		err error
	}
	enrolled := make(chan result, 1)
	go func() {
		id, err := Enroll(ctx, EnrollConfig{Platform: p.url(), CAPin: p.enroller.CA.Fingerprint(), Tenant: "szph",
			Name: "edge-sensor", Dir: filepath.Join(dir, "id"), Poll: 20 * time.Millisecond})
		enrolled <- result{id, err}
	}()
	var pending *bianque.Component
	waitFor(t, "a pending component", func() bool {
		cs, _, _ := p.store.Components(ctx, bianque.ComponentFilter{States: []bianque.ComponentState{bianque.ComponentPending}})
		if len(cs) == 1 {
			pending = cs[0]
		}
		return pending != nil
	})
	if _, err := p.enroller.Approve(ctx, "t1", pending.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	r := <-enrolled
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.id
}

func sampleBatch(at time.Time, first, n int) *discover.Batch {
	b := &discover.Batch{At: at}
	for i := first; i < first+n; i++ {
		ip := fmt.Sprintf("10.1.%d.%d", i/250, 1+i%250)
		b.Devices = append(b.Devices, discover.Device{IP: ip, Address: discover.AddrUnicast, DeviceType: "workstation",
			Identities: discover.Identities{"dhcp": {"hostname": {fmt.Sprintf("ward-pc-%04d", i)}}}})
		b.Flows = append(b.Flows, discover.Flow{Client: ip, Server: "10.1.200.1", Transport: "tcp", Port: 445, App: []string{"smb"}, Bytes: 1000, Packets: 4})
	}
	return b
}

// TestDiscoveryThroughSpool: the sensor's batches go into the spool beside
// log records while the platform is down, reach the platform's discovery
// receiver once it is up — each device and flow exactly once, attributed to
// the collector's tenant — and re-sends (the same records cut into another
// batch), a transient failure of the receiver, a garbage record and a record
// the receiver refuses neither duplicate nor block anything.
func TestDiscoveryThroughSpool(t *testing.T) {
	p := newPlatform(t)
	md := &memDiscovery{}
	p.disc = md
	addr := p.addr
	p.stop()
	p.start(t, addr) // with the discovery receiver
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	id := enrolApproved(t, ctx, p, dir)

	spool, err := queue.OpenLocal(filepath.Join(dir, "spool"), queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	spoolSink := &QueueSink{Queue: spool}
	tee := &teeSink{next: spoolSink}
	ds := &DiscoverySpool{Sink: tee}

	// The platform is down: sightings, flows and logs wait in the spool.
	p.stop()
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	if err := ds.Forward(ctx, sampleBatch(at, 0, 600)); err != nil { // 3 device records (256 each at most), 1 flow record
		t.Fatal(err)
	}
	logs := make([]Raw, 50)
	for i := range logs {
		logs[i] = Raw{ID: fmt.Sprintf("log%d", i), Received: at, Transport: TransportUDP, Data: fmt.Appendf(nil, "<13>event %d", i)}
	}
	if err := spoolSink.Submit(ctx, logs); err != nil {
		t.Fatal(err)
	}
	if err := ds.Forward(ctx, sampleBatch(at.Add(time.Minute), 600, 100)); err != nil {
		t.Fatal(err)
	}
	if st, _ := spool.Stats(ctx); st.Backlog != 4+50+2 {
		t.Fatalf("spool backlog %d, want 56 records", st.Backlog)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: id.ClientTLS()}}
	fwd := &Forwarder{Spool: spool, URL: p.url(), Client: client, BatchSize: 7, MaxWait: 20 * time.Millisecond,
		Compress: true, Metrics: NewMetrics(nil), ComponentID: id.ComponentID}
	fctx, fcancel := context.WithCancel(ctx)
	fdone := make(chan error, 1)
	go func() { fdone <- fwd.Run(fctx) }()
	time.Sleep(300 * time.Millisecond)
	if devs, _, _ := md.counts(); len(devs) != 0 {
		t.Fatal("discovery delivered while the platform was down")
	}

	// The platform comes back, and its receiver fails twice first.
	md.mu.Lock()
	md.failNext = 2
	md.mu.Unlock()
	p.start(t, addr)
	p.sink.wait(t, 50)
	waitFor(t, "700 devices", func() bool { d, _, _ := md.counts(); return len(d) == 700 })
	waitFor(t, "an empty spool", func() bool { st, _ := spool.Stats(ctx); return st.Backlog == 0 })
	fcancel()
	<-fdone
	devs, flowBytes, tenants := md.counts()
	for k, n := range devs {
		if n != 1 {
			t.Fatalf("device %s applied %d times", k, n)
		}
	}
	if flowBytes != 700*1000 || len(tenants) != 1 || !tenants["t1"] {
		t.Fatalf("flow bytes %d (want 700000), tenants %v", flowBytes, tenants)
	}

	// The same records again, cut into a batch of their own (a collector
	// restarted between sending and acknowledging): applied once only.
	md.mu.Lock()
	calls := md.calls
	md.mu.Unlock()
	if calls != 6+2 {
		t.Fatalf("receiver called %d times, want 6 records + 2 failures", calls)
	}
	var body []byte
	for _, rec := range tee.discovery()[:3] {
		body = AppendBatch(body, AppendRaw(nil, &rec))
	}
	if err := fwd.send(ctx, "resent-cut-differently", body, 0); err != nil {
		t.Fatal(err)
	}
	md.mu.Lock()
	calls = md.calls
	md.mu.Unlock()
	if calls != 8 {
		t.Fatalf("a re-sent record reached the receiver again (%d calls)", calls)
	}
	if n := counter(t, p.metrics.Discovery.WithLabelValues("duplicate")); n != 3 {
		t.Fatalf("duplicates counted %v, want 3", n)
	}

	// Garbage and a refused batch are counted and do not block the link;
	// the refused one is not tried again.
	refused := &discover.Batch{At: at, Devices: []discover.Device{{IP: "10.66.6.6", Address: discover.AddrUnicast}}}
	enc, _ := discover.EncodeBatch(refused)
	bad := []Raw{
		{ID: "garbage-1", Received: at, Transport: TransportDiscovery, Hint: discover.BatchFormat, Data: []byte("{not json")},
		{ID: "refused-1", Received: at, Transport: TransportDiscovery, Hint: discover.BatchFormat, Data: enc},
	}
	body = nil
	for _, rec := range bad {
		body = AppendBatch(body, AppendRaw(nil, &rec))
	}
	for i := range 2 {
		if err := fwd.send(ctx, fmt.Sprintf("bad-%d", i), body, 0); err != nil {
			t.Fatalf("a bad discovery record blocked the batch: %v", err)
		}
	}
	if n := counter(t, p.metrics.Discovery.WithLabelValues("bad_discovery")); n != 1 {
		t.Errorf("bad records counted %v, want 1", n)
	}
	if n := counter(t, p.metrics.Discovery.WithLabelValues("discovery_refused")); n != 1 {
		t.Errorf("refused records counted %v, want 1", n)
	}
	if n := counter(t, p.metrics.Discovery.WithLabelValues("accepted")); n != 6 {
		t.Errorf("accepted records counted %v, want 6", n)
	}
	if n := counter(t, p.metrics.Sightings); n != 700 {
		t.Errorf("sightings counted %v, want 700", n)
	}
	md.mu.Lock()
	calls = md.calls
	md.mu.Unlock()
	if calls != 9 {
		t.Errorf("receiver called %d times, want 9 (the refused record once)", calls)
	}
}

// teeSink records what is submitted, then passes it on.
type teeSink struct {
	next Sink
	mu   sync.Mutex
	recs []Raw
}

func (s *teeSink) Submit(ctx context.Context, recs []Raw) error {
	s.mu.Lock()
	for _, r := range recs {
		r.Data = append([]byte(nil), r.Data...)
		s.recs = append(s.recs, r)
	}
	s.mu.Unlock()
	return s.next.Submit(ctx, recs)
}

func (s *teeSink) discovery() []Raw {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Raw
	for _, r := range s.recs {
		if r.Transport == TransportDiscovery {
			out = append(out, r)
		}
	}
	return out
}

func TestSplitBatchBounds(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	b := sampleBatch(at, 0, 1000)
	big := discover.Device{IP: "10.9.9.9", Address: discover.AddrUnicast, Identities: discover.Identities{"syslog": {}}}
	for i := range 200 {
		big.Identities["syslog"]["messages"] = append(big.Identities["syslog"]["messages"], fmt.Sprintf("%04d %0500d", i, 0))
	}
	b.Devices = append(b.Devices, big, big, big, big)
	parts, err := discover.SplitBatch(b, 256, 2048, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	devices, flows := 0, 0
	for _, p := range parts {
		d, err := discover.DecodeBatch(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Devices) > 256 || len(d.Flows) > 2048 || (len(p) > 64<<10 && len(d.Devices)+len(d.Flows) > 1) {
			t.Fatalf("part of %d devices, %d flows, %d bytes", len(d.Devices), len(d.Flows), len(p))
		}
		if len(d.Devices) > 0 && len(d.Flows) > 0 {
			t.Fatal("a part mixes devices and flows")
		}
		if !d.At.Equal(at) {
			t.Fatalf("part time %v", d.At)
		}
		devices += len(d.Devices)
		flows += len(d.Flows)
	}
	if devices != 1004 || flows != 1000 {
		t.Fatalf("%d devices, %d flows after the split", devices, flows)
	}
	for _, bad := range []string{`{}`, `{"at":"2025-03-01T08:00:00Z","devices":[{"ip":""}]}`, `[`, `{"at":"2025-03-01T08:00:00Z","flows":[{"client":"a"}]}`} {
		if _, err := discover.DecodeBatch([]byte(bad)); !errors.Is(err, discover.ErrBadBatch) {
			t.Errorf("DecodeBatch(%s) = %v, want ErrBadBatch", bad, err)
		}
	}
}
