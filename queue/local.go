package queue

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SyncPolicy says when the local queue calls fsync.
type SyncPolicy int

const (
	// SyncAlways fsyncs before Publish returns (group commit: concurrent
	// publishers share one fsync). A published message survives a power cut.
	SyncAlways SyncPolicy = iota
	// SyncNone leaves flushing to the operating system: a published message
	// survives a crash of the process but not of the machine.
	SyncNone
)

// ParseSyncPolicy reads "always" or "none".
func ParseSyncPolicy(s string) (SyncPolicy, error) {
	switch s {
	case "", "always":
		return SyncAlways, nil
	case "none", "os":
		return SyncNone, nil
	}
	return 0, fmt.Errorf("sync policy %q: want always or none", s)
}

// LocalOptions configure a Local queue. Zero values take the defaults.
type LocalOptions struct {
	Sync SyncPolicy
	// SegmentSize is the size at which a new segment file is started (64 MiB).
	SegmentSize int64
	// MaxBacklog bounds the unacknowledged messages (0: no bound by count).
	MaxBacklog int64
	// MaxBacklogBytes bounds the disk the backlog takes (default 4 GiB; -1: none).
	MaxBacklogBytes int64
	// MaxMessage is the largest message accepted (16 MiB).
	MaxMessage int
	// AckWait is how long a delivered message may stay unacknowledged before
	// it is delivered again, as JetStream does (0: until Nak or a restart).
	// A consumer that holds messages on purpose, such as the collector's
	// forwarder retrying one batch, leaves it 0.
	AckWait time.Duration
}

func (o *LocalOptions) defaults() {
	if o.SegmentSize <= 0 {
		o.SegmentSize = 64 << 20
	}
	if o.MaxBacklogBytes == 0 {
		o.MaxBacklogBytes = 4 << 30
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = 16 << 20
	}
}

// Local is the in-process durable queue: an append-only log of segment files
// ("<base seq>.seg") in one directory, and an "acked" file holding the
// sequence below which every message is acknowledged. Acknowledged segments
// are deleted. On open, a torn write at the end of the last segment (a crash
// in the middle of a write) is cut off, and every message from the acked
// sequence on is delivered again. Memory use does not grow with the backlog:
// messages stay on disk until fetched.
type Local struct {
	dir  string
	opts LocalOptions

	mu       sync.Mutex
	closed   bool
	segs     []*segment // ordered by base; the last is the active one
	active   *os.File
	nextSeq  uint64
	ackedSeq uint64
	acked    map[uint64]struct{} // acknowledged out of order, >= ackedSeq
	inflight map[uint64]inflight // delivered, not yet acknowledged or given back
	nextDue  time.Time           // no in-flight message falls due before this (zero: none in flight)
	naked    []*Delivery         // given back; delivered before new messages
	diskSize int64
	ackFile  *os.File
	notify   chan struct{} // closed and replaced when messages become visible
	space    chan struct{} // closed and replaced when the backlog shrinks
	syncMu   sync.Mutex
	synced   uint64 // messages below this sequence are durable

	readMu  sync.Mutex
	readSeq uint64
	reader  *segReader
}

type inflight struct {
	d   *Delivery
	due time.Time // delivered again from then on (zero: no AckWait)
}

type segment struct {
	base uint64
	path string
	size int64
}

const recHeader = 8 // u32 length, u32 CRC-32C

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// OpenLocal opens (creating if needed) the queue in dir and recovers it.
func OpenLocal(dir string, opts LocalOptions) (*Local, error) {
	opts.defaults()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("queue dir: %w", err)
	}
	l := &Local{dir: dir, opts: opts, acked: map[uint64]struct{}{}, inflight: map[uint64]inflight{},
		notify: make(chan struct{}), space: make(chan struct{})}
	if err := l.recover(); err != nil {
		l.closeFiles()
		return nil, err
	}
	return l, nil
}

func segName(base uint64) string { return fmt.Sprintf("%020d.seg", base) }

