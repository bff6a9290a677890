package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"bianque"
)

// Findings (migration 0300): queryable fields as columns, the whole finding
// as JSON in data.

const findingCols = `id, tenant_id, asset_id, key, title, severity, state, priority, host, port, component, cves, kev,
	due_at, first_seen, last_seen, created_at, updated_at, version, data`

func scanFinding(row interface{ Scan(...any) error }) (*bianque.Finding, error) {
	var f bianque.Finding
	var id, tenant string
	var version int64
	var k skipCol
	err := row.Scan(&id, &tenant, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, &version, JSONCol{&f})
	if err != nil {
		return nil, err
	}
	f.ID, f.TenantID, f.Version = id, tenant, version
	return &f, nil
}

// skipCol ignores a column: the JSON document carries the whole finding; the
// columns exist for filters and indexes.
type skipCol struct{}

func (skipCol) Scan(any) error { return nil }

func (s *Store) findingArgs(f *bianque.Finding) ([]any, error) {
	if f.Key == "" {
		f.Key = bianque.FindingKey(f)
	}
	if f.State == "" {
		f.State = bianque.FindingOpen
	}
	data, err := JSON(f)
	if err != nil {
		return nil, err
	}
	return []any{f.AssetID, f.Key, f.Title, string(f.Severity), string(f.State), f.Priority, f.Host, f.Port, f.Component,
		strings.Join(f.CVEs, " "), f.KEV, s.NT(f.DueAt), s.T(f.FirstSeen), s.T(f.LastSeen), s.T(f.CreatedAt), s.T(f.UpdatedAt), f.Version, data}, nil
}

// UpsertFinding stores f by (TenantID, Key). A new key creates the finding
// (Version 1, state open unless set). A known key keeps the stored identity
// and lifecycle (ID, state, ticket, due date, acceptance, first seen,
// reopen count) and takes the report's fields, LastSeen and evidence from f;
// f is filled with the stored result. created reports which happened.
func (s *Store) UpsertFinding(ctx context.Context, f *bianque.Finding) (bool, error) {
	if f.TenantID == "" {
		return false, bianque.Errorf(bianque.EINVALID, "finding tenant is required")
	}
	if err := f.Validate(); err != nil {
		return false, err
	}
	now := s.clock.Now()
	if f.Key == "" {
		f.Key = bianque.FindingKey(f)
	}
	created := false
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		old, err := scanFinding(tx.QueryRowContext(ctx, s.Q(`SELECT `+findingCols+` FROM findings WHERE tenant_id = ? AND key = ?`), f.TenantID, f.Key))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			if f.CreatedAt.IsZero() {
				f.CreatedAt = now
			}
			if f.UpdatedAt.IsZero() {
				f.UpdatedAt = f.CreatedAt
			}
			if f.FirstSeen.IsZero() {
				f.FirstSeen = f.CreatedAt
			}
			if f.LastSeen.IsZero() {
				f.LastSeen = f.FirstSeen
			}
			if f.ID == "" {
				f.ID = bianque.NewIDAt(f.CreatedAt)
			}
			f.Version = 1
			args, err := s.findingArgs(f)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.Q(`INSERT INTO findings (`+findingCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				append([]any{f.ID, f.TenantID}, args...)...)
			return s.dbErr(err, "create finding")
		case err != nil:
			return s.dbErr(err, "read finding")
		}
		f.ID, f.CreatedAt, f.FirstSeen = old.ID, old.CreatedAt, old.FirstSeen
		f.State, f.StateReason, f.TicketID, f.DueAt = old.State, old.StateReason, old.TicketID, old.DueAt
		f.AcceptedUntil, f.AcceptedBy, f.ReopenCount, f.ClosedAt, f.RetestedAt = old.AcceptedUntil, old.AcceptedBy, old.ReopenCount, old.ClosedAt, old.RetestedAt
		if f.AssetID == "" {
			f.AssetID = old.AssetID
		}
		if f.LastSeen.IsZero() {
			f.LastSeen = now
		}
		if f.LastSeen.Before(old.LastSeen) {
			f.LastSeen = old.LastSeen
		}
		f.UpdatedAt = now
		f.Version = old.Version + 1
		args, err := s.findingArgs(f)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.Q(`UPDATE findings SET asset_id = ?, key = ?, title = ?, severity = ?, state = ?, priority = ?, host = ?,
			port = ?, component = ?, cves = ?, kev = ?, due_at = ?, first_seen = ?, last_seen = ?, created_at = ?, updated_at = ?, version = ?, data = ?
			WHERE tenant_id = ? AND id = ?`), append(args, f.TenantID, f.ID)...)
		return s.dbErr(err, "update finding")
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// Finding returns the tenant's finding, or ENOTFOUND.
func (s *Store) Finding(ctx context.Context, tenantID, id string) (*bianque.Finding, error) {
	f, err := scanFinding(s.r.QueryRowContext(ctx, s.Q(`SELECT `+findingCols+` FROM findings WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("finding")
	}
	if err != nil {
		return nil, s.dbErr(err, "read finding")
	}
	return f, nil
}

// Findings lists findings of f.TenantIDs (required), newest first.
func (s *Store) Findings(ctx context.Context, f bianque.FindingFilter) ([]*bianque.Finding, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "finding list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "state", f.States)
	in(&w, "severity", f.Severities)
	if f.AssetID != "" {
		w.add("asset_id = ?", f.AssetID)
	}
	if f.Priority != "" {
		w.add("priority = ?", f.Priority)
	}
	if f.Host != "" {
		w.add("host = ?", f.Host)
	}
	if f.CVE != "" {
		w.add("(' ' || cves || ' ') LIKE ?", "% "+strings.ToUpper(strings.TrimSpace(f.CVE))+" %")
	}
	if f.KEV != nil {
		w.add("kev = ?", *f.KEV)
	}
	if f.Overdue {
		w.add("state IN ('open', 'fixing', 'retest') AND due_at IS NOT NULL AND due_at < ?", s.T(f.Now))
	}
	s.contains(&w, f.Query, "title", "component")
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+findingCols+` FROM findings`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list findings")
	}
	defer rows.Close()
	var out []*bianque.Finding
	for rows.Next() {
		x, err := scanFinding(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list findings")
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list findings")
	}
	out, next := trim(out, limit, func(x *bianque.Finding) string { return x.ID })
	return out, next, nil
}

// UpdateFinding stores f if f.Version is the stored version (else ECONFLICT,
// or ENOTFOUND) and increments f.Version.
func (s *Store) UpdateFinding(ctx context.Context, f *bianque.Finding) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = s.clock.Now()
	}
	want := f.Version
	f.Version = want + 1
	args, err := s.findingArgs(f)
	if err != nil {
		f.Version = want
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE findings SET asset_id = ?, key = ?, title = ?, severity = ?, state = ?, priority = ?, host = ?,
			port = ?, component = ?, cves = ?, kev = ?, due_at = ?, first_seen = ?, last_seen = ?, created_at = ?, updated_at = ?, version = ?, data = ?
			WHERE tenant_id = ? AND id = ? AND version = ?`), append(args, f.TenantID, f.ID, want)...)
		if err != nil {
			return s.dbErr(err, "update finding")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, "findings", "finding", f.TenantID, f.ID, want)
		}
		return nil
	})
	if err != nil {
		f.Version = want
	}
	return err
}

var _ bianque.FindingStore = (*Store)(nil)
