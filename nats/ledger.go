package nats

import (
	"context"
	"crypto/sha256"
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

// Seen reports whether the batch was recorded.
func (l *Ledger) Seen(ctx context.Context, componentID, batchID string) (bool, error) {
	_, err := l.kv.Get(ctx, ledgerKey(componentID, batchID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("batch ledger: %w", err)
	}
	return true, nil
}

// Record remembers the batch.
func (l *Ledger) Record(ctx context.Context, componentID, batchID string) error {
	if _, err := l.kv.Put(ctx, ledgerKey(componentID, batchID), []byte{1}); err != nil {
		return fmt.Errorf("batch ledger: %w", err)
	}
	return nil
}

// Close closes the connection.
func (l *Ledger) Close() error {
	l.nc.Close()
	return nil
}
