package ingest

import (
	"context"
	"sync/atomic"
)

type countSink struct{ n atomic.Int64 }

func (s *countSink) Submit(ctx context.Context, recs []Raw) error {
	s.n.Add(int64(len(recs)))
	return nil
}
