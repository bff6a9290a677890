package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"bianque"
)

// Components and dead letters of the ingestion area (migration 0500).

var (
	_ bianque.ComponentStore  = (*Store)(nil)
	_ bianque.DeadLetterStore = (*Store)(nil)
)

const componentCols = `id, tenant_id, name, kind, state, vendor, product, address, software_version, csr, cert_serial,
	cert_pem, cert_not_after, enroll_secret_hash, token_hash, events_total, errors_total, events_per_second, backlog_events,
	last_error, last_seen, approved_by, approved_at, revoked_by, revoked_at, created_at, updated_at, version`

func (s *Store) scanComponent(row interface{ Scan(...any) error }) (*bianque.Component, error) {
	c := &bianque.Component{}
	err := row.Scan(&c.ID, &c.TenantID, &c.Name, &c.Kind, &c.State, &c.Vendor, &c.Product, &c.Address, &c.SoftwareVersion,
		&c.CSR, &c.CertSerial, &c.CertPEM, NullTimeCol{&c.CertNotAfter}, &c.EnrollSecretHash, &c.TokenHash,
		&c.Stats.EventsTotal, &c.Stats.ErrorsTotal, &c.Stats.EventsPerSecond, &c.Stats.BacklogEvents, &c.Stats.LastError,
		NullTimeCol{&c.LastSeen}, &c.ApprovedBy, NullTimeCol{&c.ApprovedAt}, &c.RevokedBy, NullTimeCol{&c.RevokedAt},
		TimeCol{&c.CreatedAt}, TimeCol{&c.UpdatedAt}, &c.Version)
	return c, err
}

// componentArgs are the columns after id and tenant_id, up to updated_at.
func (s *Store) componentArgs(c *bianque.Component) []any {
	return []any{c.Name, string(c.Kind), string(c.State), c.Vendor, c.Product, c.Address, c.SoftwareVersion, c.CSR,
		c.CertSerial, c.CertPEM, s.NT(c.CertNotAfter), c.EnrollSecretHash, c.TokenHash, c.Stats.EventsTotal,
		c.Stats.ErrorsTotal, c.Stats.EventsPerSecond, c.Stats.BacklogEvents, c.Stats.LastError, s.NT(c.LastSeen),
		c.ApprovedBy, s.NT(c.ApprovedAt), c.RevokedBy, s.NT(c.RevokedAt), s.T(c.CreatedAt), s.T(c.UpdatedAt)}
}

// CreateComponent stores a new component with Version 1; a duplicate ID,
// token hash or certificate serial is ECONFLICT. Empty ID and times are filled in.
func (s *Store) CreateComponent(ctx context.Context, c *bianque.Component) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.clock.Now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	if c.ID == "" {
		c.ID = bianque.NewIDAt(c.CreatedAt)
	}
	c.Version = 1
	args := append([]any{c.ID, c.TenantID}, s.componentArgs(c)...)
	args = append(args, c.Version)
	_, err := s.w.ExecContext(ctx, s.Q(`INSERT INTO components (`+componentCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	return s.dbErr(err, "create component "+c.Name)
}

func (s *Store) componentWhere(ctx context.Context, cond string, arg ...any) (*bianque.Component, error) {
	c, err := s.scanComponent(s.r.QueryRowContext(ctx, s.Q(`SELECT `+componentCols+` FROM components WHERE `+cond), arg...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("component")
	}
	return c, s.dbErr(err, "read component")
}

// Component returns the component id of tenantID (of any tenant when
// tenantID is ""), or ENOTFOUND.
func (s *Store) Component(ctx context.Context, tenantID, id string) (*bianque.Component, error) {
	if tenantID == "" {
		return s.componentWhere(ctx, `id = ?`, id)
	}
	return s.componentWhere(ctx, `tenant_id = ? AND id = ?`, tenantID, id)
}

// ComponentByTokenHash returns the component whose ingest token hashes to hash.
func (s *Store) ComponentByTokenHash(ctx context.Context, hash string) (*bianque.Component, error) {
	if hash == "" {
		return nil, notFound("component")
	}
	return s.componentWhere(ctx, `token_hash = ?`, hash)
}

// ComponentByCertSerial returns the component holding the certificate serial.
func (s *Store) ComponentByCertSerial(ctx context.Context, serial string) (*bianque.Component, error) {
	if serial == "" {
		return nil, notFound("component")
	}
	return s.componentWhere(ctx, `cert_serial = ?`, serial)
}

// Components lists components of f.TenantIDs (required), newest first.
func (s *Store) Components(ctx context.Context, f bianque.ComponentFilter) ([]*bianque.Component, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "component filter needs tenants")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "kind", f.Kinds)
	in(&w, "state", f.States)
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+componentCols+` FROM components`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list components")
	}
	defer rows.Close()
	var out []*bianque.Component
	for rows.Next() {
		c, err := s.scanComponent(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list components")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list components")
	}
	out, next := trim(out, limit, func(c *bianque.Component) string { return c.ID })
	return out, next, nil
}

