package nats_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"bianque/internal/testutil"
	"bianque/nats"
	"bianque/queue"
)

// BenchmarkJetStreamPublishConsume is BenchmarkLocalPublishConsume of the
// queue package against JetStream: batches of 500 published and consumed.
func BenchmarkJetStreamPublishConsume(b *testing.B) {
	ctx := context.Background()
	stream := fmt.Sprintf("BQBENCH_%d", time.Now().UnixNano()%1e9)
	q, err := nats.Open(ctx, nats.Options{URL: testutil.NATSURL(), Stream: stream, Subject: "bqbench." + stream})
	if err != nil {
		b.Fatal(err)
	}
	defer nats.DeleteStream(ctx, testutil.NATSURL(), stream)
	defer q.Close()
	payload := []byte(`<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < b.N; {
			ds, err := q.Fetch(ctx, 1000, time.Second)
			if err != nil {
				b.Error(err)
				return
			}
			q.Ack(ctx, ds)
			n += len(ds)
		}
	}()
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	batch := make([]queue.Message, 0, 500)
	for i := 0; i < b.N; i++ {
		batch = append(batch, queue.Message{ID: fmt.Sprint(i), Key: "t1", Data: payload})
		if len(batch) == cap(batch) || i == b.N-1 {
			if err := q.Publish(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	<-done
}
