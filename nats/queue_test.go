package nats_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"bianque/ingest/ingesttest"
	"bianque/internal/testutil"
	"bianque/nats"
	"bianque/queue"
	"bianque/queuetest"
)

func TestJetStreamConformance(t *testing.T) {
	url := testutil.NATSURL()
	run := fmt.Sprintf("BQTEST_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	var streams []string
	t.Cleanup(func() {
		for _, s := range streams {
			nats.DeleteStream(context.Background(), url, s)
		}
	})
	queuetest.Run(t, queuetest.Config{
		Open: func(t *testing.T, name string, maxBacklog int64) queue.Queue {
			stream := run + "_" + strings.ReplaceAll(name, "-", "_")
			streams = append(streams, stream)
			q, err := nats.Open(context.Background(), nats.Options{
				URL: url, Stream: stream, Subject: "bqtest." + strings.ToLower(stream),
				MaxBacklog: maxBacklog, AckWait: 2 * time.Second,
			})
			if err != nil {
				t.Fatalf("open JetStream queue at %s: %v", url, err)
			}
			return q
		},
		Redelivery: 2 * time.Second,
		AckWait:    2 * time.Second,
	})
}

func TestLedger(t *testing.T) {
	ctx := context.Background()
	bucket := fmt.Sprintf("bqtest_ledger_%d", time.Now().UnixNano()%1e9)
	open := func(t *testing.T) ingesttest.Ledger {
		l, err := nats.OpenLedger(ctx, testutil.NATSURL(), bucket, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	t.Cleanup(func() { nats.DeleteKeyValue(ctx, testutil.NATSURL(), bucket) })
	ingesttest.RunLedger(t, open, func(t *testing.T, old ingesttest.Ledger) ingesttest.Ledger {
		old.(*nats.Ledger).Close()
		return open(t)
	})
}
