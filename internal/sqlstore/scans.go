package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"bianque"
)

// Scan scopes, scan jobs and virtual-patch requests (migration 0301): each
// a JSON document with a few columns for filters, under optimistic
// concurrency like tickets and findings.

// docTable describes one such table.
type docTable struct {
	table, what string
}

var (
	scopeTable = docTable{"scan_scopes", "scan scope"}
	jobTable   = docTable{"scan_jobs", "scan job"}
	patchTable = docTable{"virtual_patches", "virtual patch"}
)

const docCols = `id, tenant_id, name, state, created_at, updated_at, version, data`

// docRow is what the columns of a document row hold.
type docRow struct {
	id, tenantID, name, state string
	created, updated          time.Time
	version                   int64
	doc                       any
}

func (s *Store) createDoc(ctx context.Context, t docTable, r docRow) error {
	data, err := JSON(r.doc)
	if err != nil {
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO `+t.table+` (`+docCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			r.id, r.tenantID, r.name, r.state, s.T(r.created), s.T(r.updated), r.version, data)
		return err
	})
	return s.dbErr(err, "create "+t.what)
}

func (s *Store) getDoc(ctx context.Context, t docTable, tenantID, id string, into any) (int64, error) {
	var version int64
	var k skipCol
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT `+docCols+` FROM `+t.table+` WHERE tenant_id = ? AND id = ?`), tenantID, id).
		Scan(k, k, k, k, k, k, &version, JSONCol{into})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(t.what)
	}
	if err != nil {
		return 0, s.dbErr(err, "read "+t.what)
	}
	return version, nil
}

// updateDoc stores r if the stored version is r.version-1.
func (s *Store) updateDoc(ctx context.Context, t docTable, r docRow) error {
	data, err := JSON(r.doc)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE `+t.table+` SET name = ?, state = ?, updated_at = ?, version = ?, data = ?
			WHERE tenant_id = ? AND id = ? AND version = ?`), r.name, r.state, s.T(r.updated), r.version, data, r.tenantID, r.id, r.version-1)
		if err != nil {
			return s.dbErr(err, "update "+t.what)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, t.table, t.what, r.tenantID, r.id, r.version-1)
		}
		return nil
	})
}

// listDocs runs a keyset-paged query; scan decodes one row's document.
func (s *Store) listDocs(ctx context.Context, t docTable, w where, pg bianque.Page, scan func(version int64, raw *JSONCol) error, newDoc func() any) (string, error) {
	tail, limit := page(&w, "id", pg)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT id, version, data FROM `+t.table+w.sql()+tail), w.args...)
	if err != nil {
		return "", s.dbErr(err, "list "+t.what)
	}
	defer rows.Close()
	n := 0
	last := ""
	for rows.Next() {
		n++
		var id string
		var version int64
		doc := newDoc()
		col := JSONCol{doc}
		if err := rows.Scan(&id, &version, col); err != nil {
			return "", s.dbErr(err, "list "+t.what)
		}
		if n > limit {
			break
		}
		last = id
		if err := scan(version, &col); err != nil {
			return "", err
		}
	}
	if err := rows.Err(); err != nil {
		return "", s.dbErr(err, "list "+t.what)
	}
	if n > limit {
		return last, nil
	}
	return "", nil
}

func (s *Store) now(t *time.Time) {
	if t.IsZero() {
		*t = s.clock.Now()
	}
}

// CreateScanScope stores a new scope of the tenant (Version 1).
func (s *Store) CreateScanScope(ctx context.Context, sc *bianque.ScanScope) error {
	if sc.TenantID == "" {
		return bianque.Errorf(bianque.EINVALID, "scan scope tenant is required")
	}
	if err := sc.Validate(); err != nil {
		return err
	}
	s.now(&sc.CreatedAt)
	if sc.UpdatedAt.IsZero() {
		sc.UpdatedAt = sc.CreatedAt
	}
	if sc.ID == "" {
		sc.ID = bianque.NewIDAt(sc.CreatedAt)
	}
	sc.Version = 1
	return s.createDoc(ctx, scopeTable, docRow{sc.ID, sc.TenantID, sc.Name, sc.Vantage, sc.CreatedAt, sc.UpdatedAt, 1, sc})
}

// ScanScopeByID returns one scope of the tenant, or ENOTFOUND.
func (s *Store) ScanScopeByID(ctx context.Context, tenantID, id string) (*bianque.ScanScope, error) {
	var sc bianque.ScanScope
	v, err := s.getDoc(ctx, scopeTable, tenantID, id, &sc)
	if err != nil {
		return nil, err
	}
	sc.ID, sc.TenantID, sc.Version = id, tenantID, v
	return &sc, nil
}

// ScanScopes lists the tenant's scopes, newest first (a tenant holds a few).
func (s *Store) ScanScopes(ctx context.Context, tenantID string) ([]*bianque.ScanScope, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	var out []*bianque.ScanScope
	_, err := s.listDocs(ctx, scopeTable, w, bianque.Page{Limit: bianque.MaxPageLimit}, func(v int64, c *JSONCol) error {
		sc := c.V.(*bianque.ScanScope)
		sc.Version = v
		out = append(out, sc)
		return nil
	}, func() any { return &bianque.ScanScope{} })
	return out, err
}

// UpdateScanScope stores sc if sc.Version is the stored version.
func (s *Store) UpdateScanScope(ctx context.Context, sc *bianque.ScanScope) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	sc.UpdatedAt = s.clock.Now()
	sc.Version++
	err := s.updateDoc(ctx, scopeTable, docRow{sc.ID, sc.TenantID, sc.Name, sc.Vantage, sc.CreatedAt, sc.UpdatedAt, sc.Version, sc})
	if err != nil {
		sc.Version--
	}
	return err
}

