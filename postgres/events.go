package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"bianque"
	"bianque/event"
	"bianque/internal/evstore"
)

// Events are kept in two tables partitioned by tenant, then by day
// (migration 0100): event_keys (the key of every event and its block) and
// event_blocks (compressed blocks, see internal/evstore). A day's partitions
// are created on demand — created apart and attached, which does not block
// the tenant's other appends — and appends, searches and drops address
// the day's tables directly. Retention drops them; a tenant's purge drops its
// partitions.

// partNames returns the names of the tenant's partitions (keys, blocks):
// the tenant ID where it makes a short, plain identifier, else a hash of it.
func partNames(tenantID string) (keys, blocks string) {
	name := tenantID
	plain := len(name) <= 32
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
	}
	if !plain {
		sum := sha256.Sum256([]byte(tenantID))
		name = "x" + hex.EncodeToString(sum[:12])
	}
	return "event_keys_" + name, "event_blocks_" + name
}

func dayTables(tenantID string, day time.Time) (keys, blocks string) {
	k, b := partNames(tenantID)
	suffix := "_" + day.UTC().Format("20060102")
	return k + suffix, b + suffix
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// events is the event store of a DB.
type events struct {
	db *DB
	mu sync.Mutex
	// known caches the days whose partitions exist (tenant/yyyymmdd).
	known map[string]bool
}

func (es *events) knownKey(tenantID string, day time.Time) string {
	return tenantID + "/" + day.UTC().Format("20060102")
}

func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

// lockTenant takes the transaction's advisory lock over the tenant's
// partitions (creating, dropping), and a key-share lock on the tenant row
// so that it cannot be purged meanwhile; a missing tenant is ENOTFOUND.
// The tenant row is locked first, as PurgeTenant does, so the two never
// wait for each other in opposite orders.
func lockTenant(ctx context.Context, tx pgx.Tx, tenantID string) error {
	if err := tenantKeyShare(ctx, tx, tenantID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bianque.events.' || current_schema() || '.' || $1))`, tenantID); err != nil {
		return fmt.Errorf("lock event partitions: %w", err)
	}
	return nil
}

func tenantKeyShare(ctx context.Context, tx pgx.Tx, tenantID string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR KEY SHARE`, tenantID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
	}
	if err != nil {
		return fmt.Errorf("read tenant: %w", err)
	}
	return nil
}

// ensure creates the tenant's partitions of day if they do not exist.
func (es *events) ensure(ctx context.Context, tenantID string, day time.Time) error {
	kk := es.knownKey(tenantID, day)
	es.mu.Lock()
	ok := es.known[kk]
	es.mu.Unlock()
	if ok {
		return nil
	}
	err := pgx.BeginFunc(ctx, es.db.pool, func(tx pgx.Tx) error {
		if err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		pk, pb := partNames(tenantID)
		dk, db := dayTables(tenantID, day)
		lo, hi := evstore.DayBounds(day)
		// What exists and what is attached, read from the catalog tables
		// under this statement's snapshot (a cached name lookup could miss
		// tables another session created while this one waited for the lock).
		rows, err := tx.Query(ctx, `SELECT c.relname, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = ANY($1)`, []string{pk, pb, dk, db})
		if err != nil {
			return err
		}
		exists, attached := map[string]bool{}, map[string]bool{}
		for rows.Next() {
			var name string
			var att bool
			if err := rows.Scan(&name, &att); err != nil {
				rows.Close()
				return err
			}
			exists[name], attached[name] = true, att
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if attached[dk] && attached[db] {
			return nil
		}
		lit := "'" + strings.ReplaceAll(tenantID, "'", "''") + "'"
		for _, p := range []struct{ parent, tenant, day string }{{"event_keys", pk, dk}, {"event_blocks", pb, db}} {
			key := "ts"
			if p.parent == "event_blocks" {
				key = "ts_min"
			}
			// Created apart, then attached: attaching takes a lock that does
			// not block appends to other tenants and days.
			if !exists[p.tenant] {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE (%s)`,
					ident(p.tenant), p.parent, key)); err != nil {
					return err
				}
			}
			if !attached[p.tenant] {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%s)`, p.parent, ident(p.tenant), lit)); err != nil {
					return err
				}
			}
			if !exists[p.day] {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE,
					CHECK (tenant_id = %s AND %s >= %d AND %s < %d))`, ident(p.day), p.parent, lit, key, lo, key, hi+1)); err != nil {
					return err
				}
			}
			if !attached[p.day] {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%d) TO (%d)`,
					ident(p.tenant), ident(p.day), lo, hi+1)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		if bianque.ErrorCode(err) != "" && bianque.ErrorCode(err) != bianque.EINTERNAL {
			return err
		}
		return fmt.Errorf("create event partitions of %s: %w", day.Format(time.DateOnly), err)
	}
	es.mu.Lock()
	es.known[kk] = true
	es.mu.Unlock()
	return nil
}

func (es *events) forget(tenantID string, day time.Time) {
	es.mu.Lock()
	delete(es.known, es.knownKey(tenantID, day))
	es.mu.Unlock()
}

func (es *events) forgetTenant(tenantID string) {
	es.mu.Lock()
	for k := range es.known {
		if strings.HasPrefix(k, tenantID+"/") {
			delete(es.known, k)
		}
	}
	es.mu.Unlock()
}

// AppendEvents implements bianque.EventStore: the events of each day go to
// that day's partitions in one transaction: keys first (ON CONFLICT DO
// NOTHING tells which are new), then the blocks of the new ones.
func (db *DB) AppendEvents(ctx context.Context, tenantID string, evs []*event.Event) (int, error) {
	batches, err := evstore.Prepare(evs)
	if err != nil {
		return 0, err
	}
	inserted := 0
	for _, d := range batches {
		var n int
		for attempt := 0; ; attempt++ {
			if err := db.events.ensure(ctx, tenantID, d.Day); err != nil {
				return inserted, err
			}
			n, err = db.events.appendDay(ctx, tenantID, d)
			if err != nil && isUndefinedTable(err) && attempt < 2 {
				db.events.forget(tenantID, d.Day) // dropped by another node meanwhile
				continue
			}
			break
		}
		if err != nil {
			return inserted, err
		}
		inserted += n
		d.Release()
	}
	return inserted, nil
}

func (es *events) appendDay(ctx context.Context, tenantID string, d *evstore.DayBatch) (int, error) {
	dk, dbk := dayTables(tenantID, d.Day)
	pk, pb := partNames(tenantID)
	n := 0
	err := pgx.BeginFunc(ctx, es.db.pool, func(tx pgx.Tx) error {
		if err := tenantKeyShare(ctx, tx, tenantID); err != nil {
			return err
		}
		// The tenant's parents first, as DROP of a day's partition takes
		// them: inserting into a partition locks its parent after the
		// partition, and the two orders would deadlock.
		if _, err := tx.Exec(ctx, fmt.Sprintf(`LOCK TABLE %s, %s IN ACCESS SHARE MODE`, ident(pk), ident(pb))); err != nil {
			return err
		}
		var blockIDs []int64
		if err := tx.QueryRow(ctx, `SELECT array_agg(nextval('event_block_ids') ORDER BY g) FROM generate_series(1, $1) g`,
			len(d.Blocks)).Scan(&blockIDs); err != nil {
			return fmt.Errorf("block IDs: %w", err)
		}
		ts := make([]int64, len(d.Items))
		hs := make([]int64, len(d.Items))
		blk := make([]int64, len(d.Items))
		for j, it := range d.Items {
			i := len(d.Items) - 1 - j
			ts[i], hs[i], blk[i] = it.Key.TS, int64(it.Key.Hash), blockIDs[evstore.BlockOfItem(j)]
		}
		// Keys in one order (oldest first: the end of the index) for every
		// writer: concurrent appends of overlapping batches wait for each
		// other, never deadlock.
		rows, err := tx.Query(ctx, fmt.Sprintf(`INSERT INTO %s (tenant_id, ts, h, blk) SELECT $1, t, h, b FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(t, h, b)
			ON CONFLICT DO NOTHING RETURNING ts, h`, ident(dk)), tenantID, ts, hs, blk)
		if err != nil {
			return err
		}
		fresh := make(map[bianque.EventKey]bool, len(d.Items))
		for rows.Next() {
			var k bianque.EventKey
			var h int64
			if err := rows.Scan(&k.TS, &h); err != nil {
				rows.Close()
				return err
			}
			k.Hash = uint64(h)
			fresh[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(fresh)
		if n < len(d.Items) {
			d.Keep(fresh)
		}
		if n == 0 {
			return nil
		}
		var b pgx.Batch
		for i, bl := range d.Blocks {
			if bl.N == 0 {
				continue
			}
			b.Queue(fmt.Sprintf(`INSERT INTO %s (tenant_id, ts_min, id, ts_max, n, raw, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`, ident(dbk)),
				tenantID, bl.TSMin, blockIDs[i], bl.TSMax, bl.N, bl.Raw, bl.Data)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		if code := bianque.ErrorCode(err); code == bianque.ENOTFOUND || isUndefinedTable(err) {
			return 0, err
		}
		return 0, fmt.Errorf("append %s: %w", d, err)
	}
	return n, nil
}

// source implements evstore.Source over the day partitions.
type source struct{ db *DB }

var _ evstore.Source = source{}

func (src source) Days(ctx context.Context, tenantID string) ([]time.Time, error) {
	_, pb := partNames(tenantID)
	rows, err := src.db.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = to_regclass($1)`, pb)
	if err != nil {
		return nil, fmt.Errorf("list event partitions: %w", err)
	}
	defer rows.Close()
	var days []time.Time
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list event partitions: %w", err)
		}
		if i := strings.LastIndexByte(name, '_'); i >= 0 {
			if d, err := time.Parse("20060102", name[i+1:]); err == nil {
				days = append(days, d)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list event partitions: %w", err)
	}
	return days, nil
}

