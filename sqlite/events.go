package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/event"
	"bianque/internal/evstore"
)

// Events live outside the main database, in one segment file per tenant
// and day: <data>/events/<tenant>/<yyyy-mm-dd>.db, each a SQLite database in
// WAL mode with two tables — ids (the key of every event: @timestamp in
// nanoseconds and hash of event.id, as one 16-byte blob) and blocks
// (compressed blocks of events, see internal/evstore). Segments are opened
// when first used and closed after a minute unused; retention deletes whole
// files, and a tenant's purge its directory.

// segmentSchema creates a segment. STRICT tables; the key table is clustered
// on (ts, h), so appends in time order touch the end of one B-tree.
const segmentSchema = `
CREATE TABLE ids (
	k BLOB PRIMARY KEY  -- 16 bytes: @timestamp (ns, sign bit flipped), hash of event.id; big-endian
) STRICT, WITHOUT ROWID;
CREATE TABLE blocks (
	id     INTEGER PRIMARY KEY,
	ts_min INTEGER NOT NULL,
	ts_max INTEGER NOT NULL,
	n      INTEGER NOT NULL,
	raw    INTEGER NOT NULL,
	data   BLOB NOT NULL
) STRICT;
CREATE INDEX blocks_ts_max ON blocks (ts_max, ts_min);
PRAGMA user_version = 1;
`

const segmentIdle = time.Minute

// segmentPageSize is the page size of segment files. Larger pages (fewer
// overflow pages for the blobs) measured slower to append: 16 KiB −8%,
// 64 KiB −12% (BenchmarkAppendEvents).
const segmentPageSize = 4096

type segKey struct {
	tenant string
	day    string // yyyy-mm-dd
}

// segment is one open segment file.
type segment struct {
	key  segKey
	path string

	// Counted by events.mu.
	refs   int
	used   time.Time
	doomed bool

	omu  sync.Mutex // opening the pools
	w, r *sql.DB
	wmu  sync.Mutex // one append at a time
}

// events is the event store of a DB.
type events struct {
	db  *DB
	dir string

	mu      sync.Mutex
	gone    *sync.Cond // a doomed segment's last reference was released
	segs    map[segKey]*segment
	purging map[string]bool
	closed  bool
	stop    chan struct{}
	done    chan struct{}
}