// DeleteScanScope removes a scope of the tenant.
func (s *Store) DeleteScanScope(ctx context.Context, tenantID, id string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM scan_scopes WHERE tenant_id = ? AND id = ?`), tenantID, id)
		if err != nil {
			return s.dbErr(err, "delete scan scope")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("scan scope")
		}
		return nil
	})
}

// CreateScanJob stores a new job (Version 1).
func (s *Store) CreateScanJob(ctx context.Context, j *bianque.ScanJob) error {
	if err := j.Validate(); err != nil {
		return err
	}
	s.now(&j.CreatedAt)
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	if j.ID == "" {
		j.ID = bianque.NewIDAt(j.CreatedAt)
	}
	j.Version = 1
	return s.createDoc(ctx, jobTable, docRow{j.ID, j.TenantID, j.Spec.ScopeID, string(j.State), j.CreatedAt, j.UpdatedAt, 1, j})
}

// ScanJob returns one job of the tenant, or ENOTFOUND.
func (s *Store) ScanJob(ctx context.Context, tenantID, id string) (*bianque.ScanJob, error) {
	var j bianque.ScanJob
	v, err := s.getDoc(ctx, jobTable, tenantID, id, &j)
	if err != nil {
		return nil, err
	}
	j.ID, j.TenantID, j.Version = id, tenantID, v
	return &j, nil
}

// ScanJobs lists jobs of f.TenantIDs (required), newest first.
func (s *Store) ScanJobs(ctx context.Context, f bianque.ScanJobFilter) ([]*bianque.ScanJob, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "scan job list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "state", f.States)
	var out []*bianque.ScanJob
	next, err := s.listDocs(ctx, jobTable, w, f.Page, func(v int64, c *JSONCol) error {
		j := c.V.(*bianque.ScanJob)
		j.Version = v
		out = append(out, j)
		return nil
	}, func() any { return &bianque.ScanJob{} })
	return out, next, err
}

// UpdateScanJob stores j if j.Version is the stored version.
func (s *Store) UpdateScanJob(ctx context.Context, j *bianque.ScanJob) error {
	if err := j.Validate(); err != nil {
		return err
	}
	j.UpdatedAt = s.clock.Now()
	j.Version++
	err := s.updateDoc(ctx, jobTable, docRow{j.ID, j.TenantID, j.Spec.ScopeID, string(j.State), j.CreatedAt, j.UpdatedAt, j.Version, j})
	if err != nil {
		j.Version--
	}
	return err
}

// CreateVirtualPatch stores a new request (Version 1).
func (s *Store) CreateVirtualPatch(ctx context.Context, v *bianque.VirtualPatch) error {
	if err := v.Validate(); err != nil {
		return err
	}
	s.now(&v.CreatedAt)
	if v.UpdatedAt.IsZero() {
		v.UpdatedAt = v.CreatedAt
	}
	if v.ID == "" {
		v.ID = bianque.NewIDAt(v.CreatedAt)
	}
	v.Version = 1
	return s.createDoc(ctx, patchTable, docRow{v.ID, v.TenantID, v.FindingID, string(v.State), v.CreatedAt, v.UpdatedAt, 1, v})
}

// VirtualPatch returns one request of the tenant, or ENOTFOUND.
func (s *Store) VirtualPatch(ctx context.Context, tenantID, id string) (*bianque.VirtualPatch, error) {
	var v bianque.VirtualPatch
	ver, err := s.getDoc(ctx, patchTable, tenantID, id, &v)
	if err != nil {
		return nil, err
	}
	v.ID, v.TenantID, v.Version = id, tenantID, ver
	return &v, nil
}

// VirtualPatches lists requests of f.TenantIDs (required), newest first.
func (s *Store) VirtualPatches(ctx context.Context, f bianque.VirtualPatchFilter) ([]*bianque.VirtualPatch, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "virtual patch list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "state", f.States)
	if f.FindingID != "" {
		w.add("name = ?", f.FindingID)
	}
	var out []*bianque.VirtualPatch
	next, err := s.listDocs(ctx, patchTable, w, f.Page, func(ver int64, c *JSONCol) error {
		v := c.V.(*bianque.VirtualPatch)
		v.Version = ver
		out = append(out, v)
		return nil
	}, func() any { return &bianque.VirtualPatch{} })
	return out, next, err
}

// UpdateVirtualPatch stores v if v.Version is the stored version.
func (s *Store) UpdateVirtualPatch(ctx context.Context, v *bianque.VirtualPatch) error {
	if err := v.Validate(); err != nil {
		return err
	}
	v.UpdatedAt = s.clock.Now()
	v.Version++
	err := s.updateDoc(ctx, patchTable, docRow{v.ID, v.TenantID, v.FindingID, string(v.State), v.CreatedAt, v.UpdatedAt, v.Version, v})
	if err != nil {
		v.Version--
	}
	return err
}

// JobLastRun returns when the named periodic job last started (zero: never).
func (s *Store) JobLastRun(ctx context.Context, name string) (time.Time, error) {
	var t time.Time
	err := s.w.QueryRowContext(ctx, s.Q(`SELECT last_run FROM job_runs WHERE name = ?`), name).Scan(TimeCol{&t})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, s.dbErr(err, "read job run")
	}
	return t, nil
}

// SetJobRun records a run of the named job.
func (s *Store) SetJobRun(ctx context.Context, name string, at time.Time, status string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO job_runs (name, last_run, status) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run, status = excluded.status`), name, s.T(at), status)
		return s.dbErr(err, "record job run")
	})
}

var (
	_ bianque.ScanStore   = (*Store)(nil)
	_ bianque.JobRunStore = (*Store)(nil)
)
