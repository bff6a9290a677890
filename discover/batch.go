package discover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BatchFormat names the encoding of a Batch on the wire between a
// collector's sensor and the platform (the hint of its spool record).
const BatchFormat = "discover/v1"

// Batch is what a remote sensor forwards per flush: the devices seen or
// changed since the previous flush (sightings) and the flow aggregates with
// their traffic since then (summaries, as deltas). Packets never leave the
// sensor. At is the sensor's time of the flush (the time of the latest
// traffic it saw), which the platform's baselines run on.
type Batch struct {
	At      time.Time `json:"at"`
	Devices []Device  `json:"devices,omitempty"`
	Flows   []Flow    `json:"flows,omitempty"`
}

// Empty reports a batch with nothing to forward.
func (b *Batch) Empty() bool { return len(b.Devices) == 0 && len(b.Flows) == 0 }

// Apply hands the batch to a Sink: sightings first, then flow summaries.
func (b *Batch) Apply(ctx context.Context, s Sink) error {
	if len(b.Devices) > 0 {
		if err := s.Sightings(ctx, b.At, b.Devices); err != nil {
			return fmt.Errorf("sightings: %w", err)
		}
	}
	if len(b.Flows) > 0 {
		if err := s.FlowSummaries(ctx, b.At, b.Flows); err != nil {
			return fmt.Errorf("flow summaries: %w", err)
		}
	}
	return nil
}

// EncodeBatch encodes b as JSON.
func EncodeBatch(b *Batch) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("encode discovery batch: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ErrBadBatch is returned by DecodeBatch for bytes that are not a batch.
var ErrBadBatch = errors.New("bad discovery batch")

// DecodeBatch decodes a batch encoded by EncodeBatch. Unknown fields are
// ignored (a newer sensor may send more); a batch without a time is refused.
func DecodeBatch(data []byte) (*Batch, error) {
	var b Batch
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBatch, err)
	}
	if b.At.IsZero() {
		return nil, fmt.Errorf("%w: no time", ErrBadBatch)
	}
	for i := range b.Devices {
		if b.Devices[i].Key() == "" {
			return nil, fmt.Errorf("%w: device %d has neither an address nor a MAC", ErrBadBatch, i)
		}
	}
	for i := range b.Flows {
		if b.Flows[i].Client == "" || b.Flows[i].Server == "" {
			return nil, fmt.Errorf("%w: flow %d lacks its client or server", ErrBadBatch, i)
		}
	}
	return &b, nil
}

// SplitBatch cuts b into batches of at most maxDevices devices and maxFlows
// flows (devices first, so sightings reach the platform before the flows
// that mention them) whose encodings stay within maxBytes where a single
// record allows. Each part carries b's time. The parts come encoded.
func SplitBatch(b *Batch, maxDevices, maxFlows, maxBytes int) ([][]byte, error) {
	if maxDevices <= 0 {
		maxDevices = 256
	}
	if maxFlows <= 0 {
		maxFlows = 2048
	}
	if maxBytes <= 0 {
		maxBytes = 1 << 20
	}
	var out [][]byte
	var emit func(p *Batch) error
	emit = func(p *Batch) error {
		enc, err := EncodeBatch(p)
		if err != nil {
			return err
		}
		n := len(p.Devices) + len(p.Flows)
		if len(enc) <= maxBytes || n <= 1 {
			out = append(out, enc)
			return nil
		}
		// Too large: halve it (devices and flows are never mixed here).
		if len(p.Devices) > 0 {
			h := len(p.Devices) / 2
			if err := emit(&Batch{At: p.At, Devices: p.Devices[:h]}); err != nil {
				return err
			}
			return emit(&Batch{At: p.At, Devices: p.Devices[h:]})
		}
		h := len(p.Flows) / 2
		if err := emit(&Batch{At: p.At, Flows: p.Flows[:h]}); err != nil {
			return err
		}
		return emit(&Batch{At: p.At, Flows: p.Flows[h:]})
	}
	for i := 0; i < len(b.Devices); i += maxDevices {
		if err := emit(&Batch{At: b.At, Devices: b.Devices[i:min(i+maxDevices, len(b.Devices))]}); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(b.Flows); i += maxFlows {
		if err := emit(&Batch{At: b.At, Flows: b.Flows[i:min(i+maxFlows, len(b.Flows))]}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
