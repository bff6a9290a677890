package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bianque/discover/relay"
	"bianque/discover/sensor"
	"bianque/ingest"
)

// listFlag is a repeatable flag; each value may also be a comma-separated
// list, and an environment variable gives the default list.
type listFlag struct {
	vals []string
	set  bool // values from the command line replace the environment's
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			l.vals = append(l.vals, p)
		}
	}
	return nil
}

func (f *flagSet) list(name, env, usage string) *listFlag {
	l := &listFlag{}
	if v, ok := f.lookupEnv(env); ok {
		l.Set(v)
		l.set = false
	}
	f.FlagSet.Var(l, name, envHelp(usage, env))
	return l
}

// sensorConfig holds the passive discovery flags of bianque collect.
type sensorConfig struct {
	sniff, pcap                  []string
	flowsListen                  string
	interval                     time.Duration
	maxFlows, maxHosts, maxEdges int
}

// openLiveHook replaces the AF_PACKET capture in tests (nil: capture.OpenLive).
var openLiveHook func(name string) (relay.LiveSource, error)

func (s sensorConfig) enabled() bool {
	return len(s.sniff) > 0 || len(s.pcap) > 0 || s.flowsListen != ""
}

// sensorFlags defines the passive discovery flags on fs and returns a
// function that reads them after parsing.
func sensorFlags(fs *flagSet) func() sensorConfig {
	d := sensor.DefaultConfig()
	sniff := fs.list("sniff", "BIANQUE_SNIFF", "capture on interface `IFACE` for passive device discovery (AF_PACKET, receive only; root or CAP_NET_RAW); repeatable")
	pcap := fs.list("pcap", "BIANQUE_PCAP", "replay the pcap/pcapng capture `FILE` through passive discovery (testing, sites without a mirror port); repeatable")
	flows := fs.String("flows-listen", "BIANQUE_FLOWS_LISTEN", "", "receive NetFlow v5/v9 and IPFIX exports over UDP on this address (e.g. :2055) for passive discovery")
	interval := fs.Duration("sensor-interval", "BIANQUE_SENSOR_INTERVAL", 30*time.Second, "how often the sensor forwards its sightings and flow summaries")
	maxFlows := fs.Int("sensor-max-flows", "BIANQUE_SENSOR_MAX_FLOWS", d.MaxFlows, "transport conversations the sensor tracks at once (least recently seen evicted, counted)")
	maxHosts := fs.Int("sensor-max-hosts", "BIANQUE_SENSOR_MAX_HOSTS", d.MaxHosts, "IP and MAC addresses the sensor keeps at once (each; evictions counted)")
	maxEdges := fs.Int("sensor-max-edges", "BIANQUE_SENSOR_MAX_EDGES", d.MaxEdges, "communication-map aggregates (client, server, transport, port) the sensor keeps between flushes")
	return func() sensorConfig {
		return sensorConfig{sniff: sniff.vals, pcap: pcap.vals, flowsListen: *flows, interval: *interval,
			maxFlows: *maxFlows, maxHosts: *maxHosts, maxEdges: *maxEdges}
	}
}

// startSensor starts passive discovery: the relay feeds one bounded sensor
// from the interfaces, capture files and flow listener, and writes its
// batches into the spool, from where the forwarder delivers them with the
// logs. It stops, after a last flush into the spool, when ctx ends.
func startSensor(ctx context.Context, cfg sensorConfig, spool ingest.Sink, reg prometheus.Registerer, log *slog.Logger, wg *sync.WaitGroup) error {
	if !cfg.enabled() {
		return nil
	}
	if cfg.maxFlows <= 0 || cfg.maxHosts <= 0 || cfg.maxEdges <= 0 {
		return errors.New("--sensor-max-flows, --sensor-max-hosts and --sensor-max-edges must be positive")
	}
	sc := sensor.DefaultConfig()
	sc.MaxFlows, sc.MaxHosts, sc.MaxMACs, sc.MaxEdges = cfg.maxFlows, cfg.maxHosts, cfg.maxHosts, cfg.maxEdges
	fwd := &ingest.DiscoverySpool{Sink: spool}
	r, err := relay.New(relay.Config{Interfaces: cfg.sniff, Files: cfg.pcap, FlowsListen: cfg.flowsListen, Interval: cfg.interval,
		Sensor: sc, Forward: fwd.Forward, OpenLive: openLiveHook, Logger: log})
	if err != nil {
		return fmt.Errorf("passive discovery: %w", err)
	}
	if reg != nil {
		if err := reg.Register(relayCollector{r}); err != nil {
			return err
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.Run(ctx); err != nil {
			log.Error("passive discovery stopped", "err", err)
		}
		st := r.Stats()
		log.Info("passive discovery stopped", "frames", st.Sensor.Frames, "flow_records", st.Sensor.FlowRecords,
			"sightings", st.Sightings, "flow_summaries", st.FlowSummaries, "batches", st.Batches)
	}()
	return nil
}

// relayCollector exposes the relay's counters as Prometheus metrics, from
// one snapshot per scrape.
type relayCollector struct{ r *relay.Relay }

func relayDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("bianque_collector_sensor_"+name, help, labels, nil)
}

