package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BatchLedger remembers the batches accepted from each component, so a batch
// delivered again (the collector did not see the answer) is acknowledged
// without being queued twice. It is an optimisation over, not a substitute
// for, the event store's idempotent append: events carry deterministic IDs,
// so a batch recorded nowhere (a crash between queueing and Record) is still
// stored once.
type BatchLedger interface {
	// Seen reports whether the batch was recorded (queued and answered).
	Seen(ctx context.Context, componentID, batchID string) (bool, error)
	// Begin notes, before the batch is queued, that it was received at
	// received, and returns when it was first received. A batch queued just
	// before a crash and sent again keeps its first receive time, so its
	// lines without a time of their own get the same @timestamp and are
	// stored once.
	Begin(ctx context.Context, componentID, batchID string, received time.Time) (time.Time, error)
	// Record remembers that the batch was queued.
	Record(ctx context.Context, componentID, batchID string) error
}

// FileLedger is a BatchLedger in one append-only file, keeping the most
// recent Keep batch IDs (a collector re-sends only its oldest unacknowledged
// batch, so a window is enough). A recorded batch is a line holding its key;
// a begun one its key, a tab and the receive time in Unix nanoseconds.
type FileLedger struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	keep  int
	seen  map[string]ledgerEntry
	order []string
}

type ledgerEntry struct {
	received time.Time // first receive time; zero when only recorded
	recorded bool
}

// OpenFileLedger opens (creating) the ledger file at path.
func OpenFileLedger(path string, keep int) (*FileLedger, error) {
	if keep <= 0 {
		keep = 100000
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("ledger dir: %w", err)
	}
	l := &FileLedger{path: path, keep: keep, seen: map[string]ledgerEntry{}}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l.load(sc.Text())
		}
		f.Close()
	}
	if err := l.rewrite(); err != nil {
		return nil, err
	}
	return l, nil
}

// load reads one line of the file; a malformed time is read as a recorded
// batch, which at worst queues it again.
func (l *FileLedger) load(line string) {
	key, ts, begun := strings.Cut(line, "\t")
	if !begun {
		l.put(key, ledgerEntry{recorded: true})
		return
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		l.put(key, ledgerEntry{recorded: true})
		return
	}
	l.put(key, ledgerEntry{received: time.Unix(0, ns).UTC()})
}

// put merges e into the key's entry: recorded stays recorded, the first
// receive time stays the first.
func (l *FileLedger) put(key string, e ledgerEntry) {
	if key == "" {
		return
	}
	if old, ok := l.seen[key]; ok {
		if old.received.IsZero() {
			old.received = e.received
		}
		old.recorded = old.recorded || e.recorded
		l.seen[key] = old
		return
	}
	l.seen[key] = e
	l.order = append(l.order, key)
	if len(l.order) > l.keep {
		delete(l.seen, l.order[0])
		l.order = l.order[1:]
	}
}

func (e ledgerEntry) line(key string) string {
	if e.recorded || e.received.IsZero() {
		return key + "\n"
	}
	return key + "\t" + strconv.FormatInt(e.received.UnixNano(), 10) + "\n"
}

// rewrite writes the kept window to a fresh file and reopens it for appending.
func (l *FileLedger) rewrite() error {
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, k := range l.order {
		w.WriteString(l.seen[k].line(k))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	f.Close()
	if err := os.Rename(tmp, l.path); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	return nil
}

// ledgerEscape keeps a key on one line and the component apart from the
// batch; IDs without these characters are kept as they are.
var ledgerEscape = strings.NewReplacer("%", "%25", " ", "%20", "\t", "%09", "\n", "%0A", "\r", "%0D")

func ledgerKey(componentID, batchID string) string {
	return ledgerEscape.Replace(componentID) + " " + ledgerEscape.Replace(batchID)
}

// Seen reports whether the batch was recorded.
func (l *FileLedger) Seen(ctx context.Context, componentID, batchID string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[ledgerKey(componentID, batchID)].recorded, nil
}

// Begin notes the batch's receive time, fsynced before the batch is queued:
// the queue fsyncs the batch, and a receive time lost in a power cut would
// give its timestamp-less lines another @timestamp when it is sent again.
func (l *FileLedger) Begin(ctx context.Context, componentID, batchID string, received time.Time) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(componentID, batchID)
	if e, ok := l.seen[key]; ok && !e.received.IsZero() {
		return e.received, nil
	}
	received = received.UTC()
	e := ledgerEntry{received: received}
	l.put(key, e)
	if _, err := l.f.WriteString(e.line(key)); err != nil {
		return received, fmt.Errorf("ledger write: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return received, fmt.Errorf("ledger sync: %w", err)
	}
	return received, l.compact()
}

// Record remembers the batch. The line is written but not fsynced: losing
// the last records in a power cut only means a redelivered batch is queued
// again, and its events are then deduplicated by ID at the store.
func (l *FileLedger) Record(ctx context.Context, componentID, batchID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(componentID, batchID)
	if l.seen[key].recorded {
		return nil
	}
	l.put(key, ledgerEntry{recorded: true})
	if _, err := l.f.WriteString(key + "\n"); err != nil {
		return fmt.Errorf("ledger write: %w", err)
	}
	return l.compact()
}

// compact rewrites the file once it holds far more lines than the window.
func (l *FileLedger) compact() error {
	if fi, err := l.f.Stat(); err == nil && fi.Size() > int64(l.keep)*128 {
		return l.rewrite()
	}
	return nil
}

// Close closes the file.
func (l *FileLedger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
