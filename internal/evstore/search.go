package evstore

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"bianque"
	"bianque/event"
)

// Source is what a store offers the engine to read a tenant's events.
type Source interface {
	// Days lists the days (midnight UTC) the tenant has a partition for, in
	// any order.
	Days(ctx context.Context, tenantID string) ([]time.Time, error)
	// Blocks lists the blocks of the tenant's day that may hold an event
	// with lo <= @timestamp <= hi (TSMax >= lo and TSMin <= hi), newest
	// (TSMax) first, without their data.
	Blocks(ctx context.Context, tenantID string, day time.Time, lo, hi int64) ([]Block, error)
	// BlockData returns the data of one block of the day; nil when the block
	// is gone (its day dropped since Blocks listed it).
	BlockData(ctx context.Context, tenantID string, day time.Time, id int64) ([]byte, error)
	// BlocksAt returns the data of the blocks that may hold the event with
	// key k (none when it is not stored).
	BlocksAt(ctx context.Context, tenantID string, k bianque.EventKey) ([][]byte, error)
	// EachBlock calls fn for every block of the day, with data, oldest
	// first; Data is only valid during the call.
	EachBlock(ctx context.Context, tenantID string, day time.Time, fn func(Block) error) error
}

// hit is one match kept by a search.
type hit struct {
	tenant string
	key    bianque.EventKey
	rec    []byte
}

// hits is a min-heap on the key: the root is the oldest match kept.
type hits []hit

func (h hits) Len() int           { return len(h) }
func (h hits) Less(i, j int) bool { return h[i].key.Less(h[j].key) }
func (h hits) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hits) Push(x any)        { *h = append(*h, x.(hit)) }
func (h *hits) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// searcher keeps the newest limit+1 matches of a search.
type searcher struct {
	want    int // limit + 1: one more to know whether a next page exists
	best    hits
	match   *Matcher
	lo, hi  int64 // bounds of @timestamp, inclusive
	cursor  *bianque.EventKey
	scanned int64
}

func (s *searcher) full() bool { return len(s.best) >= s.want }

// beaten reports whether no event at or before ts can enter the page.
func (s *searcher) beaten(ts int64) bool { return s.full() && ts < s.best[0].key.TS }

func (s *searcher) offer(h hit) {
	if !s.full() {
		heap.Push(&s.best, h)
	} else if s.best[0].key.Less(h.key) {
		s.best[0] = h
		heap.Fix(&s.best, 0)
	}
}

// scan is the work on one block, done in parallel with other blocks: it
// keeps the block's newest matches that can enter the page.
type scan struct {
	data    []byte
	floor   *bianque.EventKey // the page's oldest match when the scan began, if full
	found   []hit
	scanned int64
	err     error
}

var rawPool sync.Pool

func (s *searcher) scanBlock(tenant string, sc *scan) {
	var buf []byte
	if p, ok := rawPool.Get().(*[]byte); ok {
		buf = *p
	}
	raw, err := DecodeBlock(sc.data, buf)
	if err != nil {
		sc.err = err
		return
	}
	defer func() { rawPool.Put(&raw) }()
	sc.err = EachItem(raw, func(k bianque.EventKey, rec []byte) bool {
		if k.TS > s.hi || s.cursor != nil && !k.Less(*s.cursor) {
			return true
		}
		if k.TS < s.lo {
			return false // newest first: the rest is older still
		}
		sc.scanned++
		if sc.floor != nil && !sc.floor.Less(k) {
			return false // this item and the older ones after it cannot enter the page
		}
		if !s.match.Match(rec) {
			return true
		}
		sc.found = append(sc.found, hit{tenant: tenant, key: k, rec: bytes.Clone(rec)})
		return len(sc.found) < s.want // the block's newest want matches are all it can give
	})
}

// blocks scans the blocks of one day of a tenant (newest first): the first
// alone, the next ones as many at a time as there are CPUs, until no block
// left can hold an event newer than the page's oldest match.
func (s *searcher) blocks(ctx context.Context, src Source, tenant string, day time.Time, blocks []Block) error {
	workers := runtime.GOMAXPROCS(0)
	group := 1
	for i := 0; i < len(blocks); {
		if err := ctx.Err(); err != nil {
			return err
		}
		var scans []*scan
		for ; i < len(blocks) && len(scans) < group; i++ {
			if s.beaten(blocks[i].TSMax) {
				i = len(blocks) // newest first: the rest is older still
				break
			}
			data, err := src.BlockData(ctx, tenant, day, blocks[i].ID)
			if err != nil {
				return err
			}
			if data == nil {
				continue // dropped meanwhile
			}
			sc := &scan{data: data}
			if s.full() {
				floor := s.best[0].key
				sc.floor = &floor
			}
			scans = append(scans, sc)
		}
		if len(scans) == 1 {
			s.scanBlock(tenant, scans[0])
		} else {
			var wg sync.WaitGroup
			for _, sc := range scans {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s.scanBlock(tenant, sc)
				}()
			}
			wg.Wait()
		}
		for _, sc := range scans {
			if sc.err != nil {
				return sc.err
			}
			s.scanned += sc.scanned
			for _, h := range sc.found {
				s.offer(h)
			}
		}
		group = workers
	}
	return nil
}

