package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"bianque"
)

// TailConfig configures a file tailer (on the collector).
type TailConfig struct {
	// Path of the file to follow.
	Path string
	// Name labels the tailer in metrics ("file").
	Name string
	// Source attributes the lines (the collector leaves the tenant empty).
	Source Source
	// StateDir holds the tailer's position file, so a restart resumes where
	// the last delivered line ended.
	StateDir string
	// Poll is how often the file is checked for growth and rotation (250ms).
	Poll time.Duration
	// MaxMessage bounds one line (DefaultMaxMessage); longer lines are
	// rejected and counted.
	MaxMessage int
	// Batch is the most lines submitted at once (1000).
	Batch   int
	Clock   bianque.Clock
	Metrics *Metrics
	Logger  *slog.Logger
}

// Tailer follows one file through rotation: rename-and-create (the old file
// is read to its end before the new one is opened, and a restart finds the
// renamed file by its inode) and copytruncate (a shrinking file is read from
// its start again; lines written between the copy and the truncation are
// lost — a property of copytruncate itself). Lines are submitted to the sink
// and the position is saved only after the sink accepted them, so delivery
// is at-least-once, and each line's ID is derived from the file's identity
// and the line's offset, so a line read twice is stored once.
type Tailer struct {
	cfg   TailConfig
	sink  Sink
	state tailState
	f     *os.File
	buf   []byte // unread bytes after the last complete line
	skip  bool   // discarding the rest of an over-long line
	// renew says that no line past the saved offset got the saved stamp
	// (false after a restart: lines past it may have been submitted before).
	renew bool
}

type tailState struct {
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	Offset int64  `json:"offset"`
	// Epoch is drawn at random whenever a new file (or a truncated one) is
	// started, so line IDs never repeat when an inode is reused or a file is
	// truncated, yet stay the same when a line is read again after a restart.
	Epoch string `json:"epoch"`
	// Stamp is the receive time of the lines read from Offset on.
	Stamp time.Time `json:"stamp,omitzero"`
}

// stampEvery bounds how far a line's receive time may lag its reading.
const stampEvery = time.Second

func newTailState(dev, ino uint64) tailState {
	return tailState{Dev: dev, Ino: ino, Epoch: randomSecret()[:16]}
}

// NewTailer returns a tailer; Run follows the file.
func NewTailer(cfg TailConfig, sink Sink) *Tailer {
	if cfg.Name == "" {
		cfg.Name = "file"
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Tailer{cfg: cfg, sink: sink}
}

func (t *Tailer) statePath() string {
	sum := sha256.Sum256([]byte(t.cfg.Path))
	return filepath.Join(t.cfg.StateDir, "tail-"+hex.EncodeToString(sum[:8])+".json")
}

func fileID(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}

func (t *Tailer) loadState() {
	b, err := os.ReadFile(t.statePath())
	if err == nil {
		json.Unmarshal(b, &t.state)
	}
}

func (t *Tailer) saveState() error {
	if t.cfg.StateDir == "" {
		return nil
	}
	b, _ := json.Marshal(t.state)
	tmp := t.statePath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("save tail position: %w", err)
	}
	return os.Rename(tmp, t.statePath())
}

