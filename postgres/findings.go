package postgres

import "bianque"

// The findings of vulnerability management (migration 0300) are stored by the
// shared SQL in internal/sqlstore.
var _ bianque.FindingStore = (*DB)(nil)
