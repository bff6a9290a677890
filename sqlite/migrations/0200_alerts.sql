-- Alerts raised by detection (rules, correlations, indicators), one row per
-- aggregated alert (tenant, dedup key, window). The queryable fields are
-- columns; the whole alert is in data (JSON).
CREATE TABLE alerts (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants (id),
	kind         TEXT NOT NULL,
	rule_id      TEXT NOT NULL,
	level        TEXT NOT NULL,
	level_rank   INTEGER NOT NULL,
	status       TEXT NOT NULL,
	category     TEXT NOT NULL DEFAULT '',
	dedup_key    TEXT NOT NULL,
	attacker_ip  TEXT NOT NULL DEFAULT '',
	victim_ip    TEXT NOT NULL DEFAULT '',
	victim_host  TEXT NOT NULL DEFAULT '',
	count        INTEGER NOT NULL,
	ticket_id    TEXT NOT NULL DEFAULT '',
	first_seen   INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	version      INTEGER NOT NULL,
	data         TEXT NOT NULL
) STRICT;
CREATE INDEX alerts_tenant ON alerts (tenant_id, id);
CREATE INDEX alerts_tenant_status ON alerts (tenant_id, status, id);
CREATE INDEX alerts_tenant_rule ON alerts (tenant_id, rule_id, id);
CREATE INDEX alerts_tenant_last_seen ON alerts (tenant_id, last_seen);

-- Suppressions of alerts confirmed as false positives (R5.2 whitelist);
-- tenant_id NULL applies to every tenant.
CREATE TABLE alert_suppressions (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT REFERENCES tenants (id),
	rule_id     TEXT NOT NULL DEFAULT '',
	expires_at  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;
CREATE INDEX alert_suppressions_tenant ON alert_suppressions (tenant_id, expires_at);
