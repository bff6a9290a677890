package queue_test

import (
	"path/filepath"
	"testing"
	"time"

	"bianque/queue"
	"bianque/queuetest"
)

func TestLocalConformance(t *testing.T) {
	dir := t.TempDir()
	queuetest.Run(t, queuetest.Config{
		Open: func(t *testing.T, name string, maxBacklog int64) queue.Queue {
			q, err := queue.OpenLocal(filepath.Join(dir, name), queue.LocalOptions{MaxBacklog: maxBacklog, SegmentSize: 64 << 10, AckWait: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return q
		},
		AckWait: 2 * time.Second,
	})
}