func (l *Local) recover() error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("read queue dir: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".seg") {
			continue
		}
		base, err := strconv.ParseUint(strings.TrimSuffix(name, ".seg"), 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("stat segment: %w", err)
		}
		l.segs = append(l.segs, &segment{base: base, path: filepath.Join(l.dir, name), size: info.Size()})
	}
	sort.Slice(l.segs, func(i, j int) bool { return l.segs[i].base < l.segs[j].base })

	l.ackFile, err = os.OpenFile(filepath.Join(l.dir, "acked"), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("open acked file: %w", err)
	}
	acked, extra, haveAck := readAcked(l.ackFile)

	if len(l.segs) == 0 {
		l.nextSeq = acked
	} else {
		last := l.segs[len(l.segs)-1]
		n, valid, err := scanSegment(last.path)
		if err != nil {
			return err
		}
		if valid < last.size {
			// A torn write at the end (crash during Publish): nothing after it
			// was acknowledged to a publisher, so it is safe to cut.
			if err := os.Truncate(last.path, valid); err != nil {
				return fmt.Errorf("truncate torn segment: %w", err)
			}
			last.size = valid
		}
		l.nextSeq = last.base + n
		if !haveAck || acked < l.segs[0].base {
			acked = l.segs[0].base
		}
	}
	l.ackedSeq = acked
	for _, seq := range extra {
		if seq >= acked {
			l.acked[seq] = struct{}{}
		}
	}
	renumber := false
	if l.ackedSeq > l.nextSeq {
		// Everything on disk was acknowledged and more besides (messages
		// processed before their fsync and lost with the machine): number
		// new messages after the acknowledged ones so they are not confused.
		l.nextSeq = l.ackedSeq
		renumber = true
	}
	// Drop segments that are acknowledged whole (the last one stays: its
	// name carries the sequence on).
	kept := l.segs[:0]
	for i, s := range l.segs {
		if i+1 < len(l.segs) && l.segs[i+1].base <= l.ackedSeq {
			if err := os.Remove(s.path); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("remove acked segment: %w", err)
			}
			continue
		}
		kept = append(kept, s)
	}
	l.segs = kept
	if len(l.segs) == 0 || renumber {
		if err := l.newSegment(); err != nil {
			return err
		}
	} else {
		last := l.segs[len(l.segs)-1]
		l.active, err = os.OpenFile(last.path, os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return fmt.Errorf("open active segment: %w", err)
		}
	}
	for _, s := range l.segs {
		l.diskSize += s.size
	}
	l.synced = l.nextSeq
	l.readSeq = l.ackedSeq
	return nil
}

// newSegment starts a segment whose first message is nextSeq. Caller holds mu
// (or is in recover).
func (l *Local) newSegment() error {
	if l.active != nil {
		if err := l.active.Sync(); err != nil {
			return fmt.Errorf("sync segment: %w", err)
		}
		if err := l.active.Close(); err != nil {
			return fmt.Errorf("close segment: %w", err)
		}
		l.active = nil
	}
	path := filepath.Join(l.dir, segName(l.nextSeq))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	if len(l.segs) > 0 && l.segs[len(l.segs)-1].base == l.nextSeq {
		// An empty active segment with the same base is replaced.
		l.diskSize -= l.segs[len(l.segs)-1].size
		l.segs = l.segs[:len(l.segs)-1]
	}
	l.active = f
	l.segs = append(l.segs, &segment{base: l.nextSeq, path: path})
	syncDir(l.dir)
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// The acked file holds the low watermark (every message below it is
// acknowledged) and the messages acknowledged above it, out of order:
// u64 watermark, u32 n, n × u64, u32 CRC-32C. A torn or corrupt file is
// ignored, which only causes redelivery.
func readAcked(f *os.File) (uint64, []uint64, bool) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<30))
	if err != nil || len(b) < 16 {
		return 0, nil, false
	}
	n := int(binary.LittleEndian.Uint32(b[8:12]))
	if n < 0 || len(b) < 16+8*n {
		return 0, nil, false
	}
	body := b[:12+8*n]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[12+8*n:]) {
		return 0, nil, false
	}
	extra := make([]uint64, n)
	for i := range extra {
		extra[i] = binary.LittleEndian.Uint64(b[12+8*i:])
	}
	return binary.LittleEndian.Uint64(b[:8]), extra, true
}

func writeAcked(f *os.File, seq uint64, extra map[uint64]struct{}) error {
	b := make([]byte, 12, 16+8*len(extra))
	binary.LittleEndian.PutUint64(b[:8], seq)
	binary.LittleEndian.PutUint32(b[8:12], uint32(len(extra)))
	for s := range extra {
		b = binary.LittleEndian.AppendUint64(b, s)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(b)))
}

// scanSegment counts the valid records of a segment and returns the offset
// after the last valid one.
func scanSegment(path string) (n uint64, valid int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [recHeader]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return n, valid, nil
		}
		size := binary.LittleEndian.Uint32(hdr[:4])
		if size > 1<<30 {
			return n, valid, nil
		}
		if cap(buf) < int(size) {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return n, valid, nil
		}
		if crc32.Checksum(buf, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return n, valid, nil
		}
		n++
		valid += recHeader + int64(size)
	}
}