// Search runs q over src: it walks each tenant's days newest first and each
// day's blocks newest first, decompresses the blocks that overlap the time
// range, and stops as soon as no remaining block can hold an event newer
// than the page's oldest match.
func Search(ctx context.Context, src Source, q bianque.EventQuery) (*bianque.EventPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	limit := bianque.Page{Limit: q.Limit}.Normalize().Limit
	s := &searcher{want: limit + 1, match: Compile(q.Filters, q.Text), lo: math.MinInt64, hi: math.MaxInt64}
	if !q.From.IsZero() {
		s.lo = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		s.hi = q.To.UnixNano() - 1
	}
	if q.Cursor != "" {
		k, _ := bianque.ParseEventCursor(q.Cursor)
		s.cursor = &k
		s.hi = min(s.hi, k.TS)
	}
	for _, tenant := range slices.Compact(slices.Sorted(slices.Values(q.TenantIDs))) {
		days, err := src.Days(ctx, tenant)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(days, func(a, b time.Time) int { return b.Compare(a) })
		for _, day := range days {
			dlo, dhi := DayBounds(day)
			if dlo > s.hi || dhi < s.lo {
				continue
			}
			if s.beaten(dhi) {
				break
			}
			blocks, err := src.Blocks(ctx, tenant, day, s.lo, s.hi)
			if err != nil {
				return nil, err
			}
			if err := s.blocks(ctx, src, tenant, day, blocks); err != nil {
				return nil, err
			}
		}
	}
	found := []hit(s.best)
	slices.SortFunc(found, func(a, b hit) int { return compareDesc(a.key, b.key) })
	page := &bianque.EventPage{Scanned: s.scanned, Events: make([]*bianque.StoredEvent, 0, min(len(found), limit))}
	if len(found) > limit {
		found = found[:limit]
		page.Next = found[limit-1].key.String()
	}
	for _, h := range found {
		e, err := DecodeRecord(h.rec)
		if err != nil {
			return nil, err
		}
		page.Events = append(page.Events, &bianque.StoredEvent{TenantID: h.tenant, Ref: h.key.String(), Event: e})
	}
	return page, nil
}

// Lookup returns the event of tenantID with the reference ref.
func Lookup(ctx context.Context, src Source, tenantID, ref string) (*bianque.StoredEvent, error) {
	k, err := bianque.ParseEventCursor(ref)
	if err != nil {
		return nil, bianque.Errorf(bianque.ENOTFOUND, "event not found")
	}
	blocks, err := src.BlocksAt(ctx, tenantID, k)
	if err != nil {
		return nil, err
	}
	var rec []byte
	for _, data := range blocks {
		raw, err := DecodeBlock(data, nil)
		if err != nil {
			return nil, err
		}
		if err := EachItem(raw, func(ik bianque.EventKey, r []byte) bool {
			if ik == k {
				rec = r
				return false
			}
			return true
		}); err != nil {
			return nil, err
		}
		if rec != nil {
			break
		}
	}
	if rec == nil {
		return nil, bianque.Errorf(bianque.ENOTFOUND, "event not found")
	}
	e, err := DecodeRecord(rec)
	if err != nil {
		return nil, err
	}
	return &bianque.StoredEvent{TenantID: tenantID, Ref: k.String(), Event: e}, nil
}

// Export writes every event of the tenant to w as NDJSON, oldest day first.
func Export(ctx context.Context, src Source, tenantID string, w io.Writer) (int64, error) {
	days, err := src.Days(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(days, time.Time.Compare)
	bw := bufio.NewWriterSize(w, 256<<10)
	var n int64
	var buf []byte
	var line bytes.Buffer
	for _, day := range days {
		err := src.EachBlock(ctx, tenantID, day, func(b Block) error {
			raw, err := DecodeBlock(b.Data, buf)
			if err != nil {
				return err
			}
			buf = raw
			var ierr error
			err = EachItem(raw, func(_ bianque.EventKey, rec []byte) bool {
				var e *event.Event
				if e, ierr = DecodeRecord(rec); ierr != nil {
					return false
				}
				line.Reset()
				if ierr = e.AppendJSON(&line); ierr != nil {
					return false
				}
				line.WriteByte('\n')
				if _, ierr = bw.Write(line.Bytes()); ierr != nil {
					return false
				}
				n++
				return true
			})
			if err != nil {
				return err
			}
			return ierr
		})
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}