func newEvents(db *DB, dir string) *events {
	es := &events{db: db, dir: dir, segs: map[segKey]*segment{}, purging: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
	es.gone = sync.NewCond(&es.mu)
	go es.janitor()
	return es
}

// janitor closes segments unused for a while.
func (es *events) janitor() {
	defer close(es.done)
	t := time.NewTicker(segmentIdle / 4)
	defer t.Stop()
	for {
		select {
		case <-es.stop:
			return
		case now := <-t.C:
			var idle []*segment
			es.mu.Lock()
			for k, s := range es.segs {
				if s.refs == 0 && !s.doomed && now.Sub(s.used) > segmentIdle {
					delete(es.segs, k)
					idle = append(idle, s)
				}
			}
			es.mu.Unlock()
			for _, s := range idle {
				s.close()
			}
		}
	}
}

func (es *events) close() error {
	es.mu.Lock()
	if es.closed {
		es.mu.Unlock()
		return nil
	}
	es.closed = true
	segs := es.segs
	es.segs = map[segKey]*segment{}
	es.mu.Unlock()
	close(es.stop)
	<-es.done
	var errs []error
	for _, s := range segs {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}

func (s *segment) close() error {
	s.omu.Lock()
	defer s.omu.Unlock()
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
		s.r = nil
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
		s.w = nil
	}
	return errors.Join(errs...)
}

// tenantDirName is the directory of a tenant's segments: its ID where that
// is a plain lower-case name (platform IDs are), else a hash of it.
func tenantDirName(id string) string {
	plain := id != "" && len(id) <= 64
	for i := 0; i < len(id) && plain; i++ {
		c := id[i]
		plain = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
	}
	if plain {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "x" + hex.EncodeToString(sum[:12])
}

func dayName(day time.Time) string { return day.UTC().Format(time.DateOnly) }

func (es *events) tenantDir(tenant string) string {
	return filepath.Join(es.dir, tenantDirName(tenant))
}

func (es *events) segPath(k segKey) string { return filepath.Join(es.tenantDir(k.tenant), k.day+".db") }

// acquire returns the segment of the tenant's day with a reference taken,
// or nil when it does not exist and create is false. It waits while the
// segment is being dropped. Creating a segment of a tenant being purged is
// ENOTFOUND.
func (es *events) acquire(tenant string, day time.Time, create bool) (*segment, error) {
	k := segKey{tenant, dayName(day)}
	es.mu.Lock()
	for {
		if es.closed {
			es.mu.Unlock()
			return nil, bianque.Errorf(bianque.EUNAVAILABLE, "event store closed")
		}
		s := es.segs[k]
		if s != nil && s.doomed {
			es.gone.Wait()
			continue
		}
		if create && es.purging[tenant] {
			es.mu.Unlock()
			return nil, bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
		}
		if s == nil {
			path := es.segPath(k)
			if !create {
				if _, err := os.Stat(path); err != nil {
					es.mu.Unlock()
					return nil, nil
				}
			}
			s = &segment{key: k, path: path}
			es.segs[k] = s
		}
		s.refs++
		s.used = time.Now()
		es.mu.Unlock()
		if err := s.open(create); err != nil {
			es.release(s)
			return nil, err
		}
		return s, nil
	}
}

func (es *events) release(s *segment) {
	es.mu.Lock()
	s.refs--
	s.used = time.Now()
	if s.refs == 0 && s.doomed {
		es.gone.Broadcast()
	}
	es.mu.Unlock()
}

// open opens the segment's pools, creating the file first if asked.
func (s *segment) open(create bool) error {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.r != nil {
		return nil
	}
	if _, err := os.Stat(s.path); errors.Is(err, os.ErrNotExist) {
		if !create {
			return bianque.Errorf(bianque.ENOTFOUND, "event partition %s of tenant %s not found", s.key.day, s.key.tenant)
		}
		if err := createSegment(s.path); err != nil {
			return err
		}
	}
	// The writer keeps the key table's recent pages in a 16 MiB cache; readers
	// read blocks once each and keep 2 MiB (many segments may be open at once).
	common := "?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", s.path+common+"&_pragma=cache_size(-16384)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open event segment %s: %w", s.path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	r, err := sql.Open("sqlite", s.path+common+"&_pragma=cache_size(-2048)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open event segment %s: %w", s.path, err)
	}
	r.SetMaxOpenConns(2)
	r.SetMaxIdleConns(2)
	s.w, s.r = w, r
	return nil
}

// createSegment creates a segment file with its schema under a temporary
// name and links it into place, so that no reader (in this process or
// another) ever sees a segment without its tables.
func createSegment(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create event directory: %w", err)
	}
	// Leftovers of a creation a crash interrupted.
	if stale, _ := filepath.Glob(path + ".tmp-*"); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path + ".tmp-" + hex.EncodeToString(rnd[:])
	db, err := sql.Open("sqlite", tmp+"?_pragma=page_size("+strconv.Itoa(segmentPageSize)+")&_pragma=journal_mode(WAL)")
	if err != nil {
		return fmt.Errorf("create event segment: %w", err)
	}
	_, err = db.Exec(segmentSchema)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	defer removeSegmentFiles(tmp)
	if err != nil {
		return fmt.Errorf("create event segment %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create event segment %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func removeSegmentFiles(path string) error {
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// tenantExists checks the tenant in the main database.
func (es *events) tenantExists(ctx context.Context, tenantID string) error {
	var one int
	err := es.db.r.QueryRowContext(ctx, `SELECT 1 FROM tenants WHERE id = ?`, tenantID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
	}
	if err != nil {
		return fmt.Errorf("read tenant: %w", err)
	}
	return nil
}

// AppendEvents implements bianque.EventStore. The events of each day are
// appended to that day's segment in one transaction.
func (db *DB) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	batches, err := evstore.Prepare(evs)
	if err != nil {
		return 0, err
	}
	if len(batches) == 0 {
		return 0, nil
	}
	if err := db.events.tenantExists(ctx, tenantID); err != nil {
		return 0, err
	}
	inserted := 0
	for _, d := range batches {
		n, err := db.events.appendDay(ctx, tenantID, d)
		if err != nil {
			return inserted, err
		}
		inserted += n
	}
	return inserted, nil
}

func (es *events) appendDay(ctx context.Context, tenantID string, d *evstore.DayBatch) (int, error) {
	s, err := es.acquire(tenantID, d.Day, true)
	if err != nil {
		return 0, err
	}
	defer es.release(s)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	n, err := appendTx(ctx, s.w, d, false)
	if err == errRedelivered {
		// Some events were stored before (a batch delivered again): the
		// second pass looks up which, and appends the others.
		n, err = appendTx(ctx, s.w, d, true)
	}
	if err != nil {
		return 0, err
	}
	d.Release()
	return n, nil
}

var errRedelivered = errors.New("some events are stored already")

// appendTx appends a day batch in one transaction: the keys (ON CONFLICT
// DO NOTHING), then the blocks. The first pass expects every key to be new
// and gives up (errRedelivered) if one is not; the second (check) looks up
// which keys are stored first and keeps only the other events.
func appendTx(ctx context.Context, w *sql.DB, d *evstore.DayBatch, check bool) (int, error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("append events: begin: %w", err)
	}
	defer tx.Rollback()
	keys := keyBlobs(d.Items)
	want := len(d.Items)
	if check {
		stored, err := storedKeys(ctx, tx, keys)
		if err != nil {
			return 0, err
		}
		fresh := make(map[bianque.EventKey]bool, len(d.Items))
		keys = keys[:0]
		for i := len(d.Items) - 1; i >= 0; i-- {
			if it := d.Items[i]; !stored[it.Key] {
				fresh[it.Key] = true
				keys = append(keys, keyBlob(it.Key))
			}
		}
		if want = d.Keep(fresh); want == 0 {
			return 0, nil
		}
	}
	n, err := insertKeys(ctx, tx, keys)
	if err != nil {
		return 0, err
	}
	if n != int64(want) {
		if !check {
			return 0, errRedelivered
		}
		return 0, fmt.Errorf("append events: %d of %d new keys inserted", n, want)
	}
	var base int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM blocks`).Scan(&base); err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	for i, b := range d.Blocks {
		if b.N == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blocks (id, ts_min, ts_max, n, raw, data) VALUES (?, ?, ?, ?, ?, ?)`,
			base+int64(i), b.TSMin, b.TSMax, b.N, b.Raw, b.Data); err != nil {
			return 0, fmt.Errorf("append events: block: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("append events: commit: %w", err)
	}
	return want, nil
}

// keyBlob is the stored key of an event: 16 bytes that sort like the key,
// the time (sign bit flipped) and the hash, big-endian.
func keyBlob(k bianque.EventKey) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(k.TS)^(1<<63))
	binary.BigEndian.PutUint64(b[8:], k.Hash)
	return b[:]
}

