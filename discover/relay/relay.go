// Package relay runs passive discovery at the hospital edge, inside the
// collector: live interfaces (AF_PACKET), capture files and NetFlow/IPFIX
// export listeners feed one bounded sensor, and every interval — earlier when
// evicted state piles up — what it learnt is handed to Forward as one
// discover.Batch: the devices seen or changed (sightings) and the flow
// aggregates with their traffic since the previous flush (summaries).
// Packets never leave the relay.
//
// Memory is bounded by the sensor's tables (sensor.Config) and by MaxPending
// evicted records between flushes; every eviction and every frame the kernel
// dropped is counted (Stats). While Forward blocks (a full spool), the
// inputs keep feeding the bounded sensor.
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/flows"
	"bianque/discover/pipeline"
	"bianque/discover/sensor"
)

// LiveSource is a live capture: capture.Live, or a test's stand-in.
type LiveSource interface {
	capture.Source
	// Stats returns the frames the kernel received and dropped since the
	// previous call.
	Stats() (received, dropped uint64, err error)
	Close() error
}

// Config says what the relay reads and where what it learns goes.
type Config struct {
	// Interfaces to capture from (AF_PACKET, receive only, promiscuous).
	Interfaces []string
	// Files are pcap/pcapng captures to replay once, as fast as they read.
	Files []string
	// FlowsListen is a UDP address receiving NetFlow v5/v9 and IPFIX exports.
	FlowsListen string
	// Interval between flushes (30 s).
	Interval time.Duration
	// Sensor bounds the tables; zero fields take sensor.DefaultConfig. Its
	// Sink and Enrich are set by the relay.
	Sensor sensor.Config
	// Enrich classifies and completes each flush (nil: pipeline.Default).
	Enrich func(*discover.Report)
	// MaxPending flushes early once this many evicted devices and flow
	// aggregates wait for the next flush (16384).
	MaxPending int
	// Forward takes each flush's batch; it may block (backpressure). An
	// error loses that batch, which is counted.
	Forward func(ctx context.Context, b *discover.Batch) error
	// OpenLive opens an interface (nil: capture.OpenLive, promiscuous).
	OpenLive func(name string) (LiveSource, error)
	Logger   *slog.Logger
}

// Stats is what the relay saw, forwarded and lost.
type Stats struct {
	Sensor discover.Stats
	// Current table sizes.
	Flows, Hosts, MACs, Edges int
	// FlowDatagrams received on the export listener; FlowErrors counts the
	// ones (or records) that could not be used, by reason.
	FlowDatagrams uint64
	FlowErrors    map[string]uint64
	// Forwarded sightings (device records), flow summaries and batches;
	// Flushes counts the flushes that had something; Lost counts the
	// sightings and summaries of batches Forward refused.
	Sightings, FlowSummaries, Batches, Flushes uint64
	ForwardErrors, Lost                        uint64
	// Inputs still running.
	Inputs int
}

// Relay is a running edge sensor. Create it with New, run it with Run.
type Relay struct {
	cfg Config
	log *slog.Logger

	flushMu sync.Mutex // serialises flushes
	runCtx  context.Context
	mu      sync.Mutex // guards eng, dec, pending and the counters
	eng     *sensor.Engine
	dec     *flows.Decoder
	pending discover.Batch
	lives   []LiveSource
	files   []*os.File
	srcs    []capture.Source
	conn    net.PacketConn

	flowDatagrams                                           uint64
	sightings, summaries, batches, flushes, fwdErrors, lost uint64
	inputs                                                  int

	kick chan struct{}
}

// collect is the sensor's Sink: it gathers one flush into pending. It runs
// inside Engine.Flush, under the relay's lock.
type collect struct{ r *Relay }

func (c collect) Sightings(ctx context.Context, at time.Time, devices []discover.Device) error {
	c.r.pending.At = at
	c.r.pending.Devices = append(c.r.pending.Devices, devices...)
	return nil
}

func (c collect) FlowSummaries(ctx context.Context, at time.Time, fl []discover.Flow) error {
	c.r.pending.At = at
	c.r.pending.Flows = append(c.r.pending.Flows, fl...)
	return nil
}

