package sqlstore

import (
	"context"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"bianque"
)

// secretColumns are never exported: credentials (hashes of passwords,
// tokens and enrolment secrets, TOTP secrets, feed passwords).
var secretColumns = map[string]bool{
	"password_hash": true, "totp_secret": true, "token_hash": true, "enroll_secret_hash": true, "password": true,
}

// ExportTenantRows calls fn for the tenant's row of tenants and then for
// every row of the tenant in every table with a tenant_id column (the
// tables TenantTables lists, so tables added by later migrations are
// covered), one table after the other. A row is a map of column name to
// value: text, numbers, booleans, times (SQLite keeps nanoseconds, which
// stay numbers), JSON columns as text; binary values that are not UTF-8
// are base64 with the column name suffixed "_base64". Credential columns
// are left out (secretColumns). Sessions and API tokens, which hang off
// users and hold only hashes of secrets, are not exported.
func (s *Store) ExportTenantRows(ctx context.Context, tenantID string, fn func(table string, row map[string]any) error) error {
	tables, err := s.TenantTables(ctx)
	if err != nil {
		return err
	}
	if err := s.exportRows(ctx, "tenants", `SELECT * FROM tenants WHERE id = ?`, tenantID, fn); err != nil {
		return err
	}
	for _, t := range tables {
		if err := s.exportRows(ctx, t, `SELECT * FROM `+QuoteIdent(t)+` WHERE tenant_id = ?`, tenantID, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) exportRows(ctx context.Context, table, query, tenantID string, fn func(string, map[string]any) error) error {
	rows, err := s.r.QueryContext(ctx, s.Q(query), tenantID)
	if err != nil {
		return s.dbErr(err, "export "+table)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return s.dbErr(err, "export "+table)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return s.dbErr(err, "export "+table)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if secretColumns[strings.ToLower(c)] {
				continue
			}
			switch v := vals[i].(type) {
			case []byte:
				if utf8.Valid(v) {
					row[c] = string(v)
				} else {
					row[c+"_base64"] = base64.StdEncoding.EncodeToString(v)
				}
			case time.Time:
				row[c] = v.UTC()
			default:
				row[c] = v
			}
		}
		if err := fn(table, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.dbErr(err, "export "+table)
	}
	return nil
}

var _ bianque.TenantDataExporter = (*Store)(nil)