func keyOfBlob(b []byte) (bianque.EventKey, bool) {
	if len(b) != 16 {
		return bianque.EventKey{}, false
	}
	return bianque.EventKey{TS: int64(binary.BigEndian.Uint64(b[:8]) ^ (1 << 63)), Hash: binary.BigEndian.Uint64(b[8:])}, true
}

// keyBlobs returns the keys of items (newest first) oldest first: inserted
// in ascending order they land at the end of the B-tree, where SQLite
// appends without splitting pages in the middle.
func keyBlobs(items []evstore.Item) [][]byte {
	buf := make([]byte, 16*len(items))
	out := make([][]byte, len(items))
	for j := range items {
		i := len(items) - 1 - j
		it := items[j]
		b := buf[16*i : 16*i+16 : 16*i+16]
		binary.BigEndian.PutUint64(b[:8], uint64(it.Key.TS)^(1<<63))
		binary.BigEndian.PutUint64(b[8:], it.Key.Hash)
		out[i] = b
	}
	return out
}

// keyRows is how many keys one statement carries (within SQLite's limit of
// 32,766 parameters).
const keyRows = 1000

func placeholders(prefix string, n int, suffix string) string {
	return prefix + strings.TrimSuffix(strings.Repeat("(?), ", n), ", ") + suffix
}

var keyInsert = func() []string {
	q := make([]string, keyRows+1)
	for n := 1; n <= keyRows; n++ {
		q[n] = placeholders("INSERT INTO ids (k) VALUES ", n, " ON CONFLICT DO NOTHING")
	}
	return q
}()

// chunks runs fn over keys keyRows at a time, with the statement for that
// many (the full-size one prepared once).
func chunks(ctx context.Context, tx *sql.Tx, keys [][]byte, stmt func(n int) string, fn func(st *sql.Stmt, args []any) error) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, keyRows)
	for lo := 0; lo < len(keys); lo += keyRows {
		hi := min(lo+keyRows, len(keys))
		args = args[:0]
		for _, k := range keys[lo:hi] {
			args = append(args, k)
		}
		st := full
		var err error
		if hi-lo < keyRows {
			if st, err = tx.PrepareContext(ctx, stmt(hi-lo)); err != nil {
				return err
			}
			err = fn(st, args)
			st.Close()
		} else {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, stmt(keyRows)); err != nil {
					return err
				}
			}
			err = fn(full, args)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertKeys inserts keys, skipping those already stored, and returns how