var (
	decodeErrorsDesc = relayDesc("decode_errors_total", "Frames the sensor could not decode, by reason.", "reason")
	flowErrorsDesc   = relayDesc("flow_errors_total", "Flow export datagrams or records that could not be used, by reason.", "reason")
)

type relayMetric struct {
	name, help string
	gauge      bool
	value      func(*relay.Stats) float64
	desc       *prometheus.Desc
}

func init() {
	for i := range relayMetricList {
		m := &relayMetricList[i]
		m.desc = relayDesc(m.name, m.help)
	}
}

var relayMetricList = []relayMetric{
	{name: "frames_total", help: "Frames the sensor read (live interfaces and capture files).", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.Frames) }},
	{name: "bytes_total", help: "Bytes of the frames the sensor read.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.Bytes) }},
	{name: "flow_records_total", help: "NetFlow/IPFIX records the sensor took.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.FlowRecords) }},
	{name: "flow_datagrams_total", help: "Flow export datagrams received.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.FlowDatagrams) }},
	{name: "capture_dropped_total", help: "Frames the kernel dropped before the sensor read them.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.CaptureDropped) }},
	{name: "flows_evicted_total", help: "Conversations evicted because the flow table was full.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.FlowsEvicted) }},
	{name: "flows_expired_total", help: "Conversations ended by their idle timeout.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.FlowsExpired) }},
	{name: "hosts_evicted_total", help: "Addresses evicted because the host table was full (forwarded at eviction).", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.HostsEvicted) }},
	{name: "edges_evicted_total", help: "Communication-map aggregates evicted because the table was full (forwarded at eviction).", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.EdgesEvicted) }},
	{name: "facts_dropped_total", help: "Identity values cut by the per-device limits.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.FactsDropped) }},
	{name: "tcp_gaps_total", help: "TCP directions whose parser stopped at a gap.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.TCPGaps) }},
	{name: "parser_gave_up_total", help: "TCP directions whose parser stopped at the stream buffer limit.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.ParserGaveUp) }},
	{name: "fragments_total", help: "IP fragments (hosts only, not reassembled).", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sensor.Fragments) }},
	{name: "sightings_total", help: "Device sightings written to the spool for the platform.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Sightings) }},
	{name: "flow_summaries_total", help: "Flow summaries written to the spool for the platform.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.FlowSummaries) }},
	{name: "batches_total", help: "Flushes written to the spool.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Batches) }},
	{name: "forward_errors_total", help: "Flushes the spool refused (their sightings and summaries are lost, see lost_total).", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.ForwardErrors) }},
	{name: "lost_total", help: "Sightings and flow summaries of flushes the spool refused.", gauge: false, value: func(s *relay.Stats) float64 { return float64(s.Lost) }},
	{name: "flows", help: "Conversations tracked now.", gauge: true, value: func(s *relay.Stats) float64 { return float64(s.Flows) }},
	{name: "hosts", help: "IP addresses kept now.", gauge: true, value: func(s *relay.Stats) float64 { return float64(s.Hosts) }},
	{name: "macs", help: "MAC addresses kept now.", gauge: true, value: func(s *relay.Stats) float64 { return float64(s.MACs) }},
	{name: "edges", help: "Communication-map aggregates kept now.", gauge: true, value: func(s *relay.Stats) float64 { return float64(s.Edges) }},
	{name: "inputs", help: "Sensor inputs running.", gauge: true, value: func(s *relay.Stats) float64 { return float64(s.Inputs) }},
}

func (c relayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range relayMetricList {
		ch <- m.desc
	}
	ch <- decodeErrorsDesc
	ch <- flowErrorsDesc
}

func (c relayCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.Stats()
	for _, m := range relayMetricList {
		t := prometheus.CounterValue
		if m.gauge {
			t = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(m.desc, t, m.value(&st))
	}
	for reason, n := range st.Sensor.DecodeErrors {
		ch <- prometheus.MustNewConstMetric(decodeErrorsDesc, prometheus.CounterValue, float64(n), reason)
	}
	for reason, n := range st.FlowErrors {
		ch <- prometheus.MustNewConstMetric(flowErrorsDesc, prometheus.CounterValue, float64(n), reason)
	}
}

var _ flag.Value = (*listFlag)(nil)