func appendRecord(dst []byte, m *Message) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recHeader)...)
	dst = binary.AppendUvarint(dst, uint64(len(m.ID)))
	dst = append(dst, m.ID...)
	dst = binary.AppendUvarint(dst, uint64(len(m.Key)))
	dst = append(dst, m.Key...)
	dst = append(dst, m.Data...)
	payload := dst[start+recHeader:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, crcTable))
	return dst
}

func decodeRecord(payload []byte) (Message, error) {
	var m Message
	n, k := binary.Uvarint(payload)
	if k <= 0 || n > uint64(len(payload)-k) {
		return m, errors.New("bad record id")
	}
	m.ID = string(payload[k : k+int(n)])
	payload = payload[k+int(n):]
	n, k = binary.Uvarint(payload)
	if k <= 0 || n > uint64(len(payload)-k) {
		return m, errors.New("bad record key")
	}
	m.Key = string(payload[k : k+int(n)])
	m.Data = payload[k+int(n):]
	return m, nil
}

func broadcast(ch *chan struct{}) {
	close(*ch)
	*ch = make(chan struct{})
}

// Publish appends msgs to the log and, under SyncAlways, returns once they
// are on stable storage.
func (l *Local) Publish(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	size := 0
	for i := range msgs {
		if len(msgs[i].Data)+len(msgs[i].ID)+len(msgs[i].Key) > l.opts.MaxMessage {
			return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(msgs[i].Data))
		}
		size += recHeader + 20 + len(msgs[i].ID) + len(msgs[i].Key) + len(msgs[i].Data)
	}
	buf := make([]byte, 0, size)
	for i := range msgs {
		buf = appendRecord(buf, &msgs[i])
	}

	l.mu.Lock()
	for !l.closed && l.full(int64(len(msgs)), int64(len(buf))) {
		space := l.space
		l.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return fmt.Errorf("queue full: %w", ctx.Err())
		}
		l.mu.Lock()
	}
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	last := l.segs[len(l.segs)-1]
	if last.size > 0 && last.size+int64(len(buf)) > l.opts.SegmentSize {
		if err := l.newSegment(); err != nil {
			l.mu.Unlock()
			return err
		}
		last = l.segs[len(l.segs)-1]
	}
	if _, err := l.active.Write(buf); err != nil {
		// Cut whatever part was written so the log stays well formed.
		terr := l.active.Truncate(last.size)
		l.mu.Unlock()
		if terr != nil {
			return fmt.Errorf("queue write: %w (and truncate: %v)", err, terr)
		}
		return fmt.Errorf("queue write: %w", err)
	}
	last.size += int64(len(buf))
	l.diskSize += int64(len(buf))
	l.nextSeq += uint64(len(msgs))
	end := l.nextSeq
	if l.opts.Sync == SyncNone {
		l.synced = l.nextSeq
		broadcast(&l.notify)
	}
	l.mu.Unlock()
	if l.opts.Sync == SyncAlways {
		return l.syncTo(end)
	}
	return nil
}

func (l *Local) full(n, size int64) bool {
	backlog := int64(l.nextSeq-l.ackedSeq) - int64(len(l.acked))
	if backlog == 0 {
		return false // always accept into an empty queue, however large the batch
	}
	if l.opts.MaxBacklog > 0 && backlog+n > l.opts.MaxBacklog {
		return true
	}
	if l.opts.MaxBacklogBytes > 0 && l.diskSize+size > l.opts.MaxBacklogBytes {
		return true
	}
	return false
}

// syncTo makes every message below end durable. Concurrent callers share
// one fsync: whoever holds syncMu syncs everything written so far.
func (l *Local) syncTo(end uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if l.synced >= end {
		l.mu.Unlock()
		return nil
	}
	f := l.active
	target := l.nextSeq
	l.mu.Unlock()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		// ErrClosed: the segment was rotated, and rotation synced it.
		return fmt.Errorf("queue fsync: %w", err)
	}
	l.mu.Lock()
	if target > l.synced {
		l.synced = target
		broadcast(&l.notify)
	}
	l.mu.Unlock()
	return nil
}

