package sqlstore

// SQL returns the store itself. The database packages embed *Store, so
// their DB types answer SQL() too: areas keeping their own tables next to
// the platform's (discover/ledger) reach the connections through it
// without knowing which database is behind a bianque.Store.
func (s *Store) SQL() *Store { return s }