// many were new.
func insertKeys(ctx context.Context, tx *sql.Tx, keys [][]byte) (int64, error) {
	var n int64
	err := chunks(ctx, tx, keys, func(n int) string { return keyInsert[n] }, func(st *sql.Stmt, args []any) error {
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		n += m
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("append events: keys: %w", err)
	}
	return n, nil
}

// storedKeys returns which of keys are stored.
func storedKeys(ctx context.Context, tx *sql.Tx, keys [][]byte) (map[bianque.EventKey]bool, error) {
	out := map[bianque.EventKey]bool{}
	err := chunks(ctx, tx, keys, func(n int) string { return placeholders("SELECT k FROM ids WHERE k IN (", n, ")") },
		func(st *sql.Stmt, args []any) error {
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					return err
				}
				if k, ok := keyOfBlob(b); ok {
					out[k] = true
				}
			}
			return rows.Err()
		})
	if err != nil {
		return nil, fmt.Errorf("append events: stored keys: %w", err)
	}
	return out, nil
}

// source implements evstore.Source over the segments.
type source struct{ es *events }

var _ evstore.Source = source{}

func (src source) Days(ctx context.Context, tenantID string) ([]time.Time, error) {
	ents, err := os.ReadDir(src.es.tenantDir(tenantID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list event partitions: %w", err)
	}
	var days []time.Time
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || e.IsDir() {
			continue
		}
		if d, err := time.Parse(time.DateOnly, name); err == nil {
			days = append(days, d)
		}
	}
	return days, nil
}

// withReader runs fn on the reader of an existing segment; a segment that
// does not exist (dropped meanwhile) runs nothing.
func (src source) withReader(tenantID string, day time.Time, fn func(r *sql.DB) error) error {
	s, err := src.es.acquire(tenantID, day, false)
	if err != nil || s == nil {
		return err
	}
	defer src.es.release(s)
	return fn(s.r)
}