func (src source) Blocks(ctx context.Context, tenantID string, day time.Time, lo, hi int64) ([]evstore.Block, error) {
	_, dbk := dayTables(tenantID, day)
	rows, err := src.db.pool.Query(ctx, fmt.Sprintf(`SELECT id, ts_min, ts_max, n, raw FROM %s WHERE ts_max >= $1 AND ts_min <= $2 ORDER BY ts_max DESC`,
		ident(dbk)), lo, hi)
	if err != nil {
		if isUndefinedTable(err) {
			return nil, nil // dropped meanwhile
		}
		return nil, fmt.Errorf("list event blocks: %w", err)
	}
	defer rows.Close()
	var out []evstore.Block
	for rows.Next() {
		var b evstore.Block
		var n, raw int32
		if err := rows.Scan(&b.ID, &b.TSMin, &b.TSMax, &n, &raw); err != nil {
			return nil, fmt.Errorf("list event blocks: %w", err)
		}
		b.N, b.Raw = int(n), int(raw)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil && !isUndefinedTable(err) {
		return nil, fmt.Errorf("list event blocks: %w", err)
	}
	return out, nil
}

func (src source) BlockData(ctx context.Context, tenantID string, day time.Time, id int64) ([]byte, error) {
	_, dbk := dayTables(tenantID, day)
	var data []byte
	err := src.db.pool.QueryRow(ctx, fmt.Sprintf(`SELECT data FROM %s WHERE id = $1`, ident(dbk)), id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) || isUndefinedTable(err) {
		return nil, nil // dropped meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("read event block: %w", err)
	}
	return data, nil
}

func (src source) BlocksAt(ctx context.Context, tenantID string, k bianque.EventKey) ([][]byte, error) {
	dk, dbk := dayTables(tenantID, time.Unix(0, k.TS))
	var data []byte
	err := src.db.pool.QueryRow(ctx, fmt.Sprintf(`SELECT b.data FROM %s k JOIN %s b ON b.id = k.blk WHERE k.ts = $1 AND k.h = $2`,
		ident(dk), ident(dbk)), k.TS, int64(k.Hash)).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) || isUndefinedTable(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return [][]byte{data}, nil
}

func (src source) EachBlock(ctx context.Context, tenantID string, day time.Time, fn func(evstore.Block) error) error {
	_, dbk := dayTables(tenantID, day)
	var after int64 = -1 << 63
	for {
		rows, err := src.db.pool.Query(ctx, fmt.Sprintf(`SELECT id, ts_min, ts_max, n, raw, data FROM %s WHERE id > $1 ORDER BY id LIMIT 16`, ident(dbk)), after)
		if err != nil {
			if isUndefinedTable(err) {
				return nil
			}
			return fmt.Errorf("read event blocks: %w", err)
		}
		var bs []evstore.Block
		for rows.Next() {
			var b evstore.Block
			var n, raw int32
			if err := rows.Scan(&b.ID, &b.TSMin, &b.TSMax, &n, &raw, &b.Data); err != nil {
				rows.Close()
				return fmt.Errorf("read event blocks: %w", err)
			}
			b.N, b.Raw = int(n), int(raw)
			bs = append(bs, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			if isUndefinedTable(err) {
				return nil
			}
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
}

// SearchEvents implements bianque.EventStore.
func (db *DB) SearchEvents(ctx context.Context, q bianque.EventQuery) (*bianque.EventPage, error) {
	return evstore.Search(ctx, source{db}, q)
}

// Event implements bianque.EventStore.
func (db *DB) Event(ctx context.Context, tenantID, ref string) (*bianque.StoredEvent, error) {
	return evstore.Lookup(ctx, source{db}, tenantID, ref)
}

// ExportTenantEvents implements bianque.EventStore.
func (db *DB) ExportTenantEvents(ctx context.Context, tenantID string, w io.Writer) (int64, error) {
	return evstore.Export(ctx, source{db}, tenantID, w)
}

// EventPartitions implements bianque.EventStore.
func (db *DB) EventPartitions(ctx context.Context, tenantID string) ([]bianque.EventPartition, error) {
	days, err := source{db}.Days(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(days, time.Time.Compare)
	out := make([]bianque.EventPartition, 0, len(days))
	for _, day := range days {
		dk, dbk := dayTables(tenantID, day)
		p := bianque.EventPartition{TenantID: tenantID, Day: day}
		err := db.pool.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(sum(n), 0), pg_total_relation_size($1::regclass) + pg_total_relation_size($2::regclass) FROM %s`,
			ident(dbk)), dk, dbk).Scan(&p.Events, &p.Bytes)
		if isUndefinedTable(err) {
			continue // dropped meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("count events of %s: %w", day.Format(time.DateOnly), err)
		}
		out = append(out, p)
	}
	return out, nil
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
		dk, dbk := dayTables(tenantID, p.Day)
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bianque.events.' || current_schema() || '.' || $1))`, tenantID); err != nil {
				return err
			}
			// Counted again under the lock: what is dropped is what is reported.
			if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(sum(n), 0) FROM %s`, ident(dbk))).Scan(&p.Events); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %s, %s`, ident(dk), ident(dbk)))
			return err
		})
		db.events.forget(tenantID, p.Day)
		if isUndefinedTable(err) {
			continue
		}
		if err != nil {
			return dropped, fmt.Errorf("drop event partition %s: %w", p.Day.Format(time.DateOnly), err)
		}
		dropped = append(dropped, p)
	}
	return dropped, nil
}

