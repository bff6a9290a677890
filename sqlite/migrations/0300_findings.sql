-- Findings (vulnerabilities) of the tenants' assets, deduplicated by
-- (tenant, key): asset + service + vulnerability (bianque.FindingKey).
-- The queryable fields are columns; the whole finding is in data (JSON).
CREATE TABLE findings (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id),
	asset_id      TEXT NOT NULL DEFAULT '',
	key           TEXT NOT NULL,
	title         TEXT NOT NULL,
	severity      TEXT NOT NULL,
	state         TEXT NOT NULL,
	priority      TEXT NOT NULL DEFAULT '',
	host          TEXT NOT NULL DEFAULT '',
	port          INTEGER NOT NULL DEFAULT 0,
	component     TEXT NOT NULL DEFAULT '',
	cves          TEXT NOT NULL DEFAULT '',   -- space-separated, for the CVE filter
	kev           INTEGER NOT NULL DEFAULT 0,
	due_at        INTEGER,
	first_seen    INTEGER NOT NULL,
	last_seen     INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	version       INTEGER NOT NULL,
	data          TEXT NOT NULL,
	UNIQUE (tenant_id, key)
) STRICT;
CREATE INDEX findings_tenant ON findings (tenant_id, id);
CREATE INDEX findings_tenant_state ON findings (tenant_id, state, id);
CREATE INDEX findings_tenant_asset ON findings (tenant_id, asset_id, id);
