package ingest

import (
	"context"
	"fmt"
	"time"

	"bianque"
	"bianque/discover"
)

// TransportDiscovery marks spool records that carry a discovery batch (the
// sightings and flow summaries of the collector's passive sensor, encoded
// by discover.EncodeBatch) instead of a log message. They travel in the same
// spool and the same forwarded batches as log records; the platform hands
// them to its DiscoveryReceiver instead of the ingest queue.
const TransportDiscovery = "discovery"

// Parts of a discovery batch per spool record: a flush is cut into records
// of at most this many devices or flows and about this many bytes.
const (
	discoveryDevicesPerRecord = 256
	discoveryFlowsPerRecord   = 2048
	discoveryBytesPerRecord   = 1 << 20
)

// DiscoverySpool is the collector side: it writes each batch of the
// sensor (discover/relay) into the spool as records with IDs of their own,
// from where the Forwarder delivers them with the logs. Forward blocks
// while the spool applies backpressure.
type DiscoverySpool struct {
	Sink  Sink // the spool (QueueSink)
	Clock bianque.Clock
}

// Forward spools b.
func (s *DiscoverySpool) Forward(ctx context.Context, b *discover.Batch) error {
	parts, err := discover.SplitBatch(b, discoveryDevicesPerRecord, discoveryFlowsPerRecord, discoveryBytesPerRecord)
	if err != nil {
		return err
	}
	var now time.Time
	if s.Clock != nil {
		now = s.Clock.Now()
	} else {
		now = time.Now()
	}
	recs := make([]Raw, len(parts))
	for i, p := range parts {
		recs[i] = Raw{ID: bianque.NewIDAt(now), Received: now, Transport: TransportDiscovery, Hint: discover.BatchFormat, Data: p}
	}
	if err := s.Sink.Submit(ctx, recs); err != nil {
		return fmt.Errorf("spool discovery batch: %w", err)
	}
	return nil
}

// DiscoveryReceiver is the platform side: it feeds the discovery batches of
// an approved component into passive discovery for the component's tenant
// (asset ledger with source passive, inventory, communication map,
// baselines and anomalies). It never starts an active scan. Errors of code
// EINVALID, EFORBIDDEN, ENOTFOUND, EUNAUTHORIZED or ECONFLICT are taken as
// final (the record is counted as rejected and not retried); any other
// error makes the collector send the batch again.
type DiscoveryReceiver interface {
	ReceiveDiscovery(ctx context.Context, comp *bianque.Component, b *discover.Batch) error
}

// discoveryKey is the batch ledger entry of one discovery record: a record
// is applied once even when it comes again in a batch cut differently (a
// collector restarted between fetching and acknowledging its spool).
func discoveryKey(recordID string) string { return "discovery/" + recordID }

// finalError reports a receiver error that retrying cannot cure.
func finalError(err error) bool {
	switch bianque.ErrorCode(err) {
	case bianque.EINVALID, bianque.EFORBIDDEN, bianque.ENOTFOUND, bianque.EUNAUTHORIZED, bianque.ECONFLICT:
		return true
	}
	return false
}

// receiveDiscovery applies the discovery records of one batch in order.
// It returns an error only when the batch must be sent again; records
// applied before stay applied and are skipped on the re-send.
func (h *BatchHandler) receiveDiscovery(ctx context.Context, comp *bianque.Component, remote string, recs []Raw) error {
	for i := range recs {
		rec := &recs[i]
		key := discoveryKey(rec.ID)
		if h.Ledger != nil {
			if seen, err := h.Ledger.Seen(ctx, comp.ID, key); err == nil && seen {
				h.Metrics.discovery("duplicate", 0, 0)
				continue
			}
		}
		reject := func(reason, msg string) {
			h.Metrics.discovery(reason, 0, 0)
			h.Metrics.reject(TransportCollector, reason)
			h.Touch.Note(comp.ID, remote, 0, 1, msg)
			h.record(ctx, comp.ID, key)
		}
		if h.Discovery == nil {
			reject("discovery_unavailable", "passive discovery is not available on the platform; discovery batch dropped")
			if h.Logger != nil {
				h.Logger.Warn("discovery batch from a collector dropped: passive discovery is not available", "component", comp.ID)
			}
			continue
		}
		b, err := discover.DecodeBatch(rec.Data)
		if err != nil {
			reject("bad_discovery", err.Error())
			continue
		}
		if err := h.Discovery.ReceiveDiscovery(ctx, comp, b); err != nil {
			if finalError(err) {
				reject("discovery_refused", "discovery batch refused: "+err.Error())
				if h.Logger != nil {
					h.Logger.Warn("discovery batch refused", "component", comp.ID, "err", err)
				}
				continue
			}
			h.Metrics.discovery("unavailable", 0, 0)
			return fmt.Errorf("discovery record %s: %w", rec.ID, err)
		}
		h.record(ctx, comp.ID, key)
		h.Metrics.discovery("accepted", len(b.Devices), len(b.Flows))
	}
	return nil
}

func (h *BatchHandler) record(ctx context.Context, componentID, key string) {
	if h.Ledger == nil {
		return
	}
	// Recorded even when the batch's deadline has passed: the work is done.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.Ledger.Record(rctx, componentID, key); err != nil && h.Logger != nil {
		h.Logger.Warn("batch ledger", "err", err)
	}
}
