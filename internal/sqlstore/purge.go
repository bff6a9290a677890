package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"bianque"
)

// PurgeHook runs inside PurgeTenant's transaction before the table rows are
// deleted, for data the catalog scan does not reach (event partitions). It
// adds what it removed to counts.
type PurgeHook func(ctx context.Context, tx *sql.Tx, tenantID string, counts map[string]int64) error

// PurgeTenant deletes the tenant's rows from every table that has a
// tenant_id column (found in the catalog, so tables added by later
// migrations are covered), the sessions and API tokens of its users, its
// audit chain and head, and finally the tenant; all in one transaction. It
// returns the rows deleted per table (tables without rows included). It
// records nothing in the audit log itself.
func (s *Store) PurgeTenant(ctx context.Context, id string) (map[string]int64, error) {
	return s.PurgeTenantWith(ctx, id, nil)
}

// PurgeTenantWith is PurgeTenant with a hook run first in the transaction.
func (s *Store) PurgeTenantWith(ctx context.Context, id string, hook PurgeHook) (map[string]int64, error) {
	if id == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "purge needs a tenant ID")
	}
	counts := map[string]int64{}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.Q(`SELECT 1 FROM tenants WHERE id = ?`+s.d.LockRow), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("tenant")
		}
		if err != nil {
			return s.dbErr(err, "read tenant")
		}
		if hook != nil {
			if err := hook(ctx, tx, id, counts); err != nil {
				return err
			}
		}
		// Rows that hang off the tenant's users and carry no tenant_id;
		// deleted explicitly so that the counts show them.
		for _, table := range []string{"sessions", "api_tokens"} {
			res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM `+table+` WHERE user_id IN (SELECT id FROM users WHERE tenant_id = ?)`), id)
			if err != nil {
				return s.dbErr(err, "purge "+table)
			}
			n, _ := res.RowsAffected()
			counts[table] += n
		}
		tables, refs, err := s.d.TenantTables(ctx, tx)
		if err != nil {
			return s.dbErr(err, "list tenant tables")
		}
		for _, table := range deleteOrder(tables, refs) {
			res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM `+QuoteIdent(table)+` WHERE tenant_id = ?`), id)
			if err != nil {
				return s.dbErr(err, "purge "+table)
			}
			n, _ := res.RowsAffected()
			counts[table] += n
		}
		res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM tenants WHERE id = ?`), id)
		if err != nil {
			return s.dbErr(err, "purge tenant")
		}
		n, _ := res.RowsAffected()
		counts["tenants"] += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// deleteOrder sorts tables so that a table referencing another (refs: child
// → parents) comes before it. Cycles are broken arbitrarily.
func deleteOrder(tables []string, refs map[string][]string) []string {
	tables = slices.Clone(tables)
	slices.Sort(tables)
	children := map[string][]string{}
	for child, parents := range refs {
		for _, p := range parents {
			if p != child {
				children[p] = append(children[p], child)
			}
		}
	}
	for _, c := range children {
		slices.Sort(c)
	}
	member := map[string]bool{}
	for _, t := range tables {
		member[t] = true
	}
	seen := map[string]bool{}
	var order []string
	var visit func(t string)
	visit = func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, c := range children[t] {
			if member[c] {
				visit(c)
			}
		}
		order = append(order, t)
	}
	for _, t := range tables {
		visit(t)
	}
	return order
}

// TenantTables lists the tables that have a tenant_id column, in the order
// PurgeTenant deletes from them.
func (s *Store) TenantTables(ctx context.Context) ([]string, error) {
	tables, refs, err := s.d.TenantTables(ctx, s.r)
	if err != nil {
		return nil, s.dbErr(err, "list tenant tables")
	}
	return deleteOrder(tables, refs), nil
}

// TenantRowCounts counts the tenant's rows in every table with a tenant_id
// column, plus its row in tenants; for verifying a purge or sizing an export.
func (s *Store) TenantRowCounts(ctx context.Context, tenantID string) (map[string]int64, error) {
	tables, err := s.TenantTables(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(tables)+1)
	for _, t := range tables {
		var n int64
		if err := s.r.QueryRowContext(ctx, s.Q(`SELECT count(*) FROM `+QuoteIdent(t)+` WHERE tenant_id = ?`), tenantID).Scan(&n); err != nil {
			return nil, s.dbErr(err, "count "+t)
		}
		out[t] = n
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, s.Q(`SELECT count(*) FROM tenants WHERE id = ?`), tenantID).Scan(&n); err != nil {
		return nil, s.dbErr(err, "count tenants")
	}
	out["tenants"] = n
	return out, nil
}

// ExecRaw runs one statement as it is (the database's own placeholders) on
// the write connection and returns the rows affected. It bypasses every rule
// of the store: it exists for tests that tamper with data on purpose and for
// maintenance, never for application code.
func (s *Store) ExecRaw(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// QueryRaw runs a query as it is on the read pool; like ExecRaw it is for
// tests and maintenance.
func (s *Store) QueryRaw(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.r.QueryContext(ctx, query, args...)
}