// PurgeTenantEvents implements bianque.EventStore.
func (db *DB) PurgeTenantEvents(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bianque.events.' || current_schema() || '.' || $1))`, tenantID); err != nil {
			return err
		}
		var err error
		n, err = dropTenantPartitions(ctx, txExec{tx}, tenantID)
		return err
	})
	db.events.forgetTenant(tenantID)
	if err != nil {
		return 0, fmt.Errorf("purge events: %w", err)
	}
	return n, nil
}

// execer is the part of pgx.Tx and *sql.Tx that dropTenantPartitions needs.
type execer interface {
	count(ctx context.Context, query string) (int64, error)
	exec(ctx context.Context, query string) error
}

type txExec struct{ tx pgx.Tx }

func (t txExec) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, q).Scan(&n)
	return n, err
}

func (t txExec) exec(ctx context.Context, q string) error {
	_, err := t.tx.Exec(ctx, q)
	return err
}

type sqlExec struct{ tx *sql.Tx }

func (t sqlExec) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

func (t sqlExec) exec(ctx context.Context, q string) error {
	_, err := t.tx.ExecContext(ctx, q)
	return err
}

// dropTenantPartitions drops the tenant's partitions (with their days) and
// returns how many events they held.
func dropTenantPartitions(ctx context.Context, x execer, tenantID string) (int64, error) {
	pk, pb := partNames(tenantID)
	exists, err := x.count(ctx, fmt.Sprintf(`SELECT count(*) FROM pg_class WHERE oid IN (to_regclass('%s'), to_regclass('%s'))`, pk, pb))
	if err != nil || exists == 0 {
		return 0, err
	}
	n, err := x.count(ctx, fmt.Sprintf(`SELECT count(*) FROM %s`, ident(pk)))
	if err != nil {
		return 0, err
	}
	return n, x.exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %s, %s CASCADE`, ident(pk), ident(pb)))
}

// purgeEventsHook drops the tenant's event partitions inside PurgeTenant's
// transaction and counts what they held under the parent tables' names.
func (db *DB) purgeEventsHook(ctx context.Context, tx *sql.Tx, tenantID string, counts map[string]int64) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('bianque.events.' || current_schema() || '.' || $1))`, tenantID); err != nil {
		return err
	}
	x := sqlExec{tx}
	_, pb := partNames(tenantID)
	blocks, err := x.count(ctx, fmt.Sprintf(`SELECT CASE WHEN to_regclass('%s') IS NULL THEN 0 ELSE (SELECT count(*) FROM event_blocks WHERE tenant_id = '%s') END`,
		pb, strings.ReplaceAll(tenantID, "'", "''")))
	if err != nil {
		return fmt.Errorf("count event blocks: %w", err)
	}
	keys, err := dropTenantPartitions(ctx, x, tenantID)
	if err != nil {
		return fmt.Errorf("drop event partitions: %w", err)
	}
	counts["event_keys"] += keys
	counts["event_blocks"] += blocks
	db.events.forgetTenant(tenantID)
	return nil
}
