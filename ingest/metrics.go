package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the ingest counters. Every message is counted once as
// received or rejected (with a reason); kernel drops of UDP datagrams that
// never reached the receiver are counted from the socket's overflow counter.
type Metrics struct {
	Received    *prometheus.CounterVec // receiver
	Bytes       *prometheus.CounterVec // receiver
	Rejected    *prometheus.CounterVec // receiver, reason
	UDPDropped  *prometheus.CounterVec // receiver
	Connections *prometheus.GaugeVec   // receiver
	Batches     *prometheus.CounterVec // result: accepted, duplicate, rejected, ledger_error
	Forwarded   prometheus.Counter     // events a collector delivered to the platform
	ForwardErrs prometheus.Counter     // failed deliveries (retried)
	Spooled     prometheus.Gauge       // events waiting in a collector's spool
	// Discovery counts collectors' discovery records by result; Sightings
	// and FlowSummaries the devices and flows of accepted ones.
	Discovery     *prometheus.CounterVec // result
	Sightings     prometheus.Counter
	FlowSummaries prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_received_total",
			Help: "Messages accepted by a receiver."}, []string{"receiver"}),
		Bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_received_bytes_total",
			Help: "Bytes of messages accepted by a receiver."}, []string{"receiver"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_rejected_total",
			Help: "Messages or requests a receiver refused, by reason."}, []string{"receiver", "reason"}),
		UDPDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_udp_dropped_total",
			Help: "UDP datagrams the kernel dropped because the receive buffer was full (SO_RXQ_OVFL)."}, []string{"receiver"}),
		Connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bianque_ingest_connections",
			Help: "Open stream connections per receiver."}, []string{"receiver"}),
		Batches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_batches_total",
			Help: "Forwarded batches received from collectors, by result."}, []string{"result"}),
		Forwarded: prometheus.NewCounter(prometheus.CounterOpts{Name: "bianque_collector_forwarded_total",
			Help: "Records (log events and discovery batches) the collector delivered to the platform."}),
		ForwardErrs: prometheus.NewCounter(prometheus.CounterOpts{Name: "bianque_collector_forward_errors_total",
			Help: "Failed batch deliveries (each is retried)."}),
		Spooled: prometheus.NewGauge(prometheus.GaugeOpts{Name: "bianque_collector_spool_events",
			Help: "Events held in the collector's spool, not yet delivered."}),
		Discovery: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bianque_ingest_discovery_records_total",
			Help: "Discovery records (sightings and flow summaries of collectors' sensors) by result: accepted, duplicate, unavailable (retried), bad_discovery, discovery_refused, discovery_unavailable."}, []string{"result"}),
		Sightings: prometheus.NewCounter(prometheus.CounterOpts{Name: "bianque_ingest_discovery_sightings_total",
			Help: "Device sightings received from collectors' sensors."}),
		FlowSummaries: prometheus.NewCounter(prometheus.CounterOpts{Name: "bianque_ingest_discovery_flows_total",
			Help: "Flow summaries received from collectors' sensors."}),
	}
	if reg != nil {
		reg.MustRegister(m.Received, m.Bytes, m.Rejected, m.UDPDropped, m.Connections, m.Batches, m.Forwarded, m.ForwardErrs, m.Spooled,
			m.Discovery, m.Sightings, m.FlowSummaries)
	}
	return m
}

func (m *Metrics) reject(receiver, reason string) {
	if m != nil {
		m.Rejected.WithLabelValues(receiver, reason).Inc()
	}
}

func (m *Metrics) received(receiver string, n int) {
	if m != nil {
		m.Received.WithLabelValues(receiver).Inc()
		m.Bytes.WithLabelValues(receiver).Add(float64(n))
	}
}

func (m *Metrics) batch(result string) {
	if m != nil {
		m.Batches.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) discovery(result string, devices, flows int) {
	if m != nil {
		m.Discovery.WithLabelValues(result).Inc()
		m.Sightings.Add(float64(devices))
		m.FlowSummaries.Add(float64(flows))
	}
}
