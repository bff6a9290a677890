package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"bianque/queue"
)

// BenchmarkLocalPublishConsume measures messages/s through the local queue:
// batches of 500 published with fsync and consumed and acknowledged by one
// consumer, as the pipeline does.
func BenchmarkLocalPublishConsume(b *testing.B) {
	for _, policy := range []queue.SyncPolicy{queue.SyncAlways, queue.SyncNone} {
		b.Run(fmt.Sprintf("sync=%d", policy), func(b *testing.B) {
			q, err := queue.OpenLocal(b.TempDir(), queue.LocalOptions{Sync: policy})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			ctx := context.Background()
			payload := []byte(`<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept`)
			done := make(chan struct{})
			go func() {
				defer close(done)
				n := 0
				for n < b.N {
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
				batch = append(batch, queue.Message{Key: "t1", Data: payload})
				if len(batch) == cap(batch) || i == b.N-1 {
					if err := q.Publish(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			<-done
		})
	}
}