// UpdateComponent stores c if c.Version is the stored version (else
// ECONFLICT, or ENOTFOUND if it is not the tenant's) and increments c.Version.
func (s *Store) UpdateComponent(ctx context.Context, c *bianque.Component) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = s.clock.Now()
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		args := append(s.componentArgs(c), c.TenantID, c.ID, c.Version)
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE components SET name = ?, kind = ?, state = ?, vendor = ?, product = ?,
			address = ?, software_version = ?, csr = ?, cert_serial = ?, cert_pem = ?, cert_not_after = ?, enroll_secret_hash = ?,
			token_hash = ?, events_total = ?, errors_total = ?, events_per_second = ?, backlog_events = ?, last_error = ?,
			last_seen = ?, approved_by = ?, approved_at = ?, revoked_by = ?, revoked_at = ?, created_at = ?, updated_at = ?,
			version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?`), args...)
		if err != nil {
			return s.dbErr(err, "update component")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, "components", "component", c.TenantID, c.ID, c.Version)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.Version++
	return nil
}

// TouchComponent records activity: last seen, address, added totals, and
// the latest rate, backlog and error. It does not change Version.
func (s *Store) TouchComponent(ctx context.Context, id string, at time.Time, address string, d bianque.ComponentStats) error {
	res, err := s.w.ExecContext(ctx, s.Q(`UPDATE components SET last_seen = ?,
		address = CASE WHEN ? = '' THEN address ELSE ? END,
		events_total = events_total + ?, errors_total = errors_total + ?, events_per_second = ?, backlog_events = ?,
		last_error = ? WHERE id = ?`),
		s.T(at), address, address, d.EventsTotal, d.ErrorsTotal, d.EventsPerSecond, d.BacklogEvents, d.LastError, id)
	if err != nil {
		return s.dbErr(err, "touch component")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("component")
	}
	return nil
}

// RevokedCertSerials lists the certificate serials of revoked components.
func (s *Store) RevokedCertSerials(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT cert_serial FROM components WHERE state = ? AND cert_serial <> ''`),
		string(bianque.ComponentRevoked))
	if err != nil {
		return nil, s.dbErr(err, "list revoked certificates")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var serial string
		if err := rows.Scan(&serial); err != nil {
			return nil, s.dbErr(err, "list revoked certificates")
		}
		out = append(out, serial)
	}
	return out, s.dbErr(rows.Err(), "list revoked certificates")
}

const deadLetterCols = `id, tenant_id, component_id, source, received_at, stage, reason, raw, created_at`

// AppendDeadLetters stores dead letters; one whose ID is stored already is
// skipped (redelivered input). TenantID "" is input of no known tenant.
func (s *Store) AppendDeadLetters(ctx context.Context, dls []*bianque.DeadLetter) error {
	if len(dls) == 0 {
		return nil
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		q := s.Q(`INSERT INTO dead_letters (` + deadLetterCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
		for _, d := range dls {
			if d.CreatedAt.IsZero() {
				d.CreatedAt = s.clock.Now()
			}
			if d.ID == "" {
				d.ID = bianque.NewIDAt(d.CreatedAt)
			}
			if _, err := tx.ExecContext(ctx, q, d.ID, nullIfEmpty(d.TenantID), d.ComponentID, d.Source, s.T(d.ReceivedAt),
				d.Stage, d.Reason, d.Raw, s.T(d.CreatedAt)); err != nil {
				return s.dbErr(err, "append dead letter")
			}
		}
		return nil
	})
}

func (s *Store) deadLetterWhere(f bianque.DeadLetterFilter) (*where, error) {
	if len(f.TenantIDs) == 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "dead-letter filter needs tenants")
	}
	w := &where{}
	in(w, "tenant_id", f.TenantIDs)
	if f.Stage != "" {
		w.add("stage = ?", f.Stage)
	}
	if !f.Since.IsZero() {
		w.add("created_at >= ?", s.T(f.Since))
	}
	return w, nil
}

// DeadLetters lists dead letters of f.TenantIDs, newest first.
func (s *Store) DeadLetters(ctx context.Context, f bianque.DeadLetterFilter) ([]*bianque.DeadLetter, string, error) {
	w, err := s.deadLetterWhere(f)
	if err != nil {
		return nil, "", err
	}
	tail, limit := page(w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+deadLetterCols+` FROM dead_letters`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list dead letters")
	}
	defer rows.Close()
	var out []*bianque.DeadLetter
	for rows.Next() {
		d := &bianque.DeadLetter{}
		if err := rows.Scan(&d.ID, NullStr{&d.TenantID}, &d.ComponentID, &d.Source, TimeCol{&d.ReceivedAt}, &d.Stage,
			&d.Reason, &d.Raw, TimeCol{&d.CreatedAt}); err != nil {
			return nil, "", s.dbErr(err, "list dead letters")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list dead letters")
	}
	out, next := trim(out, limit, func(d *bianque.DeadLetter) string { return d.ID })
	return out, next, nil
}

// CountDeadLetters counts dead letters of f.TenantIDs.
func (s *Store) CountDeadLetters(ctx context.Context, f bianque.DeadLetterFilter) (int64, error) {
	w, err := s.deadLetterWhere(f)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.r.QueryRowContext(ctx, s.Q(`SELECT count(*) FROM dead_letters`+w.sql()), w.args...).Scan(&n)
	return n, s.dbErr(err, "count dead letters")
}