// Fetch returns up to max messages: first those given back with Nak, then
// new ones in publish order.
func (l *Local) Fetch(ctx context.Context, max int, wait time.Duration) ([]*Delivery, error) {
	if max <= 0 {
		max = 1
	}
	l.readMu.Lock()
	defer l.readMu.Unlock()
	var timer *time.Timer
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, ErrClosed
		}
		now := time.Now()
		l.expire(now)
		var out []*Delivery
		for len(l.naked) > 0 && len(out) < max {
			d := l.naked[0]
			l.naked = l.naked[1:]
			if l.isAcked(d.Seq) {
				continue // acknowledged by a consumer that held it past AckWait
			}
			l.deliver(d, now)
			out = append(out, d)
		}
		limit := l.synced
		segs := append([]*segment(nil), l.segs...)
		notify := l.notify
		nextDue := l.nextDue
		l.mu.Unlock()

		if len(out) < max && l.readSeq < limit {
			fresh, err := l.read(segs, limit, max-len(out))
			if err != nil {
				return out, err
			}
			l.mu.Lock()
			kept := fresh[:0]
			for _, d := range fresh {
				if _, done := l.acked[d.Seq]; done {
					continue // acknowledged before a restart
				}
				l.deliver(d, now)
				kept = append(kept, d)
			}
			fresh = kept
			l.mu.Unlock()
			out = append(out, fresh...)
		}
		if len(out) > 0 {
			return out, nil
		}
		if timer == nil {
			if wait <= 0 {
				return nil, nil
			}
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		var due <-chan time.Time
		if !nextDue.IsZero() {
			dueTimer := time.NewTimer(time.Until(nextDue))
			defer dueTimer.Stop()
			due = dueTimer.C
		}
		select {
		case <-notify:
		case <-due: // a message held past AckWait may be delivered again
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// deliver notes d as in flight. Caller holds mu.
func (l *Local) deliver(d *Delivery, now time.Time) {
	e := inflight{d: d}
	if l.opts.AckWait > 0 {
		e.due = now.Add(l.opts.AckWait)
		if l.nextDue.IsZero() {
			l.nextDue = e.due // deliveries fall due in the order they are made
		}
	}
	l.inflight[d.Seq] = e
}

// expire gives back the messages held past AckWait, to be delivered again
// before new ones. It looks at the in-flight messages only once the earliest
// of them falls due, so it costs nothing while consumers keep up. Caller
// holds mu.
func (l *Local) expire(now time.Time) {
	if l.nextDue.IsZero() || now.Before(l.nextDue) {
		return
	}
	l.nextDue = time.Time{}
	given := false
	for seq, e := range l.inflight {
		if e.due.IsZero() {
			continue
		}
		if !now.Before(e.due) {
			delete(l.inflight, seq)
			l.naked = append(l.naked, &Delivery{Message: e.d.Message, Seq: seq, Attempt: e.d.Attempt + 1})
			given = true
			continue
		}
		if l.nextDue.IsZero() || e.due.Before(l.nextDue) {
			l.nextDue = e.due
		}
	}
	if given {
		sort.Slice(l.naked, func(i, j int) bool { return l.naked[i].Seq < l.naked[j].Seq })
	}
}

// isAcked reports whether the message seq was acknowledged. Caller holds mu.
func (l *Local) isAcked(seq uint64) bool {
	if seq < l.ackedSeq {
		return true
	}
	_, ok := l.acked[seq]
	return ok
}

// segReader reads records of one segment sequentially.
type segReader struct {
	f    *os.File
	r    *bufio.Reader
	base uint64
	seq  uint64 // sequence of the next record
	end  uint64 // first sequence of the next segment (0: active, unknown)
}

func (l *Local) read(segs []*segment, limit uint64, max int) ([]*Delivery, error) {
	var out []*Delivery
	var hdr [recHeader]byte
	for len(out) < max && l.readSeq < limit {
		if l.reader == nil || l.reader.seq != l.readSeq || (l.reader.end != 0 && l.readSeq >= l.reader.end) {
			if err := l.openReader(segs); err != nil {
				return out, err
			}
		}
		rd := l.reader
		if rd.end == 0 {
			// The segment was active when opened; it may have been rotated since.
			if i := sort.Search(len(segs), func(i int) bool { return segs[i].base > rd.base }); i < len(segs) {
				rd.end = segs[i].base
				if l.readSeq >= rd.end {
					continue
				}
			}
		}
		if _, err := io.ReadFull(rd.r, hdr[:]); err != nil {
			return out, fmt.Errorf("queue read seq %d: %w", l.readSeq, err)
		}
		size := binary.LittleEndian.Uint32(hdr[:4])
		payload := make([]byte, size)
		if _, err := io.ReadFull(rd.r, payload); err != nil {
			return out, fmt.Errorf("queue read seq %d: %w", l.readSeq, err)
		}
		if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return out, fmt.Errorf("queue read seq %d: checksum mismatch", l.readSeq)
		}
		m, err := decodeRecord(payload)
		if err != nil {
			return out, fmt.Errorf("queue read seq %d: %w", l.readSeq, err)
		}
		out = append(out, &Delivery{Message: m, Seq: l.readSeq, Attempt: 1})
		l.readSeq++
		rd.seq++
	}
	return out, nil
}

// openReader positions the reader at readSeq.
func (l *Local) openReader(segs []*segment) error {
	if l.reader != nil {
		l.reader.f.Close()
		l.reader = nil
	}
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > l.readSeq }) - 1
	if i < 0 {
		return fmt.Errorf("queue: no segment holds seq %d", l.readSeq)
	}
	s := segs[i]
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("open segment for reading: %w", err)
	}
	rd := &segReader{f: f, r: bufio.NewReaderSize(f, 256<<10), base: s.base, seq: s.base}
	if i+1 < len(segs) {
		rd.end = segs[i+1].base
	}
	// Skip to readSeq.
	var hdr [recHeader]byte
	for rd.seq < l.readSeq {
		if _, err := io.ReadFull(rd.r, hdr[:]); err != nil {
			f.Close()
			return fmt.Errorf("seek segment: %w", err)
		}
		if _, err := rd.r.Discard(int(binary.LittleEndian.Uint32(hdr[:4]))); err != nil {
			f.Close()
			return fmt.Errorf("seek segment: %w", err)
		}
		rd.seq++
	}
	l.reader = rd
	return nil
}