// New opens every input, so that a missing interface, an unreadable file
// or a busy port is reported before anything runs.
func New(cfg Config) (r *Relay, err error) {
	if cfg.Forward == nil {
		return nil, errors.New("relay: nothing to forward to")
	}
	if len(cfg.Interfaces) == 0 && len(cfg.Files) == 0 && cfg.FlowsListen == "" {
		return nil, errors.New("relay: no input (interface, capture file or flow listener)")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 16384
	}
	if cfg.Enrich == nil {
		cfg.Enrich = pipeline.Default
	}
	if cfg.OpenLive == nil {
		cfg.OpenLive = func(name string) (LiveSource, error) {
			return capture.OpenLive(name, capture.LiveOptions{Promiscuous: true})
		}
	}
	r = &Relay{cfg: cfg, log: cfg.Logger, dec: flows.NewDecoder(), kick: make(chan struct{}, 1)}
	if r.log == nil {
		r.log = slog.Default()
	}
	defer func() {
		if err != nil {
			r.closeInputs()
		}
	}()
	sc := cfg.Sensor // zero fields take the live defaults
	sc.KeepEvicted = false
	sc.Sink, sc.Enrich = collect{r}, cfg.Enrich
	r.eng = sensor.New(sc)

	for _, name := range cfg.Interfaces {
		l, err := cfg.OpenLive(name)
		if err != nil {
			return nil, fmt.Errorf("capture on %s: %w", name, err)
		}
		r.lives = append(r.lives, l)
	}
	for _, path := range cfg.Files {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("capture file: %w", err)
		}
		r.files = append(r.files, f)
		src, err := capture.Open(f)
		if err != nil {
			return nil, fmt.Errorf("capture file %s: %w", path, err)
		}
		r.srcs = append(r.srcs, src)
	}
	if cfg.FlowsListen != "" {
		c, err := net.ListenPacket("udp", cfg.FlowsListen)
		if err != nil {
			return nil, fmt.Errorf("flow export listener: %w", err)
		}
		if uc, ok := c.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(8 << 20)
		}
		r.conn = c
	}
	return r, nil
}

// FlowsAddr is the flow export listener's address (nil without one).
func (r *Relay) FlowsAddr() net.Addr {
	if r.conn == nil {
		return nil
	}
	return r.conn.LocalAddr()
}

func (r *Relay) closeInputs() {
	for _, l := range r.lives {
		l.Close()
	}
	for _, f := range r.files {
		f.Close()
	}
	if r.conn != nil {
		r.conn.Close()
	}
}

// Run feeds the sensor from every input and flushes every interval until ctx
// ends, then stops the inputs and flushes what is left (Forward gets a
// context that is not cancelled, so a spool takes the last batch). With
// capture files only, Run returns once they are read and forwarded.
func (r *Relay) Run(ctx context.Context) error {
	r.runCtx = ctx
	inCtx, stopInputs := context.WithCancel(ctx)
	defer stopInputs()
	var wg sync.WaitGroup
	done := make(chan string, len(r.srcs)+len(r.lives)+1)
	start := func(what string, fn func(context.Context)) {
		r.mu.Lock()
		r.inputs++
		r.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(inCtx)
			r.mu.Lock()
			r.inputs--
			r.mu.Unlock()
			done <- what
		}()
	}
	for i, l := range r.lives {
		name := r.cfg.Interfaces[i]
		r.log.Info("capturing for passive discovery", "interface", name)
		start("interface "+name, func(ctx context.Context) { r.readLive(ctx, name, l) })
	}
	for i, src := range r.srcs {
		path := r.cfg.Files[i]
		r.log.Info("replaying capture for passive discovery", "file", path)
		start("file "+path, func(ctx context.Context) { r.readFile(ctx, path, src) })
	}
	if r.conn != nil {
		r.log.Info("receiving flow exports", "addr", r.conn.LocalAddr().String())
		start("flow listener", r.readFlows)
	}
	live := len(r.lives) > 0 || r.conn != nil
	running := len(r.srcs) + len(r.lives)
	if r.conn != nil {
		running++
	}
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
			r.flush(ctx)
		case <-r.kick:
			r.flush(ctx)
		case what := <-done:
			running--
			r.log.Info("passive discovery input finished", "input", what)
			r.flush(ctx)
			if running == 0 && !live {
				break loop
			}
		}
	}
	stopInputs()
	r.closeInputs()
	wg.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	r.flush(fctx)
	return nil
}

