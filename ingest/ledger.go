package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// BatchLedger remembers the batches accepted from each component, so a batch
// delivered again (the collector did not see the answer) is acknowledged
// without being queued twice. It is an optimisation over, not a substitute
// for, the event store's idempotent append: events carry deterministic IDs,
// so a batch recorded nowhere (a crash between queueing and Record) is still
// stored once.
type BatchLedger interface {
	Seen(ctx context.Context, componentID, batchID string) (bool, error)
	Record(ctx context.Context, componentID, batchID string) error
}

// FileLedger is a BatchLedger in one append-only file, keeping the most
// recent Keep batch IDs (a collector re-sends only its oldest unacknowledged
// batch, so a window is enough).
type FileLedger struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	keep  int
	seen  map[string]struct{}
	order []string
}

// OpenFileLedger opens (creating) the ledger file at path.
func OpenFileLedger(path string, keep int) (*FileLedger, error) {
	if keep <= 0 {
		keep = 100000
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("ledger dir: %w", err)
	}
	l := &FileLedger{path: path, keep: keep, seen: map[string]struct{}{}}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l.add(sc.Text())
		}
		f.Close()
	}
	if err := l.rewrite(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *FileLedger) add(key string) {
	if key == "" {
		return
	}
	if _, ok := l.seen[key]; ok {
		return
	}
	l.seen[key] = struct{}{}
	l.order = append(l.order, key)
	if len(l.order) > l.keep {
		delete(l.seen, l.order[0])
		l.order = l.order[1:]
	}
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
		w.WriteString(k)
		w.WriteByte('\n')
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

func ledgerKey(componentID, batchID string) string {
	return strings.ReplaceAll(componentID, " ", "_") + " " + strings.ReplaceAll(batchID, "\n", "_")
}

// Seen reports whether the batch was recorded.
func (l *FileLedger) Seen(ctx context.Context, componentID, batchID string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.seen[ledgerKey(componentID, batchID)]
	return ok, nil
}

// Record remembers the batch. The line is written but not fsynced: losing
// the last records in a power cut only means a redelivered batch is queued
// again, and its events are then deduplicated by ID at the store.
func (l *FileLedger) Record(ctx context.Context, componentID, batchID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := ledgerKey(componentID, batchID)
	if _, ok := l.seen[key]; ok {
		return nil
	}
	l.add(key)
	if _, err := l.f.WriteString(key + "\n"); err != nil {
		return fmt.Errorf("ledger write: %w", err)
	}
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