// Run follows the file until ctx ends.
func (t *Tailer) Run(ctx context.Context) error {
	if t.cfg.StateDir != "" {
		if err := os.MkdirAll(t.cfg.StateDir, 0o750); err != nil {
			return fmt.Errorf("tail state dir: %w", err)
		}
		t.loadState()
	}
	defer func() {
		if t.f != nil {
			t.f.Close()
		}
	}()
	if err := t.resume(ctx); err != nil {
		return err
	}
	tick := time.NewTicker(t.cfg.Poll)
	defer tick.Stop()
	for {
		if err := t.step(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			t.cfg.Logger.Warn("tail", "path", t.cfg.Path, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// resume opens the file of the saved position: the file at Path when it is
// the same one, or the rotated file with the same inode beside it (which is
// read to its end first).
func (t *Tailer) resume(ctx context.Context) error {
	if t.state.Ino == 0 {
		return nil
	}
	if fi, err := os.Stat(t.cfg.Path); err == nil {
		if dev, ino := fileID(fi); dev == t.state.Dev && ino == t.state.Ino {
			return nil // step opens it at the saved offset
		}
	}
	matches, _ := filepath.Glob(t.cfg.Path + "*")
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil {
			continue
		}
		if dev, ino := fileID(fi); dev == t.state.Dev && ino == t.state.Ino {
			f, err := os.Open(m)
			if err != nil {
				return fmt.Errorf("open rotated file: %w", err)
			}
			if _, err := f.Seek(t.state.Offset, io.SeekStart); err != nil {
				f.Close()
				return fmt.Errorf("seek rotated file: %w", err)
			}
			t.f = f
			if err := t.drain(ctx, true); err != nil {
				return err
			}
			t.f.Close()
			t.f = nil
			t.state = tailState{}
			return t.saveState()
		}
	}
	// The old file is gone: start the current one from its beginning.
	t.state = tailState{}
	return nil
}

// step reads what was appended and handles rotation.
func (t *Tailer) step(ctx context.Context) error {
	if t.f == nil {
		f, err := os.Open(t.cfg.Path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil // not there yet
			}
			return fmt.Errorf("open: %w", err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		dev, ino := fileID(fi)
		if dev != t.state.Dev || ino != t.state.Ino || fi.Size() < t.state.Offset || t.state.Epoch == "" {
			t.state = newTailState(dev, ino)
		}
		if _, err := f.Seek(t.state.Offset, io.SeekStart); err != nil {
			f.Close()
			return err
		}
		t.f = f
		t.buf = t.buf[:0]
	}
	fi, err := t.f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < t.state.Offset {
		// copytruncate: the file was emptied under us.
		t.state = newTailState(t.state.Dev, t.state.Ino)
		t.buf = t.buf[:0]
		t.skip = false
		if _, err := t.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	if err := t.drain(ctx, false); err != nil {
		return err
	}
	// Rename rotation: a different file now sits at the path. The old one
	// was just read to its end; a final line without newline is delivered.
	if pfi, err := os.Stat(t.cfg.Path); err == nil && !os.SameFile(fi, pfi) {
		if err := t.drain(ctx, true); err != nil {
			return err
		}
		t.f.Close()
		t.f = nil
		t.state = tailState{}
		if err := t.saveState(); err != nil {
			return err
		}
		return t.step(ctx)
	}
	return nil
}

// drain reads to the end of the open file, submitting complete lines (and
// the unterminated rest when final).
func (t *Tailer) drain(ctx context.Context, final bool) error {
	chunk := make([]byte, 256<<10)
	for {
		n, err := t.f.Read(chunk)
		if n > 0 {
			t.buf = append(t.buf, chunk[:n]...)
			if serr := t.submitLines(ctx, false); serr != nil {
				return serr
			}
		}
		if err == io.EOF || n == 0 {
			break
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	if final && len(t.buf) > 0 {
		return t.submitLines(ctx, true)
	}
	return nil
}

// submitLines submits the complete lines in buf (all of it when final) and
// advances the saved offset past them.
func (t *Tailer) submitLines(ctx context.Context, final bool) error {
	var recs []Raw
	consumed := 0
	if now := t.cfg.Clock.Now(); (t.renew || t.state.Stamp.IsZero()) && (now.Sub(t.state.Stamp) >= stampEvery || now.Before(t.state.Stamp)) {
		t.state.Stamp = now
		if err := t.saveState(); err != nil {
			return err
		}
	}
	now := t.state.Stamp
	flush := func() error {
		if len(recs) > 0 {
			if err := t.sink.Submit(ctx, recs); err != nil {
				return fmt.Errorf("submit lines: %w", err)
			}
			for _, r := range recs {
				t.cfg.Metrics.received(t.cfg.Name, len(r.Data))
			}
			recs = recs[:0]
		}
		t.state.Offset += int64(consumed)
		t.buf = append(t.buf[:0], t.buf[consumed:]...)
		consumed = 0
		if err := t.saveState(); err != nil {
			return err
		}
		t.renew = true
		return nil
	}
	for {
		rest := t.buf[consumed:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if final && len(rest) > 0 {
				i = len(rest)
			} else {
				if len(rest) > t.cfg.MaxMessage && !t.skip {
					// An over-long line: drop what we hold and the rest up to its newline.
					t.cfg.Metrics.reject(t.cfg.Name, "too_long")
					t.skip = true
				}
				if t.skip {
					consumed += len(rest)
				}
				break
			}
		}
		lineStart := t.state.Offset + int64(consumed)
		line := rest[:i]
		consumed += i
		if i < len(rest) {
			consumed++ // the newline
		}
		if t.skip {
			t.skip = false
			continue
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if len(line) > t.cfg.MaxMessage {
			t.cfg.Metrics.reject(t.cfg.Name, "too_long")
			continue
		}
		recs = append(recs, Raw{
			ID:          DeriveID(time.Time{}, "file", t.state.Epoch, strconv.FormatInt(lineStart, 10)),
			TenantID:    t.cfg.Source.TenantID,
			ComponentID: t.cfg.Source.ComponentID,
			Received:    now,
			Transport:   TransportFile,
			Peer:        t.cfg.Path,
			Hint:        t.cfg.Source.Hint,
			Data:        bytes.Clone(line),
		})
		if len(recs) >= t.cfg.Batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