// Ack acknowledges deliveries; acknowledged segments are deleted.
func (l *Local) Ack(ctx context.Context, ds []*Delivery) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	before := l.ackedSeq
	for _, d := range ds {
		if d.Seq < l.ackedSeq {
			continue
		}
		delete(l.inflight, d.Seq)
		l.acked[d.Seq] = struct{}{}
	}
	for {
		if _, ok := l.acked[l.ackedSeq]; !ok {
			break
		}
		delete(l.acked, l.ackedSeq)
		l.ackedSeq++
	}
	if err := writeAcked(l.ackFile, l.ackedSeq, l.acked); err != nil {
		return fmt.Errorf("queue write acked: %w", err)
	}
	for len(l.segs) > 1 && l.segs[1].base <= l.ackedSeq {
		s := l.segs[0]
		if err := os.Remove(s.path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove acked segment: %w", err)
		}
		l.diskSize -= s.size
		l.segs = l.segs[1:]
	}
	if l.ackedSeq != before {
		broadcast(&l.space)
	}
	return nil
}

// Nak gives deliveries back; they are delivered again, before new messages.
func (l *Local) Nak(ctx context.Context, ds []*Delivery) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	for _, d := range ds {
		if e, ok := l.inflight[d.Seq]; !ok || e.d.Attempt != d.Attempt {
			continue // given back already, or delivered again since
		}
		delete(l.inflight, d.Seq)
		l.naked = append(l.naked, &Delivery{Message: d.Message, Seq: d.Seq, Attempt: d.Attempt + 1})
	}
	sort.Slice(l.naked, func(i, j int) bool { return l.naked[i].Seq < l.naked[j].Seq })
	broadcast(&l.notify)
	return nil
}

// Stats reports the backlog.
func (l *Local) Stats(ctx context.Context) (Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Backlog: int64(l.nextSeq-l.ackedSeq) - int64(len(l.acked)), BacklogBytes: l.diskSize, InFlight: int64(len(l.inflight))}, nil
}

// Close syncs and closes the queue. Unacknowledged messages are delivered
// again when it is opened next.
func (l *Local) Close() error {
	defer func() {
		// Lock order is readMu before mu, so the reader is closed after mu is released.
		l.readMu.Lock()
		if l.reader != nil {
			l.reader.f.Close()
			l.reader = nil
		}
		l.readMu.Unlock()
	}()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if l.active != nil {
		err = l.active.Sync()
	}
	broadcast(&l.notify)
	broadcast(&l.space)
	if cerr := l.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

func (l *Local) closeFiles() error {
	var err error
	if l.active != nil {
		err = l.active.Close()
		l.active = nil
	}
	if l.ackFile != nil {
		if cerr := l.ackFile.Close(); err == nil {
			err = cerr
		}
		l.ackFile = nil
	}
	return err
}

var _ Queue = (*Local)(nil)
