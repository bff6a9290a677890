package nats

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Ledger is an ingest.BatchLedger in a JetStream key-value bucket, shared by
// every node: the batches accepted from each collector, kept for TTL.
type Ledger struct {
	nc *natsgo.Conn
	kv jetstream.KeyValue
}

// OpenLedger opens (creating) the bucket.
func OpenLedger(ctx context.Context, url, bucket string, ttl time.Duration) (*Ledger, error) {
	if bucket == "" {
		bucket = "bianque_batches"
	}
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	nc, err := natsgo.Connect(url, natsgo.Name("bianque-ledger"), natsgo.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, TTL: ttl, Storage: jetstream.FileStorage})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("batch ledger bucket: %w", err)
	}
	return &Ledger{nc: nc, kv: kv}, nil
}

// ledgerKey hashes the pair: keys must be valid subject tokens.
func ledgerKey(componentID, batchID string) string {
	sum := sha256.Sum256([]byte(componentID + "\x00" + batchID))
	return hex.EncodeToString(sum[:20])
}

// A key's value is recordedValue once the batch was queued, or 'B' and the
// first receive time (Unix nanoseconds, big-endian) while it is begun.
var recordedValue = []byte{1}

const begunMark = 'B'

func begunTime(v []byte) (time.Time, bool) {
	if len(v) != 9 || v[0] != begunMark {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[1:]))).UTC(), true
}

// Seen reports whether the batch was recorded.
func (l *Ledger) Seen(ctx context.Context, componentID, batchID string) (bool, error) {
	e, err := l.kv.Get(ctx, ledgerKey(componentID, batchID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("batch ledger: %w", err)
	}
	_, begun := begunTime(e.Value())
	return !begun, nil
}

// Begin stores the batch's first receive time unless another node (or an
// earlier delivery) stored one first, and returns the stored time.
func (l *Ledger) Begin(ctx context.Context, componentID, batchID string, received time.Time) (time.Time, error) {
	key := ledgerKey(componentID, batchID)
	v := binary.BigEndian.AppendUint64([]byte{begunMark}, uint64(received.UnixNano()))
	_, err := l.kv.Create(ctx, key, v)
	if err == nil {
		return received.UTC(), nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return received, fmt.Errorf("batch ledger: %w", err)
	}
	e, err := l.kv.Get(ctx, key)
	if err != nil {
		return received, fmt.Errorf("batch ledger: %w", err)
	}
	if t, ok := begunTime(e.Value()); ok {
		return t, nil
	}
	return received.UTC(), nil // recorded meanwhile: the caller queues a duplicate the store drops
}

// Record remembers the batch.
func (l *Ledger) Record(ctx context.Context, componentID, batchID string) error {
	if _, err := l.kv.Put(ctx, ledgerKey(componentID, batchID), recordedValue); err != nil {
		return fmt.Errorf("batch ledger: %w", err)
	}
	return nil
}

// Close closes the connection.
func (l *Ledger) Close() error {
	l.nc.Close()
	return nil
}
