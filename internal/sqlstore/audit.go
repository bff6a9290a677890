package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"bianque"
)

const auditCols = `tenant_id, seq, at_ns, actor_id, actor_name, actor_role, source_ip, action, object_type, object_id, detail, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (*bianque.AuditEntry, error) {
	e := &bianque.AuditEntry{}
	var ns int64
	err := row.Scan(&e.TenantID, &e.Seq, &ns, &e.ActorID, &e.ActorName, &e.ActorRole, &e.SourceIP, &e.Action,
		&e.ObjectType, &e.ObjectID, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = time.Unix(0, ns).UTC()
	return e, err
}

// AppendAudit appends e to its tenant's chain: it reads the chain head with
// a row lock (PostgreSQL; SQLite's single writer serialises anyway), sets
// e.Seq, e.PrevHash and e.Hash, and stores the entry and the new head in one
// transaction. At is kept to the nanosecond, as the hash covers it.
func (s *Store) AppendAudit(ctx context.Context, e *bianque.AuditEntry) error {
	if strings.TrimSpace(e.Action) == "" {
		return bianque.Errorf(bianque.EINVALID, "audit entry action is required")
	}
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	e.At = e.At.UTC()
	entry := *e
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, '')
			ON CONFLICT (tenant_id) DO NOTHING`), e.TenantID); err != nil {
			return s.dbErr(err, "create audit head")
		}
		var seq int64
		var prev string
		if err := tx.QueryRowContext(ctx, s.Q(`SELECT seq, hash FROM audit_heads WHERE tenant_id = ?`+s.d.LockRow), e.TenantID).Scan(&seq, &prev); err != nil {
			return s.dbErr(err, "read audit head")
		}
		entry.Seq = seq + 1
		entry.PrevHash = prev
		entry.Hash = entry.ComputeHash()
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO audit_entries (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			entry.TenantID, entry.Seq, entry.At.UnixNano(), entry.ActorID, entry.ActorName, string(entry.ActorRole),
			entry.SourceIP, entry.Action, entry.ObjectType, entry.ObjectID, entry.Detail, entry.PrevHash, entry.Hash); err != nil {
			return s.dbErr(err, "append audit entry")
		}
		if _, err := tx.ExecContext(ctx, s.Q(`UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ?`),
			entry.Seq, entry.Hash, entry.TenantID); err != nil {
			return s.dbErr(err, "update audit head")
		}
		return nil
	})
	if err != nil {
		return err
	}
	*e = entry
	return nil
}

// AuditEntries lists one chain's entries, newest first; the cursor is the
// Seq of the last entry of the previous page.
func (s *Store) AuditEntries(ctx context.Context, f bianque.AuditFilter) ([]*bianque.AuditEntry, string, error) {
	var w where
	w.add("tenant_id = ?", f.TenantID)
	if f.ActorID != "" {
		w.add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		w.add("at_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		w.add("at_ns < ?", f.To.UnixNano())
	}
	p := f.Page.Normalize()
	if p.Cursor != "" {
		seq, err := strconv.ParseInt(p.Cursor, 10, 64)
		if err != nil {
			return nil, "", bianque.Errorf(bianque.EINVALID, "audit cursor %q is not a sequence number", p.Cursor)
		}
		w.add("seq < ?", seq)
	}
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+auditCols+` FROM audit_entries`+w.sql()+
		fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", p.Limit+1)), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list audit entries")
	}
	defer rows.Close()
	var out []*bianque.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list audit entries")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list audit entries")
	}
	out, next := trim(out, p.Limit, func(e *bianque.AuditEntry) string { return strconv.FormatInt(e.Seq, 10) })
	return out, next, nil
}

// AuditHeads returns the head of every chain, platform chain first.
func (s *Store) AuditHeads(ctx context.Context) ([]*bianque.AuditHead, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant_id, seq, hash FROM audit_heads ORDER BY tenant_id`)
	if err != nil {
		return nil, s.dbErr(err, "read audit heads")
	}
	defer rows.Close()
	var out []*bianque.AuditHead
	for rows.Next() {
		h := &bianque.AuditHead{}
		if err := rows.Scan(&h.TenantID, &h.Seq, &h.Hash); err != nil {
			return nil, s.dbErr(err, "read audit heads")
		}
		out = append(out, h)
	}
	return out, s.dbErr(rows.Err(), "read audit heads")
}

// scanBatch is how many audit entries ScanAudit reads per query, so that no
// query stays open while fn runs for a long chain.
const scanBatch = 1000

// ScanAudit calls fn for every entry of the tenant's chain in Seq order,
// stopping at fn's first error.
func (s *Store) ScanAudit(ctx context.Context, tenantID string, fn func(*bianque.AuditEntry) error) error {
	after := int64(-1 << 62)
	for {
		rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+auditCols+` FROM audit_entries WHERE tenant_id = ? AND seq > ?
			ORDER BY seq LIMIT `+strconv.Itoa(scanBatch)), tenantID, after)
		if err != nil {
			return s.dbErr(err, "scan audit log")
		}
		var batch []*bianque.AuditEntry
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return s.dbErr(err, "scan audit log")
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.dbErr(err, "scan audit log")
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < scanBatch {
			return nil
		}
		after = batch[len(batch)-1].Seq
	}
}
