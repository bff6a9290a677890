package relay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/internal/synth"
	"bianque/discover/pipeline"
	"bianque/discover/relay"
	"bianque/discover/sensor"
	"bianque/internal/testutil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder gathers what a relay forwards.
type recorder struct {
	mu      sync.Mutex
	batches []*discover.Batch
}

func (r *recorder) forward(ctx context.Context, b *discover.Batch) error {
	// The relay may reuse nothing of b, but encode and decode it anyway, as
	// the spool does, so the test sees what the platform would.
	enc, err := discover.EncodeBatch(b)
	if err != nil {
		return err
	}
	d, err := discover.DecodeBatch(enc)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.batches = append(r.batches, d)
	r.mu.Unlock()
	return nil
}

// merged folds the batches the way the platform does: the latest sighting
// of a device replaces the earlier ones (identities accumulate in the
// sensor), flow deltas add up.
func (r *recorder) merged() (map[string]discover.Device, map[discover.FlowKey]discover.Flow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	devs := map[string]discover.Device{}
	fl := map[discover.FlowKey]discover.Flow{}
	for _, b := range r.batches {
		for _, d := range b.Devices {
			devs[d.Key()] = d
		}
		for _, f := range b.Flows {
			g := fl[f.Key()]
			g.Packets += f.Packets
			g.Bytes += f.Bytes
			g.Connections += f.Connections
			fl[f.Key()] = g
		}
	}
	return devs, fl
}