// packet feeds one frame to the engine under the lock and asks for an
// early flush when evicted state piles up.
func (r *Relay) packet(fr capture.Frame) {
	if fr.Time.IsZero() {
		fr.Time = time.Now()
	}
	r.mu.Lock()
	r.eng.Packet(fr.Link, fr.Data, fr.Time)
	pending := r.eng.Pending()
	r.mu.Unlock()
	r.evicted(pending)
}

// evicted asks for an early flush when pending evicted records reach
// MaxPending, and flushes itself, blocking its input, at four times that:
// a Forward slower than the eviction rate then slows the inputs down (a
// live capture's kernel drops are counted) instead of growing memory.
func (r *Relay) evicted(pending int) {
	switch {
	case pending >= 4*r.cfg.MaxPending:
		r.flush(r.runCtx)
	case pending >= r.cfg.MaxPending:
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

func (r *Relay) readLive(ctx context.Context, name string, l LiveSource) {
	for ctx.Err() == nil {
		fr, err := l.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				r.log.Error("capture stopped", "interface", name, "err", err)
			}
			return
		}
		r.packet(fr)
	}
}

func (r *Relay) readFile(ctx context.Context, path string, src capture.Source) {
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return
		}
		fr, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil { // a stop closes the file under the reader
				r.log.Error("capture file broke off; what was read is kept", "file", path, "err", err)
				r.mu.Lock()
				r.eng.CountError("capture file: " + err.Error())
				r.mu.Unlock()
			}
			return
		}
		r.packet(fr)
	}
}

func (r *Relay) readFlows(ctx context.Context) {
	buf := make([]byte, 65535)
	for ctx.Err() == nil {
		n, from, err := r.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				r.log.Error("flow export listener stopped", "err", err)
			}
			return
		}
		var exporter netip.Addr
		if ua, ok := from.(*net.UDPAddr); ok {
			exporter, _ = netip.AddrFromSlice(ua.IP)
			exporter = exporter.Unmap()
		}
		r.mu.Lock()
		r.flowDatagrams++
		_ = r.dec.Decode(exporter, buf[:n], r.eng.AddFlow) // failures are counted in dec.Stats
		pending := r.eng.Pending()
		r.mu.Unlock()
		r.evicted(pending)
	}
}

// flush takes what the sensor learnt since the previous flush and forwards
// it outside the lock, so the inputs go on while the spool writes.
func (r *Relay) flush(ctx context.Context) {
	r.flushMu.Lock() // batches reach Forward one at a time, in order
	defer r.flushMu.Unlock()
	r.mu.Lock()
	for _, l := range r.lives {
		if _, dropped, err := l.Stats(); err == nil {
			r.eng.AddCaptureDrops(dropped)
		}
	}
	r.pending = discover.Batch{}
	_ = r.eng.Flush(ctx) // the collecting sink does not fail
	b := r.pending
	r.pending = discover.Batch{}
	r.mu.Unlock()
	if b.Empty() {
		return
	}
	err := r.cfg.Forward(ctx, &b)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes++
	if err != nil {
		r.fwdErrors++
		r.lost += uint64(len(b.Devices) + len(b.Flows))
		r.log.Error("discovery batch not forwarded", "sightings", len(b.Devices), "flows", len(b.Flows), "err", err)
		return
	}
	r.batches++
	r.sightings += uint64(len(b.Devices))
	r.summaries += uint64(len(b.Flows))
}

// Stats returns a snapshot of the counters.
func (r *Relay) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{Sensor: r.eng.Stats(), FlowDatagrams: r.flowDatagrams, FlowErrors: map[string]uint64{},
		Sightings: r.sightings, FlowSummaries: r.summaries, Batches: r.batches, Flushes: r.flushes,
		ForwardErrors: r.fwdErrors, Lost: r.lost, Inputs: r.inputs}
	s.Flows, s.Hosts, s.MACs, s.Edges = r.eng.Sizes()
	for k, v := range r.dec.Stats {
		switch k {
		case "v5", "v9", "ipfix": // records, counted by the engine
		default:
			s.FlowErrors[k] += v
		}
	}
	return s
}
