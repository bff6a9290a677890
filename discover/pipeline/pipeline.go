// Package pipeline wires the discovery engines for offline use: a capture
// file through the sensor, classification and the communication map into
// one report — what "bianque discover" prints.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/flows"
	"bianque/discover/sensor"
)

// Options tune an offline run.
type Options struct {
	// Sensor limits; zero values take generous offline defaults (a file is
	// read once and everything in it is reported).
	Sensor sensor.Config
	// Enrich completes the report (classification, communication map);
	// nil uses Default.
	Enrich func(*discover.Report)
}

// OfflineConfig is the sensor configuration for reading files: large tables,
// evicted state kept for the report, and idle timeouts that never cut a
// conversation short within one file.
func OfflineConfig() sensor.Config {
	c := sensor.DefaultConfig()
	c.MaxFlows = 1 << 20
	c.MaxHosts = 1 << 20
	c.MaxMACs = 1 << 20
	c.MaxEdges = 1 << 20
	c.KeepEvicted = true
	return c
}

// Pcap reads a pcap or pcapng capture and returns the report.
func Pcap(ctx context.Context, r io.Reader, opt Options) (*discover.Report, error) {
	src, err := capture.Open(r)
	if err != nil {
		return nil, fmt.Errorf("open capture: %w", err)
	}
	cfg := opt.Sensor
	if cfg.MaxFlows == 0 {
		cfg = OfflineConfig()
	}
	cfg.Enrich = opt.Enrich
	if cfg.Enrich == nil {
		cfg.Enrich = Default
	}
	eng := sensor.New(cfg)
	runErr := eng.Run(ctx, src)
	rep := eng.Report()
	if runErr != nil {
		return rep, fmt.Errorf("read capture: %w", runErr)
	}
	return rep, nil
}

var (
	defaultOnce     sync.Once
	defaultEnricher *Enricher
	defaultErr      error
)

// Default is the standard enrichment with the built-in rules and tables:
// classification and the communication map with its risks.
func Default(r *discover.Report) {
	defaultOnce.Do(func() { defaultEnricher, defaultErr = NewEnricher(EnrichOptions{}) })
	if defaultErr != nil {
		// The built-in tables are compiled in and tested; failing here is a
		// build defect, reported in the stats rather than crashing.
		if r.Stats != nil {
			r.Stats.DecodeErrors = map[string]uint64{"enrichment: " + defaultErr.Error(): 1}
		}
		return
	}
	defaultEnricher.Enrich(r)
}

// Flows reads flow records (a capture of NetFlow/IPFIX exports, an IPFIX
// file or a Zeek conn.log) and returns the report.
func Flows(ctx context.Context, r io.Reader, opt Options) (*discover.Report, error) {
	cfg := opt.Sensor
	if cfg.MaxFlows == 0 {
		cfg = OfflineConfig()
	}
	cfg.Enrich = opt.Enrich
	if cfg.Enrich == nil {
		cfg.Enrich = Default
	}
	eng := sensor.New(cfg)
	st, err := flows.ReadAll(r, eng.AddFlow)
	rep := eng.Report()
	if len(st.Errors) > 0 {
		rep.Stats.FlowErrors = st.Errors
	}
	if err != nil {
		return rep, fmt.Errorf("read flow records: %w", err)
	}
	return rep, ctx.Err()
}

// Live captures from interface iface for d (until ctx ends when d is 0)
// and returns the report. Kernel drops are counted in the stats.
func Live(ctx context.Context, iface string, d time.Duration, opt Options) (*discover.Report, error) {
	l, err := capture.OpenLive(iface, capture.LiveOptions{Promiscuous: true})
	if err != nil {
		return nil, err
	}
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	cfg := opt.Sensor
	if cfg.MaxFlows == 0 {
		cfg = sensor.DefaultConfig()
		cfg.KeepEvicted = true
	}
	cfg.Enrich = opt.Enrich
	if cfg.Enrich == nil {
		cfg.Enrich = Default
	}
	eng := sensor.New(cfg)
	runErr := eng.Run(context.Background(), l)
	_, dropped, _ := l.Stats()
	eng.AddCaptureDrops(dropped)
	rep := eng.Report()
	if runErr != nil {
		return rep, runErr
	}
	return rep, nil
}