// TestRelayMatchesOffline replays every capture of the corpus through a
// relay (live limits, flushed every few milliseconds) and checks that what
// it forwards holds every device, identity string and byte of traffic that
// the offline report of the same capture holds.
func TestRelayMatchesOffline(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "pcap")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if len(files) == 0 {
		t.Fatalf("no captures in %s", dir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pipeline.Pcap(context.Background(), f, pipeline.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			r, err := relay.New(relay.Config{Logger: quiet, Files: []string{path}, Interval: 5 * time.Millisecond, Forward: rec.forward})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			devs, flows := rec.merged()
			for i, b := range rec.batches {
				seen := map[string]bool{}
				for _, d := range b.Devices {
					if seen[d.Key()] {
						t.Errorf("batch %d carries device %s twice", i, d.Key())
					}
					seen[d.Key()] = true
				}
			}
			for _, d := range want.Devices {
				got, ok := devs[d.Key()]
				if !ok {
					t.Errorf("device %s not forwarded", d.Key())
					continue
				}
				for sec, fields := range d.Identities {
					for field, vals := range fields {
						for _, v := range vals {
							if !slices.Contains(got.Identities.Get(sec, field), v) {
								t.Errorf("device %s: %s.%s %q not forwarded", d.Key(), sec, field, v)
							}
						}
					}
				}
				if got.DeviceType != d.DeviceType {
					t.Errorf("device %s: type %q forwarded, offline %q", d.Key(), got.DeviceType, d.DeviceType)
				}
			}
			for _, fw := range want.Flows {
				g, ok := flows[fw.Key()]
				if !ok {
					t.Errorf("flow %+v not forwarded", fw.Key())
					continue
				}
				if g.Bytes != fw.Bytes || g.Packets != fw.Packets {
					t.Errorf("flow %+v: %d packets %d bytes forwarded, offline %d/%d", fw.Key(), g.Packets, g.Bytes, fw.Packets, fw.Bytes)
				}
			}
			st := r.Stats()
			if st.Sensor.Frames == 0 || st.Batches == 0 || st.Inputs != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// writeChurn writes a capture of n UDP conversations between distinct
// addresses (every frame a new client, a new server and a new port), 100
// payload bytes each.
func writeChurn(t testing.TB, path string, n int) uint64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := capture.NewPcapWriter(f, decode.LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	start := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	payload := bytes.Repeat([]byte{'x'}, 100)
	for i := range n {
		c := synth.NewHost(fmt.Sprintf("02:00:%02x:%02x:%02x:01", byte(i>>16), byte(i>>8), byte(i)), fmt.Sprintf("10.%d.%d.%d", 1+byte(i>>16), byte(i>>8), byte(i)))
		s := synth.NewHost("02:00:00:00:00:fe", fmt.Sprintf("10.200.%d.%d", byte(i>>8), byte(i)))
		fr := synth.UDPFrame(c, s, 40000, uint16(20000+i%1000), payload)
		total += uint64(len(fr) - 14) // flows count IP bytes
		if err := w.WritePacket(start.Add(time.Duration(i)*time.Millisecond), fr); err != nil {
			t.Fatal(err)
		}
	}
	return total
}

// TestRelayBoundedChurn pushes 60,000 distinct conversations through a
// relay whose tables hold 2,000 entries: the tables stay at their limits,
// evictions are counted, evicted state is forwarded in early flushes that
// stay near MaxPending, and no byte of traffic is lost on the way.
func TestRelayBoundedChurn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "churn.pcap")
	const n = 60000
	total := writeChurn(t, path, n)
	rec := &recorder{}
	sc := sensor.DefaultConfig()
	sc.MaxFlows, sc.MaxHosts, sc.MaxMACs, sc.MaxEdges = 2000, 2000, 2000, 2000
	r, err := relay.New(relay.Config{Logger: quiet, Files: []string{path}, Interval: time.Hour, Sensor: sc, MaxPending: 1000, Forward: rec.forward,
		Enrich: func(*discover.Report) {}})
	if err != nil {
		t.Fatal(err)
	}
	maxTables := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				st := r.Stats()
				maxTables = max(maxTables, st.Flows, st.Hosts, st.Edges)
			}
		}
	}()
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	st := r.Stats()
	_, flows := rec.merged()
	var bytes, packets uint64
	for _, f := range flows {
		bytes += f.Bytes
		packets += f.Packets
	}
	largest := 0
	rec.mu.Lock()
	for _, b := range rec.batches {
		largest = max(largest, len(b.Devices), len(b.Flows))
	}
	nb := len(rec.batches)
	rec.mu.Unlock()
	t.Logf("%d frames, %d batches (largest part %d), tables peaked at %d; evicted: %d flows, %d hosts, %d edges",
		st.Sensor.Frames, nb, largest, maxTables, st.Sensor.FlowsEvicted, st.Sensor.HostsEvicted, st.Sensor.EdgesEvicted)
	if maxTables > 2000 {
		t.Errorf("a table grew to %d entries, limit 2000", maxTables)
	}
	if st.Sensor.HostsEvicted == 0 || st.Sensor.EdgesEvicted == 0 || st.Sensor.FlowsEvicted == 0 {
		t.Errorf("evictions not counted: %+v", st.Sensor)
	}
	if largest > 4*1000+2000 {
		t.Errorf("a batch of %d records: pending evicted state was not bounded", largest)
	}
	if nb < 10 {
		t.Errorf("only %d batches: evicted state was not flushed early", nb)
	}
	if packets != n || bytes != total {
		t.Errorf("forwarded %d packets, %d bytes; sent %d packets, %d bytes", packets, bytes, n, total)
	}
	if len(flows) != n {
		t.Errorf("%d flow aggregates forwarded, want %d", len(flows), n)
	}
}

// netflowV5 builds one NetFlow v5 datagram with the given records.
func netflowV5(at time.Time, recs ...[5]uint32) []byte {
	b := make([]byte, 24+48*len(recs))
	binary.BigEndian.PutUint16(b[0:], 5)
	binary.BigEndian.PutUint16(b[2:], uint16(len(recs)))
	binary.BigEndian.PutUint32(b[4:], 100000) // uptime ms
	binary.BigEndian.PutUint32(b[8:], uint32(at.Unix()))
	for i, r := range recs {
		x := b[24+48*i:]
		binary.BigEndian.PutUint32(x[0:], r[0]) // src
		binary.BigEndian.PutUint32(x[4:], r[1]) // dst
		binary.BigEndian.PutUint32(x[16:], r[2])
		binary.BigEndian.PutUint32(x[20:], r[3])
		binary.BigEndian.PutUint32(x[24:], 90000)
		binary.BigEndian.PutUint32(x[28:], 99000)
		binary.BigEndian.PutUint16(x[32:], 50123)
		binary.BigEndian.PutUint16(x[34:], uint16(r[4]))
		x[38] = 6
	}
	return b
}