func (src source) Blocks(ctx context.Context, tenantID string, day time.Time, lo, hi int64) ([]evstore.Block, error) {
	var out []evstore.Block
	err := src.withReader(tenantID, day, func(r *sql.DB) error {
		rows, err := r.QueryContext(ctx, `SELECT id, ts_min, ts_max, n, raw FROM blocks WHERE ts_max >= ? AND ts_min <= ?
			ORDER BY ts_max DESC`, lo, hi)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b evstore.Block
			if err := rows.Scan(&b.ID, &b.TSMin, &b.TSMax, &b.N, &b.Raw); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list event blocks: %w", err)
	}
	return out, nil
}

func (src source) BlockData(ctx context.Context, tenantID string, day time.Time, id int64) ([]byte, error) {
	var data []byte
	err := src.withReader(tenantID, day, func(r *sql.DB) error {
		return r.QueryRowContext(ctx, `SELECT data FROM blocks WHERE id = ?`, id).Scan(&data)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read event block: %w", err)
	}
	return data, nil
}

func (src source) BlocksAt(ctx context.Context, tenantID string, k bianque.EventKey) ([][]byte, error) {
	var out [][]byte
	err := src.withReader(tenantID, time.Unix(0, k.TS), func(r *sql.DB) error {
		var one int
		err := r.QueryRowContext(ctx, `SELECT 1 FROM ids WHERE k = ?`, keyBlob(k)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		rows, err := r.QueryContext(ctx, `SELECT data FROM blocks WHERE ts_max >= ? AND ts_min <= ? ORDER BY id`, k.TS, k.TS)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				return err
			}
			out = append(out, data)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return out, nil
}

func (src source) EachBlock(ctx context.Context, tenantID string, day time.Time, fn func(evstore.Block) error) error {
	return src.withReader(tenantID, day, func(r *sql.DB) error {
		// Page through the blocks by ID, so that no read transaction stays
		// open while fn writes out (it would hold back checkpoints).
		var after int64
		for {
			rows, err := r.QueryContext(ctx, `SELECT id, ts_min, ts_max, n, raw, data FROM blocks WHERE id > ? ORDER BY id LIMIT 16`, after)
			if err != nil {
				return fmt.Errorf("read event blocks: %w", err)
			}
			var bs []evstore.Block
			for rows.Next() {
				var b evstore.Block
				if err := rows.Scan(&b.ID, &b.TSMin, &b.TSMax, &b.N, &b.Raw, &b.Data); err != nil {
					rows.Close()
					return fmt.Errorf("read event blocks: %w", err)
				}
				bs = append(bs, b)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("read event blocks: %w", err)
			}
			if len(bs) == 0 {
				return nil
			}
			for _, b := range bs {
				if err := fn(b); err != nil {
					return err
				}
			}
			after = bs[len(bs)-1].ID
		}
	})
}

// SearchEvents implements bianque.EventStore.
func (db *DB) SearchEvents(ctx context.Context, q bianque.EventQuery) (*bianque.EventPage, error) {
	return evstore.Search(ctx, source{db.events}, q)
}

// Event implements bianque.EventStore.
func (db *DB) Event(ctx context.Context, tenantID, ref string) (*bianque.StoredEvent, error) {
	return evstore.Lookup(ctx, source{db.events}, tenantID, ref)
}

// ExportTenantEvents implements bianque.EventStore.
func (db *DB) ExportTenantEvents(ctx context.Context, tenantID string, w io.Writer) (int64, error) {
	return evstore.Export(ctx, source{db.events}, tenantID, w)
}

// EventPartitions implements bianque.EventStore.
func (db *DB) EventPartitions(ctx context.Context, tenantID string) ([]bianque.EventPartition, error) {
	src := source{db.events}
	days, err := src.Days(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(days, time.Time.Compare)
	out := make([]bianque.EventPartition, 0, len(days))
	for _, day := range days {
		p := bianque.EventPartition{TenantID: tenantID, Day: day}
		found := false
		err := src.withReader(tenantID, day, func(r *sql.DB) error {
			found = true
			return r.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM blocks`).Scan(&p.Events)
		})
		if err != nil {
			return nil, fmt.Errorf("count events of %s: %w", dayName(day), err)
		}
		if !found {
			continue
		}
		path := db.events.segPath(segKey{tenantID, dayName(day)})
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(path + suffix); err == nil {
				p.Bytes += fi.Size()
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// drop closes and deletes one segment; it waits for the references held
// on it (a search or export reading it) to end.
func (es *events) drop(tenant string, day time.Time) error {
	k := segKey{tenant, dayName(day)}
	es.mu.Lock()
	s := es.segs[k]
	if s != nil {
		for s.doomed { // another drop is on it
			es.gone.Wait()
			if es.segs[k] != s {
				es.mu.Unlock()
				return nil
			}
		}
		s.doomed = true
		for s.refs > 0 {
			es.gone.Wait()
		}
	}
	es.mu.Unlock()
	var err error
	if s != nil {
		err = s.close()
	}
	if rerr := removeSegmentFiles(es.segPath(k)); err == nil {
		err = rerr
	}
	if s != nil {
		es.mu.Lock()
		delete(es.segs, k)
		es.gone.Broadcast()
		es.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("drop event partition %s of %s: %w", k.day, tenant, err)
	}
	return nil
}

// DropEventPartitionsBefore implements bianque.EventStore.
func (db *DB) DropEventPartitionsBefore(ctx context.Context, tenantID string, day time.Time) ([]bianque.EventPartition, error) {
	parts, err := db.EventPartitions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cut := bianque.DayOf(day)
	var dropped []bianque.EventPartition
	for _, p := range parts {
		if !p.Day.Before(cut) {
			break
		}
		if err := db.events.drop(tenantID, p.Day); err != nil {
			return dropped, err
		}
		dropped = append(dropped, p)
	}
	return dropped, nil
}

// PurgeTenantEvents implements bianque.EventStore: it deletes the tenant's
// segments and directory. Appends for the tenant fail with ENOTFOUND while
// it runs.
func (db *DB) PurgeTenantEvents(ctx context.Context, tenantID string) (int64, error) {
	es := db.events
	es.mu.Lock()
	es.purging[tenantID] = true
	es.mu.Unlock()
	defer func() {
		es.mu.Lock()
		delete(es.purging, tenantID)
		es.mu.Unlock()
	}()
	return es.purge(ctx, db, tenantID)
}

func (es *events) purge(ctx context.Context, db *DB, tenantID string) (int64, error) {
	parts, err := db.EventPartitions(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range parts {
		if err := es.drop(tenantID, p.Day); err != nil {
			return n, err
		}
		n += p.Events
	}
	if err := os.RemoveAll(es.tenantDir(tenantID)); err != nil {
		return n, fmt.Errorf("purge events of %s: %w", tenantID, err)
	}
	return n, nil
}

// countEvents counts the tenant's stored events (for TenantRowCounts).
func (db *DB) countEvents(ctx context.Context, tenantID string) (int64, error) {
	parts, err := db.EventPartitions(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range parts {
		n += p.Events
	}
	return n, nil
}