func ip4(s string) uint32 {
	a := netip.MustParseAddr(s).As4()
	return binary.BigEndian.Uint32(a[:])
}

// TestRelayFlowListener sends NetFlow v5 exports to the relay's listener on
// the loopback and finds the flows among what it forwards, with a
// malformed datagram counted.
func TestRelayFlowListener(t *testing.T) {
	rec := &recorder{}
	r, err := relay.New(relay.Config{Logger: quiet, FlowsListen: "127.0.0.1:0", Interval: 20 * time.Millisecond, Forward: rec.forward})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	c, err := net.Dial("udp", r.FlowsAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	at := time.Now().UTC()
	c.Write(netflowV5(at, [5]uint32{ip4("10.1.0.10"), ip4("10.1.0.50"), 40, 52000, 104}, [5]uint32{ip4("10.1.0.20"), ip4("10.1.0.60"), 12, 3000, 2575}))
	c.Write([]byte{0, 5, 0})
	deadline := time.Now().Add(10 * time.Second)
	var flows map[discover.FlowKey]discover.Flow
	for time.Now().Before(deadline) {
		_, flows = rec.merged()
		if len(flows) >= 2 && r.Stats().FlowDatagrams >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	dicom := flows[discover.FlowKey{Client: "10.1.0.10", Server: "10.1.0.50", Transport: "tcp", Port: 104}]
	hl7 := flows[discover.FlowKey{Client: "10.1.0.20", Server: "10.1.0.60", Transport: "tcp", Port: 2575}]
	if dicom.Bytes != 52000 || dicom.Packets != 40 || hl7.Bytes != 3000 {
		t.Fatalf("flows forwarded: %+v", flows)
	}
	st := r.Stats()
	if st.Sensor.FlowRecords != 2 || st.FlowErrors["malformed"] != 1 {
		t.Fatalf("flow records %d, errors %v", st.Sensor.FlowRecords, st.FlowErrors)
	}
}

// fakeLive is a live source fed by the test.
type fakeLive struct {
	frames chan capture.Frame
	closed chan struct{}
	once   sync.Once
	drops  uint64
}

func (l *fakeLive) Next() (capture.Frame, error) {
	select {
	case fr := <-l.frames:
		return fr, nil
	case <-l.closed:
		return capture.Frame{}, io.EOF
	}
}

func (l *fakeLive) Stats() (uint64, uint64, error) { d := l.drops; l.drops = 0; return 0, d, nil }
func (l *fakeLive) Close() error                   { l.once.Do(func() { close(l.closed) }); return nil }

// TestRelayLiveStopFlushes checks that a relay on a live input forwards on
// its interval, counts kernel drops, and flushes what it holds when it is
// stopped.
func TestRelayLiveStopFlushes(t *testing.T) {
	l := &fakeLive{frames: make(chan capture.Frame), closed: make(chan struct{}), drops: 7}
	rec := &recorder{}
	r, err := relay.New(relay.Config{Logger: quiet, Interfaces: []string{"mirror0"}, Interval: time.Hour, Forward: rec.forward,
		OpenLive: func(name string) (relay.LiveSource, error) { return l, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	pc := synth.NewHost("02:00:00:00:00:01", "10.9.0.1")
	srv := synth.NewHost("02:00:00:00:00:02", "10.9.0.2")
	l.frames <- capture.Frame{Link: decode.LinkEthernet, Data: synth.UDPFrame(pc, srv, 5353, 5353, []byte("x")), Time: time.Now()}
	l.frames <- capture.Frame{Link: decode.LinkEthernet, Data: synth.UDPFrame(srv, pc, 161, 40000, []byte("y"))}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	devs, _ := rec.merged()
	if _, ok := devs["10.9.0.1"]; !ok {
		t.Fatalf("stop did not flush: %v", devs)
	}
	if st := r.Stats(); st.Sensor.CaptureDropped != 7 || st.Sensor.Frames != 2 {
		t.Fatalf("stats: drops %d frames %d", st.Sensor.CaptureDropped, st.Sensor.Frames)
	}
}
